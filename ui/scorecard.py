"""The scorecard ("are we green for go?"): a trust's or region's headline measures beside its
region and England, each with its 95% CI, better / similar / worse than England by the
Fingertips method, and the SPC variation and assurance icons of ``spc_points``; one row per
measure of :data:`warehouse.measures.HEADLINE`, linking to the page that shows it in full.

The rows come from :func:`warehouse.spc_queries.scorecard` (numbers with their ``suppressed``
marks). Everything a person sees of them is made here, as text:

* :func:`protected` is the scorecard's display boundary: every value and CI of the unit, its
  region and its nation passes ``ui.disclosure.protect`` (counts rounded, shares and rates
  recomputed from the rounded counts, waits hidden over 1-7; a month is a breakdown by period,
  so England's monthly figures are protected too), and the comparisons are made again on
  what is shown;
* a unit outside England is compared with its own nation (Wales, Scotland, Northern Ireland),
  and the columns say which;
* :func:`table` is the scorecard as text cells, for the Overview (ui.scorecard_view) and the
  weekly digest's e-mail and CSV (alerts/digest.py).

Pure (no Streamlit): the alerts' cron command uses it (tests/test_architecture.py).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ui import disclosure, formats, spc_charts
from warehouse import stats
from warehouse.measures import COUNT, MEASURES, PER_1000, SECONDS, SHARE
from warehouse.spc_queries import NATION_NAMES

SUPPRESSED = disclosure.SUPPRESSED
ROLES = ("", "region_", "nation_")  # the unit's columns, its region's, its nation's
# Fingertips' comparison, as a symbol and a word (and a colour that is never the only sign).
COMPARISON = {"better": "▲ better", "worse": "▼ worse", "similar": "● similar", "higher": "▲ higher",
              "lower": "▼ lower", "not_compared": "– not compared"}
COMPARISON_COLOUR = {"better": "blue", "worse": "orange"}  # MDC's, never red/green
COLOUR_HEX = {"blue": "#005EB8", "orange": "#ED8B00"}
COLUMNS = ["Measure", "Period", "This unit", "Region", "England", "Compared with England", "SPC", "Assurance"]
_FIGURE = ["value", "ci_low", "ci_high"]


def _protect_kind(frame: pd.DataFrame, unit: str) -> pd.DataFrame:
    """ui.disclosure.protect for rows of one kind of measure (value, ci_low, ci_high over n and
    events): a count rounded, a share or rate recomputed from the rounded counts, a wait hidden
    over 1-7 questions or answers. Never national: a month is a breakdown by period."""
    if unit == COUNT:
        return disclosure.protect(frame, counts=["value"], groups=None)
    if unit == SHARE:
        return disclosure.protect(frame, [], [disclosure.Share("events", "n", *_FIGURE)], groups=None)
    if unit == PER_1000:
        return disclosure.protect(frame, [], [disclosure.Rate("events", "n", *_FIGURE)], groups=None)
    return disclosure.protect(frame, [], over={c: ["n", "events"] for c in _FIGURE}, groups=None)


def protected(card: pd.DataFrame) -> pd.DataFrame:
    """The card (rows of warehouse.spc_queries.scorecard) with every value and CI of the unit,
    its region and its nation as a person may see it: through ui.disclosure (the display
    boundary), "*" where hidden; also hidden where the mart marked the point ``suppressed``.
    The comparisons with the region and the nation are made again on what is shown, so that a
    marker never disagrees with the numbers beside it."""
    out = card.copy().astype({f"{r}{c}": object for r in ROLES for c in _FIGURE if f"{r}{c}" in card})
    units = card["measure"].map(lambda m: MEASURES[m].unit)
    for role in ROLES:
        frame = pd.DataFrame({c: pd.to_numeric(card[f"{role}{c}"], errors="coerce")
                              for c in (*_FIGURE, "n", "events")}).astype(float)
        frame[["n", "events"]] = frame[["n", "events"]].fillna(0)
        for unit in units.unique():
            rows = units == unit
            shown_rows = _protect_kind(frame[rows], unit)
            for c in _FIGURE:
                values = shown_rows[c].astype(object).where(frame.loc[rows, "value"].notna(), None)
                values = values.where(~card.loc[rows, f"{role}suppressed"].map(_true), SUPPRESSED)
                out.loc[rows, f"{role}{c}"] = values.to_numpy()
    for role in ("region", "nation"):
        out[f"vs_{role}"] = [_compare(r, role, m, k) for r, m, k in
                             zip(out.to_dict("records"), card["measure"], card[f"vs_{role}"])]
    return out


def _compare(row: dict, role: str, measure: str, exact: str) -> str:
    """Fingertips' comparison on the shown figures; not_compared where either is hidden."""
    figures = [row["value"], row["ci_low"], row["ci_high"], row[f"{role}_value"]]
    if any(_hidden(v) for v in figures[:1] + figures[3:]) or exact == "not_compared":
        return "not_compared"
    low, high = (np.nan if _hidden(v) else float(v) for v in figures[1:3])
    return stats.compare_with_benchmark(float(figures[0]), low, high, float(figures[3]), MEASURES[measure].better)


def _hidden(value) -> bool:
    return isinstance(value, str) or value is None or pd.isna(value)


def shown(measure: str, value, low=None, high=None) -> str:
    """One value of a headline measure as text, after :func:`protected`: '*' when hidden, a
    count, a share, wait or rate with its 95% CI; '—' when there is none."""
    if isinstance(value, str):
        return value
    if value is None or pd.isna(value):
        return "—"
    low, high = (None if _hidden(v) else v for v in (low, high))
    unit = MEASURES[measure].unit
    if unit == SHARE:
        return formats.percent(value, low, high)
    if unit == SECONDS:
        service = measure.endswith("_service")
        return f"{formats.wait_text(value, service=service)} ({formats.wait_ci_text(low, high, service=service)})"
    if unit == PER_1000:
        return formats.rate_text(value, low, high)
    return formats.count(int(value))


def comparison(kind) -> str:
    """'▲ better', '● similar', '▼ worse' ... of a ``vs_nation`` / ``vs_region`` value."""
    return COMPARISON.get(kind if isinstance(kind, str) else "not_compared", COMPARISON["not_compared"])


def nation_name(card: pd.DataFrame) -> str:
    """The nation the unit is compared with: England for English trusts and regions, else
    Wales, Scotland or Northern Ireland (the issue's "England's (or the nation's)")."""
    codes = [*card.get("nation_unit_code", pd.Series(dtype=object)).dropna(),
             *(c for c in card.get("unit_code", pd.Series(dtype=object)).dropna() if c in NATION_NAMES)]
    return NATION_NAMES.get(codes[0], "England") if codes else "England"


def whole_nation(card: pd.DataFrame) -> bool:
    """The unit is a region that is its nation's whole (Wales, Scotland, Northern Ireland):
    its figures are the nation's, so it is shown as a nation is, with no comparison."""
    return bool(card.get("whole_nation", pd.Series(dtype=bool)).fillna(False).astype(bool).any())


def table(card: pd.DataFrame, unit_type: str) -> pd.DataFrame:
    """The scorecard as people read it: one row per measure, every cell text (columns
    :data:`COLUMNS`, "England" named after the unit's nation when it is another; a region
    drops "Region", a nation, or a region that is its nation's whole, also the nation's
    column and "Compared with England": it would be compared with itself)."""
    national = unit_type == "nation" or whole_nation(card)
    card = protected(card)
    rows = []
    for r in card.itertuples():
        variation = spc_charts.variation_words(r.variation_icon)
        assurance = spc_charts.assurance_words(r.assurance_icon)
        rows.append({
            "Measure": r.label,
            "Period": f"{pd.Timestamp(r.period_start):%b %Y}",
            "This unit": shown(r.measure, r.value, r.ci_low, r.ci_high),
            "Region": shown(r.measure, r.region_value, r.region_ci_low, r.region_ci_high),
            "England": shown(r.measure, r.nation_value, r.nation_ci_low, r.nation_ci_high),
            "Compared with England": comparison(r.vs_nation) if not national else "—",
            "SPC": f"{variation[0]} {variation[2]}",
            "Assurance": f"{assurance[0]} {assurance[2]}" if assurance else "no target",
        })
    out = pd.DataFrame(rows, columns=COLUMNS)
    if unit_type != "trust":
        out = out.drop(columns=["Region"])
    if national:  # the unit is the nation: no column of the nation beside it
        out = out.drop(columns=["England", "Compared with England"])
    nation = nation_name(card)
    return out.rename(columns={"England": nation, "Compared with England": f"Compared with {nation}"})


def page_filters(unit_type: str, unit_code: str) -> dict[str, str]:
    """The URL filters that open a measure's page on this unit (England: none)."""
    return {"trust": unit_code} if unit_type == "trust" else {"region": unit_code} if unit_type == "region" else {}


def _true(value) -> bool:
    return bool(value) if value is not None and not pd.isna(value) else False
