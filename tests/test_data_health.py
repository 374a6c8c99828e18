"""The Data health page: per source, the last run and success, failures, gaps, fetched posts
against the monthly budget and the cursor — from real connector runs on a real DuckDB."""
from __future__ import annotations

import pytest

from ingest import jobs
from ingest.connectors import retry
from tests.support import drawn_figures
from tests.support import post, published_query, write_jsonl
from tests.test_app import open_page, signed_in
from tests.test_connectors_base import CONNECTORS, SOURCES, ListConnector
from store import reader
from warehouse import health_queries
from warehouse.build import build

pytestmark = pytest.mark.app  # the Data health page, on real connector runs

PAGE = "pages/7_Data_health.py"


@pytest.fixture
def runs(data_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("RADSOME_TEST_TOKEN", "not-a-secret")
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / "sources.yaml"  # the default place: the page reads budgets from it
    path.write_text(SOURCES + "    fail_after: 1\n    budget: {per_month: 500}\n"
                    "  - name: broken-feed\n    feed: other\n    fail_after: 0\n")
    monkeypatch.setattr(ListConnector, "optional", ("fail_after", "budget"))
    monkeypatch.setattr(ListConnector, "failure", retry.GaveUp("rate limited until 1700000000 (epoch s)"))
    jobs.run_connector("mastodon", connectors=CONNECTORS, only="main-feed")
    monkeypatch.setattr(ListConnector, "failure", RuntimeError("malformed body"))
    jobs.run_connector("mastodon", connectors=CONNECTORS, only="broken-feed")
    jobs.import_file(write_jsonl(tmp_path / "leeds.jsonl", [post("1"), post("2", platform="nope")]))
    build()
    return path


def test_source_health_reports_each_source(runs):
    con = reader.connect_published()
    try:
        frame = health_queries.source_health(reader.reader_cursor(con), days=30).set_index("source")
    finally:
        con.close()
    assert list(frame.index) == ["mastodon:broken-feed", "file:leeds.jsonl", "mastodon:main-feed"]
    broken, ok, main = (frame.loc[s] for s in frame.index)
    assert broken["last_status"] == "failed" and broken["last_error"] == "RuntimeError: malformed body"
    assert (main["last_status"], main["last_new"], main["n_gaps"], main["month_fetched"]) == ("ok", 3, 1, 3)
    assert main["cursor"] == "since = 3" and "rate limited" in main["last_gap"]
    assert (ok["n_new"], ok["n_quarantined"]) == (1, 1)
    assert published_query("SELECT count(*) FROM coverage_gaps") == [(1,)]


def test_page_shows_failures_gaps_and_budget(runs):
    at = open_page(PAGE, user=signed_in("admin@nhs.net", "admin"))
    assert not at.exception, at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics == {"Sources": "3", "Last run failed": "1", "Coverage gaps": "1", "Quarantined rows": "1"}
    assert any("mastodon:broken-feed" in e.value and "malformed body" in e.value for e in at.error)
    table = at.dataframe[0].value.set_index("Source")
    assert table.loc["mastodon:main-feed", "Fetched this month"] == "3 of 500"
    assert table.loc["mastodon:main-feed", "Cursor"] == "since = 3"
    assert len(drawn_figures(at)) == 1
