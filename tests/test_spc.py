"""SPC (XmR, Making Data Count) checked against NHSRplotthedots' published numbers.

Expected values are copied from the NHS-R Community's reference implementation,
github.com/nhs-r-community/NHSRplotthedots (cited per test as repo@commit:path). Every rule
also has a boundary test (6 vs 7 points, 1 vs 2 of 3, 12 vs 13 points) so that an
off-by-one fails here.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from warehouse import spc

PTD = "nhs-r-community/NHSRplotthedots"


def days(n: int, start: str = "2020-01-02") -> pd.DatetimeIndex:
    return pd.date_range(start, periods=n, freq="D")


def months(n: int, start: str = "2016-04-01") -> pd.DatetimeIndex:
    return pd.date_range(start, periods=n, freq="MS")


def assert_printed(value: float, printed: str) -> None:
    """`value` rounds to the digits R printed (pillar/glimpse or round(x, 2))."""
    decimals = len(printed.split(".")[1]) if "." in printed else 0
    assert round(value, decimals) == float(printed), (value, printed)


def flags(chart: spc.Chart) -> list:
    return list(zip(chart.points["rule"], chart.points["side"], chart.points["special_cause"]))


def flagged(chart: spc.Chart) -> dict[int, tuple]:
    """{position: (rule, side, special_cause)} of the special-cause points only."""
    return {i: f for i, f in enumerate(flags(chart)) if f[0] is not None}


# ---------------------------------------------------------------------------------------
# Published examples
# ---------------------------------------------------------------------------------------

# PTD@938abcd81199980da6667f846e747c43b39303cd:vignettes/deviations.Rmd ("Treatment of
# outlying points"): captions give UPL/mean/LPL, and the 5th point is the only special cause
# (a blue improvement), with screen_outliers TRUE (the default) and FALSE (= MDC's Excel).
DEVIATIONS = [1, 2, 1, 2, 10, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1]


@pytest.mark.parametrize("screen, upl, mean, lpl", [
    (True, "4.6", "1.94", "-0.72"),
    (False, "6.95", "1.94", "-3.06"),
])
def test_deviations_vignette_limits_and_points(screen, upl, mean, lpl):
    chart = spc.xmr(days(18, "2021-03-22"), DEVIATIONS, screen_outliers=screen)
    s = chart.summary()
    assert_printed(s["upper"], upl)
    assert_printed(s["mean"], mean)
    assert_printed(s["lower"], lpl)
    assert flagged(chart) == {4: ("beyond_limit", "high", "improvement")}
    assert chart.variation_icon == "common_cause"  # the latest point is common cause


def test_screening_is_the_default_and_drops_ranges_at_or_above_3_267_mr_bar():
    # 17 moving ranges: 1, 1, 1, 8, 9 and twelve 1s; mR-bar 32/17 = 1.882, 3.267 × that = 6.15
    mean, amr = spc.process_limits(DEVIATIONS)
    assert (mean, amr) == (pytest.approx(35 / 18), pytest.approx(1.0))
    assert spc.process_limits(DEVIATIONS, screen_outliers=False)[1] == pytest.approx(32 / 17)


# set.seed(123); rnorm(20), as used by PTD@8aac3239e90ce9ebeb9c3e61f56c207dfc37b225:
# tests/testthat/test-ptd_spc_standard.R and tests/testthat/test-ptd_spc.R (R's printed values).
RNORM_123 = [
    -0.56047565, -0.23017749, 1.55870831, 0.07050839, 0.12928774, 1.71506499, 0.46091621,
    -1.26506123, -0.68685285, -0.44566197, 1.22408180, 0.35981383, 0.40077145, 0.11068272,
    -0.55584113, 1.78691314, 0.49785048, -1.96661716, 0.70135590, -0.47279141,
]


def test_spc_standard_snapshot_r1():
    # PTD@ea2177d4ccfed7dc14d8f57d20f1114d9b235295:tests/testthat/_snaps/ptd_spc_standard.md, r1
    chart = spc.xmr(days(20), RNORM_123)
    s = chart.summary()
    assert_printed(s["mean"], "0.1416238")
    assert_printed(s["lower"], "-3.01138")
    assert_printed(s["upper"], "3.294627")
    rtm = np.sign(chart.points["value"] - chart.points["mean"]).astype(int).tolist()
    assert rtm[:15] == [-1, -1, 1, -1, -1, 1, 1, -1, -1, -1, 1, 1, 1, -1, -1]
    # PTD@174380d653d7a169a76f99deebb9fc21ed5fbbd6:tests/testthat/_snaps/ptd_spc.md: 20 common cause
    assert flagged(chart) == {}


@pytest.mark.parametrize("screen, lpl, upl", [(True, "-2.383666", "3.722497"),
                                               (False, "-4.596625", "5.935457")])
def test_spc_standard_snapshot_outlier_screening(screen, lpl, upl):
    # same snapshot, r2 (y[15] <- 10, screened) and r3 (screen_outliers = FALSE)
    y = list(RNORM_123)
    y[14] = 10
    chart = spc.xmr(days(20), y, screen_outliers=screen)
    s = chart.summary()
    assert_printed(s["mean"], "0.6694159")
    assert_printed(s["lower"], lpl)
    assert_printed(s["upper"], upl)
    rtm = np.sign(chart.points["value"] - chart.points["mean"]).astype(int).tolist()
    assert rtm[:14] == [-1, -1, 1, -1, -1, 1, -1, -1, -1, -1, 1, -1, -1, -1]


def test_rebase_segments_match_the_published_per_group_limits():
    # PTD@174380d653d7a169a76f99deebb9fc21ed5fbbd6:tests/testthat/_snaps/ptd_spc.md: the same
    # 20 points split 10/10 give mean/lpl/upl 0.0746/-2.60/2.75 and 0.209/-3.28/3.70.
    chart = spc.xmr(days(20), RNORM_123, rebase=[days(20)[10]])
    first = chart.points.groupby("segment")[["mean", "lower", "upper"]].first()
    assert list(first.index) == [0, 1]
    for seg, printed in ((0, ("0.0746", "-2.60", "2.75")), (1, ("0.209", "-3.28", "3.70"))):
        for col, p in zip(("mean", "lower", "upper"), printed):
            assert_printed(first.loc[seg, col], p)
    assert chart.points["trial_limits"].all()  # 10-point segments


def test_two_close_points_on_opposite_sides_are_common_cause():
    # PTD@8aac3239e90ce9ebeb9c3e61f56c207dfc37b225:tests/testthat/test-ptd_spc_standard.R
    # (issue #143): 2 successive points close to the limits, either side of the mean.
    y = [1, -1] * 8
    y[14], y[15] = 5.5, -5.5
    chart = spc.xmr(days(16), y)
    assert chart.points["special_cause"].tolist()[-2:] == [None, None]
    assert flagged(chart) == {}


# England's monthly A&E attendances (NHSRdatasets::ae_attendances summed by period,
# 2016-04 to 2019-03) and performance (1 - breaches / attendances), decoded from the
# serialised ptd_spc() results in PTD@0c096d813e16e4fe606c37eb70020e74a5dcbbe8:
# tests/testthat/_snaps/integration_tests.md (tests/testthat/test-integration_tests.R).
AE_ATTENDANCES = [
    1867781, 2070340, 1958802, 2079034, 1932901, 1952464, 2001816, 1907871, 1944567, 1895272,
    1735619, 2015834, 1949762, 2066789, 1994056, 2073944, 1924663, 1925961, 2044137, 1976971,
    2003954, 2000086, 1820012, 2049785, 1984369, 2164458, 2093942, 2179896, 1997854, 2005695,
    2079492, 2037847, 2047518, 2113413, 1954947, 2167550,
]
AE_PERFORMANCE = [
    0.9003512724457525, 0.9027555860390081, 0.9055994429248081, 0.9028524786030435,
    0.909763097023593, 0.9064786853944554, 0.8905308979446662, 0.8837903610883545,
    0.8617594559611471, 0.851413411900772, 0.8753090395991286, 0.9000949482943537,
    0.9051525263083392, 0.8970035160821932, 0.9072518525056468, 0.9034785895858326,
    0.9029928875860346, 0.8966609396555797, 0.8994186788850258, 0.8876655246839736,
    0.8498503458662225, 0.8529918213516818, 0.8504476893558943, 0.8462121637147311,
    0.8857248828216929, 0.9039011151983545, 0.9076297242234981, 0.8931949047110505,
    0.8972702710007838, 0.8894368286304747, 0.8900933497219513, 0.8760446687116353,
    0.8644632183941728, 0.843525141560121, 0.8422525009629417, 0.8660427671795345,
]


def test_ae_all_attendances():
    # ptd_spc(ae_all(), attendances, period): mean, lpl, upl; all 36 points common cause
    chart = spc.xmr(months(36), AE_ATTENDANCES)
    s = chart.summary()
    assert s["mean"] == pytest.approx(2000538.9444444445, rel=1e-13)
    assert s["lower"] == pytest.approx(1731844.3644444444, rel=1e-13)
    assert s["upper"] == pytest.approx(2269233.5244444446, rel=1e-13)
    assert flagged(chart) == {} and chart.variation_icon == "common_cause"


def test_ae_all_attendances_rebased_at_april_2017():
    # ptd_spc(ae_all(), attendances, period, rebase = as.Date("2017-04-01"))
    chart = spc.xmr(months(36), AE_ATTENDANCES, rebase=["2017-04-01"])
    pts = chart.points
    assert pts["segment"].tolist() == [0] * 12 + [1] * 24
    expected = {0: (1946858.4166666667, 1639947.374848485, 2253769.4584848485),
                1: (2027379.2083333333, 1772921.0639855072, 2281837.3526811595)}
    for seg, (mean, lpl, upl) in expected.items():
        rows = pts[pts["segment"] == seg]
        assert rows["mean"].unique().tolist() == [pytest.approx(mean, rel=1e-13)]
        assert rows["lower"].unique().tolist() == [pytest.approx(lpl, rel=1e-13)]
        assert rows["upper"].unique().tolist() == [pytest.approx(upl, rel=1e-13)]
    assert flagged(chart) == {}
    # 12-point segment: trial limits in NHSRplotthedots 0.2.2 (n < 13); that snapshot is of an
    # older version (column "mean", not "mean_col") whose short_group_warning was FALSE here.
    assert pts["trial_limits"].tolist() == [True] * 12 + [False] * 24
    assert chart.trial_limits is False  # the limits in force now come from 24 points


AE_PERFORMANCE_TYPES = (["common_cause"] * 9 + ["special_cause_concern", "common_cause"]
                        + ["special_cause_improvement"] * 8 + ["common_cause"]
                        + ["special_cause_concern"] * 4 + ["common_cause"] * 5
                        + ["special_cause_concern"] * 7)


def test_ae_all_performance_baseline_of_12_points_and_every_point_type():
    # ptd_spc(ae_all(), performance, period, fix_after_n_points = 12): limits from the
    # first 12 months only; point_type of each of the 36 points.
    chart = spc.xmr(months(36), AE_PERFORMANCE, fix_after_n_points=12)
    s = chart.summary()
    assert s["mean"] == pytest.approx(0.8908915564349236, rel=1e-14)
    assert s["lower"] == pytest.approx(0.8614049789074258, rel=1e-14)
    assert s["upper"] == pytest.approx(0.9203781339624213, rel=1e-14)
    types = ["common_cause" if c is None else f"special_cause_{c}"
             for c in chart.points["special_cause"]]
    assert types == AE_PERFORMANCE_TYPES
    # which rule: below the LPL at months 10, 21-24, 34-35; runs of 8 above and 7 below
    f = flagged(chart)
    assert {i for i, v in f.items() if v[0] == "beyond_limit"} == {9, 20, 21, 22, 23, 33, 34}
    assert {i for i, v in f.items() if v[0] == "run"} == set(range(11, 19)) | {29, 30, 31, 32, 35}
    assert chart.variation_icon == "concern_low"


def test_baseline_ignores_later_points():
    later = list(AE_PERFORMANCE)
    later[20:] = [0.5] * 16
    a = spc.xmr(months(36), AE_PERFORMANCE, fix_after_n_points=12).summary()
    b = spc.xmr(months(36), later, fix_after_n_points=12).summary()
    assert (a["mean"], a["lower"], a["upper"]) == (b["mean"], b["lower"], b["upper"])
    c = spc.xmr(months(36), later).summary()  # without a baseline the later points count
    assert c["mean"] != a["mean"]


def test_baseline_applies_within_each_rebased_segment():
    y = AE_PERFORMANCE[:24] + [v + 0.05 for v in AE_PERFORMANCE[:12]]
    chart = spc.xmr(months(36), y, rebase=[months(36)[24]], fix_after_n_points=12)
    seg1 = chart.points[chart.points["segment"] == 1]
    assert seg1["mean"].iloc[0] == pytest.approx(np.mean(AE_PERFORMANCE[:12]) + 0.05)
    first = chart.points[chart.points["segment"] == 0]
    assert first["mean"].iloc[0] == pytest.approx(np.mean(AE_PERFORMANCE[:12]))


# ---------------------------------------------------------------------------------------
# The rule helpers, with the vectors of
# PTD@8aac3239e90ce9ebeb9c3e61f56c207dfc37b225:tests/testthat/test-ptd_calculate_point_type.R
# ---------------------------------------------------------------------------------------
def test_seven_point_one_side_mean_vectors():
    run = lambda v: spc.run_ends(np.array(v)).tolist()  # noqa: E731
    assert run([]) == []
    assert run([1] * 6) == [0] * 6
    assert run([1] * 6 + [-1]) == [0] * 7
    assert run([1] * 8 + [-1]) == [0] * 6 + [1, 1, 0]
    assert run([-1] * 8 + [1]) == [0] * 6 + [1, 1, 0]


def test_part_of_seven_trend_vectors():
    part = lambda v: spc._part_of(np.array(v), 7).astype(int).tolist()  # noqa: E731
    assert part([0] * 6) == [0] * 6
    assert part([0] * 6 + [1, 0]) == [1] * 7 + [0]
    assert part([0] * 7 + [1, 0]) == [0] + [1] * 7 + [0]
    assert part([0] * 6 + [-1, 0]) == [1] * 7 + [0]
    assert part([0] * 7 + [-1, 0]) == [0] + [1] * 7 + [0]


def test_seven_point_trend_vectors():
    trend = lambda v: spc.trend_ends(np.array(v, dtype=float)).tolist()  # noqa: E731
    assert trend([]) == []
    assert trend(range(1, 7)) == [0] * 6
    assert trend([1, 2, 3, 3, 4, 5, 6]) == [0] * 7  # a tie breaks a trend
    assert trend(range(1, 8)) == [0] * 6 + [1]
    assert trend([2, *range(1, 8), 3]) == [0] * 7 + [1, 0]
    assert trend(range(7, 0, -1)) == [0] * 6 + [-1]
    assert trend([2, *range(7, 0, -1), 3]) == [0] * 7 + [-1, 0]


@pytest.mark.parametrize("close, rtm, expected", [
    ([1, 0, 1], [1, 1, 1], [1, 0, 1]),
    ([0, 1, 1], [1, 1, 1], [0, 1, 1]),
    ([1, 1, 0], [1, 1, 1], [1, 1, 0]),
    ([0, 0, 1, 0, 1, 0, 0], [1] * 7, [0, 0, 1, 0, 1, 0, 0]),
    ([0, 0, 1, 1, 0, 0, 0], [1] * 7, [0, 0, 1, 1, 0, 0, 0]),
    ([1, 0, 0, 1], [1] * 4, [0, 0, 0, 0]),
    ([1, 0, 0, 1, 1], [1] * 5, [0, 0, 0, 1, 1]),
    ([1, 0, 1], [1, -1, 1], [0, 0, 0]),  # issue #143: all three on one side
    ([0, 1, 1], [1, -1, 1], [0, 0, 0]),
    ([0, 0, 1, 1, 0, 0, 0], [-1, 1, -1, 1, -1, 1, -1], [0] * 7),
])
def test_two_in_three_vectors(close, rtm, expected):
    got = spc.two_in_three(np.array(close, dtype=bool), np.array(rtm))
    assert got.astype(int).tolist() == expected


# ---------------------------------------------------------------------------------------
# Each rule end to end, at its boundary
# ---------------------------------------------------------------------------------------
def run_series(k: int) -> list[float]:
    """Alternating noise with k points a little above the mean, bounded by points below it."""
    body = [0.5, 0.7] * 4
    return [1, -1] * 5 + [-1] + body[:k] + [-1] + [1, -1] * 5


@pytest.mark.parametrize("direction, expected", [("increase", "improvement"),
                                                 ("decrease", "concern"),
                                                 ("neutral", "neutral")])
def test_run_of_seven_above_the_mean(direction, expected):
    chart = spc.xmr(days(29), run_series(7), improvement_direction=direction)
    assert flagged(chart) == {i: ("run", "high", expected) for i in range(11, 18)}


def test_run_of_six_is_common_cause():
    assert flagged(spc.xmr(days(28), run_series(6))) == {}


def test_run_below_the_mean_is_low():
    chart = spc.xmr(days(29), [-v for v in run_series(7)])
    assert flagged(chart) == {i: ("run", "low", "concern") for i in range(11, 18)}


def test_a_point_on_the_mean_breaks_a_run():
    # integers summing to 0, so the mean is exactly 0.0 and the 0 sits on it
    def series(x):
        return [2, -2] * 5 + [-2] + [1, 2, 1, x, 1, 2, 1] + [-2] + [2, -2] * 4 + [-2, -2]
    assert flagged(spc.xmr(days(29), series(1))) == {i: ("run", "high", "improvement")
                                                     for i in range(11, 18)}
    chart = spc.xmr(days(29), series(0))
    assert chart.points["mean"].iloc[0] == 0.0
    assert flagged(chart) == {}


def trend_series(k: int) -> list[float]:
    rising = [-0.9, -0.6, -0.3, 0.0, 0.3, 0.6, 0.9, 1.2]
    return [-1, 1] * 5 + rising[:k] + [-1, 1] * 5


def test_trend_of_seven_rising_points():
    chart = spc.xmr(days(27), trend_series(7))
    assert flagged(chart) == {i: ("trend", "high", "improvement") for i in range(10, 17)}


def test_trend_of_six_is_common_cause():
    assert flagged(spc.xmr(days(26), trend_series(6))) == {}


def test_falling_trend_crossing_the_mean_is_one_colour():
    # issue #171: a trend's points take the trend's direction, whichever side of the mean
    chart = spc.xmr(days(27), [-v for v in trend_series(7)])
    assert flagged(chart) == {i: ("trend", "low", "concern") for i in range(10, 17)}


def test_a_peak_between_two_trends_belongs_to_the_second():
    y = [-1, 1] * 5 + [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.0] + [1, -1] * 5
    chart = spc.xmr(days(len(y)), y)
    f = flagged(chart)
    assert {i for i in f} == set(range(10, 23))
    assert [f[i][1] for i in range(10, 23)] == ["high"] * 6 + ["low"] * 7  # the peak (16) falls


def close_series(window: list[float]) -> list[float]:
    return [1, -1] * 6 + window + [-1, 1] * 6


def test_two_of_three_close_to_the_upper_limit():
    chart = spc.xmr(days(27), close_series([5.0, 0.5, 5.0]))
    s = chart.summary()
    band = (s["mean"] + spc.CLOSE * (s["upper"] - s["mean"]) / spc.LIMIT, s["upper"])
    assert band[0] < 5.0 < band[1]  # both points are between 2σ and 3σ
    assert flagged(chart) == {12: ("two_in_three", "high", "improvement"),
                              14: ("two_in_three", "high", "improvement")}


def test_one_of_three_close_is_common_cause():
    assert flagged(spc.xmr(days(27), close_series([5.0, 0.5, -1.0]))) == {}


def test_two_of_three_low_with_decrease_as_improvement():
    chart = spc.xmr(days(27), [-v for v in close_series([5.0, 0.5, 5.0])],
                    improvement_direction="decrease")
    assert flagged(chart) == {12: ("two_in_three", "low", "improvement"),
                              14: ("two_in_three", "low", "improvement")}


def test_a_point_beyond_the_limit_does_not_count_towards_two_in_three():
    # NHSRplotthedots issue #153 (kept so); MDC's tools since 2023 would also flag the 5.0
    chart = spc.xmr(days(27), close_series([12.0, 5.0, 0.5]))
    s = chart.summary()
    assert s["upper"] < 12.0 and s["mean"] + spc.CLOSE * (s["upper"] - s["mean"]) / spc.LIMIT < 5.0
    assert flagged(chart) == {12: ("beyond_limit", "high", "improvement")}


def test_beyond_lower_limit_is_concern_when_higher_is_better():
    y = list(DEVIATIONS)
    y[4] = -6
    chart = spc.xmr(days(18), y)
    assert flagged(chart) == {4: ("beyond_limit", "low", "concern")}


# ---------------------------------------------------------------------------------------
# Icons
# ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("direction, last, icon", [
    ("increase", 10, "improvement_high"), ("decrease", 10, "concern_high"),
    ("neutral", 10, "neutral_high"), ("increase", -6, "concern_low"),
    ("decrease", -6, "improvement_low"), ("neutral", -6, "neutral_low"),
    ("increase", 2, "common_cause"),
])
def test_variation_icon_follows_the_latest_point(direction, last, icon):
    # PTD@24745e755877791489fd8783710bb84f8937d8c4:R/geom_ptd_icon.R (variation_icon_file)
    y = [1, 2] * 8 + [1, last]
    chart = spc.xmr(days(18), y, improvement_direction=direction)
    assert chart.variation_icon == icon


@pytest.mark.parametrize("direction, expected", [
    # PTD@7ed6ae9006d4a5bc8f9839c9eb0afeb34fba4d81:tests/testthat/test-ptd_calculate_assurance_type.R:
    # (lpl, upl) = (1, 3), (5, 7), (1, 5) with target 4
    ("increase", ["consistent_fail", "consistent_pass", "inconsistent"]),
    ("decrease", ["consistent_pass", "consistent_fail", "inconsistent"]),
    ("neutral", [None, None, None]),
])
def test_assurance_icon_published_cases(direction, expected):
    limits = [(1, 3), (5, 7), (1, 5)]
    assert [spc.assurance_icon(lo, hi, 4, direction) for lo, hi in limits] == expected


def test_assurance_boundaries_and_missing_target():
    assert spc.assurance_icon(1, 4, 4, "increase") == "inconsistent"  # on the limit: can miss
    assert spc.assurance_icon(4, 6, 4, "increase") == "inconsistent"
    assert spc.assurance_icon(1, 3, None, "increase") is None
    assert spc.assurance_icon(float("nan"), float("nan"), 4, "increase") is None


def test_assurance_uses_the_latest_segment():
    # PTD test "it returns correct values for assurance when rebase": the last group decides
    y = [1, 2] * 10 + [11, 12] * 10
    chart = spc.xmr(days(40), y, target=5, rebase=[days(40)[20]])
    assert chart.assurance_icon == "consistent_pass"
    before = spc.xmr(days(20), y[:20], target=5)
    assert before.assurance_icon == "consistent_fail"


# ---------------------------------------------------------------------------------------
# Trial limits, edge cases, validation
# ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("n, trial", [(12, True), (13, False)])
def test_trial_limits_below_13_points(n, trial):
    # PTD@c7fbaae5d7b5362d4c48a4c64bd1b73a2c34917a:R/ptd_add_short_group_warnings.R,
    # getOption("ptd_spc.warning_threshold", 13): a segment of n < 13 points
    chart = spc.xmr(days(n), ([1, 2] * 7)[:n])
    assert chart.trial_limits is trial
    assert chart.points["trial_limits"].tolist() == [trial] * n
    assert spc.xmr(days(n), ([1, 2] * 7)[:n], trial_below=n + 1).trial_limits is True


def test_constant_series_has_zero_width_limits():
    chart = spc.xmr(days(15), [3.0] * 15, target=3)
    s = chart.summary()
    assert s["mean"] == s["lower"] == s["upper"] == 3.0
    assert flagged(chart) == {} and chart.variation_icon == "common_cause"
    assert chart.assurance_icon == "inconsistent"


def test_constant_baseline_then_change_is_beyond_the_limits():
    chart = spc.xmr(months(15), [5.0] * 12 + [6.0, 6.0, 6.0], fix_after_n_points=12)
    assert flagged(chart) == {i: ("beyond_limit", "high", "improvement") for i in (12, 13, 14)}


def test_one_point_has_no_limits_and_no_signal():
    chart = spc.xmr(days(1), [4.2], target=1)
    assert chart.summary() == {"variation_icon": "common_cause", "assurance_icon": None,
                               "n_points": 1, "trial_limits": True, "mean": 4.2,
                               "lower": None, "upper": None}


def test_empty_series():
    chart = spc.xmr([], [])
    assert chart.points.empty and list(chart.points.columns) == list(spc.POINT_COLUMNS)
    assert (chart.variation_icon, chart.n_points, chart.trial_limits) == (None, 0, True)


def test_input_order_does_not_matter():
    order = np.random.default_rng(3).permutation(36)
    shuffled = spc.xmr(months(36)[order], np.array(AE_PERFORMANCE)[order], fix_after_n_points=12)
    straight = spc.xmr(months(36), AE_PERFORMANCE, fix_after_n_points=12)
    pd.testing.assert_frame_equal(shuffled.points, straight.points)


@pytest.mark.parametrize("kwargs, message", [
    ({"improvement_direction": "up"}, "improvement_direction"),
    ({"fix_after_n_points": 11}, "fix_after_n_points"),
    ({"fix_after_n_points": 12.5}, "fix_after_n_points"),
    ({"fix_after_n_points": True}, "fix_after_n_points"),
])
def test_bad_options_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        spc.xmr(days(20), RNORM_123, **kwargs)


def test_bad_series_are_refused_with_the_period():
    with pytest.raises(ValueError, match="duplicate periods: \\['2020-01-02'\\]"):
        spc.xmr([*days(3), days(1)[0]], [1, 2, 3, 4])
    with pytest.raises(ValueError, match="2020-01-03"):
        spc.xmr(days(3), [1, None, 3])
    with pytest.raises(ValueError, match="differ in length"):
        spc.xmr(days(3), [1, 2])


def test_a_rebase_date_that_is_not_a_period_is_ignored():
    a = spc.xmr(days(20), RNORM_123, rebase=["1999-01-01"])
    b = spc.xmr(days(20), RNORM_123)
    pd.testing.assert_frame_equal(a.points, b.points)


# ---------------------------------------------------------------------------------------
# Many series for the spc_points mart
# ---------------------------------------------------------------------------------------
def long_frame() -> pd.DataFrame:
    rows = []
    for unit, shift in (("RAS", 0.0), ("RJZ", 0.02)):
        for measure, values in (("share_answered", AE_PERFORMANCE), ("questions", AE_ATTENDANCES)):
            for p, v in zip(months(36), values):
                rows.append({"unit_type": "trust", "unit_code": unit, "measure": measure,
                             "period_start": p, "value": v + shift})
    return pd.DataFrame(rows).sample(frac=1, random_state=1)


def test_spc_points_one_chart_per_series():
    directions = {"share_answered": "increase", "questions": "neutral"}
    out = spc.spc_points(long_frame(), directions, targets={"share_answered": 0.95},
                         rebase={("trust", "RJZ", "questions"): ["2017-04-01"]},
                         fix_after_n_points=12)
    assert list(out.columns[:11]) == list(spc.SPC_POINTS_COLUMNS)
    assert len(out) == 4 * 36
    ras = out[(out.unit_code == "RAS") & (out.measure == "share_answered")]
    direct = spc.xmr(months(36), AE_PERFORMANCE, fix_after_n_points=12, target=0.95)
    assert ras["special_cause"].tolist() == direct.points["special_cause"].tolist()
    assert ras["mean"].tolist() == direct.points["mean"].tolist()
    assert set(ras["variation_icon"]) == {"concern_low"}
    assert set(ras["assurance_icon"]) == {"consistent_fail"}  # 0.95 is above the UPL
    rjz_q = out[(out.unit_code == "RJZ") & (out.measure == "questions")]
    assert rjz_q["segment"].tolist() == [0] * 12 + [1] * 24
    assert set(rjz_q["assurance_icon"]) == {None}  # no target for questions


def test_spc_points_refuses_unknown_measures_and_names_the_series():
    frame = long_frame()
    with pytest.raises(ValueError, match="no improvement direction for measure 'questions'"):
        spc.spc_points(frame, {"share_answered": "increase"})
    frame.loc[frame.index[0], "value"] = float("nan")
    with pytest.raises(ValueError, match="series {'unit_type': 'trust'"):
        spc.spc_points(frame, {"share_answered": "increase", "questions": "neutral"})


def test_spc_points_of_nothing():
    empty = pd.DataFrame(columns=["unit_type", "unit_code", "measure", "period_start", "value"])
    assert list(spc.spc_points(empty, {}).columns[:11]) == list(spc.SPC_POINTS_COLUMNS)


# ---------------------------------------------------------------------------------------
# Properties
# ---------------------------------------------------------------------------------------
def _clear_of_thresholds(values: list[float], mean: float, lower: float, upper: float) -> bool:
    """No point within rounding error of a threshold, where float results may differ."""
    amr = (upper - mean) / spc.LIMIT
    edges = [mean, lower, upper, mean - spc.CLOSE * amr, mean + spc.CLOSE * amr]
    scale = max(1.0, *(abs(v) for v in values))
    return all(abs(v - e) > 1e-9 * scale for v in values for e in edges)


series = st.lists(st.integers(-1000, 1000), min_size=2, max_size=40)


@settings(max_examples=300, deadline=None)
@given(values=series, shift=st.integers(-10**6, 10**6),
       direction=st.sampled_from(spc.DIRECTIONS))
@pytest.mark.slow
def test_adding_a_constant_moves_the_limits_and_keeps_the_flags(values, shift, direction):
    a = spc.xmr(days(len(values)), values, improvement_direction=direction)
    s = a.summary()
    assume(_clear_of_thresholds(values, s["mean"], s["lower"], s["upper"]))
    b = spc.xmr(days(len(values)), [v + shift for v in values], improvement_direction=direction)
    for col in ("mean", "lower", "upper"):
        np.testing.assert_allclose(b.points[col], a.points[col] + shift, rtol=0, atol=1e-6)
    assert flags(b) == flags(a)
    assert b.variation_icon == a.variation_icon


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(values=st.lists(st.integers(-1000, 1000), min_size=2, max_size=40, unique=True))
def test_mirroring_the_series_and_its_direction_keeps_the_verdicts(values):
    a = spc.xmr(days(len(values)), values, improvement_direction="increase")
    s = a.summary()
    assume(_clear_of_thresholds(values, s["mean"], s["lower"], s["upper"]))
    b = spc.xmr(days(len(values)), [-v for v in values], improvement_direction="decrease")
    assert b.points["special_cause"].tolist() == a.points["special_cause"].tolist()
    assert b.points["rule"].tolist() == a.points["rule"].tolist()
    assert b.variation_icon.split("_")[0] == a.variation_icon.split("_")[0]


@settings(max_examples=100, deadline=None)
@given(value=st.floats(-1e9, 1e9, allow_nan=False), n=st.integers(1, 30),
       direction=st.sampled_from(spc.DIRECTIONS))
def test_any_constant_series_is_common_cause_without_crashing(value, n, direction):
    chart = spc.xmr(days(n), [value] * n, improvement_direction=direction, target=value + 1)
    assert chart.points["special_cause"].tolist() == [None] * n
    assert chart.variation_icon == "common_cause"
    if n >= 2:
        assert (chart.points["lower"] == value).all() and (chart.points["upper"] == value).all()
        assert chart.assurance_icon == {"increase": "consistent_fail", "decrease": "consistent_pass",
                                        "neutral": None}[direction]
