"""Reddit: a submission with its comment tree (the JSON of ``/comments/{id}``: two Listings,
the submission then the comments) -> file-format records."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Iterator

from ingest.sources import MALFORMED, SourceFormatError, problem

REDDIT = "https://www.reddit.com"


def _time(epoch: float) -> str:
    return datetime.fromtimestamp(float(epoch), tz=timezone.utc).isoformat()


def _str(value) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise TypeError("a text field is not text")
    return value


def _name(data: dict) -> str:
    name = data["name"]
    if not isinstance(name, str) or not name.strip():
        raise ValueError("'name' is not an id")
    return name


def _record(data: dict, thread_id: str, text: str) -> dict:
    author = data.get("author")
    if author is not None and not isinstance(author, str):
        raise TypeError("'author' is not text")
    permalink = data.get("permalink")
    if permalink is not None and not isinstance(permalink, str):
        raise TypeError("'permalink' is not text")
    parent = data.get("parent_id")
    if parent is not None and not isinstance(parent, str):
        raise TypeError("'parent_id' is not text")
    return {
        "platform": "reddit",
        "post_id": _name(data),
        "parent_id": data.get("parent_id"),
        "thread_id": thread_id,
        "author_id": data.get("author") or f"unknown:{data['name']}",
        "author_name": data.get("author"),
        "created_at": _time(data["created_utc"]),
        "text": text,
        "url": REDDIT + data["permalink"] if data.get("permalink") else None,
    }


def _comments(children: list, thread_id: str, problems: list[str] | None, path: str = "") -> Iterator[dict]:
    if not isinstance(children, list):
        raise SourceFormatError(problem("reddit", f"comments{path}", ValueError("'children' is not a list")))
    for i, child in enumerate(children, 1):
        where = f"comment {path}{i}"
        try:
            if not isinstance(child, dict) or child.get("kind") != "t1":  # "more" stubs carry no comment
                continue
            data = child["data"]
            record = _record(data, thread_id, _str(data.get("body")))
            replies = data.get("replies")
            reply_children = replies["data"]["children"] if isinstance(replies, dict) else []
        except MALFORMED as exc:
            if problems is None:
                raise SourceFormatError(problem("reddit", where, exc)) from None
            problems.append(problem("reddit", where, exc))
            continue
        yield record
        yield from _comments(reply_children, thread_id, problems, f"{path}{i}.")


def transform_thread(listings: list, problems: list[str] | None = None) -> list[dict]:
    """Records for the submission and every comment, depth first; thread = the submission.

    A submission that cannot be read raises :class:`~ingest.sources.SourceFormatError`; a
    comment that cannot be read raises it too, or with a ``problems`` list is skipped (with its
    replies) and the reason appended there (the connector quarantines it)."""
    try:
        submission = listings[0]["data"]["children"][0]["data"]
        thread_id = _name(submission)
        text = "\n\n".join(_str(part) for part in (submission.get("title"), submission.get("selftext")) if part)
        records = [_record(submission, thread_id, text) | {"parent_id": None}]
    except MALFORMED as exc:
        raise SourceFormatError(problem("reddit", "submission", exc)) from None
    if len(listings) > 1:
        try:
            children = listings[1]["data"]["children"]
        except MALFORMED as exc:
            raise SourceFormatError(problem("reddit", "comments listing", exc)) from None
        records.extend(_comments(children, thread_id, problems))
    return records
