"""The benchmark's fixed filter changes, and the bare SQL each page runs for them.

Each scenario is a set of URL parameters (as a shared link would carry them). Every one has a
distinct date range, so no scenario is served from another's cache. For the bare-SQL figure
the same filters run through the page's named queries in ``warehouse.queries`` on a fresh
cursor: the work the page cannot avoid.
"""
from __future__ import annotations

import time
from datetime import date, timedelta

from store import reader
from warehouse import queries
from warehouse import question_queries  # noqa: F401  (registers the question pages' queries)
from warehouse import flag_queries  # noqa: F401  (registers the flag page's queries)
from warehouse import policy_queries  # noqa: F401  (registers the policy comparison queries)
from warehouse import health_queries  # noqa: F401  (registers the data-health queries)
from store import reviews

LAST_DAY = date(2026, 10, 31)  # bench/run.py generates the demo up to 1 Nov 2026

# (days shown, regions, trusts, platforms, search text): what a regional lead or analyst clicks.
BASES = [
    (365, (), (), (), ""),
    (365, ("Y63",), (), (), ""),
    (180, ("Y56", "Y62"), (), (), ""),
    (365, (), (), ("x",), ""),
    (90, ("Y60",), (), (), "mammogram"),
    (365, ("Y63",), ("RR8",), (), ""),
    (30, (), (), ("facebook", "x"), "results"),
]

# The named queries each page runs after a filter change (options and build_info are cached
# from the first render). A page missing here fails the benchmark, so new pages are added.
PAGE_QUERIES = {
    "dashboard.py": [
        ("headline", {}),
        ("posts_over_time", {"grain": "week", "by": "platform"}),
        ("posts_by_region", {}),
        ("posts_by_trust", {}),
        ("question_headline", {}),
        ("response_histogram", {"by": "all", "clock": "calendar"}),
        ("response_histogram", {"by": "all", "clock": "service"}),
    ],
    "pages/1_Explore.py": [("explore_posts", {"limit": 1_001})],
    "pages/2_Patient_questions.py": [
        ("question_headline", {}),
        ("response_histogram", {"by": "all", "clock": "calendar"}),
        ("response_histogram", {"by": "all", "clock": "service"}),
        ("questions_over_time", {"grain": "week", "by": "all"}),
        ("question_topics", {}),
        ("question_units", {"by": "region"}),
        ("question_units", {"by": "trust"}),
        ("open_questions", {"limit": 501}),
    ],
    "pages/3_Response_times.py": [
        ("response_histogram", {"by": "all", "clock": "calendar"}),
        ("response_histogram", {"by": "all", "clock": "service"}),
        ("question_units", {"by": "trust"}),
        ("asking_times", {}),
    ],
    "pages/5_Guideline_flags.py": [
        ("flag_headline", {}),
        ("enabling_headline", {}),
        ("flag_rates", {"by": "family"}),
        ("flag_rates", {"by": "rule"}),
        ("flags_over_time", {"grain": "week"}),
        ("flag_rates", {"by": "trust"}),
        ("flagged_posts", {"limit": 500}),
    ],
    "pages/4_Review_queue.py": [("review_queue", {"limit": 501})],
    "pages/6_Policy_comparison.py": [
        ("policy_register", {}),
        ("policy_comparison", {"clause": "engagement"}),
        ("trust_outcomes", {}),
    ],
    "pages/7_Data_health.py": [("source_health", {"days": 30}), ("fetches_over_time", {"days": 30})],
}


def scenario(i: int) -> queries.Filters:
    days, regions, trusts, platforms, text = BASES[i % len(BASES)]
    end = LAST_DAY - timedelta(days=i // len(BASES))
    return queries.Filters(end - timedelta(days=days - 1), end, regions, trusts, platforms, text)


def url_params(filters: queries.Filters) -> dict[str, object]:
    params: dict[str, object] = {"from": filters.start.isoformat(), "to": filters.end.isoformat()}
    for name, values in (("region", filters.regions), ("trust", filters.trusts), ("platform", filters.platforms)):
        if values:
            params[name] = list(values) if len(values) > 1 else values[0]
    if filters.text:
        params["q"] = filters.text
    return params


def bare_sql_seconds(page: str, filters: queries.Filters, connection=None) -> float:
    """Seconds to run the page's queries for these filters, straight on DuckDB."""
    if page not in PAGE_QUERIES:
        raise KeyError(f"{page}: add its named queries to bench/scenarios.py PAGE_QUERIES")
    con = connection or reader.connect_published()
    try:
        start = time.perf_counter()
        for name, options in PAGE_QUERIES[page]:
            cursor = reader.reader_cursor(con)
            queries.QUERIES[name](cursor, filters, **options)
            cursor.close()
        return time.perf_counter() - start
    finally:
        if connection is None:
            con.close()
