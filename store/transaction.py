"""One way to change a DuckDB store: :func:`transaction`.

It lives in its own module, not in :mod:`store.db`, because ``db.connect_raw`` applies the
raw store's migrations (:mod:`store.migrate`) and each migration runs in a transaction: with
the helper in ``db`` the two modules would import each other. The SQLite stores (reviews,
access) use ``sqlite3``'s own ``with con:``, which is the same contract.
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

import duckdb


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """``BEGIN``; ``COMMIT`` when the block ends normally; ``ROLLBACK`` and re-raise on any
    exception (a failed COMMIT, a KeyboardInterrupt too), so that nothing half-done is kept.
    A crash point (``store.runs.fault_point``) meant to follow the commit goes right after
    the ``with`` block."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
