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


# The latest point of each measure of the unit, its region and its nation, in the unit's
# latest period (the same period for all three).
SCORECARD_SQL = f"""
WITH unit AS (
    SELECT * FROM spc_points
    WHERE unit_type = $unit_type AND unit_code = $unit_code AND grain = $grain
),
latest AS (SELECT measure, max(period_start) AS period_start FROM unit GROUP BY measure),
places AS (
    SELECT t.region_code, {nation_code_sql('t.nation')} AS nation_code FROM trusts t
    WHERE $unit_type = 'trust' AND t.trust_code = $unit_code
    UNION ALL
    SELECT r.region_code, {nation_code_sql('r.nation')} FROM regions r
    WHERE $unit_type = 'region' AND r.region_code = $unit_code
    UNION ALL
    SELECT NULL, $unit_code WHERE $unit_type = 'nation'
),
wanted AS (
    SELECT 'unit' AS role, $unit_type AS unit_type, $unit_code AS unit_code
    UNION ALL SELECT 'region', 'region', region_code FROM places WHERE $unit_type = 'trust'
    UNION ALL SELECT 'nation', 'nation', nation_code FROM places WHERE $unit_type <> 'nation'
)
SELECT w.role, l.measure, l.period_start, p.value, p.ci_low, p.ci_high, p.n, p.events, p.suppressed,
       p.variation_icon, p.assurance_icon, p.trial_limits, p.unit_code
FROM latest l
CROSS JOIN wanted w
LEFT JOIN spc_points p ON p.unit_type = w.unit_type AND p.unit_code = w.unit_code AND p.grain = $grain
    AND p.measure = l.measure AND p.period_start = l.period_start
"""
_ROLE_COLUMNS = ("value", "ci_low", "ci_high", "n", "events", "suppressed", "unit_code")


def scorecard(cursor, filters: Filters | None = None, unit_type: str = "trust", unit_code: str = "",
              grain: str = "month") -> pd.DataFrame:
    """One row per headline measure (in :data:`warehouse.measures.HEADLINE` order) with a point
    in the unit's charts: the latest period, the unit's value, CI, n, events and suppressed
    mark, the same for its region (``region_*``, trusts only) and its nation (``nation_*``,
    England for English units), the unit's variation and assurance icons, and its comparison
    with the region and with the nation (``vs_region``, ``vs_nation``: better / similar / worse,
    higher / lower for the volume, or not_compared; by the Fingertips method,
    :func:`warehouse.stats.compare_with_benchmark`). Values are not suppressed here: the
    ``suppressed`` columns say which a person may not see, and a comparison over a hidden value
    is not_compared."""
    _check(unit_type, grain)
    raw = run(cursor, SCORECARD_SQL, {"unit_type": unit_type, "unit_code": str(unit_code), "grain": grain})
    columns = ["measure", "label", "period_start", *_ROLE_COLUMNS, "variation_icon", "assurance_icon",
               "trial_limits", *(f"{role}_{c}" for role in ("region", "nation") for c in _ROLE_COLUMNS),
               "vs_region", "vs_nation"]
    if raw.empty:
        return pd.DataFrame(columns=columns)
    unit = raw[raw["role"] == "unit"].set_index("measure")
    out = unit[["period_start", *_ROLE_COLUMNS, "variation_icon", "assurance_icon", "trial_limits"]].copy()
    for role in ("region", "nation"):
        other = raw[raw["role"] == role].set_index("measure")[list(_ROLE_COLUMNS)].add_prefix(f"{role}_")
        out = out.join(other)
        for column in other.columns:  # units without a region (a nation) still have the columns
            out[column] = out.get(column)
    out = out.loc[[m for m in HEADLINE if m in out.index]]
    out.insert(0, "label", [MEASURES[m].label for m in out.index])
    for role in ("region", "nation"):
        out[f"vs_{role}"] = [_compare(row, role) for row in out.itertuples()]
    return out.reset_index(names="measure")[columns]


def _compare(row, role: str) -> str:
    """Fingertips' comparison of the unit with ``role``'s value; not_compared when either is
    hidden by small numbers or missing."""
    benchmark = getattr(row, f"{role}_value")
    if _true(row.suppressed) or _true(getattr(row, f"{role}_suppressed")) or benchmark is None:
        return "not_compared"
    return stats.compare_with_benchmark(_num(row.value), _num(row.ci_low), _num(row.ci_high), _num(benchmark),
                                        MEASURES[row.Index].better)


def _true(value) -> bool:
    return bool(value) if value is not None and not pd.isna(value) else False


def _num(value) -> float:
    return np.nan if value is None or pd.isna(value) else float(value)
