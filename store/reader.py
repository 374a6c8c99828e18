"""Readers of the published warehouse: one read-only connection per process, snapshot and
access scope, and a cursor per query. The scope is enforced here, in the connection
(:mod:`store.access`), so that no page or query can read more than its session may.

Kept apart from :mod:`store.db` because it needs :mod:`store.access` (scoped views), which
itself opens its SQLite store through ``store.db``.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

import duckdb

from store import access, config, db

PUBLISHED = "published"  # catalog name of the attached warehouse
SESSION = "memory"  # the reader's private catalog: views of the published tables for its scope


def connect_published(path: Path | None = None, scope=None) -> duckdb.DuckDBPyConnection:
    """Read-only connection to the published warehouse, as ``scope`` (a
    :class:`store.access.Scope`; default: everything) may see it. One per process, snapshot
    and scope; take a cursor per query with :func:`reader_cursor`.

    The file is ATTACHed to a private in-memory database rather than opened with
    ``duckdb.connect(path)``: DuckDB caches open databases by path within a process, so after
    a build swaps a new file in, ``connect(path)`` would hand back the old snapshot for as long
    as any connection to it is open. ATTACH opens the file that is at the path now.

    Queries never read the attached catalog directly: the in-memory database holds one view
    per published table (:func:`store.access.scoped_view_sql`) that filters rows to the
    scope's trusts and blanks what it may not read, and every cursor starts there.
    """
    path = Path(path or config.warehouse_path())
    if not path.is_file():
        raise FileNotFoundError(f"no published warehouse at {path}")
    scope = scope or access.EVERYTHING
    # A small buffer pool per connection (store.config.reader_memory_mb), spilling to the
    # system temp folder: the dashboard's memory stays bounded whatever the warehouse's size.
    con = db.connect_scratch({"memory_limit": f"{config.reader_memory_mb()}MB",
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




def reader_cursor(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """A cursor for one query on a :func:`connect_published` connection (duckdb 2.x raises
    when threads share a connection). Each cursor starts in the session's scoped views."""
    cursor = con.cursor()
    cursor.execute(f"USE {SESSION}")
    return cursor


# duckdb 2.x refuses new work (register, another execute on some paths) on a connection whose
# last result was only partly fetched: always fetch results whole (fetchall), never fetchone.
