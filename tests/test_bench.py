"""The benchmark measures what the dashboard does: its baselines compute what the dashboard
computes (so their ratios compare like with like), and its bare-SQL figure runs exactly the
queries each page runs. Timings themselves are reported by the benchmark, never asserted here."""
from __future__ import annotations

import inspect
import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import duckdb
import pytest

from bench import pandas_baseline, scenarios
from tests.test_app import HEADINGS, HOME, open_page
from ui import data
from warehouse import queries, question_queries

pytestmark = pytest.mark.slow  # the benchmark's baselines and the pages it times

# Run by every page's set-up (filter options, the demo banner), cached from the first render:
# the benchmark's filter changes do not pay for them.
SET_UP = {queries.date_bounds, queries.region_options, queries.trust_options, queries.platform_options,
          queries.build_info, queries.data_gaps}


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


def test_the_browser_benchmark_lists_every_page():
    from bench import browser

    assert browser.HEADINGS == HEADINGS


def test_the_browser_benchmark_times_pages_in_chromium(demo_data, tmp_path):
    """bench/browser.py, tiny: the floor and two pages served by ``streamlit run``, one open
    and the sidebar changes of one scenario each, in Debian's Chromium. Checks that every wait
    ended settled with what it says it measured (frames, bytes, Chrome's counters, drawn
    charts), not how long it took."""
    pytest.importorskip("playwright")
    from bench import browser

    if not Path(browser.CHROMIUM).exists():
        pytest.skip(f"no Chromium at {browser.CHROMIUM} (Debian's package `chromium`)")
    pages = [HOME, "pages/3_Response_times.py"]
    result = browser.measure(demo_data, repeat=1, pages=pages, log_dir=tmp_path)
    assert list(result["pages"]) == [*browser.FLOORS, *pages]
    for name, figures in result["pages"].items():
        opened, changed = figures["open"], figures["change"]
        assert opened["n"] == 1 and changed["n"] >= 1, name  # scenario 1 picks a region: one rerun
        for sample in figures["opens"] + figures["changes"]:
            assert 0 < sample["seconds"] < browser.TIMEOUT_MS / 1000
            assert sample["frames"] > 0 and sample["bytes"] > 0  # the rerun's frames were seen
            assert sample["ws_frames"] > 0 and sample["ws_bytes"] > 0  # ... by Playwright too
            assert sample["TaskDuration"] > 0  # Chrome's counters over the wait
        assert len(figures["load_avg_1m"]) == 2
    overview = result["pages"][HOME]["opens"][0]
    assert overview["charts"] >= 1 and overview["elements"] > overview["charts"]  # "too few to chart" on a tiny demo
    assert result["pages"]["floor + 1 plotly chart"]["opens"][0]["charts"] == 1
    assert result["server_peak_rss_mb"] > 50


def test_the_benchmark_s_import_and_builds_run_on_demo_data(tmp_path):
    """``bench/run.py --skip-pages``: the demo is landed from its JSONL files as a demo run (an
    imported file may not claim ``source: demo``), built, grown by 10,000 posts and built
    again; every post stays demo data, so the pages can be timed in the open demo."""
    root = Path(__file__).resolve().parent.parent
    out = tmp_path / "bench.json"
    subprocess.run([sys.executable, "bench/run.py", "--posts", "3000", "--skip-pages", "--workdir",
                    str(tmp_path / "work"), "--json", str(out)], check=True, cwd=root, capture_output=True,
                   env={**os.environ, "RADSOME_PSEUDONYM_KEY": "test-key"})
    ingest = json.loads(out.read_text())["ingest"]
    # The increment is the newest posts re-keyed: all 3,000 here (10,000 of a larger demo).
    assert ingest["import_bulk_posts"] > 2500 and ingest["import_incremental_posts"] == 3000
    assert ingest["incremental_build_posts"] == ingest["build_posts"] + 3000
    # the refresh ran first: all 3,000 new posts reach more than 10% of the posts, so it built in full
    assert ingest["refresh_kind"] == "full" and "over 10%" in ingest["refresh_reason"] and ingest["refresh_s"] > 0
    con = duckdb.connect(str(tmp_path / "work" / "data" / "warehouse.duckdb"), read_only=True)
    try:
        demo, total = con.execute("SELECT count(*) FILTER (WHERE is_demo), count(*) FROM posts").fetchall()[0]
    finally:
        con.close()
    assert demo == total == ingest["incremental_build_posts"]


def test_the_scaling_table_puts_browser_figures_beside_the_server_s(capsys):
    """``bench/run.py --table`` prints, per page and run, the server's filter change p95 beside
    the browser's, the browser's open p95 and its ratio to that run's floor; a run without the
    import timed (``--reuse`` on data built elsewhere) shows a dash, not a crash."""
    from bench import browser, run

    def report(posts, server_p95, change_p95, open_p95, floor_p50, ingest):
        page = {"first_render_s": 1.0, "cached_rerun_s": 0.1, "filter_change_p50_s": 0.1,
                "filter_change_p95_s": server_p95, "bare_sql_p50_s": 0.05, "ratio_page_to_sql": 2.0}
        return {"posts": posts, "ingest": ingest, "pages": {"dashboard.py": page, "peak_rss_mb": 400.0},
                "browser": {"pages": {browser.FLOOR: {"open": {"p50_s": floor_p50}, "change": {}},
                                      "dashboard.py": {"open": {"p95_s": open_p95}, "change": {"p95_s": change_p95}}}}}

    timed = {"import_bulk_posts_per_s": 5000.0, "import_incremental_posts_per_s": 2000.0, "build_posts_per_s": 4000.0,
             "build_s": 250.0, "incremental_build_s": 60.0, "warehouse_mb": 600.0, "refresh_s": 12.5,
             "refresh_kind": "delta"}
    run.print_scaling([report(10_000_000, 0.31, 1.42, 3.3, 1.1, {}), report(1_000_000, 0.21, 0.87, 2.2, 1.0, timed)])
    out = capsys.readouterr().out
    assert "| 1,000,000 posts | 10,000,000 posts |" in out
    assert "| dashboard.py: filter change p95, server (s) | 0.21 | 0.31 |" in out
    assert "| dashboard.py: filter change p95, browser (s) | 0.87 | 1.42 |" in out
    assert "| dashboard.py: open p95, browser (s) | 2.20 | 3.30 |" in out
    assert "| dashboard.py: open p95 / floor open p50 | 2.2 | 3.0 |" in out
    assert "| floor (minimal page): open p50 in the browser (s) | 1.00 | 1.10 |" in out
    assert "| `python -m warehouse refresh`, 10 k new (s; what it did) | 12.5 (delta) | — |" in out
    assert "| full build (s) | 250.0 | — |" in out
