"""Reddit: a submission with its comment tree (the JSON of ``/comments/{id}``: two Listings,
the submission then the comments) -> file-format records.

Removed and deleted items: Reddit keeps a removed or deleted comment in the tree (its replies
hang from it) with the body ``[deleted]`` / ``[removed]``; a deleted submission keeps its
title but its text becomes ``[deleted]`` / ``[removed]`` (newer responses also say why in
``removed_by_category``). :func:`thread_items` marks such items ``deleted`` so that the
connector records them as deleted and stores none of their text. An author shown as
``[deleted]`` (the account is gone, the post is not) is not an author: ``unknown:<id>``.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Iterator

from ingest.sources import MALFORMED, SourceFormatError, problem, report, unknown_author

REDDIT = "https://www.reddit.com"
GONE = ("[deleted]", "[removed]")  # what Reddit shows instead of a deleted/removed text or author


@dataclass
class ThreadItem:
    """One submission or comment of a thread: ``path`` says where it sits in the response
    (listing index, then the child index at each level, from 0), with its record, or the
    ``problem`` that stopped it being read; ``deleted`` when Reddit shows it removed/deleted."""
    path: tuple[int, ...]
    record: dict | None = None
    problem: str | None = None
    deleted: bool = False


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
    if author in GONE:
        author = None
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
        "author_id": author or unknown_author(data["name"]),
        "author_name": author,
        "created_at": _time(data["created_utc"]),
        "text": text,
        "url": REDDIT + data["permalink"] if data.get("permalink") else None,
    }


def _comments(children: list, thread_id: str, path: tuple[int, ...]) -> Iterator[ThreadItem]:
    if not isinstance(children, list):
        where = "replies of comment " + ".".join(str(i + 1) for i in path[1:]) if path[1:] else "comments"
        raise SourceFormatError(problem("reddit", where, ValueError("'children' is not a list")))
    for i, child in enumerate(children):
        here = path + (i,)
        try:
            if not isinstance(child, dict) or child.get("kind") != "t1":  # "more" stubs carry no comment
                continue
            data = child["data"]
            body = _str(data.get("body"))
            record = _record(data, thread_id, body)
            replies = data.get("replies")
            reply_children = replies["data"]["children"] if isinstance(replies, dict) else []
        except MALFORMED as exc:
            where = "comment " + ".".join(str(n + 1) for n in here[1:])
            yield ThreadItem(here, problem=problem("reddit", where, exc))
            continue
        yield ThreadItem(here, record, deleted=body in GONE)
        yield from _comments(reply_children, thread_id, here)


def thread_items(listings: list) -> Iterator[ThreadItem]:
    """The submission and every comment, depth first, each with where it sits in ``listings``;
    a comment that cannot be read comes with its problem (and its replies are skipped). Raises
    :class:`~ingest.sources.SourceFormatError` when the submission or the comments listing
    cannot be read at all."""
    try:
        submission = listings[0]["data"]["children"][0]["data"]
        thread_id = _name(submission)
        selftext = submission.get("selftext")
        text = "\n\n".join(_str(part) for part in (submission.get("title"), selftext) if part)
        record = _record(submission, thread_id, text) | {"parent_id": None}
        removed = submission.get("removed_by_category")
    except MALFORMED as exc:
        raise SourceFormatError(problem("reddit", "submission", exc)) from None
    yield ThreadItem((0, 0), record, deleted=(isinstance(selftext, str) and selftext in GONE) or bool(removed))
    if len(listings) > 1:
        try:
            children = listings[1]["data"]["children"]
        except MALFORMED as exc:
            raise SourceFormatError(problem("reddit", "comments listing", exc)) from None
        yield from _comments(children, thread_id, (1,))


def transform_thread(listings: list, problems: list[str] | None = None,
                     deleted: list[str] | None = None) -> list[dict]:
    """Records for the submission and every comment, depth first; thread = the submission.

    A submission that cannot be read raises :class:`~ingest.sources.SourceFormatError`; a
    comment that cannot be read raises it too, or with a ``problems`` list is skipped (with its
    replies) and the reason appended there (the connector quarantines it). With a ``deleted``
    list, items Reddit shows deleted or removed give no record: their ids go there instead."""
    records = []
    for item in thread_items(listings):
        if item.problem is not None:
            report(problems, item.problem)
        elif item.deleted and deleted is not None:
            deleted.append(item.record["post_id"])
        else:
            records.append(item.record)
    return records
