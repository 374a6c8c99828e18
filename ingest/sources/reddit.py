"""Reddit: a submission with its comment tree (the JSON of ``/comments/{id}``: two Listings,
the submission then the comments) -> file-format records."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Iterator

REDDIT = "https://www.reddit.com"


def _time(epoch: float) -> str:
    return datetime.fromtimestamp(float(epoch), tz=timezone.utc).isoformat()


def _record(data: dict, thread_id: str, text: str) -> dict:
    return {
        "platform": "reddit",
        "post_id": data["name"],
        "parent_id": data.get("parent_id"),
        "thread_id": thread_id,
        "author_id": data.get("author") or f"unknown:{data['name']}",
        "author_name": data.get("author"),
        "created_at": _time(data["created_utc"]),
        "text": text,
        "url": REDDIT + data["permalink"] if data.get("permalink") else None,
    }


def _comments(children: list, thread_id: str) -> Iterator[dict]:
    for child in children:
        if child.get("kind") != "t1":  # "more" stubs carry no comment
            continue
        data = child["data"]
        yield _record(data, thread_id, data.get("body") or "")
        replies = data.get("replies")
        if isinstance(replies, dict):
            yield from _comments(replies["data"]["children"], thread_id)


def transform_thread(listings: list) -> list[dict]:
    """Records for the submission and every comment, depth first; thread = the submission."""
    submission = listings[0]["data"]["children"][0]["data"]
    thread_id = submission["name"]
    text = "\n\n".join(part for part in (submission.get("title"), submission.get("selftext")) if part)
    records = [_record(submission, thread_id, text) | {"parent_id": None}]
    if len(listings) > 1:
        records.extend(_comments(listings[1]["data"]["children"], thread_id))
    return records
