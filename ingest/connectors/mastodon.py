"""Mastodon (issue #5): a hashtag or an account timeline on a configured instance, with the
replies of its statuses, through Mastodon.py.

Per target (``sources.yaml``)::

    mastodon:
      - name: nhs-radiography
        instance: https://mastodon.social
        hashtag: radiography            # or: account: alice@nhs.social (exactly one)
        trust: RR8                      # optional
        since: 2025-01-01               # optional: first run starts here (default 7 days back)
        watch_days: 3                   # optional: revisit each status's replies this long (0: never)

How a run goes:

1. **Timeline, oldest new status first.** Mastodon's pages are newest first: asking with
   ``since_id=S`` returns the *newest* 40 statuses after S, and the older ones come on later
   pages. Advancing the cursor after such a page would skip everything between S and that
   page when the run stops early (a crash, a rate limit). So the connector asks with
   ``min_id=S`` instead, which returns the 40 statuses *immediately after* S; once that page
   (and the replies fetched for it) is committed, the cursor ``since_id`` moves to the
   newest id on it, and the next request is ``min_id`` = that id. The cursor therefore only
   ever names a status below which everything is landed; a run that stops anywhere resumes
   from there. Ids compare as numbers (same-length strings for other servers' ids). The first
   run starts at ``since`` (Mastodon ids are millisecond timestamps shifted left 16 bits, so a
   date is an id). At most ``MAX_PAGES`` pages per run: a backlog is caught up over runs.
2. **Replies.** For a status with replies (``replies_count > 0``) or that is itself a reply,
   ``/api/v1/statuses/:id/context`` gives the thread: ancestors and descendants land on the
   same page as the status (the root, when the context reaches it, is every post's
   ``thread_id``).
3. **Later replies and deletions.** Replies usually come after the status was fetched, and
   they rarely carry the hashtag. So each timeline status is *watched* for ``watch_days``
   (cursor ``watch``; at most ``WATCH_LIMIT`` statuses, newest kept): every later run fetches
   its context again, landing new replies. A 404 ("Record not found": deleted, or no longer
   public) on a status we hold marks it deleted: the post is recorded in ``deletions`` and
   its stored versions (text included) are removed in the same transaction.

The payload kept for each item is the server's JSON object for that status, as the server
sent it (read from the HTTP response, not Mastodon.py's converted objects with datetimes),
with the request URL as its origin; the access token travels in a header, never in the URL.

Errors: Mastodon.py runs with ``ratelimit_method="throw"`` so that the one retry mechanism
(:mod:`ingest.connectors.retry`) handles them: a 429 waits until ``X-RateLimit-Reset`` (an
ISO time, converted to epoch seconds and corrected for the server's clock by its ``Date``
header); 5xx and network errors or timeouts back off. A body that is not JSON, or JSON of the
wrong shape, ends the target's fetch with a coverage gap naming the request (what was
committed stays; the next run retries from the cursor). A status that cannot be read is
quarantined with the reason. An instance that refuses the request (401/403/422: e.g. it needs
an access token for hashtag timelines) or does not know the account fails the target with a
clear message.

Not fetched: the streaming API's ``delete`` events (a cron job does not hold a stream open),
deletions of replies that are not themselves watched, and status edits after landing.
"""
from __future__ import annotations

import json
import re
import time
from datetime import date, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from urllib.parse import urlparse

import requests

from ingest.connectors import retry
from ingest.connectors.base import Connector, Item, Page
from ingest.connectors.retry import GaveUp, RateLimited, Transient
from ingest.sources import MALFORMED, problem
from ingest.sources import mastodon as source
from store.errors import InputError

PAGE_SIZE = 40        # Mastodon's maximum for timelines
MAX_PAGES = 25        # per target and run
WATCH_LIMIT = 50      # statuses revisited per run at most
DEFAULT_SINCE_DAYS = 7
DEFAULT_WATCH_DAYS = 3
_HASHTAG = re.compile(r"^\w+$")
_ACCOUNT = re.compile(r"^[A-Za-z0-9_.-]+(@[A-Za-z0-9.-]+\.[A-Za-z]{2,}|@localhost(:\d+)?)?$")


def _order(local_id: str) -> tuple[int, str]:
    """Mastodon ids are decimal strings of varying length; other servers use fixed-length
    sortable strings: (length, text) orders both."""
    return len(local_id), local_id


def snowflake(moment: datetime) -> str:
    """The smallest Mastodon id at ``moment`` (ids are epoch milliseconds << 16)."""
    return str(int(moment.timestamp() * 1000) << 16)


def reset_at(headers, now: float | None = None) -> float | None:
    """Epoch seconds of a Mastodon rate-limit reset: ``X-RateLimit-Reset`` is an ISO time
    (``2026-08-01T15:00:00.916474Z``) on the server's clock, so it is shifted by the
    difference between our clock and the response's ``Date``. Epoch or seconds-to-wait forms
    (other servers) and ``Retry-After`` are read as :func:`retry.reset_from_headers` does."""
    now = time.time() if now is None else now
    lower = {str(k).lower(): v for k, v in dict(headers or {}).items()}
    value = lower.get("x-ratelimit-reset")
    if value is None:
        return retry.reset_from_headers(headers, now)
    try:
        float(value)
    except (TypeError, ValueError):
        pass
    else:
        return retry.reset_from_headers({"x-ratelimit-reset": value}, now)
    try:
        reset = datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
        if reset.tzinfo is None:
            reset = reset.replace(tzinfo=timezone.utc)
        epoch = reset.timestamp()
    except ValueError:
        return retry.reset_from_headers({k: v for k, v in lower.items() if k == "retry-after"}, now)
    if lower.get("date"):
        try:
            epoch += now - parsedate_to_datetime(lower["date"]).timestamp()
        except (TypeError, ValueError):
            pass
    return epoch


class MastodonConnector(Connector):
    name = "mastodon"
    platform = "mastodon"
    required = ("instance",)
    optional = ("hashtag", "account", "since", "watch_days")
    credential_names = ()
    optional_credentials = ("MASTODON_ACCESS_TOKEN",)
    setup_help = "optional: an access token with read scope, see docs/connectors.md 'Mastodon'"

    @classmethod
    def check_options(cls, options: dict) -> dict:
        options = dict(options)
        instance = options.get("instance")
        parsed = urlparse(instance) if isinstance(instance, str) else None
        if (parsed is None or parsed.scheme != "https" or not parsed.hostname
                or parsed.path not in ("", "/") or parsed.query or parsed.username):
            raise ValueError("must be the instance's https URL, e.g. https://mastodon.social", "instance")
        options["instance"] = f"https://{parsed.netloc.lower()}"
        given = [f for f in ("hashtag", "account") if options.get(f) not in (None, "")]
        if len(given) != 1:
            raise ValueError("give exactly one of 'hashtag' or 'account'", given[-1] if given else "hashtag")
        if "hashtag" in given:
            tag = str(options["hashtag"]).strip().lstrip("#")
            if not _HASHTAG.match(tag):
                raise ValueError("must be one hashtag (letters, digits, underscores), e.g. radiography", "hashtag")
            options["hashtag"] = tag
        else:
            acct = str(options["account"]).strip().lstrip("@")
            if not _ACCOUNT.match(acct):
                raise ValueError("must be an account handle, e.g. alice or alice@nhs.social", "account")
            options["account"] = acct
        since = options.get("since")
        if since is not None:
            if isinstance(since, datetime):
                since = since.date()
            try:
                since = since if isinstance(since, date) else date.fromisoformat(str(since))
            except ValueError:
                raise ValueError("must be a date, YYYY-MM-DD", "since") from None
            options["since"] = since.isoformat()
        days = options.get("watch_days", DEFAULT_WATCH_DAYS)
        if isinstance(days, bool) or not isinstance(days, int) or not 0 <= days <= 60:
            raise ValueError("must be a whole number of days from 0 to 60", "watch_days")
        options["watch_days"] = days
        return options

    # -- fetching ---------------------------------------------------------------------------

    def _client(self):
        from mastodon import Mastodon  # optional client: loaded when this source runs

        session = requests.Session()
        session.hooks["response"].append(self._keep)
        return Mastodon(api_base_url=self.target.options["instance"],
                        access_token=self.credentials.get("MASTODON_ACCESS_TOKEN") or None,
                        version_check_mode="none", ratelimit_method="throw", session=session,
                        request_timeout=30, user_agent="RadSoMe (NHS radiography dashboard)")

    def _keep(self, response, *args, **kwargs):
        self._last = response
        return response

    def _get(self, what: str, fn, shape: type):
        """``fn()`` (a Mastodon.py call) through the retry mechanism; returns the server's
        JSON (checked to be a ``shape``) and the request URL. Raises MastodonNotFoundError
        for a 404, InputError when the instance refuses, GaveUp for a malformed body."""
        # optional client: loaded when this source runs
        from mastodon.errors import (MastodonAPIError, MastodonNetworkError, MastodonNotFoundError,
                                     MastodonRatelimitError, MastodonServerError)

        def attempt():
            self._last = None
            try:
                fn()
            except MastodonRatelimitError as exc:
                response = self._last
                if response is not None and response.ok:
                    return response  # Mastodon.py could not read a header; the body is fine
                raise RateLimited(f"{what}: HTTP 429",
                                  reset_at(response.headers) if response is not None else None) from exc
            except MastodonServerError as exc:
                raise Transient(f"{what}: HTTP {_status(exc)}") from exc
            except MastodonNetworkError as exc:
                raise Transient(f"{what}: {_network(exc)}") from exc
            except MastodonNotFoundError:
                raise
            except MastodonAPIError as exc:
                response = self._last
                if response is not None and response.ok:  # a 2xx whose body is not JSON
                    return response
                raise InputError(f"{self.target.source}: {self.target.options['instance']} refused {what}"
                                 f" (HTTP {_status(exc)}: {_message(exc)}); a private or limited instance"
                                 " may need MASTODON_ACCESS_TOKEN") from exc
            return self._last

        response = retry.call(attempt, on_wait=self._waiting)
        origin = response.url
        try:
            body = json.loads(response.content)
        except ValueError:
            raise GaveUp(f"malformed response to {origin}: not JSON"
                         f" ({response.content[:60].decode('utf-8', 'replace')!r})") from None
        if not isinstance(body, shape):
            raise GaveUp(f"malformed response to {origin}: expected a JSON"
                         f" {'list' if shape is list else 'object'}, got {type(body).__name__}")
        return body, origin

    def _waiting(self, reason: str, seconds: float) -> None:
        self.progress(f"{self.target.source}: {reason}; waiting {seconds:.0f} s")

    # -- pages ------------------------------------------------------------------------------

    def pages(self, cursor):
        from mastodon.errors import MastodonNotFoundError  # optional client: loaded when this source runs

        options = self.target.options
        self.api = self._client()
        self.host = source.instance_host(options["instance"])
        self.not_found = MastodonNotFoundError
        today = datetime.now(timezone.utc).date()
        watch = _read_watch(cursor.get("watch"))
        watch = {i: entry for i, entry in watch.items() if entry[0] >= today.isoformat()}
        revisit = list(watch)
        if cursor.get("since_id"):
            min_id = cursor["since_id"]
        else:
            start = (datetime.combine(date.fromisoformat(options["since"]), datetime.min.time(), timezone.utc)
                     if options.get("since") else datetime.now(timezone.utc) - timedelta(days=DEFAULT_SINCE_DAYS))
            min_id = snowflake(start)
        fetch = self._timeline()
        seen_now: set[str] = set()
        for _ in range(MAX_PAGES):
            statuses, origin = self._get("the timeline", lambda m=min_id: fetch(m), list)
            # a server that ignores min_id (or a replayed recording) repeats old statuses: skip them;
            # an item without a readable id is kept, to be quarantined with the reason
            newer = [s for s in statuses if _id_of(s) is None or _order(_id_of(s)) > _order(min_id)]
            if not newer:
                break
            page = self._page(newer, origin, seen_now, watch, today)
            newest = max((_id_of(s) for s in newer if _id_of(s) is not None), key=_order, default=min_id)
            page.cursor = {"since_id": newest, "watch": _write_watch(watch)}
            yield page
            if newest == min_id or len(statuses) < PAGE_SIZE:
                break
            min_id = newest
        for local_id in revisit:
            if local_id in seen_now:
                continue
            yield self._revisit(local_id, watch[local_id][1], watch)

    def _timeline(self):
        options = self.target.options
        if options.get("hashtag"):
            return lambda min_id: self.api.timeline_hashtag(options["hashtag"], min_id=min_id, limit=PAGE_SIZE)
        try:
            account, _ = self._get(f"the account {options['account']}",
                                   lambda: self.api.account_lookup(options["account"]), dict)
        except self.not_found:
            raise InputError(f"{self.target.source}: {options['instance']} does not know the account"
                             f" {options['account']!r}") from None
        account_id = account.get("id")
        if not isinstance(account_id, (str, int)) or isinstance(account_id, bool):
            raise GaveUp(f"malformed response to the account lookup of {options['account']}: no 'id'")
        return lambda min_id: self.api.account_statuses(str(account_id), min_id=min_id, limit=PAGE_SIZE)

    def _context(self, local_id: str):
        """(ancestors, descendants, origin) of a status, or None when it is gone (404)."""
        try:
            context, origin = self._get(f"the replies of status {local_id}",
                                        lambda: self.api.status_context(local_id), dict)
        except self.not_found as exc:
            if _message(exc) == "Endpoint not found.":  # Mastodon.py's words for a 404 without a JSON error
                raise GaveUp(f"the replies of status {local_id}: HTTP 404 without the instance's"
                             " 'Record not found' (not a Mastodon API?)") from None
            return None  # {"error": "Record not found"}: deleted, or no longer public
        ancestors, descendants = context.get("ancestors", []), context.get("descendants", [])
        if not isinstance(ancestors, list) or not isinstance(descendants, list):
            raise GaveUp(f"malformed response to {origin}: 'ancestors' and 'descendants' must be lists")
        return ancestors, descendants, origin

    def _item(self, status, root: str | None, where: str) -> Item:
        payload = json.dumps(status, ensure_ascii=False, separators=(",", ":"))
        try:
            return Item(payload, source.transform_status(status, self.host, root))
        except MALFORMED as exc:
            return Item(payload, None, problem("mastodon", where + source.named(status), exc))

    def _page(self, statuses: list, origin: str, seen_now: set, watch: dict, today: date) -> Page:
        """One timeline page, oldest first, each status followed by its thread."""
        items: dict[str, Item] = {}
        deleted: list[tuple[str, str]] = []
        fetched = len(statuses)
        statuses = sorted(statuses, key=lambda s: _order(str(s.get("id"))) if isinstance(s, dict) else (0, ""))
        for n, status in enumerate(statuses, 1):
            where = f"{origin} status {n}"
            try:
                own = source.original(status)
                local_id = source.plain_id(own["id"], "id")
                replies = own.get("replies_count") or 0
                needs_context = own.get("in_reply_to_id") is not None or (isinstance(replies, int) and replies > 0)
            except MALFORMED as exc:
                items[f"problem {n}"] = Item(json.dumps(status, ensure_ascii=False, separators=(",", ":")),
                                             None, problem("mastodon", where + source.named(status), exc))
                continue
            seen_now.add(local_id)
            root, thread = (local_id if own.get("in_reply_to_id") is None else None), []
            if needs_context:
                context = self._context(local_id)
                if context is None:  # gone between the timeline and its thread
                    deleted.append(("mastodon", source.status_id(self.host, local_id)))
                    watch.pop(local_id, None)
                    continue
                ancestors, descendants, _ = context
                root = _root(ancestors, own)
                thread = ancestors + descendants
                fetched += len(thread)
            items.setdefault(local_id, self._item(status, root, where))
            for m, other in enumerate(thread, 1):
                other_id = other.get("id") if isinstance(other, dict) else None
                key = str(other_id) if other_id is not None else f"thread {n}.{m}"
                if key not in items:
                    items[key] = self._item(other, root, f"{where} thread status {m}")
            if self.target.options["watch_days"]:
                until = (today + timedelta(days=self.target.options["watch_days"])).isoformat()
                watch[local_id] = [until, root]
        _trim(watch)
        return Page(list(items.values()), origin, deleted=deleted, fetched=fetched)

    def _revisit(self, local_id: str, root: str | None, watch: dict) -> Page:
        """A watched status's thread again: new replies land (with the thread root found when
        it was first landed, so unchanged replies are duplicates); a 404 marks it deleted."""
        context = self._context(local_id)
        if context is None:
            watch.pop(local_id, None)
            return Page([], f"{self.target.options['instance']}/api/v1/statuses/{local_id}/context",
                        {"watch": _write_watch(watch)},
                        deleted=[("mastodon", source.status_id(self.host, local_id))], fetched=1)
        ancestors, descendants, origin = context
        items = [self._item(s, root, f"{origin} status {m}") for m, s in enumerate(ancestors + descendants, 1)]
        return Page(items, origin, {"watch": _write_watch(watch)}, fetched=len(items))


def _root(ancestors: list, status: dict) -> str | None:
    """The thread's first post, when the context reaches it."""
    if status.get("in_reply_to_id") is None:
        return str(status["id"])
    first = ancestors[0] if ancestors else None
    if isinstance(first, dict) and first.get("in_reply_to_id") is None and first.get("id") is not None:
        return str(first["id"])
    return None


def _id_of(status) -> str | None:
    value = status.get("id") if isinstance(status, dict) else None
    if isinstance(value, bool) or not isinstance(value, (str, int)) or not str(value).strip():
        return None
    return str(value).strip()


def _read_watch(value: str | None) -> dict[str, list]:
    """The ``watch`` cursor: {local id: [watched until (YYYY-MM-DD), thread root id or null]}."""
    try:
        watch = json.loads(value) if value else {}
    except ValueError:
        return {}
    if not isinstance(watch, dict):
        return {}
    return {str(k): [str(v[0]), None if v[1] is None else str(v[1])] for k, v in watch.items()
            if isinstance(v, list) and len(v) == 2}


def _write_watch(watch: dict) -> str:
    return json.dumps(dict(sorted(watch.items(), key=lambda kv: _order(kv[0]))), separators=(",", ":"))


def _trim(watch: dict) -> None:
    """Keep the newest WATCH_LIMIT statuses."""
    while len(watch) > WATCH_LIMIT:
        del watch[min(watch, key=_order)]


def _status(exc) -> str:
    args = getattr(exc, "args", ())
    return str(args[1]) if len(args) > 1 else "?"


def _message(exc) -> str:
    args = getattr(exc, "args", ())
    return str(args[3]) if len(args) > 3 and args[3] else str(args[0]) if args else type(exc).__name__


def _network(exc) -> str:
    """A short reason for a network failure (Mastodon.py wraps the requests exception)."""
    cause = exc.__cause__ or exc.__context__
    text = f"{exc} {cause or ''}".lower()
    if "timed out" in text or "timeout" in text:
        return "timed out"
    return f"network error ({type(cause).__name__ if cause else type(exc).__name__})"
