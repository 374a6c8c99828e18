"""warehouse.spc_many (every series of the build at once) gives, point by point, what
warehouse.spc.xmr (checked against NHSRplotthedots in tests/test_spc.py) gives each series."""
from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.test_spc import RNORM_123
from warehouse import spc
from warehouse.spc_many import xmr_many

DIRECTIONS = ("increase", "decrease", "neutral")


def per_series(series: list[tuple[list[float], str, float]]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """What spc.xmr says about each series, laid end to end like xmr_many's output."""
    points, summary = [], []
    for values, direction, target in series:
        chart = spc.xmr(pd.date_range("2024-01-01", periods=len(values), freq="MS"), values,
                        improvement_direction=direction, target=None if np.isnan(target) else target)
        points.append(chart.points)
        summary.append((chart.n_points, chart.variation_icon, chart.assurance_icon, chart.trial_limits))
    columns = ["n_points", "variation_icon", "assurance_icon", "trial_limits"]
    return (pd.concat(points, ignore_index=True),
            pd.DataFrame({c: pd.Series([row[i] for row in summary], dtype=object) for i, c in enumerate(columns)}))


def many(series) -> tuple[pd.DataFrame, pd.DataFrame]:
    group = np.concatenate([np.full(len(v), i) for i, (v, _, _) in enumerate(series)])
    values = np.concatenate([np.asarray(v, dtype=float) for v, _, _ in series])
    return xmr_many(group, values, np.array([d for _, d, _ in series]), np.array([t for _, _, t in series]))


def assert_same(series) -> None:
    want_points, want_series = per_series(series)
    got_points, got_series = many(series)
    for column in ("mean", "lower", "upper"):
        np.testing.assert_allclose(got_points[column].to_numpy(float), want_points[column].to_numpy(float),
                                   rtol=1e-12, atol=1e-12, equal_nan=True)
    for column in ("rule", "side", "special_cause", "trial_limits"):
        assert got_points[column].tolist() == want_points[column].tolist(), column
    for column in want_series:
        assert got_series[column].tolist() == want_series[column].tolist(), column


def test_the_published_example_series_side_by_side():
    """RNORM_123 (NHSRplotthedots' test series), a shift, a trend, flat data and short series."""
    shift = [1, 2, 1, 2, 1, 2, 1, 2] + [5, 6, 5, 6, 5, 6, 5, 6, 5]
    trend = [1, 2, 3, 4, 5, 6, 7, 6, 5, 6, 5, 4, 5, 4, 3, 4]
    assert_same([
        (RNORM_123, "increase", 0.5), (shift, "decrease", 3.0), (trend, "neutral", np.nan),
        ([3, 3, 3, 3, 3], "increase", 2.0), ([7], "decrease", 1.0), ([1, 4], "increase", 2.5),
        (list(np.arange(20) % 3), "decrease", -1.0),
    ])


# Values on a coarse grid: ties with the mean, equal neighbours (a tie breaks a trend) and flat
# stretches happen often, and the sums behind the means are exact in floating point.
values_grid = st.lists(st.integers(-6, 6).map(lambda v: v / 2), min_size=1, max_size=40)
one_series = st.tuples(values_grid, st.sampled_from(DIRECTIONS),
                       st.one_of(st.just(float("nan")), st.integers(-8, 8).map(float)))


@pytest.mark.slow
@settings(max_examples=150, deadline=None)
@given(st.lists(one_series, min_size=1, max_size=8))
def test_generated_series_on_a_grid(series):
    assert_same(series)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.lists(st.floats(-1e3, 1e3), min_size=1, max_size=30),
                          st.sampled_from(DIRECTIONS), st.floats(-1e3, 1e3)), min_size=1, max_size=5))
@pytest.mark.slow
def test_generated_series_of_any_floats(series):
    assert_same(series)


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="non-decreasing"):
        xmr_many(np.array([1, 0]), np.array([1.0, 2.0]), np.array(["increase", "increase"]), np.array([np.nan] * 2))
    with pytest.raises(ValueError, match="finite"):
        xmr_many(np.array([0, 0]), np.array([1.0, np.nan]), np.array(["increase"]), np.array([np.nan]))


def test_thousands_of_series_cost_little():
    """The reason the module exists (spc.xmr: ~10 ms a series). The bound is loose: it fails
    only if the work stops being vectorised."""
    rng = np.random.default_rng(5)
    n_series, length = 6_000, 104
    group = np.repeat(np.arange(n_series), length)
    started = time.perf_counter()
    points, series = xmr_many(group, rng.normal(size=n_series * length), np.array(["increase"] * n_series),
                              np.full(n_series, 0.5))
    assert time.perf_counter() - started < 5
    assert len(points) == n_series * length and len(series) == n_series
