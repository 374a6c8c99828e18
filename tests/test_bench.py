"""The benchmark measures what the dashboard does: its baselines compute what the dashboard
computes (so their ratios compare like with like), and its bare-SQL figure runs exactly the
queries each page runs. Timings themselves are reported by the benchmark, never asserted here."""
from __future__ import annotations

import inspect
from datetime import date

import pytest

from bench import pandas_baseline, scenarios
from tests.test_app import HEADINGS, open_page
from ui import data
from warehouse import queries, question_queries

pytestmark = pytest.mark.slow  # the benchmark's baselines and the pages it times

# Run by every page's set-up (filter options, the demo banner), cached from the first render:
# the benchmark's filter changes do not pay for them.
SET_UP = {queries.date_bounds, queries.region_options, queries.trust_options, queries.platform_options,
          queries.build_info}


def test_pandas_baseline_agrees_with_the_queries(demo_data, use_data, monkeypatch):
    use_data(demo_data)
    monkeypatch.setattr(scenarios, "LAST_DAY", date(2025, 6, 30))  # the test demo's last day
    result = pandas_baseline.compare(repeat=7)  # raises if any pandas answer differs from the SQL
    assert set(result["pairs"]) == {"posts_over_time", "question_units", "flag_rates"}
    assert result["rows"]["posts"] > 1000 and result["rows"]["flags"] > 0


def _bound(function, options: dict) -> tuple:
    """(function, its options with the defaults filled in), comparable and hashable."""
    arguments = inspect.signature(function).bind(None, None, **options)
    arguments.apply_defaults()
    return function, tuple(sorted((k, v) for k, v in arguments.arguments.items() if k not in ("cursor", "filters")))


@pytest.fixture
def page_queries(monkeypatch) -> list[tuple]:
    """Every (query function, options) a page asks ui.data for, however it asks."""
    ran: list[tuple] = []

    def histograms(filters, by="all", top=10_000, **_):
        ran.extend(_bound(question_queries.response_histogram, {"by": by, "clock": clock, "top": top})
                   for clock in ("calendar", "service"))

    recorders = {
        "query": lambda function, filters=None, **options: ran.append(_bound(function, options)),
        "figure": lambda function, chart, filters, query=None, **_: ran.append(_bound(function, query or {})),
        "table": lambda function, builder, filters, query=None, **_: ran.append(_bound(function, query or {})),
        "response_table": histograms,
        "response_headline": histograms,
    }
    for name, record in recorders.items():
        original = getattr(data, name)

        def recording(*args, _record=record, _original=original, **kwargs):
            _record(*args, **kwargs)
            return _original(*args, **kwargs)

        monkeypatch.setattr(data, name, recording)
    return ran


@pytest.mark.app
@pytest.mark.parametrize("page", sorted(HEADINGS))
def test_the_benchmark_runs_the_queries_each_page_runs(page, demo_data, use_data, page_queries):
    """bench/scenarios.PAGE_QUERIES names functions, not strings, and lists exactly what the
    page asks for after a filter change: a page that adds or changes a query fails here until
    the benchmark follows."""
    use_data(demo_data)
    at = open_page(page)
    assert not at.exception, at.exception
    asked = {call for call in page_queries if call[0] not in SET_UP}
    assert asked, "the page ran its queries"
    assert asked == {_bound(function, options) for function, options in scenarios.PAGE_QUERIES[page]}


def test_every_page_is_in_the_benchmark():
    assert sorted(scenarios.PAGE_QUERIES) == sorted(HEADINGS)
