"""What patients ask: read queries over the published themes (``question_themes``,
``daily_theme_counts``, ``question_theme_members``, ``theme_answers``), for the "What patients
ask" page and the draft FAQ export (``python -m warehouse faq``).

Conventions as :mod:`warehouse.queries`: ``(cursor, filters, ...) -> DataFrame``, SQL as
module constants, values bound. Counts come from the daily pre-aggregate (every trust, shown
without login, suppressed below national level by the page); questions, answers and their text
come from the row tables, which the reader's scope filters (a trust manager sees their own
trust's questions and answers only). Text is returned as stored: the page and the FAQ redact it.
"""
from __future__ import annotations

import pandas as pd

from warehouse import stats
from warehouse.measures import name_sql
from warehouse.queries import _DAILY_WHERE, _DIMENSIONS, Filters, run

_Q_WHERE = f"asked_at >= $start_ts AND asked_at < $end_ts AND {_DIMENSIONS}"
TOP = 10  # the busiest themes whose examples and answers are read (the page and the FAQ)
EVERY_THEME = 1_000_000  # ``top`` for every theme of the selection (the table's "Good answer found")
# The ``$top`` busiest themes of the selection, in theme_summary's order.
_TOP_THEMES = f"""top_themes AS (
    SELECT theme_id
    FROM daily_theme_counts
    WHERE {_DAILY_WHERE}
    GROUP BY ALL
    ORDER BY sum(n_questions) DESC, theme_id
    LIMIT $top
)"""
_PREV_WHERE = f"day >= $prev_start AND day < $start AND {_DIMENSIONS}"

THEME_COUNTS_SQL = f"""
WITH now AS (
    SELECT theme_id, sum(n_questions)::BIGINT AS n_questions, sum(n_answered)::BIGINT AS n_answered,
           sum(n_target_known)::BIGINT AS n_target_known, sum(n_within_target)::BIGINT AS n_within_target
    FROM daily_theme_counts
    WHERE {_DAILY_WHERE}
    GROUP BY ALL
),
before AS (
    SELECT theme_id, sum(n_questions)::BIGINT AS n_previous
    FROM daily_theme_counts
    WHERE {_PREV_WHERE}
    GROUP BY ALL
)
SELECT t.theme_id, t.topic, t.label, t.label_source, n.n_questions,
       coalesce(b.n_previous, 0)::BIGINT AS n_previous, n.n_answered, n.n_target_known, n.n_within_target,
       t.n_good_answers > 0 AS has_good_answer,
       $prev_start >= (SELECT min(day) FROM daily_theme_counts) AS has_previous
FROM now n
JOIN question_themes t USING (theme_id)
LEFT JOIN before b USING (theme_id)
ORDER BY n.n_questions DESC, t.theme_id
"""

WAIT_HISTOGRAM_SQL = f"""
SELECT m.theme_id,
       CASE WHEN q.duration_seconds <= 86400 THEN ceil(q.duration_seconds / 60) * 60
            WHEN q.duration_seconds <= 604800 THEN ceil(q.duration_seconds / 900) * 900
            ELSE ceil(q.duration_seconds / 21600) * 21600 END::BIGINT AS bin_s,
       count(*) FILTER (WHERE q.is_answered) AS events,
       count(*) FILTER (WHERE NOT q.is_answered) AS censored
FROM question_theme_members m
JOIN patient_questions q USING (platform, post_id)
WHERE m.theme_id IS NOT NULL AND q.duration_seconds IS NOT NULL
  AND q.asked_at >= $start_ts AND q.asked_at < $end_ts
  AND ($all_regions OR list_contains($regions::VARCHAR[], coalesce(q.region_code, 'unattributed')))
  AND ($all_trusts OR list_contains($trusts::VARCHAR[], q.trust_code))
  AND ($all_platforms OR list_contains($platforms::VARCHAR[], q.platform))
GROUP BY ALL
ORDER BY ALL
"""


def theme_summary(cursor, filters: Filters) -> pd.DataFrame:
    """One row per theme asked about in the selection, busiest first: theme_id, topic, label,
    label_source, n_questions, n_previous (the equal period before; has_previous says whether
    the data reach back that far), n_answered, n_target_known, n_within_target, has_good_answer,
    and the Kaplan–Meier median wait of the questions the reader may see (median_wait_seconds:
    NaN when fewer than half were answered or none is visible; n_timed: how many it is over)."""
    counts = run(cursor, THEME_COUNTS_SQL, filters.params())
    waits = theme_medians(run(cursor, WAIT_HISTOGRAM_SQL, filters.params()))
    return counts.merge(waits, on="theme_id", how="left").assign(
        n_timed=lambda f: f["n_timed"].fillna(0).astype("int64"))


def theme_counts(cursor, filters: Filters) -> pd.DataFrame:
    """theme_summary's counts without the median waits: theme_id, topic, label, label_source,
    n_questions, n_previous, n_answered, n_target_known, n_within_target, has_good_answer,
    has_previous. Enough for which themes a view may list (``ui.themes.listable`` over every
    place): the waits' histogram over every place is the costly part (1.5 s of a filter change
    at 10 M posts for 327 k histogram rows; the counts 0.02-0.04 s), and listing never reads it."""
    return run(cursor, THEME_COUNTS_SQL, filters.params())


def theme_medians(histogram: pd.DataFrame) -> pd.DataFrame:
    """Per theme of a wait histogram: median_wait_seconds (Kaplan–Meier, unanswered questions
    censored; NaN = not reached) and n_timed. One vectorised pass over every theme
    (:func:`warehouse.stats.km_medians`, equal to one fit per theme): at 1 M posts one fit per
    theme took 2.7 s of the page's every filter change for 208 themes (issue #16)."""
    medians = stats.km_medians(histogram, ["theme_id"])
    return pd.DataFrame({"theme_id": medians["theme_id"],
                         "median_wait_seconds": medians["median_s"].astype("float64"),
                         "n_timed": medians["n"].astype("int64")}, columns=["theme_id", "median_wait_seconds", "n_timed"])


EXAMPLES_SQL = f"""
WITH {_TOP_THEMES},
-- each theme's ``$limit`` nearest, as row_number() OVER (PARTITION BY theme_id ORDER BY
-- similarity DESC NULLS LAST, post_id) <= $limit would pick them, by a top-N aggregate: the
-- window sorted every question of the dates (1.7-2.4 s for a year at 10 M posts, 0.7 s this
-- way, issue #16). arg_min's list is in key order, so its index is the example's place.
best AS (
    SELECT theme_id,
           arg_min({{'platform': platform, 'post_id': post_id, 'asked_at': asked_at, 'trust_code': trust_code,
                    'similarity': similarity}},
                   {{'nearest': coalesce(-similarity, 'infinity'::DOUBLE), 'post_id': post_id}}, $limit) AS picked
    FROM question_theme_members
    WHERE theme_id IN (SELECT theme_id FROM top_themes) AND {_Q_WHERE}
    GROUP BY theme_id
),
chosen AS (
    SELECT theme_id, u.pick.platform, u.pick.post_id, u.pick.asked_at, u.pick.trust_code, u.pick.similarity, u.n
    FROM best, LATERAL (SELECT unnest(picked) AS pick, generate_subscripts(picked, 1) AS n) u
)
SELECT c.theme_id, c.n AS example, (c.asked_at AT TIME ZONE 'Europe/London') AS asked_at, c.platform,
       {name_sql('c.trust_code', 't.trust_name')} AS trust_name, c.similarity, p.text
FROM chosen c
-- a question's asked_at is its post's created_at (int_episodes: min(created_at) and
-- arg_min(post_id, created_at)): joining on it too lets DuckDB skip the row groups of posts
-- outside the chosen questions' times (0.7-0.9 s -> 0.2-0.6 s at 10 M posts, issue #16)
JOIN posts p ON p.platform = c.platform AND p.post_id = c.post_id AND p.created_at = c.asked_at
LEFT JOIN trusts t ON t.trust_code = c.trust_code
ORDER BY c.theme_id, c.n
"""


def theme_examples(cursor, filters: Filters, top: int = TOP, limit: int = 5) -> pd.DataFrame:
    """For each of the ``top`` busiest themes of the selection, the ``limit`` questions nearest
    its centre, asked in the selection and visible to the reader: theme_id, example (1 =
    nearest), asked_at (UK time), platform, trust_name, similarity, text."""
    return run(cursor, EXAMPLES_SQL, filters.params() | {"top": int(top), "limit": int(limit)})


ANSWERS_SQL = f"""
WITH {_TOP_THEMES},
chosen AS (
    SELECT *, row_number() OVER (PARTITION BY theme_id ORDER BY no_flag DESC, score DESC,
                                 response_seconds, platform, post_id) AS place
    FROM theme_answers
    WHERE theme_id IN (SELECT theme_id FROM top_themes) AND {_Q_WHERE}
)
SELECT c.theme_id, c.place, c.score, c.relevance, c.signposting, c.compassion, c.speed, c.no_flag,
       c.endorsed, c.is_good, c.response_seconds, c.answered_by_role, c.platform, c.post_id,
       {name_sql('c.trust_code', 't.trust_name')} AS trust_name, p.text
FROM chosen c
JOIN posts p ON p.platform = c.platform AND p.post_id = c.post_id
LEFT JOIN trusts t ON t.trust_code = c.trust_code
WHERE c.place <= $limit
ORDER BY c.theme_id, c.place
"""


def best_answers(cursor, filters: Filters, top: int = TOP, limit: int = 5) -> pd.DataFrame:
    """The best ``limit`` answers of each of the ``top`` busiest themes of the selection to
    questions asked in it and visible to the reader, best first (unflagged before flagged, then by score):
    theme_id, place, score and its components, is_good, response_seconds, answered_by_role,
    platform, post_id, trust_name (the question's trust) and the answer's text."""
    return run(cursor, ANSWERS_SQL, filters.params() | {"top": int(top), "limit": int(limit)})
