"""Readers of the published warehouse: one read-only connection per process, snapshot and
access scope, and a cursor per query. The scope is enforced here, in the connection
(:mod:`store.access`), so that no page or query can read more than its session may.

Kept apart from :mod:`store.db` because it needs :mod:`store.access` (scoped views), which
itself opens its SQLite store through ``store.db``.
"""
from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path

import duckdb

from store import access, config, db

PUBLISHED = "published"  # catalog name of the attached warehouse
DELTA = "published_delta"  # catalog name of the attached delta (python -m warehouse refresh)
_log = logging.getLogger("radsome.reader")
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
    sources = _delta_sources(con, path, columns)
    for table, cols in columns.items():
        source = sources.get(table, f'{PUBLISHED}.main."{table}"')
        con.execute(access.scoped_view_sql(table, cols, scope, source))
    con.execute(f"USE {SESSION}")
    return con


def delta_beside(path: Path) -> Path:
    """The delta a refresh publishes beside the base at ``path`` (``warehouse.delta.duckdb``)."""
    return path.with_name(f"{path.stem}.delta{path.suffix}")


def _delta_sources(con, path: Path, columns: dict[str, list[tuple[str, str]]]) -> dict[str, str]:
    """Attach the delta beside the base, when there is one made on this base, and return the
    SQL source of each table it changes: the base's rows less those the delta replaces (all
    rows of its posts, or of its days), then the delta's rows; or the delta's table whole.

    A delta is used only with the base it names (a whole snapshot): with another base (a full
    build has published since; the refresh that made it ran on an older base) or when it
    cannot be read it is ignored, and the reason logged."""
    delta = delta_beside(path)
    if not delta.is_file():
        return {}
    escaped = str(delta).replace("'", "''")  # our own file name; ATTACH takes no parameter
    try:
        con.execute(f"ATTACH '{escaped}' AS {DELTA} (READ_ONLY)")
    except duckdb.Error as exc:
        _log.warning("ignoring the delta %s: it cannot be read (%s)", delta, exc)
        return {}
    try:
        base_id = con.execute(f"SELECT build_id FROM {PUBLISHED}.snapshot.info").fetchall()[0][0]
    except duckdb.Error:
        base_id = None
    try:
        named = con.execute(f"SELECT base_id FROM {DELTA}.delta.info").fetchall()[0][0]
        modes = dict(con.execute(f"SELECT table_name, mode FROM {DELTA}.delta.tables").fetchall())
    except duckdb.Error as exc:
        named, modes = None, {}
        _log.warning("ignoring the delta %s: it has no description (%s)", delta, exc)
    if named is None or named != base_id:
        if named is not None:
            _log.warning("ignoring the delta %s: it was made on base %s, the published base is %s",
                         delta, named, base_id)
        con.execute(f"DETACH {DELTA}")
        return {}
    if any(mode not in ("whole", "posts", "days") for mode in modes.values()):
        _log.warning("ignoring the delta %s: unknown kinds of table in it", delta)
        con.execute(f"DETACH {DELTA}")
        return {}
    sources = {}
    for table, mode in modes.items():
        if table not in columns:
            continue
        cols = ", ".join(f'"{name}"' for name, _ in columns[table])
        base, mine = f'{PUBLISHED}.main."{table}"', f'{DELTA}.main."{table}"'
        if mode == "whole":
            sources[table] = f"(SELECT {cols} FROM {mine})"
        else:  # "posts" or "days": the keys whose rows the delta replaces are in delta.keys__<table>
            using = "platform, post_id" if mode == "posts" else "day"
            sources[table] = (f'(SELECT {cols} FROM {base} ANTI JOIN {DELTA}.delta."keys__{table}" USING ({using})'

                              f" UNION ALL SELECT {cols} FROM {mine})")
    return sources




def reader_cursor(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """A cursor for one query on a :func:`connect_published` connection (duckdb 2.x raises
    when threads share a connection). Each cursor starts in the session's scoped views."""
    cursor = con.cursor()
    cursor.execute(f"USE {SESSION}")
    return cursor


# duckdb 2.x refuses new work (register, another execute on some paths) on a connection whose
# last result was only partly fetched: always fetch results whole (fetchall), never fetchone.
