"""The Mastodon connector (issue #5), replaying Mastodon.py's own recordings from a real
Mastodon 4.x server (``../shared/realdata/mastodon/``) through Mastodon.py and requests:

* the hashtag timeline cassette is played by vcrpy as recorded (``record_mode="none"``);
  the recording's server is ``http://localhost:3000`` and the sources file must name an https
  instance, so the cassette is matched on method, host, port and path (not scheme or query:
  the connector adds ``min_id`` and ``limit``);
* the status, its reply (``in_reply_to_id``) and the (empty) context come from the decoded
  JSON of the recordings, served with ``responses``; the failures (429 with an ISO reset,
  500, a timeout, a body that is not JSON, a status without an account, a deleted status)
  are served the same way around those real statuses.

Every expected id, parent, author and time below is computed here from the decoded JSON,
not by the code under test. Nothing touches the network: Mastodon.py runs with
``version_check_mode="none"``, and responses/vcrpy refuse any request not listed.
"""
from __future__ import annotations

import json
import time
from datetime import datetime, timedelta, timezone
from email.utils import formatdate
from urllib.parse import parse_qs, urlparse

import pytest
import requests
import responses
import vcr

from ingest import jobs
from ingest.connectors import config, mastodon as connector
from ingest.connectors.config import SourcesFileError
from ingest.connectors.mastodon import MastodonConnector
from ingest.sources import SourceFormatError, mastodon as transform
from store import config as store_config
from tests.support import raw_query, realdata

pytestmark = pytest.mark.slow  # connector replays of recorded HTTP

SERVER = "https://localhost:3000"      # the recordings' server, asked over https
HOST = "localhost:3000"


def _recording(name: str) -> list[dict]:
    return json.loads(realdata(f"mastodon/mastodonpy_test_{name}.decoded.json").read_text())


def _body(name: str, method: str, path_end: str, n: int = 0) -> dict | list:
    found = [r["body"] for r in _recording(name) if r["method"] == method and r["uri"].endswith(path_end)]
    return json.loads(json.dumps(found[n]))  # a copy


def _hashtag_statuses() -> list[dict]:
    return _body("hashtag_tl", "GET", "/timelines/tag/hoot")


def _thread() -> tuple[dict, dict]:
    """The real status and its real reply; the status's ``replies_count`` as the server
    reported it once the reply existed (its DELETE response, recorded after the reply)."""
    parent = _body("status_reply", "POST", "/api/v1/statuses", 0)
    reply = _body("status_reply", "POST", "/api/v1/statuses", 1)
    later = [r["body"] for r in _recording("status_reply")
             if r["method"] == "DELETE" and r["uri"].endswith(parent["id"])][0]
    parent["replies_count"] = later["replies_count"]
    assert reply["in_reply_to_id"] == parent["id"] and parent["replies_count"] == 1
    return parent, reply


def _utc(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)


def _posts():
    rows = raw_query("SELECT post_id, parent_id, thread_id, author_id, created_at, text FROM raw_posts"
                     " ORDER BY post_id")
    return [(p, par, t, a, c.astimezone(timezone.utc), x) for p, par, t, a, c, x in rows]


@pytest.fixture
def sources(data_dir, tmp_path, monkeypatch, waits):
    monkeypatch.delenv("MASTODON_ACCESS_TOKEN", raising=False)

    def write(text: str):
        path = tmp_path / "sources.yaml"
        path.write_text("mastodon:\n" + text)
        return path

    return write


HOOT = "  - name: hoot\n    instance: https://localhost:3000\n    hashtag: hoot\n    since: 2026-08-01\n"
TAG_URL = f"{SERVER}/api/v1/timelines/tag/hoot"


def _serve_instance():
    """Mastodon.py 2.3's ``timeline()`` reads ``/api/v2/instance`` (once per client) to warn
    when hashtag feeds need a login: served from the hashtag recording."""
    responses.get(f"{SERVER}/api/v2/instance/", json=_body("hashtag_tl", "GET", "/api/v2/instance/"))


def _run(path):
    results, skipped = jobs.run_connector("mastodon", path)
    assert skipped == [] and len(results) == 1 and results[0].error is None, results
    return results[0]


def _cursor() -> dict:
    return dict(raw_query("SELECT cursor_key, value FROM cursors WHERE source = 'mastodon:hoot'"))


# -- the transform ---------------------------------------------------------------------------

def test_the_transform_reads_the_recorded_statuses():
    (status,) = _hashtag_statuses()
    parent, reply = _thread()
    records = transform.transform_statuses([status, parent, reply], HOST)
    assert [(r["post_id"], r["parent_id"], r["thread_id"], r["author_id"], r["created_at"], r["text"])
            for r in records] == [
        (f"{HOST}:{status['id']}", None, f"{HOST}:{status['id']}",
         f"{status['account']['acct']}@{HOST}", _utc(status["created_at"]).isoformat(), "#hoot (hashtag toot)"),
        (f"{HOST}:{parent['id']}", None, f"{HOST}:{parent['id']}",
         f"{parent['account']['acct']}@{HOST}", _utc(parent["created_at"]).isoformat(), "Toot, finally!"),
        # the reply's root is unknown without its context: left to the build (parent chain)
        (f"{HOST}:{reply['id']}", f"{HOST}:{parent['id']}", None,
         f"{reply['account']['acct']}@{HOST}", _utc(reply["created_at"]).isoformat(),
         "@mastodonpy_test_2 same!"),
    ]
    assert records[0]["url"] == status["url"] and records[0]["author_name"] is None  # display_name ""
    # a boost is its boosted status; a remote author keeps their own instance
    boost = {"id": "9", "reblog": dict(parent, account=dict(parent["account"], acct="Bob@NHS.social"),
                                       note="<p>Radiographer &amp; <a href=\"https://x.org\">me</a></p>")}
    boost["reblog"]["account"]["note"] = "<p>Radiographer &amp; <a href=\"https://x.org/me\">my site</a></p>"
    record = transform.transform_status(boost, HOST)
    assert (record["post_id"], record["author_id"]) == (f"{HOST}:{parent['id']}", "bob@nhs.social")
    assert record["author_bio"] == "Radiographer & my site (https://x.org/me)"
    problems: list[str] = []
    broken = {k: v for k, v in parent.items() if k != "account"}
    assert transform.transform_statuses([broken, status], HOST, problems) != []
    assert problems == [f"mastodon: statuses status 1 (id {parent['id']}): missing field 'account'"]
    with pytest.raises(SourceFormatError, match="'created_at' has no UTC offset"):
        transform.transform_statuses([dict(status, created_at="2026-08-01T13:55:55")], HOST)


def test_links_in_content_stay_as_text():
    html = ('<p>See <a href="https://www.sor.org/guidance/x" rel="nofollow"><span class="invisible">'
            'https://www.</span><span class="ellipsis">sor.org/guidanc</span><span class="invisible">'
            'e/x</span></a> <a href="https://nhs.social/tags/mammogram" class="mention hashtag">#<span>'
            'mammogram</span></a></p><p>Line one<br />line two &lt;3</p>')
    assert transform.html_to_text(html) == "See https://www.sor.org/guidance/x #mammogram\n\nLine one\nline two <3"


@pytest.mark.parametrize("fields,field,words", [
    ("instance: http://mastodon.social\n    hashtag: a", "instance", "https URL"),
    ("instance: https://mastodon.social/@alice\n    hashtag: a", "instance", "https URL"),
    ("instance: https://mastodon.social", "hashtag", "exactly one of 'hashtag' or 'account'"),
    ("instance: https://mastodon.social\n    hashtag: a\n    account: b", "account", "exactly one"),
    ("instance: https://mastodon.social\n    hashtag: two words", "hashtag", "one hashtag"),
    ("instance: https://mastodon.social\n    account: alice\n    since: last week", "since", "YYYY-MM-DD"),
])
def test_target_fields_are_checked(tmp_path, fields, field, words):
    path = tmp_path / "sources.yaml"
    path.write_text(f"mastodon:\n  - name: a\n    {fields}\n")
    with pytest.raises(SourcesFileError, match=f"field '{field}': .*{words}"):
        config.load(path, {"mastodon": MastodonConnector})
    path.write_text("mastodon:\n  - name: a\n    instance: https://Mastodon.Social/\n    hashtag: '#Radiography'\n")
    (target,) = config.load(path, {"mastodon": MastodonConnector})["mastodon"]
    assert target.options == {"instance": "https://mastodon.social", "hashtag": "Radiography", "watch_days": 3}


# -- the recorded hashtag timeline, replayed by vcrpy -----------------------------------------

def test_the_recorded_hashtag_timeline_lands_once(sources, monkeypatch):

    # the recording was made on 2026-08-01: start there (the default is 7 days back)
    path = sources(HOOT + "    trust: RR8\n    watch_days: 0\n")
    cassette = str(realdata("mastodon/mastodonpy_test_hashtag_tl.yaml"))
    (status,) = _hashtag_statuses()
    sent: list[str] = []
    keep = MastodonConnector._keep
    monkeypatch.setattr(MastodonConnector, "_keep", lambda self, r, *a, **k: (sent.append(r.url), keep(self, r))[1])
    replay = vcr.VCR(record_mode="none", match_on=["method", "host", "port", "path"])

    with replay.use_cassette(cassette):
        result = _run(path)
    assert (result.pages, result.fetched, result.counts.new, result.counts.quarantined) == (1, 1, 1, 0)
    own = f"{HOST}:{status['id']}"
    assert _posts() == [(own, None, own, f"mastodonpy_test_2@{HOST}", _utc(status["created_at"]),
                         "#hoot (hashtag toot)")]
    payload, origin, source, trust = raw_query("SELECT payload, origin, source, trust_code FROM raw_posts")[0]
    assert json.loads(payload) == status                    # the server's JSON, untouched
    query = parse_qs(urlparse(origin).query)
    assert origin.startswith(TAG_URL) and query["limit"] == ["40"]
    assert (source, trust) == ("mastodon:hoot", "RR8")
    # the first run starts at ``since``: min_id is that moment as a Mastodon id (ms << 16)
    assert int(query["min_id"][0]) == int(datetime(2026, 8, 1, tzinfo=timezone.utc).timestamp() * 1000) << 16
    assert _cursor() == {"since_id": status["id"], "watch": "{}"}

    sent.clear()
    with replay.use_cassette(cassette):
        again = _run(path)
    # the recording answers again with the same status: min_id asked for newer ones only,
    # and the repeat is recognised; nothing is added
    assert [parse_qs(urlparse(u).query)["min_id"] for u in sent if u.startswith(TAG_URL)] == [[status["id"]]]
    assert again.counts.new == 0 and raw_query("SELECT count(*) FROM raw_posts") == [(1,)]
    assert _cursor()["since_id"] == status["id"]


# -- a status with a reply, an account timeline, later revisits ------------------------------

ALICE = ("  - name: hoot\n    instance: https://localhost:3000\n    account: mastodonpy_test_2\n"
         "    since: 2026-08-01\n")


@responses.activate
def test_a_status_and_its_reply_land_then_a_revisit_adds_nothing_then_the_deletion(sources):
    path = sources(ALICE)
    parent, reply = _thread()
    account = parent["account"]
    statuses_url = f"{SERVER}/api/v1/accounts/{account['id']}/statuses"
    context_url = f"{SERVER}/api/v1/statuses/{parent['id']}/context"
    empty = _body("status_context", "GET", "/context")
    assert empty == {"ancestors": [], "descendants": []}
    responses.get(f"{SERVER}/api/v1/accounts/lookup", json=account)
    responses.get(statuses_url, json=[parent])
    responses.get(context_url, json={"ancestors": [], "descendants": [reply]})

    result = _run(path)
    assert (result.pages, result.fetched, result.counts.new) == (1, 2, 2)
    root, answer = f"{HOST}:{parent['id']}", f"{HOST}:{reply['id']}"
    assert _posts() == [
        (root, None, root, f"mastodonpy_test_2@{HOST}", _utc(parent["created_at"]), "Toot, finally!"),
        (answer, root, root, f"admin@{HOST}", _utc(reply["created_at"]), "@mastodonpy_test_2 same!"),
    ]
    assert _utc(reply["created_at"]) - _utc(parent["created_at"]) == timedelta(milliseconds=196)
    lookup = [c.request.url for c in responses.calls if "/lookup" in c.request.url]
    assert parse_qs(urlparse(lookup[0]).query)["acct"] == ["mastodonpy_test_2"]
    cursor = _cursor()
    assert cursor["since_id"] == parent["id"] and list(json.loads(cursor["watch"])) == [parent["id"]]
    assert raw_query("SELECT json_extract_string(payload, '$.in_reply_to_id') FROM raw_posts"
                     " WHERE post_id = $p", {"p": answer}) == [(parent["id"],)]

    # second run: nothing new on the timeline; the watched status's thread is fetched again
    responses.calls.reset()
    responses.replace(responses.GET, statuses_url, json=[])
    again = _run(path)
    asked = [c.request.url for c in responses.calls if c.request.url.startswith(statuses_url)]
    assert parse_qs(urlparse(asked[0]).query)["min_id"] == [parent["id"]]
    assert (again.counts.new, again.counts.duplicate) == (0, 1)
    assert raw_query("SELECT count(*) FROM raw_posts") == [(2,)]

    # third run: the status is gone (404): recorded as deleted, its text removed
    responses.replace(responses.GET, context_url, json={"error": "Record not found"}, status=404)
    author = f"mastodonpy_test_2@{HOST}".encode()  # wrote only the deleted status
    assert author in store_config.raw_path().read_bytes()
    third = _run(path)
    assert third.counts.deleted == 1 and third.gaps == []
    assert raw_query("SELECT platform, post_id, origin FROM deletions") == [("mastodon", root, context_url)]
    assert raw_query("SELECT post_id FROM raw_posts") == [(answer,)]
    assert json.loads(_cursor()["watch"]) == {}
    # the purge is logged and the store rewritten at once: the deleted text leaves the disk
    assert raw_query("SELECT trigger, n_deleted_versions, rewritten FROM purge_log") == [("connector", 1, True)]
    assert author not in store_config.raw_path().read_bytes()


# -- failures ------------------------------------------------------------------------------

@responses.activate
def test_a_429_waits_for_the_iso_reset_then_lands(sources, waits):
    path = sources(HOOT)
    _serve_instance()
    now = time.time()
    reset = datetime.fromtimestamp(now + 30, timezone.utc).isoformat().replace("+00:00", "Z")
    responses.get(TAG_URL, status=429, json={"error": "Too many requests"},
                  headers={"X-RateLimit-Limit": "300", "X-RateLimit-Remaining": "0",
                           "X-RateLimit-Reset": reset, "Date": formatdate(now, usegmt=True)})
    responses.get(TAG_URL, json=_hashtag_statuses())
    result = _run(path)
    assert result.counts.new == 1 and result.gaps == []
    assert len(waits) == 1 and 29 <= waits[0] <= 33      # until the reset, plus a second


@responses.activate
def test_a_500_backs_off_then_lands(sources, waits):
    path = sources(HOOT)
    _serve_instance()
    responses.get(TAG_URL, status=500, body="<html>Internal Server Error</html>")
    responses.get(TAG_URL, json=_hashtag_statuses())
    result = _run(path)
    assert result.counts.new == 1 and waits == [1.0]


@responses.activate
def test_timeouts_give_up_with_a_gap_and_the_cursor_stays(sources, waits):
    path = sources(HOOT)
    _serve_instance()
    responses.get(TAG_URL, body=requests.exceptions.ReadTimeout("Read timed out. (read timeout=30)"))
    result = _run(path)
    assert result.counts.new == 0 and waits == [1.0, 2.0, 4.0]
    assert result.gaps == ["the timeline: timed out (after 4 tries)"]
    assert raw_query("SELECT source, reason FROM coverage_gaps") == [
        ("mastodon:hoot", "the timeline: timed out (after 4 tries)")]
    assert _cursor() == {} and raw_query("SELECT status FROM ingest_runs") == [("ok",)]


@responses.activate
def test_a_malformed_body_keeps_earlier_pages_and_a_bad_status_is_quarantined(sources, monkeypatch):
    monkeypatch.setattr(connector, "PAGE_SIZE", 2)       # so that a full page asks for the next
    path = sources(HOOT)
    _serve_instance()
    (status,) = _hashtag_statuses()
    parent = _body("status_reply", "POST", "/api/v1/statuses", 0)   # no replies yet
    broken = {k: v for k, v in parent.items() if k != "account"}
    responses.get(TAG_URL, json=[status, broken])
    responses.get(TAG_URL, body="<html><body>502 Bad Gateway</body></html>", content_type="text/html")
    result = _run(path)
    newest = max(status["id"], parent["id"], key=lambda i: (len(i), i))
    assert (result.pages, result.counts.new, result.counts.quarantined) == (1, 1, 1)
    assert [row[0] for row in _posts()] == [f"{HOST}:{status['id']}"]
    (reason,) = raw_query("SELECT reason FROM quarantine")[0]
    assert reason.startswith("mastodon: https://localhost:3000/api/v1/timelines/tag/hoot?")
    assert reason.endswith(f"status 1 (id {parent['id']}): missing field 'account'")
    (gap,) = result.gaps
    assert gap.startswith(f"malformed response to {TAG_URL}?") and "min_id=" + newest in gap
    assert gap.endswith("not JSON ('<html><body>502 Bad Gateway</body></html>')")
    assert _cursor()["since_id"] == newest   # the committed page; the next run resumes after it


@responses.activate
def test_a_404_that_is_not_the_instances_is_a_gap_not_a_deletion(sources):
    path = sources(ALICE)
    parent, reply = _thread()
    responses.get(f"{SERVER}/api/v1/accounts/lookup", json=parent["account"])
    responses.get(f"{SERVER}/api/v1/accounts/{parent['account']['id']}/statuses", json=[parent])
    responses.get(f"{SERVER}/api/v1/statuses/{parent['id']}/context", status=404,
                  body="<html>Not Found</html>", content_type="text/html")
    result = _run(path)
    assert result.counts.new == 0 and raw_query("SELECT count(*) FROM deletions") == [(0,)]
    assert result.gaps == [f"the replies of status {parent['id']}: HTTP 404 without the instance's"
                           " 'Record not found' (not a Mastodon API?)"]
