"""Parameterised queries about patient questions and response times.

Same conventions as :mod:`warehouse.queries` (whose ``Filters``, parameter binding and
dimension filter they reuse): each query is ``(cursor, filters, **options) -> DataFrame`` with
its SQL a module constant (or chosen from a dict of code constants), values bound as
``$name`` parameters.

What they read:

* ``daily_question_counts`` (pre-aggregate) for volumes, the topic mix and headline counts.
* ``patient_questions`` (one row per episode, sorted by ``asked_at``) for anything that needs
  an episode's own times: response-time histograms, units for funnel plots, the weekday x hour
  grid and the open-questions queue. Each is aggregated in SQL; only the queue returns rows,
  and at most ``limit`` of them.

Unanswered episodes are always counted: the response rate's denominator is every episode, and
for Kaplan-Meier an unanswered episode is *censored* at the data's end time (its
``duration_seconds``), never dropped (DESIGN.md "Episode and response time").

Time bins for Kaplan-Meier (:data:`HISTOGRAM_SQL`): durations are rounded *up* to a whole
minute up to 1 day, to 15 minutes up to 7 days, to 6 hours up to 90 days and to whole days
beyond. Rounding up keeps "answered within t" exact for every t on a bin edge (1 hour, 1
service day, 3 days: d <= t exactly when ceil(d) <= t) and never flattering elsewhere; the
median is within one bin of the raw-data one. A group's histogram has at most about 3,000
rows (two years of follow-up), whatever the number of questions.

Service clock: only the trust's staffed hours count (``service_duration_seconds``), as they
actually elapsed: medians and curves in service hours are real staffed hours, never rescaled
(a 24/7 trust's 3 hours are 3 service hours). "Within 1 service day" uses each trust's own
staffed day (``service_day_seconds``); to read it off one Kaplan-Meier curve when trusts with
different staffed days are pooled, the ``service_days`` scale measures each wait in its own
trust's service days (``DAY_S`` ticks per service day, so the bins and the Kaplan-Meier code
are the same): a wait is within 1 service day exactly when it is at most ``DAY_S`` there.
Schedules: :func:`trust_schedules` lists the staffed hours each trust had, per policy period.

"Within target" proportions for units (:func:`question_units`, :func:`asking_times`) are over
the episodes that were *followed up for at least the target*: answered within it, or waited at
least that long (still open or answered later). A question asked an hour before the data ends
cannot yet have failed a 3-day target, so it is left out of that denominator.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from warehouse import queries, stats
from warehouse.measures import (CALENDAR, DAY_S, SERVICE, SERVICE_DAYS, TARGET, TARGETS, UNATTRIBUTED,
                                group_code_sql, group_name_sql, name_sql, target_counts_sql, thresholds)
from warehouse.queries import _DIMENSIONS, Filters, run

CALENDAR_WITHIN = thresholds(CALENDAR)  # the targets read off the calendar-clock curve
SERVICE_WITHIN = thresholds(SERVICE)  # ... off the service-clock curve (none: medians only)
SERVICE_DAY_WITHIN = thresholds(SERVICE_DAYS)  # ... and off the service-days scale
CLOCKS = (CALENDAR, SERVICE, SERVICE_DAYS)
WITHIN = {CALENDAR: CALENDAR_WITHIN, SERVICE: SERVICE_WITHIN, SERVICE_DAYS: SERVICE_DAY_WITHIN}  # per clock
QUESTION_SERIES = {"all": "'all'", "topic": "topic", "region": group_code_sql("region_code")}
UNITS = ("region", "trust")
GROUPS = ("all", "region", "trust")

_Q_WHERE = f"asked_at >= $start_ts AND asked_at < $end_ts\n    AND {_DIMENSIONS}"
_DAILY_WHERE = f"day BETWEEN $start AND $end\n    AND {_DIMENSIONS}"
# Durations per clock (code constants): calendar seconds, staffed seconds as they elapsed, or
# the wait in the trust's own service days (DAY_S ticks each: only for "within 1 service day").
_DURATION = {
    CALENDAR: "duration_seconds",
    SERVICE: "service_duration_seconds",
    SERVICE_DAYS: f"service_duration_seconds * {DAY_S}.0 / nullif(service_day_seconds, 0)",
}
_GROUP = {
    "all": "'all'",
    "region": group_code_sql("region_code"),
    "trust": group_code_sql("trust_code"),
}
# Names of groups: region or trust, "Unattributed" when the trust is not known.
_GROUP_NAMES = {
    "all": "SELECT 'all' AS group_code, 'All questions' AS group_name, NULL AS region_name",
    "region": f"""
        SELECT {group_code_sql('g.group_code')} AS group_code,
               {group_name_sql('g.group_code', 'r.region_name')} AS group_name,
               NULL AS region_name
        FROM (SELECT DISTINCT group_code FROM grouped) g
        LEFT JOIN regions r ON r.region_code = g.group_code""",
    "trust": f"""
        SELECT g.group_code,
               {group_name_sql('g.group_code', 't.trust_name')} AS group_name,
               {name_sql('t.region_code', 't.region_name')} AS region_name
        FROM (SELECT DISTINCT group_code FROM grouped) g
        LEFT JOIN trusts t ON t.trust_code = g.group_code""",
}


# --- headline counts and volumes (pre-aggregate) -------------------------------------------

_TARGET_SUMS = ",\n       ".join(f"coalesce(sum(n_answered_{t.code}), 0)::BIGINT AS n_answered_{t.code}"
                                 for t in TARGETS)
QUESTION_HEADLINE_SQL = f"""
SELECT coalesce(sum(n_questions), 0)::BIGINT AS n_questions,
       coalesce(sum(n_answered), 0)::BIGINT AS n_answered,
       coalesce(sum(n_questions - n_answered), 0)::BIGINT AS n_open,
       coalesce(sum(n_acknowledged), 0)::BIGINT AS n_acknowledged,
       {_TARGET_SUMS}
FROM daily_question_counts
WHERE {_DAILY_WHERE}
"""


def question_headline(cursor, filters: Filters) -> pd.DataFrame:
    """One row: episodes asked in the period (``n_questions``), answered so far, still open,
    acknowledged automatically before any answer (``n_acknowledged``), and answered within
    1 hour / 1 service day / 3 days (over all episodes)."""
    return run(cursor, QUESTION_HEADLINE_SQL, filters.params())


_REGION_NAMES = "LEFT JOIN regions r ON r.region_code = s.series"
QUESTIONS_OVER_TIME_SQL = {
    "all": queries.over_time_sql("daily_question_counts", "n_questions", QUESTION_SERIES["all"],
                                 _DAILY_WHERE, label="'All questions'"),
    "topic": queries.over_time_sql("daily_question_counts", "n_questions", QUESTION_SERIES["topic"],
                                   _DAILY_WHERE, label="s.series"),
    "region": queries.over_time_sql(
        "daily_question_counts", "n_questions", QUESTION_SERIES["region"], _DAILY_WHERE,
        label=group_name_sql("s.series", "r.region_name"), joins=_REGION_NAMES),
}


def questions_over_time(cursor, filters: Filters, grain: str = "week", by: str = "all") -> pd.DataFrame:
    """Questions asked per ``grain`` and series (``by`` = all, topic or region), zero-filled over
    the date range: period, series (code), series_name, n_questions."""
    if grain not in queries.GRAINS:
        raise ValueError(f"grain must be one of {', '.join(queries.GRAINS)}")
    if by not in QUESTIONS_OVER_TIME_SQL:
        raise ValueError(f"by must be one of {', '.join(QUESTIONS_OVER_TIME_SQL)}")
    return run(cursor, QUESTIONS_OVER_TIME_SQL[by], filters.params() | {"grain": grain})


QUESTION_TOPICS_SQL = f"""
SELECT topic, sum(n_questions)::BIGINT AS n_questions, sum(n_answered)::BIGINT AS n_answered,
       sum(n_questions) / sum(sum(n_questions)) OVER () AS share
FROM daily_question_counts
WHERE {_DAILY_WHERE}
GROUP BY topic
ORDER BY n_questions DESC, topic
"""


def question_topics(cursor, filters: Filters) -> pd.DataFrame:
    """Questions per topic, most asked first: topic, n_questions, n_answered, share."""
    return run(cursor, QUESTION_TOPICS_SQL, filters.params())


# --- units (regions, trusts) for tables and funnel plots -------------------------------------

_UNITS_SQL = """
WITH grouped AS (
    SELECT {group} AS group_code, *
    FROM patient_questions
    WHERE {where}
),
counts AS (
    SELECT group_code,
           count(*) AS n_questions,
           count(*) FILTER (WHERE is_answered) AS n_answered,
           {targets}
    FROM grouped
    GROUP BY group_code
),
names AS ({names})
SELECT n.group_code, n.group_name, n.region_name, c.* EXCLUDE (group_code)
FROM counts c JOIN names n USING (group_code)
ORDER BY c.n_questions DESC, n.group_name
"""
QUESTION_UNITS_SQL = {
    unit: _UNITS_SQL.format(group=_GROUP[unit], where=_Q_WHERE, names=_GROUP_NAMES[unit],
                            targets=target_counts_sql().replace("\n", "\n       "))
    for unit in UNITS
}


def question_units(cursor, filters: Filters, by: str = "trust") -> pd.DataFrame:
    """Per region or trust (``by``; ``unattributed`` is one group): group_code, group_name,
    region_name, n_questions, n_answered, and for each target (1h, service_day, 3d)
    ``n_answered_<target>`` and its follow-up denominator ``n_followed_<target>``. Busiest
    first."""
    if by not in QUESTION_UNITS_SQL:
        raise ValueError(f"by must be one of {', '.join(QUESTION_UNITS_SQL)}")
    return run(cursor, QUESTION_UNITS_SQL[by], filters.params())


# --- response-time histograms for Kaplan-Meier ---------------------------------------------

_HISTOGRAM_SQL = """
WITH grouped AS (
    SELECT {group} AS group_code, {duration} AS d, is_answered
    FROM patient_questions
    WHERE {where}
),
chosen AS (
    -- the $top busiest groups (trusts: attributed ones only)
    SELECT group_code FROM grouped
    WHERE {keep}
    GROUP BY group_code
    ORDER BY count(*) DESC, group_code
    LIMIT $top
),
bins AS (
    SELECT group_code,
           CASE WHEN d <= 86400 THEN ceil(d / 60) * 60          -- 1 minute up to 1 day
                WHEN d <= 604800 THEN ceil(d / 900) * 900       -- 15 minutes up to 7 days
                WHEN d <= 7776000 THEN ceil(d / 21600) * 21600  -- 6 hours up to 90 days
                ELSE ceil(d / 86400) * 86400 END::BIGINT AS bin_s,  -- then whole days
           count(*) FILTER (WHERE is_answered) AS events,
           count(*) FILTER (WHERE NOT is_answered) AS censored
    FROM grouped
    WHERE group_code IN (SELECT group_code FROM chosen) AND d IS NOT NULL
    GROUP BY ALL
),
names AS ({names})
SELECT b.group_code, n.group_name, n.region_name, b.bin_s, b.events, b.censored
FROM bins b JOIN names n USING (group_code)
ORDER BY b.group_code, b.bin_s
"""
HISTOGRAM_SQL = {
    (group, clock): _HISTOGRAM_SQL.format(
        group=_GROUP[group], duration=_DURATION[clock], where=_Q_WHERE, names=_GROUP_NAMES[group],
        keep=f"group_code <> '{UNATTRIBUTED}'" if group == "trust" else "TRUE")
    for group in GROUPS for clock in CLOCKS
}


def response_histogram(cursor, filters: Filters, by: str = "all", clock: str = "calendar",
                       top: int = 10_000) -> pd.DataFrame:
    """Episodes per group x time bin, answered (``events``) and still open (``censored``):
    group_code, group_name, region_name, bin_s (duration rounded up to the bin edge: calendar
    seconds, staffed seconds on the service clock, or DAY_S ticks per the trust's service day on
    the service_days scale), events, censored. ``by`` = all, region or trust (the ``top``
    busiest; unattributed questions are not a trust). Feed each group to
    :func:`warehouse.stats.km_from_counts`."""
    if (by, clock) not in HISTOGRAM_SQL:
        raise ValueError(f"by must be one of {', '.join(GROUPS)} and clock one of {', '.join(CLOCKS)}")
    return run(cursor, HISTOGRAM_SQL[(by, clock)], filters.params() | {"top": int(top)})


def response_histograms(cursor, filters: Filters, by: str = "all", clocks: tuple = (CALENDAR, SERVICE_DAYS),
                        top: int = 10_000) -> pd.DataFrame:
    """:func:`response_histogram` of several clocks in one query (one scan of the filtered
    questions per clock, one round trip): its columns and ``clock``. The default clocks are
    those a calendar-clock headline reads (its median and the targets; issue #16)."""
    unknown = [c for c in clocks if (by, c) not in HISTOGRAM_SQL]
    if unknown or not clocks:
        raise ValueError(f"by must be one of {', '.join(GROUPS)} and clocks some of {', '.join(CLOCKS)}")
    sql = "\nUNION ALL\n".join(f"SELECT $clock_{i} AS clock, * FROM ({HISTOGRAM_SQL[(by, c)]})"
                                for i, c in enumerate(clocks))
    return run(cursor, sql, filters.params() | {"top": int(top)} | {f"clock_{i}": c for i, c in enumerate(clocks)})


# --- when questions are asked ----------------------------------------------------------------

ASKING_TIMES_SQL = f"""
WITH local AS (
    SELECT asked_at AT TIME ZONE 'Europe/London' AS asked_local, response_seconds, duration_seconds
    FROM patient_questions
    WHERE {_Q_WHERE}
),
counts AS (
    SELECT isodow(asked_local) AS weekday, hour(asked_local) AS hour,
           count(*) AS n_questions,
           count(*) FILTER (WHERE {TARGET["1h"].answered_sql()}) AS n_answered_1h,
           count(*) FILTER (WHERE {TARGET["1h"].followed_sql()}) AS n_followed_1h
    FROM local
    GROUP BY ALL
),
grid AS (
    SELECT w.weekday, h.hour
    FROM range(1, 8) w(weekday), range(0, 24) h(hour)
)
SELECT g.weekday::INTEGER AS weekday, g.hour::INTEGER AS hour,
       coalesce(c.n_questions, 0)::BIGINT AS n_questions,
       coalesce(c.n_answered_1h, 0)::BIGINT AS n_answered_1h,
       coalesce(c.n_followed_1h, 0)::BIGINT AS n_followed_1h
FROM grid g LEFT JOIN counts c ON c.weekday = g.weekday AND c.hour = g.hour
ORDER BY g.weekday, g.hour
"""


def asking_times(cursor, filters: Filters) -> pd.DataFrame:
    """Questions by UK weekday (1 = Monday) x hour of asking, all 168 cells: n_questions,
    n_answered_1h and n_followed_1h (the denominator of "% answered within 1 hour")."""
    return run(cursor, ASKING_TIMES_SQL, filters.params())


# --- the open-questions queue ------------------------------------------------------------------

# The queue's orders (code constants): most overdue first (furthest past the target of the policy
# in force, then those without a target by their wait, so the longest waiting), or newest first.
QUEUE_ORDERS = {
    "overdue": "response_target_hours IS NULL, waiting_seconds - response_target_hours * 3600 DESC, asked_at",
    "newest": "asked_at DESC",
}
_OPEN_QUESTIONS_SQL = f"""
WITH open AS (
    SELECT platform, post_id, thread_id, trust_code, region_code, topic, asked_at,
           duration_seconds AS waiting_seconds, censored_at, n_questions, first_unknown_reply_at,
           response_target_hours
    FROM patient_questions
    WHERE NOT is_answered AND {_Q_WHERE}
    ORDER BY __ORDER__, platform, post_id
    LIMIT $limit
)
SELECT
    (o.asked_at AT TIME ZONE 'Europe/London') AS asked_at,
    o.waiting_seconds,
    (o.censored_at AT TIME ZONE 'Europe/London') AS as_of,
    o.platform,
    {name_sql('o.trust_code', 't.trust_name')} AS trust_name,
    {name_sql('o.region_code', 'r.region_name')} AS region_name,
    o.topic,
    o.n_questions,
    o.first_unknown_reply_at IS NOT NULL AS has_unknown_reply,
    o.response_target_hours,
    p.text,
    p.url,
    o.post_id,
    o.thread_id
FROM open o
LEFT JOIN posts p
  ON p.platform = o.platform AND p.post_id = o.post_id
 -- the question's own post (asked_at is its time): the open questions' time range prunes the
 -- posts scan's row groups (queries.explore_posts)
 AND p.created_at = o.asked_at
LEFT JOIN trusts t ON t.trust_code = o.trust_code
LEFT JOIN regions r ON r.region_code = o.region_code
ORDER BY __OUTER_ORDER__, o.platform, o.post_id
"""
OPEN_QUESTIONS_SQL = {
    name: _OPEN_QUESTIONS_SQL.replace("__ORDER__", order).replace(
        "__OUTER_ORDER__", order.replace("response_target_hours", "o.response_target_hours")
        .replace("waiting_seconds", "o.waiting_seconds").replace("asked_at", "o.asked_at"))
    for name, order in QUEUE_ORDERS.items()}


def open_questions(cursor, filters: Filters, limit: int = 500, order: str = "overdue") -> pd.DataFrame:
    """Unanswered episodes asked in the period, most overdue first (``order="newest"``: newest
    first), at most ``limit``: asked_at and
    as_of (UK time; as_of is the data's end time), waiting_seconds (asked_at to as_of),
    platform, trust_name, region_name, topic, n_questions, has_unknown_reply (someone whose
    role is not known replied), the target of the policy in force (hours), the first question's
    text (not yet redacted) and url, ids."""
    if order not in QUEUE_ORDERS:
        raise ValueError(f"order must be one of {', '.join(QUEUE_ORDERS)}")
    return run(cursor, OPEN_QUESTIONS_SQL[order], filters.params() | {"limit": int(limit)})




# --- every episode, one row each (the analyst's export) -----------------------------------------

EPISODES_SQL = f"""
WITH chosen AS (
    SELECT * FROM patient_questions
    WHERE {_Q_WHERE}
    ORDER BY asked_at DESC, platform, post_id
    LIMIT $limit
)
SELECT
    (c.asked_at AT TIME ZONE 'Europe/London') AS asked_at,
    p.text,
    c.author_key AS asker,
    {name_sql('c.trust_code', 't.trust_name')} AS trust_name,
    {name_sql('c.region_code', 'r.region_name')} AS region_name,
    c.platform,
    c.topic,
    (c.answered_at AT TIME ZONE 'Europe/London') AS answered_at,
    c.answered_by_role,
    c.duration_seconds,
    c.service_duration_seconds,
    NOT c.is_answered AS censored,
    (c.censored_at AT TIME ZONE 'Europe/London') AS censored_at,
    c.policy_version,
    c.response_target_hours,
    c.within_target,
    c.post_id,
    c.thread_id
FROM chosen c
LEFT JOIN posts p ON p.platform = c.platform AND p.post_id = c.post_id AND p.created_at = c.asked_at
LEFT JOIN trusts t ON t.trust_code = c.trust_code
LEFT JOIN regions r ON r.region_code = c.region_code
ORDER BY c.asked_at DESC, c.platform, c.post_id
"""
EPISODE_COUNT_SQL = f"SELECT count(*)::BIGINT AS n_questions FROM patient_questions WHERE {_Q_WHERE}"


def episode_count(cursor, filters: Filters) -> pd.DataFrame:
    """One row: the episodes (questions) asked in the selection that the scope may read."""
    return run(cursor, EPISODE_COUNT_SQL, filters.params())


def episode_chunks(cursor, filters: Filters, limit: int = 100_000, vectors: int = 2):
    """Every episode asked in the selection, newest first (at most ``limit``), one row each, as
    a stream of frames: asked_at and answered_at (UK time), the question's text (not yet
    redacted), the asker's pseudonym, trust and region names, platform, topic, who answered
    (role), the wait to the answer or, when ``censored`` (unanswered), to ``censored_at`` (the
    data's end) on both clocks, the policy version in force, its target and whether it was met."""
    return queries.stream(cursor, EPISODES_SQL, filters.params() | {"limit": int(limit)}, vectors)


# --- the schedules service hours were counted on -----------------------------------------------

TRUST_SCHEDULES_SQL = f"""
WITH periods AS (
    SELECT trust_code, policy_version, staffed_hours, service_day_seconds
    FROM patient_questions
    WHERE trust_code IS NOT NULL AND {_Q_WHERE}
    GROUP BY ALL
)
SELECT p.trust_code, {name_sql('p.trust_code', 't.trust_name')} AS trust_name, p.policy_version,
       tp.effective_from, tp.effective_to, p.staffed_hours, p.service_day_seconds
FROM periods p
LEFT JOIN trusts t ON t.trust_code = p.trust_code
LEFT JOIN trust_policies tp ON tp.trust_code = p.trust_code AND tp.policy_version = p.policy_version
ORDER BY trust_name, p.trust_code, tp.effective_from NULLS FIRST, p.policy_version
"""


def trust_schedules(cursor, filters: Filters) -> pd.DataFrame:
    """The staffed hours each trust's questions in the selection were timed on, one row per
    trust and policy period: trust_code, trust_name, policy_version (None: no local policy in
    force, so the default Mon–Fri 08:00–18:00), effective_from, effective_to (None: still in
    force), staffed_hours (None: the default) and service_day_seconds (one staffed day)."""
    return run(cursor, TRUST_SCHEDULES_SQL, filters.params())


# --- from histograms to estimates (pure pandas/numpy, no database) ---------------------------

def km_curves(histogram: pd.DataFrame) -> pd.DataFrame:
    """Kaplan-Meier curve per group of a :func:`response_histogram` frame: group_code,
    group_name, time_s, at_risk, events, censored, survival, ci_low, ci_high."""
    parts = []
    for (code, name), rows in histogram.groupby(["group_code", "group_name"], sort=False):
        curve = stats.km_from_counts(rows["bin_s"], rows["events"], rows["censored"])
        parts.append(curve.assign(group_code=code, group_name=name))
    columns = ["group_code", "group_name", "time_s", "at_risk", "events", "censored", "survival",
               "ci_low", "ci_high"]
    return pd.concat(parts, ignore_index=True)[columns] if parts else pd.DataFrame(columns=columns)


def km_summaries(histogram: pd.DataFrame, within_s=CALENDAR_WITHIN) -> pd.DataFrame:
    """One row per group of a :func:`response_histogram` frame, busiest first: group_code,
    group_name, region_name, n, events, median_s, median_ci_low_s, median_ci_high_s (NaN = not
    reached / not estimable), and per threshold t: p_<t>, p_<t>_low, p_<t>_high (NaN beyond
    the follow-up) and events_<t> (answered within t, the numerator suppression looks at)."""
    rows = []
    for (code, name), group in histogram.groupby(["group_code", "group_name"], sort=False):
        summary = stats.km_summary_from_counts(group["bin_s"], group["events"], group["censored"],
                                               within_s=within_s)
        row = {"group_code": code, "group_name": name, "region_name": group["region_name"].iloc[0],
               "n": summary["n"], "events": summary["events"]}
        for key in ("median_s", "median_ci_low_s", "median_ci_high_s"):
            row[key] = np.nan if summary[key] is None else summary[key]
        for t in within_s:
            p = summary["p_within"][t] or {}
            row[f"p_{t}"] = p.get("p", np.nan)
            row[f"p_{t}_low"], row[f"p_{t}_high"] = p.get("ci_low", np.nan), p.get("ci_high", np.nan)
            row[f"events_{t}"] = int(group.loc[group["bin_s"] <= t, "events"].sum())
        rows.append(row)
    return pd.DataFrame(rows).sort_values(["n", "group_name"], ascending=[False, True],
                                          ignore_index=True) if rows else pd.DataFrame(rows)
