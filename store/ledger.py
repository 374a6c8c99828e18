"""Tamper-evident append-only logs: the audit log (``access.sqlite``) and the review decisions
(``reviews.sqlite``), issue #18 item 11.

Each row carries ``prev_hash`` (the previous row's ``row_hash``; the first row's is
:data:`GENESIS`) and ``row_hash`` = SHA-256 of a canonical encoding of the row (the table's
name, the row's id and columns, and ``prev_hash``: :func:`row_hash`). Rows are appended by
:func:`append` only, with the next id, inside one ``BEGIN IMMEDIATE`` transaction (so two
writers never fork the chain). Triggers refuse an UPDATE, a DELETE, an insert over an id
already used (``INSERT OR REPLACE`` deletes the old row without firing delete triggers, so
this is its own trigger) and an insert without its hashes.

Anyone who can write the file can drop the triggers; then :func:`verify` still finds an edited
row (its hash no longer matches), a deleted one (the ids jump, or the next row's
``prev_hash`` no longer follows), a replaced one, and a re-inserted one, and names the first
such row. A dropped trigger is reported too. What the chain alone cannot show is the removal
of the newest rows (the chain then simply ends earlier): forward each audit event off the
machine (:mod:`store.syslog`) to hold that.

Rows written before the chain existed are chained once, in id order, when the store is first
opened for writing after the upgrade (:func:`ensure_chain`); the verifier accepts them from
then on as written. That migration trusts what the log held at that moment.
"""
from __future__ import annotations

import hashlib
import json
import sqlite3
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Iterator, Sequence

GENESIS = "0" * 64
CHAIN_COLUMNS = ("prev_hash", "row_hash")


@dataclass(frozen=True)
class Log:
    """One chained table: its name and its content columns (after ``id``), as created."""

    table: str
    columns: tuple[str, ...]

    @property
    def triggers(self) -> tuple[str, ...]:
        return tuple(f"{self.table}_{what}" for what in ("no_update", "no_delete", "no_replace", "chained"))


def row_hash(log: Log, row_id: int, values: Sequence, prev_hash: str) -> str:
    """SHA-256 (hex) of the row's canonical encoding: a JSON array of the table's name, the
    id, the content columns in :attr:`Log.columns` order and the previous row's hash, UTF-8,
    no spaces. Values are stored text and integers, so the encoding is the same on every
    machine and Python version."""
    encoded = json.dumps([log.table, int(row_id), *values, prev_hash], ensure_ascii=False,
                         separators=(",", ":"))
    return hashlib.sha256(encoded.encode("utf-8")).hexdigest()


def trigger_sql(log: Log) -> str:
    """The triggers that keep a log append-only (created IF NOT EXISTS on every open)."""
    t = log.table
    return f"""
CREATE TRIGGER IF NOT EXISTS {t}_no_update BEFORE UPDATE ON {t}
BEGIN SELECT RAISE(ABORT, '{t} is append-only'); END;
CREATE TRIGGER IF NOT EXISTS {t}_no_delete BEFORE DELETE ON {t}
BEGIN SELECT RAISE(ABORT, '{t} is append-only'); END;
CREATE TRIGGER IF NOT EXISTS {t}_no_replace BEFORE INSERT ON {t}
WHEN EXISTS (SELECT 1 FROM {t} WHERE id = NEW.id)
BEGIN SELECT RAISE(ABORT, '{t}: that id is taken; rows are never replaced'); END;
CREATE TRIGGER IF NOT EXISTS {t}_chained BEFORE INSERT ON {t}
WHEN NEW.prev_hash IS NULL OR NEW.row_hash IS NULL
BEGIN SELECT RAISE(ABORT, '{t}: rows are appended with their hashes (store.ledger.append)'); END;
"""


@contextmanager
def immediate(con: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One write transaction that holds SQLite's write lock from its start (``BEGIN
    IMMEDIATE``): the last row read by :func:`append` is still the last when it inserts."""
    con.execute("BEGIN IMMEDIATE")
    try:
        yield con
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def append(con: sqlite3.Connection, log: Log, values: Sequence) -> tuple[int, str]:
    """Append one row (``values`` in :attr:`Log.columns` order) with the next id and its
    hashes; call inside :func:`immediate`. Returns (id, row hash). A duplicate id is an
    error (the trigger and the primary key both refuse it)."""
    last = con.execute(f"SELECT id, row_hash FROM {log.table} ORDER BY id DESC LIMIT 1").fetchall()
    row_id, prev = (int(last[0][0]) + 1, last[0][1] or "") if last else (1, GENESIS)
    digest = row_hash(log, row_id, values, prev)
    names = ", ".join(("id", *log.columns, *CHAIN_COLUMNS))
    marks = ", ".join("?" * (len(log.columns) + 3))
    con.execute(f"INSERT INTO {log.table} ({names}) VALUES ({marks})", (row_id, *values, prev, digest))
    return row_id, digest


def ensure_chain(con: sqlite3.Connection, log: Log) -> int:
    """Add the hash columns to a log made before them and chain its rows once, in id order
    (the migration, in one transaction); then make sure every trigger exists. Returns how many
    rows were chained now (0 when the log was chained already)."""
    have = {row[1] for row in con.execute(f"PRAGMA table_info({log.table})").fetchall()}
    chained = 0
    if not set(CHAIN_COLUMNS) <= have:
        with immediate(con):
            for column in CHAIN_COLUMNS:
                if column not in have:
                    con.execute(f"ALTER TABLE {log.table} ADD COLUMN {column} TEXT")
            con.execute(f"DROP TRIGGER IF EXISTS {log.table}_no_update")  # recreated below
            prev = GENESIS
            rows = con.execute(f"SELECT id, {', '.join(log.columns)} FROM {log.table} ORDER BY id").fetchall()
            for row_id, *values in rows:
                digest = row_hash(log, row_id, values, prev)
                con.execute(f"UPDATE {log.table} SET prev_hash = ?, row_hash = ? WHERE id = ?",
                            (prev, digest, row_id))
                prev = digest
            chained = len(rows)
    con.executescript(trigger_sql(log))
    return chained


@dataclass(frozen=True)
class ChainCheck:
    """What :func:`verify` found in one log."""

    store: str  # the file's name
    table: str
    ok: bool
    rows: int
    broken_id: int | None = None  # the first row that does not check out
    reason: str = ""

    def summary(self) -> str:
        if self.ok:
            return f"{self.store} {self.table}: {self.rows:,} rows, chain intact"
        where = f" at row {self.broken_id}" if self.broken_id is not None else ""
        return f"{self.store} {self.table}: BROKEN{where}: {self.reason}"


def verify(con: sqlite3.Connection, log: Log, store: str) -> ChainCheck:
    """Walk the log in id order and recompute its chain; the first row that fails is named:
    an id missing (a row deleted), a ``prev_hash`` that does not follow the row before it
    (a row deleted, inserted or replaced before it), or a ``row_hash`` that does not match
    the row (the row edited). Missing triggers are reported when the chain itself holds."""
    names = ", ".join(("id", *log.columns, *CHAIN_COLUMNS))
    try:
        rows = con.execute(f"SELECT {names} FROM {log.table} ORDER BY id").fetchall()
    except sqlite3.OperationalError as exc:
        if "no such table" in str(exc):
            return ChainCheck(store, log.table, True, 0)
        if "no such column" in str(exc):
            return ChainCheck(store, log.table, False, 0, None,
                              "not chained yet (written by an older version; opened for writing it is chained once)")
        raise
    prev, expected_id = GENESIS, 1
    for row_id, *rest in rows:
        values, (prev_hash, digest) = rest[:-2], rest[-2:]

        def broken(why: str, at: int = row_id) -> ChainCheck:
            return ChainCheck(store, log.table, False, len(rows), at, why)

        if row_id != expected_id:
            return broken(f"row {expected_id} is missing (the ids jump from {expected_id - 1} to {row_id}):"
                          " a row was deleted", expected_id)
        if prev_hash != prev:
            return broken(f"its prev_hash does not follow row {row_id - 1}: a row before it was deleted,"
                          " replaced or inserted" if row_id > 1 else "its prev_hash is not the chain's start")
        if digest != row_hash(log, row_id, values, prev_hash):
            return broken("its content does not match its hash: the row was edited or replaced")
        prev, expected_id = digest, row_id + 1
    present = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall()}
    missing = [t for t in log.triggers if t not in present]
    if missing and rows:
        return ChainCheck(store, log.table, False, len(rows), None,
                          f"trigger(s) {', '.join(missing)} were dropped (the rows still check out)")
    return ChainCheck(store, log.table, True, len(rows))
