"""Statistics shown to people, checked against lifelines, scipy and published values."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from lifelines import KaplanMeierFitter
from lifelines.utils import median_survival_times
from scipy import optimize, stats as sps

from tests import reference_km as R
from warehouse import stats as S
from warehouse.measures import DAY_S, HOUR_S

Z = 1.959963984540054
Z998 = sps.norm.ppf(0.999)  # 3.09023…, two-sided 99.8%


def response_times(n: int, seed: int = 7, answered: float = 0.7):
    """Whole-second waits (log-normal, median ~1 h); unanswered ones censored earlier or later."""
    rng = np.random.default_rng(seed)
    d = np.round(rng.lognormal(np.log(3600), 1.8, n))
    o = rng.random(n) < answered
    d[~o] = np.round(rng.uniform(0, 30 * 86400, (~o).sum()))
    return d, o


# ------------------------------------------------------------------ Kaplan–Meier
def test_km_summary_small_hand_example():
    # times 1+, 2, 2, 3+, 5: S = 1 to t=2, then 1·(1 − 2/4) = 0.5, then 0 at 5.
    out = R.km_summary([1, 2, 2, 3, 5], [0, 1, 1, 0, 1], within_s=(1.5, 2, 4))
    assert (out["n"], out["events"]) == (5, 3)
    assert out["median_s"] == 2  # first time S <= 0.5
    assert (out["median_ci_low_s"], out["median_ci_high_s"]) == (2, 5)
    assert out["p_within"][1.5] == {"p": 0.0, "ci_low": 0.0, "ci_high": 0.0}
    assert out["p_within"][2]["p"] == pytest.approx(0.5)
    # Exponential Greenwood at t=2: var term 2/(4·2) = 0.25, S^exp(±z·0.5/ln 0.5).
    width = Z * math.sqrt(0.25) / math.log(0.5)
    assert out["p_within"][4]["ci_low"] == pytest.approx(1 - 0.5 ** math.exp(width))
    assert out["p_within"][4]["ci_high"] == pytest.approx(1 - 0.5 ** math.exp(-width))


def test_km_summary_matches_lifelines_and_scipy():
    d, o = response_times(3_000)
    out = R.km_summary(d, o, within_s=(HOUR_S, DAY_S, 3 * DAY_S))
    kmf = KaplanMeierFitter().fit(d, o)
    assert out["median_s"] == kmf.median_survival_time_
    ci = median_survival_times(kmf.confidence_interval_).iloc[0].to_numpy()
    assert (out["median_ci_low_s"], out["median_ci_high_s"]) == tuple(ci)
    assert out["median_ci_low_s"] < out["median_s"] < out["median_ci_high_s"]
    # Independent check: scipy's KM (ecdf with censoring) and its log-log (Greenwood) CI.
    res = sps.ecdf(sps.CensoredData(uncensored=d[o], right=d[~o]))
    band = res.sf.confidence_interval(0.95, method="log-log")
    for t, got in out["p_within"].items():
        assert got["p"] == pytest.approx(1 - res.sf.evaluate(t), abs=1e-12)
        assert got["ci_low"] == pytest.approx(1 - band.high.evaluate(t), abs=1e-9)
        assert got["ci_high"] == pytest.approx(1 - band.low.evaluate(t), abs=1e-9)


def test_median_not_reached_and_p_beyond_follow_up():
    d, o = response_times(500, answered=0.3)
    d[~o] = 10 * 86400  # everyone unanswered was followed for 10 days
    out = R.km_summary(d, o, within_s=(HOUR_S, 30 * DAY_S))
    assert out["median_s"] is None and out["median_ci_high_s"] is None
    assert 0 < out["p_within"][HOUR_S]["p"] < 0.3
    assert out["p_within"][30 * DAY_S] is None  # beyond the longest follow-up: not estimable
    assert R.km_summary([], [])["median_s"] is None
    with pytest.raises(ValueError):
        R.km_summary([1, np.nan], [True, False])


def test_p_within_all_answered_and_service_day():
    out = R.p_within([100, 200, 40_000], [True, True, True], 36_000)
    assert out["p"] == pytest.approx(2 / 3)
    assert out["ci_low"] < 2 / 3 < out["ci_high"]


def test_km_curve_is_thinned_for_plotting():
    d, o = response_times(20_000)
    curve = R.km_curve(d, o, max_points=500)
    assert list(curve.columns) == ["time_s", "survival", "ci_low", "ci_high"]
    assert len(curve) <= 500
    assert curve["time_s"].iloc[0] == 0 and curve["survival"].iloc[0] == 1
    assert curve["time_s"].iloc[-1] == d.max()
    assert curve["time_s"].is_monotonic_increasing
    assert curve["survival"].is_monotonic_decreasing
    assert (curve["ci_low"] <= curve["survival"] + 1e-12).all()
    assert (curve["survival"] <= curve["ci_high"] + 1e-12).all()


def test_km_from_counts_exact_bins_equal_lifelines():
    d, o = response_times(5_000, seed=3)
    counts = pd.DataFrame({"t": d, "e": o.astype(int), "c": (~o).astype(int)}).groupby("t").sum()
    curve = S.km_from_counts(counts.index, counts["e"], counts["c"])
    kmf = KaplanMeierFitter().fit(d, o)
    np.testing.assert_allclose(curve["time_s"], kmf.timeline)
    np.testing.assert_allclose(curve["survival"], kmf.survival_function_.iloc[:, 0], rtol=1e-12)
    np.testing.assert_allclose(curve["at_risk"], kmf.event_table["at_risk"])
    band = kmf.confidence_interval_
    np.testing.assert_allclose(curve["ci_low"], band.iloc[:, 0], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(curve["ci_high"], band.iloc[:, 1], rtol=1e-9, atol=1e-12)
    within = (HOUR_S, DAY_S, 3 * DAY_S)
    got = S.km_summary_from_counts(counts.index, counts["e"], counts["c"], within)
    want = R.km_summary(d, o, within)
    assert {k: v for k, v in got.items() if k != "p_within"} == \
        {k: v for k, v in want.items() if k != "p_within"}
    for t in within:
        assert got["p_within"][t] == pytest.approx(want["p_within"][t], rel=1e-9)


def test_km_from_one_minute_bins_is_close():
    d, o = response_times(20_000, seed=11)
    minute = np.floor(d / 60) * 60
    counts = pd.DataFrame({"t": minute, "e": o, "c": ~o}).groupby("t").sum()
    binned = S.km_summary_from_counts(counts.index, counts["e"], counts["c"])
    exact = R.km_summary(d, o)
    # Flooring moves each time at most 60 s earlier: the median moves by less than a bin.
    assert exact["median_s"] - 60 <= binned["median_s"] <= exact["median_s"]
    for t in (HOUR_S, 3 * DAY_S):
        assert binned["p_within"][t]["p"] == pytest.approx(exact["p_within"][t]["p"], abs=0.005)
        assert binned["p_within"][t]["ci_low"] == pytest.approx(exact["p_within"][t]["ci_low"], abs=0.005)


# ------------------------------------------------------------------ Wilson
@pytest.mark.parametrize("k,n,low,high", [
    # Newcombe (1998) Statistics in Medicine 17:857, table I, method 3 (Wilson score).
    (81, 263, 0.2553, 0.3662),
    (15, 148, 0.0624, 0.1605),
    (0, 20, 0.0, 0.1611),
    (1, 29, 0.0061, 0.1718),
])
def test_wilson_published_values(k, n, low, high):
    p, lo, hi = S.wilson(k, n)
    assert p == pytest.approx(k / n)
    assert (round(lo, 4), round(hi, 4)) == (low, high)


def test_wilson_edges_and_score_inversion():
    for n in (1, 5, 37, 1000):
        for k in range(0, n + 1, max(1, n // 7)):
            p, lo, hi = S.wilson(k, n)
            # The interval is exactly where the score test does not reject: |p̂−π| = z√(π(1−π)/n).
            f = lambda pi: (k / n - pi) ** 2 - Z * Z * pi * (1 - pi) / n  # noqa: E731
            if k > 0:
                assert lo == pytest.approx(optimize.brentq(f, 1e-15, k / n - 1e-12), abs=1e-9)
            else:
                assert lo == 0
            if k < n:
                assert hi == pytest.approx(optimize.brentq(f, k / n + 1e-12, 1 - 1e-15), abs=1e-9)
            else:
                assert hi == 1
            _, lo2, hi2 = S.wilson(n - k, n)
            assert lo == pytest.approx(1 - hi2) and hi == pytest.approx(1 - lo2)
    assert all(math.isnan(x) for x in S.wilson(0, 0))
    p, lo, hi = S.wilson(np.array([0, 3]), np.array([10, 10]))
    assert lo[0] == 0 and hi[0] == pytest.approx(0.2775, abs=1e-4) and p[1] == 0.3
    with pytest.raises(ValueError):
        S.wilson(3, 2)


# ------------------------------------------------------------------ rates
@pytest.mark.parametrize("o,low,high", [
    # Exact Poisson 95% limits for a count (standard tables, e.g. Garwood 1936).
    (0, 0.0, 3.689), (1, 0.0253, 5.572), (2, 0.2422, 7.225), (5, 1.6235, 11.668), (9, 4.1154, 17.085),
])
def test_exact_poisson_below_ten(o, low, high):
    r = S.rate_ci(o, 1000, per=1000)  # rate per 1,000 with denominator 1,000 = the count
    assert r["method"] == "exact Poisson"
    assert r["rate"] == o
    assert r["ci_low"] == pytest.approx(low, abs=6e-4)
    assert r["ci_high"] == pytest.approx(high, abs=6e-4)


def test_byar_from_ten_events():
    # Fingertips' formula by hand: O = 10, z = 1.96:
    # lower = 10·(1 − 1/90 − 1.96/(3√10))³ = 4.7874; upper = 11·(1 − 1/99 + 1.96/(3√11))³ = 18.3915
    r = S.rate_ci(10, 1000)
    assert r["method"] == "Byar"
    assert (round(r["ci_low"], 4), round(r["ci_high"], 4)) == (4.7874, 18.3915)
    # 120 events in 50,000 posts: 2.4 per 1,000 (Byar 99.4902–143.4917 events → /50).
    r = S.rate_ci(120, 50_000)
    assert r["rate"] == pytest.approx(2.4)
    assert r["ci_low"] == pytest.approx(99.4902 / 50, abs=1e-5)
    assert r["ci_high"] == pytest.approx(143.4917 / 50, abs=1e-5)
    # Byar approximates the exact interval closely from 10 events on.
    for o in (10, 25, 100, 1000):
        r = S.rate_ci(o, 1000, per=1000)
        assert r["ci_low"] == pytest.approx(sps.chi2.ppf(0.025, 2 * o) / 2, rel=0.01)
        assert r["ci_high"] == pytest.approx(sps.chi2.ppf(0.975, 2 * o + 2) / 2, rel=0.01)


def test_rate_ci_vectorised_and_zero_denominator():
    r = S.rate_ci(np.array([0, 9, 10, 50]), np.array([100, 2000, 2000, 0]))
    assert list(r["method"]) == ["exact Poisson", "exact Poisson", "Byar", "Byar"]
    assert r["ci_low"][0] == 0 and math.isnan(r["rate"][3])
    assert r["rate"][1] == pytest.approx(4.5)
    with pytest.raises(ValueError):
        S.rate_ci(1.5, 10)


# ------------------------------------------------------------------ funnels
def test_funnel_limits_proportion():
    n = np.array([0, 10, 50, 200, 1000, 10_000, 1_000_000])
    f = S.funnel_limits_proportion(0.3, n)
    assert list(f.columns) == ["n", "lower_95", "upper_95", "lower_99_8", "upper_99_8"]
    assert f.iloc[0, 1:].isna().all()
    g = f.iloc[1:]
    assert (g["lower_99_8"] <= g["lower_95"]).all() and (g["upper_95"] <= g["upper_99_8"]).all()
    assert ((g["lower_99_8"] >= 0) & (g["upper_99_8"] <= 1)).all()
    big = f.iloc[-1]
    sd = math.sqrt(0.3 * 0.7 / 1e6)
    assert big["upper_95"] == pytest.approx(0.3 + Z * sd, abs=2e-5)
    assert big["lower_99_8"] == pytest.approx(0.3 - Z998 * sd, abs=2e-5)
    # Exact limits are the binomial quantiles themselves, as counts over n.
    for m, row in zip(n[1:], g.itertuples()):
        assert row.upper_95 == sps.binom.ppf(0.975, m, 0.3) / m
        assert row.lower_99_8 == sps.binom.ppf(0.001, m, 0.3) / m


def test_funnel_limits_rate():
    den = np.array([500, 5_000, 50_000, 10_000_000])
    f = S.funnel_limits_rate(4.0, den, per=1000)
    assert (f["lower_95"] < 4.0).all() and (f["upper_95"] > 4.0).all()
    sd = math.sqrt(4.0 * 1000 / 10_000_000)
    assert f["upper_99_8"].iloc[-1] == pytest.approx(4.0 + Z998 * sd, abs=2e-3)
    assert f["lower_95"].iloc[-1] == pytest.approx(4.0 - Z * sd, abs=2e-3)
    mu = 4.0 * 500 / 1000
    assert f["upper_95"].iloc[0] == sps.poisson.ppf(0.975, mu) / 500 * 1000


def test_a_curve_that_reaches_one_half_by_rounding_crosses_there():
    """Half answered is a median, even when the product of binned factors leaves the curve at
    0.5000000000000001 (the Overview's median was once an hour later than lifelines' on the
    raw durations for this reason)."""
    times = np.array([600.0, 1200.0, 1800.0])
    assert S._crossing(times, np.array([0.75, 0.5000000000000001, 0.25])) == 1200.0
    assert S._crossing(times, np.array([0.75, 0.5001, 0.25])) == 1800.0
