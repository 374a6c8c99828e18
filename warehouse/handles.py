"""No public member's handle or Bluesky DID in the published warehouse (issue #18 item 3).

Members of the public are pseudonymised (``author_key``), but their handles also travelled in
links (``x.com/NAME/status``, Mastodon ``/@NAME/``, ``bsky.app/profile/NAME``), in Bluesky post
ids (``at://DID/app.bsky.feed.post/KEY`` holds the author's DID) and in the text (``@NAME``
mentions, profile links). The build defines three SQL macros (temporary: they are not
published) that the models use:

* ``radsome_hide_did(platform, id, key)``: a Bluesky ``at://`` id with its authority (the DID,
  or a handle) replaced by a keyed hash, ``at://p_<20 hex>/…`` — the same key as the
  pseudonyms (``$pseudonym_key``), so the same DID gives the same hash in ``post_id``,
  ``parent_id`` and ``thread_id`` and threads still join. Applied in ``stg_posts`` to every
  Bluesky id, staff or public (a staff DID in an id would undo the analyst's pseudonyms), and
  to the review decisions the build reads, so that a decision recorded against an id before
  the hashing still finds its flag (an id hashed already, ``at://p_…``, is left as it is).
* ``radsome_public_url(platform, post_id, parent_id, thread_id)``: a link for a post by a
  member of the public that names nobody, built from ids alone: X ``x.com/i/web/status/ID``,
  Reddit ``reddit.com/comments/THREAD/_/COMMENT/``, Facebook ``facebook.com/PAGE/posts/POST``
  (``?comment_id=…``; Facebook ids carry no handle); NULL where no such form exists
  (Mastodon, Bluesky, the other platforms). Registered staff and organisation accounts keep
  the official link as fetched (``int_posts``).
* ``radsome_no_handles(text)``: published text and evidence spans with ``@mentions``
  (``@name``, ``@name@host``, ``@name.bsky.social``), profile links' names and DIDs replaced
  by ``…``. The rules and classifiers read the text as posted (``int_posts``), so no flag or
  question changes; what is published, searched and downloaded has no handle in it. Display
  redaction (``ui.redact``) leaves ``@…`` alone.

All patterns are code constants (RE2, as DuckDB runs them).
"""
from __future__ import annotations

_DID = r"did:(?:plc:[a-z2-7]{24}|web:[A-Za-z0-9.%\-]{3,100})"
_PROFILE = (r"((?:^|[^A-Za-z0-9_.\-])(?:(?:www|mobile|web|old|new|m)\.)?(?:(?:x|twitter|instagram|facebook|fb|"
            r"threads|tiktok|youtube)\.com/|threads\.net/|linkedin\.com/in/|reddit\.com/u(?:ser)?/|"
            r"bsky\.app/profile/|[A-Za-z0-9\-]{1,63}(?:\.[A-Za-z0-9\-]{1,63}){1,4}/users/))"
            r"@?[A-Za-z0-9_.\-:%]{1,100}")
_MENTION = (r"(^|[^A-Za-z0-9_@])@[A-Za-z0-9_](?:[A-Za-z0-9_.\-]{0,99}[A-Za-z0-9_])?"
            r"(?:@[A-Za-z0-9\-]{1,63}(?:\.[A-Za-z0-9\-]{1,63}){1,8})?")
_REDDIT_USER = r"(^|[^A-Za-z0-9_/.:@])/?u/[A-Za-z0-9_\-]{3,40}"
HIDDEN = "…"


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


MACROS = f"""
CREATE OR REPLACE TEMP MACRO radsome_hide_did(platform, id, k) AS
    CASE WHEN platform = 'bluesky' AND regexp_matches(id, '^at://[^/]+') AND NOT starts_with(id, 'at://p_')
         THEN 'at://p_' || left(sha256(k || chr(31) || 'bluesky' || chr(31)
                                       || regexp_extract(id, '^at://([^/]+)', 1)), 20)
              || regexp_extract(id, '^at://[^/]+(.*)$', 1)
         ELSE id END;

CREATE OR REPLACE TEMP MACRO radsome_public_url(platform, post_id, parent_id, thread_id) AS
    CASE
        WHEN platform = 'x' AND regexp_full_match(post_id, '[0-9]{{1,25}}')
            THEN 'https://x.com/i/web/status/' || post_id
        WHEN platform = 'reddit' AND regexp_full_match(post_id, 't3_[a-z0-9]{{1,16}}')
            THEN 'https://www.reddit.com/comments/' || substr(post_id, 4) || '/'
        WHEN platform = 'reddit' AND regexp_full_match(post_id, 't1_[a-z0-9]{{1,16}}')
             AND regexp_full_match(thread_id, 't3_[a-z0-9]{{1,16}}')
            THEN 'https://www.reddit.com/comments/' || substr(thread_id, 4) || '/_/' || substr(post_id, 4) || '/'
        WHEN platform = 'facebook' AND post_id = thread_id AND regexp_full_match(post_id, '[0-9]{{1,25}}_[0-9]{{1,25}}')
            THEN 'https://www.facebook.com/' || replace(post_id, '_', '/posts/')
        WHEN platform = 'facebook' AND regexp_full_match(thread_id, '[0-9]{{1,25}}_[0-9]{{1,25}}')
             AND regexp_full_match(post_id, '([0-9]{{1,25}}_)?[0-9]{{1,25}}')
            THEN 'https://www.facebook.com/' || replace(thread_id, '_', '/posts/') || '?comment_id='
                 || CASE WHEN parent_id IS NOT NULL AND parent_id <> thread_id
                              AND regexp_full_match(parent_id, '([0-9]{{1,25}}_)?[0-9]{{1,25}}')
                         THEN regexp_extract(parent_id, '([0-9]+)$', 1) || '&reply_comment_id='
                         ELSE '' END
                 || regexp_extract(post_id, '([0-9]+)$', 1)
    END;

CREATE OR REPLACE TEMP MACRO radsome_no_handles(t) AS
    regexp_replace(regexp_replace(regexp_replace(regexp_replace(t,
        {_literal(_DID)}, {_literal('did:' + HIDDEN)}, 'g'),
        {_literal(_PROFILE)}, {_literal(chr(92) + '1' + HIDDEN)}, 'gi'),
        {_literal(_MENTION)}, {_literal(chr(92) + '1@' + HIDDEN)}, 'g'),
        {_literal(_REDDIT_USER)}, {_literal(chr(92) + '1u/' + HIDDEN)}, 'gi');
"""


def make_macros(con) -> None:
    """The build's handle-free macros (temporary: defined on the build's connection only)."""
    con.execute(MACROS)
