"""The pages' only way to the data: one read-only connection per process, published snapshot
and access scope (:mod:`store.access`), a cursor per query, and cached results.

A build publishes a new ``warehouse.duckdb`` with ``os.replace``: the file's (inode, mtime)
change, so the next page run opens a connection to the new snapshot and misses every cached
result of the old one (the version is part of each cache key). Old connections are dropped
from the resource cache and closed when no query uses them any more.
"""
from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import streamlit as st

from store import access, config, reader
from ui import auth, charts, labels
from warehouse import queries
from warehouse import question_queries  # noqa: F401  (registers its queries in queries.QUERIES)
from warehouse import flag_queries  # noqa: F401  (registers the guideline-flag queries)
from warehouse import policy_queries  # noqa: F401  (registers the policy comparison queries)
from warehouse import health_queries  # noqa: F401  (registers the data-health queries)

QUERY_TTL_SECONDS = 15 * 60
QUERY_CACHE_ENTRIES = 500
QUERY_CACHE_SIZE = "150MB"  # Explore results are ~1-2 MB each; keep the process small
FIGURE_CACHE_ENTRIES = 200
CONNECTIONS = 16  # snapshots x scopes open at once (a scope's connection is shared by its users)

# (path, inode, mtime in ns, scope key): every cache key carries the snapshot and the scope,
# so no session ever gets a result computed for a wider scope.
Version = tuple[str, int, int, str]
_SCOPES: dict[str, access.Scope] = {}  # scope key -> scope, for _connection


def warehouse_version() -> tuple[str, int, int] | None:
    """Identifies the published snapshot; None when there is no warehouse yet."""
    path = config.warehouse_path()
    try:
        stat = os.stat(path)
    except FileNotFoundError:
        return None
    return (str(path), stat.st_ino, stat.st_mtime_ns)


@st.cache_resource(max_entries=CONNECTIONS, show_spinner=False)
def _connection(version: Version):
    """A read-only connection to one snapshot as one scope sees it (store.access)."""
    return reader.connect_published(Path(version[0]), _SCOPES[version[3]])


@st.cache_data(ttl=QUERY_TTL_SECONDS, max_entries=QUERY_CACHE_ENTRIES, max_size=QUERY_CACHE_SIZE,
               show_spinner=False)
def _cached(version: Version, name: str, filters: queries.Filters | None, options: tuple) -> pd.DataFrame:
    cursor = reader.reader_cursor(_connection(version))
    try:
        return queries.QUERIES[name](cursor, filters, **dict(options))
    finally:
        cursor.close()


def _version() -> Version:
    version = warehouse_version()
    if version is None:
        raise FileNotFoundError(f"no published warehouse at {config.warehouse_path()}")
    scope = auth.current_scope()
    _SCOPES[scope.key()] = scope
    return version + (scope.key(),)


def query(name: str, filters: queries.Filters | None = None, **options) -> pd.DataFrame:
    """Run the named query of :mod:`warehouse.queries` (cached per warehouse version)."""
    return _cached(_version(), name, filters, tuple(sorted(options.items())))


# Figures are cached as shared objects (not copied like query results): building one costs
# 5-15 ms, a cached one nothing. st.plotly_chart copies a figure before using it, and pages
# must not modify one either.
@st.cache_resource(ttl=QUERY_TTL_SECONDS, max_entries=FIGURE_CACHE_ENTRIES, show_spinner=False)
def _cached_figure(version: Version, name: str, filters, options: tuple, chart_options: tuple,
                   chart: str | None = None):
    frame = _cached(version, name, filters, options)
    return getattr(charts, chart or name)(frame, **dict(chart_options))


def figure(name: str, filters: queries.Filters, query: dict | None = None, *, chart: str | None = None,
           **chart_options):
    """The figure ``ui.charts.<chart>`` (by default ``<name>``) draws from the query ``name``
    run with the ``query`` options (cached per warehouse version and arguments; do not modify
    it)."""
    return _cached_figure(_version(), name, filters, tuple(sorted((query or {}).items())),
                          tuple(sorted(chart_options.items())), chart)


@st.cache_data(ttl=QUERY_TTL_SECONDS, max_entries=QUERY_CACHE_ENTRIES, show_spinner=False)
def _cached_summaries(version: Version, filters, by: str, top: int):
    within = {"calendar": question_queries.CALENDAR_WITHIN, "service": question_queries.SERVICE_WITHIN}
    return tuple(question_queries.km_summaries(_cached(version, "response_histogram", filters,
                                                       tuple(sorted({"by": by, "clock": clock, "top": top}.items()))),
                                               within_s=within[clock])
                 for clock in ("calendar", "service"))


def response_summaries(filters: queries.Filters, by: str = "all", top: int = 10_000):
    """Kaplan–Meier summaries per group (``question_queries.km_summaries``) from the SQL
    histograms of both clocks: (calendar: within 1 h and 3 days, service: within 1 service
    day). Cached per warehouse version and arguments."""
    return _cached_summaries(_version(), filters, by, int(top))


# Tables people read (ui.labels builders: suppression, redaction, formatting) cost 10-30 ms
# each; cached like figures so that a rerun with the same filters costs nothing.
@st.cache_data(ttl=QUERY_TTL_SECONDS, max_entries=FIGURE_CACHE_ENTRIES, show_spinner=False)
def _cached_table(version: Version, builder: str, name: str, filters, options: tuple, builder_options: tuple):
    frame = _cached(version, name, filters, options)
    return getattr(labels, builder)(frame, **dict(builder_options))


def table(builder: str, name: str, filters: queries.Filters, query: dict | None = None, **builder_options):
    """The table ``ui.labels.<builder>`` makes from the query ``name`` run with the ``query``
    options (cached per warehouse version and arguments)."""
    return _cached_table(_version(), builder, name, filters, tuple(sorted((query or {}).items())),
                         tuple(sorted(builder_options.items())))


@st.cache_data(ttl=QUERY_TTL_SECONDS, max_entries=FIGURE_CACHE_ENTRIES, show_spinner=False)
def _cached_response_table(version: Version, filters, by: str, top: int, table_options: tuple):
    return labels.response_table(*_cached_summaries(version, filters, by, top), **dict(table_options))


def response_table(filters: queries.Filters, by: str = "all", top: int = 10_000, **table_options):
    """``ui.labels.response_table`` of :func:`response_summaries` (cached likewise)."""
    return _cached_response_table(_version(), filters, by, int(top), tuple(sorted(table_options.items())))
