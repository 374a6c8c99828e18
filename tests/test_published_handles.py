"""The published warehouse holds no public member's handle or Bluesky DID (issue #18 item 3).

One warehouse is built from the real recorded payloads of all five connectors, replayed
through the real client libraries exactly as their own tests replay them (X through tweepy,
Reddit through praw, Facebook's Graph API, Mastodon.py, and atproto over httpx), plus the
seeded demo. Every handle and DID of a member of the public in the raw store is then looked
for in the published file's bytes, in every text column of every table (the memo schema too),
and in Explore's CSV download: none may be there. Registered staff and organisation accounts
keep their official links, and Bluesky threads still join although their ids are hashed.
"""
from __future__ import annotations

import json
import re
from datetime import date, datetime, timezone

import duckdb
import httpx
import pytest
import responses

from ingest import jobs
from ingest.connectors.bluesky import BlueskyConnector
from store import access, config, reader, reviews
from tests import test_connector_bluesky as bsky, test_connector_facebook as fb
from tests import test_connector_mastodon as masto, test_connector_reddit as rd, test_connector_x as xt
from tests.support import post, published_query, raw_query, write_jsonl
from ui import labels, tables
from warehouse import queries
from warehouse.build import build

pytestmark = pytest.mark.slow  # five connector replays, the demo and a build

SOURCES = f"""\
x:
  - name: brexit
    query: "#brexit"
    trust: RR8
reddit:
  - name: redditdev
    subreddit: r/redditdev
facebook:
  - name: fb-devs
    page_id: "{fb.PAGE}"
    trust: RR8
mastodon:
  - name: hoot
    instance: https://localhost:3000
    account: mastodonpy_test_2
    since: 2026-08-01
bluesky:
  - name: redistricting
    query: redistricting
"""
MASTODON_STAFF = "admin@localhost:3000"  # registered below as an organisation account
DEMO_END = datetime(2025, 6, 30, 12, 0, tzinfo=timezone.utc)


def _serve_all(mock, monkeypatch) -> None:
    """Every platform's recorded responses, served as each connector's own tests serve them."""
    monkeypatch.setenv("X_BEARER_TOKEN", xt.TOKEN)
    mock.add_callback(responses.GET, xt.SEARCH, callback=xt.FakeSearch(xt._recorded()))

    cassette = json.loads(rd.realdata("reddit/praw_cassette_TestSubmission.test_comments.json").read_text())
    token, thread = (i["response"]["body"]["string"] for i in cassette["interactions"])
    listings = json.loads(thread)
    recorded = {"token": token, "thread": thread, "listings": listings}
    monkeypatch.setenv("REDDIT_CLIENT_ID", "test-client-id")
    monkeypatch.setenv("REDDIT_CLIENT_SECRET", "test-client-secret")
    mock.post(rd.TOKEN_URL, body=token, content_type="application/json; charset=UTF-8")
    mock.get(rd.NEW_URL, body=rd._listing(rd._submission(recorded)))
    mock.get(rd.THREAD_URL, body=thread, content_type="application/json; charset=UTF-8")

    monkeypatch.setenv("FACEBOOK_PAGE_TOKEN", fb.TOKEN)
    mock.add_callback(responses.GET, re.compile(r"https://graph\.facebook\.com/.*"), callback=fb.Graph())

    monkeypatch.delenv("MASTODON_ACCESS_TOKEN", raising=False)
    parent, reply = masto._thread()
    account = parent["account"]
    mock.get(f"{masto.SERVER}/api/v1/accounts/lookup", json=account)
    mock.get(f"{masto.SERVER}/api/v1/accounts/{account['id']}/statuses", json=[parent])
    mock.get(f"{masto.SERVER}/api/v1/statuses/{parent['id']}/context",
             json={"ancestors": [], "descendants": [reply]})

    monkeypatch.setenv("BLUESKY_HANDLE", bsky.HANDLE)
    monkeypatch.setenv("BLUESKY_APP_PASSWORD", bsky.APP_PASSWORD)
    posts = bsky._decoded(bsky.SEARCH)["posts"]
    views = {p["uri"]: p for p in posts}
    children: dict[str, list[str]] = {}
    for p in posts:
        up = p["record"].get("reply", {}).get("parent", {}).get("uri")
        if up in views:
            children.setdefault(up, []).append(p["uri"])
    threads = {p["uri"]: {"thread": bsky._thread_of(p["uri"], views, children)}
               for p in posts if p["replyCount"] > 0}
    fake = bsky.FakeBluesky({None: lambda: bsky._recorded(bsky.SEARCH), "25": bsky._json(200, {"posts": []})},
                            threads)
    monkeypatch.setattr(BlueskyConnector, "http_options", {"transport": httpx.MockTransport(fake)})


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    """A data folder with everything landed and built; the Bluesky account registered."""
    folder = tmp_path_factory.mktemp("handles")
    staff_did = bsky._decoded(bsky.SEARCH)["posts"][0]["author"]["did"]
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(config.DATA_ENV, str(folder))
        patch.setenv(config.PSEUDONYM_KEY_ENV, "test-key-not-secret")
        patch.setattr(rd.time, "sleep", lambda seconds: None)  # praw's and the retries' waits
        (folder / "sources.yaml").write_text(SOURCES)
        with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
            _serve_all(mock, patch)
            results, skipped = jobs.run_all(folder / "sources.yaml")
        assert skipped == [] and len(results) == 5 and all(r.error is None for r in results), results
        jobs.run_demo(n_posts=1_500, seed=1, end=DEMO_END)
        accounts = raw_query("SELECT platform, author_id, role, trust_code, title FROM account_registry"
                             " WHERE registry_version = (SELECT max(registry_version) FROM account_registry)")
        rows = ["platform,author_id,role,trust_code,title"] + [
            ",".join(str(v or "") for v in row) for row in accounts] + [
            f"mastodon,{MASTODON_STAFF},organisation,RR8,Instance admin",
            f"bluesky,{staff_did},professional,RR8,Radiographer"]
        (folder / "accounts.csv").write_text("\n".join(rows) + "\n")
        jobs.load_accounts(folder / "accounts.csv")
        needles = _public_handles()  # before the build's retention purge clears old profiles
        build()
    return folder, needles, staff_did


_URL_HANDLES = [re.compile(p) for p in (r"(?:x|twitter)\.com/([A-Za-z0-9_]+)/status/",
                                        r"/@([A-Za-z0-9_.]+)/", r"bsky\.app/profile/([^/]+)/")]
_DID = re.compile(r"did:plc:[a-z2-7]{24}")


def _public_handles() -> dict[str, set[str]]:
    """Every handle and DID of a member of the public in the raw store (the current account
    registry's accounts are staff): needle (lower case) -> the kinds of handle it is."""
    registry = set(raw_query("SELECT platform, author_id FROM account_registry WHERE registry_version ="
                             " (SELECT max(registry_version) FROM account_registry)"))
    staff_dids = {a for p, a in registry if p == "bluesky"}
    needles: dict[str, set[str]] = {}

    def add(value: str | None, why: str) -> None:
        if value and len(value) >= 4:
            needles.setdefault(value.lower(), set()).add(why)

    def add_name(name: str | None, why: str, *prefixes: str) -> None:
        """A username: as a mention and in profile links; bare only when it cannot be a word
        (it has a digit, a dot or an underscore; "#BorisJohnson" is a hashtag, not a handle)."""
        if not name:
            return
        for prefix in ("@", *prefixes):
            add(prefix + name, why)
        if re.search(r"[0-9_.]", name):
            add(name, why)

    rows = raw_query("SELECT platform, author_id, author_name, url, payload, post_id, parent_id, thread_id"
                     " FROM raw_posts")
    for platform, author_id, name, url, payload, *ids in rows:
        for did in _DID.findall(" ".join(i for i in ids if i)):
            if did not in staff_dids:
                add(did, "did in an id")
        if (platform, author_id) in registry:
            continue
        record = json.loads(payload) if payload else {}
        if platform == "x":  # the connector's payload: the tweet with its author's user object
            users = (record.get("includes") or {}).get("users") or []
            for user in users:
                add_name(user["username"], "x username", "x.com/", "twitter.com/")
        if platform == "reddit" and name:  # reddit's author is the username
            add_name(name, "reddit username", "u/", "/user/")
        if platform == "mastodon" and "@" in author_id:
            add(author_id, "mastodon account")
            add_name(author_id.split("@")[0], "mastodon account", "/@")
        if platform == "bluesky" and author_id.startswith("did:"):
            add(author_id, "author did")
            add((record.get("author") or {}).get("handle"), "bluesky handle")
        for pattern in _URL_HANDLES:  # the demo's links (x.com/NAME/status, /@NAME/, profile/NAME/)
            for found in pattern.findall(url or ""):
                if found not in ("i", "web"):
                    add_name(found, f"{platform} handle in a link", "x.com/", "/@", "profile/")
    return needles


def _text_columns(con) -> list[tuple[str, str, str]]:
    return con.execute("SELECT schema_name, table_name, column_name FROM duckdb_columns()"
                       " WHERE database_name = current_database() AND data_type = 'VARCHAR'").fetchall()


def test_the_raw_store_holds_handles_to_look_for(published):
    folder, needles, staff_did = published
    kinds = set().union(*needles.values())
    # every platform's kind of handle is there to be looked for (the test is not vacuous)
    assert {"x username", "reddit username", "mastodon account", "author did", "bluesky handle",
            "did in an id", "x handle in a link", "mastodon handle in a link",
            "bluesky handle in a link"} <= kinds, kinds
    assert len(needles) > 300


def test_the_published_file_holds_no_public_handle_or_did(published):
    folder, needles, _ = published
    path = folder / config.WAREHOUSE_FILE
    files = [p for p in folder.iterdir() if p.name.startswith(config.WAREHOUSE_FILE) and p.is_file()]
    assert files == [path]
    data = path.read_bytes().lower()
    in_bytes = sorted(n for n in needles if n.encode() in data)
    assert in_bytes == [], [(n, needles[n]) for n in in_bytes[:20]]

    con = duckdb.connect(str(path), read_only=True)
    try:
        con.execute("CREATE TEMP TABLE needles AS SELECT unnest($n) AS needle", {"n": sorted(needles)})
        hits = []
        for schema, table, column in _text_columns(con):
            found = con.execute(f'SELECT DISTINCT n.needle FROM "{schema}"."{table}" t JOIN needles n'
                                f' ON contains(lower(t."{column}"), n.needle) LIMIT 5').fetchall()
            hits += [(schema, table, column, n, needles[n]) for (n,) in found]
    finally:
        con.close()
    assert hits == [], hits[:20]


@pytest.mark.parametrize("role", ["analyst", "admin"])
def test_explore_csv_holds_no_public_handle_or_did(published, role, monkeypatch):
    folder, needles, _ = published
    monkeypatch.setenv(config.DATA_ENV, str(folder))
    scope = access.scope_for({"email": f"{role}@nhs.net", "role": role})
    con = reader.connect_published(folder / config.WAREHOUSE_FILE, scope=scope)
    try:
        cursor = reader.reader_cursor(con)
        frame = queries.explore_posts(cursor, queries.Filters(date(2000, 1, 1), date(2030, 12, 31)),
                                      limit=1_000_000)
    finally:
        con.close()
    assert len(frame) > 1_500
    exported = tables.to_csv(labels.explore_table(frame)).decode("utf-8-sig").lower()
    leaked = sorted(n for n in needles if n in exported)
    assert leaked == [], [(n, needles[n]) for n in leaked[:20]]


def test_public_authors_are_pseudonyms_and_links_are_handle_free(published, read_published, monkeypatch):
    folder, needles, staff_did = published
    monkeypatch.setenv(config.DATA_ENV, str(folder))
    keys = read_published(folder, "SELECT DISTINCT author_key FROM posts"
                                  " WHERE author_role IN ('patient_public', 'unknown') OR role_source <> 'registry'")
    assert keys and all(re.fullmatch(r"p_[0-9a-f]{20}", k) for (k,) in keys)
    links = read_published(folder, "SELECT platform, url FROM posts WHERE role_source <> 'registry' AND url IS NOT NULL")
    patterns = {"x": r"https://x\.com/i/web/status/\d+",
                "reddit": r"https://www\.reddit\.com/comments/[a-z0-9]+/(_/[a-z0-9]+/)?",
                "facebook": r"https://www\.facebook\.com/\d+/posts/\d+(\?comment_id=\d+(&reply_comment_id=\d+)?)?"}
    assert {p for p, _ in links} == {"x", "reddit", "facebook"}  # Mastodon and Bluesky: none
    assert all(re.fullmatch(patterns[p], u) for p, u in links), [r for r in links if not re.fullmatch(patterns[r[0]], r[1])][:5]
    # registered accounts keep their official link, exactly as fetched
    official = read_published(folder, "SELECT platform, post_id, url FROM posts WHERE author_key IN ($m, $b)",
                              {"m": f"mastodon:{MASTODON_STAFF}", "b": f"bluesky:{staff_did}"})
    raw = dict(((p, u.split("/")[-1]), u) for p, u in raw_query(
        "SELECT platform, url FROM raw_posts WHERE author_id IN ($m, $b)", {"m": MASTODON_STAFF, "b": staff_did}))
    assert {p for p, _, _ in official} == {"mastodon", "bluesky"}
    assert all(raw[(p, u.split("/")[-1])] == u for p, _, u in official)


def test_hashed_bluesky_ids_still_join_threads(published, read_published, monkeypatch):
    folder, _, _ = published
    monkeypatch.setenv(config.DATA_ENV, str(folder))
    raw = raw_query("SELECT post_id, parent_id FROM raw_posts WHERE platform = 'bluesky'")
    stored = {p for p, _ in raw}
    replies_with_parent = sum(1 for _, parent in raw if parent in stored)
    got = read_published(folder, "SELECT count(*) FILTER (WHERE parent_id IS NOT NULL AND NOT parent_missing),"
                                 " count(*), count(DISTINCT thread_id),"
                                 " count(*) FILTER (WHERE post_id LIKE 'at://did:%' OR thread_id LIKE '%did:%')"
                                 " FROM posts WHERE platform = 'bluesky'")[0]
    raw_threads = len({row[0] for row in raw_query(
        "SELECT coalesce(thread_id, post_id) FROM raw_posts WHERE platform = 'bluesky'")})
    assert got == (replies_with_parent, len(stored), raw_threads, 0)
    assert replies_with_parent > 0


def test_a_review_decision_recorded_against_the_old_bluesky_id_still_finds_its_flag(data_dir, tmp_path):
    did = "did:plc:abcdefghijklmnopqrstuvwx"
    uri = f"at://{did}/app.bsky.feed.post/3lpk2u6qo222m"
    jobs.import_file(write_jsonl(tmp_path / "posts.jsonl", [post(
        uri, platform="bluesky", author_id=did, trust_code="RR8",
        text="Lady in bay 4 NHS no 401 023 2137 needs rebooking")]))
    (tmp_path / "accounts.csv").write_text(f"platform,author_id,role,trust_code,title\nbluesky,{did},professional,RR8,R\n")
    jobs.load_accounts(tmp_path / "accounts.csv")
    reviews.record_decision("bluesky", uri, "CONF-NHS-NUMBER", "confirmed", "", "Ann")  # as before the change
    build()
    rows = published_query("SELECT post_id, status FROM flag_reviews WHERE rule_id = 'CONF-NHS-NUMBER'")
    assert len(rows) == 1 and rows[0][0].startswith("at://p_") and rows[0][1] == "confirmed"
