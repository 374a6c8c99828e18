"""Live connectors (issue #5): ``python -m ingest x|facebook|mastodon|bluesky|reddit`` and
``python -m ingest all``. See :mod:`ingest.connectors.base` for what they share,
:mod:`ingest.connectors.config` for the sources file and :mod:`ingest.connectors.retry` for
the one retry mechanism. Each platform's connector lives in its own module, imported only
when it runs (so a missing optional client library breaks only its own source)."""
from __future__ import annotations

import importlib

# command -> "module:class"; the order is the order ``all`` runs them in
CONNECTORS: dict[str, str] = {
    "x": "ingest.connectors.x:XConnector",
    "facebook": "ingest.connectors.facebook:FacebookConnector",
    "mastodon": "ingest.connectors.mastodon:MastodonConnector",
    "bluesky": "ingest.connectors.bluesky:BlueskyConnector",
    "reddit": "ingest.connectors.reddit:RedditConnector",
}


def available() -> dict[str, type]:
    """The connector classes whose modules exist, by command name."""
    out = {}
    for name, where in CONNECTORS.items():
        module, cls = where.split(":")
        try:
            out[name] = getattr(importlib.import_module(module), cls)
        except ModuleNotFoundError as exc:
            if exc.name != module:  # the module exists but its import failed: say so
                raise
    return out
