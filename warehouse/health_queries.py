"""Queries for the Data health page (issue #5): per source, is data arriving?

A *source* is what an ingest run names: a connector target (``x:leeds-breast``) or a file
import (``file:leeds.jsonl``, ``demo``). Same conventions as :mod:`warehouse.queries`:
values bound as ``$name`` parameters, SQL as module constants. Health is about now, not about
when the posts were written: the window is the last ``days`` days up to the present (the
page's post dates do not apply); the "last" columns look at every run, so a source that has
stopped shows when it last worked.
"""
from __future__ import annotations

import pandas as pd

from warehouse.queries import Filters, run

_IN_RANGE = "started_at >= now() - to_days($days::INTEGER)"

SOURCE_HEALTH_SQL = f"""
WITH runs AS (
    SELECT *, coalesce(source, command) AS src FROM ingest_runs
    WHERE command NOT IN ('reference', 'accounts', 'policies', 'users', 'deletions')
),
last_ok AS (
    SELECT src, max(finished_at) AS last_ok_at,
           arg_max(n_read, finished_at) AS last_read, arg_max(n_new, finished_at) AS last_new
    FROM runs WHERE status = 'ok' GROUP BY src
),
latest AS (
    SELECT src, arg_max(status, started_at) AS last_status, arg_max(error, started_at) AS last_error,
           max(started_at) AS last_run_at, any_value(command) AS command
    FROM runs GROUP BY src
),
in_range AS (
    SELECT src, count(*) AS n_runs, count(*) FILTER (WHERE status IN ('failed', 'interrupted')) AS n_failed,
           coalesce(sum(n_new), 0) AS n_new, coalesce(sum(n_quarantined), 0) AS n_quarantined
    FROM runs WHERE {_IN_RANGE} GROUP BY src
),
fetched AS (
    SELECT source AS src,
           sum(fetched) FILTER (WHERE month = date_trunc('month', now() AT TIME ZONE 'UTC')::DATE) AS month_fetched,
           sum(fetched) FILTER (WHERE fetched_at >= now() - to_days($days::INTEGER)) AS range_fetched
    FROM connector_fetches GROUP BY src
),
gaps AS (
    SELECT source AS src, count(*) FILTER (WHERE noted_at >= now() - to_days($days::INTEGER)) AS n_gaps,
           arg_max(reason, noted_at) AS last_gap, max(noted_at) AS last_gap_at
    FROM coverage_gaps GROUP BY src
),
positions AS (
    SELECT source AS src, string_agg(cursor_key || ' = ' || value, '; ' ORDER BY cursor_key) AS cursor,
           max(updated_at) AS cursor_at
    FROM cursors GROUP BY src
)
SELECT l.src AS source, l.command, l.last_run_at, l.last_status, o.last_ok_at, o.last_read, o.last_new,
       coalesce(r.n_runs, 0) AS n_runs, coalesce(r.n_failed, 0) AS n_failed,
       coalesce(r.n_new, 0) AS n_new, coalesce(r.n_quarantined, 0) AS n_quarantined,
       f.range_fetched, f.month_fetched, coalesce(g.n_gaps, 0) AS n_gaps, g.last_gap, g.last_gap_at,
       p.cursor, p.cursor_at, l.last_error
FROM latest l
LEFT JOIN last_ok o USING (src)
LEFT JOIN in_range r USING (src)
LEFT JOIN fetched f USING (src)
LEFT JOIN gaps g USING (src)
LEFT JOIN positions p USING (src)
ORDER BY l.last_status = 'ok', l.src
"""


def source_health(cursor, filters: Filters | None = None, days: int = 30) -> pd.DataFrame:
    """One row per source: its last run (when, status, error), last successful run (when,
    read, new), runs / failed runs / new posts / quarantined rows in the last ``days`` days,
    posts fetched from the platform in them and this calendar month (quota spend), coverage
    gaps (in the window, and the latest reason), and the cursor position. Sources whose last
    run failed come first. ``filters`` is accepted for the page API and not used."""
    return run(cursor, SOURCE_HEALTH_SQL, {"days": int(days)})


FETCHES_OVER_TIME_SQL = f"""
SELECT coalesce(source, command) AS source, (started_at AT TIME ZONE 'Europe/London')::DATE AS day,
       sum(coalesce(n_read, 0))::BIGINT AS n_read, sum(coalesce(n_new, 0))::BIGINT AS n_new,
       count(*) FILTER (WHERE status IN ('failed', 'interrupted')) AS n_failed
FROM ingest_runs
WHERE {_IN_RANGE} AND command NOT IN ('reference', 'accounts', 'policies', 'users', 'deletions')
GROUP BY ALL
ORDER BY day, source
"""


def fetches_over_time(cursor, filters: Filters | None = None, days: int = 30) -> pd.DataFrame:
    """Per source and UK day of the last ``days`` days: records read and new posts landed by
    its runs, and failed runs."""
    return run(cursor, FETCHES_OVER_TIME_SQL, {"days": int(days)})




# --- data quality: answers stamped before their question --------------------------------------

STAMPED_EARLY_SQL = """
SELECT platform,
       count(*) FILTER (WHERE answer_stamped_early)::BIGINT AS n_stamped_early,
       count(*)::BIGINT AS n_answered
FROM patient_questions
WHERE is_answered
GROUP BY platform
ORDER BY platform
"""


def stamped_early_answers(cursor, filters: Filters | None = None) -> pd.DataFrame:
    """Per platform with answered questions: episodes whose answer was stamped before the post
    it replies to (an edit, clock skew between servers; counted as answered after 0 s, see
    intermediate/int_episodes.sql), and all answered episodes. Over all the data: a property of
    the sources, not of the dates chosen. ``filters`` is accepted for the page API and not
    used."""
    return run(cursor, STAMPED_EARLY_SQL, {})
