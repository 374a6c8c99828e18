"""Facebook Graph API: a page post's ``/comments`` pages (``filter=stream``, with replies)
-> file-format records.

Threading comes from ``permalink_url``: ``?comment_id=C`` for a comment on the post,
``?comment_id=C&reply_comment_id=R`` for a reply to comment C. Without a page token the API
omits ``from``; those comments get ``unknown:<id>`` authors (see ``ingest.sources``).
"""
from __future__ import annotations

import re
from datetime import datetime
from urllib.parse import parse_qs, urlparse

from ingest.sources import MALFORMED, SourceFormatError, problem

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


def transform_comment(comment: dict) -> dict:
    url = comment["permalink_url"]
    query = parse_qs(urlparse(url).query)
    post_id = post_id_from_permalink(url)
    comment_id = query["comment_id"][0]
    reply_id = query.get("reply_comment_id", [None])[0]
    own_id = _id(comment.get("id") or (reply_id or comment_id), "id")
    sender = comment.get("from") or {}
    if not isinstance(sender, dict):
        raise TypeError("'from' is not an object")
    return {
        "platform": "facebook",
        "post_id": own_id,
        "parent_id": comment_id if reply_id else post_id,
        "thread_id": post_id,
        "author_id": _id(sender["id"], "from.id") if sender.get("id") else f"unknown:{own_id}",
        "author_name": sender.get("name"),
        "created_at": _time(comment["created_time"]),
        "text": _text(comment.get("message")),
        "url": url,
    }


def transform_comments(pages: list[dict], problems: list[str] | None = None) -> list[dict]:
    """Records for every comment and reply in the given ``/comments`` response pages.

    A comment that cannot be read (a missing or malformed field) raises
    :class:`~ingest.sources.SourceFormatError` naming the page and item; with a ``problems``
    list, it is skipped and the reason appended there instead (the connector quarantines it).
    """
    records = []
    if not isinstance(pages, list):
        raise SourceFormatError("facebook: a /comments response is a list of pages")
    for p, page in enumerate(pages, 1):
        items = page.get("data", []) if isinstance(page, dict) else None
        if not isinstance(items, list):
            where_error = problem("facebook", f"page {p}", ValueError("'data' is not a list of comments"))
            if problems is None:
                raise SourceFormatError(where_error)
            problems.append(where_error)
            continue
        for i, comment in enumerate(items, 1):
            try:
                record = transform_comment(comment)
                if not record["created_at"] or not isinstance(record["text"], str):
                    raise ValueError("no time or text")
            except MALFORMED as exc:
                message = problem("facebook", f"page {p} comment {i}", exc)
                if problems is None:
                    raise SourceFormatError(message) from None
                problems.append(message)
                continue
            records.append(record)
    return records
