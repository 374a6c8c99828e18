"""The Reddit connector (issue #5), replayed through praw and prawcore with ``responses``.

What is replayed: the real recorded responses of praw's own test cassette
(``../shared/realdata/reddit/praw_cassette_TestSubmission.test_comments.json``): the OAuth
token answer and the thread ``/comments/2gmzqe`` exactly as Reddit sent it (the same thread
as ``reddit_thread_redditdev_2gmzqe.json``). The subreddit listing that points at it is
written here (the cassette has none): a Listing of the real submission's own JSON. Nothing
reaches the network: ``responses`` refuses any request not registered, the token request
included, and praw's update check is off.
"""
from __future__ import annotations

import copy
import json
import time
from datetime import datetime, timezone

import pytest
import requests
import responses
from responses import matchers

from ingest import jobs
from ingest.connectors import config as sources
from ingest.connectors.config import SourcesFileError
from ingest.connectors.reddit import RedditConnector
from tests.support import raw_query, realdata

pytestmark = pytest.mark.slow  # connector replays of recorded HTTP

TOKEN_URL = "https://www.reddit.com/api/v1/access_token"
API = "https://oauth.reddit.com"
THREAD_URL = f"{API}/comments/2gmzqe/"
NEW_URL = f"{API}/r/redditdev/new"
SOURCES = "reddit:\n  - name: redditdev\n    subreddit: r/redditdev\n"
CONNECTORS = {"reddit": RedditConnector}
EXPECTED = [  # (post_id, parent_id, thread_id, author_id, created_at): worked out from the recording
    ("t1_cklfmye", "t3_2gmzqe", "t3_2gmzqe", "paneer_burrito", datetime(2014, 9, 18, 1, 51, 52, tzinfo=timezone.utc)),
    ("t1_cklhv0f", "t1_cklfmye", "t3_2gmzqe", "bboe", datetime(2014, 9, 18, 3, 13, 54, tzinfo=timezone.utc)),
    ("t3_2gmzqe", None, "t3_2gmzqe", "bboe", datetime(2014, 9, 17, 6, 34, 31, tzinfo=timezone.utc)),
]


@pytest.fixture
def recorded():
    cassette = json.loads(realdata("reddit/praw_cassette_TestSubmission.test_comments.json").read_text())
    token, thread = (i["response"]["body"]["string"] for i in cassette["interactions"])
    listings = json.loads(realdata("reddit/reddit_thread_redditdev_2gmzqe.json").read_text())
    assert json.loads(thread) == listings  # the cassette's body is that thread
    return {"token": token, "thread": thread, "listings": listings}


def _listing(*submissions: dict, after: str | None = None) -> str:
    return json.dumps({"kind": "Listing", "data": {
        "modhash": "", "dist": len(submissions), "after": after, "before": None,
        "children": [{"kind": "t3", "data": s} for s in submissions]}})


def _submission(recorded) -> dict:
    return recorded["listings"][0]["data"]["children"][0]["data"]


@pytest.fixture
def waits(monkeypatch):
    """Every sleep (the retry mechanism's and any of praw's), recorded instead of slept; the
    clock moves on by what was slept instead."""
    slept: list[float] = []
    clock = [time.time()]

    def sleep(seconds):
        slept.append(seconds)
        clock[0] += seconds

    monkeypatch.setattr(time, "sleep", sleep)
    monkeypatch.setattr(time, "time", lambda: clock[0])
    return slept


@pytest.fixture
def configured(data_dir, tmp_path, monkeypatch, waits):
    monkeypatch.setenv("REDDIT_CLIENT_ID", "test-client-id")
    monkeypatch.setenv("REDDIT_CLIENT_SECRET", "test-client-secret")
    monkeypatch.delenv("REDDIT_USER_AGENT", raising=False)
    path = tmp_path / "sources.yaml"
    path.write_text(SOURCES)
    return path


@pytest.fixture
def api(recorded):
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.post(TOKEN_URL, body=recorded["token"], content_type="application/json; charset=UTF-8")
        yield mock


def _serve_thread(api, body: str, **kwargs):
    api.get(THREAD_URL, body=body, content_type="application/json; charset=UTF-8", **kwargs)


def _run(configured):
    results, skipped = jobs.run_connector("reddit", configured, connectors=CONNECTORS)
    assert skipped == [] and len(results) == 1
    return results[0]


def _stored():
    return raw_query("SELECT post_id, parent_id, thread_id, author_id, created_at FROM raw_posts ORDER BY post_id")


def test_a_thread_lands_exactly_and_a_second_run_adds_nothing(configured, api, recorded, waits):
    api.get(NEW_URL, body=_listing(_submission(recorded)),
            match=[matchers.query_param_matcher({"limit": "100", "raw_json": "1"})])
    _serve_thread(api, recorded["thread"],
                  match=[matchers.query_param_matcher({"limit": "500", "sort": "old", "raw_json": "1"})])
    result = _run(configured)
    assert (result.error, result.gaps) == (None, [])
    assert (result.pages, result.fetched, result.counts.new, result.counts.quarantined) == (1, 3, 3, 0)
    assert _stored() == EXPECTED
    assert raw_query("SELECT DISTINCT source, origin FROM raw_posts") == [
        ("reddit:redditdev", f"{THREAD_URL}?limit=500&sort=old&raw_json=1")]
    # each item's payload is its exact text in Reddit's body; a comment's nested replies (items
    # of their own) are cut to "", as Reddit writes a comment without replies
    payloads = dict(raw_query("SELECT post_id, payload FROM raw_posts"))
    thread = recorded["listings"]
    question = thread[1]["data"]["children"][0]
    answer = question["data"]["replies"]["data"]["children"][0]
    assert json.loads(payloads["t3_2gmzqe"]) == thread[0]["data"]["children"][0]
    assert json.loads(payloads["t1_cklfmye"]) == question | {"data": question["data"] | {"replies": ""}}
    assert json.loads(payloads["t1_cklhv0f"]) == answer and answer["data"]["replies"] == ""
    for post_id in ("t3_2gmzqe", "t1_cklhv0f"):
        assert payloads[post_id] in recorded["thread"]
    before, after = payloads["t1_cklfmye"].split('"replies": ""')
    assert before in recorded["thread"] and after in recorded["thread"]
    assert raw_query("SELECT cursor_key, value FROM cursors ORDER BY cursor_key") == [
        ("newest_created_utc", "1410935671"), ("newest_id", "t3_2gmzqe")]
    # praw asked for a token with the app's credentials and sent it as a bearer token
    token_call, *calls = api.calls
    body = token_call.request.body
    assert token_call.request.url == TOKEN_URL
    assert "grant_type=client_credentials" in (body.decode() if isinstance(body, bytes) else body)
    assert token_call.request.headers["Authorization"].startswith("Basic ")
    assert {c.request.headers["Authorization"] for c in calls} == {"bearer <ACCESS_TOKEN>"}
    assert all(c.request.headers["User-Agent"].startswith("RadSoMe/1.0") for c in calls)
    assert waits == []

    again = _run(configured)  # the thread is in the recheck window: fetched again, nothing new
    assert (again.counts.read, again.counts.new, again.counts.duplicate) == (3, 0, 3)
    assert _stored() == EXPECTED
    assert raw_query("SELECT count(*) FROM ingest_runs WHERE status = 'ok'") == [(2,)]


def test_a_429_waits_for_reddits_reset_then_continues(configured, api, recorded, waits):
    api.get(NEW_URL, body=_listing(_submission(recorded)))
    api.get(THREAD_URL, status=429, body='{"message": "Too Many Requests", "error": 429}',
            headers={"x-ratelimit-remaining": "0", "x-ratelimit-used": "100", "x-ratelimit-reset": "30"})
    _serve_thread(api, recorded["thread"])
    result = _run(configured)
    assert (result.gaps, result.counts.new) == ([], 3)
    assert waits == [31.0]  # Reddit's reset (seconds), plus a second; praw did not wait as well
    assert _stored() == EXPECTED


def test_a_used_up_quota_waits_for_the_reset_before_the_next_request(configured, api, recorded, waits):
    api.get(NEW_URL, body=_listing(_submission(recorded)),
            headers={"x-ratelimit-remaining": "0.0", "x-ratelimit-used": "600", "x-ratelimit-reset": "42"})
    _serve_thread(api, recorded["thread"])
    result = _run(configured)
    assert (result.gaps, result.counts.new) == ([], 3)
    assert waits == [43.0]  # once, by the retry mechanism; no request was sent to be refused
    assert len(api.calls) == 3


def test_a_thread_removed_whole_lands_nothing_and_is_recorded_deleted(configured, api, recorded):
    api.get(NEW_URL, body=_listing(_submission(recorded)))
    _serve_thread(api, recorded["thread"])
    assert _run(configured).counts.new == 3
    later = copy.deepcopy(recorded["listings"])
    later[0]["data"]["children"][0]["data"].update(selftext="[removed]", removed_by_category="moderator")
    question = later[1]["data"]["children"][0]["data"]
    question.update(body="[removed]", author="[deleted]")
    question["replies"]["data"]["children"][0]["data"].update(body="[deleted]", author="[deleted]")
    api.replace(responses.GET, THREAD_URL, body=json.dumps(later), content_type="application/json")
    result = _run(configured)
    assert (result.pages, result.counts.read, result.counts.deleted) == (1, 0, 3)
    assert raw_query("SELECT post_id FROM deletions ORDER BY post_id") == [
        ("t1_cklfmye",), ("t1_cklhv0f",), ("t3_2gmzqe",)]
    assert raw_query("SELECT count(*) FROM raw_posts") == [(0,)]


def test_a_429_with_a_long_reset_keeps_what_was_landed_and_records_a_gap(configured, api, recorded, waits):
    later = _submission(recorded) | {"id": "2gn0aa", "name": "t3_2gn0aa", "created_utc": 1410940000.0}
    api.get(NEW_URL, body=_listing(later, _submission(recorded)))
    _serve_thread(api, recorded["thread"])
    api.get(f"{API}/comments/2gn0aa/", status=429, body="{}", headers={"x-ratelimit-reset": "600"})
    result = _run(configured)
    assert result.counts.new == 3 and waits == []
    assert len(result.gaps) == 1 and result.gaps[0].startswith("rate limited until")
    assert raw_query("SELECT cursor_at FROM coverage_gaps") == [
        ('{"newest_created_utc": "1410935671", "newest_id": "t3_2gmzqe"}',)]


def test_a_500_backs_off_then_continues(configured, api, recorded, waits):
    api.get(NEW_URL, status=500, body="<html>500 Internal Server Error</html>")
    api.get(NEW_URL, body=_listing(_submission(recorded)))
    _serve_thread(api, recorded["thread"], status=503)
    _serve_thread(api, recorded["thread"])
    result = _run(configured)
    assert (result.gaps, result.counts.new) == ([], 3)
    assert waits == [1.0, 1.0]  # one back-off each; praw's own retries did not run
    assert [c.request.url.split("?")[0] for c in api.calls[1:]] == [NEW_URL, NEW_URL, THREAD_URL, THREAD_URL]


def test_timeouts_give_up_with_a_gap_and_the_next_run_resumes(configured, api, recorded, waits):
    api.get(NEW_URL, body=_listing(_submission(recorded)))
    api.get(THREAD_URL, body=requests.exceptions.ReadTimeout("read timed out"))
    result = _run(configured)
    assert result.counts.new == 0 and waits == [1.0, 2.0, 4.0]
    assert result.gaps == [f"ReadTimeout from {THREAD_URL} (after 4 tries)"]
    assert raw_query("SELECT source, reason FROM coverage_gaps") == [("reddit:redditdev", result.gaps[0])]
    assert raw_query("SELECT count(*) FROM cursors") == [(0,)]

    api.replace(responses.GET, THREAD_URL, body=recorded["thread"], content_type="application/json")
    assert _run(configured).counts.new == 3 and _stored() == EXPECTED


def test_a_malformed_thread_is_quarantined_and_the_others_kept(configured, api, recorded):
    later = _submission(recorded) | {"id": "2gn0aa", "name": "t3_2gn0aa", "created_utc": 1410940000.0}
    api.get(NEW_URL, body=_listing(later, _submission(recorded)))
    _serve_thread(api, recorded["thread"])
    truncated = recorded["thread"][:500]
    api.get(f"{API}/comments/2gn0aa/", body=truncated, content_type="application/json")
    result = _run(configured)
    assert (result.gaps, result.error, result.counts.new, result.counts.quarantined) == ([], None, 3, 1)
    assert _stored() == EXPECTED
    (row,) = raw_query("SELECT origin, field, reason, record FROM quarantine")
    assert row[0] == f"{API}/comments/2gn0aa/?limit=500&sort=old&raw_json=1" and row[1] == "record"
    assert row[2].startswith("reddit: comments of t3_2gn0aa: the response is not JSON (Unterminated string")
    assert row[3] == truncated  # the body as received
    assert raw_query("SELECT value FROM cursors WHERE cursor_key = 'newest_id'") == [("t3_2gn0aa",)]


def test_a_malformed_listing_records_a_gap_and_stores_nothing(configured, api, recorded):
    api.get(NEW_URL, body="<html><body>Our servers are busy</body></html>", content_type="text/html")
    result = _run(configured)
    assert result.error is None and result.counts.read == 0
    assert result.gaps == ["r/redditdev new listing, page 1: the response is not JSON"
                           " (Expecting value: line 1 column 1 (char 0))"]
    assert raw_query("SELECT count(*) FROM raw_posts") == [(0,)]
    assert raw_query("SELECT count(*) FROM cursors") == [(0,)]


def test_a_listing_stopping_part_way_lands_without_moving_the_cursor(configured, api, recorded, waits):
    api.get(NEW_URL, body=_listing(_submission(recorded), after="t3_2gmzqe"),
            match=[matchers.query_param_matcher({"limit": "100", "raw_json": "1"})])
    api.get(NEW_URL, status=502, body="bad gateway",
            match=[matchers.query_param_matcher({"limit": "100", "after": "t3_2gmzqe", "raw_json": "1"})])
    _serve_thread(api, recorded["thread"])
    result = _run(configured)
    assert result.counts.new == 3 and _stored() == EXPECTED
    assert result.gaps == [f"r/redditdev new listing, page 2: HTTP 502 from {NEW_URL} (after 4 tries)"]
    assert raw_query("SELECT count(*) FROM cursors") == [(0,)]


def test_a_comment_deleted_on_a_later_fetch_is_recorded_and_its_text_dropped(configured, api, recorded):
    api.get(NEW_URL, body=_listing(_submission(recorded)))
    _serve_thread(api, recorded["thread"])
    assert _run(configured).counts.new == 3

    later = copy.deepcopy(recorded["listings"])
    answer = later[1]["data"]["children"][0]["data"]["replies"]["data"]["children"][0]["data"]
    answer.update(body="[deleted]", author="[deleted]", body_html="<div class=\"md\"><p>[deleted]</p></div>")
    api.replace(responses.GET, THREAD_URL, body=json.dumps(later), content_type="application/json")
    result = _run(configured)
    assert (result.counts.new, result.counts.duplicate, result.counts.deleted) == (0, 2, 1)
    assert raw_query("SELECT platform, post_id FROM deletions") == [("reddit", "t1_cklhv0f")]
    assert _stored() == [r for r in EXPECTED if r[0] != "t1_cklhv0f"]
    assert raw_query("SELECT count(*) FROM raw_posts WHERE payload LIKE '%That fix is also in the master branch%'") == [(0,)]


def test_a_search_target_asks_reddits_search_sorted_by_new(configured, api, recorded):
    configured.write_text(SOURCES + "    search: comments\n    limit: 5\n    recheck_days: 0\n")
    api.get(f"{API}/r/redditdev/search", body=_listing(_submission(recorded)), match=[matchers.query_param_matcher(
        {"q": "comments", "restrict_sr": "1", "sort": "new", "t": "all", "limit": "100", "raw_json": "1"})])
    _serve_thread(api, recorded["thread"])
    assert _run(configured).counts.new == 3
    again = _run(configured)  # no recheck window: the thread is not fetched again
    assert (again.pages, again.counts.read) == (0, 0)


def test_refused_credentials_are_one_clear_error(configured, recorded):
    with responses.RequestsMock() as mock:
        mock.post(TOKEN_URL, status=401, json={"message": "Unauthorized", "error": 401})
        result = _run(configured)
    assert "credentials were refused" in result.error and "REDDIT_CLIENT_SECRET" in result.error
    assert "test-client-secret" not in result.error


def test_an_unknown_subreddit_is_one_clear_error_and_a_vanished_thread_is_skipped(configured, api, recorded):
    api.get(NEW_URL, status=302, headers={"location": "https://www.reddit.com/subreddits/search?q=redditdev"})
    result = _run(configured)
    assert result.error == ("reddit: r/redditdev is private, banned or does not exist"
                            " (HTTP 302 on /r/redditdev/new)")
    later = _submission(recorded) | {"id": "2gn0aa", "name": "t3_2gn0aa", "created_utc": 1410940000.0}
    api.replace(responses.GET, NEW_URL, body=_listing(later, _submission(recorded)))
    _serve_thread(api, recorded["thread"])
    api.get(f"{API}/comments/2gn0aa/", status=404, json={"message": "Not Found", "error": 404})
    result = _run(configured)
    assert (result.error, result.gaps, result.pages, result.counts.new) == (None, [], 2, 3)
    assert raw_query("SELECT count(*) FROM deletions") == [(0,)]


def test_missing_credentials_skip_the_source(configured, monkeypatch):
    monkeypatch.delenv("REDDIT_CLIENT_SECRET")
    results, skipped = jobs.run_connector("reddit", configured, connectors=CONNECTORS)
    assert results == [] and len(skipped) == 1 and "REDDIT_CLIENT_SECRET" in skipped[0]
    assert "reddit.com/prefs/apps" in skipped[0]


@pytest.mark.parametrize("fields,line,words", [
    ("    subreddit: 'NHS; DROP'\n", 3, "field 'subreddit': a subreddit's name"),
    ("    subreddit: NHS\n    limit: 0\n", 4, "field 'limit': a whole number from 1 to 1000"),
    ("    subreddit: NHS\n    search: ''\n", 4, "field 'search': a search query"),
    ("    subreddit: NHS\n    recheck_days: -1\n", 4, "field 'recheck_days'"),
])
def test_target_fields_are_checked(tmp_path, fields, line, words):
    path = tmp_path / "sources.yaml"
    path.write_text("reddit:\n  - name: a\n" + fields)
    with pytest.raises(SourcesFileError) as error:
        sources.load(path, CONNECTORS)
    assert str(error.value).startswith(f"{path}:{line}:") and words in str(error.value)


def test_target_fields_are_normalised(tmp_path):
    path = tmp_path / "sources.yaml"
    path.write_text("reddit:\n  - name: a\n    subreddit: /r/NHS/\n    search: ' mammogram '\n"
                    "  - {name: b, subreddit: NHS+Radiology, limit: 20, recheck_days: 2}\n")
    first, second = sources.load(path, CONNECTORS)["reddit"]
    assert first.options == {"subreddit": "NHS", "search": "mammogram", "limit": 100, "recheck_days": 7}
    assert second.options == {"subreddit": "NHS+Radiology", "limit": 20, "recheck_days": 2}
