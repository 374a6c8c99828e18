"""The benchmark's fixed filter changes, and the bare SQL each page runs for them.

Each scenario is a set of URL parameters (as a shared link would carry them). Every one has a
distinct date range, so no scenario is served from another's cache. For the bare-SQL figure
the same filters run through the page's queries (the functions the page calls, from
``warehouse.*queries``) on a fresh cursor: the work the page cannot avoid.
tests/test_bench.py renders every page and checks that it calls exactly these.
"""
from __future__ import annotations

import time
from datetime import date, timedelta

from store import reader
from warehouse import (flag_queries, health_queries, inuse_queries, policy_queries, queries, question_queries,
                       spc_queries, theme_queries)
from ui import spc_shown
from warehouse.measures import ENGLAND

LAST_DAY = date(2026, 10, 31)  # bench/run.py generates the demo up to 1 Nov 2026

# (days shown, regions, trusts, platforms, search text): what a regional lead or analyst clicks.
BASES = [
    (365, (), (), (), ""),
    (365, ("Y63",), (), (), ""),
    (180, ("Y56", "Y62"), (), (), ""),
    (365, (), (), ("x",), ""),
    (90, ("Y60",), (), (), "mammogram"),
    (365, ("Y63",), ("ZZ137",), (), ""),  # Moorcastle Imaging, a fictional demo trust
    (30, (), (), ("facebook", "x"), "results"),
]

# The queries each page runs after a filter change, with their options (the filter options and
# build_info are cached from the first render). A page missing here fails the benchmark, so
# new pages are added.
PAGE_QUERIES = {
    "dashboard.py": [
        # the scorecard (latest complete month; England when no single trust or region is chosen)
        (spc_queries.spc_units, {}),
        (spc_queries.scorecard, {"unit_type": "nation", "unit_code": ENGLAND}),
        (queries.headline, {}),
        (queries.posts_over_time, {"grain": "week", "by": "platform"}),
        (queries.posts_by_region, {}),
        (queries.posts_by_trust, {}),
        (question_queries.question_headline, {}),
        (question_queries.response_histograms, {"clocks": ("calendar", "service_days")}),
    ],
    "pages/1_Explore.py": [(queries.explore_posts, {"limit": 1_001}),
                           (queries.explore_count, {})],  # the export's row count (ui/exports.py)
    "pages/2_Patient_questions.py": [
        (question_queries.question_headline, {}),
        (question_queries.response_histograms, {"clocks": ("calendar", "service_days")}),
        (question_queries.questions_over_time, {"grain": "month", "by": "all"}),
        (question_queries.question_topics, {}),
        (question_queries.question_units, {"by": "region"}),
        (question_queries.question_units, {"by": "trust"}),
        (question_queries.open_questions, {"limit": 501}),
        (question_queries.episode_count, {}),  # the export's row count (ui/exports.py)
    ],
    "pages/3_Response_times.py": [
        (question_queries.response_histogram, {"by": "all", "clock": "calendar"}),
        (question_queries.response_histogram, {"by": "all", "clock": "service"}),
        (question_queries.question_units, {"by": "trust"}),
        (question_queries.asking_times, {}),
        (question_queries.question_headline, {}),
        (question_queries.trust_schedules, {}),
        (question_queries.episode_count, {}),  # the export's row count (ui/exports.py)
    ],
    "pages/5_Guideline_flags.py": [
        (flag_queries.flag_headline, {}),
        (flag_queries.enabling_headline, {}),
        (flag_queries.flag_rates, {"by": "family"}),
        (flag_queries.flag_rates, {"by": "rule"}),
        (flag_queries.flags_over_time, {"grain": "week"}),
        (flag_queries.flag_rates, {"by": "trust"}),
        (flag_queries.flagged_posts, {"limit": 500}),
        (inuse_queries.review_precision, {"by": "all"}),  # how often reviewed flags are upheld
        (inuse_queries.review_precision, {"by": "family"}),
    ],
    "pages/4_Review_queue.py": [(flag_queries.review_queue, {"limit": 501})],
    "pages/6_Policy_comparison.py": [
        (policy_queries.demo_origin, {}),  # demo data only: what the generator planted
        (policy_queries.policy_register, {}),
        (policy_queries.policy_comparison, {"clause": "engagement"}),
        (policy_queries.trust_outcomes, {}),
    ],
    "pages/8_What_patients_ask.py": [
        (theme_queries.theme_counts, {}),  # over every place, for which themes may be listed
        (theme_queries.theme_summary, {}),
        (theme_queries.best_answers, {"top": theme_queries.EVERY_THEME, "limit": 10}),
        (theme_queries.theme_examples, {"top": theme_queries.EVERY_THEME}),
    ],
    "pages/7_Data_health.py": [
        (health_queries.source_health, {"days": 30}),
        (health_queries.fetches_over_time, {"days": 30}),
        (health_queries.stamped_early_answers, {}),
    ],
    # the charts use the whole history; a scenario with one trust or region would chart that unit,
    # the bare SQL is the same query for England
    "pages/9_SPC_trends.py": [
        (spc_queries.spc_units, {}),
        # the series as shown (ui/spc_shown.py: spc_series through the display boundary)
        (spc_shown.shown_series, {"unit_type": "nation", "unit_code": ENGLAND, "grain": "month"}),
    ],
}


def scenario(i: int) -> queries.Filters:
    days, regions, trusts, platforms, text = BASES[i % len(BASES)]
    end = LAST_DAY - timedelta(days=i // len(BASES))
    return queries.Filters(end - timedelta(days=days - 1), end, regions, trusts, platforms, text)


def bare_sql_seconds(page: str, filters: queries.Filters, connection=None) -> float:
    """Seconds to run the page's queries for these filters, straight on DuckDB."""
    if page not in PAGE_QUERIES:
        raise KeyError(f"{page}: add its queries to bench/scenarios.py PAGE_QUERIES")
    con = connection or reader.connect_published()
    try:
        start = time.perf_counter()
        for function, options in PAGE_QUERIES[page]:
            cursor = reader.reader_cursor(con)
            function(cursor, filters, **options)
            cursor.close()
        return time.perf_counter() - start
    finally:
        if connection is None:
            con.close()
