"""The sent-events ledger of ``python -m alerts``: which event went to which subscription, so
that each is sent once across repeated and interrupted runs (issue #14, docs/alerts.md).

It lives in ``RADSOME_DATA/alerts.sqlite`` (SQLite in WAL mode, like the review store:
operational data, not rebuilt, not under the warehouse's writer lock), one row per
(subscription, event key):

* ``sending``: recorded, and committed, *before* the message leaves; a row still ``sending``
  when a run starts belongs to a run that died mid-send (the run lock says no other run is
  alive), so it is *in doubt*: the message may or may not have arrived;
* ``sent``: the server accepted it (SMTP 250 after DATA, HTTP 2xx);
* ``failed``: the last attempt failed (retries exhausted, or refused); due again next run;
* ``expired``: was failed or in doubt, and is no longer due (the question was answered, a newer
  period replaced the SPC point, the connector recovered): nothing more will be sent.

Runs of the alerts hold :func:`run_lock` (an exclusive lock on ``.alerts.lock``), so two runs
never send the same event at once. The ledger only ever grows by one row per event and
subscription; a sent row is never sent again.
"""
from __future__ import annotations

import fcntl
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

from store import config, db

LEDGER_FILE = "alerts.sqlite"
LOCK_FILE = ".alerts.lock"
STATUSES = ("sending", "sent", "failed", "expired")

SCHEMA = """
CREATE TABLE IF NOT EXISTS sent_events (
    subscription TEXT NOT NULL,
    event_key TEXT NOT NULL,
    kind TEXT NOT NULL,
    channel TEXT NOT NULL,
    message_id TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('sending', 'sent', 'failed', 'expired')),
    attempts INTEGER NOT NULL DEFAULT 0,
    first_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    sent_at TEXT,
    error TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (subscription, event_key)
);
"""


class AlertsBusy(RuntimeError):
    """Another ``python -m alerts`` run holds the lock."""


@dataclass(frozen=True)
class Entry:
    subscription: str
    event_key: str
    kind: str
    channel: str
    message_id: str
    status: str
    attempts: int
    error: str


def ledger_path() -> Path:
    return config.data_dir() / LEDGER_FILE


@contextmanager
def run_lock(timeout: float = 60.0) -> Iterator[None]:
    """One alerts run at a time (cron may start the next before the last ends)."""
    path = config.data_dir() / LOCK_FILE
    with path.open("a+") as handle:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise AlertsBusy(f"another alerts run is using {config.data_dir()} (waited {timeout:.0f} s)") from None
                time.sleep(0.2)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _connect():
    con = db.connect_reviews(ledger_path())
    con.executescript(SCHEMA)
    return con


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="microseconds")


_COLUMNS = "subscription, event_key, kind, channel, message_id, status, attempts, error"


def get(subscription: str, event_key: str) -> Entry | None:
    con = _connect()
    try:
        row = con.execute(f"SELECT {_COLUMNS} FROM sent_events WHERE subscription = ? AND event_key = ?",
                          (subscription, event_key)).fetchone()
    finally:
        con.close()
    return Entry(*row) if row else None


def sent_keys(subscription: str) -> set[str]:
    """Event keys already sent to a subscription (not due again)."""
    con = _connect()
    try:
        return {k for (k,) in con.execute("SELECT event_key FROM sent_events WHERE subscription = ? AND status = 'sent'",
                                          (subscription,))}
    finally:
        con.close()


def in_doubt() -> list[Entry]:
    """Rows left ``sending`` by a run that died mid-send (call under :func:`run_lock`)."""
    con = _connect()
    try:
        return [Entry(*r) for r in con.execute(f"SELECT {_COLUMNS} FROM sent_events WHERE status = 'sending'"
                                               " ORDER BY first_at")]
    finally:
        con.close()


def claim(subscription: str, event_key: str, kind: str, channel: str, message_id: str) -> bool:
    """Record that the event is about to be sent (committed before anything leaves). False
    when it was sent already; a failed or in-doubt row is claimed again (one more attempt)."""
    now = _now()
    con = _connect()
    try:
        with con:
            cursor = con.execute(
                "INSERT INTO sent_events (subscription, event_key, kind, channel, message_id, status, attempts,"
                " first_at, updated_at) VALUES (?, ?, ?, ?, ?, 'sending', 1, ?, ?)"
                " ON CONFLICT (subscription, event_key) DO UPDATE SET status = 'sending',"
                " attempts = attempts + 1, updated_at = excluded.updated_at, channel = excluded.channel"
                " WHERE sent_events.status <> 'sent'",
                (subscription, event_key, kind, channel, message_id, now, now))
        return cursor.rowcount == 1
    finally:
        con.close()


def mark_sent(subscription: str, event_key: str) -> None:
    now = _now()
    con = _connect()
    try:
        with con:
            con.execute("UPDATE sent_events SET status = 'sent', sent_at = ?, updated_at = ?, error = ''"
                        " WHERE subscription = ? AND event_key = ?", (now, now, subscription, event_key))
    finally:
        con.close()


def mark_failed(subscription: str, event_key: str, error: str) -> None:
    con = _connect()
    try:
        with con:
            con.execute("UPDATE sent_events SET status = 'failed', updated_at = ?, error = ?"
                        " WHERE subscription = ? AND event_key = ? AND status <> 'sent'",
                        (_now(), error[:2000], subscription, event_key))
    finally:
        con.close()


def unfinished(subscription: str) -> list[Entry]:
    """A subscription's events that were claimed but not sent: failed, or in doubt."""
    con = _connect()
    try:
        return [Entry(*r) for r in con.execute(
            f"SELECT {_COLUMNS} FROM sent_events WHERE subscription = ? AND status IN ('sending', 'failed')"
            " ORDER BY first_at", (subscription,))]
    finally:
        con.close()


def mark_expired(subscription: str, event_key: str, reason: str) -> None:
    con = _connect()
    try:
        with con:
            con.execute("UPDATE sent_events SET status = 'expired', updated_at = ?, error = ?"
                        " WHERE subscription = ? AND event_key = ? AND status IN ('sending', 'failed')",
                        (_now(), reason[:2000], subscription, event_key))
    finally:
        con.close()


def all_entries() -> list[Entry]:
    """The whole ledger (tests, and an admin's look at what went out)."""
    if not ledger_path().exists():
        return []
    con = _connect()
    try:
        return [Entry(*r) for r in con.execute(f"SELECT {_COLUMNS} FROM sent_events ORDER BY first_at, event_key")]
    finally:
        con.close()
