"""Review decisions on guideline flags: operational data, kept apart from the warehouse.

They live in ``RADSOME_DATA/reviews.sqlite`` (SQLite in WAL mode, standard library), in one
APPEND-ONLY table ``review_decisions``: a new decision is a new row, never an update;
triggers refuse UPDATE, DELETE and an insert over a used id, and each row is chained by hash
to the one before (:mod:`store.ledger`), so that tampering is found on dashboard start
(:func:`store.integrity.check_logs`). The latest row (highest ``id``) of a flag is its current
review; earlier rows are its history. Ingest never opens the file; a build only reads it
(``staging.stg_review_decisions``, made by ``warehouse.templates``), so decisions survive
every rebuild, and a review is never blocked by a build (the store is not under the
warehouse's writer lock). The review queue, a query of the published warehouse, is
``warehouse.flag_queries.review_queue``.
"""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

from store import access, config, db, ledger, reader

REVIEWS_FILE = "reviews.sqlite"
DECISIONS = ("confirmed", "dismissed", "actioned")
COLUMNS = ["id", "platform", "post_id", "rule_id", "decision", "note", "reviewer", "decided_at"]

SCHEMA = """
CREATE TABLE IF NOT EXISTS review_decisions (
    id INTEGER PRIMARY KEY,
    platform TEXT NOT NULL,
    post_id TEXT NOT NULL,
    rule_id TEXT NOT NULL,
    decision TEXT NOT NULL CHECK (decision IN ('confirmed', 'dismissed', 'actioned')),
    note TEXT NOT NULL DEFAULT '',
    reviewer TEXT NOT NULL,
    decided_at TEXT NOT NULL,
    prev_hash TEXT,
    row_hash TEXT
);
CREATE INDEX IF NOT EXISTS review_decisions_flag ON review_decisions (platform, post_id, rule_id, id);
"""
# A hash chain (store.ledger): append-only, a replaced id refused, tampering found by verify().
DECISIONS_LOG = ledger.Log("review_decisions", tuple(COLUMNS[1:]))

_SELECT = f"SELECT {', '.join(COLUMNS)} FROM review_decisions"
_LATEST = (f"{_SELECT} WHERE id IN (SELECT max(id) FROM review_decisions"
           " GROUP BY platform, post_id, rule_id) ORDER BY id")


def reviews_path() -> Path:
    return config.data_dir() / REVIEWS_FILE


def _connect():
    con = db.connect_reviews(reviews_path())
    con.executescript(SCHEMA)
    ledger.ensure_chain(con, DECISIONS_LOG)
    return con


def _frame(rows) -> pd.DataFrame:
    return pd.DataFrame([tuple(r) for r in rows], columns=COLUMNS)


def record_decision(platform: str, post_id: str, rule_id: str, decision: str, note: str = "",
                    reviewer: str = "", scope=None) -> int:
    """Append one decision (values are bound parameters, stored verbatim); its id.

    ``scope`` (a :class:`store.access.Scope`; the dashboard always passes the session's)
    must be allowed to review and to see the flag: the flag is looked up through the
    published warehouse as that scope sees it, so a reviewer of one trust cannot decide
    another trust's flags. A signed-in reviewer's decision is recorded under their login, and
    audited. Without ``scope`` (scripts, tests) no check is made."""
    if decision not in DECISIONS:
        raise ValueError(f"decision must be one of {', '.join(DECISIONS)}, not {decision!r}")
    if scope is not None:
        if not scope.review:
            raise PermissionError(f"{access.ROLE_LABELS.get(scope.role, scope.role)} may not review flags")
        con = reader.connect_published(scope=scope)
        try:
            seen = con.execute("SELECT count(*) FROM flags WHERE platform = $p AND post_id = $i AND rule_id = $r",
                               {"p": platform, "i": post_id, "r": rule_id}).fetchall()[0][0]
        finally:
            con.close()
        if not seen:
            raise PermissionError("that flag is not in your scope (or no longer exists)")
        if scope.signed_in:
            reviewer = scope.user  # a signed-in reviewer is who they signed in as
    reviewer = (reviewer or "").strip()
    if not reviewer:
        raise ValueError("a reviewer name is required")
    decided_at = datetime.now(timezone.utc).isoformat(timespec="microseconds")
    con = _connect()
    try:
        with ledger.immediate(con):  # one transaction, holding the write lock from its start
            decision_id, _ = ledger.append(con, DECISIONS_LOG, (platform, post_id, rule_id, decision,
                                                                note or "", reviewer, decided_at))
    finally:
        con.close()
    if scope is not None:
        access.audit(scope, "review", f"{decision} {platform}/{post_id} {rule_id} (decision {decision_id})")
    return decision_id


def _read(sql: str, params: tuple = ()) -> pd.DataFrame:
    """Rows of the store, read-only; an absent file has no decisions."""
    path = reviews_path()
    if not path.exists():
        return _frame([])
    con = db.connect_reviews(path, read_only=True)
    try:
        return _frame(con.execute(sql, params).fetchall())
    except Exception as exc:  # a file without the table yet: no decisions
        if "no such table" in str(exc):
            return _frame([])
        raise
    finally:
        con.close()


def verify_decisions() -> ledger.ChainCheck:
    """The decisions' hash chain checked (store.ledger.verify); an absent store is intact."""
    path = reviews_path()
    if not path.exists():
        return ledger.ChainCheck(REVIEWS_FILE, DECISIONS_LOG.table, True, 0)
    con = db.connect_reviews(path, read_only=True)
    try:
        return ledger.verify(con, DECISIONS_LOG, REVIEWS_FILE)
    finally:
        con.close()


def decisions_for(platform: str, post_id: str, rule_id: str) -> pd.DataFrame:
    """One flag's decisions, oldest first (its history; the last row is current)."""
    return _read(f"{_SELECT} WHERE platform = ? AND post_id = ? AND rule_id = ? ORDER BY id",
                 (platform, post_id, rule_id))


def all_decisions() -> pd.DataFrame:
    return _read(f"{_SELECT} ORDER BY id")


def latest_decisions() -> pd.DataFrame:
    """The current (latest) decision of every reviewed flag."""
    return _read(_LATEST)
