"""Source transforms: pure functions from a platform's recorded API payload to records in
the file-import format (``ingest.landing.POST_COLUMNS``). The connectors (fetching, cursors,
rate limits) call these; tests run them on real recorded responses.

Unknown authorship: where a platform omits the author (Facebook's Graph API without a page
token drops ``from``), ``author_id`` is ``unknown:<post id>`` (:data:`UNKNOWN_PREFIX`). Such
posts get the role ``unknown``: their questions count as questions from the public, but a
reply of unknown authorship never counts as a professional answer (the build records it as
the first reply of unknown authorship instead). Responsiveness is never overstated.
"""

from datetime import datetime, timezone

from store.errors import InputError

UNKNOWN_PREFIX = "unknown:"
# What a malformed item of an API payload raises inside a transform; turned into a clear problem.
MALFORMED = (KeyError, IndexError, TypeError, ValueError, AttributeError, OverflowError, OSError)


class SourceFormatError(InputError):
    """An API payload item that a transform cannot read; the message names the source, the
    item and what is wrong with it."""


def problem(source: str, where: str, exc: BaseException) -> str:
    """One line saying which item of which payload could not be read, and why."""
    if isinstance(exc, KeyError):
        why = f"missing field {exc.args[0]!r}"
    elif isinstance(exc, (TypeError, AttributeError)):
        why = f"a field has the wrong type ({exc})"
    else:
        why = str(exc) or type(exc).__name__
    return f"{source}: {where}: {why}"


def report(problems: list[str] | None, message: str) -> None:
    """An item a transform cannot read: raise :class:`SourceFormatError` with ``message``, or,
    given a ``problems`` list (the connector quarantines the item), append it there."""
    if problems is None:
        raise SourceFormatError(message) from None
    problems.append(message)


def unknown_author(post_id: str) -> str:
    return f"{UNKNOWN_PREFIX}{post_id}"


def iso_time(value, name: str = "created_at") -> str:
    """An ISO 8601 time with a UTC offset (``Z`` allowed), as UTC ISO text; TypeError or
    ValueError (a clear problem) otherwise. X and Mastodon write ``2021-09-22T16:37:29.000Z``."""
    if not isinstance(value, str):
        raise TypeError(f"{name!r} is not text")
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        raise ValueError(f"{name!r} has no UTC offset: {value!r}")
    return parsed.astimezone(timezone.utc).isoformat()
