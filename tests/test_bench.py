"""The benchmark's baselines compute what the dashboard computes (so their ratios compare like
with like); timings themselves are reported by the benchmark, never asserted here."""
from __future__ import annotations

from datetime import date


def test_pandas_baseline_agrees_with_the_named_queries(demo_data, use_data, monkeypatch):
    from bench import pandas_baseline, scenarios

    use_data(demo_data)
    monkeypatch.setattr(scenarios, "LAST_DAY", date(2025, 6, 30))  # the test demo's last day
    result = pandas_baseline.compare(repeat=7)  # raises if any pandas answer differs from the SQL
    assert set(result["pairs"]) == {"posts_over_time", "question_units", "flag_rates"}
    assert result["rows"]["posts"] > 1000 and result["rows"]["flags"] > 0
