"""The ``spc_points`` mart: every headline measure of every trust, region and nation as a
Making Data Count XmR chart, by month and by week (issue #14).

A step of the build that runs after the SQL marts (``templates.PYTHON_MARTS``): the
arithmetic of SPC is Python (:mod:`warehouse.spc_many`, the same as :func:`warehouse.spc.xmr`,
which is checked against NHSRplotthedots), the counts behind it are SQL over the marts.

What each point is
------------------
* **Units.** Every trust with posts; every region (the trusts' NHS England region or devolved
  nation); every nation (``ENG``, ``WLS``, ``SCT``, ``NIR``: the trusts of that nation).
  Unattributed posts belong to no unit.
* **Periods.** Calendar months and ISO weeks (Monday) of UK days, *complete* ones only: from
  the first UK day with posts to the day before the latest post's UK day. A half-covered month
  would look like a fall in volume and could raise a false special cause on the latest point.
  The count measure (patient questions) is 0 in a unit's periods without questions, from its
  first period with any post; a ratio or median has a point only where it is defined.
* **Measures** (:data:`warehouse.measures.HEADLINE`, their direction and target from
  :mod:`warehouse.measures`), with the counts they are computed over (``events`` of ``n``):
  questions asked (n = events = questions); share answered (answered of questions); median
  wait to a first answer on the calendar and the service clock (Kaplan–Meier over the
  period's questions, the unanswered censored at the data's end, durations rounded up to the
  minute as the pages' histograms do below a day; events = answered, n = questions; no point
  while the median is not reached); answered within the policy's target (within of those
  whose outcome is known); flags per 1,000 staff posts, automatic and confirmed; answers that
  signpost, answers with compassion (of answered).
* **Confidence intervals** per point, for the scorecard's comparison with region and England
  (:func:`warehouse.stats.compare_with_benchmark`): Wilson for shares, exact Poisson / Byar
  for rates, the Kaplan–Meier median's CI for medians (as the Response times page), none for
  the count.
* **Small numbers.** ``suppressed`` is true for a trust or region point whose value a person
  may not see (warehouse.stats suppression: a count of 1–7, or a statistic over one). The
  value is kept, so that the limits are those of the whole series (the scorecard's and the
  alerts' icons); the alerts show no value for such a point, and the SPC page draws the series
  as :mod:`ui.spc_shown` protects it (values from rounded counts, a nation's too; limits and
  icons from the shown points). Nation points are never suppressed here.
* **Assurance target**: the median wait (calendar) of a trust is assured against the
  response target of its local policy in force now (hours); nothing else has a target anybody
  set (``Measure.target``).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from warehouse import stats
from warehouse.measures import (HEADLINE, MEASURES, PER_1000, POLICY_TARGET, SHARE, improvement_direction,
                                nation_code_sql)
from warehouse.question_queries import _DURATION
from warehouse.spc_many import xmr_many

NAME = "spc_points"
GRAIN = ("one row per unit (trust, region or nation) x headline measure x grain (month or week) x complete "
         "period in which the measure has a value")
KEY = ("unit_type", "unit_code", "measure", "grain", "period_start")
GRAINS = ("month", "week")
UNIT_TYPES = ("trust", "region", "nation")
COLUMNS = {  # column -> DuckDB type, in the published order
    "unit_type": "VARCHAR", "unit_code": "VARCHAR", "measure": "VARCHAR", "grain": "VARCHAR",
    "period_start": "DATE", "value": "DOUBLE", "ci_low": "DOUBLE", "ci_high": "DOUBLE", "n": "BIGINT",
    "events": "BIGINT", "suppressed": "BOOLEAN", "mean": "DOUBLE", "lower": "DOUBLE", "upper": "DOUBLE",
    "special_cause": "VARCHAR", "rule": "VARCHAR", "side": "VARCHAR", "trial_limits": "BOOLEAN",
    "n_points": "BIGINT", "variation_icon": "VARCHAR", "assurance_icon": "VARCHAR", "target": "DOUBLE",
}
# measure -> (numerator, denominator) of the period sums; medians are computed apart
RATIOS = {
    "questions": ("n_questions", "n_questions"),
    "answered": ("n_answered", "n_questions"),
    "within_target": ("n_within_target", "n_target_known"),
    "flags": ("n_flags", "n_staff_posts"),
    "confirmed_flags": ("n_confirmed", "n_staff_posts"),
    "signposting": ("n_answer_signposting", "n_answered"),
    "compassion": ("n_answer_compassion", "n_answered"),
}
MEDIANS = {"median_wait": "calendar", "median_wait_service": "service"}
assert set(RATIOS) | set(MEDIANS) == set(HEADLINE)

_UNITS = f"""
units AS (SELECT trust_code, region_code, {nation_code_sql('nation')} AS nation_code FROM trusts),
expand AS (SELECT * FROM (VALUES ('trust'), ('region'), ('nation')) v(unit_type)),
grains AS (SELECT * FROM (VALUES ('month'), ('week')) v(grain))"""
_UNIT_CODE = ("CASE x.unit_type WHEN 'trust' THEN u.trust_code WHEN 'region' THEN u.region_code"
              " ELSE u.nation_code END")
_SUMS = ("n_questions", "n_answered", "n_target_known", "n_within_target", "n_answer_signposting",
         "n_answer_compassion", "n_flags", "n_confirmed", "n_staff_posts", "n_posts")
_SOURCES = {  # the daily pre-aggregates and the sums each gives
    "daily_question_counts": {c: c for c in _SUMS[:6]},
    "daily_flag_counts": {"n_flags": "n_flags", "n_confirmed": "n_confirmed"},
    "daily_staff_post_counts": {"n_staff_posts": "n_posts"},
    "daily_post_counts": {"n_posts": "n_posts"},
}
_DAILY = "\n    UNION ALL BY NAME\n    ".join(
    f"SELECT day, trust_code, {', '.join(f'{src} AS {out}' for out, src in cols.items())} FROM {table}"
    f" WHERE trust_code IS NOT NULL" for table, cols in _SOURCES.items())

COUNTS_SQL = f"""
WITH {_UNITS},
daily AS (
    {_DAILY}
),
summed AS (
    SELECT x.unit_type, {_UNIT_CODE} AS unit_code, g.grain, date_trunc(g.grain, d.day)::DATE AS period_start,
           {', '.join(f'coalesce(sum(d.{c}), 0)::BIGINT AS {c}' for c in _SUMS)}
    FROM daily d JOIN units u USING (trust_code) CROSS JOIN expand x CROSS JOIN grains g
    WHERE d.day >= $first_day AND d.day < $end_day AND {_UNIT_CODE} IS NOT NULL
    GROUP BY ALL
),
complete AS (
    -- each unit's complete periods from its first one with a post (zero-filled below)
    SELECT s.unit_type, s.unit_code, s.grain,
           unnest(range(min(s.period_start)::TIMESTAMP,
                        CASE s.grain WHEN 'month' THEN $last_month ELSE $last_week END::TIMESTAMP + INTERVAL 1 DAY,
                        CASE s.grain WHEN 'month' THEN INTERVAL 1 MONTH ELSE INTERVAL 7 DAY END))::DATE AS period_start
    FROM summed s
    WHERE s.n_posts > 0 AND s.period_start >= CASE s.grain WHEN 'month' THEN $first_month ELSE $first_week END
    GROUP BY s.unit_type, s.unit_code, s.grain
)
SELECT c.unit_type, c.unit_code, c.grain, c.period_start,
       {', '.join(f'coalesce(s.{col}, 0)::BIGINT AS {col}' for col in _SUMS)}
FROM complete c LEFT JOIN summed s USING (unit_type, unit_code, grain, period_start)
ORDER BY ALL
"""

# The units as numbers (Kaplan–Meier's histogram is the mart's biggest intermediate, one row per
# unit x grain x period x clock x minute: integer keys keep it cheap to group, move and sort).
UNIT_IDS_SQL = f"""
CREATE TEMP TABLE spc_unit_ids AS
WITH {_UNITS}
SELECT (row_number() OVER (ORDER BY unit_type, unit_code) - 1)::BIGINT AS uid, unit_type, unit_code
FROM (SELECT DISTINCT x.unit_type, {_UNIT_CODE} AS unit_code FROM units u CROSS JOIN expand x
      WHERE {_UNIT_CODE} IS NOT NULL)
"""
PERIOD_BASE = 100_000  # days since 1970 of a period start stay below this until the year 2243
# Kaplan–Meier inputs per (unit, grain, clock, period), packed into one integer ``key``: questions
# answered (events) and still open at the data's end (censored) by duration rounded up to the
# minute (as the pages' histograms below a day).
MEDIAN_BINS_SQL = f"""
WITH units AS (SELECT trust_code, region_code, {nation_code_sql('nation')} AS nation_code FROM trusts),
trust_ids AS (
    SELECT u.trust_code, t.uid AS trust_uid, r.uid AS region_uid, n.uid AS nation_uid
    FROM units u
    JOIN spc_unit_ids t ON t.unit_type = 'trust' AND t.unit_code = u.trust_code
    LEFT JOIN spc_unit_ids r ON r.unit_type = 'region' AND r.unit_code = u.region_code
    JOIN spc_unit_ids n ON n.unit_type = 'nation' AND n.unit_code = u.nation_code
),
q AS (
    SELECT unnest([i.trust_uid, i.region_uid, i.nation_uid]) AS uid,
           (p.asked_at AT TIME ZONE 'Europe/London')::DATE AS day, p.is_answered,
           ceil(({_DURATION['calendar']}) / 60) * 60 AS calendar_bin,
           ceil(({_DURATION['service']}) / 60) * 60 AS service_bin
    FROM patient_questions p JOIN trust_ids i USING (trust_code)
    WHERE (p.asked_at AT TIME ZONE 'Europe/London')::DATE >= $first_day
      AND (p.asked_at AT TIME ZONE 'Europe/London')::DATE < $end_day
),
expanded AS (
    SELECT ((q.uid * 2 + g.grain_i) * 2 + c.clock_i) * {PERIOD_BASE}
               + (date_trunc(g.grain, q.day)::DATE - DATE '1970-01-01') AS key,
           CASE c.clock_i WHEN 0 THEN q.calendar_bin ELSE q.service_bin END::BIGINT AS bin_s, q.is_answered
    FROM q
    CROSS JOIN (VALUES (0, 'month'), (1, 'week')) g(grain_i, grain)
    CROSS JOIN (VALUES (0), (1)) c(clock_i)
    WHERE q.uid IS NOT NULL
)
SELECT key, bin_s, count(*) FILTER (WHERE is_answered) AS events, count(*) FILTER (WHERE NOT is_answered) AS censored
FROM expanded
WHERE bin_s IS NOT NULL
GROUP BY ALL
"""
CLOCK_CODES, GRAIN_CODES = ("calendar", "service"), ("month", "week")

TARGETS_SQL = """
SELECT trust_code, response_target_hours * 3600.0 AS target
FROM trust_policies
WHERE response_target_hours IS NOT NULL AND effective_to IS NULL
"""

BOUNDS_SQL = """
SELECT min((created_at AT TIME ZONE 'Europe/London')::DATE) AS first_day,
       max((created_at AT TIME ZONE 'Europe/London')::DATE) AS end_day
FROM posts
"""


def make_spc_points(con) -> None:
    """Create ``main.spc_points`` in the warehouse being built (after the SQL marts)."""
    columns = ", ".join(f"{name} {kind}" for name, kind in COLUMNS.items())
    con.execute(f"CREATE TABLE main.{NAME} ({columns})")
    first_day, end_day = con.execute(BOUNDS_SQL).fetchall()[0]
    if first_day is None:
        return
    bounds = period_bounds(first_day, end_day)
    counts = con.execute(COUNTS_SQL, bounds).df()
    counts["period_start"] = pd.to_datetime(counts["period_start"])
    con.execute(UNIT_IDS_SQL)
    try:
        units = con.execute("SELECT unit_type, unit_code FROM spc_unit_ids ORDER BY uid").df()
        bins = con.execute(MEDIAN_BINS_SQL, {k: bounds[k] for k in ("first_day", "end_day")}).fetchnumpy()
    finally:
        con.execute("DROP TABLE spc_unit_ids")
    frame = pd.concat([ratio_points(counts), median_points(bins, units, counts)], ignore_index=True)
    if frame.empty:
        return
    frame = with_spc(with_suppression(frame), dict(con.execute(TARGETS_SQL).fetchall()))
    con.register("spc_frame", frame[list(COLUMNS)])
    try:
        con.execute(f"INSERT INTO main.{NAME} BY NAME SELECT * FROM spc_frame")
    finally:
        con.unregister("spc_frame")


def period_bounds(first_day, end_day) -> dict:
    """The complete periods: days from ``first_day`` up to, not including, ``end_day`` (the
    latest post's UK day, itself incomplete); the first and last whole month and week."""
    first, end = pd.Timestamp(first_day), pd.Timestamp(end_day)
    first_month = first if first.day == 1 else first + pd.offsets.MonthBegin(1)
    first_week = first if first.day_of_week == 0 else first + pd.offsets.Week(weekday=0)
    last_month = end.to_period("M").start_time - pd.offsets.MonthBegin(1)
    last_week = end - pd.Timedelta(days=end.day_of_week + 7)
    return {name: value.date() for name, value in (
        ("first_day", first), ("end_day", end), ("first_month", first_month), ("first_week", first_week),
        ("last_month", last_month), ("last_week", last_week))}


_POINT_KEYS = ["unit_type", "unit_code", "grain", "period_start"]


def ratio_points(counts: pd.DataFrame) -> pd.DataFrame:
    """Points of the count, share and rate measures, with their CIs."""
    parts = []
    for measure, (num, den) in RATIOS.items():
        rows = counts if measure == "questions" else counts[counts[den] > 0]
        k, n = rows[num].to_numpy(dtype=float), rows[den].to_numpy(dtype=float)
        unit = MEASURES[measure].unit
        if unit == SHARE:
            value, low, high = stats.wilson(k, n)
        elif unit == PER_1000:
            ci = stats.rate_ci(k, n, per=1000)
            value, low, high = ci["rate"], ci["ci_low"], ci["ci_high"]
        else:  # a count: no interval (a volume is not compared with England)
            value, low, high = k, np.full(len(k), np.nan), np.full(len(k), np.nan)
        parts.append(rows[_POINT_KEYS].assign(measure=measure, value=value, ci_low=low, ci_high=high,
                                               n=n.astype(np.int64), events=k.astype(np.int64)))
    return pd.concat(parts, ignore_index=True)


def median_points(bins: dict, units: pd.DataFrame, counts: pd.DataFrame) -> pd.DataFrame:
    """Points of the median waits (Kaplan–Meier per unit, grain, period and clock, from the
    packed histogram of :data:`MEDIAN_BINS_SQL`), in the complete periods only (those of
    ``counts``); none where the median is not reached."""
    key = np.asarray(bins["key"], dtype=np.int64)
    if key.size == 0:
        return pd.DataFrame()
    minutes = np.asarray(bins["bin_s"], dtype=np.int64) // 60  # bins are whole minutes
    if minutes.max() < 1 << 22 and key.max() < 1 << 40:  # one int64 sorts faster than two keys
        order = np.argsort((key << 22) | minutes, kind="stable")
    else:
        order = np.lexsort((minutes, key))
    key = key[order]
    starts = np.ones(len(key), dtype=bool)
    starts[1:] = key[1:] != key[:-1]
    gid = np.cumsum(starts) - 1
    groups = key[starts]
    found = stats.km_medians_sorted(gid, minutes[order] * 60.0, np.asarray(bins["events"], dtype=float)[order],
                                    np.asarray(bins["censored"], dtype=float)[order])
    rest, days = np.divmod(groups, PERIOD_BASE)
    rest, clock = np.divmod(rest, 2)
    uid, grain = np.divmod(rest, 2)
    medians = pd.DataFrame({
        "unit_type": units["unit_type"].to_numpy()[uid], "unit_code": units["unit_code"].to_numpy()[uid],
        "grain": np.array(GRAIN_CODES)[grain],
        "period_start": pd.to_datetime(np.datetime64("1970-01-01") + days.astype("timedelta64[D]")),
        "measure": np.array([{c: m for m, c in MEDIANS.items()}[c] for c in CLOCK_CODES])[clock],
        "value": found["median_s"], "ci_low": found["median_ci_low_s"], "ci_high": found["median_ci_high_s"],
        "n": found["n"], "events": found["events"]})
    medians = medians.merge(counts[_POINT_KEYS], on=_POINT_KEYS)
    return medians[medians["value"].notna()]


def with_suppression(frame: pd.DataFrame) -> pd.DataFrame:
    """``suppressed``: a trust or region point whose statistic is over a count of 1–7
    (questions, answers or flags: ``n`` or ``events``), which the display boundary
    (ui.disclosure) hides. Nation points are never marked here; the scorecard protects even
    those at display, a month being a breakdown by period."""
    def small(column: str) -> np.ndarray:
        values = frame[column].to_numpy(dtype=float)
        return (values >= 1) & (values <= 7)

    national = (frame["unit_type"] == "nation").to_numpy()
    hidden = ~national & frame["value"].notna().to_numpy() & (small("n") | small("events"))
    return frame.assign(suppressed=hidden)


def with_spc(frame: pd.DataFrame, policy_targets: dict[str, float]) -> pd.DataFrame:
    """The XmR chart of every (unit, measure, grain) series: limits, rules, icons."""
    frame = frame.sort_values(["unit_type", "unit_code", "measure", "grain", "period_start"], ignore_index=True)
    series_keys = ["unit_type", "unit_code", "measure", "grain"]
    gid = frame.groupby(series_keys, sort=False).ngroup().to_numpy()
    series = frame[series_keys].groupby(gid, sort=True).first()
    direction = series["measure"].map(improvement_direction).to_numpy()
    target = np.array([policy_targets.get(code, np.nan)
                       if MEASURES[m].target == POLICY_TARGET and kind == "trust" else np.nan
                       for kind, code, m in zip(series["unit_type"], series["unit_code"], series["measure"])],
                      dtype=float)
    points, summary = xmr_many(gid, frame["value"].to_numpy(dtype=float), direction, target)
    out = pd.concat([frame, points], axis=1)
    for column in ("n_points", "variation_icon", "assurance_icon"):
        out[column] = summary[column].to_numpy()[gid]
    out["target"] = target[gid]
    return out
