"""The connector framework (issue #5): sources file, credentials, page-by-page landing with
the cursor in the same transaction, resumption, retries and coverage gaps. A small real
connector class stands in for a platform here; the platforms' own connectors are tested by
replaying recorded HTTP through their client libraries (tests/test_connector_*.py)."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

import pytest

from ingest import jobs
from ingest.connectors import config as sources, retry
from ingest.connectors.base import Connector, Item, Page
from ingest.connectors.config import SourcesFileError
from store import config
from tests.support import ROOT, raw_query


def _record(i: int) -> dict:
    return {"platform": "mastodon", "post_id": str(i), "author_id": f"a{i}",
            "created_at": f"2025-03-01T10:{i:02d}:00+00:00", "text": f"post {i}"}


class ListConnector(Connector):
    """Pages of three posts from a fixed list; ``since`` is its cursor. ``fail_after`` pages,
    it raises ``failure`` (a retry.GaveUp, or any exception)."""
    name, platform = "mastodon", "mastodon"
    required, optional = ("feed",), ("fail_after",)
    credential_names = ("RADSOME_TEST_TOKEN",)
    setup_help = "a test token"
    posts = list(range(1, 10))
    failure: BaseException | None = None

    @classmethod
    def check_options(cls, options):
        if options["feed"] not in ("main", "other"):
            raise ValueError("must be main or other", "feed")
        return options

    def pages(self, cursor):
        since = int(cursor.get("since", 0))
        todo = [p for p in self.posts if p > since]
        for n, start in enumerate(range(0, len(todo), 3)):
            if self.failure is not None and n == self.target.options.get("fail_after", 99):
                raise self.failure
            chunk = todo[start:start + 3]
            items = [Item(json.dumps({"id": i, "raw": True}), _record(i)) for i in chunk]
            if 5 in chunk:
                items.append(Item('{"id": "broken"}', None, "mastodon: status 1: missing field 'account'"))
            yield Page(items, f"https://example.org/api/v1/timelines/{self.target.options['feed']}",
                       {"since": str(chunk[-1])}, fetched=len(items))


CONNECTORS = {"mastodon": ListConnector}
SOURCES = "mastodon:\n  - name: main-feed\n    feed: main\n    trust: RR8\n"


@pytest.fixture
def configured(data_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("RADSOME_TEST_TOKEN", "not-a-secret")
    monkeypatch.setattr(ListConnector, "failure", None)
    path = tmp_path / "sources.yaml"
    path.write_text(SOURCES)
    return path


def test_pages_land_with_their_cursor_and_a_rerun_adds_nothing(configured):
    results, skipped = jobs.run_connector("mastodon", configured, connectors=CONNECTORS)
    assert skipped == [] and len(results) == 1
    result = results[0]
    assert (result.pages, result.fetched, result.counts.new, result.counts.quarantined) == (3, 10, 9, 1)
    assert raw_query("SELECT value FROM cursors WHERE source = 'mastodon:main-feed'") == [("9",)]
    assert raw_query("SELECT DISTINCT source, trust_code FROM raw_posts") == [("mastodon:main-feed", "RR8")]
    payload = raw_query("SELECT payload, origin FROM raw_posts WHERE post_id = '4'")[0]
    assert json.loads(payload[0]) == {"id": 4, "raw": True}  # untouched item, with its request
    assert payload[1] == "https://example.org/api/v1/timelines/main"
    quarantined = raw_query("SELECT field, reason FROM quarantine")
    assert quarantined == [("record", "mastodon: status 1: missing field 'account'")]
    assert raw_query("SELECT connector, fetched, pages FROM connector_fetches") == [("mastodon", 10, 3)]
    again, _ = jobs.run_connector("mastodon", configured, connectors=CONNECTORS)
    assert again[0].counts.read == 0 and raw_query("SELECT count(*) FROM raw_posts") == [(9,)]


def test_a_gap_keeps_what_was_fetched_and_the_next_run_resumes(configured, monkeypatch):
    configured.write_text(SOURCES + "    fail_after: 1\n")
    monkeypatch.setattr(ListConnector, "failure", retry.GaveUp("rate limited until 1700000000 (epoch s)"))
    result = jobs.run_connector("mastodon", configured, connectors=CONNECTORS)[0][0]
    assert result.counts.new == 3 and result.gaps == ["rate limited until 1700000000 (epoch s)"]
    assert raw_query("SELECT value FROM cursors") == [("3",)]
    gap = raw_query("SELECT source, cursor_at, reason FROM coverage_gaps")
    assert gap == [("mastodon:main-feed", '{"since": "3"}', "rate limited until 1700000000 (epoch s)")]
    assert raw_query("SELECT status FROM ingest_runs") == [("ok",)]
    monkeypatch.setattr(ListConnector, "failure", None)
    result = jobs.run_connector("mastodon", configured, connectors=CONNECTORS)[0][0]
    assert result.counts.new == 6 and raw_query("SELECT count(*), count(DISTINCT post_id) FROM raw_posts") == [(9, 9)]


def test_an_error_keeps_committed_pages_and_other_targets_run(configured, monkeypatch):
    configured.write_text(SOURCES + "    fail_after: 2\n  - name: other-feed\n    feed: other\n")
    monkeypatch.setattr(ListConnector, "failure", RuntimeError("malformed body"))
    results, _ = jobs.run_connector("mastodon", configured, connectors=CONNECTORS)
    assert [r.error for r in results] == ["RuntimeError: malformed body", None]
    assert raw_query("SELECT source, value FROM cursors ORDER BY source") == [
        ("mastodon:main-feed", "6"), ("mastodon:other-feed", "9")]
    assert raw_query("SELECT status FROM ingest_runs ORDER BY started_at") == [("failed",), ("ok",)]


def test_missing_credentials_skip_the_source_with_one_line(configured, monkeypatch):
    monkeypatch.delenv("RADSOME_TEST_TOKEN")
    results, skipped = jobs.run_connector("mastodon", configured, connectors=CONNECTORS)
    assert results == [] and len(skipped) == 1 and "RADSOME_TEST_TOKEN" in skipped[0]
    assert "\n" not in skipped[0]

    assert not config.raw_path().exists()  # nothing was opened, let alone written


@pytest.mark.parametrize("text,line,words", [
    ("mastodon:\n  - name: a\n    feed: nope\n", 3, "field 'feed': must be main or other"),
    ("mastodon:\n  - name: a\n", 2, "field 'feed': required"),
    ("mastodon:\n  - name: a\n    feed: main\n    colour: red\n", 4, "field 'colour': unknown field"),
    ("mastodon:\n  - {name: a, feed: main}\n  - {name: a, feed: other}\n", 3, "'a' is used twice"),
    ("myspace:\n  - name: a\n", 1, "unknown connector"),
])
def test_sources_file_errors_name_file_line_and_field(tmp_path, text, line, words):
    path = tmp_path / "sources.yaml"
    path.write_text(text)
    with pytest.raises(SourcesFileError) as error:
        sources.load(path, CONNECTORS)
    assert str(error.value).startswith(f"{path}:{line}:") and words in str(error.value)


def test_retry_waits_for_the_reset_backs_off_and_gives_up():
    clock, waits = [1_000.0], []

    def sleep(seconds):
        waits.append(seconds)
        clock[0] += seconds

    calls = iter([retry.RateLimited("429", reset_at=1_030.0), retry.Transient("503"),
                  retry.Transient("timeout"), "ok"])

    def fn():
        value = next(calls)
        if isinstance(value, Exception):
            raise value
        return value

    assert retry.call(fn, sleep=sleep, now=lambda: clock[0]) == "ok"
    assert waits == [31.0, 1.0, 2.0]
    with pytest.raises(retry.GaveUp, match="rate limited until"):
        retry.call(lambda: (_ for _ in ()).throw(retry.RateLimited("429", reset_at=clock[0] + 3600)),
                   sleep=sleep, now=lambda: clock[0])
    with pytest.raises(retry.GaveUp, match="after 4 tries"):
        retry.call(lambda: (_ for _ in ()).throw(retry.Transient("500")), sleep=sleep, now=lambda: clock[0])
    assert retry.reset_from_headers({"x-rate-limit-reset": "1700000000"}) == 1_700_000_000
    assert retry.reset_from_headers({"Retry-After": "30"}, now=100.0) == 130.0


@pytest.mark.slow
@pytest.mark.parametrize("point", ["after_land", "before_commit", "land_after_commit"])
def test_a_run_killed_mid_page_keeps_cursor_and_posts_in_step(configured, point):
    """SIGKILL inside the second page's transaction (or just after it commits): the cursor
    matches exactly the pages whose posts are stored, and the next run completes without
    duplicates."""


    script = (
        "import os, sys\n"
        "from ingest import jobs\n"
        "from store.runs import fault_point\n"
        "from tests.test_connectors_base import CONNECTORS, ListConnector\n"
        "pages = ListConnector.pages\n"
        "def counted(self, cursor):\n"
        "    for n, page in enumerate(pages(self, cursor)):\n"
        "        if n == 1:\n"
        "            os.environ['RADSOME_FAULT'] = sys.argv[2]\n"
        "        yield page\n"
        "ListConnector.pages = counted\n"
        "jobs.run_connector('mastodon', sys.argv[1], connectors=CONNECTORS)\n"
    )
    done = subprocess.run([sys.executable, "-c", script, str(configured), point], cwd=ROOT,
                          env=dict(os.environ), capture_output=True, text=True, timeout=120)
    assert done.returncode == -signal.SIGKILL, done.stderr
    stored = raw_query("SELECT count(*) FROM raw_posts")[0][0]
    cursor = raw_query("SELECT value FROM cursors")
    expected = {"after_land": (3, "3"), "before_commit": (3, "3"), "land_after_commit": (6, "6")}[point]
    assert (stored, cursor[0][0]) == expected
    results, _ = jobs.run_connector("mastodon", configured, connectors=CONNECTORS)
    assert raw_query("SELECT count(*), count(DISTINCT post_id) FROM raw_posts") == [(9, 9)]
    assert raw_query("SELECT value FROM cursors") == [("9",)]
    assert raw_query("SELECT status FROM ingest_runs ORDER BY started_at") == [("interrupted",), ("ok",)]
