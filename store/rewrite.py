"""Deleted data leaves the disk: the raw store is rewritten after a purge (issue #18 item 7).

DuckDB marks the blocks of deleted rows (and of values an UPDATE replaced) free and reuses
them later, but does not clear them: after ``python -m ingest deletions`` the text, author
and NHS number of a deleted post stayed readable as bytes in ``raw.duckdb``. So after any
purge that removed something (a deletions load, a connector that saw a post deleted, the
build's retention purge; each logs a row in ``purge_log``), the store is copied into a new
file, which holds only what is live, and that file is swapped in, as the warehouse is
published (build-then-swap):

1. under the writer lock, checkpoint and close the store (no ``.wal`` is left);
2. create ``raw.duckdb.rewrite-PID``, give it the schema by the same migrations, and copy every
   table into it in one transaction, marking the purges rewritten;
3. checkpoint and close it, ``fsync`` it, ``os.replace`` it over ``raw.duckdb`` and ``fsync``
   the folder.

A crash anywhere leaves the old file whole (the new one is removed by the next run) and its
purges still marked not rewritten, so the next run of any command, or the next build, does
it again (:func:`rewrite_if_pending`). Crash points: ``rewrite_after_copy``,
``rewrite_before_swap``, ``rewrite_after_swap`` (tests/test_crash.py). The copy costs about
as much as reading the store once (docs/security.md "Retention and deletions").

What this cannot do: a file system or SSD may keep the old file's sectors until they are
reused; put the data folder on an encrypted volume.
"""
from __future__ import annotations

import os
from pathlib import Path

from store import config, db
from store.faults import fault_point
from store.transaction import transaction

SUFFIX = ".rewrite-"
OLD = "old_raw"  # catalog name of the store being copied


def _stale(path: Path) -> list[Path]:
    return sorted(path.parent.glob(path.name + SUFFIX + "*"))


def remove_stale(path: Path | None = None) -> None:
    """Remove new files left by rewrites that died (call under the writer lock)."""
    for stale in _stale(path or config.raw_path()):
        stale.unlink(missing_ok=True)


def pending(con) -> int:
    """Purges whose removed bytes may still be in the file (not rewritten since)."""
    return con.execute("SELECT count(*) FROM purge_log WHERE NOT rewritten").fetchall()[0][0]


def rewrite_if_pending() -> bool:
    """Rewrite the raw store when a purge is not rewritten yet; True when it was. Call under
    the writer lock with no connection to the store open."""
    path = config.raw_path()
    remove_stale(path)
    if not path.exists():
        return False
    con = db.connect_raw()
    try:
        if not pending(con):
            return False
        con.execute("CHECKPOINT")
    finally:
        con.close()
    rewrite(path)
    return True


def rewrite(path: Path) -> None:
    """Copy the store at ``path`` (closed, checkpointed) into a new file and swap it in."""
    if Path(str(path) + ".wal").exists():
        raise RuntimeError(f"{path}.wal exists: the store was not closed cleanly; run any ingest"
                           " command to recover it before the rewrite")
    fresh = path.with_name(f"{path.name}{SUFFIX}{os.getpid()}")
    con = db.connect_rewrite(fresh)  # migrated: the same schema by the same migrations
    try:
        db.attach_readonly(con, path, OLD)
        tables = [t for (t,) in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database()"
            " AND schema_name = 'main' ORDER BY table_name").fetchall()]
        with transaction(con):
            for table in tables:  # names from the new file's own catalog, not from input
                con.execute(f'DELETE FROM main."{table}"')  # schema_migrations: the old times
                con.execute(f'INSERT INTO main."{table}" BY NAME SELECT * FROM {OLD}.main."{table}"')
            con.execute("UPDATE main.purge_log SET rewritten = true WHERE NOT rewritten")
        fault_point("rewrite_after_copy")
        con.execute(f"DETACH {OLD}")
        con.execute("CHECKPOINT")
        con.close()
        _fsync(fresh)
        fault_point("rewrite_before_swap")
        os.replace(fresh, path)
        _fsync(path.parent)
    except BaseException:
        con.close()
        fresh.unlink(missing_ok=True)
        Path(str(fresh) + ".wal").unlink(missing_ok=True)
        raise
    fault_point("rewrite_after_swap")


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
