"""Estimates from a blind, stratified audit sample (issue #20), and reviewer agreement.

The audit draws a simple random sample within each stratum (for staff posts: flagged by any
rule or not; for public posts: classified as a patient question or not) and knows each
stratum's size N_h. Each sampled post ends with one judgement (the reviewer's; for double-read
posts the two readers' shared verdict, or the third reader's where they disagreed). For one
family (or for "patient question"), each stratum's posts fall into cells by (predicted,
judged): the population totals of true positives, false positives and false negatives are
T = Σ_h N_h π_h(cell), and

- prevalence = (T_tp + T_fn) / N, precision = T_tp / (T_tp + T_fp), recall = T_tp / (T_tp + T_fn).

Point estimates put the observed shares in for π_h (the stratum-weighted, design-unbiased
totals). Intervals: each stratum's cell shares get an independent Dirichlet posterior with
the Jeffreys prior (½ per cell a stratum can have; a stratum that was never flagged has no
"predicted" cells), the three ratios are computed per draw and the 2.5th and 97.5th
percentiles of 4,000 draws are the 95% interval. Strata are sampled independently and the
stratum weights enter every draw, so the interval respects the design; it needs no normal
approximation for the small, skewed counts an audit has (a missed breach among thousands of
unflagged posts). Sampling without replacement is treated as with (no finite population
correction): a slight widening. The coverage is checked by simulation
(``tests/test_audit_stats.py``: 95% intervals cover the true recall in ≥ 93% of 200 runs).

Agreement: Cohen's kappa on the two independent first readings of double-read items, with
the asymptotic 95% interval of ``statsmodels.stats.inter_rater.cohens_kappa`` (Fleiss, Cohen
& Everitt's standard error, as R's ``statpsych::ci.kappa``). It is a normal approximation:
with about 100 items read twice and kappa near 0.6 it covers the true kappa in about 94% of
simulations; with few items and near-perfect agreement it is too narrow (a sample with
perfect agreement gets no interval at all), so read kappa from under ~50 double readings as
rough. Items read by three or more independent readers (``--double-readers``) get Fleiss'
kappa (``statsmodels.stats.inter_rater.fleiss_kappa``, which gives no interval) with a 95%
percentile bootstrap over items (:func:`fleiss`). The adjudicator who settles a disagreement
is never counted: they read an item only because the others disagreed.
"""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

DRAWS = 4000
PRIOR = 0.5  # Jeffreys
MEASURES = ("prevalence", "precision", "recall")


def _cells(stratum: pd.DataFrame, predictable: bool) -> np.ndarray:
    """Counts in (tp, fp, fn, tn) order; a stratum that cannot be predicted positive has
    only fn and tn (the others are structural zeros)."""
    pred, truth = stratum["predicted"].to_numpy(bool), stratum["judged"].to_numpy(bool)
    counts = np.array([(pred & truth).sum(), (pred & ~truth).sum(), (~pred & truth).sum(), (~pred & ~truth).sum()],
                      dtype=float)
    return counts if predictable else counts[2:]


def _ratios(tp, fp, fn, total) -> dict[str, np.ndarray]:
    with np.errstate(divide="ignore", invalid="ignore"):
        return {"prevalence": (tp + fn) / total, "precision": tp / (tp + fp), "recall": tp / (tp + fn)}


def estimate(items: pd.DataFrame, strata: pd.DataFrame, seed: int = 0, draws: int = DRAWS,
             prior: float = PRIOR, shown=None) -> dict:
    """Prevalence, precision and recall with 95% intervals from one audit.

    ``items``: one row per judged sampled post: stratum, predicted (bool: the classifier or
    rule said yes), judged (bool: the final human verdict). ``strata``: stratum, size (N_h,
    the posts it was drawn from) and predictable (bool: its posts may be predicted positive).
    Returns {measure: value, measure_low, measure_high} plus n (items), n_judged (judged
    positive), n_predicted (predicted positive in the sample); values are NaN where the
    sample holds nothing to divide by. ``shown`` (the display boundary's rounding, e.g.
    ``ui.disclosure.rounded``): the estimates and intervals are computed from each stratum's
    cell counts and size as shown, so that they carry no more than rounded counts (the
    counts returned stay exact: the caller hides and rounds them)."""
    shown = shown or (lambda counts: counts)
    rng = np.random.default_rng(seed)
    point = np.zeros(3)  # tp, fp, fn totals
    sims = np.zeros((draws, 3))
    total = 0.0
    for row in strata.itertuples(index=False):
        size = float(shown(int(row.size)))
        total += size
        sampled = items[items["stratum"] == row.stratum]
        counts = np.asarray(shown(_cells(sampled, bool(row.predictable))), dtype=float)
        shares = rng.dirichlet(counts + prior, size=draws)
        if not row.predictable:  # fn, tn only
            shares = np.column_stack([np.zeros(draws), np.zeros(draws), shares])
            counts = np.concatenate([[0.0, 0.0], counts])
        n = counts.sum()
        if n:
            point += size * counts[:3] / n
        elif size:
            point[:] = np.nan  # a stratum with posts but no judged sample: no unbiased total
        sims += size * shares[:, :3]
    out = {"n": int(len(items)), "n_judged": int(items["judged"].astype(bool).sum()),
           "n_predicted": int(items["predicted"].astype(bool).sum())}
    values = _ratios(*point, total) if total else {m: np.nan for m in MEASURES}
    spread = _ratios(sims[:, 0], sims[:, 1], sims[:, 2], total) if total else {}
    for measure in MEASURES:
        out[measure] = float(values[measure])
        if not spread or np.isnan(out[measure]):
            out[f"{measure}_low"] = out[f"{measure}_high"] = np.nan
            continue
        low, high = np.nanpercentile(spread[measure], [2.5, 97.5])
        # the prior pulls a share of 0 or 1 inwards: the interval always holds the estimate
        out[f"{measure}_low"] = float(min(low, out[measure]))
        out[f"{measure}_high"] = float(max(high, out[measure]))
    return out


def kappa(first, second, shown=None) -> dict:
    """Cohen's kappa of two readers' yes/no verdicts on the same items, with its 95% CI
    (statsmodels). NaN when fewer than 2 items, or when both readers used one answer only
    (kappa is undefined: chance agreement is 1). ``shown``: computed from the 2x2 table's
    cells as shown (rounded), as :func:`estimate`."""
    a, b = np.asarray(first, dtype=bool), np.asarray(second, dtype=bool)
    n = len(a)
    out = {"n": n, "agree": int((a == b).sum()), "kappa": np.nan, "kappa_low": np.nan, "kappa_high": np.nan}
    if n < 2:
        return out
    table = np.array([[np.sum(a & b), np.sum(a & ~b)], [np.sum(~a & b), np.sum(~a & ~b)]], dtype=float)
    if shown is not None:
        table = np.asarray(shown(table), dtype=float)
        if table.sum() < 2:
            return out
    n = table.sum()
    expected = (table.sum(1) * table.sum(0)).sum() / n ** 2
    if np.isclose(expected, 1.0):
        return out
    from statsmodels.stats.inter_rater import cohens_kappa  # ~0.5 s to import: only agreement pays it

    with warnings.catch_warnings():  # its z test divides by zero at kappa's bounds; only kappa and its CI are used
        warnings.simplefilter("ignore", RuntimeWarning)
        result = cohens_kappa(table, return_results=True)
    out["kappa"] = float(result.kappa)
    if result.std_kappa > 0:  # perfect agreement has a zero standard error: no interval, not [1, 1]
        out["kappa_low"], out["kappa_high"] = float(result.kappa_low), float(result.kappa_upp)
    return out


BOOTSTRAP = 2000


def _fleiss_from_yes(yes: np.ndarray, readers: int) -> np.ndarray:
    """Fleiss' kappa of yes/no ratings from the number of "yes" per item (last axis: items),
    for any leading axes (bootstrap replicates): Fleiss (1971), as statsmodels computes it."""
    no = readers - yes
    observed = ((yes * (yes - 1) + no * (no - 1)) / (readers * (readers - 1))).mean(axis=-1)
    p_yes = yes.mean(axis=-1) / readers
    chance = p_yes ** 2 + (1 - p_yes) ** 2
    with np.errstate(divide="ignore", invalid="ignore"):
        return (observed - chance) / (1 - chance)


def fleiss(ratings, seed: int = 0, draws: int = BOOTSTRAP, shown=None) -> dict:
    """Fleiss' kappa of yes/no verdicts, one row per item and one column per independent
    reader (3 or more), with a 95% percentile-bootstrap interval over items. statsmodels'
    ``fleiss_kappa`` gives the estimate but no interval, hence the bootstrap (``draws``
    resamples of the items with replacement, fixed seed; replicates where kappa is undefined,
    every verdict the same, are left out). NaN as :func:`kappa`: fewer than 2 items, or one
    answer only. ``shown``: computed from the items counted by their number of "yes" (0..k)
    as shown (rounded), as :func:`estimate`."""
    matrix = np.asarray(ratings, dtype=bool)
    if shown is not None and matrix.ndim == 2 and len(matrix):
        k = matrix.shape[1]
        per_yes = np.asarray(shown(np.bincount(matrix.sum(axis=1), minlength=k + 1)), dtype=int)
        matrix = np.array([[i < yes for i in range(k)] for yes in range(k + 1) for _ in range(per_yes[yes])],
                          dtype=bool).reshape(-1, k)
        result = fleiss(matrix, seed, draws)
        return {**result, "n": int(len(np.asarray(ratings)))}
    n = int(matrix.shape[0]) if matrix.ndim == 2 else 0
    out = {"n": n, "readers": int(matrix.shape[1]) if n else 0, "kappa": np.nan, "kappa_low": np.nan,
           "kappa_high": np.nan}
    if n < 2 or matrix.all() or not matrix.any():
        return out
    from statsmodels.stats.inter_rater import aggregate_raters, fleiss_kappa

    readers = matrix.shape[1]
    out["kappa"] = float(fleiss_kappa(aggregate_raters(matrix.astype(int), n_cat=2)[0], method="fleiss"))
    yes = matrix.sum(axis=1)
    picks = np.random.default_rng(seed).integers(0, n, size=(draws, n))
    replicates = _fleiss_from_yes(yes[picks], readers)
    replicates = replicates[np.isfinite(replicates)]
    if len(replicates) and out["kappa"] < 1:
        low, high = np.percentile(replicates, [2.5, 97.5])
        out["kappa_low"], out["kappa_high"] = float(min(low, out["kappa"])), float(max(high, out["kappa"]))
    return out
