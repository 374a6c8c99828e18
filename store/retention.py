"""Retention and deletions: what the raw store forgets, and when (docs/security.md
"Retention and deletions").

* A post deleted on its platform (table ``deletions``) loses every stored version: its rows
  leave ``raw_posts`` (text, profile, untouched record, all of it).
* A post created more than the retention period ago (``RADSOME_RETENTION_DAYS``, default 730)
  keeps the typed columns the metrics are computed from (ids, thread links, time, text, trust)
  but loses its untouched record (``payload``); the profile fields of members of the public
  (``author_name``, ``author_bio``, ``author_location``) are cleared on those versions too. A
  quarantined record older than the period is cleared (its file, line, field and reason stay).

The build calls :func:`purge` under the writer lock, in one transaction, before it builds
(passing the SQL that reads self-descriptions: the roles are the warehouse's enrichment, and
this package imports nothing of it); a deletions load calls :func:`purge_deleted` inside its
own transaction. Both are idempotent:
they touch only what is not purged yet, and log a row in ``purge_log`` only when they
removed something. Values are bound parameters; the SQL is code constants.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from store.runs import fault_point
from store.transaction import transaction

_DELETED_SQL = """
DELETE FROM raw_posts
WHERE EXISTS (SELECT 1 FROM deletions d
              WHERE d.platform = raw_posts.platform AND d.post_id = raw_posts.post_id)
"""

_PAYLOADS_SQL = """
UPDATE raw_posts SET payload = NULL WHERE payload IS NOT NULL AND created_at < $cutoff
"""

# Runs before the payloads are cleared, in the same transaction: a version whose payload is
# still there has not been purged yet, so each old version is looked at once (the authors
# kept as staff are not re-examined at every build) and late imports of old posts are too.
# Members of the public among the authors of old versions that still have profile fields:
# not in any version of the account registry, and not self-described as staff or an
# organisation in any of their bios or posts (with or without the bio, exactly as the build's
# int_posts reads them), so clearing their profiles changes no role and no flag.
_PROFILES_SQL = """
UPDATE raw_posts SET author_name = NULL, author_bio = NULL, author_location = NULL
FROM (
    WITH candidates AS (
        SELECT DISTINCT platform, author_id FROM raw_posts
        WHERE created_at < $cutoff AND payload IS NOT NULL
          AND (author_name IS NOT NULL OR author_bio IS NOT NULL OR author_location IS NOT NULL)
    ),
    authored AS (
        SELECT r.platform, r.author_id, r.author_bio,
               CASE WHEN regexp_matches(r.text, {gate}) THEN r.text END AS text
        FROM raw_posts r
        SEMI JOIN candidates c ON c.platform = r.platform AND c.author_id = r.author_id
    ),
    readings AS (
        SELECT platform, author_id, author_bio, text FROM authored
        UNION
        SELECT platform, author_id, NULL::VARCHAR AS author_bio, text FROM authored
    ),
    described AS (
        SELECT DISTINCT platform, author_id
        FROM (SELECT platform, author_id, {self_role_columns} FROM readings)
        WHERE self_role IS NOT NULL
    )
    SELECT c.platform, c.author_id FROM candidates c
    ANTI JOIN (SELECT DISTINCT platform, author_id FROM account_registry) a
           ON a.platform = c.platform AND a.author_id = c.author_id
    ANTI JOIN described d ON d.platform = c.platform AND d.author_id = c.author_id
) public
WHERE raw_posts.platform = public.platform AND raw_posts.author_id = public.author_id
  AND raw_posts.created_at < $cutoff AND raw_posts.payload IS NOT NULL
  AND (raw_posts.author_name IS NOT NULL OR raw_posts.author_bio IS NOT NULL
       OR raw_posts.author_location IS NOT NULL)
"""

_QUARANTINE_SQL = """
UPDATE quarantine SET record = NULL WHERE record IS NOT NULL AND quarantined_at < $cutoff
"""

_LOG_SQL = """
INSERT INTO purge_log (purge_id, purged_at, trigger, retention_days, cutoff, n_payloads, n_profiles,
                       n_quarantine_records, n_deleted_versions, run_id)
VALUES ($purge_id, now(), $trigger, $retention_days, $cutoff, $payloads, $profiles, $quarantine,
        $deleted, $run_id)
"""


@dataclass
class PurgeCounts:
    payloads: int = 0
    profiles: int = 0
    quarantine_records: int = 0
    deleted_versions: int = 0

    @property
    def total(self) -> int:
        return self.payloads + self.profiles + self.quarantine_records + self.deleted_versions

    def summary(self) -> str:
        return (f"purged {self.payloads:,} old records, {self.profiles:,} public profiles,"
                f" {self.quarantine_records:,} quarantined records,"
                f" {self.deleted_versions:,} versions of deleted posts")


def _affected(con, sql: str, params: dict | None = None) -> int:
    rows = con.execute(sql, params or {}).fetchall()
    return int(rows[0][0]) if rows else 0


def cutoff_for(retention_days: int, now: datetime | None = None) -> datetime:
    return (now or datetime.now(timezone.utc)) - timedelta(days=retention_days)


def log_purge(con, counts: PurgeCounts, trigger: str, *, retention_days: int | None = None,
              cutoff: datetime | None = None, run_id: str | None = None) -> None:
    """Record a purge that removed something (inside the caller's transaction)."""
    if not counts.total:
        return
    con.execute(_LOG_SQL, {
        "purge_id": uuid.uuid4().hex, "trigger": trigger, "retention_days": retention_days,
        "cutoff": cutoff, "payloads": counts.payloads, "profiles": counts.profiles,
        "quarantine": counts.quarantine_records, "deleted": counts.deleted_versions,
        "run_id": run_id,
    })


def purge_deleted(con) -> int:
    """Remove every stored version of the posts in ``deletions``, inside the caller's
    transaction; return how many versions went."""
    return _affected(con, _DELETED_SQL)


def purge(con, retention_days: int, *, self_role_columns: str, role_text_gate: str,
          now: datetime | None = None) -> PurgeCounts:
    """The build's purge: deleted posts and everything older than the retention period, in
    one transaction (a crash anywhere leaves the raw store as it was; the next build redoes
    it). Call under the writer lock, with no transaction open.

    A public author's profile is kept while they describe themselves as staff or an
    organisation, as the build reads it: ``self_role_columns`` is the build's SQL select list
    giving ``self_role`` from the columns ``author_bio`` and ``text``, and ``role_text_gate``
    a SQL string literal of the pattern a post's text needs for that list to read it."""
    cutoff = cutoff_for(retention_days, now)
    counts = PurgeCounts()
    profiles_sql = _PROFILES_SQL.format(gate=role_text_gate, self_role_columns=self_role_columns)
    with transaction(con):
        counts.deleted_versions = purge_deleted(con)
        counts.profiles = _affected(con, profiles_sql, {"cutoff": cutoff})
        fault_point("purge_after_profiles")
        counts.payloads = _affected(con, _PAYLOADS_SQL, {"cutoff": cutoff})
        fault_point("purge_after_payloads")
        counts.quarantine_records = _affected(con, _QUARANTINE_SQL, {"cutoff": cutoff})
        log_purge(con, counts, "build", retention_days=retention_days, cutoff=cutoff)
        fault_point("purge_before_commit")
    return counts
