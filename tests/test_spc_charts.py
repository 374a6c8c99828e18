"""ui.spc_charts: the SPC figure from the demo warehouse's real spc_points rows, validated in
full by plotly (as tests/test_charts.py does), and its icons' words."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tests.support import published_queries
from tests.test_charts import valid
from ui import disclosure, spc_charts
from warehouse import spc, spc_queries
from warehouse.measures import ENGLAND, HEADLINE, HOUR_S


@pytest.fixture(scope="module")
def run(demo_data):
    query, close = published_queries(demo_data)
    yield lambda function, **options: query(function, None, **options)
    close()


@pytest.fixture(scope="module")
def trust(run) -> str:
    """The trust whose monthly charts show the most points among those with hidden ones too
    (the 3,000-post demo's 48 fictional trusts: up to 19 shown points each)."""
    units = run(spc_queries.spc_units)
    best, shown = None, 0
    for code in units.loc[units.unit_type == "trust", "unit_code"]:
        rows = run(spc_queries.spc_series, unit_type="trust", unit_code=code, grain="month")
        if rows["suppressed"].any() and (~rows["suppressed"]).sum() > shown:
            best, shown = code, int((~rows["suppressed"]).sum())
    if shown < 10:
        pytest.fail("the demo has no trust with both shown and hidden points")
    return best


@pytest.fixture(scope="module")
def region(run) -> str:
    """A region with a monthly count of questions of 8 or more (shown, rounded to 5)."""
    units = run(spc_queries.spc_units)
    for code in units.loc[units.unit_type == "region", "unit_code"]:
        rows = run(spc_queries.spc_series, unit_type="region", unit_code=code, grain="month")
        counts = rows[(rows.measure == "questions") & ~rows.suppressed]
        if (counts["value"] >= 8).any() and (counts["value"] % 5 != 0).any():
            return code
    pytest.fail("the demo has no region with a count of questions that rounding changes")


def markers(fig) -> dict[str, list]:
    return {t.name: list(t.y) for t in fig.data if t.mode == "markers"}


@pytest.mark.parametrize("grain", ["month", "week"])
@pytest.mark.parametrize("measure", HEADLINE)
def test_every_measure_of_england(run, measure, grain):
    rows = run(spc_queries.spc_series, unit_type="nation", unit_code=ENGLAND, grain=grain)
    layout = valid(fig := spc_charts.xmr_chart(rows, measure=measure, national=True, grain=grain))
    points = rows[rows.measure == measure]
    assert layout["yaxis"]["rangemode"] == "nonnegative"
    names = [t.name for t in fig.data]
    assert names[:3] == ["Value", "Mean", "Trial limits" if points["trial_limits"].iloc[-1] else "Process limits"]
    scale = 1 / HOUR_S if measure.startswith("median") else 1
    shown = sorted(v for ys in markers(fig).values() for v in ys)
    assert shown == pytest.approx(sorted(points["value"] * scale))  # national: every value, unrounded
    kinds = points["special_cause"].map(lambda s: s if isinstance(s, str) else "common")
    for kind, (words, colour, symbol) in spc_charts.POINTS.items():
        trace = next((t for t in fig.data if t.name == words), None)
        assert (trace is not None) == (kind in set(kinds)), kind
        if trace is not None:
            assert trace.marker.color == colour and trace.marker.symbol == symbol
            assert len(trace.y) == (kinds == kind).sum()


@pytest.mark.parametrize("unit_type", ["trust", "region"])
def test_below_national_level_suppressed_points_are_gaps_and_counts_are_rounded(run, trust, region, unit_type):
    code = trust if unit_type == "trust" else region
    rows = run(spc_queries.spc_series, unit_type=unit_type, unit_code=code, grain="month")
    for measure in HEADLINE:
        points = rows[rows.measure == measure].sort_values("period_start")
        if points.empty:
            continue
        fig = spc_charts.xmr_chart(rows, measure=measure, national=False)
        valid(fig)
        line = np.array(fig.data[0].y, dtype=float)
        assert np.isnan(line[points["suppressed"].to_numpy(dtype=bool)]).all()
        visible = line[~points["suppressed"].to_numpy(dtype=bool)]
        if measure == "questions":
            expected = [disclosure.shown_count(int(v)) for v in points.loc[~points.suppressed, "value"]]
            assert visible.tolist() == [float(v) for v in expected]
            assert all(v % 5 == 0 for v in visible)
        hidden = int(points["suppressed"].sum())
        notes = fig.layout.annotations
        assert (hidden > 0) == any("hidden" in a.text for a in notes), measure


def test_trial_limits_and_too_few_points_are_said():
    frame = pd.DataFrame({"measure": "answered", "period_start": pd.date_range("2025-01-01", periods=5, freq="MS"),
                          "value": [0.5, 0.6, 0.55, 0.7, 0.65], "suppressed": False})
    chart = spc.xmr(frame["period_start"], frame["value"])
    frame = pd.concat([frame, chart.points[["mean", "lower", "upper", "special_cause", "trial_limits"]]], axis=1)
    frame = frame.assign(target=np.nan)
    fig = spc_charts.xmr_chart(frame, measure="answered", national=True)
    valid(fig)
    assert "Trial limits" in [t.name for t in fig.data]
    assert fig.data[2].line.dash == "dot"
    assert "Trial limits: 5 points, fewer than 13" in fig.layout.annotations[0].text
    one = spc_charts.xmr_chart(frame.head(1).assign(trial_limits=True), measure="answered", national=True)
    assert "Too few points for process limits" in one.layout.annotations[0].text
    empty = spc_charts.xmr_chart(frame.iloc[0:0], measure="answered")
    valid(empty)
    assert "No points yet" in empty.layout.annotations[0].text


def test_a_trust_target_is_drawn_on_its_median_wait(run):
    units = run(spc_queries.spc_units)
    for code in units.loc[units.unit_type == "trust", "unit_code"]:
        rows = run(spc_queries.spc_series, unit_type="trust", unit_code=code, grain="month")
        waits = rows[rows.measure == "median_wait"]
        if len(waits) and waits["target"].notna().all():
            fig = spc_charts.xmr_chart(rows, measure="median_wait")
            valid(fig)
            target = next(t for t in fig.data if t.name == "Target (the trust's policy)")
            assert list(target.y) == [waits["target"].iloc[0] / HOUR_S] * 2
            return
    pytest.fail("no demo trust has a policy target")


def test_icon_words_are_symbol_colour_and_text_never_colour_alone():
    for icon in spc.VARIATION_ICONS:
        symbol, colour, words = spc_charts.variation_words(icon)
        assert symbol and colour in ("gray", "blue", "orange", "violet") and words.startswith(("Common", "Special"))
    assert spc_charts.variation_words("concern_high")[2] == "Special cause – concerning – high"
    assert spc_charts.variation_words(None)[2] == "No chart: too few points"
    for icon in spc.ASSURANCE_ICONS:
        assert spc_charts.assurance_words(icon)[2].startswith("Assurance – ")
    assert spc_charts.assurance_words(None) is None


@pytest.mark.parametrize("measure, value, national, text", [
    ("answered", 0.623, False, "62%"), ("median_wait", 3 * 3600 + 300, False, "3 h 5 min"),
    ("median_wait_service", 40 * 3600, False, "40 h"), ("flags", 3.14, False, "3.1 per 1,000"),
    ("questions", 13, False, "15"), ("questions", 5, False, "*"), ("questions", 13, True, "13"),
    ("questions", None, True, "—"),
])
def test_value_text(measure, value, national, text):
    assert spc_charts.value_text(measure, value, national) == text
