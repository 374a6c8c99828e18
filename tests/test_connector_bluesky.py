"""The Bluesky connector (issue #5), replaying real recorded responses through the real
``atproto`` client and httpx, into a real DuckDB raw store.

The recordings are read from ``../shared/realdata/bluesky/`` at test time (never copied into
the repo) and served by an ``httpx.MockTransport`` handed to the client library
(``BlueskyConnector.http_options``): ``searchPosts`` for "redistricting" exactly as recorded
(status, RateLimit headers, body), and ``getPostThread`` as recorded. What no recording has
is written here and says so: the login (``createSession``, with a made-up unsigned token),
the empty last search page, the threads of the search hits (assembled from the recorded post
views themselves: the recording's own reply chain), and the failures (429 with
``ratelimit-reset``, 500, a timeout, malformed bodies, a deleted post).
"""
from __future__ import annotations

import base64
import json
import time
from datetime import datetime, timezone

import httpx
import pytest
import yaml

from ingest import jobs
from ingest.connectors import config
from ingest.connectors.bluesky import BlueskyConnector, _sort_at
from ingest.sources import SourceFormatError, bluesky as source
from tests.support import raw_query, realdata

pytestmark = pytest.mark.slow  # connector replays of recorded HTTP

SEARCH = "bluesky/bskyr_vcr_searchPosts_redistricting"
THREAD = "bluesky/bskyr_vcr_getPostThread"
THREAD_MEDIA = "bluesky/marshalx_atproto_getPostThread_thread_view_post_with_embed_media.json"
CONNECTORS = {"bluesky": BlueskyConnector}
HANDLE, APP_PASSWORD = "radsome-test.bsky.social", "abcd-efgh-ijkl-mnop"
SOURCES = "bluesky:\n  - name: redistricting\n    query: redistricting\n"
# headers of the recorded body that no longer apply once vcr stored it decoded
_STALE = {"content-encoding", "transfer-encoding", "connection", "content-length"}


def _recorded(name: str) -> httpx.Response:
    """The recorded interaction's response, as recorded (status, headers, body)."""
    cassette = yaml.safe_load(realdata(f"{name}.yml").read_text(encoding="utf-8"))
    response = cassette["http_interactions"][0]["response"]
    headers = {k: str(v) for k, v in response["headers"].items() if k.lower() not in _STALE}
    return httpx.Response(response["status"], headers=headers,
                          content=response["body"]["string"].encode("utf-8"))


def _decoded(name: str) -> dict:
    return json.loads(realdata(f"{name}.decoded.json").read_text(encoding="utf-8"))[0]["body"]


def _jwt(did: str) -> str:
    """An unsigned token the client can read the expiry of (written here, not a credential)."""
    part = lambda value: base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()  # noqa: E731
    return ".".join([part({"alg": "ES256K", "typ": "at+jwt"}),
                     part({"scope": "com.atproto.appPass", "sub": did, "iat": 1_747_670_000,
                           "exp": 4_102_444_800, "aud": "did:web:bsky.social"}), "c2lnbmF0dXJl"])


SESSION = {"did": "did:plc:radsometestaccount0000", "handle": HANDLE, "email": None,
           "accessJwt": _jwt("did:plc:radsometestaccount0000"),
           "refreshJwt": _jwt("did:plc:radsometestaccount0000"), "active": True}


def _json(status: int, body, **headers) -> httpx.Response:
    return httpx.Response(status, json=body, headers=headers)


def _thread_of(uri: str, views: dict, children: dict) -> dict:
    return {"$type": "app.bsky.feed.defs#threadViewPost", "post": views[uri],
            "replies": [_thread_of(child, views, children) for child in children.get(uri, [])]}


class FakeBluesky:
    """The XRPC endpoints the connector calls. ``search``: searchPosts response by request
    cursor; ``threads``: getPostThread body by URI (others: 400 NotFound, as Bluesky answers
    for a deleted post); ``first[method]``: responses (or exceptions) served before those."""

    def __init__(self, search: dict, threads: dict):
        self.search, self.threads = search, threads
        self.first: dict[str, list] = {}
        self.requests: list[tuple[str, dict]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        method = request.url.path.rsplit("/", 1)[-1]
        self.requests.append((method, dict(request.url.params)))
        if self.first.get(method):
            answer = self.first[method].pop(0)
            if isinstance(answer, Exception):
                raise answer
            return answer
        if method == "com.atproto.server.createSession":
            sent = json.loads(request.content)
            if (sent["identifier"], sent["password"]) != (HANDLE, APP_PASSWORD):
                return _json(401, {"error": "AuthenticationRequired", "message": "Invalid identifier or password"})
            return _json(200, SESSION)
        assert request.headers["authorization"] == f"Bearer {SESSION['accessJwt']}"
        if method == "app.bsky.feed.searchPosts":
            answer = self.search[request.url.params.get("cursor")]
            return answer() if callable(answer) else answer
        if method == "app.bsky.feed.getPostThread":
            uri = request.url.params["uri"]
            if uri in self.threads:
                body = self.threads[uri]
                return body if isinstance(body, httpx.Response) else _json(200, body)
            return _json(400, {"error": "NotFound", "message": f"Post not found: {uri}"})
        raise AssertionError(f"unexpected request {request.url}")

    def asked(self, method: str) -> list[dict]:
        return [params for m, params in self.requests if m == method]


@pytest.fixture
def recorded_posts() -> list[dict]:
    return _decoded(SEARCH)["posts"]


@pytest.fixture
def server(recorded_posts, monkeypatch) -> FakeBluesky:
    """The recorded search (one page, then a written empty last page) and, for every hit with
    replies, its thread assembled from the recorded views (the reply chain they contain)."""
    views = {p["uri"]: p for p in recorded_posts}
    children: dict[str, list[str]] = {}
    for p in recorded_posts:
        parent = p["record"].get("reply", {}).get("parent", {}).get("uri")
        if parent in views:
            children.setdefault(parent, []).append(p["uri"])
    threads = {p["uri"]: {"thread": _thread_of(p["uri"], views, children)}
               for p in recorded_posts if p["replyCount"] > 0}
    fake = FakeBluesky({None: lambda: _recorded(SEARCH), "25": _json(200, {"posts": []})}, threads)
    monkeypatch.setattr(BlueskyConnector, "http_options", {"transport": httpx.MockTransport(fake)})
    return fake


@pytest.fixture
def sources_path(data_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("BLUESKY_HANDLE", HANDLE)
    monkeypatch.setenv("BLUESKY_APP_PASSWORD", APP_PASSWORD)
    path = tmp_path / "sources.yaml"
    path.write_text(SOURCES)
    return path


def _run(path):
    results, skipped = jobs.run_connector("bluesky", path)
    assert skipped == [] and len(results) == 1
    return results[0]


def _expected(posts: list[dict]) -> dict:
    """What must land, read straight from the decoded recording."""
    out = {}
    for p in posts:
        reply = p["record"].get("reply")
        out[p["uri"]] = (reply["parent"]["uri"] if reply else None, reply["root"]["uri"] if reply else p["uri"],
                         p["author"]["did"], datetime.fromisoformat(p["record"]["createdAt"]),
                         p["record"]["text"])
    return out


def _landed() -> dict:
    rows = raw_query("SELECT post_id, parent_id, thread_id, author_id, created_at, text FROM raw_posts")
    return {r[0]: tuple(r[1:]) for r in rows}


# -- the replay ---------------------------------------------------------------------------

def test_the_recorded_search_lands_exactly_its_posts_and_a_rerun_adds_nothing(
        sources_path, server, recorded_posts):
    result = _run(sources_path)
    expected = _expected(recorded_posts)
    assert len(expected) == 25 and sum(parent is not None for parent, *_ in expected.values()) == 12
    assert result.error is None and result.gaps == []
    assert (result.counts.new, result.counts.quarantined) == (25, 0)
    assert result.pages == 11  # the search page, the 9 threads of hits with replies, the empty last page
    assert _landed() == expected
    # threads were asked for exactly the hits with replies, below them only
    assert sorted(p["uri"] for p in server.asked("app.bsky.feed.getPostThread")) == sorted(
        p["uri"] for p in recorded_posts if p["replyCount"] > 0)
    assert {p["parentHeight"] for p in server.asked("app.bsky.feed.getPostThread")} == {"0"}
    first = server.asked("app.bsky.feed.searchPosts")[0]
    assert first == {"q": "redistricting", "sort": "latest", "limit": "100"}
    # provenance: the untouched post JSON, the request it came from, the post's link
    uri = "at://did:plc:kkergqgbhb56ptpwj2wenkje/app.bsky.feed.post/3lpk2u6qo222m"
    payload, origin, url, name = raw_query(
        "SELECT payload, origin, url, author_name FROM raw_posts WHERE post_id = $u", {"u": uri})[0]
    assert json.loads(payload) == recorded_posts[0]
    assert origin == "https://bsky.social/xrpc/app.bsky.feed.searchPosts?q=redistricting&sort=latest&limit=100"
    assert url == "https://bsky.app/profile/socpaperbot.bsky.social/post/3lpk2u6qo222m"
    assert name == "Sociology papers (journals + SocArXiv)"
    stored = raw_query("SELECT group_concat(payload || origin) FROM raw_posts")[0][0]
    assert APP_PASSWORD not in stored and SESSION["accessJwt"] not in stored
    # the sweep reached the end: the high-water mark is the newest sortAt, the sweep state cleared
    assert dict(raw_query("SELECT cursor_key, value FROM cursors")) == {
        "since": "2025-05-19T17:10:09.561Z", "sweep_cursor": "", "sweep_newest": ""}

    again = _run(sources_path)
    assert again.counts.new == 0 and again.counts.changed == 0 and again.counts.duplicate > 0
    assert raw_query("SELECT count(*) FROM raw_posts") == [(25,)]
    # the second sweep starts lookback_days (2) before the high-water mark
    assert server.asked("app.bsky.feed.searchPosts")[-2]["since"] == "2025-05-17T17:10:09.561Z"


def test_replies_that_do_not_match_the_search_come_from_get_post_thread(sources_path, server, recorded_posts):
    """The chain …mlk27 -> …pjc27 -> …rhs27 -> …tgc27 of the recording, with its last reply
    taken out of the search results (as a reply without the search word would be): it still
    lands, from the thread of the hit above it, with its parent, thread and provenance."""
    leaf = next(p for p in recorded_posts if p["uri"].endswith("3lpjqeajtgc27"))
    parent = leaf["record"]["reply"]["parent"]["uri"]  # …rhs27, a hit itself (one reply): first to have it
    body = _decoded(SEARCH)
    body["posts"] = [p for p in body["posts"] if p["uri"] != leaf["uri"]]
    server.search[None] = _json(200, body)
    result = _run(sources_path)
    assert result.counts.new == 25 and _landed() == _expected(recorded_posts)
    origin, payload = raw_query("SELECT origin, payload FROM raw_posts WHERE post_id = $u", {"u": leaf["uri"]})[0]
    assert origin == ("https://bsky.social/xrpc/app.bsky.feed.getPostThread?"
                      + httpx.QueryParams({"uri": parent, "depth": 100, "parentHeight": 0}).__str__())
    assert json.loads(payload) == leaf

    sources_path.write_text(SOURCES.replace("redistricting", "no-replies") + "    replies: false\n")
    before = len(server.asked("app.bsky.feed.getPostThread"))
    result = _run(sources_path)
    assert len(server.asked("app.bsky.feed.getPostThread")) == before  # no thread fetched
    assert raw_query("SELECT count(*) FROM raw_posts WHERE source = 'bluesky:no-replies'") == [(0,)]
    assert result.counts.duplicate == 24  # the same hits, already stored under the other source


def test_the_recorded_threads_read_through_the_transform():
    thread = _decoded(THREAD)["thread"]
    root = source.transform_post(thread["post"])
    assert root["post_id"] == "at://did:plc:ic6zqvuw5ulmfpjiwnhsr2ns/app.bsky.feed.post/3k7qmjev5lr2s"
    assert (root["parent_id"], root["thread_id"]) == (None, root["post_id"])
    assert root["created_at"] == "2023-09-19T11:32:54.574000+00:00"
    assert root["url"] == "https://bsky.app/profile/soubhikbarari.bsky.social/post/3k7qmjev5lr2s"
    assert root["text"].startswith("Excited to be a speaker") and source.thread_items(thread) == ([], [])
    media = json.loads(realdata(THREAD_MEDIA).read_text())["thread"]
    record = source.transform_post(media["post"])
    assert (record["author_id"], record["author_name"], record["text"]) == (
        "did:plc:kvwvcn5iqfooopmyzvb4qzba", "Python SDK", "")  # an image post: empty text, kept
    assert record["created_at"] == "2023-09-28T12:49:36.735000+00:00"


def test_unreadable_items_are_problems_not_crashes(recorded_posts):
    good = recorded_posts[0]
    no_record = {k: v for k, v in good.items() if k != "record"}
    naive = json.loads(json.dumps(good))
    naive["record"]["createdAt"] = "2025-05-19T17:10:09"
    wrong_did = json.loads(json.dumps(good))
    wrong_did["author"]["did"] = "did:plc:someoneelse"
    problems: list[str] = []
    assert source.transform_posts([good, no_record, naive, wrong_did, "x"], problems) == [source.transform_post(good)]
    assert problems == [
        "bluesky: post 2: missing field 'record'",
        "bluesky: post 3: record.createdAt '2025-05-19T17:10:09' has no UTC offset",
        f"bluesky: post 4: author.did 'did:plc:someoneelse' is not the DID of {good['uri']!r}",
        "bluesky: post 5: a field has the wrong type (the post view is not an object)"]
    with pytest.raises(SourceFormatError, match="post 2: missing field 'record'"):
        source.transform_posts([good, no_record])
    with pytest.raises(SourceFormatError, match="unknown type"):
        source.thread_items({"$type": "app.bsky.feed.defs#somethingNew"})


# -- failures -----------------------------------------------------------------------------

def test_a_429_waits_for_ratelimit_reset_then_continues(sources_path, server, waits):
    reset = int(time.time()) + 30
    server.first["app.bsky.feed.searchPosts"] = [_json(
        429, {"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"},
        **{"RateLimit-Limit": "3000", "RateLimit-Remaining": "0", "RateLimit-Reset": str(reset),
           "RateLimit-Policy": "3000;w=300"})]
    result = _run(sources_path)
    assert len(waits) == 1 and 29 <= waits[0] <= 32  # until the reset, plus a second
    assert result.counts.new == 25 and result.gaps == []


def test_a_500_backs_off_once_then_continues(sources_path, server, waits):
    server.first["app.bsky.feed.getPostThread"] = [
        _json(500, {"error": "InternalServerError", "message": "Internal Server Error"})]
    result = _run(sources_path)
    assert waits == [1.0] and result.counts.new == 25 and result.gaps == []


def test_timeouts_keep_the_fetched_page_record_a_gap_and_the_next_run_resumes(sources_path, server, waits):
    server.search["25"] = _json(200, {"posts": [], "cursor": "50"})
    server.first["app.bsky.feed.searchPosts"] = [_recorded(SEARCH)] + [
        httpx.ReadTimeout("timed out") for _ in range(4)]
    result = _run(sources_path)
    assert waits == [1.0, 2.0, 4.0]
    assert result.counts.new == 25
    assert result.gaps == ["bluesky: searchPosts: timed out (after 4 tries)"]
    cursor = {"sweep_cursor": "25", "sweep_newest": "2025-05-19T17:10:09.561Z"}
    assert raw_query("SELECT source, cursor_at, reason FROM coverage_gaps") == [
        ("bluesky:redistricting", json.dumps(cursor), "bluesky: searchPosts: timed out (after 4 tries)")]
    assert dict(raw_query("SELECT cursor_key, value FROM cursors")) == cursor  # since not advanced
    server.search["25"] = _json(200, {"posts": []})
    again = _run(sources_path)
    assert server.asked("app.bsky.feed.searchPosts")[-1] == {
        "q": "redistricting", "sort": "latest", "limit": "100", "cursor": "25"}
    assert again.gaps == [] and again.counts.new == 0
    assert raw_query("SELECT value FROM cursors WHERE cursor_key = 'since'") == [("2025-05-19T17:10:09.561Z",)]


def test_malformed_bodies_keep_earlier_pages_quarantine_the_item_and_record_a_gap(sources_path, server, waits):
    broken = {"uri": "at://did:plc:abc/app.bsky.feed.post/3lzzzzzzzzz2a", "author": {"did": "did:plc:abc"}}
    server.search["25"] = _json(200, {"posts": [broken], "cursor": "50"})
    server.search["50"] = httpx.Response(200, headers={"Content-Type": "application/json; charset=utf-8"},
                                         content=b'{"posts":[{"uri":"at://did:plc:abc/app.bsky.fe')
    result = _run(sources_path)
    assert waits == [] and result.counts.new == 25 and result.counts.quarantined == 1
    assert raw_query("SELECT field, reason, record FROM quarantine") == [
        ("record", "bluesky: searchPosts post 1: missing field 'record'", json.dumps(broken, separators=(",", ":")))]
    assert len(result.gaps) == 1 and result.gaps[0].startswith("bluesky: searchPosts: the response is not JSON")
    assert raw_query("SELECT value FROM cursors WHERE cursor_key = 'sweep_cursor'") == [("50",)]
    assert raw_query("SELECT status FROM ingest_runs") == [("ok",)]


def test_a_wrongly_shaped_search_body_is_quarantined_and_stops_with_a_gap(sources_path, server):
    server.search[None] = _json(200, {"posts": {"not": "a list"}})
    result = _run(sources_path)
    assert result.counts.new == 0 and result.counts.quarantined == 1
    assert result.gaps == ["bluesky: searchPosts: malformed response (expected an object with a 'posts' list"
                           " and an optional 'cursor'); stopped, pages before it kept"]
    assert raw_query("SELECT count(*) FROM cursors") == [(0,)]


def test_deleted_posts_seen_on_a_later_fetch_are_removed(sources_path, server, recorded_posts):
    _run(sources_path)
    chain_root = next(p["uri"] for p in recorded_posts if p["uri"].endswith("3lpjqeajmlk27"))
    gone = next(p["uri"] for p in recorded_posts if p["uri"].endswith("3lpjqeajrhs27"))
    raced = next(p["uri"] for p in recorded_posts if p["uri"].endswith("3lpjy3eabqs2l"))
    # later: the reply was deleted (search no longer finds it; its thread says notFoundPost),
    # and another hit was deleted between the search and its thread fetch (400 NotFound)
    body = _decoded(SEARCH)
    body["posts"] = [p for p in body["posts"] if p["uri"] != gone]
    server.search[None] = _json(200, body)
    thread = server.threads[chain_root]["thread"]
    thread["replies"][0]["replies"] = [{"$type": "app.bsky.feed.defs#notFoundPost", "uri": gone, "notFound": True}]
    del server.threads[raced]
    result = _run(sources_path)
    assert result.error is None and result.counts.new == 0 and result.counts.deleted == 2
    assert sorted(raw_query("SELECT post_id FROM deletions")) == sorted([(gone,), (raced,)])
    assert raw_query("SELECT count(*) FROM raw_posts WHERE post_id IN ($a, $b)", {"a": gone, "b": raced}) == [(0,)]
    assert raw_query("SELECT count(*) FROM raw_posts") == [(23,)]


def test_a_refused_login_is_one_clear_error(sources_path, server, monkeypatch):
    monkeypatch.setenv("BLUESKY_APP_PASSWORD", "wrong")
    result = _run(sources_path)
    assert result.error.startswith("bluesky: login as 'radsome-test.bsky.social' refused (401")
    assert "wrong" not in result.error and server.asked("app.bsky.feed.searchPosts") == []


def test_missing_credentials_skip_the_source(sources_path, monkeypatch):
    monkeypatch.delenv("BLUESKY_APP_PASSWORD")
    results, skipped = jobs.run_connector("bluesky", sources_path)
    assert results == [] and "BLUESKY_APP_PASSWORD" in skipped[0] and "App passwords" in skipped[0]


@pytest.mark.parametrize("field,value,words", [
    ("query", "\"  \"", "must be the search text"), ("replies", "maybe", "true or false"),
    ("limit", "0", "whole number"), ("lookback_days", "90", "0 to 30")])
def test_target_fields_are_checked(tmp_path, field, value, words):
    path = tmp_path / "sources.yaml"
    body = SOURCES if field != "query" else "bluesky:\n  - name: redistricting\n"
    path.write_text(body + f"    {field}: {value}\n")
    with pytest.raises(config.SourcesFileError, match=f"field '{field}': .*{words}"):
        config.load(path, CONNECTORS)


def test_sort_at_is_the_earlier_of_created_and_indexed(recorded_posts):
    skewed = next(p for p in recorded_posts if p["uri"].endswith("3lpikwarowc2o"))  # created after indexed
    assert skewed["record"]["createdAt"] > skewed["indexedAt"]
    assert _sort_at(skewed) == "2025-05-19T02:52:17.916Z"
    assert datetime.fromisoformat(_sort_at(recorded_posts[0])) == datetime(
        2025, 5, 19, 17, 10, 9, 561000, tzinfo=timezone.utc)


def test_the_per_run_limit_leaves_the_sweep_to_the_next_run(sources_path, server):
    sources_path.write_text(SOURCES + "    limit: 10\n    replies: false\n")
    result = _run(sources_path)
    assert server.asked("app.bsky.feed.searchPosts") == [{"q": "redistricting", "sort": "latest", "limit": "10"}]
    assert result.counts.new == 25 and result.gaps == []  # the recording has 25 whatever was asked
    assert dict(raw_query("SELECT cursor_key, value FROM cursors")) == {
        "sweep_cursor": "25", "sweep_newest": "2025-05-19T17:10:09.561Z"}  # no 'since' yet
    _run(sources_path)
    assert server.asked("app.bsky.feed.searchPosts")[-1]["cursor"] == "25"
    assert raw_query("SELECT value FROM cursors WHERE cursor_key = 'since'") == [("2025-05-19T17:10:09.561Z",)]
