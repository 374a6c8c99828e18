"""The one retry and back-off mechanism every connector uses (issue #5).

Why one: rate limits and server errors are the same problem on every platform, and a
connector that retries on its own (tweepy's ``wait_on_rate_limit``, praw's internal retries)
would hide the wait from the run summary and the data-health page. Connectors turn their
client library's exceptions into the three kinds below; :func:`call` decides what to do:

* :class:`RateLimited` (HTTP 429, or a quota header at zero): wait until the platform's reset
  time (``x-rate-limit-reset``, ``ratelimit-reset``, ``Retry-After``), plus a second, then try
  again — but never longer than ``max_wait`` seconds (5 minutes) at once: a longer wait ends the run's
  fetch for that target and records a coverage gap, so cron's next run continues from the
  cursor instead of a process sleeping for an hour.
* :class:`Transient` (HTTP 5xx, a timeout, a dropped connection): exponential back-off, 1 s,
  2 s, 4 s ... for ``attempts`` tries in all, because these usually clear within seconds.
* anything else (4xx other than 429, a malformed body): not retried — retrying cannot fix it.

The sleep and clock are parameters so that tests replaying recorded 429 and 500 responses
run without waiting.
"""
from __future__ import annotations

import time
from typing import Callable, TypeVar

T = TypeVar("T")


class RateLimited(Exception):
    """The platform said "too many requests"; ``reset_at`` is the epoch second it resets."""

    def __init__(self, message: str, reset_at: float | None = None):
        super().__init__(message)
        self.reset_at = reset_at


class Transient(Exception):
    """A failure that usually clears by itself: 5xx, timeout, connection reset."""


class GaveUp(Exception):
    """Retrying stopped; ``reason`` says why (for the run summary and the coverage gap)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def reset_from_headers(headers, now: float | None = None) -> float | None:
    """The reset time (epoch seconds) from a response's headers, in the forms platforms use:
    ``x-rate-limit-reset`` / ``ratelimit-reset`` as an epoch (X, Bluesky) or seconds to wait
    (Mastodon's ISO time is handled by its connector), and ``Retry-After`` in seconds."""
    if not headers:
        return None
    now = time.time() if now is None else now
    lower = {str(k).lower(): v for k, v in dict(headers).items()}
    for name in ("x-rate-limit-reset", "ratelimit-reset", "x-ratelimit-reset"):
        value = lower.get(name)
        if value is not None:
            try:
                number = float(value)
            except (TypeError, ValueError):
                continue
            return number if number > 1e9 else now + number
    retry_after = lower.get("retry-after")
    if retry_after is not None:
        try:
            return now + float(retry_after)
        except (TypeError, ValueError):
            return None
    return None


def call(fn: Callable[[], T], *, attempts: int = 4, max_wait: float = 300.0,
         sleep: Callable[[float], None] | None = None, now: Callable[[], float] | None = None,
         on_wait: Callable[[str, float], None] | None = None) -> T:
    """``fn()`` with the retries described above; raises :class:`GaveUp` when they run out.
    ``on_wait(reason, seconds)`` is told about every wait (progress output). ``sleep`` and
    ``now`` default to ``time.sleep`` / ``time.time`` looked up at call time (so a test that
    patches them is obeyed)."""
    sleep = sleep or (lambda seconds: time.sleep(seconds))
    now = now or (lambda: time.time())
    delay = 1.0
    for attempt in range(1, attempts + 1):
        try:
            return fn()
        except RateLimited as exc:
            wait = max((exc.reset_at or now() + 60) - now(), 0) + 1
            if wait > max_wait or attempt == attempts:
                raise GaveUp(f"rate limited until {exc.reset_at:.0f} (epoch s): {exc}"
                             if exc.reset_at else f"rate limited: {exc}") from exc
            if on_wait:
                on_wait(f"rate limited ({exc})", wait)
            sleep(wait)
        except Transient as exc:
            if attempt == attempts:
                raise GaveUp(f"{exc} (after {attempts} tries)") from exc
            if on_wait:
                on_wait(str(exc), delay)
            sleep(delay)
            delay *= 2
    raise AssertionError("unreachable")
