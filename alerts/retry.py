"""Retry with back-off for sending one message (the alerts' own: the connectors' mechanism,
``ingest.connectors.retry``, is ingest's and is about platform rate limits; alerts may not
import ingest, and need only this).

* :class:`Transient` (a refused or dropped connection, a timeout, SMTP 4xx, HTTP 5xx or 429):
  try again after 2 s, 4 s, ... up to ``attempts`` tries, because these usually clear.
* :class:`Refused` (SMTP 5xx, HTTP 4xx other than 429, a URL or setting that cannot work): not
  retried within the run. Either way the event stays due and the next run tries again.
"""
from __future__ import annotations

import time
from typing import Callable, TypeVar

T = TypeVar("T")
ATTEMPTS = 3
FIRST_WAIT_S = 2.0


class Transient(Exception):
    """A failure that usually clears by itself."""


class Refused(Exception):
    """The server refused the message; retrying at once cannot help."""


class GaveUp(Exception):
    """Every attempt failed; ``attempts`` says how many were made."""

    def __init__(self, message: str, attempts: int):
        super().__init__(message)
        self.attempts = attempts


def call(fn: Callable[[], T], *, attempts: int = ATTEMPTS, first_wait: float = FIRST_WAIT_S,
         sleep: Callable[[float], None] | None = None,
         on_wait: Callable[[str, float], None] | None = None) -> tuple[T, int]:
    """``fn()``'s result and the number of attempts it took; :class:`GaveUp` when they run out,
    or at once on :class:`Refused`. ``sleep`` defaults to ``time.sleep`` looked up at call time
    (a test that patches it is obeyed)."""
    sleep = sleep or (lambda seconds: time.sleep(seconds))
    wait = first_wait
    for attempt in range(1, attempts + 1):
        try:
            return fn(), attempt
        except Refused as exc:
            raise GaveUp(f"refused: {exc}", attempt) from exc
        except Transient as exc:
            if attempt == attempts:
                raise GaveUp(f"{exc} (after {attempts} tries)", attempt) from exc
            if on_wait:
                on_wait(str(exc), wait)
            sleep(wait)
            wait *= 2
    raise AssertionError("unreachable")
