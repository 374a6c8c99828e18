"""``python -m warehouse evaluate --in-use`` and ``python -m warehouse audit``: quality measured
in use (issue #20), printed for an administrator at national level (the whole service: no
trust or region cut, so counts are exact; the dashboard suppresses below that).

- precision from reviews per family and rule (:mod:`warehouse.inuse_queries`; a non-random
  sample: reviewers pick what they read);
- from the blind audit samples (:mod:`warehouse.audit`): prevalence, precision and recall per
  family and for patient questions with 95% intervals and the model version they belong to,
  and the readers' agreement (Cohen's kappa on items read by two, Fleiss' by three or more);
- ``audit``: draw this week's (or ``--week``'s) sample into the Review queue, or ``--export``
  the service's judgements as labelled data (post ids and text hashes, no text).
"""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd

from store import reader, reviews
from warehouse import audit, inuse_queries
from warehouse.queries import Filters


def _share(p, low, high) -> str:
    if pd.isna(p):
        return "—"
    return f"{p:.2f} ({low:.2f}–{high:.2f})" if not pd.isna(low) else f"{p:.2f}"


def _all_time(cursor) -> Filters:
    first, last = cursor.execute("SELECT min(created_at)::DATE, max(created_at)::DATE FROM flags").fetchall()[0]
    today = date.today()
    return Filters(first or today, last or today)


def review_lines(cursor) -> list[str]:
    """Precision from reviews, per family then per rule."""

    lines = [f"Precision from reviews of the flags of this build ({audit.staff_version()}; flags a reviewer chose "
             "to read: NOT a random sample), all dates:"]
    filters = _all_time(cursor)
    for by in ("family", "rule"):
        frame = inuse_queries.review_precision(cursor, filters, by=by)
        lines.append(f"  {by:<24} {'flags':>7} {'reviewed':>9} {'upheld':>7} {'dismissed':>9}  precision (95% CI)")
        for r in frame.itertuples(index=False):
            lines.append(f"  {r.group_code:<24} {r.n_flags:>7,} {r.n_reviewed:>9,} {r.n_upheld:>7,} {r.n_dismissed:>9,}"
                         f"  {_share(r.precision, r.precision_low, r.precision_high)}")
    return lines


def audit_lines() -> list[str]:
    """The audit estimates, per model version and family."""
    frame = audit.estimates()
    if frame.empty:
        return ["Blind audit: no audit sample yet (python -m warehouse audit draws one)."]
    lines = ["Blind audit (stratified random sample; stratum-weighted 95% intervals; judged items only):",
             f"  {'version':<30} {'family':<17} {'n':>4} {'judged+':>7}  {'prevalence':<19} {'precision':<19}"
             f" {'recall':<19} Cohen's kappa (n read by 2)  Fleiss' kappa (n read by k)"]
    for r in frame.itertuples(index=False):
        lines.append(f"  {r.model_version:<30} {r.family:<17} {r.n:>4} {r.n_judged:>7}  "
                     f"{_share(r.prevalence, r.prevalence_low, r.prevalence_high):<19} "
                     f"{_share(r.precision, r.precision_low, r.precision_high):<19} "
                     f"{_share(r.recall, r.recall_low, r.recall_high):<19} "
                     f"{_share(r.kappa, r.kappa_low, r.kappa_high)} ({r.n_double})  "
                     f"{_share(r.fleiss, r.fleiss_low, r.fleiss_high)} ({r.n_multi}, k={r.multi_readers})")
    return lines


def in_use() -> int:
    con = reader.connect_published()
    try:
        print("\n".join(review_lines(con.cursor()) + [""] + audit_lines()))
    finally:
        con.close()
    return 0


def run_audit(week: date, design: audit.Design, export: Path | None) -> int:
    con = reader.connect_published()
    try:
        cursor = con.cursor()
        if export is not None:
            export.mkdir(parents=True, exist_ok=True)
            for name, frame in audit.labelled_data(cursor, reviews.latest_decisions()).items():
                frame.to_csv(export / f"in_use_{name}.csv", index=False)
                print(f"{export / f'in_use_{name}.csv'}: {len(frame):,} labels")
            return 0
        added = audit.sample_week(cursor, week, design)
    finally:
        con.close()
    _, sample_id = audit.week_of(week)
    for kind, n in added.items():
        print(f"{sample_id} {kind}: {n} posts added to the Review queue's audit" if n else
              f"{sample_id} {kind}: already sampled (or no posts that week); nothing added")
    return 0
