"""Queries over ``spc_points`` (the SPC mart, warehouse/spc_build.py): the units it charts, one
unit's charts, and a scorecard of a unit beside its region and England.

Same conventions as :mod:`warehouse.queries` (``(cursor, filters, **options) -> DataFrame``,
SQL as module constants, values bound as ``$name`` parameters). The page's date filters do
not apply: a chart's limits come from the whole series, so ``filters`` is accepted and
ignored. Values are returned as numbers with their ``suppressed`` mark; whoever shows them
hides the marked ones (ui.spc_charts, alerts).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from warehouse import stats
from warehouse.measures import ENGLAND, HEADLINE, MEASURES, NATION_CODES, nation_code_sql
from warehouse.queries import Filters, run
from warehouse.question_queries import _DURATION

UNIT_TYPES = ("nation", "region", "trust")
GRAINS = ("month", "week")
NATION_NAMES = {code: name for name, code in NATION_CODES.items()}

SPC_UNITS_SQL = f"""
WITH units AS (SELECT DISTINCT unit_type, unit_code FROM spc_points)
SELECT u.unit_type, u.unit_code,
       CASE u.unit_type WHEN 'trust' THEN coalesce(t.trust_name, u.unit_code)
                        WHEN 'region' THEN coalesce(r.region_name, u.unit_code)
                        ELSE CASE u.unit_code {' '.join(f"WHEN '{c}' THEN '{n}'" for c, n in NATION_NAMES.items())}
                             ELSE u.unit_code END END AS unit_name,
       CASE u.unit_type WHEN 'trust' THEN t.region_code WHEN 'region' THEN u.unit_code END AS region_code,
       CASE u.unit_type WHEN 'trust' THEN {nation_code_sql('t.nation')}
                        WHEN 'region' THEN {nation_code_sql('r.nation')} ELSE u.unit_code END AS nation_code
FROM units u
LEFT JOIN trusts t ON u.unit_type = 'trust' AND t.trust_code = u.unit_code
LEFT JOIN regions r ON u.unit_type = 'region' AND r.region_code = u.unit_code
ORDER BY CASE u.unit_type WHEN 'nation' THEN 0 WHEN 'region' THEN 1 ELSE 2 END,
         u.unit_code <> '{ENGLAND}', unit_name
"""


def spc_units(cursor, filters: Filters | None = None) -> pd.DataFrame:
    """Every charted unit, England first, then regions and trusts by name: unit_type,
    unit_code, unit_name (trust names as registered), region_code and nation_code of its
    region and nation (null region for a nation)."""
    return run(cursor, SPC_UNITS_SQL, {})


SPC_SERIES_SQL = """
SELECT measure, period_start, value, ci_low, ci_high, n, events, suppressed, mean, lower, upper,
       special_cause, rule, side, trial_limits, n_points, variation_icon, assurance_icon, target
FROM spc_points
WHERE unit_type = $unit_type AND unit_code = $unit_code AND grain = $grain
ORDER BY measure, period_start
"""


def _check(unit_type: str, grain: str) -> None:
    if unit_type not in UNIT_TYPES:
        raise ValueError(f"unit_type must be one of {', '.join(UNIT_TYPES)}")
    if grain not in GRAINS:
        raise ValueError(f"grain must be one of {', '.join(GRAINS)}")


def spc_series(cursor, filters: Filters | None = None, unit_type: str = "nation", unit_code: str = ENGLAND,
               grain: str = "month") -> pd.DataFrame:
    """Every point of one unit's charts at ``grain``, by measure then period (spc_points'
    columns without the unit and grain)."""
    _check(unit_type, grain)
    return run(cursor, SPC_SERIES_SQL, {"unit_type": unit_type, "unit_code": str(unit_code), "grain": grain})


# The Kaplan–Meier input of one unit's median waits, per period and clock: questions answered
# (events) and still open (censored) by duration rounded up to the minute, as the mart's medians
# (warehouse/spc_build.py MEDIAN_BINS_SQL) — so the display boundary can take each median from
# rounded counts (ui.disclosure.km_rounded) as the Response times page does.
SPC_HISTOGRAMS_SQL = f"""
WITH units AS (SELECT trust_code, region_code, {nation_code_sql('nation')} AS nation_code FROM trusts),
q AS (
    SELECT date_trunc($grain, (p.asked_at AT TIME ZONE 'Europe/London')::DATE)::DATE AS period_start,
           p.is_answered,
           ceil(({_DURATION['calendar']}) / 60) * 60 AS calendar_bin,
           ceil(({_DURATION['service']}) / 60) * 60 AS service_bin
    FROM patient_questions p JOIN units u USING (trust_code)
    WHERE CASE $unit_type WHEN 'trust' THEN u.trust_code WHEN 'region' THEN u.region_code
                          ELSE u.nation_code END = $unit_code
),
both_clocks AS (
    SELECT period_start, 'calendar' AS clock, calendar_bin::BIGINT AS bin_s, is_answered FROM q
    UNION ALL
    SELECT period_start, 'service', service_bin::BIGINT, is_answered FROM q
)
SELECT period_start, clock, bin_s, count(*) FILTER (WHERE is_answered) AS events,
       count(*) FILTER (WHERE NOT is_answered) AS censored
FROM both_clocks
WHERE bin_s IS NOT NULL
GROUP BY ALL
ORDER BY period_start, clock, bin_s
"""


def spc_histograms(cursor, filters: Filters | None = None, unit_type: str = "nation", unit_code: str = ENGLAND,
                   grain: str = "month") -> pd.DataFrame:
    """The median waits' histograms of one unit at ``grain``: period_start, clock ('calendar'
    or 'service'), bin_s, events, censored (exact counts; a period that is not complete is
    there too, and matches no point)."""
    _check(unit_type, grain)
    return run(cursor, SPC_HISTOGRAMS_SQL, {"unit_type": unit_type, "unit_code": str(unit_code), "grain": grain})


# The latest point of each measure of the unit, beside its region's and its nation's points of
# the same period, one row per measure (the wide shape the scorecard shows: pivoting in SQL
# costs a fraction of pandas joins on a few rows).
_ROLE_COLUMNS = ("value", "ci_low", "ci_high", "n", "events", "suppressed", "unit_code")
_ROLE_SELECT = ", ".join(f"{alias}.{c} AS {prefix}{c}" for alias, prefix in (("u", ""), ("r", "region_"), ("g", "nation_"))
                         for c in _ROLE_COLUMNS)
SCORECARD_SQL = f"""
WITH places AS (
    SELECT t.region_code, {nation_code_sql('t.nation')} AS nation_code, false AS whole_nation FROM trusts t
    WHERE $unit_type = 'trust' AND t.trust_code = $unit_code
    UNION ALL
    -- a region that is its nation's only one (Wales, Scotland, Northern Ireland) is that nation
    SELECT NULL, {nation_code_sql('r.nation')}, (SELECT count(*) FROM regions x WHERE x.nation = r.nation) = 1
    FROM regions r
    WHERE $unit_type = 'region' AND r.region_code = $unit_code
),
u AS (SELECT * FROM spc_points WHERE unit_type = $unit_type AND unit_code = $unit_code AND grain = $grain),
r AS (SELECT * FROM spc_points WHERE unit_type = 'region' AND grain = $grain
          AND unit_code = (SELECT max(region_code) FROM places)),
g AS (SELECT * FROM spc_points WHERE unit_type = 'nation' AND grain = $grain
          AND unit_code = (SELECT max(nation_code) FROM places)),
latest AS (SELECT measure, max(period_start) AS period_start FROM u GROUP BY measure)
SELECT l.measure, l.period_start, {_ROLE_SELECT}, u.variation_icon, u.assurance_icon, u.trial_limits,
       coalesce((SELECT bool_or(whole_nation) FROM places), false) AS whole_nation
FROM latest l
JOIN u USING (measure, period_start)
LEFT JOIN r ON r.measure = l.measure AND r.period_start = l.period_start
LEFT JOIN g ON g.measure = l.measure AND g.period_start = l.period_start
"""
SCORECARD_COLUMNS = ["measure", "label", "period_start", *_ROLE_COLUMNS, "variation_icon", "assurance_icon",
                     "trial_limits", *(f"{role}_{c}" for role in ("region", "nation") for c in _ROLE_COLUMNS),
                     "vs_region", "vs_nation", "whole_nation"]


def scorecard(cursor, filters: Filters | None = None, unit_type: str = "trust", unit_code: str = "",
              grain: str = "month") -> pd.DataFrame:
    """One row per headline measure (in :data:`warehouse.measures.HEADLINE` order) with a point
    in the unit's charts: the latest period, the unit's value, CI, n, events and suppressed
    mark, the same for its region (``region_*``, trusts only) and its nation (``nation_*``,
    England for English units; none for a nation), the unit's variation and assurance icons,
    and its comparison with the region and with the nation (``vs_region``, ``vs_nation``:
    better / similar / worse, higher / lower for the volume, or not_compared; by the Fingertips
    method, :func:`warehouse.stats.compare_with_benchmark`); ``whole_nation``: the unit is a
    region that is its nation's only one (Wales, Scotland, Northern Ireland), its figures the
    nation's, so a comparison with the nation says nothing. Values are not suppressed here:
    the ``suppressed`` columns say which a person may not see, and a comparison over a hidden
    value is not_compared."""
    _check(unit_type, grain)
    out = run(cursor, SCORECARD_SQL, {"unit_type": unit_type, "unit_code": str(unit_code), "grain": grain})
    if out.empty:
        return pd.DataFrame(columns=SCORECARD_COLUMNS)
    order = {m: i for i, m in enumerate(HEADLINE)}
    out = out[out["measure"].isin(order)].sort_values("measure", key=lambda m: m.map(order), ignore_index=True)
    out.insert(1, "label", [MEASURES[m].label for m in out["measure"]])
    rows = out.to_dict("records")
    for role in ("region", "nation"):
        out[f"vs_{role}"] = [_compare(row, role) for row in rows]
    out.loc[out["whole_nation"].astype(bool), "vs_nation"] = "not_compared"  # itself
    return out[SCORECARD_COLUMNS]


def _compare(row: dict, role: str) -> str:
    """Fingertips' comparison of the unit with ``role``'s value; not_compared when either is
    hidden by small numbers or missing."""
    benchmark = row[f"{role}_value"]
    if _true(row["suppressed"]) or _true(row[f"{role}_suppressed"]) or benchmark is None or pd.isna(benchmark):
        return "not_compared"
    return stats.compare_with_benchmark(_num(row["value"]), _num(row["ci_low"]), _num(row["ci_high"]),
                                        _num(benchmark), MEASURES[row["measure"]].better)


def _true(value) -> bool:
    return bool(value) if value is not None and not pd.isna(value) else False


def _num(value) -> float:
    return np.nan if value is None or pd.isna(value) else float(value)
