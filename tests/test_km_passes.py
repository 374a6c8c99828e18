"""Kaplan–Meier on the dashboard's path, made cheaper without changing a digit (issue #16):
the themes' median waits (warehouse.theme_queries.theme_medians) come from one vectorised pass
over every theme's histogram (stats.km_medians), equal to one fit per theme (at 1 M posts one
fit per theme, 208 themes, took 2.7 s of every filter change of What patients ask); and
stats.km_from_counts sums counts per time with numpy, not a pandas groupby (32 -> 8-12 ms for
1,200 bins; it runs several times per filter change of Overview, Patient questions and
Response times)."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from warehouse import stats, theme_queries


def _histogram(themes: int = 60, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for theme in range(themes):
        bins = np.unique(rng.integers(1, 400, size=rng.integers(1, 40))) * 60
        for b in bins:  # as the SQL makes them: each bin has at least one question
            events = int(rng.integers(0, 5))
            rows.append((f"t{theme:03d}", int(b), events, int(rng.integers(0 if events else 1, 3))))
    frame = pd.DataFrame(rows, columns=["theme_id", "bin_s", "events", "censored"])
    return frame.sample(frac=1, random_state=seed)  # the SQL orders it; nothing may rely on that


def test_medians_equal_one_fit_per_theme():
    histogram = _histogram()
    found = theme_queries.theme_medians(histogram).set_index("theme_id")
    assert list(found.columns) == ["median_wait_seconds", "n_timed"]
    assert found["median_wait_seconds"].dtype == "float64"
    for theme, group in histogram.sort_values("bin_s").groupby("theme_id"):
        expected = stats.km_summary_from_counts(group["bin_s"], group["events"], group["censored"], within_s=())
        got = found.loc[theme]
        assert int(got["n_timed"]) == expected["n"]
        if expected["median_s"] is None:
            assert math.isnan(got["median_wait_seconds"])
        else:
            assert got["median_wait_seconds"] == pytest.approx(expected["median_s"])


def test_one_pass_for_every_theme(monkeypatch):
    def one_fit(*args, **kwargs):
        raise AssertionError("one Kaplan–Meier fit per theme")

    monkeypatch.setattr(stats, "km_summary_from_counts", one_fit)
    assert len(theme_queries.theme_medians(_histogram(themes=200))) == 200


def test_no_histogram():
    empty = pd.DataFrame(columns=["theme_id", "bin_s", "events", "censored"])
    found = theme_queries.theme_medians(empty)
    assert found.empty and list(found.columns) == ["theme_id", "median_wait_seconds", "n_timed"]


def _km_from_counts_with_groupby(t, e, c) -> pd.DataFrame:
    """The counts per time as km_from_counts summed them before (the oracle)."""
    return (pd.DataFrame({"time_s": np.append(np.asarray(t, float), 0.0), "events": np.append(np.asarray(e, float), 0),
                          "censored": np.append(np.asarray(c, float), 0)})
            .groupby("time_s", sort=True, as_index=False).sum())


def test_km_from_counts_sums_per_time_as_before_without_a_groupby(monkeypatch):
    rng = np.random.default_rng(5)
    t = rng.integers(0, 300, 2000) * 60.0  # repeated times, unsorted, a 0 among them
    e, c = rng.integers(0, 4, t.size), rng.integers(0, 2, t.size)
    expected = _km_from_counts_with_groupby(t, e, c)

    def no_groupby(*args, **kwargs):
        raise AssertionError("a pandas groupby per curve")

    monkeypatch.setattr(pd.DataFrame, "groupby", no_groupby)
    curve = stats.km_from_counts(t, e, c)
    for column in ("time_s", "events", "censored"):
        assert curve[column].tolist() == expected[column].tolist()
    assert curve["at_risk"].iloc[0] == e.sum() + c.sum()  # everyone is at risk at 0
