"""Facebook Graph API -> file-format records: a page's ``/feed`` pages (posts) and a post's
``/comments`` pages (``filter=stream``, with replies).

Threading of comments comes from ``permalink_url``: ``?comment_id=C`` for a comment on the
post, ``?comment_id=C&reply_comment_id=R`` for a reply to comment C. Comment ids are the
short ids of the permalink (``C``, ``R``); where the API gives ``id`` as ``POST_COMMENT`` its
last part is the same short id, so a reply's ``parent_id`` always matches its comment's
``post_id``. A post's id is the Graph id ``PAGE_POST``, which is also what a comment
permalink's ``/PAGE/posts/POST`` gives as the comment's ``thread_id``. Without a page token
the API omits ``from``; those posts and comments get ``unknown:<id>`` authors (see
``ingest.sources``).
"""
from __future__ import annotations

import re
from datetime import datetime
from urllib.parse import parse_qs, urlparse

from ingest.sources import MALFORMED, SourceFormatError, problem, report

_POST_PATH = re.compile(r"/(\d+)/posts/(\d+)")


def _time(value: str) -> str:
    """Graph API times look like 2021-08-10T19:38:44+0000."""
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S%z").isoformat()


def _text(value) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise TypeError("'message' is not text")
    return value


def _id(value, name: str) -> str:
    if not isinstance(value, (str, int)) or isinstance(value, bool) or str(value).strip() == "":
        raise ValueError(f"{name!r} is not an id")
    return str(value)


def post_id_from_permalink(url: str) -> str:
    match = _POST_PATH.search(urlparse(url).path)
    if not match:
        raise ValueError(f"not a Facebook post permalink: {url!r}")
    return f"{match.group(1)}_{match.group(2)}"


def _short(value, name: str) -> str:
    """The last part of a Graph id (``POST_COMMENT`` -> ``COMMENT``)."""
    return _id(value, name).rsplit("_", 1)[-1]


def _url(value) -> str | None:
    if value is not None and not isinstance(value, str):
        raise TypeError("'permalink_url' is not text")
    return value


def _author(item: dict, own_id: str) -> tuple[str, str | None]:
    sender = item.get("from") or {}
    if not isinstance(sender, dict):
        raise TypeError("'from' is not an object")
    name = sender.get("name")
    if name is not None and not isinstance(name, str):
        raise TypeError("'from.name' is not text")
    return (_id(sender["id"], "from.id") if sender.get("id") else f"unknown:{own_id}"), name


def transform_comment(comment: dict, post_id: str | None = None) -> dict:
    """One comment or reply. ``post_id`` (the post whose ``/comments`` were asked for, as the
    connector knows it) is used only where the permalink does not name the post."""
    if post_id is None or "permalink_url" in comment:
        url = comment["permalink_url"]
        query = parse_qs(urlparse(url).query)
    else:
        url, query = None, {}
    try:
        thread_id = post_id_from_permalink(url) if url is not None else _id(post_id, "post")
    except ValueError:
        if post_id is None:
            raise
        thread_id = _id(post_id, "post")
    comment_id = (query.get("comment_id") or [None])[0]
    reply_id = (query.get("reply_comment_id") or [None])[0]
    if post_id is None and comment_id is None:
        raise KeyError("comment_id")
    if reply_id or comment_id:
        own_id = _id(reply_id or comment_id, "id")
    else:
        own_id = _short(comment["id"], "id")
    parent = comment.get("parent")
    if reply_id:
        parent_id = comment_id
    elif isinstance(parent, dict) and parent.get("id"):
        parent_id = _short(parent["id"], "parent.id")
    else:
        parent_id = thread_id
    return _record(comment, own_id, parent_id, thread_id, url)


def transform_post(post: dict) -> dict:
    """One post of a page's (or group's) ``/feed``: the root of its thread."""
    own_id = _id(post["id"], "id")
    return _record(post, own_id, None, own_id, post.get("permalink_url"))


def _record(item: dict, own_id: str, parent_id: str | None, thread_id: str, url) -> dict:
    """The file-format record of a post or comment, once its place in the thread is known."""
    author_id, author_name = _author(item, own_id)
    return {
        "platform": "facebook",
        "post_id": own_id,
        "parent_id": parent_id,
        "thread_id": thread_id,
        "author_id": author_id,
        "author_name": author_name,
        "created_at": _time(item["created_time"]),
        "text": _text(item.get("message")),
        "url": _url(url),
    }


def _transform_pages(pages, problems, transform, kind: str, what: str) -> list[dict]:
    records = []
    if not isinstance(pages, list):
        raise SourceFormatError(f"facebook: a {kind} response is a list of pages")
    for p, page in enumerate(pages, 1):
        items = page.get("data", []) if isinstance(page, dict) else None
        if not isinstance(items, list):
            report(problems, problem("facebook", f"page {p}", ValueError(f"'data' is not a list of {what}s")))
            continue
        for i, item in enumerate(items, 1):
            try:
                record = transform(item)
                if not record["created_at"] or not isinstance(record["text"], str):
                    raise ValueError("no time or text")
            except MALFORMED as exc:
                report(problems, problem("facebook", f"page {p} {what} {i}", exc))
                continue
            records.append(record)
    return records


def transform_feed(pages: list[dict], problems: list[str] | None = None) -> list[dict]:
    """Records for every post in the given ``/feed`` response pages (errors as in
    :func:`transform_comments`)."""
    return _transform_pages(pages, problems, transform_post, "/feed", "post")


def transform_comments(pages: list[dict], problems: list[str] | None = None) -> list[dict]:
    """Records for every comment and reply in the given ``/comments`` response pages.

    A comment that cannot be read (a missing or malformed field) raises
    :class:`~ingest.sources.SourceFormatError` naming the page and item; with a ``problems``
    list, it is skipped and the reason appended there instead (the connector quarantines it).
    """
    return _transform_pages(pages, problems, transform_comment, "/comments", "comment")
