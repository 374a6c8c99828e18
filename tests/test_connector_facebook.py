"""The Facebook pages connector (issue #5), replaying the real recorded Graph API responses of
``../shared/realdata/facebook/`` through ``responses`` (no network): the page feed
``pyfacebook_page_feed_default_fields_p1.json`` and the comments with replies of one post
``pyfacebook_page_post_comments_p1.json`` / ``_p2.json`` (cursor paging). The recorded feed
page predates the post whose comments were recorded, so the stand-in Graph API serves, as the
feed's newest page, one feed entry written here: that post's id (from the comments'
permalinks) with a made-up time and text; everything else it serves is recorded. Then the
real DuckDB raw store is checked."""
from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from urllib.parse import parse_qsl, urlparse

import pytest
import requests
import responses

from ingest import jobs
from ingest.connectors import config as sources, retry
from ingest.connectors.config import SourcesFileError
from ingest.connectors.facebook import FacebookConnector, reset_at
from ingest.sources import facebook as transform, facebook_export
from tests.support import raw_query, realdata

pytestmark = pytest.mark.slow  # connector replays of recorded HTTP

TOKEN = "EAAGtestPAGEtoken0123456789notreal"
PAGE = "19292868552"
COMMENTED = "19292868552_10158407654328553"     # the post whose comments were recorded
NEWEST = {"id": COMMENTED, "created_time": "2021-08-10T17:05:00+0000",  # written for the test
          "message": "(feed entry written for the test: the post of the recorded comments)",
          "permalink_url": "https://www.facebook.com/19292868552/posts/10158407654328553/"}
FEED_FIELDS = "id,message,created_time,permalink_url,from"
SOURCES = f'facebook:\n  - name: fb-devs\n    page_id: "{PAGE}"\n    trust: RR8\n'

# (post_id, parent_id, thread_id, author_id, created_at) of everything one run lands
POSTS = [
    (COMMENTED, None, COMMENTED, f"unknown:{COMMENTED}", "2021-08-10 17:05:00+00"),
    ("19292868552_10158349356748553", None, "19292868552_10158349356748553",
     "unknown:19292868552_10158349356748553", "2021-07-09 19:09:52+00"),
    ("19292868552_10158347294088553", None, "19292868552_10158347294088553",
     "unknown:19292868552_10158347294088553", "2021-07-08 15:30:19+00"),
    ("19292868552_10158345715593553", None, "19292868552_10158345715593553",
     "unknown:19292868552_10158345715593553", "2021-07-07 17:02:59+00"),
    ("19292868552_10158343840773553", None, "19292868552_10158343840773553",
     "unknown:19292868552_10158343840773553", "2021-07-06 18:31:13+00"),
    ("19292868552_10158333323653553", None, "19292868552_10158333323653553",
     "unknown:19292868552_10158333323653553", "2021-06-30 21:21:18+00"),
]
COMMENTS = [  # (post_id, parent_id, created_at); thread COMMENTED, author unknown:<id>
    ("10158407835073553", COMMENTED, "2021-08-10 18:45:03+00"),
    ("10158407903973553", COMMENTED, "2021-08-10 19:38:44+00"),
    ("10158408043788553", COMMENTED, "2021-08-10 21:05:33+00"),
    ("10158408729028553", COMMENTED, "2021-08-11 07:13:42+00"),
    ("10158408729313553", COMMENTED, "2021-08-11 07:14:18+00"),
    ("10158409983033553", "10158407903973553", "2021-08-11 23:22:14+00"),  # reply
    ("10158409984053553", "10158407903973553", "2021-08-11 23:23:03+00"),  # reply
    ("10158409984103553", "10158407835073553", "2021-08-11 23:23:06+00"),  # reply
    ("10158410332078553", COMMENTED, "2021-08-12 04:15:56+00"),
    ("10158411321043553", "10158410332078553", "2021-08-12 18:30:51+00"),  # reply
    ("10158412899928553", COMMENTED, "2021-08-13 08:29:27+00"),            # page 2 of comments
    ("10158413660043553", "10158412899928553", "2021-08-13 18:47:29+00"),  # reply
    ("10158414379883553", COMMENTED, "2021-08-14 02:40:08+00"),
    ("10158414379973553", COMMENTED, "2021-08-14 02:40:18+00"),
    ("10158414644018553", COMMENTED, "2021-08-14 07:24:42+00"),
]
EVERYTHING = sorted(POSTS + [(c, p, COMMENTED, f"unknown:{c}", t) for c, p, t in COMMENTS])


def _recorded(name: str) -> dict:
    return json.loads(realdata(f"facebook/{name}").read_text())


def _comment_id(comment: dict) -> str:
    query = dict(parse_qsl(urlparse(comment["permalink_url"]).query))
    return query.get("reply_comment_id") or query["comment_id"]


class Graph:
    """A stand-in Graph API: the recorded pages, the paging they name, posts and comments
    that were deleted, and failures queued per endpoint (``fail``)."""

    def __init__(self):
        self.feed = _recorded("pyfacebook_page_feed_default_fields_p1.json")
        self.comments = [_recorded(f"pyfacebook_page_post_comments_{p}.json") for p in ("p1", "p2")]
        self.deleted: set[str] = set()
        self.failures: dict[str, list] = {}
        self.requests: list[tuple[str, dict]] = []
        self.tokens: set[str] = set()

    def fail(self, endpoint: str, *answers) -> None:
        """The next requests to ``endpoint`` ('feed', 'feed after=X', 'comments', ...) get
        ``answers`` in turn: (status, headers, body) or an exception to raise."""
        self.failures.setdefault(endpoint, []).extend(answers)

    @staticmethod
    def _error(status, code, message, subcode=None, headers=None):
        error = {"message": message, "type": "OAuthException", "code": code, "fbtrace_id": "Atest"}
        if subcode:
            error["error_subcode"] = subcode
        return status, headers or {}, json.dumps({"error": error})

    def __call__(self, request):
        url = urlparse(request.url)
        params = dict(parse_qsl(url.query))
        path = url.path.split("/")[2:]  # after /v19.0/
        self.requests.append(("/".join(path), params))
        endpoint = path[-1] if len(path) > 1 else "object"
        key = f"{endpoint} after={params['after']}" if "after" in params else endpoint
        for name in (key, endpoint):
            if self.failures.get(name):
                answer = self.failures[name].pop(0)
                if isinstance(answer, Exception):
                    raise answer
                return answer
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        self.tokens.add(token)
        if token != TOKEN:
            return self._error(400, 190, "Error validating access token: Session has expired.", 463)
        if endpoint == "feed":
            return 200, {}, json.dumps(self._feed(params))
        if endpoint == "comments":
            return 200, {}, json.dumps(self._comments(path[0], params))
        if path[0] in self.deleted or path[0].rsplit("_", 1)[-1] in self.deleted:  # POST_COMMENT ids
            return self._error(400, 100, f"Unsupported get request. Object with ID '{path[0]}' does not exist,"
                               " cannot be loaded due to missing permissions, or does not support this"
                               " operation.", 33)
        return 200, {}, json.dumps({"id": path[0]})

    def _feed(self, params):
        assert params["fields"] == FEED_FIELDS
        if params.get("after") == "QVFIUnewest":
            page = dict(self.feed)
        elif params.get("after") == "after":  # the recorded page's own `next`
            page = {"data": []}
        else:
            page = {"data": [NEWEST], "paging": {
                "cursors": {"before": "QVFIUbefore", "after": "QVFIUnewest"},
                "next": f"https://graph.facebook.com/v19.0/{PAGE}/feed?limit=25&after=QVFIUnewest"}}
        since = int(params.get("since", 0))
        page["data"] = [p for p in page["data"] if p["id"] not in self.deleted
                        and datetime.strptime(p["created_time"], "%Y-%m-%dT%H:%M:%S%z").timestamp() >= since]
        return page

    def _comments(self, post_id, params):
        assert params["filter"] == "stream"
        if post_id != COMMENTED:
            return {"data": []}
        page = dict(self.comments[1 if params.get("after") == "after" else 0])
        page["data"] = [c for c in page["data"] if _comment_id(c) not in self.deleted]
        return page


@pytest.fixture
def graph(data_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("FACEBOOK_PAGE_TOKEN", TOKEN)
    server = Graph()
    server.waits = []
    monkeypatch.setattr(retry.time, "sleep", server.waits.append)  # no real waiting
    server.sources = tmp_path / "sources.yaml"
    server.sources.write_text(SOURCES)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add_callback(responses.GET, re.compile(r"https://graph\.facebook\.com/.*"), callback=server)
        yield server


def _run(graph):
    results, skipped = jobs.run_connector("facebook", graph.sources, progress=print)
    assert skipped == []
    for result in results:
        print(result.summary())
    return results[0] if len(results) == 1 else results


def _landed():
    return raw_query("SELECT post_id, parent_id, thread_id, author_id, strftime(created_at AT TIME ZONE 'UTC',"
                     " '%Y-%m-%d %H:%M:%S+00') FROM raw_posts ORDER BY post_id")


def _cursor():
    return dict(raw_query("SELECT cursor_key, value FROM cursors WHERE source = 'facebook:fb-devs'"))


def _assert_token_nowhere(capsys):
    """The token is in no table of the raw store and in nothing printed."""
    tables = [t for (t,) in raw_query("SELECT table_name FROM information_schema.tables"
                                      " WHERE table_schema = 'main'")]
    assert "raw_posts" in tables and "quarantine" in tables
    for table in tables:
        assert TOKEN not in str(raw_query(f'SELECT * FROM "{table}"')), table
    out = capsys.readouterr()
    assert TOKEN not in out.out + out.err
    return out.out


def test_feed_and_comments_land_with_parents_and_a_second_run_adds_nothing(graph, capsys):
    result = _run(graph)
    assert (result.counts.new, result.counts.quarantined, result.gaps, result.error) == (21, 0, [], None)
    assert _landed() == EVERYTHING
    assert raw_query("SELECT DISTINCT source, trust_code FROM raw_posts") == [("facebook:fb-devs", "RR8")]
    # each item's JSON untouched, with the request it came from (no token)
    feed = _recorded("pyfacebook_page_feed_default_fields_p1.json")
    payload, origin = raw_query("SELECT payload, origin FROM raw_posts WHERE post_id = $p",
                                {"p": "19292868552_10158349356748553"})[0]
    assert json.loads(payload) == feed["data"][0]
    assert origin == (f"https://graph.facebook.com/v19.0/{PAGE}/feed?fields=id%2Cmessage%2Ccreated_time"
                      "%2Cpermalink_url%2Cfrom&limit=25&after=QVFIUnewest")
    second_page = _recorded("pyfacebook_page_post_comments_p2.json")
    payload, origin = raw_query("SELECT payload, origin FROM raw_posts WHERE post_id = '10158413660043553'")[0]
    assert json.loads(payload) == second_page["data"][1]
    assert origin.startswith(f"https://graph.facebook.com/v19.0/{COMMENTED}/comments?fields=id%2Cmessage")
    assert "filter=stream" in origin and origin.endswith("&after=after")
    # the cursor: the newest post of the complete walk, no walk in progress, the recheck window
    cursor = _cursor()
    assert (cursor["since"], cursor["walk"]) == ("2021-08-10T17:05:00+00:00", "")
    assert list(json.loads(cursor["recent"])) == [COMMENTED]
    assert len(json.loads(cursor["recent"])[COMMENTED]["c"]) == 15
    # every post's comments were asked for (posts without comments got an empty page)
    asked = [p for p, params in graph.requests if p.endswith("/comments")]
    assert sorted(set(asked)) == sorted(f"{p[0]}/comments" for p in POSTS)

    graph.requests.clear()
    again = _run(graph)
    assert (again.counts.new, again.counts.changed, again.counts.quarantined) == (0, 0, 0)
    assert again.counts.duplicate == 16  # the recheck window: the newest post and its comments
    assert raw_query("SELECT count(*) FROM raw_posts") == [(21,)]
    since = int(datetime(2021, 8, 3, 17, 5, tzinfo=timezone.utc).timestamp())  # since minus 7 days
    assert graph.requests[0] == (f"{PAGE}/feed", {"fields": FEED_FIELDS, "limit": "25", "since": str(since)})
    assert graph.tokens == {TOKEN}  # sent in the Authorization header only
    assert all("access_token" not in params for _, params in graph.requests)
    output = _assert_token_nowhere(capsys)
    assert "facebook:fb-devs: fetched" in output


def test_comment_with_from_and_group_feed_transforms():
    comment = _recorded("pyfacebook_model_comment_with_from.json")
    record = transform.transform_comment(comment)
    assert (record["post_id"], record["parent_id"], record["thread_id"], record["author_id"],
            record["author_name"], record["created_at"]) == (
        "2966313500250461", "2121008874780932_2954961744718970", "2121008874780932_2954961744718970",
        "2711636948859886", "Kun Liu", "2021-07-23T08:35:18+00:00")
    group = transform.transform_feed([_recorded("pyfacebook_group_feed_p1.json")])
    assert [(r["post_id"], r["created_at"], r["author_id"]) for r in group][3:] == [
        ("2260975870792283_3038566336366562", "2021-07-01T23:58:09+00:00",
         "unknown:2260975870792283_3038566336366562"),
        ("2260975870792283_2965835246973005", "2021-03-10T04:36:05+00:00",
         "unknown:2260975870792283_2965835246973005")]
    assert group[3]["text"] == ""  # a post without a message
    # without a permalink, the connector's post id and the `parent` field give the thread
    reply = transform.transform_comment({"id": "555_777", "created_time": "2024-01-02T03:04:05+0000",
                                         "parent": {"id": "555_666"}}, post_id="111_555")
    assert (reply["post_id"], reply["parent_id"], reply["thread_id"]) == ("777", "666", "111_555")


def test_throttling_waits_for_the_usage_headers_reset_then_succeeds(graph, capsys):
    usage = {PAGE: [{"type": "pages", "call_count": 100, "total_cputime": 12, "total_time": 20,
                     "estimated_time_to_regain_access": 2}]}
    graph.fail("feed", Graph._error(403, 4, "(#4) Application request limit reached",
                                    headers={"X-Business-Use-Case-Usage": json.dumps(usage)}))
    graph.fail("comments", (429, {"Retry-After": "30"}, ""))
    result = _run(graph)
    assert (result.counts.new, result.gaps, result.error) == (21, [], None)
    assert len(graph.waits) == 2
    assert 120 < graph.waits[0] <= 121.5 and 30 < graph.waits[1] <= 31.5  # reset + 1 s each
    assert "rate limited" in _assert_token_nowhere(capsys)
    assert reset_at({"X-App-Usage": json.dumps({"call_count": 100, "estimated_time_to_regain_access": 5})},
                    now=1_000.0) == 1_300.0


def test_a_long_throttle_keeps_what_was_fetched_records_a_gap_and_the_next_run_completes(graph, capsys):
    usage = {"call_count": 100, "total_time": 100, "estimated_time_to_regain_access": 60}
    graph.fail("comments after=after", Graph._error(400, 32, "(#32) Page request limit reached",
                                                    headers={"X-App-Usage": json.dumps(usage)}))
    result = _run(graph)
    assert graph.waits == []  # an hour is longer than a run may hold the writer lock
    assert len(result.gaps) == 1 and result.gaps[0].startswith("rate limited until")
    assert "Graph error 32" in result.gaps[0]
    # the newest feed page and the first page of its post's comments are kept
    assert raw_query("SELECT count(*) FROM raw_posts") == [(11,)]
    assert raw_query("SELECT source, reason FROM coverage_gaps") == [("facebook:fb-devs", result.gaps[0])]
    assert "since" not in _cursor()  # nothing of the walk was complete
    again = _run(graph)
    assert (again.gaps, again.counts.new) == ([], 10)
    assert _landed() == EVERYTHING
    _assert_token_nowhere(capsys)


def test_a_server_error_and_a_timeout_are_retried(graph, capsys):
    graph.fail("comments", (500, {}, '{"error": {"message": "An unexpected error has occurred.", "code": 2}}'))
    graph.fail("feed after=QVFIUnewest", requests.exceptions.ReadTimeout("read timed out"))
    result = _run(graph)
    assert (result.counts.new, result.gaps, result.error) == (21, [], None)
    assert graph.waits == [1.0, 1.0]  # one back-off each
    assert _landed() == EVERYTHING
    _assert_token_nowhere(capsys)


def test_timeouts_past_the_retries_leave_a_gap_and_the_walk_resumes_from_its_after_cursor(graph, capsys):
    graph.fail("feed after=QVFIUnewest", *[requests.exceptions.ConnectTimeout("timed out")] * 4)
    result = _run(graph)
    assert graph.waits == [1.0, 2.0, 4.0]
    assert result.gaps == [f"timeout fetching https://graph.facebook.com/v19.0/{PAGE}/feed?fields=id%2Cmessage"
                           "%2Ccreated_time%2Cpermalink_url%2Cfrom&limit=25&after=QVFIUnewest (after 4 tries)"]
    assert raw_query("SELECT count(*) FROM raw_posts") == [(16,)]  # the newest post and its comments
    walk = json.loads(_cursor()["walk"])
    assert walk["next"] == {"after": "QVFIUnewest"} and walk["newest"] == "2021-08-10T17:05:00+00:00"
    graph.requests.clear()
    again = _run(graph)
    assert graph.requests[0] == (f"{PAGE}/feed", {"fields": FEED_FIELDS, "limit": "25", "after": "QVFIUnewest"})
    assert (again.gaps, again.counts.new, again.counts.duplicate) == ([], 5, 0)
    assert _landed() == EVERYTHING
    assert (_cursor()["since"], _cursor()["walk"]) == ("2021-08-10T17:05:00+00:00", "")
    _assert_token_nowhere(capsys)


def test_a_malformed_body_is_quarantined_earlier_pages_kept_and_a_gap_recorded(graph, capsys):
    text = realdata("facebook/pyfacebook_page_feed_default_fields_p1.json").read_text()
    graph.fail("feed after=QVFIUnewest", (200, {}, text[:4000]))  # cut off mid-way
    result = _run(graph)
    reason = (f"facebook: malformed response from https://graph.facebook.com/v19.0/{PAGE}/feed?fields=id"
              "%2Cmessage%2Ccreated_time%2Cpermalink_url%2Cfrom&limit=25&after=QVFIUnewest: not the JSON"
              " object expected (HTTP 200, 4000 bytes)")
    assert result.gaps == [reason] and result.counts.quarantined == 1
    assert raw_query("SELECT field, reason, record FROM quarantine") == [("record", reason, text[:4000])]
    assert raw_query("SELECT count(*) FROM raw_posts") == [(16,)]
    again = _run(graph)
    assert (again.gaps, again.counts.new) == ([], 5) and _landed() == EVERYTHING
    _assert_token_nowhere(capsys)


def test_a_malformed_item_is_quarantined_and_the_rest_land(graph, capsys):
    broken = dict(graph.comments[0])
    broken["data"] = [dict(c) for c in broken["data"]]
    del broken["data"][2]["created_time"]
    graph.comments[0] = broken
    result = _run(graph)
    assert (result.counts.new, result.counts.quarantined, result.gaps) == (20, 1, [])
    ((field, reason),) = raw_query("SELECT field, reason FROM quarantine")
    assert (field, reason) == ("record", "facebook: comment 3: missing field 'created_time'")
    _assert_token_nowhere(capsys)


def test_deleted_comments_and_posts_are_marked_deleted_and_their_text_dropped(graph, capsys):
    _run(graph)
    graph.deleted.add("10158408043788553")  # a comment goes
    result = _run(graph)
    assert ("10158407654328553_10158408043788553", {"fields": "id"}) in graph.requests
    assert raw_query("SELECT platform, post_id FROM deletions") == [("facebook", "10158408043788553")]
    assert result.counts.deleted == 1
    assert raw_query("SELECT count(*) FROM raw_posts WHERE post_id = '10158408043788553'") == [(0,)]
    assert raw_query("SELECT count(*) FROM raw_posts") == [(20,)]
    assert "10158408043788553" not in json.loads(_cursor()["recent"])[COMMENTED]["c"]

    graph.deleted.add(COMMENTED)  # then the post, with its comments
    result = _run(graph)
    assert (COMMENTED, {"fields": "id"}) in graph.requests
    deleted = {p for (p,) in raw_query("SELECT post_id FROM deletions")}
    assert deleted == {COMMENTED} | {c for c, _, _ in COMMENTS}
    assert _landed() == sorted(POSTS[1:])
    assert raw_query("SELECT count(*) FROM raw_posts WHERE text LIKE 'Can someone from Instagram%'") == [(0,)]
    assert json.loads(_cursor()["recent"]) == {}
    # a post that still exists is not deleted: a third run changes nothing
    assert _run(graph).counts.deleted == 0 and len(deleted) == 16
    _assert_token_nowhere(capsys)


def test_a_refused_token_is_a_clear_error_and_token_env_picks_a_pages_own_token(graph, capsys, monkeypatch):
    monkeypatch.setenv("FACEBOOK_PAGE_TOKEN", "EAAGwrongTOKENexpired000")
    monkeypatch.setenv("FACEBOOK_TOKEN_DEVS", TOKEN)
    graph.sources.write_text(SOURCES + f'  - name: devs-own-token\n    page_id: "{PAGE}"\n'
                             "    token_env: FACEBOOK_TOKEN_DEVS\n")
    refused, own = _run(graph)
    assert refused.error.startswith("facebook: the Graph API refused the token")
    assert "error 190" in refused.error and "pages_read_engagement" in refused.error
    assert "EAAGwrongTOKENexpired000" not in refused.error
    assert (own.error, own.counts.new) == (None, 21)
    assert raw_query("SELECT DISTINCT source FROM raw_posts") == [("facebook:devs-own-token",)]
    assert raw_query("SELECT status FROM ingest_runs ORDER BY started_at") == [("failed",), ("ok",)]
    out = _assert_token_nowhere(capsys)
    assert "EAAGwrongTOKENexpired000" not in out


@pytest.mark.parametrize("fields,words", [
    ("    page_id: 'a b'\n", "field 'page_id': must be the page's numeric id"),
    ("    page_id: '1'\n    since: last week\n", "field 'since': must be a date"),
    ("    page_id: '1'\n    api_version: '19'\n", "field 'api_version': must look like v19.0"),
    ("    page_id: '1'\n    token_env: my token\n", "field 'token_env': must be the name of a secret"),
    ("    page_id: '1'\n    group_id: '2'\n", "field 'group_id': unknown field"),
])
def test_sources_file_errors_name_the_field(tmp_path, fields, words):
    path = tmp_path / "sources.yaml"
    path.write_text("facebook:\n  - name: a\n" + fields)
    with pytest.raises(SourcesFileError, match=re.escape(words)):
        sources.load(path, {"facebook": FacebookConnector})


def test_since_option_bounds_the_first_walk(graph, capsys):
    graph.sources.write_text(SOURCES + "    since: 2021-07-07\n")
    result = _run(graph)
    since = int(datetime(2021, 7, 7, tzinfo=timezone.utc).timestamp())
    assert graph.requests[0] == (f"{PAGE}/feed", {"fields": FEED_FIELDS, "limit": "25", "since": str(since)})
    assert result.counts.new == 19  # the posts of 6 July and 30 June are before the bound
    _assert_token_nowhere(capsys)


def test_group_export_file_converts_and_imports_once(data_dir, tmp_path):
    """A "Download your information" group file (written here: groups have no API) becomes
    JSONL that ``python -m ingest file`` imports; a second import adds nothing."""

    export = {
        "group_posts_v2": [
            {"timestamp": 1714557600, "title": "Sam Jones posted in Leeds Breast Screening Support.",
             "data": [{"post": "Does anyone know if the mobile unit is at Seacroft this week?"},
                      {"update_timestamp": 1714557700}]},
            {"timestamp": 1714644000, "title": "Sam Jones posted in Leeds Breast Screening Support.",
             "data": [{"post": "Thanks all \u00e2\u0080\u0094 it\u00e2\u0080\u0099s sorted"}]},
            {"title": "Sam Jones posted in Leeds Breast Screening Support.", "data": [{"post": "no time"}]},
        ],
        "group_comments_v2": [
            {"timestamp": 1714560000, "title": "Sam Jones commented on Pat Lee's post.",
             "data": [{"comment": {"timestamp": 1714560000, "comment": "Yes, Tuesday to Friday.",
                                   "author": "Sam Jones", "group": "Leeds Breast Screening Support"}}]},
        ],
    }
    source = tmp_path / "group_posts_and_comments.json"
    source.write_text(json.dumps(export))
    out = tmp_path / "group.jsonl"
    assert facebook_export.main([str(source), str(out)]) == 0
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert [(r["author_id"], r["created_at"], r["text"]) for r in records] == [
        ("name:Sam Jones", "2024-05-01T10:00:00+00:00",
         "Does anyone know if the mobile unit is at Seacroft this week?"),
        ("name:Sam Jones", "2024-05-02T10:00:00+00:00", "Thanks all — it’s sorted"),
        ("name:Sam Jones", "2024-05-01T10:40:00+00:00", "Yes, Tuesday to Friday."),
    ]
    assert all(r["post_id"].startswith("fbexport:") for r in records)
    problems: list[str] = []
    facebook_export.transform_export(export, problems)
    assert problems == ["facebook-export: post 3: missing field 'timestamp'"]
    counts = jobs.import_file(out, trust="RR8")
    assert (counts.new, counts.quarantined) == (3, 0)
    again = facebook_export.main([str(source), str(tmp_path / "again.jsonl")])
    assert again == 0 and jobs.import_file(tmp_path / "again.jsonl", trust="RR8").new == 0
