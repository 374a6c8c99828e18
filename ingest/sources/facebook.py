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

_POST_PATH = re.compile(r"/(\d+)/posts/(\d+)")


def _time(value: str) -> str:
    """Graph API times look like 2021-08-10T19:38:44+0000."""
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S%z").isoformat()


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
    own_id = comment.get("id") or (reply_id or comment_id)
    sender = comment.get("from") or {}
    return {
        "platform": "facebook",
        "post_id": own_id,
        "parent_id": comment_id if reply_id else post_id,
        "thread_id": post_id,
        "author_id": sender.get("id") or f"unknown:{own_id}",
        "author_name": sender.get("name"),
        "created_at": _time(comment["created_time"]),
        "text": comment.get("message") or "",
        "url": url,
    }


def transform_comments(pages: list[dict]) -> list[dict]:
    """Records for every comment and reply in the given ``/comments`` response pages."""
    return [transform_comment(c) for page in pages for c in page.get("data", [])]
