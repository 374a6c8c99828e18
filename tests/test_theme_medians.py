"""The themes' median waits (warehouse.theme_queries.theme_medians) come from one vectorised
Kaplan–Meier pass over every theme's histogram (stats.km_medians), equal to one fit per theme.
At 1 M posts, one fit per theme (208 themes) took 2.7 s of the What patients ask page's every
filter change (issue #16)."""
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
