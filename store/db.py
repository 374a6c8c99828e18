"""The one module that opens connections to the stores (the published warehouse's readers
are set up by :mod:`store.reader`, through :func:`connect_scratch`).

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
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import duckdb

from store import config
from store.migrate import migrate


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
    con = duckdb.connect(str(config.raw_path()))
    migrate(con)
    return con


def connect_build(path: Path) -> duckdb.DuckDBPyConnection:
    """Read-write connection to a warehouse file being built (not yet published)."""
    return duckdb.connect(str(path))


def attach_raw_readonly(con: duckdb.DuckDBPyConnection, alias: str = "raw") -> None:
    """Attach the raw store to a build connection, read-only."""
    attach_readonly(con, config.raw_path(), alias)


def attach_readonly(con: duckdb.DuckDBPyConnection, path: Path, alias: str) -> None:
    """Attach a store file read-only. The path is a file name we made ourselves, never user
    input, and ``alias`` a code constant; DuckDB's ATTACH does not take a bound parameter."""
    quoted = str(path).replace("'", "''")
    con.execute(f"ATTACH '{quoted}' AS {alias} (READ_ONLY)")


def connect_rewrite(path: Path) -> duckdb.DuckDBPyConnection:
    """Read-write connection to a new raw store file being written by :mod:`store.rewrite`
    (not yet swapped in), migrated to the current schema. Call under the writer lock."""
    con = duckdb.connect(str(path))
    migrate(con)
    return con


def connect_reviews(path: Path, *, read_only: bool = False) -> sqlite3.Connection:
    """Connection to an operational SQLite store (``reviews.sqlite``, ``access.sqlite``; WAL
    mode), the only place ``sqlite3.connect`` is called. It is not under the writer lock: SQLite
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


def connect_scratch(settings: dict | None = None) -> duckdb.DuckDBPyConnection:
    """A private in-memory database (no file): evaluation, tests, file conversions, and the
    catalog a reader of the published warehouse attaches it to (:mod:`store.reader`), with
    DuckDB ``settings`` (e.g. a memory limit)."""
    return duckdb.connect(":memory:", config=settings or {})


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
