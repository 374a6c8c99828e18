"""The X connector (issue #5), run through tweepy's real ``Client`` against recorded X API v2
responses replayed with ``responses`` (no network): ``../shared/realdata/twitter/``'s search
page (100 UK tweets with conversations and expansions) and tweepy's own search cassette.

A small stand-in for the search endpoint (:class:`FakeSearch`) serves the recorded tweets the
way X does — newest first, ``since_id`` exclusive, at most ``max_results`` (or its own page
size) per page, a ``next_token`` while more remain, ``includes`` holding only what the page
references — and can be told to answer some requests with a 429, a 500, a timeout or a
malformed body first. Expected values are computed from the recorded file here, independently
of the transform."""
from __future__ import annotations

import json
import logging
import re
import time
from datetime import datetime, timezone
from urllib.parse import parse_qs, urlparse

import pytest
import requests
import responses

from ingest import jobs
from ingest.connectors import config as sources
from ingest.connectors.config import SourcesFileError
from ingest.connectors.x import XConnector
from ingest.sources import SourceFormatError, x as transform
from tests.support import published_query, raw_query, realdata
from warehouse.build import build

pytestmark = pytest.mark.slow  # connector replays of recorded HTTP

SEARCH = re.compile(r"https://api\.twitter\.com/2/tweets/search/(recent|all)")
TOKEN = "test-bearer-token-not-a-secret"
SOURCE = "x:brexit"


def _recorded() -> dict:
    return json.loads(realdata("twitter/twarc_csv_brexit.jsonl").read_text(encoding="utf-8").splitlines()[0])


class FakeSearch:
    """X's search endpoint over a fixed set of recorded tweets (see the module notes)."""
    def __init__(self, page: dict, page_size: int = 100):
        self.tweets = sorted(page["data"], key=lambda t: int(t["id"]), reverse=True)
        self.users = {u["id"]: u for u in page["includes"]["users"]}
        self.referenced = {t["id"]: t for t in page["includes"]["tweets"]}
        self.first_token = page["meta"]["next_token"]  # the recorded token, then made-up ones
        self.page_size = page_size
        self.script: list = []   # answers to give first: (status, headers, body), an exception or None
        self.requests: list[dict] = []

    def __call__(self, request):
        params = {k: v[0] for k, v in parse_qs(urlparse(request.url).query).items()}
        self.requests.append(params | {"_authorization": request.headers.get("Authorization")})
        answer = self.script.pop(0) if self.script else None  # None: serve as X would
        if isinstance(answer, BaseException):
            raise answer
        if answer is not None:
            return answer
        since = int(params.get("since_id", 0))
        eligible = [t for t in self.tweets if int(t["id"]) > since]
        offset = int(params["next_token"].rsplit("-", 1)[1]) if "next_token" in params else 0
        chunk = eligible[offset:offset + min(int(params["max_results"]), self.page_size)]
        if not chunk:
            return 200, {}, json.dumps({"meta": {"result_count": 0}})
        meta = {"newest_id": chunk[0]["id"], "oldest_id": chunk[-1]["id"], "result_count": len(chunk)}
        if offset + len(chunk) < len(eligible):
            meta["next_token"] = f"{self.first_token}-{offset + len(chunk)}"
        refs = [r["id"] for t in chunk for r in t.get("referenced_tweets", [])]
        tweets = [self.referenced[i] for i in dict.fromkeys(refs) if i in self.referenced]
        user_ids = [t["author_id"] for t in chunk + tweets] + [t["in_reply_to_user_id"] for t in chunk
                                                                if "in_reply_to_user_id" in t]
        users = [self.users[i] for i in dict.fromkeys(user_ids) if i in self.users]
        return 200, {"x-rate-limit-remaining": "449"}, json.dumps(
            {"data": chunk, "includes": {"users": users, "tweets": tweets}, "meta": meta})


@pytest.fixture
def recorded():
    return _recorded()


@pytest.fixture
def x_sources(data_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("X_BEARER_TOKEN", TOKEN)

    def write(extra: str = "") -> object:
        path = tmp_path / "sources.yaml"
        path.write_text(f"x:\n  - name: brexit\n    query: \"#brexit\"\n    trust: RR8\n{extra}")
        return path

    return write


@pytest.fixture
def server(recorded):
    fake = FakeSearch(recorded)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add_callback(responses.GET, SEARCH, callback=fake)
        yield fake


def _run(path):
    results, skipped = jobs.run_connector("x", path)
    assert skipped == [] and len(results) == 1
    return results[0]


def _expected(page: dict) -> dict[str, dict]:
    """Independently of the transform: every tweet of ``data`` and every post a reply of
    ``data`` answers (from ``includes.tweets``), with parent, thread, time, author and bio."""
    users = {u["id"]: u for u in page["includes"]["users"]}
    referenced = {t["id"]: t for t in page["includes"]["tweets"]}
    wanted = list(page["data"])
    for tweet in page["data"]:
        for ref in tweet.get("referenced_tweets", []):
            if ref["type"] == "replied_to" and ref["id"] in referenced:
                wanted.append(referenced[ref["id"]])
    out = {}
    for tweet in wanted:
        parents = [r["id"] for r in tweet.get("referenced_tweets", []) if r["type"] == "replied_to"]
        out[tweet["id"]] = {
            "parent_id": parents[0] if parents else None,
            "thread_id": tweet["conversation_id"],
            "created_at": tweet["created_at"],
            "author_id": tweet["author_id"],
            "author_bio": users.get(tweet["author_id"], {}).get("description") or None,
            "text": tweet["text"],
        }
    return out


def _landed() -> dict[str, dict]:
    rows = raw_query("SELECT post_id, parent_id, thread_id,"
                     " strftime(created_at AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%S.000Z'),"
                     " author_id, author_bio, text FROM raw_posts")
    return {r[0]: dict(zip(("parent_id", "thread_id", "created_at", "author_id", "author_bio", "text"), r[1:]))
            for r in rows}


def _cursor() -> dict[str, str]:
    return dict(raw_query(f"SELECT cursor_key, value FROM cursors WHERE source = '{SOURCE}'"))


# -- the recorded page, landed exactly ----------------------------------------------------

def test_recorded_page_replays_through_tweepy_and_lands_exactly(x_sources, recorded):
    """The recorded response body, served verbatim, then X's empty last answer."""
    with responses.RequestsMock() as mock:
        mock.add(responses.GET, SEARCH, json=recorded)
        mock.add(responses.GET, SEARCH, json={"meta": {"result_count": 0}})
        result = _run(x_sources())
        sent = [urlparse(c.request.url) for c in mock.calls]
    expected = _expected(recorded)
    replies = [t for t in recorded["data"] if any(r["type"] == "replied_to" for r in t.get("referenced_tweets", []))]
    assert len(recorded["data"]) == 100 and len(replies) == 10 and len(expected) == 110  # 10 parents, none in data
    assert (result.fetched, result.pages, result.counts.new, result.counts.quarantined) == (100, 2, 110, 0)
    assert _landed() == expected
    # the request: recent search, the fields and expansions threads and roles need, no token in the URL
    first = parse_qs(sent[0].query)
    assert sent[0].path == "/2/tweets/search/recent" and first["query"] == ["#brexit"]
    assert set(first["expansions"][0].split(",")) >= {"author_id", "referenced_tweets.id", "in_reply_to_user_id"}
    assert set(first["tweet.fields"][0].split(",")) >= {"created_at", "conversation_id", "referenced_tweets",
                                                       "in_reply_to_user_id", "author_id"}
    assert set(first["user.fields"][0].split(",")) >= {"description", "location"}
    assert parse_qs(sent[1].query)["next_token"] == [recorded["meta"]["next_token"]]
    # each payload is the tweet and its author exactly as sent, with the request it came from
    tweet = replies[0]
    payload, origin = raw_query("SELECT payload, origin FROM raw_posts WHERE post_id = $i", {"i": tweet["id"]})[0]
    author = next(u for u in recorded["includes"]["users"] if u["id"] == tweet["author_id"])
    assert json.loads(payload) == {"data": tweet, "includes": {"users": [author]}}
    assert origin.startswith("https://api.twitter.com/2/tweets/search/recent?") and TOKEN not in origin
    assert raw_query("SELECT DISTINCT url FROM raw_posts WHERE post_id = $i", {"i": tweet["id"]}) == [
        (f"https://x.com/i/web/status/{tweet['id']}",)]
    # a retweet is the retweeter's own post, not a reply; referenced_tweets stay in the payload
    retweet = next(t for t in recorded["data"] if t.get("referenced_tweets", [{}])[0].get("type") == "retweeted")
    assert _landed()[retweet["id"]]["author_id"] == retweet["author_id"]
    assert _landed()[retweet["id"]]["parent_id"] is None
    stored = json.loads(raw_query("SELECT payload FROM raw_posts WHERE post_id = $i", {"i": retweet["id"]})[0][0])
    assert stored["data"]["referenced_tweets"] == retweet["referenced_tweets"]
    assert _cursor() == {"since_id": recorded["meta"]["newest_id"], "next_token": "", "newest_id": "",
                         "month": XConnector.now().strftime("%Y-%m"), "month_fetched": "100"}


def test_pagination_cursor_second_run_and_build(x_sources, server, recorded, read_published):
    """Two pages of 50 (the recorded page split as X would page it), a second run asking with
    since_id that adds nothing, then the build's threads."""
    server.page_size = 50
    result = _run(x_sources())
    assert (result.fetched, result.pages, result.gaps) == (100, 2, [])
    assert [("since_id" in r, r.get("next_token")) for r in server.requests] == [
        (False, None), (False, f"{recorded['meta']['next_token']}-50")]
    assert all(r["_authorization"] == f"Bearer {TOKEN}" for r in server.requests)
    expected = _expected(recorded)
    assert _landed() == expected
    assert result.counts.new == len(expected)
    assert _cursor()["since_id"] == recorded["meta"]["newest_id"] and _cursor()["next_token"] == ""

    again = _run(x_sources())
    assert server.requests[-1]["since_id"] == recorded["meta"]["newest_id"]
    assert (again.fetched, again.counts.read, again.counts.new) == (0, 0, 0)
    assert raw_query("SELECT count(*) FROM raw_posts") == [(len(expected),)]
    assert raw_query("SELECT fetched, pages FROM connector_fetches ORDER BY fetched_at") == [(100, 2), (0, 1)]


    build()
    reply = next(t for t in recorded["data"] if t.get("in_reply_to_user_id")
                 and t["conversation_id"] != t["referenced_tweets"][0]["id"])  # a reply deep in a thread
    parent_id = reply["referenced_tweets"][0]["id"]
    assert published_query("SELECT parent_id, thread_id, parent_missing FROM posts WHERE post_id = $i",
                           {"i": reply["id"]}) == [(parent_id, reply["conversation_id"], False)]
    assert published_query("SELECT count(*) FROM posts WHERE platform = 'x' AND source = $s",
                           {"s": SOURCE}) == [(len(expected),)]


# -- rate limits, server errors, timeouts, malformed bodies ---------------------------------

def test_429_500_and_timeout_are_retried_once_each_through_the_one_mechanism(x_sources, server, recorded, waits):
    reset = int(time.time()) + 30
    server.script = [
        (429, {"x-rate-limit-reset": str(reset), "x-rate-limit-remaining": "0"},
         json.dumps({"title": "Too Many Requests", "detail": "Too Many Requests", "type": "about:blank",
                     "status": 429})),
        (500, {}, json.dumps({"title": "Internal Server Error", "status": 500})),
        requests.exceptions.ConnectTimeout("connect timed out"),
    ]
    result = _run(x_sources())
    assert result.gaps == [] and result.error is None and result.counts.new == len(_expected(recorded))
    assert len(server.requests) == 4  # three failures, then the page (all 100: no next_token)
    assert 28 <= waits[0] <= 32 and waits[1:3] == [1.0, 2.0]  # until the reset (+1 s), then back-off


def test_the_bearer_token_never_reaches_the_logs(x_sources, server, caplog):
    with caplog.at_level(logging.DEBUG):
        _run(x_sources())
    assert "Received API response" in caplog.text  # tweepy did log at debug level ...
    assert TOKEN not in caplog.text  # ... but not the headers carrying the token


def test_a_long_rate_limit_records_a_gap_and_the_next_run_fetches_everything(x_sources, server, recorded, waits):
    server.script = [(429, {"x-rate-limit-reset": str(int(time.time()) + 3600)}, "{}")]
    result = _run(x_sources())
    assert result.counts.new == 0 and len(result.gaps) == 1 and result.gaps[0].startswith("rate limited until")
    assert waits == [] and raw_query("SELECT count(*) FROM raw_posts") == [(0,)]
    assert raw_query("SELECT source, reason FROM coverage_gaps") == [(SOURCE, result.gaps[0])]
    assert _run(x_sources()).counts.new == len(_expected(recorded))


def test_server_errors_that_persist_become_a_gap(x_sources, server, waits):
    server.script = [(503, {}, "{}")] * 4
    result = _run(x_sources())
    assert result.gaps and "after 4 tries" in result.gaps[0] and waits == [1.0, 2.0, 4.0]
    assert raw_query("SELECT count(*) FROM coverage_gaps") == [(1,)]


@pytest.mark.parametrize("body,words", [
    ("<html>upstream error</html>", "the response is not valid JSON"),
    (json.dumps({"meta": {"result_count": 50}}), "has no 'data' but meta.result_count is 50"),
    (json.dumps({"data": {"id": "1"}, "meta": {}}), "'data' is not a list of posts"),
])
def test_a_malformed_body_keeps_earlier_pages_quarantines_it_and_resumes(x_sources, server, recorded, body, words):
    server.page_size = 50
    server.script = [None, (200, {}, body)]  # first page as X sends it, then the bad one
    result = _run(x_sources())
    first_page = server.tweets[:50]
    assert result.pages == 2 and result.counts.quarantined == 1 and len(result.gaps) == 1
    assert words in result.gaps[0]
    assert {t["id"] for t in first_page} <= set(_landed())
    [(field, reason, record)] = raw_query("SELECT field, reason, record FROM quarantine")
    assert field == "record" and words in reason and record == body  # the body as received
    cursor = _cursor()
    assert cursor.get("since_id", "") == "" and cursor["next_token"].endswith("-50")
    assert cursor["newest_id"] == recorded["meta"]["newest_id"]
    # the next run asks for the same page again (same token, still no since_id) and finishes
    again = _run(x_sources())
    assert server.requests[2].get("next_token") == cursor["next_token"] and "since_id" not in server.requests[2]
    assert again.gaps == [] and _landed() == _expected(recorded)
    assert _cursor()["since_id"] == recorded["meta"]["newest_id"]


def test_an_expired_next_token_restarts_the_pagination(x_sources, server, recorded):
    server.page_size = 50
    first = _run(x_sources("    budget: {per_run: 50}\n"))
    assert first.gaps and _cursor()["next_token"]
    server.script = [(400, {}, json.dumps({"errors": [{"message": "Invalid 'next_token'"}],
                                           "title": "Invalid Request", "status": 400}))]
    again = _run(x_sources())
    assert again.gaps == [] and _landed() == _expected(recorded)
    assert "next_token" not in server.requests[-2] and "since_id" not in server.requests[-2]
    assert again.counts.duplicate > 0  # the first 50 came again, recognised by content


def test_a_refused_token_is_a_clear_error(x_sources, server):
    server.script = [(401, {}, json.dumps({"title": "Unauthorized", "detail": "Unauthorized", "status": 401}))]
    result = _run(x_sources())
    assert result.error.startswith("XError: X refused the bearer token (HTTP 401")
    assert TOKEN not in result.error


# -- budget ---------------------------------------------------------------------------------

def test_the_per_run_and_per_month_budgets_stop_with_a_gap_and_resume(x_sources, server, recorded):
    path = x_sources("    budget: {per_run: 60, per_month: 75}\n")
    first = _run(path)
    assert server.requests[0]["max_results"] == "60" and first.fetched == 60
    assert first.gaps == ["budget: the per-run limit of 60 posts was reached with more to fetch;"
                          " the next run continues from the cursor"]
    assert _cursor()["month_fetched"] == "60" and _cursor()["next_token"].endswith("-60")
    second = _run(path)
    assert server.requests[1]["max_results"] == "15" and second.fetched == 15
    month = XConnector.now().strftime("%Y-%m")
    assert second.gaps[0].startswith(f"budget: 75 of the 75 posts a month already fetched in {month}")
    third = _run(path)
    assert len(server.requests) == 2 and third.fetched == 0 and third.gaps == second.gaps  # nothing asked
    # the spend in the cursor is the data-health page's figure: connector_fetches this month
    assert raw_query("SELECT sum(fetched) FROM connector_fetches WHERE source = $s", {"s": SOURCE}) == [(75,)]
    assert _cursor()["month_fetched"] == "75"
    ids = sorted((t["id"] for t in recorded["data"]), key=int, reverse=True)[:75]
    assert set(ids) <= set(_landed()) and not set(ids[75:]) & set(_landed())


def test_a_new_month_resets_the_spend(x_sources, server, monkeypatch):
    path = x_sources("    budget: {per_run: 20, per_month: 20}\n")
    monkeypatch.setattr(XConnector, "now", staticmethod(lambda: datetime(2026, 1, 31, 23, tzinfo=timezone.utc)))
    assert _run(path).fetched == 20
    assert _run(path).gaps[0].endswith("already fetched in 2026-01; fetching resumes in 2026-02")
    monkeypatch.setattr(XConnector, "now", staticmethod(lambda: datetime(2026, 2, 1, 0, tzinfo=timezone.utc)))
    assert _run(path).fetched == 20 and _cursor()["month"] == "2026-02" and _cursor()["month_fetched"] == "20"


# -- deletions ------------------------------------------------------------------------------

def test_a_parent_x_reports_deleted_is_marked_and_its_text_dropped(x_sources, server, recorded):
    _run(x_sources())
    reply = next(t for t in recorded["data"] if t.get("in_reply_to_user_id"))
    parent_id = reply["referenced_tweets"][0]["id"]
    assert parent_id in _landed()
    # later, a new reply in that conversation; X can no longer expand the parent
    newer = dict(reply, id=str(int(recorded["meta"]["newest_id"]) + 1))
    server.script = [(200, {}, json.dumps({
        "data": [newer], "includes": {"users": [u for u in recorded["includes"]["users"]
                                                if u["id"] == reply["author_id"]]},
        "errors": [{"value": parent_id, "detail": f"Could not find tweet with referenced_tweets.id: [{parent_id}].",
                    "title": "Not Found Error", "resource_type": "tweet", "parameter": "referenced_tweets.id",
                    "resource_id": parent_id, "type": "https://api.twitter.com/2/problems/resource-not-found"}],
        "meta": {"newest_id": newer["id"], "oldest_id": newer["id"], "result_count": 1}}))]
    result = _run(x_sources())
    assert result.counts.new == 1 and result.counts.deleted >= 1
    assert raw_query("SELECT platform, post_id FROM deletions") == [("x", parent_id)]
    assert parent_id not in _landed() and newer["id"] in _landed()


# -- the transform and the sources file --------------------------------------------------

def test_tweepy_cassette_page_without_requested_fields_gives_clear_problems():
    """tweepy's recorded search page has default fields only: no author or time."""
    cassette = json.loads(realdata("twitter/tweepy_test_client_search_recent_tweets.decoded.json").read_text())
    page = cassette[0]["body"]
    problems: list[str] = []
    assert transform.transform_page(page, problems) == []
    assert problems == [f"x: post {i} ({t['id']}): missing field 'author_id'" for i, t in enumerate(page["data"], 1)]
    with pytest.raises(SourceFormatError, match="missing field 'author_id'"):
        transform.transform_page(page)


def test_transform_problems_name_the_post_and_field(recorded):
    data = [dict(recorded["data"][0], created_at="yesterday"), dict(recorded["data"][1], id=None), "text"]
    problems: list[str] = []
    records = transform.transform_page({"data": data, "includes": recorded["includes"], "meta": {}}, problems)
    assert records == []
    assert problems[0].startswith(f"x: post 1 ({data[0]['id']}): Invalid isoformat string")
    assert problems[1] == "x: post 2: 'id' is not a post or user id"
    assert problems[2].startswith("x: post 3: a field has the wrong type")
    assert transform.transform_page({"meta": {"result_count": 0}}) == []
    for bad in ([], {"data": []}, {"meta": {"result_count": 3}}):
        with pytest.raises(SourceFormatError):
            transform.transform_page(bad)


@pytest.mark.parametrize("extra,words", [
    ("    full_archive: yes please\n", "field 'full_archive': true or false"),
    ("    budget: {per_run: 5}\n", "field 'budget': per_run must be a whole number of posts, at least 10"),
    ("    budget: {per_day: 5}\n", "field 'budget': a mapping {per_run: N, per_month: M}"),
    ("    start_time: 2025-01-01\n", "field 'start_time': only with full_archive: true"),
    ("    full_archive: true\n    start_time: soon\n", "field 'start_time': an ISO date or time"),
])
def test_sources_file_errors_name_the_field(tmp_path, extra, words):
    path = tmp_path / "sources.yaml"
    path.write_text(f"x:\n  - name: a\n    query: nhs\n{extra}")
    with pytest.raises(SourcesFileError, match=re.escape(words)):
        sources.load(path, {"x": XConnector})
    path.write_text("x:\n  - name: a\n")
    with pytest.raises(SourcesFileError, match="field 'query': required"):
        sources.load(path, {"x": XConnector})


def test_full_archive_uses_search_all_from_start_time(x_sources, server, recorded):
    _run(x_sources("    full_archive: true\n    start_time: 2021-09-01\n"))
    assert server.requests[0]["start_time"] == "2021-09-01T00:00:00Z"
    again = _run(x_sources("    full_archive: true\n    start_time: 2021-09-01\n"))
    assert "start_time" not in server.requests[-1] and server.requests[-1]["since_id"] == recorded["meta"]["newest_id"]
    assert again.counts.new == 0


@pytest.mark.parametrize("value,expected", [
    ("2021-09-01", "2021-09-01T00:00:00+00:00"), ("2021-09-01T10:30:00Z", "2021-09-01T10:30:00+00:00"),
    ("'2021-09-01T11:30:00+01:00'", "2021-09-01T10:30:00+00:00")])
def test_start_time_is_read_as_utc(tmp_path, value, expected):
    path = tmp_path / "sources.yaml"
    path.write_text(f"x:\n  - name: a\n    query: nhs\n    full_archive: true\n    start_time: {value}\n")
    [target] = sources.load(path, {"x": XConnector})["x"]
    assert target.options["start_time"].isoformat() == expected
    assert target.options["budget"] == {"per_run": 500, "per_month": 10_000}


def test_missing_token_skips_with_one_line(x_sources, monkeypatch):
    path = x_sources()
    monkeypatch.delenv("X_BEARER_TOKEN")
    results, skipped = jobs.run_connector("x", path)
    assert results == [] and len(skipped) == 1 and "X_BEARER_TOKEN" in skipped[0] and "developer" in skipped[0]
