"""Reddit (issue #5): ``python -m ingest reddit``.

For each configured target: the subreddit's newest submissions (``/r/NAME/new``), or those of a
search within it (``/r/NAME/search?q=...&restrict_sr=1&sort=new``), then, for every submission
to fetch, its comment tree (``/comments/ID``: the submission and its comments, nested). One
:class:`~ingest.connectors.base.Page` per thread: its records come from
:func:`ingest.sources.reddit.thread_items`, removed or deleted items go to ``Page.deleted``.

**Client.** praw (``praw.Reddit``, read-only "script" app: client-credentials OAuth,
``check_for_updates=False``) with its generic ``Reddit.request``: praw's model objects do not
keep the JSON they were made from, so the connector asks for the API paths praw itself uses
and keeps what Reddit sent. A small ``prawcore.Requestor`` subclass (praw's documented
``requestor_class`` hook) sees every HTTP response first:

* it keeps the response, so each item's payload is the **exact text** of that item in
  Reddit's response body (a slice of the body, found by :func:`_child_spans`) and
  ``Page.origin`` is the request URL (the token travels in a header, never in a URL). One
  cut: a comment's nested ``replies`` value is written ``""`` (what Reddit sends for a
  comment without replies), since each reply is an item with its own payload; otherwise a
  reply's text would live on in its parent's payload after the reply is deleted (and a
  thread would be stored once per level of nesting);
* it turns HTTP 429 into :class:`~ingest.connectors.retry.RateLimited` (reset from
  ``x-ratelimit-reset``, seconds), 5xx/408 and timeouts or dropped connections into
  :class:`~ingest.connectors.retry.Transient`, before prawcore sees them: so prawcore's own
  retries (3 tries with random sleeps) never run and every wait goes through
  :func:`ingest.connectors.retry.call`, visible in the output and the coverage gaps.

prawcore still paces requests by Reddit's ``x-ratelimit-*`` headers (at most 10 s between
requests); when a response says the quota is used up (``x-ratelimit-remaining`` 0), the next
request is not sent: :class:`RateLimited` is raised with the reset time, so the wait (or the
gap, when it is longer than retry allows) is :mod:`retry`'s, not a silent sleep in prawcore.

**Cursor** (``cursors`` rows of source ``reddit:NAME``): ``newest_created_utc`` and
``newest_id`` (fullname) of the newest submission whose thread is landed. A run lists the
submissions newest first, back to the cursor minus ``recheck_days`` (default 7), and fetches:

1. the submissions newer than the cursor, oldest first, at most ``limit`` (default 100); each
   thread's page carries the cursor of its submission, so the cursor advances only when the
   thread is committed (more than ``limit`` new ones: the rest wait for the next run);
2. then, with what is left of ``limit``, the threads of the ``recheck_days`` before the cursor,
   newest first, again: replies keep arriving after a submission is posted (what is stored
   already is a duplicate and adds nothing), and a comment shown ``[deleted]``/``[removed]``
   now is recorded as deleted and its stored versions removed.

The first run (no cursor) takes the ``limit`` newest submissions. A listing that stops part
way (retries exhausted, a malformed page) keeps what it listed: those threads are landed
without moving the cursor (so nothing older is skipped for ever) and a coverage gap is
recorded. A thread whose body is not JSON, or not a thread, is quarantined with the reason
(its submission is inside the recheck window, so it is fetched again by later runs).

Not fetched: the "load more comments" stubs of threads over about 500 comments (Reddit's
``/api/morechildren``) and replies deeper than Reddit's default depth ("continue this thread").
"""
from __future__ import annotations

import json
import math
import re
import time
from dataclasses import dataclass
from json.decoder import scanstring
from typing import Iterator

import requests

from ingest.connectors import retry
from ingest.connectors.base import Connector, Item, Page
from ingest.sources import SourceFormatError
from ingest.sources import reddit as transform
from store.errors import InputError

USER_AGENT = "RadSoMe/1.0 (NHS social-media monitoring)"
API = "https://oauth.reddit.com"
LISTING_LIMIT = 100      # submissions per listing request (Reddit's maximum)
LISTING_PAGES = 10       # Reddit lists at most about 1,000 submissions
COMMENT_LIMIT = 500      # comments per thread request
DEFAULT_LIMIT = 100      # threads fetched per run
RECHECK_DAYS = 7
TIMEOUT = 30
SUBREDDIT = re.compile(r"[A-Za-z0-9][A-Za-z0-9_]{1,20}(\+[A-Za-z0-9][A-Za-z0-9_]{1,20})*")  # NHS, NHS+nursing
RETRY_STATUSES = {408, 500, 502, 503, 504, 520, 522, 524}


class Unavailable(Exception):
    """HTTP 403/404 or a redirect (Reddit's answer for a subreddit that does not exist)."""


class MalformedResponse(Exception):
    """A 2xx response whose body is not the JSON expected; ``body`` is its text."""

    def __init__(self, message: str, url: str, body: str):
        super().__init__(message)
        self.url, self.body = url, body


@dataclass(frozen=True)
class Listed:
    """A submission as the listing shows it: enough to order it and fetch its thread."""
    id: str            # base-36 id, e.g. 2gmzqe
    name: str          # fullname, e.g. t3_2gmzqe
    created: float     # created_utc

    @property
    def key(self) -> tuple[float, int]:
        return (self.created, int(self.id, 36))


def _epoch_text(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _requestor_class():
    import prawcore  # optional client: loaded when this source runs

    class Requestor(prawcore.Requestor):
        """prawcore's requestor, keeping each response and raising the retry kinds."""

        def __init__(self, *args, keep: dict, **kwargs):
            super().__init__(*args, **kwargs)
            self._keep = keep

        def request(self, *args, timeout=None, **kwargs):
            url = args[1] if len(args) > 1 else kwargs.get("url", "?")
            try:
                response = super().request(*args, timeout=timeout, **kwargs)
            except prawcore.RequestException as exc:
                original = exc.original_exception
                if isinstance(original, (requests.Timeout, requests.ConnectionError,
                                         requests.exceptions.ChunkedEncodingError)):
                    raise retry.Transient(f"{type(original).__name__} from {url.split('?')[0]}") from exc
                raise
            status = response.status_code
            if status == 429:
                raise retry.RateLimited(f"HTTP 429 from {response.url.split('?')[0]}",
                                        retry.reset_from_headers(response.headers))
            if status in RETRY_STATUSES or status >= 500:
                raise retry.Transient(f"HTTP {status} from {response.url.split('?')[0]}")
            self._keep["response"] = response
            return response

    return Requestor


# --- exact text of each item --------------------------------------------------------------

_WS = re.compile(r"[ \t\n\r]*")
_SCALAR = json.JSONDecoder()


def _child_spans(text: str) -> dict[tuple, tuple[int, int]] | None:
    """Where each element of every ``children`` list, and each ``replies`` value, lies in
    ``text`` (a JSON body already parsed once): JSON path -> (start, end). None if the text
    cannot be walked."""
    out: dict[tuple, tuple[int, int]] = {}

    def skip(i: int) -> int:
        return _WS.match(text, i).end()

    def value(i: int, path: tuple) -> int:
        c = text[i]
        if c == "{":
            i = skip(i + 1)
            if text[i] == "}":
                return i + 1
            while True:
                if text[i] != '"':
                    raise ValueError(f"expected a key at {i}")
                key, i = scanstring(text, i + 1)
                i = skip(i)
                if text[i] != ":":
                    raise ValueError(f"expected ':' at {i}")
                start = skip(i + 1)
                end = value(start, path + (key,))
                if key == "replies":
                    out[path + (key,)] = (start, end)
                i = skip(end)
                if text[i] == "}":
                    return i + 1
                if text[i] != ",":
                    raise ValueError(f"expected ',' at {i}")
                i = skip(i + 1)
        if c == "[":
            i = skip(i + 1)
            if text[i] == "]":
                return i + 1
            n = 0
            while True:
                end = value(i, path + (n,))
                if path and path[-1] == "children":
                    out[path + (n,)] = (i, end)
                i = skip(end)
                if text[i] == "]":
                    return i + 1
                if text[i] != ",":
                    raise ValueError(f"expected ',' at {i}")
                i, n = skip(i + 1), n + 1
        return _SCALAR.raw_decode(text, i)[1]

    try:
        value(skip(0), ())
    except (ValueError, IndexError, RecursionError):
        return None
    return out


def _json_path(path: tuple[int, ...]) -> tuple:
    """A :class:`~ingest.sources.reddit.ThreadItem` path -> its path in the response JSON."""
    out: tuple = (path[0], "data", "children", path[1])
    for index in path[2:]:
        out += ("data", "replies", "data", "children", index)
    return out


def _payload(text: str, spans, data, path: tuple[int, ...]) -> str:
    where = _json_path(path)
    if spans is not None and where in spans:
        start, end = spans[where]
        replies = spans.get(where + ("data", "replies"))
        if replies is None or not start <= replies[0] < replies[1] <= end:
            return text[start:end]
        return text[start:replies[0]] + '""' + text[replies[1]:end]
    node = data  # not expected: the body could not be walked; keep the item's JSON as parsed
    for step in where:
        node = node[step]
    if isinstance(node, dict) and isinstance(node.get("data"), dict) and "replies" in node["data"]:
        node = node | {"data": node["data"] | {"replies": ""}}
    return json.dumps(node, ensure_ascii=False)


class RedditConnector(Connector):
    name = "reddit"
    platform = "reddit"
    required = ("subreddit",)
    optional = ("search", "limit", "recheck_days")
    credential_names = ("REDDIT_CLIENT_ID", "REDDIT_CLIENT_SECRET")
    optional_credentials = ("REDDIT_USER_AGENT",)
    setup_help = "create a 'script' app at https://www.reddit.com/prefs/apps (docs/connectors.md, 'Reddit')"

    @classmethod
    def check_options(cls, options: dict) -> dict:
        out = dict(options)
        name = str(out["subreddit"]).strip()
        name = re.sub(r"^/?r/", "", name).strip("/")
        if not SUBREDDIT.fullmatch(name):
            raise ValueError("a subreddit's name, e.g. NHS or r/NHS (letters, digits and _; several"
                             " joined by +)", "subreddit")
        out["subreddit"] = name
        if "search" in out:
            if not isinstance(out["search"], str) or not out["search"].strip():
                raise ValueError("a search query (text) within the subreddit, e.g. mammogram", "search")
            out["search"] = out["search"].strip()
        limit = out.get("limit", DEFAULT_LIMIT)
        if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= 1000:
            raise ValueError("a whole number from 1 to 1000 (threads fetched per run)", "limit")
        out["limit"] = limit
        days = out.get("recheck_days", RECHECK_DAYS)
        if isinstance(days, bool) or not isinstance(days, (int, float)) or not 0 <= days <= 180:
            raise ValueError("a number of days from 0 to 180", "recheck_days")
        out["recheck_days"] = days
        return out

    # --- the client --------------------------------------------------------------------

    def _client(self):
        import praw  # optional client: loaded when this source runs

        self._keep: dict = {}
        return praw.Reddit(
            client_id=self.credentials["REDDIT_CLIENT_ID"],
            client_secret=self.credentials["REDDIT_CLIENT_SECRET"],
            user_agent=self.credentials.get("REDDIT_USER_AGENT") or USER_AGENT,
            check_for_updates=False,
            requestor_class=_requestor_class(),
            requestor_kwargs={"keep": self._keep, "timeout": TIMEOUT},
        )

    def _get(self, path: str, params: dict):
        """(parsed JSON, response) of one GET, through the one retry mechanism."""
        import prawcore  # optional client: loaded when this source runs

        def once():
            self._keep.pop("response", None)
            quota = self._keep.get("quota")
            if quota is not None and quota > time.time():
                raise retry.RateLimited("the quota is used up (x-ratelimit-remaining 0)", quota)
            try:
                data = self._reddit.request(method="GET", path=path, params=params)
            except prawcore.BadJSON as exc:
                raise MalformedResponse(_not_json(exc.response.text), exc.response.url,
                                        exc.response.text) from None
            except (prawcore.Forbidden, prawcore.NotFound, prawcore.Redirect) as exc:
                raise Unavailable(f"HTTP {exc.response.status_code} on /{path}") from None
            except prawcore.OAuthException as exc:
                raise InputError(f"reddit: the app's credentials were refused ({exc}): check"
                                 " REDDIT_CLIENT_ID and REDDIT_CLIENT_SECRET") from None
            except prawcore.ResponseException as exc:
                if exc.response.status_code == 401:
                    raise InputError("reddit: the app's credentials were refused (HTTP 401): check"
                                     " REDDIT_CLIENT_ID and REDDIT_CLIENT_SECRET") from None
                raise
            response = self._keep["response"]
            remaining = response.headers.get("x-ratelimit-remaining")
            try:
                used_up = remaining is not None and float(remaining) < 1
            except ValueError:
                used_up = False
            self._keep["quota"] = retry.reset_from_headers(
                {"x-ratelimit-reset": response.headers.get("x-ratelimit-reset", "60")}) if used_up else None
            return data, response

        return retry.call(once,
                          on_wait=lambda why, s: self.progress(f"{self.target.source}: {why}; waiting {s:.0f} s"))

    # --- the run -------------------------------------------------------------------------

    def pages(self, cursor: dict[str, str]) -> Iterator[Page]:
        options = self.target.options
        self._reddit = self._client()
        since = None
        if cursor.get("newest_created_utc") and cursor.get("newest_id"):
            since = Listed(cursor["newest_id"].removeprefix("t3_"), cursor["newest_id"],
                           float(cursor["newest_created_utc"]))
        limit = options.get("limit", DEFAULT_LIMIT)
        horizon = since.created - options.get("recheck_days", RECHECK_DAYS) * 86_400 if since else None
        listed, stopped = self._listing(since, horizon, limit)
        new = sorted((s for s in listed if since is None or s.key > since.key), key=lambda s: s.key)
        if since is None:
            new = new[-limit:]
        elif len(new) > limit:
            self.progress(f"{self.target.source}: {len(new) - limit} newer submissions wait for the next run")
            new = new[:limit]
        recheck = sorted((s for s in listed if since is not None and options.get("recheck_days", RECHECK_DAYS) > 0
                          and s.key <= since.key and s.created >= horizon), key=lambda s: s.key, reverse=True)
        recheck = recheck[:max(limit - len(new), 0)]
        for submission in new:
            page = self._thread(submission)
            if stopped is None:  # a listing that stopped part way must not move the cursor
                page.cursor = {"newest_created_utc": _epoch_text(submission.created),
                               "newest_id": submission.name}
            yield page
        for submission in recheck:
            yield self._thread(submission)
        if stopped is not None:
            raise retry.GaveUp(stopped)

    def _listing(self, since: Listed | None, horizon: float | None, limit: int):
        """The submissions to consider, newest first, and why the listing stopped early (or
        None): back to ``horizon`` and the cursor, or the ``limit`` newest on a first run."""
        options = self.target.options
        subreddit = options["subreddit"]
        if options.get("search"):
            path = f"r/{subreddit}/search"
            base = {"q": options["search"], "restrict_sr": "1", "sort": "new", "t": "all"}
        else:
            path, base = f"r/{subreddit}/new", {}
        listed: list[Listed] = []
        after = None
        for number in range(1, LISTING_PAGES + 1):
            params = base | {"limit": LISTING_LIMIT} | ({"after": after} if after else {})
            where = f"r/{subreddit} {'search' if options.get('search') else 'new'} listing, page {number}"
            try:
                data, _ = self._get(path, params)
                children = data["data"]["children"]
                after = data["data"].get("after")
                if not isinstance(children, list):
                    raise TypeError("'children' is not a list")
            except Unavailable as exc:
                raise InputError(f"reddit: r/{subreddit} is private, banned or does not exist ({exc})") from None
            except retry.GaveUp as exc:
                return listed, f"{where}: {exc.reason}"
            except MalformedResponse as exc:
                return listed, f"{where}: {exc}"
            except (KeyError, TypeError, AttributeError) as exc:
                return listed, f"{where}: not a listing ({type(exc).__name__}: {exc})"
            for child in children:
                try:
                    item = child["data"]
                    entry = Listed(str(item["id"]), str(item["name"]), float(item["created_utc"]))
                    if not math.isfinite(entry.key[0]):  # also: the id must be base 36
                        raise ValueError(f"created_utc {entry.created!r}")
                except (KeyError, TypeError, ValueError) as exc:  # cannot be placed: not fetched
                    self.progress(f"{self.target.source}: {where}: an entry skipped ({type(exc).__name__}: {exc})")
                    continue
                listed.append(entry)
            self.progress(f"{self.target.source}: {where}: {len(children)} submissions")
            if not after or not children:
                break
            if since is None and len(listed) >= limit:
                break
            oldest = min(listed, key=lambda s: s.key) if listed else None
            if since is not None and oldest is not None and oldest.key <= since.key and oldest.created < horizon:
                break
        return listed, None

    def _thread(self, submission: Listed) -> Page:
        """One thread as one page: the submission and its comments, each with its exact JSON."""
        path = f"comments/{submission.id}/"
        params = {"limit": COMMENT_LIMIT, "sort": "old"}
        try:
            data, response = self._get(path, params)
        except MalformedResponse as exc:
            return Page([Item(exc.body, None, f"reddit: comments of {submission.name}: {exc}")], exc.url)
        except Unavailable as exc:  # listed a moment ago: not certain to be gone, so not marked deleted
            self.progress(f"{self.target.source}: thread {submission.name} skipped ({exc})")
            return Page([], f"{API}/{path}")
        text, origin = response.text, response.url
        items: list[Item] = []
        deleted: list[tuple[str, str]] = []
        spans = _child_spans(text)
        try:
            for entry in transform.thread_items(data):
                payload = _payload(text, spans, data, entry.path)
                if entry.problem is not None:
                    items.append(Item(payload, None, entry.problem))
                elif entry.deleted:  # its text is not kept: recorded deleted, stored versions removed
                    deleted.append(("reddit", entry.record["post_id"]))
                else:
                    items.append(Item(payload, entry.record))
        except SourceFormatError as exc:
            items.append(Item(text, None, f"{exc} (comments of {submission.name})"))
        return Page(items, origin, deleted=deleted)


def _not_json(text: str) -> str:
    try:
        json.loads(text)
    except ValueError as exc:
        return f"the response is not JSON ({exc})"
    return "the response is not JSON"
