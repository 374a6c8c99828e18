"""Queries behind ``python -m alerts``: what is due for one subscription's unit (a trust, a
region, or England), read from the published warehouse through the subscriber's scoped
connection (store.reader with their store.access scope, so rows outside what they may see,
and text they may not read, never reach the alert).

Same conventions as :mod:`warehouse.queries`: ``(cursor, filters, **options) -> DataFrame``,
SQL as module constants, values bound as ``$name`` parameters. ``filters`` is unused (an
alert looks at the latest data, not a chosen period). "Recent" is measured back from the
data's end time (the newest post), not from the clock, so an alert run after a late build
sees the same events as one run at once.
"""
from __future__ import annotations

import pandas as pd

from warehouse.measures import ENGLAND
from warehouse.queries import Filters, run

UNIT_TYPES = ("trust", "region", "england")
# Rows of the unit: a trust's, a region's, or (England) every row, unattributed ones included.
_IN_UNIT = """($unit_type = 'england'
     OR ($unit_type = 'trust' AND {alias}trust_code = $unit_code)
     OR ($unit_type = 'region' AND {alias}region_code = $unit_code))"""
# Connector runs (not file imports or registers): their command is the connector's name.
_NOT_CONNECTORS = "('file', 'demo', 'reference', 'accounts', 'policies', 'users', 'deletions')"


def _unit(unit_type: str, unit_code: str | None) -> dict:
    if unit_type not in UNIT_TYPES:
        raise ValueError(f"unit_type must be one of {', '.join(UNIT_TYPES)}")
    return {"unit_type": unit_type, "unit_code": str(unit_code or ENGLAND)}


OVERDUE_QUESTIONS_SQL = f"""
SELECT q.platform, q.post_id, q.trust_code, q.region_code, t.trust_name, q.topic, q.asked_at,
       q.duration_seconds AS waiting_seconds, q.censored_at AS as_of,
       coalesce($hours::DOUBLE, q.response_target_hours) AS threshold_hours,
       $hours::DOUBLE IS NULL AS policy_target, p.text, p.url
FROM patient_questions q
LEFT JOIN trusts t ON t.trust_code = q.trust_code
LEFT JOIN posts p ON p.platform = q.platform AND p.post_id = q.post_id AND p.created_at = q.asked_at
WHERE NOT q.is_answered
  AND {_IN_UNIT.format(alias='q.')}
  AND (q.asked_at >= q.censored_at - to_days($max_age_days::INTEGER)
       OR list_contains($retry_ids::VARCHAR[], q.platform || ':' || q.post_id))
  AND coalesce($hours::DOUBLE, q.response_target_hours) IS NOT NULL
  AND q.duration_seconds > coalesce($hours::DOUBLE, q.response_target_hours) * 3600
ORDER BY q.asked_at, q.platform, q.post_id
LIMIT $limit
"""


def overdue_questions(cursor, filters: Filters | None = None, unit_type: str = "england",
                      unit_code: str | None = None, hours: float | None = None, max_age_days: int = 7,
                      retry_ids: tuple[str, ...] = (), limit: int = 5000) -> pd.DataFrame:
    """Patient questions of the unit still unanswered at the data's end, waiting longer than
    ``hours`` (or, without it, than the response target of the trust's policy in force when
    asked; questions with neither are never overdue), asked in the last ``max_age_days`` days
    of the data; oldest first, at most ``limit``. Columns: platform, post_id, trust_code,
    region_code, trust_name, topic, asked_at, waiting_seconds, as_of, threshold_hours,
    policy_target, text and url (null when the scope may not read text)."""
    return run(cursor, OVERDUE_QUESTIONS_SQL, _unit(unit_type, unit_code) | {
        "hours": None if hours is None else float(hours), "max_age_days": int(max_age_days),
        "retry_ids": list(retry_ids), "limit": int(limit)})


HIGH_FLAGS_SQL = f"""
WITH data_end AS (SELECT max(created_at) AS last_at FROM posts)
SELECT f.platform, f.post_id, f.rule_id, f.family, f.severity, f.created_at, f.trust_code, f.region_code,
       t.trust_name, f.clause, f.status, x.text, x.url
FROM flag_reviews f
LEFT JOIN trusts t ON t.trust_code = f.trust_code
LEFT JOIN flagged_post_texts x ON x.platform = f.platform AND x.post_id = f.post_id
WHERE f.severity = 'high'
  AND {_IN_UNIT.format(alias='f.')}
  AND (f.created_at >= (SELECT last_at FROM data_end) - to_days($max_age_days::INTEGER)
       OR list_contains($retry_ids::VARCHAR[], f.platform || ':' || f.post_id || ':' || f.rule_id))
ORDER BY f.created_at, f.platform, f.post_id, f.rule_id
LIMIT $limit
"""


def high_flags(cursor, filters: Filters | None = None, unit_type: str = "england", unit_code: str | None = None,
               max_age_days: int = 7, retry_ids: tuple[str, ...] = (), limit: int = 5000) -> pd.DataFrame:
    """High-severity guideline flags (after the trust's policy) on the unit's posts of the last
    ``max_age_days`` days of the data (or one of ``retry_ids``, ``platform:post_id:rule_id``),
    oldest first: platform, post_id, rule_id, family,
    severity, created_at, trust_code, region_code, trust_name, clause, status (review), text
    and url (null when the scope may not read text)."""
    return run(cursor, HIGH_FLAGS_SQL, _unit(unit_type, unit_code) | {
        "max_age_days": int(max_age_days), "retry_ids": list(retry_ids), "limit": int(limit)})


SPC_CONCERNS_SQL = """
WITH latest AS (
    SELECT unit_type, unit_code, measure, grain, max(period_start) AS period_start
    FROM spc_points
    WHERE unit_type = $spc_unit_type AND unit_code = $unit_code AND grain = $grain
    GROUP BY ALL
)
SELECT p.unit_type, p.unit_code, p.measure, p.grain, p.period_start, p.value, p.mean, p.lower, p.upper,
       p.rule, p.side, p.variation_icon, p.suppressed, p.trial_limits
FROM spc_points p JOIN latest USING (unit_type, unit_code, measure, grain, period_start)
WHERE p.special_cause = 'concern' AND NOT p.suppressed
ORDER BY p.measure
"""


def spc_concerns(cursor, filters: Filters | None = None, unit_type: str = "england", unit_code: str | None = None,
                 grain: str = "month") -> pd.DataFrame:
    """The unit's measures whose latest point is a special cause of concern (MDC), at
    ``grain``; a point hidden by small numbers is left out (its value cannot be shown)."""
    params = _unit(unit_type, unit_code)
    params["spc_unit_type"] = "nation" if unit_type == "england" else unit_type
    return run(cursor, SPC_CONCERNS_SQL, params | {"grain": grain})


FAILING_SOURCES_SQL = f"""
WITH runs AS (
    SELECT coalesce(source, command) AS source, run_id, started_at, status, error,
           row_number() OVER (PARTITION BY coalesce(source, command) ORDER BY started_at DESC, run_id) AS recent
    FROM ingest_runs
    WHERE command NOT IN {_NOT_CONNECTORS} AND status <> 'running'
),
streaks AS (
    SELECT source, coalesce(min(recent) FILTER (WHERE status = 'ok') - 1, count(*)) AS failed_in_a_row,
           max(started_at) AS last_run_at
    FROM runs GROUP BY source
)
SELECT s.source, s.failed_in_a_row, s.last_run_at,
       first_failure.run_id AS streak_run_id, last.error AS last_error
FROM streaks s
JOIN runs first_failure ON first_failure.source = s.source AND first_failure.recent = s.failed_in_a_row - $runs + 1
JOIN runs last ON last.source = s.source AND last.recent = 1
WHERE s.failed_in_a_row >= $runs
ORDER BY s.source
"""


def failing_sources(cursor, filters: Filters | None = None, runs: int = 3) -> pd.DataFrame:
    """Connector sources whose latest ``runs`` runs or more all failed (or were interrupted):
    source, failed_in_a_row, last_run_at, streak_run_id (the run at which the streak reached
    ``runs``: one alert per streak), last_error."""
    return run(cursor, FAILING_SOURCES_SQL, {"runs": int(runs)})


DIGEST_COUNTS_SQL = f"""
WITH data_end AS (SELECT max(created_at) AS last_at FROM posts),
recent AS (
    SELECT q.* FROM patient_questions q
    WHERE NOT q.is_answered AND {_IN_UNIT.format(alias='q.')}
      AND q.asked_at >= (SELECT last_at FROM data_end) - to_days($days::INTEGER)
)
SELECT
    (SELECT count(*) FROM recent WHERE within_target IS NOT DISTINCT FROM false) AS open_past_target,
    (SELECT count(*) FROM recent) AS open_questions,
    (SELECT count(*) FROM flag_reviews f WHERE f.status = 'unreviewed' AND {_IN_UNIT.format(alias='f.')}) AS awaiting_review,
    (SELECT count(*) FROM flag_reviews f WHERE f.status = 'unreviewed' AND f.severity = 'high'
        AND {_IN_UNIT.format(alias='f.')}) AS awaiting_review_high,
    (SELECT last_at FROM data_end) AS data_end
"""


def digest_counts(cursor, filters: Filters | None = None, unit_type: str = "england",
                  unit_code: str | None = None, days: int = 28) -> pd.DataFrame:
    """One row for a digest: of the unit's questions asked in the last ``days`` days of the
    data, those still open (open_questions) and those open past their policy's target
    (open_past_target); every flag without a review decision (awaiting_review, the queue's
    whole backlog) and the high-severity ones (awaiting_review_high); data_end."""
    return run(cursor, DIGEST_COUNTS_SQL, _unit(unit_type, unit_code) | {"days": int(days)})


TRUST_REGIONS_SQL = "SELECT trust_code, region_code FROM trusts"


def trust_regions(cursor, filters: Filters | None = None) -> pd.DataFrame:
    """Every trust with its region (for checking that a subscriber's scope covers a unit)."""
    return run(cursor, TRUST_REGIONS_SQL, {})
