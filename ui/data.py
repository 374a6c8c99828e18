"""The pages' only way to the data: one read-only connection per process, published snapshot
and access scope (:mod:`store.access`), a cursor per query, and cached results.

Pages name what they run by the functions themselves: ``query(queries.headline, chosen)``,
``figure(question_queries.response_histogram, charts.response_curves, chosen, {...})``,
``table(question_queries.question_units, labels.funnel_outliers, chosen, {...})``, so that
"go to definition" leads from a page to its SQL and its chart. Each cache is keyed by the
function's module and qualified name (:func:`key`); the function itself is passed as an
underscore-prefixed argument, which Streamlit leaves out of the key it hashes.

A build publishes a new ``warehouse.duckdb`` with ``os.replace``: the file's (inode, mtime)
change, so the next page run opens a connection to the new snapshot and misses every cached
result of the old one (the version is part of each cache key). Old connections are dropped
from the resource cache and closed when no query uses them any more.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Callable

import pandas as pd
import streamlit as st

from store import access, config, reader
from ui import allocator, auth, charts, disclosure, labels
from warehouse import question_queries, queries
from warehouse.queries import Filters

QUERY_TTL_SECONDS = 15 * 60
QUERY_CACHE_ENTRIES = 500
# Byte caps (pickled size) on every cache of frames, so that a process serving many filters for
# hours stays within its memory (issue #16 item 4). At 1 M posts no result frame exceeds 0.8 MB
# (158 results of 30 concurrent opens held 10 MB, their tables 2 MB: bench/browser_users.py),
# so the caps keep what those opens use and bound the 10 M case (Explore's 1-2 MB).
QUERY_CACHE_SIZE = "48MB"
TABLE_CACHE_SIZE = "16MB"
SUMMARY_CACHE_SIZE = "8MB"
FIGURE_CACHE_ENTRIES = 200  # st.cache_resource has no byte cap: figures are bounded by entries
CONNECTIONS = 16  # snapshots x scopes open at once (a scope's connection is shared by its users)

# (path, inode, mtime in ns, delta stamp, scope key): every cache key carries the snapshot and
# the scope, so no session ever gets a result computed for a wider scope.
Version = tuple[str, int, int, str, str]
allocator.bound_heap()  # the process's C heap returns what it frees (ui/allocator.py)
_SCOPES: dict[str, access.Scope] = {}  # scope key -> scope, for _connection
Query = Callable[..., pd.DataFrame]  # (cursor, filters, **options) -> DataFrame, of warehouse.*queries


def key(function: Callable) -> str:
    """What a cache knows a query, chart or table builder by: its module and qualified name."""
    return f"{function.__module__}.{function.__qualname__}"


def warehouse_version() -> tuple[str, int, int, str] | None:
    """Identifies the published snapshot: the base file's (path, inode, mtime) and the delta
    beside it ("inode:mtime", or "" without one: a refresh publishes a delta with os.replace
    as a build publishes the base, store/reader.py); None when there is no warehouse yet."""
    path = config.warehouse_path()
    try:
        stat = os.stat(path)
    except FileNotFoundError:
        return None
    try:
        delta = os.stat(config.delta_path())
        stamp = f"{delta.st_ino}:{delta.st_mtime_ns}"
    except FileNotFoundError:
        stamp = ""
    return (str(path), stat.st_ino, stat.st_mtime_ns, stamp)


@st.cache_resource(max_entries=CONNECTIONS, show_spinner=False)
def _connection(version: Version):
    """A read-only connection to one snapshot as one scope sees it (store.access)."""
    return reader.connect_published(Path(version[0]), _SCOPES[version[4]])


@st.cache_data(ttl=QUERY_TTL_SECONDS, max_entries=QUERY_CACHE_ENTRIES, max_size=QUERY_CACHE_SIZE,
               show_spinner=False)
def _cached(version: Version, name: str, _query: Query, filters: Filters | None, options: tuple) -> pd.DataFrame:
    cursor = reader.reader_cursor(_connection(version))
    try:
        return _query(cursor, filters, **dict(options))
    finally:
        cursor.close()


def _run(version: Version, function: Query, filters: Filters | None, options: dict) -> pd.DataFrame:
    return _cached(version, key(function), function, filters, tuple(sorted(options.items())))


def _version() -> Version:
    version = warehouse_version()
    if version is None:
        raise FileNotFoundError(f"no published warehouse at {config.warehouse_path()}")
    scope = auth.current_scope()
    _SCOPES[scope.key()] = scope
    return version + (scope.key(),)


def query(function: Query, filters: Filters | None = None, **options) -> pd.DataFrame:
    """``function(cursor, filters, **options)``, a query of ``warehouse.*queries`` (cached per
    warehouse version and arguments)."""
    return _run(_version(), function, filters, options)


def stream(function: Callable, filters: Filters | None = None, **options):
    """The frames of ``function(cursor, filters, **options)``, a chunked query of
    ``warehouse.*queries`` (``explore_chunks``, ``episode_chunks``), read on a cursor of this
    session's scoped connection (so rows outside the scope are never read) and never cached:
    a full export is made once, as it streams."""
    cursor = reader.reader_cursor(_connection(_version()))
    try:
        yield from function(cursor, filters, **options)
    finally:
        cursor.close()


# --- synthetic data is marked on everything that shows it -------------------------------------------
# DESIGN.md "Statistics shown to people": demo data is marked synthetic on every chart, table and
# export. One place each: figures here (charts.mark_synthetic, in the cached figure), tables and
# their CSV/Excel exports by ui.tables (show, download).

def _synthetic(version: Version) -> bool:
    info = _run(version, queries.build_info, None, {})
    return not info.empty and int(info["n_demo_posts"].iloc[0]) > 0


def is_synthetic() -> bool:
    """Some or all of the published posts are synthetic demo data (landed by a demo run)."""
    return _synthetic(_version())


def built_at():
    """When the published warehouse was built (an export's About sheet says it); None if unknown."""
    info = _run(_version(), queries.build_info, None, {})
    return None if info.empty else info["built_at"].iloc[0]


# Figures are cached as shared objects (not copied like query results): building one costs
# 5-15 ms, a cached one nothing. st.plotly_chart copies a figure before using it, and pages
# must not modify one either.
@st.cache_resource(ttl=QUERY_TTL_SECONDS, max_entries=FIGURE_CACHE_ENTRIES, show_spinner=False)
def _cached_figure(version: Version, name: str, _query: Query, filters, options: tuple, chart_name: str,
                   _chart: Callable, chart_options: tuple):
    figure = _chart(_run(version, _query, filters, dict(options)), **dict(chart_options))
    return charts.mark_synthetic(figure) if _synthetic(version) else figure


def figure(function: Query, chart: Callable, filters: Filters | None, query: dict | None = None,
           **chart_options):
    """The figure ``chart`` (of :mod:`ui.charts`) draws, with ``chart_options``, from the query
    ``function`` run with the ``query`` options (cached per warehouse version and arguments;
    do not modify it)."""
    return _cached_figure(_version(), key(function), function, filters, tuple(sorted((query or {}).items())),
                          key(chart), chart, tuple(sorted(chart_options.items())))


# Tables people read (ui.labels builders: suppression, redaction, formatting) cost 10-30 ms
# each; cached like figures so that a rerun with the same filters costs nothing.
@st.cache_data(ttl=QUERY_TTL_SECONDS, max_entries=FIGURE_CACHE_ENTRIES, max_size=TABLE_CACHE_SIZE,
               show_spinner=False)
def _cached_table(version: Version, name: str, _query: Query, filters, options: tuple, builder_name: str,
                  _builder: Callable, builder_options: tuple):
    return _builder(_run(version, _query, filters, dict(options)), **dict(builder_options))


def table(function: Query, builder: Callable, filters: Filters | None, query: dict | None = None,
          **builder_options):
    """The table ``builder`` (of :mod:`ui.labels`) makes, with ``builder_options``, from the query
    ``function`` run with the ``query`` options (cached per warehouse version and arguments)."""
    return _cached_table(_version(), key(function), function, filters, tuple(sorted((query or {}).items())),
                         key(builder), builder, tuple(sorted(builder_options.items())))


@st.cache_data(ttl=QUERY_TTL_SECONDS, max_entries=QUERY_CACHE_ENTRIES, max_size=SUMMARY_CACHE_SIZE,
               show_spinner=False)
def _cached_summaries(version: Version, filters, by: str, top: int, national: bool):
    """Kaplan–Meier summaries per group (``ui.disclosure.km_summaries``: below national level
    from rounded counts) from the SQL histograms of each clock: (calendar: the median and
    within 1 h and 3 days; service: the median in staffed hours; service days: within 1 of the
    trust's own service days)."""
    within = {"calendar": question_queries.CALENDAR_WITHIN, "service": question_queries.SERVICE_WITHIN,
              "service_days": question_queries.SERVICE_DAY_WITHIN}
    return tuple(disclosure.km_summaries(
        _run(version, question_queries.response_histogram, filters, {"by": by, "clock": clock, "top": top}),
        within_s=within[clock], national=national) for clock in question_queries.CLOCKS)


@st.cache_data(ttl=QUERY_TTL_SECONDS, max_entries=FIGURE_CACHE_ENTRIES, max_size=SUMMARY_CACHE_SIZE,
               show_spinner=False)
def _cached_response(version: Version, builder_name: str, _builder: Callable, filters, by: str, top: int,
                     options: tuple):
    national = dict(options).get("national", False)
    return _builder(*_cached_summaries(version, filters, by, top, national), **dict(options))


def response_table(filters: Filters, by: str = "all", top: int = 10_000, **table_options):
    """``ui.labels.response_table`` of the Kaplan–Meier summaries of the response-time
    histograms on both clocks, per group (cached per warehouse version and arguments)."""
    return _cached_response(_version(), key(labels.response_table), labels.response_table, filters, by,
                            int(top), tuple(sorted(table_options.items())))


def response_headline(filters: Filters, clock: str = "calendar", national: bool = False):
    """``ui.labels.response_headline`` of the whole selection: measure -> (value, CI caption)
    for the metrics at the top of a page (cached likewise)."""
    return _cached_response(_version(), key(labels.response_headline), labels.response_headline, filters,
                            "all", 10_000, (("clock", clock), ("national", national)))
