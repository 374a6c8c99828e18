"""The disclosure walk (tests/test_disclosure_walk.py) on the pages it did not open: SPC trends,
and the quality-in-use figures of Guideline flags, Patient questions and the Review queue
(issue #20). Each page is opened as a browser would (AppTest, the seeded demo) and attacked with
what it shows (tests/disclosure_attacks.py), the truth read from the warehouse's own queries.

Kept in a module of its own so that it merges beside the walk's other extensions."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tests import disclosure_attacks as attack
from tests.support import published_queries
from tests.test_app import open_page
from tests.test_disclosure_walk import _charts, _title
from ui import disclosure
from warehouse import spc_queries, stats
from warehouse.measures import COUNT, HEADLINE, HOUR_S, MEASURES, PER_1000, SHARE

pytestmark = [pytest.mark.app, pytest.mark.slow]

SPC_PAGE = "pages/9_SPC_trends.py"
SPC_UNITS = {  # name -> the unit parameter: England, a nation, a small region, a trust
    "England": "nation:ENG", "Wales": "nation:WLS", "small region": "region:N92000002", "one trust": "trust:ZZ109",
}
SEEN: set[str] = set()


def _rounded_medians(histograms: pd.DataFrame, clock: str) -> dict:
    """period -> the median from the histogram with rounded cumulative counts (what may be shown)."""
    mine = histograms[histograms["clock"] == clock].assign(group_code=lambda h: h["period_start"].astype(str))
    if mine.empty:
        return {}
    found = stats.km_medians(disclosure.km_rounded(mine[["group_code", "bin_s", "events", "censored"]]), ["group_code"])
    return dict(zip(found["group_code"], found["median_s"]))


def _spc_findings(where: str, spec: dict, truth: pd.DataFrame, measure: str, medians: dict) -> list[str]:
    """One SPC chart against the exact points of its unit: counts by the rule, shares, rates and
    medians hidden over 1-7 and never the exact figure where the rounded counts give another,
    and the mean line not an exact total."""
    truth = truth.sort_values("period_start")
    line = spec["data"][0]["y"] if spec["data"] else []
    if not line:
        return []
    ys = [None if y is None or y != y else float(y) for y in line]
    k, n = truth["events"].astype(int).tolist(), truth["n"].astype(int).tolist()
    unit = MEASURES[measure].unit
    found = []
    for i, (y, a, b, exact) in enumerate(zip(ys, k, n, truth["value"])):
        at = f"{where} {measure} {pd.Timestamp(truth['period_start'].iloc[i]).date()}"
        hidden = 1 <= a <= 7 or 1 <= b <= 7
        if unit == COUNT:
            SEEN.add("spc counts")
            found += attack.count_rule(at, "*" if y is None else f"{y:,.0f}", a)
            continue
        found += attack.derived_over_hidden(at, hidden, "*" if y is None else f"{y:.6f}")
        if unit in (SHARE, PER_1000):
            SEEN.add("spc shares and rates")
            found += attack.exact_ratio(at, y, a, b, 1000.0 if unit == PER_1000 else 1.0)
        elif y is not None:
            SEEN.add("spc medians")
            allowed = medians.get(str(pd.Timestamp(truth["period_start"].iloc[i]).date()))
            if abs(y * HOUR_S - exact) < 1e-6 and allowed is not None and abs(allowed - exact) > 1e-6:
                found.append(f"{at}: the exact median {exact:.0f} s drawn (the rounded counts give {allowed:.0f} s)")
    if unit == COUNT:
        mean = next((t["y"][0] for t in spec["data"] if t.get("name") == "Mean"), None)
        SEEN.add("spc mean line")
        found += attack.mean_total(f"{where} {measure}", mean, ys, k)
    return found


@pytest.mark.parametrize("grain", ["month", "week"])
@pytest.mark.parametrize("unit", list(SPC_UNITS))
def test_spc_trends_give_no_hidden_number_back(unit, grain, demo_data, use_data):
    use_data(demo_data)
    unit_type, unit_code = SPC_UNITS[unit].split(":")
    query, close = published_queries(demo_data)
    try:
        truth = query(spc_queries.spc_series, None, unit_type=unit_type, unit_code=unit_code, grain=grain)
        histograms = query(spc_queries.spc_histograms, None, unit_type=unit_type, unit_code=unit_code, grain=grain)
    finally:
        close()
    at = open_page(SPC_PAGE, {"unit": SPC_UNITS[unit]})
    if grain == "week":
        at.segmented_control(key="spc_grain").set_value("week").run()
    assert not at.exception, at.exception
    by_label = {MEASURES[m].label: m for m in HEADLINE}
    found = []
    for spec in _charts(at):
        measure = by_label.get(_title(spec, "yaxis").removesuffix(" (hours)"))
        if measure is None:
            continue
        clock = "calendar" if measure == "median_wait" else "service"
        found += _spc_findings(f"SPC {unit} {grain}", spec, truth[truth["measure"] == measure], measure,
                               _rounded_medians(histograms, clock))
    assert not found, f"{len(found)} disclosures on SPC trends ({unit}, {grain}):\n" + "\n".join(found[:40])


def test_the_spc_walk_looked_at_everything(demo_data):
    """Run after the SPC tests (same module, in order): every kind of SPC number was attacked."""
    if not SEEN:
        pytest.skip("run with the SPC walk")
    assert {"spc counts", "spc shares and rates", "spc medians", "spc mean line"} <= SEEN, sorted(SEEN)


def test_the_attacks_find_what_the_old_spc_page_drew():
    """The attacks themselves, on numbers the page drew before this change: a nation's exact
    share 24/59, an exact mean giving a trust's one hidden month."""
    assert attack.exact_ratio("share", 24 / 59, 24, 59)  # shown as the rounded 25/60 instead: nothing
    assert not attack.exact_ratio("share", 25 / 60, 24, 59)
    assert attack.mean_total("count", 5 / 7, [0.0, 0.0, None, 0.0, 0.0, 0.0, 0.0], [0, 0, 5, 0, 0, 0, 0])
    assert not attack.mean_total("count", 0.0, [0.0] * 6 + [None], [0, 0, 0, 0, 0, 0, 5])
    assert np.isclose(24 / 59, float(attack.exact_fraction(24 / 59)))
