"""Bluesky (issue #5): ``python -m ingest bluesky``.

Each target is a search (``app.bsky.feed.searchPosts``, newest first, paged with its cursor);
for every hit that has replies, ``app.bsky.feed.getPostThread`` fetches the replies below it
(which need not match the search). Both go through the ``atproto`` client library, logged in
with an app password; every call goes through :func:`ingest.connectors.retry.call`.

Payload: each post view's JSON object as the response carried it — the dict that the client
parsed from the body (``invoke_query`` returns it unconverted: no model round trip, so no
field is renamed, dropped or defaulted), written back as JSON. The typed response models are
not used for the payload because ``model_dump(by_alias=True)`` is not the JSON that was sent.

Cursor (the ``cursors`` table, one row per key, saved in the transaction of the page it
covers). The search's own ``cursor`` pages *back in time* from the newest hit, so the
high-water mark of a search can only be trusted once the whole sweep has reached the end:

* ``since``: the newest ``sortAt`` (the earlier of ``record.createdAt`` and ``indexedAt``,
  which is what ``searchPosts``' ``since`` filters on) of the last *completed* sweep. A sweep
  asks for posts from ``since`` minus ``lookback_days`` on, so that recent threads are read
  again: new replies to them, and replies deleted since (``notFoundPost``), are picked up.
  Posts seen again are recognised as duplicates by content and add nothing.
* ``sweep_cursor`` / ``sweep_newest``: while a sweep is unfinished (the per-run ``limit`` was
  reached, or a crash or gap stopped it), the search cursor to continue from and the newest
  ``sortAt`` the sweep has seen. The next run continues there; ``since`` moves only on the
  sweep's last page. Advancing ``since`` after the first page instead would lose every older
  post of a sweep that stopped half-way.

A search page's replies are landed as pages of their own (each with its ``getPostThread``
request as provenance); the cursor goes with the last of them, so a failure in the middle
leaves the cursor where it was and the next run fetches that search page again.
"""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Iterator
from urllib.parse import urlencode

from ingest.connectors import retry
from ingest.connectors.base import Connector, Item, Page
from ingest.sources import SourceFormatError
from ingest.sources import bluesky as source
from store.errors import InputError

SERVICE = "https://bsky.social"
PAGE_SIZE = 100        # searchPosts' maximum
THREAD_DEPTH = 100     # reply levels below a hit (getPostThread allows up to 1000)
DEFAULT_LIMIT = 1000   # search hits per run
DEFAULT_LOOKBACK_DAYS = 2


class BlueskyConnector(Connector):
    name = "bluesky"
    platform = "bluesky"
    required = ("query",)
    optional = ("replies", "limit", "lookback_days")
    credential_names = ("BLUESKY_HANDLE", "BLUESKY_APP_PASSWORD")
    setup_help = "an app password from Bluesky Settings > Privacy and security > App passwords; docs/connectors.md 'Bluesky'"
    # extra arguments for the client library's httpx.Client (timeouts, proxies; tests pass a transport)
    http_options: dict = {}

    @classmethod
    def check_options(cls, options: dict) -> dict:
        query = options.get("query")
        if not isinstance(query, str) or not query.strip():
            raise ValueError("must be the search text, e.g. \"mammogram\" or \"#NHSBreastScreening\"", "query")
        replies = options.get("replies", True)
        if not isinstance(replies, bool):
            raise ValueError("must be true or false", "replies")
        limit = options.get("limit", DEFAULT_LIMIT)
        if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= 100_000:
            raise ValueError("must be a whole number of posts per run, 1 to 100000", "limit")
        lookback = options.get("lookback_days", DEFAULT_LOOKBACK_DAYS)
        if not isinstance(lookback, (int, float)) or isinstance(lookback, bool) or not 0 <= lookback <= 30:
            raise ValueError("must be a number of days, 0 to 30", "lookback_days")
        return {"query": query.strip(), "replies": replies, "limit": limit, "lookback_days": lookback}

    # -- the client and the one retry mechanism ------------------------------------------

    def _call(self, what: str, fn):
        """``fn()`` through :func:`retry.call`, the client library's errors turned into the
        retry kinds. Sleep and clock are looked up on :mod:`retry` at call time (tests)."""
        from atproto_client import exceptions as ex  # optional client (~0.6 s): loaded when run

        def attempt():
            try:
                return fn()
            except ex.RateLimitExceededError as exc:
                headers = exc.response.headers if exc.response is not None else {}
                raise retry.RateLimited(f"bluesky: {what}: HTTP 429",
                                        retry.reset_from_headers(headers, retry.time.time())) from exc
            except ex.InvokeTimeoutError as exc:
                raise retry.Transient(f"bluesky: {what}: timed out") from exc
            except ex.NetworkError as exc:
                why = f"HTTP {exc}" if exc.response is not None else f"network error ({exc.__cause__ or exc})"
                raise retry.Transient(f"bluesky: {what}: {why}") from exc
            except ex.RequestException as exc:
                if exc.response is not None and exc.response.status_code >= 500:
                    raise retry.Transient(f"bluesky: {what}: HTTP {exc}") from exc
                raise

        return retry.call(attempt, on_wait=lambda why, s: self.progress(f"{self.target.source}: {why}; waiting {s:.0f} s"))

    def _login(self):
        from atproto_client import Client  # optional client (~0.6 s): loaded when run
        from atproto_client import exceptions as ex  # optional client (~0.6 s): loaded when run
        from atproto_client.request import Request  # optional client (~0.6 s): loaded when run

        client = Client(SERVICE, request=Request(**self.http_options))
        handle = self.credentials["BLUESKY_HANDLE"]
        try:
            self._call("login", lambda: client.login(handle, self.credentials["BLUESKY_APP_PASSWORD"],
                                                     fetch_bsky_profile=False))
        except (ex.UnauthorizedError, ex.BadRequestError) as exc:
            raise InputError(f"bluesky: login as {handle!r} refused ({exc}): check BLUESKY_HANDLE and"
                             " BLUESKY_APP_PASSWORD (an app password, not the account password)") from None
        return client

    @staticmethod
    def _origin(client, nsid: str, params: dict) -> str:
        base = getattr(client, "_base_url", f"{SERVICE}/xrpc")
        return f"{base}/{nsid}?{urlencode(params)}"

    # -- pages ------------------------------------------------------------------------------

    def pages(self, cursor: dict[str, str]) -> Iterator[Page]:
        from atproto_client import models  # optional client (~0.6 s): loaded when run

        options = self.target.options
        client = self._login()
        since = cursor.get("since") or None
        page_cursor = cursor.get("sweep_cursor") or None
        newest = (cursor.get("sweep_newest") or "") if page_cursor else ""
        lower = None
        if since:
            days = options.get("lookback_days", DEFAULT_LOOKBACK_DAYS)
            lower = _stamp(_parse(since) - timedelta(days=days))
        limit = options.get("limit", DEFAULT_LIMIT)
        seen = 0
        while True:
            params = {"q": options["query"], "sort": "latest", "limit": min(PAGE_SIZE, limit - seen)}
            if lower:
                params["since"] = lower
            if page_cursor:
                params["cursor"] = page_cursor
            origin = self._origin(client, "app.bsky.feed.searchPosts", params)
            query = models.AppBskyFeedSearchPosts.Params(**params)
            try:
                response = self._call("searchPosts", lambda: client.invoke_query(
                    "app.bsky.feed.searchPosts", params=query, output_encoding="application/json"))
            except ValueError as exc:  # a JSON content type whose body is not JSON
                raise retry.GaveUp(f"bluesky: searchPosts: the response is not JSON ({exc}); stopped,"
                                   " pages before it kept") from None
            body = response.content
            posts = body.get("posts") if isinstance(body, dict) else None
            next_cursor = body.get("cursor") if isinstance(body, dict) else None
            if not isinstance(posts, list) or not (next_cursor is None or isinstance(next_cursor, str)):
                why = ("bluesky: searchPosts: malformed response (expected an object with a 'posts' list"
                       " and an optional 'cursor')")
                yield Page([Item(_json(body), None, why)], origin)  # quarantined, for inspection
                raise retry.GaveUp(why + "; stopped, pages before it kept")
            items = []
            for i, view in enumerate(posts, 1):
                record, problem = source.read_post(view, f"searchPosts post {i}")
                items.append(Item(_json(view), record, problem))
                newest = max(newest, _sort_at(view) or "")
            seen += len(posts)
            done = not posts or not next_cursor
            state = ({"since": max(newest, since or ""), "sweep_cursor": "", "sweep_newest": ""} if done
                     else {"sweep_cursor": next_cursor, "sweep_newest": newest})
            pending = Page(items, origin, fetched=len(posts))
            if options.get("replies", True):
                for view, item in zip(posts, items):
                    if item.record is None or not _has_replies(view):
                        continue  # an unreadable hit is quarantined; its thread is not asked for
                    try:
                        thread_page = self._thread(client, view["uri"])
                    except retry.GaveUp:
                        yield pending  # what was fetched is kept; the cursor stays
                        raise
                    yield pending
                    pending = thread_page
            pending.cursor = state
            yield pending
            if done:
                return
            if seen >= limit:
                self.progress(f"{self.target.source}: limit of {limit} posts reached; the next run continues")
                return
            page_cursor = next_cursor

    def _thread(self, client, uri: str) -> Page:
        """The replies below one post (a page of their own), and those reported deleted."""
        from atproto_client import exceptions as ex  # optional client (~0.6 s): loaded when run
        from atproto_client import models  # optional client (~0.6 s): loaded when run

        params = {"uri": uri, "depth": THREAD_DEPTH, "parentHeight": 0}
        origin = self._origin(client, "app.bsky.feed.getPostThread", params)
        query = models.AppBskyFeedGetPostThread.Params(uri=uri, depth=THREAD_DEPTH, parent_height=0)
        try:
            response = self._call("getPostThread", lambda: client.invoke_query(
                "app.bsky.feed.getPostThread", params=query, output_encoding="application/json"))
        except ex.BadRequestError as exc:
            error = getattr(exc.response.content, "error", None) if exc.response is not None else None
            if error == "NotFound":  # the post itself is gone
                return Page([], origin, deleted=[("bluesky", uri)])
            raise
        except ValueError as exc:
            return Page([Item("", None, f"bluesky: getPostThread {uri}: the response is not JSON ({exc})")], origin)
        body = response.content
        try:
            if not isinstance(body, dict) or "thread" not in body:
                raise SourceFormatError(f"bluesky: getPostThread {uri}: malformed response (no 'thread')")
            views, deleted = source.thread_items(body["thread"], f"getPostThread {uri}")
        except SourceFormatError as exc:
            return Page([Item(_json(body), None, str(exc))], origin)
        items = []
        for i, view in enumerate(views, 1):
            record, problem = source.read_post(view, f"getPostThread {uri} reply {i}")
            items.append(Item(_json(view), record, problem))
        return Page(items, origin, deleted=[("bluesky", u) for u in deleted], fetched=len(items))


def _json(value) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _has_replies(view) -> bool:
    return (isinstance(view, dict) and isinstance(view.get("uri"), str)
            and isinstance(view.get("replyCount"), int) and view["replyCount"] > 0)


def _parse(value: str) -> datetime:
    parsed = datetime.fromisoformat(source._FRACTION.sub(r"\1", value.strip()))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def _stamp(moment: datetime) -> str:
    """AT Protocol datetime: UTC, milliseconds, ``Z``."""
    return moment.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _sort_at(view) -> str | None:
    """``sortAt`` of a post view: the earlier of its ``createdAt`` and ``indexedAt`` (a
    client clock ahead of Bluesky's cannot push the high-water mark into the future)."""
    if not isinstance(view, dict):
        return None
    record = view.get("record") if isinstance(view.get("record"), dict) else {}
    times = []
    for value in (record.get("createdAt"), view.get("indexedAt")):
        try:
            times.append(_parse(value))
        except (TypeError, ValueError, AttributeError):
            continue
    return _stamp(min(times)) if times else None
