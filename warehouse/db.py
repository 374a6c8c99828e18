"""The one module that opens DuckDB connections.

* The raw store (``raw.duckdb``) has one writer at a time: ingest and build take the
  data folder's writer lock before they open it.
* The published warehouse (``warehouse.duckdb``) is only ever opened read-only by readers.
  A build writes a new file beside it and ``os.replace``-s it in: open readers keep the old
  snapshot, new connections see the new one, and nobody sees a half-built state.
"""
from __future__ import annotations

import fcntl
import os
import sqlite3
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import duckdb

from warehouse import config


PUBLISHED = "published"  # catalog name of the attached warehouse
SESSION = "memory"  # the reader's private catalog: views of the published tables for its scope


class WriterBusy(RuntimeError):
    """Another ingest or build holds the data folder's writer lock."""


@contextmanager
def writer_lock(timeout: float = 600.0) -> Iterator[None]:
    """Serialise every process that writes the raw store or publishes a warehouse.

    DuckDB itself refuses a second read-write process on a file; taking our own lock first
    lets a second ingest or build wait its turn instead of failing half-way.
    """
    path = config.data_dir() / config.LOCK_FILE
    with path.open("a+") as handle:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise WriterBusy(
                        f"another ingest or build is writing {config.data_dir()} "
                        f"(waited {timeout:.0f} s); try again when it has finished"
                    ) from None
                time.sleep(0.2)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def connect_raw() -> duckdb.DuckDBPyConnection:
    """Read-write connection to the raw store, migrated to the current schema.

    Call it inside :func:`writer_lock`.
    """
    from warehouse.migrate import migrate

    con = duckdb.connect(str(config.raw_path()))
    migrate(con)
    return con


def connect_build(path: Path) -> duckdb.DuckDBPyConnection:
    """Read-write connection to a warehouse file being built (not yet published)."""
    return duckdb.connect(str(path))


def attach_raw_readonly(con: duckdb.DuckDBPyConnection, alias: str = "raw") -> None:
    """Attach the raw store to a build connection, read-only. The path is a file name we
    made ourselves, never user input; DuckDB's ATTACH does not take a bound parameter."""
    path = str(config.raw_path()).replace("'", "''")
    con.execute(f"ATTACH '{path}' AS {alias} (READ_ONLY)")


def connect_published(path: Path | None = None, scope=None) -> duckdb.DuckDBPyConnection:
    """Read-only connection to the published warehouse, as ``scope`` (a
    :class:`warehouse.access.Scope`; default: everything) may see it. One per process, snapshot
    and scope; take a cursor per query with :func:`reader_cursor`.

    The file is ATTACHed to a private in-memory database rather than opened with
    ``duckdb.connect(path)``: DuckDB caches open databases by path within a process, so after
    a build swaps a new file in, ``connect(path)`` would hand back the old snapshot for as long
    as any connection to it is open. ATTACH opens the file that is at the path now.

    Queries never read the attached catalog directly: the in-memory database holds one view
    per published table (:func:`warehouse.access.scoped_view_sql`) that filters rows to the
    scope's trusts and blanks what it may not read, and every cursor starts there.
    """
    from warehouse import access

    path = Path(path or config.warehouse_path())
    if not path.is_file():
        raise FileNotFoundError(f"no published warehouse at {path}")
    scope = scope or access.EVERYTHING
    # A small buffer pool per connection (warehouse.config.reader_memory_mb), spilling to the
    # system temp folder: the dashboard's memory stays bounded whatever the warehouse's size.
    con = duckdb.connect(":memory:", config={"memory_limit": f"{config.reader_memory_mb()}MB",
                                             "temp_directory": tempfile.gettempdir()})
    # ATTACH takes no bound parameter; the path is our own file name, quoted.
    escaped = str(path).replace("'", "''")
    con.execute(f"ATTACH '{escaped}' AS {PUBLISHED} (READ_ONLY)")
    con.execute("CREATE TABLE scope_trusts (trust_code VARCHAR)")
    if not scope.everything:
        con.execute(f"INSERT INTO scope_trusts SELECT trust_code FROM {PUBLISHED}.main.trusts"
                    " WHERE list_contains($trusts::VARCHAR[], trust_code)"
                    " OR list_contains($regions::VARCHAR[], region_code)",
                    {"trusts": list(scope.trusts or ()), "regions": list(scope.regions or ())})
    con.execute("CREATE TABLE scope_salt AS SELECT $salt::VARCHAR AS salt", {"salt": os.urandom(16).hex()})
    columns: dict[str, list[tuple[str, str]]] = {}
    for table, column, kind in con.execute(
            "SELECT table_name, column_name, data_type FROM information_schema.columns"
            " WHERE table_catalog = $db AND table_schema = 'main' ORDER BY table_name, ordinal_position",
            {"db": PUBLISHED}).fetchall():
        columns.setdefault(table, []).append((column, kind))
    for table, cols in columns.items():
        con.execute(access.scoped_view_sql(table, cols, scope, f'{PUBLISHED}.main."{table}"'))
    con.execute(f"USE {SESSION}")
    return con


def connect_reviews(path: Path, *, read_only: bool = False) -> sqlite3.Connection:
    """Connection to the operational review store (``reviews.sqlite``: SQLite, WAL mode),
    the only place ``sqlite3.connect`` is called. It is not under the writer lock: SQLite
    serialises its own small writes (busy_timeout), so a review is never blocked by a build.
    ``read_only`` (the build) never creates or writes the file."""
    path = Path(path)
    if read_only:
        con = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=30)
    else:
        con = sqlite3.connect(str(path), timeout=30)
        con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA busy_timeout=30000")
    return con


def connect_scratch() -> duckdb.DuckDBPyConnection:
    """A private in-memory database (no file): evaluation, tests, file conversions."""
    return duckdb.connect(":memory:")


def reader_cursor(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """A cursor for one query on a :func:`connect_published` connection (duckdb 2.x raises
    when threads share a connection). Each cursor starts in the session's scoped views."""
    cursor = con.cursor()
    cursor.execute(f"USE {SESSION}")
    return cursor


def publish(built: Path, target: Path | None = None) -> None:
    """Atomically swap a finished warehouse file in over the published one."""
    target = target or config.warehouse_path()
    fd = os.open(built, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(built, target)
    dir_fd = os.open(target.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


# duckdb 2.x refuses new work (register, another execute on some paths) on a connection whose
# last result was only partly fetched: always fetch results whole (fetchall), never fetchone.
