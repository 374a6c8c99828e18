"""Disclosure control at the display boundary: the one place where a number computed from
the warehouse becomes a number a person may see or export (DESIGN.md "Statistics shown to
people", docs/methods.md "Disclosure control").

NHS Digital's rule (its disclosure control method for HES and ECDS since September 2018):
below national level a count of 0 stays 0, a count of 1–7 is shown as ``*``, and every
other count is rounded to the nearest 5. What this module adds, so that nothing shown lets a
reader back out a hidden value:

1. **National means no narrowing at all** (:func:`national_view`): every day of the data, no
   region, trust, platform, search text, and no breakdown by topic, rule, period or unit. Any
   narrowing, whatever did it, puts the numbers below national level.
2. **Everything derived from counts is derived from the shown counts** (:func:`protect` with
   :class:`Share` and :class:`Rate`): below national level a percentage, rate or confidence
   interval is computed from the rounded numerator and denominator, so that it carries no
   more than the rounded counts beside it (percentages times denominators, CI widths and the
   floats a chart's JSON carries give back only what is already shown). Where a count it is
   over is hidden, it is hidden too. Medians and other statistics over a hidden count are
   hidden (``over``).
3. **Secondary suppression** where parts add up to a total that is shown (``groups``,
   ``totals``): a group with exactly one hidden cell gets its smallest other non-zero cell
   hidden too, so total minus the visible parts gives only the sum of two hidden cells, one
   of them at least 8. Rounding alone is not enough: 10 + 10 + ``*`` shown with a total of
   15 pins the hidden cell to 1 (the parts are at least 8 each, the total at most 17).
4. **Kaplan–Meier curves and their summaries** below national level are computed from a
   histogram whose cumulative answered and open counts are rounded to 5 (:func:`km_rounded`),
   which delays each step until the rounded count moves, like ``round_km`` in the OpenSAFELY
   analysts' osutils package (which delays event times until a threshold of events), so a
   curve's steps are never single answers;
   a group with 1–7 questions, answers or open questions is not drawn (:func:`km_hidden`).

Charts draw a hidden bar as ``*`` (:func:`bar_labels`), never drop it.

To show a new figure (a scorecard, a table, a chart): put the counts people see in
``protect(frame, counts=...)``, each share or rate as a :class:`Share` or :class:`Rate` (never
compute it before), any other statistic in ``over``, rows that add up to a shown total in one
group (the default), and ``national=page.national(chosen)`` only for a figure over the whole
selection (a breakdown by anything is never national); a single count is ``count_text``.

Lists of rows (Explore, the open questions, flagged posts, the review queue) are worklists for
people allowed to read rows, not statistics: they are not suppressed (a count of the rows they
list tells no more than the list).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from warehouse import question_queries, stats

SUPPRESSED = "*"
SMALL = (1, 7)  # counts shown as "*"
BASE = 5  # other counts rounded to the nearest BASE
# The rule in one sentence, as every export's "About" sheet states it (ui.export_files).
RULE = ("Small numbers (NHS Digital's disclosure control): below national level, and in every breakdown, "
        "a count of 0 stays 0, a count of 1–7 is shown as *, and every other count is rounded to the nearest 5; "
        "where one hidden count could be worked out from a total, one more count beside it is shown as * too; "
        "shares, rates, intervals and medians are computed from the rounded counts and hidden over a hidden one. "
        "Lists of posts, questions and flags are worklists for people allowed to read rows, not statistics, "
        "and are given in full.")


# --- what is national -----------------------------------------------------------------------------

def national_view(filters, first_day: date | None, last_day: date | None, *, narrowed: bool = False) -> bool:
    """True only when nothing narrows the view: ``filters`` cover every day from ``first_day``
    to ``last_day`` (the data's), with no region, trust, platform or search text, and the caller
    adds no narrowing of its own (``narrowed``: a topic, rule, period or unit breakdown)."""
    if narrowed or filters is None or first_day is None or last_day is None:
        return False
    return (not filters.regions and not filters.trusts and not filters.platforms
            and not getattr(filters, "text", "") and not getattr(filters, "narrows_posts", False)
            and filters.start <= first_day and filters.end >= last_day)


# --- counts -------------------------------------------------------------------------------------

def rounded(n):
    """A count rounded to the nearest 5 (8 -> 10, 12 -> 10, 13 -> 15); arrays too."""
    if np.ndim(n):
        return np.floor((np.asarray(n, dtype=float) + 2) / BASE) * BASE
    return int((int(n) + 2) // BASE * BASE)


def is_small(n) -> np.ndarray:
    """Counts that are shown as "*": 1-7."""
    n = np.asarray(n, dtype=float)
    return (n >= SMALL[0]) & (n <= SMALL[1])


def shown_count(n, national: bool = False):
    """One count as shown: 0 -> 0, 1-7 -> "*", others rounded to the nearest 5 (an int);
    unchanged when ``national``. None/NaN stays None."""
    if n is None or n is pd.NA or (isinstance(n, float) and np.isnan(n)):
        return None
    if n < 0 or n != int(n):
        raise ValueError(f"not a count: {n!r}")
    n = int(n)
    if national or n == 0:
        return n
    return SUPPRESSED if n <= SMALL[1] else rounded(n)


def hidden_over(*counts, national: bool = False) -> bool:
    """Whether a figure computed over these counts is hidden: any of them is 1-7 below
    national level."""
    return not national and any(bool(is_small(float(c))) for c in counts)


def count_text(n, national: bool = False) -> str:
    """A count as text for a metric or a sentence: exact nationally ('1,234'), else rounded
    ('1,235'), '*' when 1-7, '—' when unknown."""
    shown = shown_count(n, national)
    if shown is None:
        return "—"
    return shown if isinstance(shown, str) else f"{shown:,}"


# --- derived figures --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Share:
    """A proportion ``num``/``den`` in column ``value`` with its Wilson 95% CI in ``low`` and
    ``high`` (optional), recomputed from the shown counts below national level."""
    num: str
    den: str
    value: str
    low: str | None = None
    high: str | None = None
    scale: float = 1.0  # 100 for a percentage

    @property
    def counts(self) -> tuple[str, str]:
        return self.num, self.den

    def compute(self, num, den) -> dict[str, np.ndarray]:
        num, den = np.asarray(num, dtype=float), np.asarray(den, dtype=float)
        p, low, high = stats.wilson(np.minimum(num, den), den)
        return {self.value: np.asarray(p) * self.scale, self.low: np.asarray(low) * self.scale,
                self.high: np.asarray(high) * self.scale}


@dataclass(frozen=True)
class Rate:
    """A rate of ``events`` per ``per`` of ``exposure`` in ``value`` with its 95% CI (exact
    Poisson below 10 events, Byar from 10) in ``low`` and ``high``, recomputed from the shown
    counts below national level."""
    events: str
    exposure: str
    value: str
    low: str | None = None
    high: str | None = None
    per: float = 1000

    @property
    def counts(self) -> tuple[str, str]:
        return self.events, self.exposure

    def compute(self, events, exposure) -> dict[str, np.ndarray]:
        ci = stats.rate_ci(np.asarray(events, dtype=float), np.asarray(exposure, dtype=float), per=self.per)
        return {self.value: np.asarray(ci["rate"]), self.low: np.asarray(ci["ci_low"]),
                self.high: np.asarray(ci["ci_high"])}


def _mask(frame: pd.DataFrame, rows) -> np.ndarray:
    if rows is None:
        return np.zeros(len(frame), dtype=bool)
    if isinstance(rows, str):
        return frame[rows].fillna(False).to_numpy(dtype=bool)
    return np.asarray(rows, dtype=bool)


def _secondary(raw: np.ndarray, hide: np.ndarray, groups: np.ndarray, is_total: np.ndarray) -> np.ndarray:
    """Hide the smallest other non-zero cell (ties: the first) of each group (``groups``: a
    group number per row) that has exactly one hidden cell while its total is shown (rule 3 of
    the module). Only the groups that need it are visited."""
    hide = hide.copy()
    if not len(groups):
        return hide
    size = int(groups.max()) + 1
    cell = ~is_total
    one_hidden = np.bincount(groups[cell & hide], minlength=size) == 1
    total_hidden = np.bincount(groups[is_total & hide], minlength=size) > 0
    for group in np.flatnonzero(one_hidden & ~total_hidden):
        candidates = np.flatnonzero((groups == group) & cell & ~hide & (raw > 0))
        if candidates.size:
            hide[candidates[np.lexsort((candidates, raw[candidates]))[0]]] = True
    return hide


def protect(frame: pd.DataFrame, counts: Sequence[str], derived: Iterable[Share | Rate] = (),
            over: Mapping[str, str | Sequence[str]] | None = None, *, national: bool = False,
            groups: str | Sequence[str] | None = "all", totals=None,
            marker: str | None = SUPPRESSED) -> pd.DataFrame:
    """The one disclosure-control step for a table or a chart's data; returns a new frame.

    ``counts``: count columns people see: 0 stays 0, 1-7 hidden, others rounded to 5.
    ``derived``: :class:`Share` and :class:`Rate` figures, recomputed from the rounded counts
    (so they reveal nothing the counts do not) and hidden where a count they are over is.
    Their count columns need not be shown, but are rounded and checked all the same.
    ``over``: other statistics (a median, a Kaplan–Meier share, a CI bound) -> the count
    column(s) they are computed over; hidden where any of those is hidden, else kept.
    ``groups``: rows sharing these columns' values add up to a total shown somewhere
    (secondary suppression); "all" (the default) makes the whole frame one group, None none.
    ``totals`` (a boolean mask or column): rows that are such totals, rounded like any count
    but not cells of their group. Hidden cells get ``marker`` ("*" for tables, None: <NA> for
    charts). ``national=True`` returns an unchanged copy: national figures are exact.
    """
    out = frame.copy()
    derived = list(derived)
    if national:  # exact figures, derived from the exact counts
        for figure in derived:
            values = figure.compute(*(frame[c].to_numpy(dtype=float) for c in figure.counts))
            out = out.assign(**{c: v for c, v in values.items() if c is not None})
        return out
    over = {k: ([v] if isinstance(v, str) else list(v)) for k, v in (over or {}).items()}
    is_total = _mask(frame, totals)
    if groups == "all" or (groups is None and totals is not None):
        keys = np.zeros(len(frame), dtype=np.int64)
    elif groups is None:
        keys = None
    else:
        cols = [groups] if isinstance(groups, str) else list(groups)
        keys = frame.groupby(cols, sort=False, dropna=False).ngroup().to_numpy(dtype=np.int64)
    all_counts = list(dict.fromkeys([*counts, *(c for d in derived for c in d.counts)]))
    hidden: dict[str, np.ndarray] = {}
    shown: dict[str, np.ndarray] = {}
    for col in all_counts:
        raw = frame[col].to_numpy(dtype=float)
        hide = is_small(raw)
        if keys is not None and col in counts:  # only shown columns add up to a shown total
            hide = _secondary(raw, hide, keys, is_total)
        hidden[col] = hide
        shown[col] = np.where(np.isnan(raw), np.nan, np.floor((raw + 2) / BASE) * BASE)
    for col in counts:
        out[col] = _with_marker(pd.array(shown[col], dtype="Float64").astype("Int64"), hidden[col], marker)
    none = np.zeros(len(frame), dtype=bool)
    for figure in derived:
        hide = hidden[figure.counts[0]] | hidden[figure.counts[1]]
        for col, values in figure.compute(*(np.nan_to_num(shown[c]) for c in figure.counts)).items():
            if col is not None:
                out[col] = _with_marker(pd.array(np.asarray(values, dtype=float), dtype="Float64"), hide, marker)
    for col, bases in over.items():
        hide = none.copy()
        for c in bases:
            hide |= hidden.get(c, is_small(frame[c].to_numpy(dtype=float)))
        out[col] = _with_marker(pd.array(frame[col].to_numpy(dtype=float), dtype="Float64"), hide, marker)
    return out


def _with_marker(values, hide: np.ndarray, marker: str | None):
    s = pd.Series(values)
    if marker is None:
        return s.mask(hide).array
    obj = s.astype(object).where(~pd.isna(s), None)
    obj[hide] = marker
    return obj.to_numpy()


def bar_labels(column) -> tuple[list[int], list[str]]:
    """A bar chart's lengths and labels from a count column :func:`protect` made with
    ``marker=None``: a hidden (<NA>) count is a zero-length bar labelled "*" (drawn, never
    dropped); others their shown count."""
    values = pd.array(column, dtype="Float64")
    return ([0 if pd.isna(v) else int(v) for v in values],
            [SUPPRESSED if pd.isna(v) else f"{int(v):,}" for v in values])


# --- Kaplan–Meier ----------------------------------------------------------------------------------

def km_rounded(histogram: pd.DataFrame, national: bool = False) -> pd.DataFrame:
    """A response histogram (group_code, bin_s, events, censored, ...) whose cumulative
    answered and open counts per group are rounded to the nearest 5 (bins with nothing left
    are dropped): curves and summaries computed from it step only where the rounded count of
    answers does. Unchanged when ``national``."""
    if national or histogram.empty:
        return histogram
    order = {code: i for i, code in enumerate(dict.fromkeys(histogram["group_code"]))}
    rows = histogram.assign(_group=histogram["group_code"].map(order)).sort_values(["_group", "bin_s"], kind="stable")
    group = rows["_group"].to_numpy()
    for col in ("events", "censored"):  # all groups at once: cumulative counts rounded, then steps
        cum = np.floor((rows.groupby("_group", sort=False)[col].cumsum().to_numpy(dtype=float) + 2) / BASE) * BASE
        before = np.concatenate([[0.0], cum[:-1]])
        before[np.concatenate([[True], group[1:] != group[:-1]])] = 0.0
        rows[col] = (cum - before).astype("int64")
    rows = rows[(rows["events"] > 0) | (rows["censored"] > 0)]
    return rows.drop(columns="_group").reset_index(drop=True)


def km_hidden(histogram: pd.DataFrame, national: bool = False) -> dict:
    """group_code -> True where the group's curve is not shown below national level: its
    questions, answers or open questions are hidden (1-7, or by secondary suppression, as in
    the table of the same groups: the groups add up to the page's total)."""
    sums = histogram.groupby("group_code", sort=False)[["events", "censored"]].sum()
    sums = sums.assign(n=sums["events"] + sums["censored"]).reset_index()
    shown = protect(sums, ["n", "events", "censored"], national=national)
    hidden = (shown[["n", "events", "censored"]] == SUPPRESSED).any(axis=1)
    return dict(zip(sums["group_code"], hidden.tolist()))


def km_summaries(histogram: pd.DataFrame, within_s, national: bool = False) -> pd.DataFrame:
    """``warehouse.question_queries.km_summaries`` as shown: counts (n, events, events_<t>) are
    the exact ones (what is hidden is decided on them), while medians and shares answered
    within a time come, below national level, from the rounded histogram (:func:`km_rounded`),
    so that they carry no more than the rounded counts."""
    exact = question_queries.km_summaries(histogram, within_s=within_s)
    if national or exact.empty:
        return exact
    values = [c for c in exact.columns if c.startswith(("median", "p_"))]
    shown = question_queries.km_summaries(km_rounded(histogram), within_s=within_s)
    if shown.empty:
        exact[values] = np.nan
        return exact
    exact[values] = shown.set_index("group_code").reindex(exact["group_code"])[values].to_numpy()
    return exact
