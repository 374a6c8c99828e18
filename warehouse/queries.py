"""Parameterised read queries over the published warehouse.

Pure of Streamlit: the dashboard caches and draws them, the benchmark times them as bare SQL,
and the tests run them against real DuckDB files. Each query is a function
``(cursor, filters, ...) -> pandas.DataFrame`` whose SQL is a module constant; values are
always bound as ``$name`` parameters (see :meth:`Filters.params`), never formatted into SQL.
Pages and the benchmark refer to the functions themselves (``ui.data.query(queries.headline,
...)``), never to names.

Conventions:

* Dates are UK local days (Europe/London), inclusive at both ends, as ``daily_post_counts``
  counts them; queries over ``posts`` use the matching UTC instants so that both agree.
* Charts and tables read the ``daily_post_counts`` pre-aggregate; only figures that need a
  post's own columns (distinct authors, latest post time, the Explore table) read ``posts``.
* Unattributed posts (no trust, so no region) are counted whenever no region or trust filter
  is set, and are labelled ``Unattributed``; the region filter can select them on their own
  with the code ``unattributed`` (:mod:`warehouse.measures`: the one definition of both).
* The free-text filter applies only to queries over ``posts`` (the pre-aggregate has no text).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pandas as pd

from warehouse.measures import group_code_sql, name_sql

UK = ZoneInfo("Europe/London")
GRAINS = ("day", "week", "month")
SERIES = {"platform": "platform", "role": "author_role"}  # series name -> column (code constants)
_PARAM = re.compile(r"\$([a-z_][a-z0-9_]*)")
POST_LISTS = ("roles", "topics", "families", "rules", "reviews")  # Filters' lists for Explore's posts


@dataclass(frozen=True)
class Filters:
    """What the user chose: UK days ``start``..``end`` inclusive, and optional lists; an
    empty tuple means "all" (unattributed posts included)."""

    start: date
    end: date
    regions: tuple[str, ...] = ()
    trusts: tuple[str, ...] = ()
    platforms: tuple[str, ...] = ()
    text: str = ""
    # Explore's own narrowing of the posts (issue #15; :data:`POST_FILTERS`, applied by the
    # Explore queries only): author roles, questions or not ("yes" / "no" / "" for both),
    # topics, and flags by family, rule and review state (a post with such a flag).
    roles: tuple[str, ...] = ()
    question: str = ""
    topics: tuple[str, ...] = ()
    families: tuple[str, ...] = ()
    rules: tuple[str, ...] = ()
    reviews: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for name in ("regions", "trusts", "platforms", *POST_LISTS):
            object.__setattr__(self, name, tuple(sorted(set(getattr(self, name)))))
        object.__setattr__(self, "text", (self.text or "").strip())
        if self.question not in ("", "yes", "no"):
            raise ValueError(f"question must be 'yes', 'no' or '', not {self.question!r}")
        if self.end < self.start:
            raise ValueError(f"end {self.end} is before start {self.start}")

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def previous(self) -> "Filters":
        """The same filters over the equal-length period just before this one."""
        return Filters(self.start - timedelta(days=self.days), self.start - timedelta(days=1),
                       self.regions, self.trusts, self.platforms, self.text)

    def params(self) -> dict[str, object]:
        """Every value the queries bind. Instants are the UK midnights around the days."""
        previous = self.previous
        return {
            "start": self.start,
            "end": self.end,
            "prev_start": previous.start,
            "start_ts": uk_midnight(self.start),
            "end_ts": uk_midnight(self.end + timedelta(days=1)),
            "regions": list(self.regions),
            "trusts": list(self.trusts),
            "platforms": list(self.platforms),
            "all_regions": not self.regions,
            "all_trusts": not self.trusts,
            "all_platforms": not self.platforms,
            "text": self.text,
            "text_pattern": "%" + like_escape(self.text) + "%",
            "question": self.question,
        } | {name: list(getattr(self, name)) for name in POST_LISTS} | {
            f"all_{name}": not getattr(self, name) for name in POST_LISTS}

    @property
    def narrows_posts(self) -> bool:
        """Whether Explore's own filters (roles, question, topics, flags) narrow the posts."""
        return bool(self.question or any(getattr(self, name) for name in POST_LISTS))


DEFAULT_DAYS = 365  # the dashboard's default dates: the last year with posts ...


def default_dates(first_day: date, last_day: date, today: date | None = None) -> tuple[date, date]:
    """The default dates of the pages (and of ``python -m warehouse compare-policies``): the last
    :data:`DEFAULT_DAYS` days with posts; but every day of the data when its newest post is over
    a year old (an import of older posts, issue #15), so that a first look shows all of it rather
    than empty pages that say "widen the dates"."""
    today = today or date.today()
    if last_day < today - timedelta(days=DEFAULT_DAYS):
        return first_day, last_day
    return max(first_day, last_day - timedelta(days=DEFAULT_DAYS - 1)), last_day


def like_escape(text: str) -> str:
    """The text as a literal inside a LIKE pattern with ESCAPE '\\'."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def uk_midnight(day: date) -> datetime:
    """The instant a UK local day starts (an aware datetime; DuckDB binds it as TIMESTAMPTZ)."""
    return datetime.combine(day, time(0), UK)


def run(cursor, sql: str, params: dict[str, object]) -> pd.DataFrame:
    """Execute ``sql`` binding only the parameters it names; return the whole result."""
    sql = _statement(sql, params)
    wanted = set(_PARAM.findall(sql))
    missing = wanted - params.keys()
    if missing:
        raise KeyError(f"query needs parameter(s) {', '.join(sorted(missing))}")
    return cursor.execute(sql, {name: params[name] for name in wanted}).df()


# Filter fragments (code constants). Lists are typed so that an empty list binds too.
_DIMENSIONS = f"""($all_regions OR list_contains($regions::VARCHAR[], {group_code_sql('region_code')}))
    AND ($all_trusts OR list_contains($trusts::VARCHAR[], trust_code))
    AND ($all_platforms OR list_contains($platforms::VARCHAR[], platform))"""
_DAILY_WHERE = f"day BETWEEN $start AND $end\n    AND {_DIMENSIONS}"
_POSTS_WHERE = f"created_at >= $start_ts AND created_at < $end_ts\n    AND {_DIMENSIONS}"
# ILIKE with the user's text escaped (see Filters.params): 20% faster than contains(lower()).
_TEXT_WHERE = "($text = '' OR text ILIKE $text_pattern ESCAPE '\\')"
# Explore's narrowing of the posts (Filters.roles ... reviews): the post's own role, question mark
# and topic, and a flag of the chosen families / rules / review states on it (flag_reviews holds
# each flag with its review status as of the build).
# A flag of the chosen families / rules / review states on the post. DuckDB cannot see that the
# bound flags make the EXISTS moot, so it builds the join over every flag even when none is
# chosen (at 10 M posts more than the dashboard's 128 MB: Explore failed with out-of-memory);
# :func:`run` and :func:`stream` drop it from the statement when nothing is chosen
# (:func:`_statement`: one code constant replaced by another, values stay bound).
_FLAG_EXISTS = """(($all_families AND $all_rules AND $all_reviews) OR EXISTS (
        SELECT 1 FROM flag_reviews f
        WHERE f.platform = posts.platform AND f.post_id = posts.post_id
          AND ($all_families OR list_contains($families::VARCHAR[], f.family))
          AND ($all_rules OR list_contains($rules::VARCHAR[], f.rule_id))
          AND ($all_reviews OR list_contains($reviews::VARCHAR[], f.status))))"""
POST_FILTERS = f"""($all_roles OR list_contains($roles::VARCHAR[], author_role))
    AND ($question = '' OR is_question = ($question = 'yes'))
    AND ($all_topics OR list_contains($topics::VARCHAR[], topic))
    AND {_FLAG_EXISTS}"""


def _statement(sql: str, params: dict[str, object]) -> str:
    """``sql`` without the flag filter when no family, rule or review state is chosen."""
    if _FLAG_EXISTS in sql and all(params.get(k) is True for k in ("all_families", "all_rules", "all_reviews")):
        return sql.replace(_FLAG_EXISTS, "TRUE")
    return sql


# --- filter options --------------------------------------------------------------------

DATE_BOUNDS_SQL = """
SELECT min(day) AS first_day, max(day) AS last_day, coalesce(sum(n_posts), 0)::BIGINT AS n_posts
FROM daily_post_counts
"""

REGION_OPTIONS_SQL = f"""
SELECT {group_code_sql('c.region_code')} AS region_code,
       {name_sql('c.region_code', 'r.region_name')} AS region_name,
       c.n_posts
FROM (SELECT region_code, sum(n_posts)::BIGINT AS n_posts FROM daily_post_counts GROUP BY region_code) c
LEFT JOIN regions r USING (region_code)
ORDER BY c.region_code IS NULL, region_name
"""

TRUST_OPTIONS_SQL = f"""
SELECT c.trust_code, coalesce(t.trust_name, c.trust_code) AS trust_name,
       {group_code_sql('c.region_code')} AS region_code,
       {name_sql('c.region_code', 't.region_name')} AS region_name,
       c.n_posts
FROM (
    SELECT trust_code, any_value(region_code) AS region_code, sum(n_posts)::BIGINT AS n_posts
    FROM daily_post_counts WHERE trust_code IS NOT NULL GROUP BY trust_code
) c
LEFT JOIN trusts t USING (trust_code)
ORDER BY trust_name
"""

PLATFORM_OPTIONS_SQL = """
SELECT platform, sum(n_posts)::BIGINT AS n_posts
FROM daily_post_counts
GROUP BY platform
ORDER BY n_posts DESC, platform
"""


def date_bounds(cursor, filters: Filters | None = None) -> pd.DataFrame:
    """One row: the first and last UK day with posts (NULL when there are none), all posts."""
    return run(cursor, DATE_BOUNDS_SQL, {})


def region_options(cursor, filters: Filters | None = None) -> pd.DataFrame:
    """Regions that have posts, by name, then ``unattributed`` if any post lacks a region."""
    return run(cursor, REGION_OPTIONS_SQL, {})


def trust_options(cursor, filters: Filters | None = None) -> pd.DataFrame:
    """Trusts that have posts, with their region, by name."""
    return run(cursor, TRUST_OPTIONS_SQL, {})


def platform_options(cursor, filters: Filters | None = None) -> pd.DataFrame:
    """Platforms that have posts, busiest first."""
    return run(cursor, PLATFORM_OPTIONS_SQL, {})


# --- headline figures ------------------------------------------------------------------

HEADLINE_SQL = f"""
WITH counts AS (
    SELECT
        coalesce(sum(n_posts) FILTER (WHERE day >= $start), 0)::BIGINT AS n_posts,
        coalesce(sum(n_posts) FILTER (WHERE day < $start), 0)::BIGINT AS n_posts_prev,
        count(DISTINCT platform) FILTER (WHERE day >= $start) AS n_platforms
    FROM daily_post_counts
    WHERE day BETWEEN $prev_start AND $end
    AND {_DIMENSIONS}
),
authors AS (
    -- Distinct accounts need the posts themselves: the costliest figure on the page, so it
    -- is counted for the chosen period only (no previous-period comparison), as a bitmap of
    -- the authors' numbers (posts.author_n: 1 .. the highest, read from build_info), exact and
    -- ~6x faster than hashing every key, in a scan of its own so that the time filter prunes
    -- row groups of the time-sorted table.
    SELECT
        (SELECT coalesce(bit_count(bitstring_agg(author_n, 1, $max_author_n)), 0) FROM posts
         WHERE created_at >= $start_ts AND created_at < $end_ts AND {_DIMENSIONS}) AS n_authors,
        (SELECT max(created_at) FROM posts
         WHERE created_at >= $start_ts AND created_at < $end_ts AND {_DIMENSIONS}) AS last_post_at
)
SELECT counts.*, authors.*,
       $prev_start >= (SELECT min(day) FROM daily_post_counts) AS has_previous
FROM counts, authors
"""


def headline(cursor, filters: Filters) -> pd.DataFrame:
    """One row: posts, distinct authors (accounts), platforms and the latest post time in the
    period, and posts in the previous equal-length period (``has_previous`` says whether the
    data reaches back that far, so that a comparison means something)."""
    highest = cursor.execute("SELECT max_author_n FROM build_info").fetchall()[0][0]
    return run(cursor, HEADLINE_SQL, filters.params() | {"max_author_n": max(1, int(highest or 0))})


# --- posts over time, by region, by trust -----------------------------------------------

# Every ``$grain`` period (day, week from Monday, month) from ``$start`` to ``$end``: the zero
# fill of the time series.
PERIODS_CTE = """periods AS (
    SELECT unnest(generate_series(
        date_trunc($grain, $start::DATE)::TIMESTAMP,
        date_trunc($grain, $end::DATE)::TIMESTAMP,
        CASE $grain WHEN 'month' THEN INTERVAL 1 MONTH WHEN 'week' THEN INTERVAL 7 DAY
                    ELSE INTERVAL 1 DAY END
    ))::DATE AS period
)"""


def over_time_sql(table: str, measure: str, column: str, where: str,
                  label: str | None = None, joins: str = "") -> str:
    """A zero-filled time series over a daily pre-aggregate: one row per period (``$grain``:
    day, week or month between ``$start`` and ``$end``) x series (``column``), with
    ``sum(measure)`` as ``measure``; ``label`` adds a ``series_name`` (``joins`` may join the
    series' names, e.g. regions). Every argument is a code constant (identifiers and SQL
    snippets), never a user value."""
    name = f"{label} AS series_name, " if label else ""
    return f"""
WITH counts AS (
    SELECT date_trunc($grain, day)::DATE AS period, {column} AS series,
           sum({measure})::BIGINT AS {measure}
    FROM {table}
    WHERE {where}
    GROUP BY ALL
),
{PERIODS_CTE},
series AS (SELECT DISTINCT series FROM counts)
SELECT p.period, s.series, {name}coalesce(c.{measure}, 0)::BIGINT AS {measure}
FROM periods p CROSS JOIN series s
LEFT JOIN counts c USING (period, series)
{joins}
ORDER BY p.period, s.series
"""


POSTS_OVER_TIME_SQL = {
    name: over_time_sql("daily_post_counts", "n_posts", column, _DAILY_WHERE)
    for name, column in SERIES.items()
}

POSTS_BY_REGION_SQL = f"""
SELECT {group_code_sql('c.region_code')} AS region_code,
       {name_sql('c.region_code', 'r.region_name')} AS region_name,
       c.n_posts,
       c.n_posts / sum(c.n_posts) OVER () AS share
FROM (
    SELECT region_code, sum(n_posts)::BIGINT AS n_posts
    FROM daily_post_counts
    WHERE {_DAILY_WHERE}
    GROUP BY region_code
) c
LEFT JOIN regions r USING (region_code)
ORDER BY c.n_posts DESC, region_name
"""

POSTS_BY_TRUST_SQL = f"""
SELECT c.trust_code,
       {name_sql('c.trust_code', 't.trust_name')} AS trust_name,
       {name_sql('c.region_code', 't.region_name')} AS region_name,
       c.n_posts,
       c.n_posts / c.total AS share
FROM (
    SELECT trust_code, any_value(region_code) AS region_code, sum(n_posts)::BIGINT AS n_posts,
           sum(sum(n_posts)) OVER () AS total
    FROM daily_post_counts
    WHERE {_DAILY_WHERE}
    GROUP BY trust_code
) c
LEFT JOIN trusts t USING (trust_code)
ORDER BY c.n_posts DESC, trust_name
LIMIT $limit
"""


def posts_over_time(cursor, filters: Filters, grain: str = "week", by: str = "platform") -> pd.DataFrame:
    """Posts per ``grain`` (day, week or month; weeks start on Monday) and series (``by`` =
    platform or role), one row per period x series, zero-filled over the whole date range."""
    if grain not in GRAINS:
        raise ValueError(f"grain must be one of {', '.join(GRAINS)}")
    if by not in SERIES:
        raise ValueError(f"by must be one of {', '.join(SERIES)}")
    return run(cursor, POSTS_OVER_TIME_SQL[by], filters.params() | {"grain": grain})


def posts_by_region(cursor, filters: Filters) -> pd.DataFrame:
    """Posts per region (``Unattributed`` included), busiest first, with each one's share."""
    return run(cursor, POSTS_BY_REGION_SQL, filters.params())


def posts_by_trust(cursor, filters: Filters, limit: int = 10_000) -> pd.DataFrame:
    """The ``limit`` busiest trusts (``Unattributed`` counts as one), with region and share
    of all the filtered posts (not just of those shown)."""
    return run(cursor, POSTS_BY_TRUST_SQL, filters.params() | {"limit": int(limit)})


# --- the posts themselves ----------------------------------------------------------------

EXPLORE_POSTS_SQL = f"""
WITH newest AS (
    -- Late materialisation: find the rows from a few narrow columns, then read their wide
    -- columns (text, url ...) only; much faster than sorting whole rows.
    SELECT platform, post_id, created_at
    FROM posts
    WHERE {_POSTS_WHERE}
    AND {_TEXT_WHERE}
    AND {POST_FILTERS}
    ORDER BY created_at DESC, platform, post_id
    LIMIT $limit
),
matched AS (
    -- created_at in the join key: DuckDB pushes the chosen rows' time range into the scan
    -- of the time-sorted table, which then reads the wide columns of a few row groups only
    -- (at 10 M posts 40 ms instead of 1.2 s)
    SELECT p.* FROM posts p SEMI JOIN newest USING (platform, post_id, created_at)
)
SELECT
    (m.created_at AT TIME ZONE 'Europe/London') AS posted_at,
    m.platform,
    m.author_role,
    coalesce(m.account_title, m.author_key) AS author,
    {name_sql('m.trust_code', 't.trust_name')} AS trust_name,
    {name_sql('m.region_code', 'r.region_name')} AS region_name,
    m.text,
    m.url,
    m.post_id,
    m.thread_id
FROM matched m
LEFT JOIN trusts t ON t.trust_code = m.trust_code
LEFT JOIN regions r ON r.region_code = m.region_code
ORDER BY m.created_at DESC, m.platform, m.post_id
"""


def explore_posts(cursor, filters: Filters, limit: int = 5_000) -> pd.DataFrame:
    """Matching posts, newest first, at most ``limit``; ``filters.text`` matches anywhere in
    the text, ignoring case, taken literally (``%``, ``_`` and ``\\`` are escaped, and the
    pattern is a bound value). ``posted_at`` is UK time."""
    return run(cursor, EXPLORE_POSTS_SQL, filters.params() | {"limit": int(limit)})


EXPLORE_COUNT_SQL = f"""
SELECT count(*)::BIGINT AS n_posts FROM posts WHERE {_POSTS_WHERE} AND {_TEXT_WHERE} AND {POST_FILTERS}
"""


def explore_count(cursor, filters: Filters) -> pd.DataFrame:
    """One row: how many posts match (what a full export of Explore holds, up to its cap)."""
    return run(cursor, EXPLORE_COUNT_SQL, filters.params())


def explore_chunks(cursor, filters: Filters, limit: int = 100_000, vectors: int = 2):
    """:func:`explore_posts` (newest first, at most ``limit``) as a stream of frames of
    ``vectors`` x 2,048 rows, for an export of every matching post (:func:`stream`)."""
    return stream(cursor, EXPLORE_POSTS_SQL, filters.params() | {"limit": int(limit)}, vectors)


def stream(cursor, sql: str, params: dict[str, object], vectors: int = 2):
    """Execute ``sql`` (binding the parameters it names) and yield its result in frames of
    ``vectors`` x 2,048 rows, so that a large export never holds every row at once. The cursor
    is read to the end (or closed by the caller): duckdb refuses new work on a cursor whose
    result is half read."""
    sql = _statement(sql, params)
    wanted = set(_PARAM.findall(sql))
    cursor.execute(sql, {name: params[name] for name in wanted})
    while True:
        chunk = cursor.fetch_df_chunk(int(vectors))
        if chunk.empty:
            return
        yield chunk


DATA_GAPS_SQL = """
SELECT coalesce(sum(n_posts), 0)::BIGINT AS n_posts,
       coalesce(sum(n_posts) FILTER (WHERE author_role IN ('professional', 'organisation')), 0)::BIGINT AS n_staff,
       coalesce(sum(n_posts) FILTER (WHERE author_role = 'unknown'), 0)::BIGINT AS n_unknown,
       coalesce(sum(n_posts) FILTER (WHERE trust_code IS NOT NULL), 0)::BIGINT AS n_attributed,
       (SELECT coalesce(sum(n_questions), 0) FROM daily_question_counts)::BIGINT AS n_questions
FROM daily_post_counts
"""


def data_gaps(cursor, filters: Filters | None = None) -> pd.DataFrame:
    """One row over all the data (no filter): posts, those by professionals or organisations,
    by authors of unknown role, attributed to a trust, and patient questions; what a first
    import of real data lacks (ui.first_run) is read from these."""
    return run(cursor, DATA_GAPS_SQL, {})


BUILD_INFO_SQL = """
SELECT built_at, n_posts, first_post_at, last_post_at, n_demo_posts FROM build_info
"""


def build_info(cursor, filters: Filters | None = None) -> pd.DataFrame:
    """One row: when the warehouse was built, its posts, first and last post, demo posts."""
    return run(cursor, BUILD_INFO_SQL, {})
