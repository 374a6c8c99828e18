"""``python -m warehouse compare-policies``: the Policy comparison page's answer outside the
dashboard, from the same functions (:func:`warehouse.policy_queries.policy_comparison`) on the
published warehouse, so an analyst can reproduce and check it.

England-wide only (no region or trust filter): below national level the page hides small
numbers, and a command that printed them would undo that. The dates default to the page's
(the last ``DEFAULT_DAYS`` days with posts); ``--from``/``--to`` choose others.
"""
from __future__ import annotations

import json
import math
from datetime import date

import pandas as pd

from store import reader
from warehouse import compare, policy_queries, queries
from warehouse.queries import Filters

DEFAULT_DAYS = queries.DEFAULT_DAYS  # as the dashboard's date filter (queries.default_dates: one rule)
FIELDS = ("outcome", "label", "kind", "per", "value_yes", "value_no", "effect", "effect_low", "effect_high",
          "p_value", "trusts_yes", "trusts_no", "relabellings", "exact", "can_tell", "events_yes",
          "exposure_yes", "events_no", "exposure_no")


def default_dates(cursor) -> tuple[date, date] | None:
    """The page's default dates (:func:`warehouse.queries.default_dates`; None: no posts)."""
    bounds = queries.date_bounds(cursor).iloc[0]
    if pd.isna(bounds["first_day"]):
        return None
    first, last = pd.Timestamp(bounds["first_day"]).date(), pd.Timestamp(bounds["last_day"]).date()
    return queries.default_dates(first, last)


def _plain(value):
    """A JSON value: NaN and infinity as null (JSON has neither), numpy scalars as Python's."""
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def report(clause: str, outcome: str | None = None, start: date | None = None, end: date | None = None,
           con=None) -> dict:
    """The comparison as the page computes it: {"clause", "yes", "no", "from", "to", "method",
    "outcomes": [one dict per outcome with FIELDS]}. ``con``: a published-warehouse connection
    (default: open the configured one)."""
    if clause not in policy_queries.CLAUSES:
        raise ValueError(f"--clause must be one of {', '.join(policy_queries.CLAUSES)}, not {clause!r}")
    if outcome is not None and outcome not in policy_queries.OUTCOMES:
        raise ValueError(f"--outcome must be one of {', '.join(policy_queries.OUTCOMES)}, not {outcome!r}")
    own = con is None
    con = reader.connect_published() if own else con
    try:
        cursor = reader.reader_cursor(con)
        dates = default_dates(cursor)
        if dates is None:
            raise ValueError("the published warehouse has no posts")
        start, end = start or dates[0], end or dates[1]
        frame = policy_queries.policy_comparison(cursor, Filters(start, end), clause=clause)
    finally:
        if own:
            con.close()
    if outcome is not None:
        frame = frame[frame["outcome"] == outcome]
    c = policy_queries.CLAUSES[clause]
    return {
        "clause": clause, "yes": c.yes, "no": c.no, "from": start.isoformat(), "to": end.isoformat(),
        "method": (f"permutation test over trusts (every split up to {compare.EXACT_LIMIT:,}, else "
                   f"{compare.MONTE_CARLO:,} random ones, seed {compare.SEED}); 95% CI by test inversion"),
        "outcomes": [{k: _plain(row[k]) for k in FIELDS} for _, row in frame.iterrows()],
    }


def _effect(row: dict) -> str:
    if row["effect"] is None:
        return "—"
    if row["kind"] == "ratio":
        high = "∞" if row["effect_high"] is None else f"{row['effect_high']:.2f}"
        ci = "" if row["effect_low"] is None else f" ({row['effect_low']:.2f}–{high})"
        return f"× {row['effect']:.2f}{ci}"
    ci = "" if row["effect_low"] is None else f" ({row['effect_low'] * 100:+.1f} to {row['effect_high'] * 100:+.1f})"
    return f"{row['effect'] * 100:+.1f} points{ci}"


def text(result: dict) -> str:
    """The report for people: one line per outcome."""
    lines = [f"Policy comparison {result['from']} to {result['to']}, England: {result['yes']} (yes) "
             f"against {result['no']} (no)", f"Method: {result['method']}.", ""]
    for row in result["outcomes"]:
        value = (lambda v: "—" if v is None else (f"{v:,.1f} per 1,000" if row["kind"] == "ratio" else f"{v:.1%}"))
        verdict = ("too few trusts to tell" if not row["can_tell"] else
                   "p not defined" if row["p_value"] is None else f"p = {row['p_value']:.2g}")
        lines.append(f"{row['label']}: yes {value(row['value_yes'])}, no {value(row['value_no'])}; "
                     f"{_effect(row)}; {verdict}; trusts {row['trusts_yes']} vs {row['trusts_no']}")
    return "\n".join(lines)


def main(clause: str, outcome: str | None, start: date | None, end: date | None, as_json: bool) -> str:
    """What the command prints."""
    result = report(clause, outcome, start, end)
    return json.dumps(result, indent=2, ensure_ascii=False) if as_json else text(result)
