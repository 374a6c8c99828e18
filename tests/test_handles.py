"""The build's handle-free macros (warehouse/handles.py), case by case, on DuckDB itself."""
from __future__ import annotations

import pytest

from store import db
from warehouse import handles


@pytest.fixture(scope="module")
def con():
    con = db.connect_scratch()
    handles.make_macros(con)
    yield con
    con.close()


@pytest.mark.parametrize("text, published", [
    ("@alice thanks!", "@… thanks!"),
    ("RT @bob_99: can I eat before an MRI?", "RT @…: can I eat before an MRI?"),
    ("cc @carol@mastodon.social and @dave.bsky.social.", "cc @… and @…."),
    ("mail me at pat@nhs.net", "mail me at pat@nhs.net"),  # an e-mail address is not a handle
    ("see https://mastodon.social/@erin/1234", "see https://mastodon.social/@…/1234"),
    ("https://bsky.app/profile/frank.bsky.social/post/3k", "https://bsky.app/profile/…/post/3k"),
    ("https://x.com/GraceH/status/123 and twitter.com/@hal", "https://x.com/…/status/123 and twitter.com/…"),
    ("ask u/ivy_r or /u/jack or reddit.com/user/kim", "ask u/… or u/… or reddit.com/user/…"),
    ("at://did:plc:abcdefghijklmnopqrstuvwx/app.bsky.feed.post/1", "at://did:…/app.bsky.feed.post/1"),
    ("did:web:example.com says hi", "did:… says hi"),
    ("https://social.example/users/lee", "https://social.example/users/…"),
    ("no handles, 2 + 2 = 4 @ noon", "no handles, 2 + 2 = 4 @ noon"),
    (None, None),
])
def test_no_handles(con, text, published):
    assert con.execute("SELECT radsome_no_handles($t)", {"t": text}).fetchall()[0][0] == published


@pytest.mark.parametrize("platform, post_id, parent_id, thread_id, url", [
    ("x", "1441054496931258369", None, "1441054496931258369", "https://x.com/i/web/status/1441054496931258369"),
    ("x", "not-a-number", None, None, None),
    ("reddit", "t3_2gmzqe", None, "t3_2gmzqe", "https://www.reddit.com/comments/2gmzqe/"),
    ("reddit", "t1_cklhv0f", "t1_cklfmye", "t3_2gmzqe", "https://www.reddit.com/comments/2gmzqe/_/cklhv0f/"),
    ("facebook", "19292868552_10158407654328553", None, "19292868552_10158407654328553",
     "https://www.facebook.com/19292868552/posts/10158407654328553"),
    ("facebook", "10158407835073553", "19292868552_10158407654328553", "19292868552_10158407654328553",
     "https://www.facebook.com/19292868552/posts/10158407654328553?comment_id=10158407835073553"),
    ("facebook", "10158409984103553", "10158407835073553", "19292868552_10158407654328553",
     "https://www.facebook.com/19292868552/posts/10158407654328553?comment_id=10158407835073553"
     "&reply_comment_id=10158409984103553"),
    ("facebook", "fbexport:abc", None, None, None),
    ("mastodon", "mastodon.social:1130", None, "mastodon.social:1130", None),
    ("bluesky", "at://p_0123456789abcdef0123/app.bsky.feed.post/3k", None, None, None),
    ("tiktok", "123", None, None, None),
])
def test_public_url_names_nobody(con, platform, post_id, parent_id, thread_id, url):
    got = con.execute("SELECT radsome_public_url($p, $i, $parent, $t)",
                      {"p": platform, "i": post_id, "parent": parent_id, "t": thread_id}).fetchall()[0][0]
    assert got == url


def test_hide_did_is_keyed_stable_and_keeps_the_record_key(con):
    uri = "at://did:plc:abcdefghijklmnopqrstuvwx/app.bsky.feed.post/3lpk2u6qo222m"
    one = con.execute("SELECT radsome_hide_did('bluesky', $u, 'k1'), radsome_hide_did('bluesky', $u, 'k1'),"
                      " radsome_hide_did('bluesky', $u, 'k2'), radsome_hide_did('x', $u, 'k1'),"
                      " radsome_hide_did('bluesky', NULL, 'k1')", {"u": uri}).fetchall()[0]
    assert one[0] == one[1] != one[2]
    assert one[0].startswith("at://p_") and one[0].endswith("/app.bsky.feed.post/3lpk2u6qo222m")
    assert "did:" not in one[0] and len(one[0].split("/")[2]) == 22
    assert one[3] == uri and one[4] is None  # other platforms and missing ids are left alone


def test_an_id_hashed_already_is_left_as_it_is(con):
    """So that review decisions recorded before and after the hashing both find their flag."""
    uri = "at://did:plc:abcdefghijklmnopqrstuvwx/app.bsky.feed.post/3k"
    hashed = con.execute("SELECT radsome_hide_did('bluesky', $u, 'k')", {"u": uri}).fetchall()[0][0]
    assert con.execute("SELECT radsome_hide_did('bluesky', $h, 'k')", {"h": hashed}).fetchall()[0][0] == hashed
