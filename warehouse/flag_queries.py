"""Parameterised queries about guideline flags (DESIGN.md "Guideline flag").

Same conventions as :mod:`warehouse.queries`: each query is ``(cursor, filters, **options) ->
DataFrame``, its SQL a module constant (or chosen from a dict of code constants), values bound
as ``$name`` parameters.

Rates are *automatic* flags per 1,000 staff and organisation posts: the numerator is
``daily_flag_counts`` (flags on professional and organisation posts), the denominator
``daily_staff_post_counts`` (all their posts, flagged or not). With ``basis="confirmed"`` the
numerator is the flags a reviewer confirmed or actioned (``n_confirmed``, as of the last build)
instead; the ``$confirmed`` parameter picks the column, so both share one SQL. Each rate carries its 95% CI from :func:`warehouse.stats.rate_ci`
(exact Poisson below 10 flags, Byar's method from 10). Only the drill-down list reads rows
(``flags`` joined to ``flagged_post_texts``), at most ``limit`` of them.
"""
from __future__ import annotations

import pandas as pd

from warehouse import queries, rules, stats
from warehouse.measures import UNATTRIBUTED, group_code_sql, group_name_sql, name_sql
from warehouse.queries import _DIMENSIONS, _POSTS_WHERE, GRAINS, PERIODS_CTE, Filters, run

PER = 1000
RATE_GROUPS = ("all", "region", "trust", "family", "rule")
BASES = ("automatic", "confirmed")
# The counted flags of daily_flag_counts: automatic, or confirmed when $confirmed is true.
_COUNTED = "CASE WHEN $confirmed THEN n_confirmed ELSE n_flags END"
SEVERITY_ORDER = "CASE severity WHEN 'high' THEN 0 WHEN 'medium' THEN 1 WHEN 'low' THEN 2 ELSE 3 END"
_DAILY_WHERE = f"day BETWEEN $start AND $end\n    AND {_DIMENSIONS}"
_FLAGS_WHERE = f"created_at >= $start_ts AND created_at < $end_ts\n    AND {_DIMENSIONS}"


def _params(filters: Filters, basis: str) -> dict:
    if basis not in BASES:
        raise ValueError(f"basis must be one of {', '.join(BASES)}")
    return filters.params() | {"confirmed": basis == "confirmed"}


def with_rates(frame: pd.DataFrame, flags: str = "n_flags", posts: str = "n_posts") -> pd.DataFrame:
    """``frame`` with rate (per 1,000 posts), ci_low, ci_high and method from stats.rate_ci."""
    ci = stats.rate_ci(frame[flags].to_numpy(dtype=float), frame[posts].to_numpy(dtype=float), per=PER)
    return frame.assign(rate=ci["rate"], ci_low=ci["ci_low"], ci_high=ci["ci_high"], method=ci["method"])


# --- headline ----------------------------------------------------------------------------------

FLAG_HEADLINE_SQL = f"""
SELECT
    (SELECT coalesce(sum({_COUNTED}), 0) FROM daily_flag_counts WHERE {_DAILY_WHERE})::BIGINT AS n_flags,
    (SELECT coalesce(sum({_COUNTED}), 0) FROM daily_flag_counts
      WHERE severity = 'high' AND {_DAILY_WHERE})::BIGINT AS n_high,
    (SELECT coalesce(sum(n_flags), 0) FROM daily_flag_counts WHERE {_DAILY_WHERE})::BIGINT AS n_automatic,
    (SELECT coalesce(sum(n_reviewed), 0) FROM daily_flag_counts WHERE {_DAILY_WHERE})::BIGINT AS n_reviewed,
    (SELECT coalesce(sum(n_posts), 0) FROM daily_staff_post_counts WHERE {_DAILY_WHERE})::BIGINT AS n_posts
"""


def flag_headline(cursor, filters: Filters, basis: str = "automatic") -> pd.DataFrame:
    """One row: counted flags on staff/organisation posts (``n_flags``, of which ``n_high``
    high severity; automatic or confirmed by ``basis``), all automatic flags (``n_automatic``)
    and how many have a review decision (``n_reviewed``), their posts (``n_posts``), and the
    rate per 1,000 posts with its 95% CI."""
    return with_rates(run(cursor, FLAG_HEADLINE_SQL, _params(filters, basis)))


# --- enabling practice, beside the breach rates -------------------------------------------------

ENABLING_HEADLINE_SQL = f"""
SELECT coalesce(sum(n_answered), 0)::BIGINT AS n_answered,
       coalesce(sum(n_answer_signposting), 0)::BIGINT AS n_signposting,
       coalesce(sum(n_answer_compassion), 0)::BIGINT AS n_compassion,
       coalesce(sum(n_target_known), 0)::BIGINT AS n_target_known,
       coalesce(sum(n_within_target), 0)::BIGINT AS n_within_target
FROM daily_question_counts
WHERE {_DAILY_WHERE}
"""


def enabling_headline(cursor, filters: Filters) -> pd.DataFrame:
    """One row: what guidance encourages, over the patient questions asked in the selection —
    answered questions (n_answered), answers that signpost (n_signposting) or show compassion
    (n_compassion), questions whose outcome against the trust's policy target is known
    (n_target_known) and those answered within it (n_within_target), each share with its
    Wilson 95% CI (signposting, compassion, within_target and *_low/*_high)."""
    frame = run(cursor, ENABLING_HEADLINE_SQL, filters.params())
    for name, num, den in (("signposting", "n_signposting", "n_answered"),
                           ("compassion", "n_compassion", "n_answered"),
                           ("within_target", "n_within_target", "n_target_known")):
        p, low, high = stats.wilson(frame[num].to_numpy(), frame[den].to_numpy())
        frame = frame.assign(**{name: p, f"{name}_low": low, f"{name}_high": high})
    return frame


# --- rates by region, trust, family, rule ---------------------------------------------------------

_UNIT_RATES_SQL = """
WITH posts AS (
    SELECT {column} AS group_code, any_value(region_code) AS region_code, sum(n_posts)::BIGINT AS n_posts
    FROM daily_staff_post_counts WHERE {where} GROUP BY 1
),
flags AS (
    SELECT {column} AS group_code, sum({counted})::BIGINT AS n_flags
    FROM daily_flag_counts WHERE {where} GROUP BY 1
)
SELECT p.group_code, {name} AS group_name, {region} AS region_name,
       coalesce(f.n_flags, 0)::BIGINT AS n_flags, p.n_posts
FROM posts p
LEFT JOIN flags f USING (group_code)
{joins}
ORDER BY p.group_code = '{unattributed}', group_name
"""
_CATEGORY_RATES_SQL = """
WITH total AS (SELECT coalesce(sum(n_posts), 0)::BIGINT AS n_posts FROM daily_staff_post_counts WHERE {where})
SELECT {column} AS group_code, {name} AS group_name, any_value(family) AS family,
       sum({counted})::BIGINT AS n_flags, any_value(total.n_posts) AS n_posts
FROM daily_flag_counts, total
WHERE {where}
GROUP BY 1, 2
HAVING sum({counted}) > 0
ORDER BY n_flags DESC, group_code
"""
FLAG_RATES_SQL = {
    "all": f"""
SELECT 'all' AS group_code, 'All staff posts' AS group_name, NULL AS region_name,
       (SELECT coalesce(sum({_COUNTED}), 0) FROM daily_flag_counts WHERE {_DAILY_WHERE})::BIGINT AS n_flags,
       (SELECT coalesce(sum(n_posts), 0) FROM daily_staff_post_counts WHERE {_DAILY_WHERE})::BIGINT AS n_posts
""",
    "region": _UNIT_RATES_SQL.format(
        column=group_code_sql("region_code"), where=_DAILY_WHERE, counted=_COUNTED, unattributed=UNATTRIBUTED,
        name=group_name_sql("p.group_code", "r.region_name"),
        region="NULL", joins="LEFT JOIN regions r ON r.region_code = p.group_code"),
    "trust": _UNIT_RATES_SQL.format(
        column=group_code_sql("trust_code"), where=_DAILY_WHERE, counted=_COUNTED, unattributed=UNATTRIBUTED,
        name=group_name_sql("p.group_code", "t.trust_name"),
        region=name_sql("p.region_code", "r.region_name"),
        joins="LEFT JOIN trusts t ON t.trust_code = p.group_code\n"
              "LEFT JOIN regions r ON r.region_code = p.region_code"),
    "family": _CATEGORY_RATES_SQL.format(column="family", name="family", where=_DAILY_WHERE, counted=_COUNTED),
    "rule": _CATEGORY_RATES_SQL.format(column="rule_id", name="rule_id", where=_DAILY_WHERE, counted=_COUNTED),
}


def flag_rates(cursor, filters: Filters, by: str = "region", basis: str = "automatic") -> pd.DataFrame:
    """Flag rates per 1,000 staff/organisation posts by ``by`` (all, region, trust, family or
    rule): group_code, group_name, region_name (trusts) or family (rules), n_flags, n_posts,
    rate, ci_low, ci_high, method. Regions and trusts list every unit with staff posts
    (``unattributed`` included, last); families and rules list those with flags, most first,
    each over all the staff posts selected. ``basis``: automatic or confirmed flags."""
    if by not in RATE_GROUPS:
        raise ValueError(f"by must be one of {', '.join(RATE_GROUPS)}")
    frame = with_rates(run(cursor, FLAG_RATES_SQL[by], _params(filters, basis)))
    if by in NAMED:  # families and rules are read by their titles, never their codes (issue #15)
        frame["group_name"] = frame["group_code"].map(NAMED[by]).astype(object)
    return frame


NAMED = {"rule": rules.title, "family": rules.family_title}


# --- over time -------------------------------------------------------------------------------------

FLAGS_OVER_TIME_SQL = f"""
WITH {PERIODS_CTE},
flags AS (
    SELECT date_trunc($grain, day)::DATE AS period, sum({_COUNTED})::BIGINT AS n_flags
    FROM daily_flag_counts WHERE {_DAILY_WHERE} GROUP BY 1
),
posts AS (
    SELECT date_trunc($grain, day)::DATE AS period, sum(n_posts)::BIGINT AS n_posts
    FROM daily_staff_post_counts WHERE {_DAILY_WHERE} GROUP BY 1
)
SELECT p.period, coalesce(f.n_flags, 0)::BIGINT AS n_flags, coalesce(s.n_posts, 0)::BIGINT AS n_posts
FROM periods p
LEFT JOIN flags f USING (period)
LEFT JOIN posts s USING (period)
ORDER BY p.period
"""


def flags_over_time(cursor, filters: Filters, grain: str = "week", basis: str = "automatic") -> pd.DataFrame:
    """Flags and staff posts per ``grain`` (weeks start on Monday), zero-filled over the date
    range, with the rate per 1,000 posts and its CI (NaN where there were no posts)."""
    if grain not in GRAINS:
        raise ValueError(f"grain must be one of {', '.join(GRAINS)}")
    return with_rates(run(cursor, FLAGS_OVER_TIME_SQL, _params(filters, basis) | {"grain": grain}))


# --- drill-down ----------------------------------------------------------------------------------

FLAGGED_POSTS_SQL = f"""
WITH picked AS (
    -- Late materialisation: the page's flags chosen from narrow columns, then their wide ones
    -- (evidence, clause) and review status read for those rows only; joining every flag to its
    -- review first ran out of the dashboard's 128 MB at 10 M posts.
    SELECT platform, post_id, rule_id, created_at
    FROM flags
    WHERE {_FLAGS_WHERE}
      AND author_role IN ('professional', 'organisation')
      AND (NOT $confirmed OR (platform, post_id, rule_id) IN (
          SELECT platform, post_id, rule_id FROM flag_reviews WHERE status IN ('confirmed', 'actioned')))
    ORDER BY (created_at AT TIME ZONE 'Europe/London')::DATE DESC, {SEVERITY_ORDER}, created_at DESC,
             platform, post_id, rule_id
    LIMIT $limit
),
chosen AS (
    SELECT f.platform, f.post_id, f.rule_id, f.family, f.severity, f.evidence, f.clause, f.clause_url,
           f.policy_version, f.created_at, f.author_role, f.trust_code, f.region_code, v.status
    FROM flags f
    JOIN picked k ON k.platform = f.platform AND k.post_id = f.post_id AND k.rule_id = f.rule_id
        AND k.created_at = f.created_at
    JOIN flag_reviews v ON v.platform = f.platform AND v.post_id = f.post_id AND v.rule_id = f.rule_id
)
SELECT
    (c.created_at AT TIME ZONE 'Europe/London') AS posted_at,
    c.severity, c.family, c.rule_id, c.evidence, c.clause, c.clause_url, c.policy_version, c.status,
    p.text, p.url, c.platform, c.author_role,
    coalesce(p.account_title, p.author_key) AS author,
    {name_sql('c.trust_code', 't.trust_name')} AS trust_name,
    {name_sql('c.region_code', 'r.region_name')} AS region_name,
    c.post_id
FROM chosen c
-- the flagged posts' own small table (not posts); created_at in the join lets the chosen flags'
-- time range prune its scan (queries.explore_posts)
JOIN flagged_post_texts p ON p.platform = c.platform AND p.post_id = c.post_id AND p.created_at = c.created_at
LEFT JOIN trusts t ON t.trust_code = c.trust_code
LEFT JOIN regions r ON r.region_code = c.region_code
ORDER BY (c.created_at AT TIME ZONE 'Europe/London')::DATE DESC,
         CASE c.severity WHEN 'high' THEN 0 WHEN 'medium' THEN 1 WHEN 'low' THEN 2 ELSE 3 END,
         c.created_at DESC, c.platform, c.post_id, c.rule_id
"""


def flagged_posts(cursor, filters: Filters, limit: int = 500, basis: str = "automatic") -> pd.DataFrame:
    """The flags on staff/organisation posts, newest UK day first and, within a day, most
    severe first, at most ``limit``: posted_at (UK time), severity, family, rule_id, evidence,
    clause, clause_url, policy_version, review status (as of the last build), the post's text
    and url, platform, author_role, author, trust_name, region_name, post_id. ``basis``
    "confirmed" keeps the confirmed and actioned flags only."""
    return run(cursor, FLAGGED_POSTS_SQL, _params(filters, basis) | {"limit": int(limit)})


# --- the review queue (flags with their published review status) ----------------------------

REVIEW_QUEUE_SQL = f"""
WITH chosen AS (
    -- the page's flags first (a small table), then their posts' text from the flagged posts'
    -- own table; created_at in the join prunes its scan (queries.explore_posts)
    SELECT * FROM flag_reviews
    WHERE {_POSTS_WHERE}
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


