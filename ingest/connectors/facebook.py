"""Facebook pages (issue #5): ``python -m ingest facebook``.

For each configured page: the page's ``/feed`` (newest first, ``after`` paging cursors), and
for every post its ``/comments?filter=stream`` (comments and replies in one stream, with
their own paging). A thin ``requests`` client, because there is no well-kept official
Python SDK for the Graph API. The token travels in the ``Authorization`` header, never in a
URL, so it cannot reach an origin, a gap reason, an error or the output.

Records come from :mod:`ingest.sources.facebook`; each item's JSON is kept untouched with the
request it came from (``Page.origin``: endpoint and parameters, no token). Every HTTP
response is one :class:`~ingest.connectors.base.Page`.

**Cursor** (``cursors`` rows of source ``facebook:NAME``):

* ``since`` — the ``created_time`` (ISO) of the newest post of the last *complete* walk of
  the feed: all its posts and their comments are landed. The next walk asks the feed for posts
  from ``since`` minus ``recheck_days`` (default 7): the feed is newest first and comments keep
  arriving on recent posts, so the walk re-reads the last week's posts and their comments
  (what is stored already is a duplicate and adds nothing), and notices deletions.
* ``walk`` — the walk in progress (JSON; ``""`` when none): its lower bound, the newest post
  seen, the paging parameters of the next feed page (``{"after": CURSOR}``) and the posts seen
  so far. It is stored with the last page of each feed page's group (the feed page and all
  its posts' comments), so it advances only once they are committed. A walk that stops (a
  rate limit longer than the wait allowed, retries exhausted, a malformed response) records a
  coverage gap; the next run resumes from ``walk`` instead of starting again, and ``since``
  moves only when the walk reaches its end. Why not move ``since`` at once: the feed is newest
  first, so the newest post is on the first page, and a walk that stopped half way would
  otherwise skip the older pages for ever.
* ``recent`` — the posts of the recheck window (JSON: post id -> created time and the ids of
  its comments). A post of the window that the feed no longer lists, or a comment its post's
  comments no longer list, is looked up on its own; Graph error 100 ("does not exist") marks it
  deleted (with a post, its comments), so its stored text is dropped.
"""
from __future__ import annotations

import json
import re
import time
from datetime import date, datetime, timedelta, timezone
from typing import Iterator
from urllib.parse import urlencode

import requests

from ingest.connectors import retry
from ingest.connectors.base import Connector, Item, Page
from ingest.sources import MALFORMED, problem
from ingest.sources import facebook as transform
from store import config
from store.errors import InputError

GRAPH = "https://graph.facebook.com"
DEFAULT_VERSION = "v19.0"
FEED_FIELDS = "id,message,created_time,permalink_url,from"
COMMENT_FIELDS = "id,message,created_time,permalink_url,from,parent"
FEED_LIMIT = 25
COMMENTS_LIMIT = 100
TIMEOUT = 30
RECHECK_DAYS = 7
# Graph API error codes: throttling (app, user, page, custom-level and business use case
# limits), temporary server trouble, and a refused token or missing permission.
THROTTLED = {4, 17, 32, 613, 80001, 80002, 80004, 80005, 80006, 80008, 80009, 80014}
TEMPORARY = {1, 2}
REFUSED = {10, 102, 190, 200}
USAGE_HEADERS = ("x-business-use-case-usage", "x-app-usage", "x-page-usage", "x-ad-account-usage")


class FacebookError(Exception):
    """An error answer of the Graph API (not retried)."""

    def __init__(self, message: str, code: int | None, subcode: int | None = None):
        super().__init__(message)
        self.code, self.subcode = code, subcode


class FacebookAccessError(InputError):
    """The token was refused or lacks a permission: nothing to retry, the user must act."""


class MalformedResponse(Exception):
    """A 2xx response whose body is not the JSON object expected."""

    def __init__(self, message: str, body: str, origin: str):
        super().__init__(message)
        self.body, self.origin = body, origin


def _minutes_to_regain(headers) -> float | None:
    """The longest ``estimated_time_to_regain_access`` (minutes) in the usage headers."""
    found: list[float] = []

    def walk(value):
        if isinstance(value, dict):
            for key, child in value.items():
                if key == "estimated_time_to_regain_access" and isinstance(child, (int, float)):
                    found.append(float(child))
                else:
                    walk(child)
        elif isinstance(value, list):
            for child in value:
                walk(child)

    lower = {str(k).lower(): v for k, v in dict(headers or {}).items()}
    for name in USAGE_HEADERS:
        if lower.get(name):
            try:
                walk(json.loads(lower[name]))
            except ValueError:
                continue
    return max(found) if found else None


def reset_at(headers, now: float | None = None) -> float | None:
    """When a throttled app/page may call again: the usage headers' estimate, else
    ``Retry-After`` (see :func:`ingest.connectors.retry.reset_from_headers`)."""
    now = time.time() if now is None else now
    minutes = _minutes_to_regain(headers)
    if minutes is not None:
        return now + minutes * 60
    return retry.reset_from_headers(headers, now)


class GraphClient:
    """GET requests to the Graph API, each through :func:`ingest.connectors.retry.call`."""

    def __init__(self, token: str, version: str, on_wait=None, session=None):
        self._token = token
        self.version = version
        self.session = session or requests.Session()
        self.on_wait = on_wait

    def origin(self, path: str, params: dict) -> str:
        return f"{GRAPH}/{self.version}/{path}?{urlencode(params)}"

    def _scrub(self, text: str) -> str:
        return text.replace(self._token, "[token]") if self._token else text

    def _once(self, path: str, params: dict, listing: bool) -> tuple[dict, str]:
        origin = self.origin(path, params)
        try:
            response = self.session.get(f"{GRAPH}/{self.version}/{path}", params=params, timeout=TIMEOUT,
                                        headers={"Authorization": f"Bearer {self._token}"})
        except requests.Timeout:
            raise retry.Transient(f"timeout fetching {origin}") from None
        except requests.ConnectionError as exc:
            raise retry.Transient(f"connection failed fetching {origin} ({type(exc).__name__})") from None
        body = response.text
        try:
            data = json.loads(body)
        except ValueError:
            data = None
        error = data.get("error") if isinstance(data, dict) else None
        code = subcode = None
        message = ""
        if isinstance(error, dict):
            code = error.get("code") if isinstance(error.get("code"), int) else None
            subcode = error.get("error_subcode") if isinstance(error.get("error_subcode"), int) else None
            message = self._scrub(str(error.get("message") or ""))[:300]
        if response.status_code == 429 or code in THROTTLED:
            raise retry.RateLimited(f"HTTP {response.status_code}, Graph error {code}: {message} ({origin})",
                                    reset_at(response.headers))
        if response.status_code >= 500 or code in TEMPORARY or (isinstance(error, dict) and error.get("is_transient") is True):
            raise retry.Transient(f"HTTP {response.status_code} from {origin}"
                                  + (f" (Graph error {code}: {message})" if code else ""))
        if error is not None or response.status_code >= 400:
            if code in REFUSED or response.status_code in (401, 403) and code is None:
                raise FacebookAccessError(
                    f"facebook: the Graph API refused the token for {origin} (HTTP {response.status_code},"
                    f" error {code}: {message}). Get a Page access token with pages_read_engagement and"
                    " pages_read_user_content for this page (docs/connectors.md, 'Facebook pages').")
            raise FacebookError(f"facebook: HTTP {response.status_code}, Graph error {code}: {message} ({origin})",
                                code, subcode)
        if not isinstance(data, dict) or (listing and not isinstance(data.get("data"), list)):
            raise MalformedResponse(f"facebook: malformed response from {origin}: not the JSON object"
                                    f" expected (HTTP {response.status_code}, {len(body)} bytes)", self._scrub(body), origin)
        return data, origin

    def get(self, path: str, params: dict, listing: bool = True) -> tuple[dict, str]:
        """The JSON answer (with a ``data`` list when ``listing``) and its origin."""
        return retry.call(lambda: self._once(path, params, listing), on_wait=self.on_wait)


def _dt(value: str) -> datetime:
    return datetime.fromisoformat(value)


class FacebookConnector(Connector):
    name = "facebook"
    platform = "facebook"
    required = ("page_id",)
    optional = ("api_version", "since", "token_env", "recheck_days")
    credential_names = ("FACEBOOK_PAGE_TOKEN",)
    setup_help = ("a Page access token with pages_read_engagement and pages_read_user_content;"
                  " docs/connectors.md, 'Facebook pages'")

    @classmethod
    def check_options(cls, options: dict) -> dict:
        out = dict(options)
        page = str(out["page_id"]).strip()
        if not re.fullmatch(r"[0-9]+|[A-Za-z0-9.\-]+", page):
            raise ValueError("must be the page's numeric id (or its username)", "page_id")
        out["page_id"] = page
        version = str(out.get("api_version") or DEFAULT_VERSION).strip()
        if not re.fullmatch(r"v\d+\.\d+", version):
            raise ValueError("must look like v19.0", "api_version")
        out["api_version"] = version
        since = out.get("since")
        if since not in (None, ""):
            if isinstance(since, datetime):
                since = since.date()
            if not isinstance(since, date):
                try:
                    since = date.fromisoformat(str(since).strip())
                except ValueError:
                    raise ValueError("must be a date, YYYY-MM-DD", "since") from None
            out["since"] = since.isoformat()
        else:
            out.pop("since", None)
        token_env = out.get("token_env")
        if token_env not in (None, ""):
            if not re.fullmatch(r"[A-Z_][A-Z0-9_]*", str(token_env)):
                raise ValueError("must be the name of a secret, e.g. FACEBOOK_TOKEN_LEEDS", "token_env")
        days = out.get("recheck_days", RECHECK_DAYS)
        if not isinstance(days, int) or isinstance(days, bool) or not 0 <= days <= 90:
            raise ValueError("must be a whole number of days from 0 to 90", "recheck_days")
        out["recheck_days"] = days
        return out

    def _token(self) -> str:
        name = self.target.options.get("token_env")
        if not name:
            return self.credentials["FACEBOOK_PAGE_TOKEN"]
        token = config.secret(name)
        if not token:
            raise InputError(f"{self.target.source}: no {name} in the environment or .streamlit/secrets.toml"
                             " (token_env names the page's own access token)")
        return token

    # -- reading responses ---------------------------------------------------------------

    @staticmethod
    def _items(data: dict, read, what: str) -> list[Item]:
        items = []
        for i, raw in enumerate(data.get("data", []), 1):
            payload = json.dumps(raw, ensure_ascii=False)
            try:
                if not isinstance(raw, dict):
                    raise TypeError(f"the {what} is not an object")
                items.append(Item(payload, read(raw)))
            except MALFORMED as exc:
                items.append(Item(payload, None, problem("facebook", f"{what} {i}", exc)))
        return items

    def _lookup_gone(self, client: GraphClient, graph_id: str) -> bool:
        """Whether the object is gone: Graph error 100 ("does not exist") on a lookup."""
        try:
            client.get(graph_id, {"fields": "id"}, listing=False)
        except FacebookError as exc:
            return exc.code == 100
        except FacebookAccessError:  # not readable with this token: not known to be gone
            return False
        return False

    # -- the walk --------------------------------------------------------------------------

    def _events(self, client: GraphClient, cursor: dict) -> Iterator[Page | dict]:
        """Pages (without cursor) and cursor updates, in order; :meth:`pages` attaches each
        update to the page before it."""
        options = self.target.options
        page_id = options["page_id"]
        recheck = timedelta(days=options.get("recheck_days", RECHECK_DAYS))
        recent = json.loads(cursor.get("recent") or "{}")
        walk = json.loads(cursor.get("walk") or "null")
        if not walk:
            if cursor.get("since"):
                lower = datetime.fromisoformat(cursor["since"]) - recheck
            elif options.get("since"):
                lower = datetime.fromisoformat(options["since"]).replace(tzinfo=timezone.utc)
            else:
                lower = None
            walk = {"lower": lower.isoformat() if lower else None, "newest": cursor.get("since"),
                    "next": {}, "seen": {}}
        base = {"fields": FEED_FIELDS, "limit": FEED_LIMIT}
        if walk["lower"]:
            base["since"] = int(datetime.fromisoformat(walk["lower"]).timestamp())
        while True:
            params = base | walk["next"]
            try:
                data, origin = client.get(f"{page_id}/feed", params)
            except FacebookError as exc:
                if not walk["next"] or exc.code != 100:
                    raise
                # an expired paging cursor: walk again from the walk's lower bound
                self.progress(f"{self.target.source}: the stored paging cursor expired; walking again")
                walk["next"] = {}
                continue
            items = self._items(data, transform.transform_post, "post")
            yield Page(items, origin)
            for item in items:
                if item.record is None:
                    continue
                post = item.record
                known = recent.get(post["post_id"], {}).get("c", {})
                comments = yield from self._comments(client, post["post_id"], known)
                if walk["newest"] is None or _dt(post["created_at"]) > _dt(walk["newest"]):
                    walk["newest"] = post["created_at"]
                # kept while it may matter: inside this walk's window (deletion check) or the next
                if (walk["lower"] and _dt(post["created_at"]) >= _dt(walk["lower"])
                        or _dt(post["created_at"]) >= _dt(walk["newest"]) - recheck):
                    walk["seen"][post["post_id"]] = {"t": post["created_at"], "c": comments}
            after = ((data.get("paging") or {}).get("cursors") or {}).get("after")
            more = bool((data.get("paging") or {}).get("next")) and after and data.get("data")
            if not more:
                break
            walk["next"] = {"after": after}
            yield {"walk": json.dumps(walk)}
        # The walk is complete: posts of the window it did not see may have been deleted.
        deleted = []
        lower = walk["lower"]
        for post_id, known in recent.items():
            if post_id in walk["seen"] or (lower and _dt(known["t"]) < _dt(lower)):
                continue
            if self._lookup_gone(client, post_id):
                deleted.append(("facebook", post_id))
                deleted += [("facebook", c) for c in known.get("c", {})]
            else:
                walk["seen"][post_id] = known
        since = walk["newest"]
        recent = {p: v for p, v in walk["seen"].items() if not since or _dt(v["t"]) >= _dt(since) - recheck}
        if deleted:
            yield Page([], f"{GRAPH}/{client.version}/{page_id}/feed (deleted since the last fetch)",
                       deleted=deleted)
        yield {"since": since or "", "walk": "", "recent": json.dumps(recent)}

    def _comments(self, client: GraphClient, post_id: str, known: dict):
        """Yield the post's comment pages; return {comment id: graph id} of all its comments."""
        params = {"fields": COMMENT_FIELDS, "filter": "stream", "limit": COMMENTS_LIMIT}
        seen: dict[str, str] = {}
        while True:
            data, origin = client.get(f"{post_id}/comments", params)
            items = self._items(data, lambda c: transform.transform_comment(c, post_id), "comment")
            for item, raw in zip(items, data.get("data", [])):
                if item.record is not None:
                    graph_id = raw.get("id") or f"{post_id.rsplit('_', 1)[-1]}_{item.record['post_id']}"
                    seen[item.record["post_id"]] = str(graph_id)
            if items:
                yield Page(items, origin)
            after = ((data.get("paging") or {}).get("cursors") or {}).get("after")
            if not ((data.get("paging") or {}).get("next") and after and data.get("data")):
                break
            params = params | {"after": after}
        gone = [("facebook", c) for c, graph_id in known.items()
                if c not in seen and self._lookup_gone(client, graph_id)]
        if gone:
            yield Page([], f"{GRAPH}/{client.version}/{post_id}/comments (deleted since the last fetch)",
                       deleted=gone)
        seen.update({c: g for c, g in known.items() if c not in seen and ("facebook", c) not in gone})
        return seen

    def pages(self, cursor: dict[str, str]) -> Iterator[Page]:
        def on_wait(reason, seconds):
            self.progress(f"{self.target.source}: {reason}; waiting {seconds:.0f} s")

        client = GraphClient(self._token(), self.target.options.get("api_version", DEFAULT_VERSION), on_wait)
        held: Page | None = None
        try:
            for event in self._events(client, cursor):
                if isinstance(event, Page):
                    if held is not None:
                        yield held
                    held = event
                else:
                    if held is None:
                        held = Page([], f"{GRAPH}/{client.version}/{self.target.options['page_id']}/feed")
                    held.cursor.update(event)
                    yield held
                    held = None
        except MalformedResponse as exc:
            if held is not None:
                yield held
                held = None
            # keep the body (quarantined with the reason), then stop with a coverage gap
            yield Page([Item(exc.body[:100_000], None, str(exc))], exc.origin)
            raise retry.GaveUp(str(exc)) from None
        except Exception:  # a gap or an error: land what was fetched, then stop
            if held is not None:
                yield held
            raise
        if held is not None:
            yield held
