"""Source transforms: pure functions from a platform's recorded API payload to records in
the file-import format (``ingest.landing.POST_COLUMNS``). The connectors (fetching, cursors,
rate limits) call these; tests run them on real recorded responses.

Unknown authorship: where a platform omits the author (Facebook's Graph API without a page
token drops ``from``), ``author_id`` is ``unknown:<post id>`` (:data:`UNKNOWN_PREFIX`). Such
posts get the role ``unknown``: their questions count as questions from the public, but a
reply of unknown authorship never counts as a professional answer (the build records it as
the first reply of unknown authorship instead). Responsiveness is never overstated.
"""

UNKNOWN_PREFIX = "unknown:"


def unknown_author(post_id: str) -> str:
    return f"{UNKNOWN_PREFIX}{post_id}"
