"""Quality measured in use (issue #20): how often reviewers uphold the flags they read.

``review_precision`` counts, over the published ``flag_reviews`` mart (decisions as of the
last build), the flags of staff and organisation posts a reviewer confirmed or actioned
(*upheld*) and dismissed, per rule, family, trust or month, with the share upheld and its
Wilson 95% interval. Reviewers choose what they review, so this is precision on a
non-random sample of flags; the blind audit sample (:mod:`warehouse.audit`) gives the
headline figures. Same conventions as :mod:`warehouse.queries`: SQL constants, values bound.
"""
from __future__ import annotations

import pandas as pd

from warehouse import stats
from warehouse.measures import UNATTRIBUTED, group_code_sql
from warehouse.queries import _POSTS_WHERE, Filters, run

PRECISION_GROUPS = ("family", "rule", "trust", "month", "all")
_GROUP_COLUMNS = {  # code constants only: the identifier in the SQL comes from here
    "family": "family",
    "rule": "rule_id",
    "trust": group_code_sql("trust_code"),
    "month": "strftime(date_trunc('month', created_at AT TIME ZONE 'Europe/London'), '%Y-%m')",
    "all": "'all'",
}
_PRECISION_SQL = """
SELECT {column} AS group_code,
       count(*)::BIGINT AS n_flags,
       count(*) FILTER (WHERE status <> 'unreviewed')::BIGINT AS n_reviewed,
       count(*) FILTER (WHERE status IN ('confirmed', 'actioned'))::BIGINT AS n_upheld,
       count(*) FILTER (WHERE status = 'dismissed')::BIGINT AS n_dismissed
FROM flag_reviews
WHERE {where}
  AND author_role IN ('professional', 'organisation')
GROUP BY 1
ORDER BY n_reviewed DESC, group_code = '{unattributed}', group_code
"""
REVIEW_PRECISION_SQL = {by: _PRECISION_SQL.format(column=column, where=_POSTS_WHERE, unattributed=UNATTRIBUTED)
                        for by, column in _GROUP_COLUMNS.items()}


def with_precision(frame: pd.DataFrame, upheld: str = "n_upheld", reviewed: str = "n_reviewed") -> pd.DataFrame:
    """``frame`` with precision (the share upheld), precision_low and precision_high (Wilson
    95%; NaN where nothing was reviewed)."""
    p, low, high = stats.wilson(frame[upheld].to_numpy(dtype=float), frame[reviewed].to_numpy(dtype=float))
    return frame.assign(precision=p, precision_low=low, precision_high=high)


def review_precision(cursor, filters: Filters, by: str = "family") -> pd.DataFrame:
    """Per ``by`` (family, rule, trust, month or all): group_code, n_flags (automatic flags on
    staff and organisation posts), n_reviewed, n_upheld (confirmed or actioned), n_dismissed,
    precision = n_upheld / n_reviewed with its Wilson 95% CI. Most reviewed first."""
    if by not in PRECISION_GROUPS:
        raise ValueError(f"by must be one of {', '.join(PRECISION_GROUPS)}")
    return with_precision(run(cursor, REVIEW_PRECISION_SQL[by], filters.params()))


AUDIT_POSTS_SQL = """
WITH wanted AS (SELECT unnest($platforms::VARCHAR[]) AS platform, unnest($post_ids::VARCHAR[]) AS post_id)
SELECT p.platform, p.post_id, (p.created_at AT TIME ZONE 'Europe/London') AS posted_at, p.text, p.url
FROM posts p
JOIN wanted w ON w.platform = p.platform AND w.post_id = p.post_id
"""


def audit_posts(cursor, filters=None, keys: tuple = ()) -> pd.DataFrame:
    """The posts of audit items ``keys`` ((platform, post_id) pairs) that the session's scope
    may read: platform, post_id, posted_at (UK time), text, url. A post outside the scope, or
    no longer stored, is absent."""
    return run(cursor, AUDIT_POSTS_SQL, {"platforms": [k[0] for k in keys], "post_ids": [k[1] for k in keys]})


def newest_post_day(cursor, filters=None) -> pd.DataFrame:
    """The UK day of the newest post the session may read (one row, ``day``; NULL when none):
    the audit's "due" week is the week before it, so a warehouse that stops at an earlier
    date (the demo) is not told to sample a week it has no posts of."""
    return cursor.execute("SELECT max(timezone('Europe/London', created_at))::DATE AS day FROM posts").df()
