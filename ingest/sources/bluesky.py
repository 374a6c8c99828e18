"""Bluesky (AT Protocol): ``app.bsky.feed.defs#postView`` JSON -> file-format records.

A post view is what ``app.bsky.feed.searchPosts`` returns in ``posts`` and what
``app.bsky.feed.getPostThread`` returns in ``thread.post`` and, nested, in ``replies``:

* ``post_id`` is the post's ``at://`` URI (``at://<did>/app.bsky.feed.post/<rkey>``), the only
  id Bluesky itself uses for a post;
* ``parent_id`` / ``thread_id`` come from ``record.reply.parent.uri`` / ``record.reply.root.uri``;
  a post that is not a reply is the root of its own thread;
* ``author_id`` is the author's DID (permanent; the handle can change), ``author_name`` the
  display name, or the handle when there is none; ``author_bio`` the profile ``description``
  when the view carries one (``profileViewBasic`` in search results usually does not);
* ``created_at`` is ``record.createdAt`` (the time the author's client wrote, with its offset
  — ``Z`` or ``+00:00``, micro- or milliseconds); ``indexedAt`` is when Bluesky saw it;
* ``url`` is ``https://bsky.app/profile/<handle>/post/<rkey>`` (the DID when the handle is
  ``handle.invalid``).

Thread items that are not post views: ``#notFoundPost`` (deleted, or never existed) and
``#blockedPost`` (the author blocks the viewer, or the other way round). :func:`thread_items`
reports the first as deleted and skips the second.
"""
from __future__ import annotations

import re
from datetime import datetime

from ingest.sources import MALFORMED, SourceFormatError, problem, report

_URI = re.compile(r"^at://(did:[a-z]+:[A-Za-z0-9._:%-]+)/app\.bsky\.feed\.post/([A-Za-z0-9._:~-]+)$")
_FRACTION = re.compile(r"(\.\d{6})\d+")  # nanoseconds -> microseconds (fromisoformat takes 6 digits)
NOT_FOUND = "app.bsky.feed.defs#notFoundPost"
BLOCKED = "app.bsky.feed.defs#blockedPost"


def _text(value, name: str) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{name!r} is not text")
    return value


def _optional_text(value, name: str) -> str | None:
    if value is None:
        return None
    return _text(value, name) or None


def post_uri(value) -> tuple[str, str, str]:
    """(uri, did, rkey) of a post's ``at://`` URI; ValueError when it is not one."""
    match = _URI.match(value) if isinstance(value, str) else None
    if not match:
        raise ValueError(f"not a Bluesky post URI: {value!r}")
    return value, match.group(1), match.group(2)


def created_time(value) -> str:
    """``record.createdAt`` as ISO 8601 with its offset; a time without one is refused (the
    AT Protocol requires it, and guessing would shift the post)."""
    text = _text(value, "record.createdAt").strip()
    parsed = datetime.fromisoformat(_FRACTION.sub(r"\1", text))
    if parsed.tzinfo is None:
        raise ValueError(f"record.createdAt {text!r} has no UTC offset")
    return parsed.isoformat()


def transform_post(view: dict) -> dict:
    """One record from one post view (raises on a missing or malformed field)."""
    if not isinstance(view, dict):
        raise TypeError("the post view is not an object")
    uri, did, rkey = post_uri(view["uri"])
    author, record = view["author"], view["record"]
    if not isinstance(author, dict) or not isinstance(record, dict):
        raise TypeError("'author' or 'record' is not an object")
    author_did = _text(author["did"], "author.did")
    if author_did != did:
        raise ValueError(f"author.did {author_did!r} is not the DID of {uri!r}")
    handle = _optional_text(author.get("handle"), "author.handle")
    reply = record.get("reply")
    if reply is not None:
        if not isinstance(reply, dict):
            raise TypeError("'record.reply' is not an object")
        parent = post_uri(reply["parent"]["uri"])[0]
        root = post_uri(reply["root"]["uri"])[0]
    else:
        parent, root = None, uri
    profile = handle if handle and handle != "handle.invalid" else did
    return {
        "platform": "bluesky",
        "post_id": uri,
        "parent_id": parent,
        "thread_id": root,
        "author_id": did,
        "author_name": _optional_text(author.get("displayName"), "author.displayName") or handle,
        "author_bio": _optional_text(author.get("description"), "author.description"),
        "created_at": created_time(record["createdAt"]),
        "text": _text(record["text"], "record.text"),
        "url": f"https://bsky.app/profile/{profile}/post/{rkey}",
    }


def read_post(view, where: str) -> tuple[dict | None, str | None]:
    """(record, None), or (None, the one-line problem) for a view that cannot be read."""
    try:
        return transform_post(view), None
    except MALFORMED as exc:
        return None, problem("bluesky", where, exc)


def thread_items(thread, where: str = "thread") -> tuple[list[dict], list[str]]:
    """Walk a ``getPostThread`` ``thread`` (a thread view post and its nested ``replies``)
    depth first, below its root: (the reply post views, in order; the URIs reported
    ``notFoundPost``, i.e. deleted). The root's own view is not returned (the connector has
    it from the search), but a root that is itself ``notFoundPost`` is reported deleted.
    Raises :class:`~ingest.sources.SourceFormatError` when the structure is not a thread."""
    views: list[dict] = []
    deleted: list[str] = []

    def walk(node, path: str, root: bool) -> None:
        if not isinstance(node, dict):
            raise SourceFormatError(f"bluesky: {path}: not a thread item")
        kind = node.get("$type")
        if kind == NOT_FOUND or node.get("notFound") is True:
            deleted.append(post_uri(node.get("uri"))[0] if isinstance(node.get("uri"), str) else "")
            return
        if kind == BLOCKED or node.get("blocked") is True:
            return
        if "post" not in node:
            raise SourceFormatError(f"bluesky: {path}: a thread item of unknown type {kind!r}")
        if not root:
            views.append(node["post"])
        replies = node.get("replies") or []
        if not isinstance(replies, list):
            raise SourceFormatError(f"bluesky: {path}: 'replies' is not a list")
        for i, child in enumerate(replies, 1):
            walk(child, f"{path} reply {i}", False)

    try:
        walk(thread, where, True)
    except ValueError as exc:  # a notFoundPost without a post URI
        raise SourceFormatError(f"bluesky: {where}: {exc}") from None
    return views, [uri for uri in deleted if uri]


def transform_posts(views: list, problems: list[str] | None = None, where: str = "post") -> list[dict]:
    """Records for a list of post views (e.g. a ``searchPosts`` response's ``posts``). A view
    that cannot be read raises :class:`~ingest.sources.SourceFormatError`; with a
    ``problems`` list it is skipped and the reason appended there instead."""
    if not isinstance(views, list):
        raise SourceFormatError("bluesky: 'posts' is not a list of post views")
    records = []
    for i, view in enumerate(views, 1):
        record, why = read_post(view, f"{where} {i}")
        if record is None:
            report(problems, why)
            continue
        records.append(record)
    return records
