"""X (Twitter) API v2: a search response page (``data``, ``includes.users``,
``includes.tweets``, ``meta``; as ``GET /2/tweets/search/recent`` or ``/search/all`` return
it with ``expansions=author_id,referenced_tweets.id,referenced_tweets.id.author_id,
in_reply_to_user_id``) -> file-format records.

* Threads: ``parent_id`` is the ``replied_to`` entry of ``referenced_tweets``, ``thread_id``
  the ``conversation_id`` (the id of the conversation's first post).
* Roles and regions: the author's profile ``description`` and ``location`` come from the
  expanded user objects in ``includes.users``.
* A retweet is the retweeter's own post (its author, time and ``RT @…`` text), not a reply;
  a quote likewise. The ``referenced_tweets`` stay in the stored payload.
* The post a reply answers (``includes.tweets``, expanded by ``referenced_tweets.id``) is
  landed too (``parents=True``), so a thread is complete even when the parent does not
  match the search query; retweeted and quoted originals are not.

Each item's payload is the single-post v2 shape ``{"data": tweet, "includes": {"users":
[author]}}`` with both objects exactly as the API sent them.
"""
from __future__ import annotations

import json

from ingest.sources import MALFORMED, SourceFormatError, iso_time, problem, report

WEB = "https://x.com/i/web/status/"


def _id(value, name: str) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int)) or not str(value).strip().isdigit():
        raise ValueError(f"{name!r} is not a post or user id")
    return str(value).strip()


def _time(value) -> str:
    return iso_time(value)


def _text(value, name: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise TypeError(f"{name!r} is not text")
    return value


def replied_to(tweet: dict) -> str | None:
    """The id of the post this one replies to (``referenced_tweets`` type ``replied_to``)."""
    refs = tweet.get("referenced_tweets") or []
    if not isinstance(refs, list):
        raise TypeError("'referenced_tweets' is not a list")
    for ref in refs:
        if ref["type"] == "replied_to":
            return _id(ref["id"], "referenced_tweets.id")
    return None


def transform_tweet(tweet: dict, users: dict[str, dict]) -> dict:
    """One record from one tweet object and the page's users by id."""
    if not isinstance(tweet, dict):
        raise TypeError("the item is not an object")
    post_id = _id(tweet["id"], "id")
    author_id = _id(tweet["author_id"], "author_id")
    user = users.get(author_id) or {}
    text = tweet["text"]
    if not isinstance(text, str):
        raise TypeError("'text' is not text")
    return {
        "platform": "x",
        "post_id": post_id,
        "parent_id": replied_to(tweet),
        "thread_id": _id(tweet["conversation_id"], "conversation_id") if tweet.get("conversation_id") else post_id,
        "author_id": author_id,
        "author_name": _text(user.get("username"), "username"),
        "author_bio": _text(user.get("description"), "description") or None,
        "author_location": _text(user.get("location"), "location") or None,
        "created_at": _time(tweet["created_at"]),
        "text": text,
        "url": WEB + post_id,
    }


def payload(tweet, users: dict[str, dict]) -> str:
    """The item's untouched JSON: the tweet, with its author's user object if expanded."""
    author = users.get(tweet.get("author_id")) if isinstance(tweet, dict) and isinstance(tweet.get("author_id"), str) else None
    return json.dumps({"data": tweet, "includes": {"users": [author] if author else []}}, ensure_ascii=False)


def check_page(page) -> list:
    """The page's ``data`` list; raises :class:`SourceFormatError` when the body is not a v2
    search page (X leaves ``data`` out only when ``meta.result_count`` is 0)."""
    if not isinstance(page, dict):
        raise SourceFormatError("x: the response is not a JSON object")
    meta = page.get("meta")
    if not isinstance(meta, dict):
        raise SourceFormatError("x: the response has no 'meta' object (not a search page)")
    if "data" not in page:
        if meta.get("result_count") in (0, "0"):
            return []
        raise SourceFormatError(f"x: the response has no 'data' but meta.result_count is"
                                f" {meta.get('result_count')!r}")
    if not isinstance(page["data"], list):
        raise SourceFormatError("x: 'data' is not a list of posts")
    return page["data"]


def _by_id(objects, what: str) -> dict[str, dict]:
    if objects is None:
        return {}
    if not isinstance(objects, list):
        raise SourceFormatError(f"x: 'includes.{what}' is not a list")
    return {o["id"]: o for o in objects if isinstance(o, dict) and isinstance(o.get("id"), str)}


def page_items(page, *, parents: bool = True) -> list[tuple[str, dict | None, str | None]]:
    """``(payload, record or None, problem or None)`` for every post of one response page:
    the page's ``data`` (newest first, as X sends them), then the posts they reply to from
    ``includes.tweets`` (each once, and not if already in ``data``). A post that cannot be
    read gets a problem naming it and the field; a body that is not a search page raises
    :class:`SourceFormatError`."""
    tweets = check_page(page)
    includes = page.get("includes") or {}
    if not isinstance(includes, dict):
        raise SourceFormatError("x: 'includes' is not an object")
    users = _by_id(includes.get("users"), "users")
    referenced = _by_id(includes.get("tweets"), "tweets")
    out, seen, wanted = [], set(), []
    for i, tweet in enumerate(tweets, 1):
        where = f"post {i}" + (f" ({tweet['id']})" if isinstance(tweet, dict) and isinstance(tweet.get("id"), str) else "")
        try:
            record = transform_tweet(tweet, users)
        except MALFORMED as exc:
            out.append((payload(tweet, users), None, problem("x", where, exc)))
            continue
        out.append((payload(tweet, users), record, None))
        seen.add(record["post_id"])
        if record["parent_id"]:
            wanted.append(record["parent_id"])
    if parents:
        for parent_id in wanted:
            if parent_id in seen or parent_id not in referenced:
                continue  # already landed, or not expanded (deleted, protected: see the page's errors)
            seen.add(parent_id)
            tweet = referenced[parent_id]
            try:
                out.append((payload(tweet, users), transform_tweet(tweet, users), None))
            except MALFORMED as exc:
                out.append((payload(tweet, users), None, problem("x", f"replied-to post {parent_id}", exc)))
    return out


def transform_page(page, problems: list[str] | None = None, *, parents: bool = True) -> list[dict]:
    """Records for one response page (see :func:`page_items`). A post that cannot be read
    raises :class:`SourceFormatError`; with a ``problems`` list it is skipped and the reason
    appended there instead (the connector quarantines it)."""
    records = []
    for _, record, why in page_items(page, parents=parents):
        if record is None:
            report(problems, why)
        else:
            records.append(record)
    return records


def deleted_ids(page) -> list[str]:
    """Posts the page's ``errors`` report as gone: X answers an expansion of a deleted post
    (e.g. the parent of a reply) with a ``resource-not-found`` error for that tweet id."""
    errors = page.get("errors") if isinstance(page, dict) else None
    out = []
    for error in errors if isinstance(errors, list) else []:
        if (isinstance(error, dict) and error.get("resource_type") == "tweet"
                and str(error.get("type", "")).endswith("/resource-not-found")
                and isinstance(error.get("resource_id"), str) and error["resource_id"].isdigit()):
            out.append(error["resource_id"])
    return out
