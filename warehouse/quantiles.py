"""The few distribution quantiles the funnel plots need, from ``scipy.special`` alone.

Why not ``scipy.stats``: importing it costs the dashboard process ~44 MB of resident memory
(measured: a fresh Python with numpy, pandas, duckdb and streamlit loaded, before and after
``import scipy.stats``), once per process, for three one-line quantiles. Issue #16 item 4 holds
the dashboard to 500 MB under 10 sessions, so the funnels use the special functions scipy.stats
itself is built on (``scipy.special`` is loaded anyway, by ``warehouse/stats.py``).

The definitions are scipy.stats' own, so every limit drawn is unchanged (tests/test_quantiles.py
compares them over a wide grid):

- a discrete quantile is the smallest k with cdf(k) ≥ q (``rv_discrete.ppf``). The inverse
  special functions (``bdtrik``, ``pdtrik``) give a real number near it; the answer is then
  corrected by cdf checks (``bdtr``, ``pdtr``) one step at a time, so a rounding error of the
  inverse cannot move it.
- ``chi2.ppf(p, df)`` is ``2 · gammaincinv(df / 2, p)``, scipy.stats' own formula (not
  ``chdtri(df, 1 - p)``, which can differ in the last bits).
"""
from __future__ import annotations

import numpy as np
from scipy import special

_MAX_STEPS = 64  # the inverses land within a step or two; this only bounds a pathological input


def _smallest_k(cdf, start: np.ndarray, q: np.ndarray, upper: np.ndarray) -> np.ndarray:
    """The smallest integer k in [0, upper] with cdf(k) >= q, searched from ``start``."""
    k = np.clip(np.nan_to_num(np.ceil(start), nan=0.0), 0, upper)
    for _ in range(_MAX_STEPS):  # step down while the one below already reaches q
        down = (k > 0) & (cdf(np.maximum(k - 1, 0)) >= q)
        if not down.any():
            break
        k = np.where(down, k - 1, k)
    for _ in range(_MAX_STEPS):  # step up while k does not reach q yet
        up = (k < upper) & (cdf(k) < q)
        if not up.any():
            break
        k = np.where(up, k + 1, k)
    return k


def _binom_cdf(k: np.ndarray, n: np.ndarray, p: float) -> np.ndarray:
    """P(X ≤ k) for X ~ Binomial(n, p) as scipy.stats computes it (Boost's ``ibetac(k + 1, n - k,
    p)``, which ``special.betaincc`` wraps). ``special.bdtr`` (Cephes) drifts at large n: at
    n = 10⁷, p = 0.5 it is 5·10⁻⁴ above the true cdf near the median, enough to move a quantile."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(k >= n, 1.0, special.betaincc(k + 1, np.maximum(n - k, 1), p))


def binom_ppf(q: float, n, p: float) -> np.ndarray:
    """``scipy.stats.binom.ppf(q, n, p)`` for 0 < q < 1, integer n ≥ 0 and 0 ≤ p ≤ 1 (NaN for
    other n or p, as scipy gives)."""
    n = np.asarray(n, dtype=float)
    ok = (n >= 0) & (n == np.floor(n)) & (0 <= p <= 1)
    if not 0 < q < 1:
        raise ValueError("q must be strictly between 0 and 1")
    safe_n = np.where(ok, n, 0.0)
    with np.errstate(invalid="ignore"):
        start = special.bdtrik(q, safe_n, p) if 0 < p < 1 else np.where(p == 1, safe_n, 0.0)
    k = _smallest_k(lambda k: _binom_cdf(k, safe_n, p), start, np.full(safe_n.shape, q), safe_n)
    return np.where(ok, k, np.nan)


def poisson_ppf(q: float, mu) -> np.ndarray:
    """``scipy.stats.poisson.ppf(q, mu)`` for 0 < q < 1 and mu ≥ 0 (NaN for mu < 0): scipy's own
    formula (``poisson_gen._ppf``): the inverse rounded up, or the integer below it when its cdf
    already reaches q. Not the stepping search of :func:`binom_ppf`: at q within 10⁻⁹ of 1 and
    mu in the millions ``pdtr`` is not exact enough for a longer walk to agree with scipy."""
    mu = np.asarray(mu, dtype=float)
    if not 0 < q < 1:
        raise ValueError("q must be strictly between 0 and 1")
    ok = mu >= 0
    safe_mu = np.where(ok, mu, 0.0)
    vals = np.ceil(special.pdtrik(q, safe_mu))
    below = np.maximum(vals - 1, 0)
    return np.where(ok, np.where(special.pdtr(below, safe_mu) >= q, below, vals), np.nan)


def chi2_ppf(p: float, df) -> np.ndarray | float:
    """``scipy.stats.chi2.ppf(p, df)``: the chi-squared quantile, for 0 < p < 1 and df > 0."""
    return 2 * special.gammaincinv(np.asarray(df, dtype=float) / 2, p)
