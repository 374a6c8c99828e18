"""Review decisions on guideline flags: operational data, kept apart from the warehouse.

They live in ``RADSOME_DATA/reviews.sqlite`` (SQLite in WAL mode, standard library), in one
APPEND-ONLY table ``review_decisions``: a new decision is a new row, never an update, and
triggers refuse UPDATE and DELETE. The latest row (highest ``id``) of a flag is its current
review; earlier rows are its history. Ingest never opens the file; a build only reads it
(:func:`make_review_decisions_table`), so decisions survive every rebuild, and a review is
never blocked by a build (the store is not under the warehouse's writer lock).
"""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

from warehouse import config, db, queries

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
    decided_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS review_decisions_flag ON review_decisions (platform, post_id, rule_id, id);
CREATE TRIGGER IF NOT EXISTS review_decisions_no_update BEFORE UPDATE ON review_decisions
BEGIN SELECT RAISE(ABORT, 'review_decisions is append-only'); END;
CREATE TRIGGER IF NOT EXISTS review_decisions_no_delete BEFORE DELETE ON review_decisions
BEGIN SELECT RAISE(ABORT, 'review_decisions is append-only'); END;
"""

_SELECT = f"SELECT {', '.join(COLUMNS)} FROM review_decisions"
_LATEST = (f"{_SELECT} WHERE id IN (SELECT max(id) FROM review_decisions"
           " GROUP BY platform, post_id, rule_id) ORDER BY id")


def reviews_path() -> Path:
    return config.data_dir() / REVIEWS_FILE


def _connect():
    con = db.connect_reviews(reviews_path())
    con.executescript(SCHEMA)
    return con


def _frame(rows) -> pd.DataFrame:
    return pd.DataFrame([tuple(r) for r in rows], columns=COLUMNS)


def record_decision(platform: str, post_id: str, rule_id: str, decision: str, note: str = "",
                    reviewer: str = "", scope=None) -> int:
    """Append one decision (values are bound parameters, stored verbatim); its id.

    ``scope`` (a :class:`warehouse.access.Scope`; the dashboard always passes the session's)
    must be allowed to review and to see the flag: the flag is looked up through the
    published warehouse as that scope sees it, so a reviewer of one trust cannot decide
    another trust's flags. A signed-in reviewer's decision is recorded under their login, and
    audited. Without ``scope`` (scripts, tests) no check is made."""
    if decision not in DECISIONS:
        raise ValueError(f"decision must be one of {', '.join(DECISIONS)}, not {decision!r}")
    if scope is not None:
        from warehouse import access

        if not scope.review:
            raise PermissionError(f"{access.ROLE_LABELS.get(scope.role, scope.role)} may not review flags")
        con = db.connect_published(scope=scope)
        try:
            seen = con.execute("SELECT count(*) FROM flags WHERE platform = $p AND post_id = $i AND rule_id = $r",
                               {"p": platform, "i": post_id, "r": rule_id}).fetchall()[0][0]
        finally:
            con.close()
        if not seen:
            raise PermissionError("that flag is not in your scope (or no longer exists)")
        if scope.role not in ("demo", "no_login"):
            reviewer = scope.user  # a signed-in reviewer is who they signed in as
    reviewer = (reviewer or "").strip()
    if not reviewer:
        raise ValueError("a reviewer name is required")
    decided_at = datetime.now(timezone.utc).isoformat(timespec="microseconds")
    con = _connect()
    try:
        with con:  # one transaction
            cursor = con.execute(
                "INSERT INTO review_decisions (platform, post_id, rule_id, decision, note, reviewer,"
                " decided_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (platform, post_id, rule_id, decision, note or "", reviewer, decided_at))
        decision_id = int(cursor.lastrowid)
    finally:
        con.close()
    if scope is not None:
        from warehouse import access

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


def decisions_for(platform: str, post_id: str, rule_id: str) -> pd.DataFrame:
    """One flag's decisions, oldest first (its history; the last row is current)."""
    return _read(f"{_SELECT} WHERE platform = ? AND post_id = ? AND rule_id = ? ORDER BY id",
                 (platform, post_id, rule_id))


def all_decisions() -> pd.DataFrame:
    return _read(f"{_SELECT} ORDER BY id")


def latest_decisions() -> pd.DataFrame:
    """The current (latest) decision of every reviewed flag."""
    return _read(_LATEST)


def make_review_decisions_table(con) -> None:
    """Build step (templates.PYTHON_TABLES): staging.stg_review_decisions, every decision
    read from the store (read-only; an absent store is an empty table)."""
    con.execute("""CREATE TABLE staging.stg_review_decisions (
        id BIGINT, platform VARCHAR, post_id VARCHAR, rule_id VARCHAR, decision VARCHAR,
        note VARCHAR, reviewer VARCHAR, decided_at TIMESTAMPTZ)""")
    frame = all_decisions()
    if frame.empty:
        return
    con.register("frame", frame)
    try:
        con.execute("INSERT INTO staging.stg_review_decisions SELECT id::BIGINT, platform, post_id,"
                    " rule_id, decision, note, reviewer, decided_at::TIMESTAMPTZ FROM frame")
    finally:
        con.unregister("frame")


# --- the review queue (published warehouse), registered in warehouse.queries.QUERIES ---------

REVIEW_QUEUE_SQL = f"""
WITH chosen AS (
    -- the page's flags first (a small table), then their posts' text from the flagged posts'
    -- own table; created_at in the join prunes its scan (queries.explore_posts)
    SELECT * FROM flag_reviews
    WHERE {queries._POSTS_WHERE}
    ORDER BY CASE severity WHEN 'high' THEN 0 WHEN 'medium' THEN 1 ELSE 2 END,
             created_at DESC, platform, post_id, rule_id
    LIMIT $limit
)
SELECT c.platform, c.post_id, c.rule_id, c.family, c.severity, c.evidence, c.clause_id, c.clause,
       c.clause_url, c.trust_code, c.region_code,
       (c.created_at AT TIME ZONE 'Europe/London') AS posted_at,
       c.status, c.reviewer, c.decided_at, c.note, c.n_decisions, p.text, p.url
FROM chosen c
JOIN flagged_post_texts p ON p.platform = c.platform AND p.post_id = c.post_id AND p.created_at = c.created_at
ORDER BY CASE c.severity WHEN 'high' THEN 0 WHEN 'medium' THEN 1 ELSE 2 END,
         c.created_at DESC, c.platform, c.post_id, c.rule_id
"""


def review_queue(cursor, filters, limit: int = 500) -> pd.DataFrame:
    """Flags of the filtered posts with their published review status and the post text,
    highest severity first, then newest first."""
    return queries.run(cursor, REVIEW_QUEUE_SQL, filters.params() | {"limit": int(limit)})


queries.QUERIES["review_queue"] = review_queue
