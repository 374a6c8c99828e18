"""The scorecard ("are we green for go?"): a trust's or region's headline measures beside its
region and England, each with its 95% CI, better / similar / worse than England by the
Fingertips method, and the SPC variation and assurance icons of ``spc_points``; one row per
measure of :data:`warehouse.measures.HEADLINE`, linking to the page that shows it in full.

The rows come from :func:`warehouse.spc_queries.scorecard` (numbers with their ``suppressed``
marks). Everything a person sees of them is made here, as text:

* :func:`shown` is the scorecard's one display boundary: every value (and CI) passes it, and
  it is the one place that calls the small-number rules (:data:`DISCLOSE`, today
  ``warehouse.stats``' suppression; when ui's display-boundary function lands, the switch is
  that one line);
* a unit outside England is compared with its own nation (Wales, Scotland, Northern Ireland),
  and the columns say which;
* :func:`table` is the scorecard as text cells, for the Overview (ui.scorecard_view) and the
  weekly digest's e-mail and CSV (alerts/digest.py).

Pure (no Streamlit): the alerts' cron command uses it (tests/test_architecture.py).
"""
from __future__ import annotations

import pandas as pd

from ui import formats, spc_charts
from warehouse import stats
from warehouse.measures import MEASURES, PER_1000, SECONDS, SHARE
from warehouse.spc_queries import NATION_NAMES

# The small-number rules every value passes (0 stays 0, 1-7 '*', others to the nearest 5 below
# national level; a statistic over 1-7 questions, answers or flags hidden): one line to switch.
DISCLOSE = stats.suppress_count
SUPPRESSED = stats.SUPPRESSED

# Fingertips' comparison, as a symbol and a word (and a colour that is never the only sign).
COMPARISON = {"better": "▲ better", "worse": "▼ worse", "similar": "● similar", "higher": "▲ higher",
              "lower": "▼ lower", "not_compared": "– not compared"}
COMPARISON_COLOUR = {"better": "blue", "worse": "orange"}  # MDC's, never red/green
COLOUR_HEX = {"blue": "#005EB8", "orange": "#ED8B00"}
COLUMNS = ["Measure", "Period", "This unit", "Region", "England", "Compared with England", "SPC", "Assurance"]


def shown(measure: str, value, low=None, high=None, suppressed=None, national: bool = False) -> str:
    """One value of a headline measure as a person may see it: '*' when small numbers hide it
    (``suppressed``), a count through the small-number rules (:data:`DISCLOSE`), a share, wait
    or rate with its 95% CI; '—' when there is none."""
    if _true(suppressed):
        return SUPPRESSED
    if value is None or pd.isna(value):
        return "—"
    unit = MEASURES[measure].unit
    if unit == SHARE:
        return formats.percent(value, low, high)
    if unit == SECONDS:
        service = measure.endswith("_service")
        return f"{formats.wait_text(value, service=service)} ({formats.wait_ci_text(low, high, service=service)})"
    if unit == PER_1000:
        return formats.rate_text(value, low, high)
    return formats.count(DISCLOSE(int(round(value)), national=national))


def comparison(kind) -> str:
    """'▲ better', '● similar', '▼ worse' ... of a ``vs_nation`` / ``vs_region`` value."""
    return COMPARISON.get(kind if isinstance(kind, str) else "not_compared", COMPARISON["not_compared"])


def nation_name(card: pd.DataFrame) -> str:
    """The nation the unit is compared with: England for English trusts and regions, else
    Wales, Scotland or Northern Ireland (the issue's "England's (or the nation's)")."""
    codes = [*card.get("nation_unit_code", pd.Series(dtype=object)).dropna(),
             *(c for c in card.get("unit_code", pd.Series(dtype=object)).dropna() if c in NATION_NAMES)]
    return NATION_NAMES.get(codes[0], "England") if codes else "England"


def table(card: pd.DataFrame, unit_type: str) -> pd.DataFrame:
    """The scorecard as people read it: one row per measure, every cell text (columns
    :data:`COLUMNS`, "England" named after the unit's nation when it is another; a region
    drops "Region", a nation also "Compared with England")."""
    national = unit_type == "nation"
    rows = []
    for r in card.itertuples():
        variation = spc_charts.variation_words(r.variation_icon)
        assurance = spc_charts.assurance_words(r.assurance_icon)
        rows.append({
            "Measure": r.label,
            "Period": f"{pd.Timestamp(r.period_start):%b %Y}",
            "This unit": shown(r.measure, r.value, r.ci_low, r.ci_high, r.suppressed, national),
            "Region": shown(r.measure, r.region_value, r.region_ci_low, r.region_ci_high, r.region_suppressed, False),
            "England": shown(r.measure, r.nation_value, r.nation_ci_low, r.nation_ci_high, r.nation_suppressed, True),
            "Compared with England": comparison(r.vs_nation) if not national else "—",
            "SPC": f"{variation[0]} {variation[2]}",
            "Assurance": f"{assurance[0]} {assurance[2]}" if assurance else "no target",
        })
    out = pd.DataFrame(rows, columns=COLUMNS)
    if unit_type != "trust":
        out = out.drop(columns=["Region"])
    if national:
        out = out.drop(columns=["Compared with England"])
    nation = nation_name(card)
    return out.rename(columns={"England": nation, "Compared with England": f"Compared with {nation}"})


def page_filters(unit_type: str, unit_code: str) -> dict[str, str]:
    """The URL filters that open a measure's page on this unit (England: none)."""
    return {"trust": unit_code} if unit_type == "trust" else {"region": unit_code} if unit_type == "region" else {}


def _true(value) -> bool:
    return bool(value) if value is not None and not pd.isna(value) else False
