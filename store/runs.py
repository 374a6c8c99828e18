"""Runs: every command that writes the raw store is recorded, with its counts; every crash point
of a write is named in :data:`store.faults.FAULT_POINTS` (re-exported here)."""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Callable, TypeVar

from store import config, db, rewrite
from store.faults import ENOSPC_PREFIX, FAULT_ENV, FAULT_POINTS, fault_point  # noqa: F401 (re-exported)
from store.reference import ensure_reference
from store.transaction import transaction

T = TypeVar("T")


@dataclass
class RunCounts:
    read: int = 0
    new: int = 0
    changed: int = 0
    duplicate: int = 0
    quarantined: int = 0
    deleted: int = 0  # valid rows of posts recorded as deleted on their platform: not stored
    problems: list[str] = field(default_factory=list)  # first few "file:line: field: reason"
    # Stored posts older than the retention period (issue #15): their raw records go at the next
    # build's purge (store.retention), so the import warns; the oldest one's time and the setting.
    past_retention: int = 0
    oldest_past_retention: object = None  # a datetime
    retention_days: int | None = None

    def summary(self) -> str:
        return (
            f"read {self.read:,}, new {self.new:,}, changed {self.changed:,}, "
            f"duplicate {self.duplicate:,}, quarantined {self.quarantined:,}"
            + (f", deleted on platform {self.deleted:,} (not stored)" if self.deleted else "")
        )

    def retention_warning(self, now=None) -> str | None:
        """What an import says when it stored posts older than the retention period: that their
        raw records will be purged at the next build, and how to keep them (the setting, and a
        value that would)."""
        if not self.past_retention:
            return None
        from datetime import datetime, timezone

        now = now or datetime.now(timezone.utc)
        keep = (now - self.oldest_past_retention).days + 1
        return (f"warning: {self.past_retention:,} of the posts stored are older than the retention period "
                f"({self.retention_days:,} days; the oldest is from {self.oldest_past_retention:%Y-%m-%d}): their "
                "raw records (the untouched record as imported, and a member of the public's profile) will be "
                "purged at the next build (python -m warehouse build); their typed columns stay and are counted. "
                "To keep the records, set RADSOME_RETENTION_DAYS (or retention_days in "
                f".streamlit/secrets.toml) to at least {keep:,} before building "
                "(docs/security.md, 'Retention and deletions').")


def start_run(con, command: str, source: str | None, origin: str | None) -> str:
    """Record a run as started (its own committed transaction).

    Callers hold the writer lock, so any run still marked 'running' belongs to a process
    that died: it is marked 'interrupted' (its landing transaction never committed)."""
    run_id = uuid.uuid4().hex
    with transaction(con):
        con.execute(
            "UPDATE ingest_runs SET status = 'interrupted', finished_at = now(),"
            " error = 'the process stopped before the run finished; nothing it read was kept'"
            " WHERE status = 'running'"
        )
        con.execute(
            "INSERT INTO ingest_runs (run_id, command, source, origin, started_at, status)"
            " VALUES ($run_id, $command, $source, $origin, now(), 'running')",
            {"run_id": run_id, "command": command, "source": source, "origin": origin},
        )
    return run_id


def finish_run(con, run_id: str, counts: RunCounts) -> None:
    """Mark a run finished; call inside the landing transaction so counts and data commit
    together."""
    con.execute(
        "UPDATE ingest_runs SET status = 'ok', finished_at = now(), n_read = $read,"
        " n_new = $new, n_changed = $changed, n_duplicate = $duplicate,"
        " n_quarantined = $quarantined WHERE run_id = $run_id",
        {
            "run_id": run_id, "read": counts.read, "new": counts.new, "changed": counts.changed,
            "duplicate": counts.duplicate, "quarantined": counts.quarantined,
        },
    )


def fail_run(con, run_id: str, error: str) -> None:
    con.execute(
        "UPDATE ingest_runs SET status = 'failed', finished_at = now(), error = $error"
        " WHERE run_id = $run_id AND status = 'running'",  # a committed run stays ok
        {"run_id": run_id, "error": error[:2000]},
    )


def run(command: str, source: str | None, origin: str | None,
        work: Callable[[object, str], T]) -> T:
    """One recorded run: take the writer lock, open (and migrate) the raw store, load the
    shipped reference data if it is empty, record the run as started, then ``work(con,
    run_id)``. Whatever ``work`` raises marks the run failed (in its own transaction) and is
    re-raised; ``work`` finishes the run itself, inside the transaction that lands its data.
    Afterwards, if a purge is not yet rewritten, the store is rewritten (:mod:`store.rewrite`)."""
    with db.writer_lock():
        con = db.connect_raw()
        try:
            ensure_reference(con)
            run_id = start_run(con, command, source, origin)
            try:
                fault_point("run_after_start")
                result = work(con, run_id)
            except BaseException as exc:
                with transaction(con):
                    fail_run(con, run_id, f"{type(exc).__name__}: {exc}")
                raise
        finally:
            con.close()
        # A purge of this run (deletions), or one whose rewrite a crash cut short, leaves
        # freed bytes in the file: rewrite it (store.rewrite), still under the lock.
        rewrite.rewrite_if_pending()
        return result
