"""Two groups of trusts compared (the Policy comparison): a permutation test over trusts.

Why not a bootstrap
-------------------
Posts from one trust are not independent (one culture, one comms team), so the unit of
comparison is the trust. A percentile cluster bootstrap over trusts (what RadSoMe used before)
is too narrow at the 3-16 trusts a group that real regions have: with the demo's between-trust
spread its 95% interval excluded "no difference" in 8-20% of null data sets at 3-12 trusts a
group (``bench/policy_null.py``; docs/methods.md has the figures). A permutation test over
trusts keeps its promise at any size: if the policy makes no difference, every way of
labelling the trusts as "yes"/"no" (with the
groups' sizes kept) was as likely as the one observed, so the share of relabellings giving a
difference at least as large is a valid p-value — its false-positive rate is at most 5% by
construction, however few or unlike the trusts are.

What is computed
----------------
* **Values** of each group: pooled, events over exposure (as before), and the **effect**: their
  ratio (rates) or difference (shares).
* **p-value** of "no difference": a permutation test over trusts.
  The relabellings of :func:`scipy.stats.permutation_test` (``independent``: trusts
  relabelled, group sizes kept; made by :func:`_labellings` without importing scipy.stats):
  every relabelling when there
  are at most ``EXACT_LIMIT`` (20,000), otherwise draws ``MONTE_CARLO`` (9,999) with a fixed
  seed; the statistic is the difference of the pooled values, and the p-value scipy's rule:
  two-sided, twice the smaller tail, each tail (b + 1)/(m + 1) when sampled (valid for a
  sampled test) and b/m when enumerated.
* **95% CI** by inverting the test: the effects θ it does not reject (p > 0.05) when the first
  group's trusts are put back on the second's scale (rates divided by θ, or shares minus θ);
  a grid finds the accepted region and bisection its edges. Coverage of planted effects is
  checked by simulation (``bench/policy_null.py``).
* **Too few trusts to tell**: with n_a and n_b trusts there are C(n_a + n_b, n_a) labellings
  and the smallest two-sided p-value the test can give is 2 / C(n_a + n_b, n_a). When that is
  above 0.05 no data could show a difference (3 vs 3: 2/20 = 0.10; 3 vs 4: 2/35 = 0.057), so
  no interval is given and the page says so (:func:`can_tell`).
"""
from __future__ import annotations

import functools
import itertools
import math

import numpy as np

ALPHA = 0.05
EXACT_LIMIT = 20_000      # enumerate every relabelling up to this many
MONTE_CARLO = 9_999       # otherwise this many random ones (p = (b + 1) / (m + 1))
SEED = 20261203           # the page shows the same p-value and interval every time
_COARSE = 73              # hypothesised effects in the first pass of the test inversion
_NULL = {"ratio": 1.0, "difference": 0.0}


def relabellings(n_a: int, n_b: int) -> int:
    """How many ways the trusts can be split into groups of n_a and n_b."""
    return math.comb(n_a + n_b, n_a)


def smallest_p(n_a: int, n_b: int) -> float:
    """The smallest two-sided p-value the test can give with these group sizes: 2 / C(n_a +
    n_b, n_a) when all relabellings are enumerated (the observed labelling and, at best, its
    mirror are the only ones as extreme), 2 / (MONTE_CARLO + 1) when they are sampled."""
    if min(n_a, n_b) < 1:
        return 1.0
    count = relabellings(n_a, n_b)
    return min(1.0, 2 / count if count <= EXACT_LIMIT else 2 / (MONTE_CARLO + 1))


def can_tell(n_a: int, n_b: int, alpha: float = ALPHA) -> bool:
    """Whether any data could reach p <= alpha with these group sizes (3 vs 3, 2 vs 7 or
    3 vs 4 trusts cannot at 0.05; 4 vs 4, 2 vs 8 and 3 vs 5 can)."""
    return smallest_p(n_a, n_b) <= alpha


def _clean(events, exposure) -> tuple[np.ndarray, np.ndarray]:
    e, x = np.asarray(events, dtype=float), np.asarray(exposure, dtype=float)
    if e.shape != x.shape or e.ndim != 1 or np.any(e < 0) or np.any(x < 0):
        raise ValueError("events and exposure must be non-negative arrays of one length")
    keep = x > 0  # a trust with no exposure in a group says nothing about it
    return e[keep], x[keep]


@functools.lru_cache(maxsize=32)
def _labellings(n_a: int, n_b: int, seed: int) -> np.ndarray:
    """Every relabelling of n_a + n_b trusts into groups of n_a and n_b (when there are at most
    EXACT_LIMIT), else MONTE_CARLO random ones drawn with ``seed``, as rows of a boolean matrix
    (True: called "first"). They depend only on the group sizes, so every outcome, clause and
    filter with the same sizes shares them.

    They are the relabellings :func:`scipy.stats.permutation_test` (``independent``) makes, in
    its order: every combination of n_a indices (``itertools.combinations``), or one
    ``rng.permutation(n_a + n_b)`` a resample from ``np.random.default_rng(seed)``, its first n_a
    called "first". Made here because importing scipy.stats costs the dashboard ~44 MB
    (issue #16 item 4); tests/test_quantiles.py checks they equal scipy's."""
    n = n_a + n_b
    count = relabellings(n_a, n_b)
    if count <= EXACT_LIMIT:
        first = np.array(list(itertools.combinations(range(n), n_a)), dtype=np.intp).reshape(count, n_a)
    else:
        rng = np.random.default_rng(seed)
        first = np.array([rng.permutation(n)[:n_a] for _ in range(MONTE_CARLO)], dtype=np.intp)
    labels = np.zeros((len(first), n), dtype=bool)
    np.put_along_axis(labels, first, True, axis=-1)
    labels.setflags(write=False)
    return labels


class _Test:
    """The permutation test of one comparison, for any hypothesised effect.

    Under "the first group's effect is θ", the first group's trusts are put back on the
    second's scale (events / θ for a ratio, events − θ·exposure for a difference) and the
    trusts become exchangeable. A relabelling's statistic needs only four sums over the trusts
    it calls "first": their exposure, the events of those from each original group, and the
    exposure of those from the first. They are computed once per relabelling
    (:func:`_labellings`); the p-value of any θ is then scipy's own rule applied to the
    statistic computed from them: two-sided, twice the smaller tail, each tail counted as
    (b + 1)/(m + 1) when the relabellings are sampled and b/m when all are enumerated.
    """

    def __init__(self, ea, xa, eb, xb, kind: str, seed: int):
        self.kind = kind
        n_a, n_b = len(xa), len(xb)
        x, e = np.concatenate([xa, xb]), np.concatenate([ea, eb])
        from_a = np.arange(n_a + n_b) < n_a
        parts = np.stack([x, e * from_a, e * ~from_a, x * from_a], axis=-1)  # (trust, 4)
        self.totals = parts.sum(axis=0)
        self.observed = parts[from_a].sum(axis=0)
        self.null = _labellings(n_a, n_b, seed).astype(float) @ parts
        self.adjustment = 0 if relabellings(n_a, n_b) <= EXACT_LIMIT else 1

    def _statistic(self, sums: np.ndarray, thetas: np.ndarray) -> np.ndarray:
        """The difference of pooled values (first − other) after the first group's trusts are
        put on the second's scale by each θ: shape sums.shape[:-1] + thetas.shape."""
        sx, sa, sb, sxa = (sums[..., i, None] for i in range(4))
        tot_x, tot_ea, tot_eb, tot_xa = self.totals
        if self.kind == "ratio":
            first_events = sb + sa / thetas
            other_events = (tot_eb - sb) + (tot_ea - sa) / thetas
        else:
            first_events = sb + sa - thetas * sxa
            other_events = (tot_eb - sb) + (tot_ea - sa) - thetas * (tot_xa - sxa)
        return first_events / sx - other_events / (tot_x - sx)

    def p_values(self, thetas) -> np.ndarray:
        """Two-sided p-value of each hypothesised effect in ``thetas`` (scipy's rule)."""
        thetas = np.atleast_1d(np.asarray(thetas, dtype=float))
        observed, null = self._statistic(self.observed, thetas), self._statistic(self.null, thetas)
        gamma = np.abs(np.finfo(float).eps * 100 * observed)  # scipy's tolerance for equal values
        m = len(self.null)
        less = (np.count_nonzero(null <= observed + gamma, axis=0) + self.adjustment) / (m + self.adjustment)
        greater = (np.count_nonzero(null >= observed - gamma, axis=0) + self.adjustment) / (m + self.adjustment)
        return np.clip(2 * np.minimum(less, greater), 0, 1)


def _bound(p_values, inside: float, outside: float, alpha: float, steps: int = 16) -> float:
    """The edge of the accepted region between ``inside`` (accepted) and ``outside``
    (rejected), by bisection: to 1/65,536 of the gap between two points of the first grid."""
    for _ in range(steps):
        middle = (inside + outside) / 2
        if p_values(np.array([middle]))[0] > alpha:
            inside = middle
        else:
            outside = middle
    return float(inside)


def _interval(test: _Test, effect: float, alpha: float) -> tuple[float, float]:
    """The 1 − alpha CI: the hull of the effects the test does not reject. Ratios are
    searched on the log scale (0 or inf when no ratio on that side is rejected), differences
    of shares within [-1, 1]."""
    if test.kind == "ratio":
        def p_values(log_theta):
            return test.p_values(np.exp(log_theta))
        grid = np.linspace(np.log(effect) - 9, np.log(effect) + 9, _COARSE)  # the estimate is the middle
        edges, back = (-math.inf, math.inf), np.exp
    else:
        p_values = test.p_values
        grid = np.unique(np.concatenate([np.linspace(-1, 1, _COARSE), [effect]]))
        edges, back = (-1.0, 1.0), float
    accepted = np.flatnonzero(p_values(grid) > alpha)
    if not accepted.size:
        return math.nan, math.nan
    ends = []
    for i, step, edge in ((int(accepted.min()), -1, edges[0]), (int(accepted.max()), 1, edges[1])):
        j = i + step
        ends.append(float(back(edge if j < 0 or j >= len(grid) else _bound(p_values, grid[i], grid[j], alpha))))
    return ends[0], ends[1]


def compare_trusts(events_a, exposure_a, events_b, exposure_b, kind: str = "ratio",
                   conf: float = 0.95, seed: int = SEED) -> dict:
    """Group A against group B, each given per trust: events and exposure arrays.

    Returns value_a and value_b (pooled: sum of events / sum of exposure), effect (value_a /
    value_b for ``kind="ratio"``, value_a − value_b for ``"difference"``), p_value (the
    permutation test of no difference), effect_low/effect_high (its inverted CI), clusters_a,
    clusters_b, relabellings (how many labellings there are), exact (all enumerated) and
    can_tell. With too few trusts to tell (:func:`can_tell`), or an undefined effect (a ratio
    whose base is 0), p_value and the interval are NaN.
    """
    if kind not in ("ratio", "difference"):
        raise ValueError("kind must be 'ratio' or 'difference'")
    (ea, xa), (eb, xb) = _clean(events_a, exposure_a), _clean(events_b, exposure_b)
    va = ea.sum() / xa.sum() if xa.sum() else math.nan
    vb = eb.sum() / xb.sum() if xb.sum() else math.nan
    if kind == "difference":
        effect = va - vb
    else:
        effect = va / vb if vb > 0 else math.nan
    alpha = 1 - conf
    n_a, n_b = len(xa), len(xb)
    out = {"value_a": float(va), "value_b": float(vb), "effect": float(effect), "p_value": math.nan,
           "effect_low": math.nan, "effect_high": math.nan, "clusters_a": n_a, "clusters_b": n_b,
           "relabellings": relabellings(n_a, n_b) if min(n_a, n_b) else 0,
           "exact": min(n_a, n_b) > 0 and relabellings(n_a, n_b) <= EXACT_LIMIT,
           "can_tell": can_tell(n_a, n_b, alpha)}
    if not out["can_tell"] or ea.sum() + eb.sum() == 0:
        return out
    test = _Test(ea, xa, eb, xb, kind, seed)
    out["p_value"] = float(test.p_values(np.array([_NULL[kind]]))[0])
    if math.isfinite(effect) and (kind == "difference" or effect > 0):
        out["effect_low"], out["effect_high"] = _interval(test, effect, alpha)
    return out


def null_p_value(events_a, exposure_a, events_b, exposure_b, kind: str = "ratio", seed: int = SEED) -> float:
    """Only the p-value of no difference (NaN with too few trusts to tell): the simulations
    call this thousands of times."""
    (ea, xa), (eb, xb) = _clean(events_a, exposure_a), _clean(events_b, exposure_b)
    if not can_tell(len(xa), len(xb)) or (eb.sum() + ea.sum()) == 0:
        return math.nan
    return float(_Test(ea, xa, eb, xb, kind, seed).p_values(np.array([_NULL[kind]]))[0])
