"""warehouse.stats.km_medians (every group at once, for the SPC mart) gives each group's
median and CI exactly as warehouse.stats.km_summary_from_counts (checked against lifelines in
tests/test_stats.py) gives it."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from warehouse import stats


def one_by_one(frame: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for (unit, period), group in frame.groupby(["unit", "period"], sort=True):
        s = stats.km_summary_from_counts(group["bin_s"], group["events"], group["censored"], within_s=())
        rows.append({"unit": unit, "period": period, "n": s["n"], "events": s["events"],
                     **{k: np.nan if s[k] is None else s[k] for k in ("median_s", "median_ci_low_s", "median_ci_high_s")}})
    return pd.DataFrame(rows)


def histograms(draw_groups) -> pd.DataFrame:
    rows = []
    for g, bins in enumerate(draw_groups):
        for time, (events, censored) in bins.items():
            if events + censored:
                rows.append({"unit": f"u{g % 3}", "period": g, "bin_s": time, "events": events, "censored": censored})
    return pd.DataFrame(rows, columns=["unit", "period", "bin_s", "events", "censored"])


def assert_same(frame: pd.DataFrame) -> None:
    want = one_by_one(frame)
    got = stats.km_medians(frame.sample(frac=1, random_state=1), ["unit", "period"])  # any row order
    got = got.sort_values(["unit", "period"], ignore_index=True)
    assert got[["unit", "period", "n", "events"]].values.tolist() == want[["unit", "period", "n", "events"]].values.tolist()
    for column in ("median_s", "median_ci_low_s", "median_ci_high_s"):
        np.testing.assert_array_equal(got[column].to_numpy(float), want[column].to_numpy(float), err_msg=column)


def test_a_realistic_histogram_of_many_groups():
    rng = np.random.default_rng(3)
    rows = []
    for g in range(60):
        waits = np.ceil(rng.lognormal(np.log(3600 * rng.uniform(0.5, 30)), 1.2, rng.integers(1, 200)) / 60) * 60
        answered = rng.random(len(waits)) < rng.uniform(0.2, 0.95)
        frame = pd.DataFrame({"bin_s": waits, "answered": answered})
        counts = frame.groupby("bin_s")["answered"].agg(events="sum", n="count").reset_index()
        counts["censored"] = counts["n"] - counts["events"]
        rows.append(counts.assign(unit=f"u{g % 7}", period=g)[["unit", "period", "bin_s", "events", "censored"]])
    frame = pd.concat(rows, ignore_index=True)
    assert_same(frame)
    result = stats.km_medians(frame, ["unit", "period"])
    assert result["median_s"].notna().sum() > 20 and result["median_s"].isna().sum() > 0  # both cases met


@settings(max_examples=80, deadline=None)
@given(st.lists(st.dictionaries(st.integers(0, 20).map(lambda m: m * 60),
                                st.tuples(st.integers(0, 4), st.integers(0, 3)), min_size=1, max_size=8),
                min_size=1, max_size=6))
@pytest.mark.slow
def test_generated_histograms(groups):
    frame = histograms(groups)
    if frame.empty:
        return
    assert_same(frame)


def test_empty():
    out = stats.km_medians(pd.DataFrame(columns=["unit", "bin_s", "events", "censored"]), ["unit"])
    assert out.empty and list(out.columns) == ["unit", "n", "events", "median_s", "median_ci_low_s", "median_ci_high_s"]
