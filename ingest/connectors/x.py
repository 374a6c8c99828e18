"""X (Twitter): recent search (or full-archive search) with tweepy's ``Client``.

Target fields (sources file, section ``x``): ``query`` (an X search query, required),
``full_archive`` (true: ``search_all_tweets``, which needs a plan with full-archive access),
``start_time`` (full archive only: where the first run starts, ISO date or time; X's default
is 30 days back) and ``budget`` (``{per_run: N, per_month: M}`` posts; defaults below).

The cursor, stored with each landed page (``cursors`` table, one row per key):

* ``since_id``: the newest post of the last *finished* pagination. X pages newest first and
  ``since_id`` bounds the whole pagination, so it advances only on the last page: a run that
  stops mid-way (crash, gap, budget) must not skip the older pages it has not fetched yet.
* ``next_token`` and ``newest_id``: an unfinished pagination: the next run continues with the
  same ``since_id`` and this token, and when it reaches the end ``since_id`` becomes
  ``newest_id`` (the newest post of the pagination's first page). A token X refuses (400;
  they expire) restarts the pagination from ``since_id``; what is fetched again is recognised
  as a duplicate.
* ``month`` and ``month_fetched``: posts fetched in this UTC calendar month. The connector has
  no connection to the raw store (the run holds it, single writer), so the spend travels in
  the cursor, committed with each page; it is therefore always equal to the sum of
  ``connector_fetches.fetched`` of this source's runs this month (the data-health page's
  figure), without a second reader.

Budget: each request asks for at most what is left (``max_results`` between 10 and 100). When
the per-run or per-month budget cannot pay for another page while X has more, the run stops
with a coverage gap whose reason says which budget; the next run (or month) continues from
the cursor.
"""
from __future__ import annotations

import logging
from datetime import date, datetime, timezone
from typing import Iterator

import requests
import tweepy

from ingest.connectors import retry
from ingest.connectors.base import Connector, Item, Page
from ingest.sources import SourceFormatError
from ingest.sources import x as transform

DEFAULT_BUDGET = {"per_run": 500, "per_month": 10_000}
MIN_PAGE, MAX_PAGE = 10, 100          # X's max_results range for search
TIMEOUT = 30                          # seconds per request (tweepy sets none)
EXPANSIONS = ["author_id", "referenced_tweets.id", "referenced_tweets.id.author_id", "in_reply_to_user_id"]
TWEET_FIELDS = ["created_at", "conversation_id", "referenced_tweets", "in_reply_to_user_id",
                "author_id", "lang", "public_metrics"]
USER_FIELDS = ["description", "location", "name", "username"]


class XError(Exception):
    """A refusal retrying cannot fix (bad query, refused token, plan without access)."""


class _NoTokenInLogs(logging.Filter):
    """tweepy logs each request's headers (the bearer token) at debug level: drop those."""

    def filter(self, record):
        return "Making API request" not in str(record.msg)


logging.getLogger("tweepy.client").addFilter(_NoTokenInLogs())


class _Session(requests.Session):
    """tweepy's session, with a timeout on every request (a hung connection is a Transient)."""

    def request(self, *args, **kwargs):
        kwargs.setdefault("timeout", TIMEOUT)
        return super().request(*args, **kwargs)


def _month_after(month: str) -> str:
    year, number = map(int, month.split("-"))
    return f"{year + number // 12}-{number % 12 + 1:02d}"


def _message(exc: tweepy.HTTPException) -> str:
    words = "; ".join(str(m) for m in (exc.api_messages or [])) or exc.response.reason
    return f"HTTP {exc.response.status_code} {words}".strip()


class XConnector(Connector):
    name = "x"
    platform = "x"
    required = ("query",)
    optional = ("full_archive", "start_time", "budget")
    credential_names = ("X_BEARER_TOKEN",)
    setup_help = ("the app's Bearer Token from the X developer portal,"
                  " https://developer.x.com/en/portal/dashboard, Projects & Apps > your app > Keys and tokens")
    now = staticmethod(lambda: datetime.now(timezone.utc))

    @classmethod
    def check_options(cls, options: dict) -> dict:
        query = options.get("query")
        if not isinstance(query, str) or not query.strip():
            raise ValueError("an X search query (text), e.g. \"@LeedsBreast -is:retweet\"", "query")
        if len(query) > 1024:
            raise ValueError("longer than X's 1,024 characters (512 on recent search without Pro)", "query")
        full = options.get("full_archive", False)
        if not isinstance(full, bool):
            raise ValueError("true or false", "full_archive")
        start = options.get("start_time")
        if start is not None:
            if not full:
                raise ValueError("only with full_archive: true (recent search covers 7 days)", "start_time")
            try:
                parsed = (datetime.fromisoformat(start.replace("Z", "+00:00")) if isinstance(start, str)
                          else start if isinstance(start, datetime)  # YAML reads times and dates itself
                          else datetime.combine(start, datetime.min.time()) if isinstance(start, date) else None)
            except ValueError:
                parsed = None
            if parsed is None:
                raise ValueError("an ISO date or time, e.g. 2025-01-01", "start_time")
            start = (parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)).astimezone(timezone.utc)
        budget = options.get("budget", {})
        if not isinstance(budget, dict) or set(budget) - set(DEFAULT_BUDGET):
            raise ValueError("a mapping {per_run: N, per_month: M} (posts)", "budget")
        budget = {**DEFAULT_BUDGET, **budget}
        for key, value in budget.items():
            if isinstance(value, bool) or not isinstance(value, int) or value < MIN_PAGE:
                raise ValueError(f"{key} must be a whole number of posts, at least {MIN_PAGE}"
                                 f" (X's smallest page)", "budget")
        return {"query": query.strip(), "full_archive": full, "start_time": start, "budget": budget}

    # -- one request -------------------------------------------------------------------

    def _client(self) -> tweepy.Client:
        client = tweepy.Client(bearer_token=self.credentials["X_BEARER_TOKEN"], wait_on_rate_limit=False,
                               return_type=requests.Response)
        client.session = _Session()
        client.session.headers["User-Agent"] = client.user_agent
        return client

    def _get(self, client: tweepy.Client, params: dict) -> requests.Response:
        """One search request; the library's failures as the retry module's kinds."""
        search = client.search_all_tweets if self.target.options.get("full_archive") else client.search_recent_tweets
        try:
            return search(**params)
        except tweepy.TooManyRequests as exc:
            raise retry.RateLimited(_message(exc), retry.reset_from_headers(exc.response.headers)) from exc
        except tweepy.TwitterServerError as exc:
            raise retry.Transient(_message(exc)) from exc
        except (requests.Timeout, requests.ConnectionError, requests.exceptions.ChunkedEncodingError) as exc:
            raise retry.Transient(f"{type(exc).__name__}: {exc}") from exc

    # -- the pages -------------------------------------------------------------------

    def pages(self, cursor: dict[str, str]) -> Iterator[Page]:
        options = self.target.options
        budget = options.get("budget") or DEFAULT_BUDGET
        per_run, per_month = budget["per_run"], budget["per_month"]
        month = self.now().strftime("%Y-%m")
        spent = int(cursor.get("month_fetched") or 0) if cursor.get("month") == month else 0
        since_id = cursor.get("since_id") or None
        token = cursor.get("next_token") or None
        newest = (cursor.get("newest_id") or None) if token else None
        start_time = options.get("start_time") if options.get("full_archive") and not since_id else None
        client = self._client()
        source = self.target.source
        run = 0
        restarted = False
        while True:
            room = min(per_run - run, per_month - spent)
            if room < MIN_PAGE:
                if per_month - spent < MIN_PAGE:
                    raise retry.GaveUp(f"budget: {spent:,} of the {per_month:,} posts a month already fetched"
                                       f" in {month}; fetching resumes in {_month_after(month)}")
                raise retry.GaveUp(f"budget: the per-run limit of {per_run:,} posts was reached with more"
                                   f" to fetch; the next run continues from the cursor")
            params = {"query": options["query"], "since_id": since_id, "start_time": start_time,
                      "max_results": max(MIN_PAGE, min(MAX_PAGE, room)), "next_token": token,
                      "expansions": EXPANSIONS, "tweet_fields": TWEET_FIELDS, "user_fields": USER_FIELDS}
            params = {k: v for k, v in params.items() if v is not None}
            try:
                response = retry.call(lambda: self._get(client, params),
                                      on_wait=lambda why, s: self.progress(f"{source}: {why}; waiting {s:.0f} s"))
            except tweepy.BadRequest as exc:
                if token and not restarted:  # an expired pagination token: start the pagination again
                    self.progress(f"{source}: X refused the saved next_token ({_message(exc)});"
                                  " fetching from since_id again")
                    token, newest, restarted = None, None, True
                    continue
                raise XError(f"X refused the search ({_message(exc)}); check the query") from None
            except tweepy.Unauthorized as exc:
                raise XError(f"X refused the bearer token ({_message(exc)}); see X_BEARER_TOKEN in"
                             " docs/connectors.md, 'X (Twitter)'") from None
            except tweepy.Forbidden as exc:
                what = "full-archive search" if options.get("full_archive") else "recent search"
                raise XError(f"X refused {what} for this app ({_message(exc)}); check the plan's access") from None
            except tweepy.HTTPException as exc:
                raise XError(f"X refused the search ({_message(exc)})") from None
            origin = response.url  # the request as sent; the token travels in a header, not here
            try:
                body = response.json()
                items = [Item(p, r, why) for p, r, why in transform.page_items(body)]
            except (ValueError, SourceFormatError) as exc:
                reason = (str(exc) if isinstance(exc, SourceFormatError)
                          else f"x: the response is not valid JSON ({exc})")
                spent += 1  # counted like connector_fetches counts the quarantined body
                yield Page([Item(response.text, None, reason)], origin,
                           {"month": month, "month_fetched": str(spent)}, fetched=0)
                raise retry.GaveUp(f"{reason}; the next run asks for this page again")
            fetched = len(body.get("data") or [])
            run += fetched
            spent += fetched
            if newest is None:  # the pagination's first page holds its newest post
                newest = body["meta"].get("newest_id") or max(
                    (r.record["post_id"] for r in items[:fetched] if r.record), key=int, default=None)
            token = body["meta"].get("next_token") or None
            page_cursor = {"month": month, "month_fetched": str(spent)}
            if token:
                page_cursor |= {"next_token": token, "newest_id": newest or ""}
            else:
                page_cursor |= {"next_token": "", "newest_id": "", "since_id": newest or since_id or ""}
            deleted = [("x", post_id) for post_id in transform.deleted_ids(body)]
            yield Page(items, origin, page_cursor, deleted, fetched=fetched)
            if not token:
                return

