"""Statistics shown to people: pure functions, no Streamlit, no database.

What is estimated, and why
--------------------------
* **Time to first professional response** (DESIGN.md "Episode and response time"). Questions
  that nobody has answered yet are *censored* at the data's end time, not dropped. Dropping
  them would make response look faster than it is. The survival function S(t) = P(still
  unanswered at t) is estimated with Kaplan–Meier. We report the median time (None means
  "not reached": fewer than half are answered within the follow-up), its 95% CI, and
  P(answered within t) = 1 − S(t) with a 95% CI. ``km_from_counts`` estimates it from
  per-time-bin counts of events and censorings (the SQL histograms), so charts at 10 M posts
  never pull raw rows; it is exact when the bins are the distinct times, and off by at most
  one bin width with coarser bins. The CI is exponential Greenwood (log(−log S)), as in
  lifelines; the CI of the median comes from the times where the CI bands cross 0.5 (as
  ``lifelines.utils.median_survival_times``). tests/reference_km.py fits the raw durations
  with lifelines itself, the independent check (lifelines is a test-only requirement).
* **Proportions** use Wilson score intervals (``wilson``). They stay inside [0, 1] and behave
  well at k = 0 and k = n.
* **Rates per 1,000** (``rate_ci``) follow the OHID/Fingertips convention. Below 10 events the
  CI is exact Poisson: lower = χ²(α/2; 2O)/2 and upper = χ²(1−α/2; 2O+2)/2. From 10 events it
  is Byar's approximation: lower = O·(1 − 1/(9O) − z/(3√O))³ and
  upper = (O+1)·(1 − 1/(9(O+1)) + z/(3√(O+1)))³.
* **Comparing two groups of trusts** (the Policy comparison) is a permutation test over trusts:
  :mod:`warehouse.compare`.
* **Compared with a benchmark** (``compare_with_benchmark``): a trust or region against
  England (or its region), as OHID's Fingertips shows it: *similar* when the benchmark's value
  lies inside the unit's 95% CI (ends included), else *better* or *worse* by the measure's good
  direction, or *higher* / *lower* for a measure with none (a volume). This is Fingertips'
  default method, "single overlapping CIs" (fingertips-open, PholioVisualisation.Analysis
  ``SingleOverlappingCIsComparer``; its tests are reproduced in tests/test_stats.py). No
  comparison without a value, both CI ends and a benchmark.
* **Funnel plots**: exact binomial/Poisson limits and the over-dispersion allowance are in
  :mod:`warehouse.funnel` (``funnel_limits_proportion`` and ``funnel_limits_rate`` are
  re-exported here).

Small-number suppression is not here: it is display logic, in ui/disclosure.py (the one
function every number shown passes through).
"""
from __future__ import annotations

from typing import Iterable, Sequence

import numpy as np
import pandas as pd
from scipy import special  # never scipy.stats in the dashboard: ~44 MB a process (warehouse/quantiles.py)

from warehouse.funnel import funnel_limits_proportion, funnel_limits_rate  # noqa: F401 (re-exported)
from warehouse.measures import CALENDAR, thresholds

Z95 = float(special.ndtri(0.975))  # 1.95996…
_CI_LABELS = ("ci_low", "ci_high")


# ---------------------------------------------------------------- Kaplan–Meier
CROSSING_TOLERANCE = 1e-9


def _crossing(times: np.ndarray, values: np.ndarray, q: float = 0.5) -> float | None:
    """First time at which a non-increasing step curve is <= q (lifelines' rule), else None.

    Within :data:`CROSSING_TOLERANCE`: a curve that reaches exactly 0.5 (an even number of
    questions, half answered) may be 0.5000000000000001 after the product of binned factors,
    which would move the median to the next answer (hours later) and away from the raw-data
    estimate."""
    hit = np.flatnonzero(values <= q + CROSSING_TOLERANCE)
    return float(times[hit[0]]) if hit.size else None


def _at(curve: pd.DataFrame, t: float, max_time: float) -> dict | None:
    """P(answered within t) = 1 − S(t) with its CI; None beyond the follow-up (S undefined)."""
    times = curve["time_s"].to_numpy()
    i = int(np.searchsorted(times, t, side="right")) - 1
    s = curve["survival"].to_numpy()
    if i < 0:
        return {"p": 0.0, "ci_low": 0.0, "ci_high": 0.0}
    if t > max_time and s[-1] > 0:
        return None
    lo, hi = curve["ci_low"].to_numpy()[i], curve["ci_high"].to_numpy()[i]
    return {"p": float(1 - s[i]), "ci_low": float(1 - hi), "ci_high": float(1 - lo)}


def _summary(curve: pd.DataFrame, n: int, events: int, max_time: float,
             within_s: Iterable[float]) -> dict:
    t = curve["time_s"].to_numpy()
    return {
        "n": n,
        "events": events,
        "median_s": _crossing(t, curve["survival"].to_numpy()),
        "median_ci_low_s": _crossing(t, curve["ci_low"].to_numpy()),
        "median_ci_high_s": _crossing(t, curve["ci_high"].to_numpy()),
        "p_within": {w: _at(curve, w, max_time) for w in within_s},
    }


def _empty_summary(within_s) -> dict:
    return {"n": 0, "events": 0, "median_s": None, "median_ci_low_s": None,
            "median_ci_high_s": None, "p_within": {w: None for w in within_s}}


def km_from_counts(time_bins_s, events, censored, alpha: float = 0.05) -> pd.DataFrame:
    """Kaplan–Meier (product-limit) estimate from counts per time bin, life-table style.

    ``time_bins_s[i]`` is a bin's time (distinct times for an exact KM; e.g. durations floored
    to the minute for a pre-aggregated histogram). ``events[i]`` is the number answered at that
    time and ``censored[i]`` the number still unanswered at data end with that duration.
    Censorings at a time count as at risk for the events at that time, as in KM. CI: exponential
    Greenwood, as in lifelines. Returns time_s, at_risk, events, censored, survival, ci_low,
    ci_high, starting with a t = 0 row.
    """
    t = np.asarray(time_bins_s, dtype=float)
    e = np.asarray(events, dtype=float)
    c = np.asarray(censored, dtype=float)
    if not (t.shape == e.shape == c.shape):
        raise ValueError("time_bins_s, events and censored must have the same length")
    # Counts summed per distinct time with numpy (a pandas groupby cost ~3x as much; the
    # dashboard runs this several times per filter change, issue #16).
    times, where = np.unique(np.append(t, 0.0), return_inverse=True)
    e_ = np.bincount(where, weights=np.append(e, 0.0), minlength=times.size)
    c_ = np.bincount(where, weights=np.append(c, 0.0), minlength=times.size)
    grouped = pd.DataFrame({"time_s": times, "events": e_, "censored": c_})
    removed = e_ + c_
    at_risk = removed.sum() - np.concatenate(([0.0], np.cumsum(removed)[:-1]))
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(at_risk > 0, 1 - e_ / at_risk, 1.0)
        s = np.cumprod(factor)
        green = np.cumsum(np.where(at_risk > e_, e_ / (at_risk * (at_risk - e_)), 0.0))
        z = float(special.ndtri(1 - alpha / 2))
        log_s = np.log(s)
        width = z * np.sqrt(green) / log_s  # log_s < 0 → width <= 0
        low = np.exp(-np.exp(np.log(-log_s) - width))
        high = np.exp(-np.exp(np.log(-log_s) + width))
    low = np.where(s >= 1, 1.0, np.where(s <= 0, 0.0, low))
    high = np.where(s >= 1, 1.0, np.where(s <= 0, 0.0, high))
    grouped["at_risk"] = at_risk
    grouped["survival"], grouped["ci_low"], grouped["ci_high"] = s, low, high
    return grouped[["time_s", "at_risk", "events", "censored", "survival", "ci_low", "ci_high"]]


def km_summary_from_counts(time_bins_s, events, censored,
                           within_s: Sequence[float] = thresholds(CALENDAR)) -> dict:
    """Kaplan–Meier summary of time to first professional response, from a pre-aggregated
    histogram: ``n``, ``events``, ``median_s`` (None = not reached), ``median_ci_low_s`` /
    ``median_ci_high_s`` (None = not estimable) and ``p_within``: {t: {"p", "ci_low",
    "ci_high"}} for each t in ``within_s`` (None when t is beyond the follow-up)."""
    curve = km_from_counts(time_bins_s, events, censored)
    n = int(curve["events"].sum() + curve["censored"].sum())
    if n == 0:
        return _empty_summary(within_s)
    return _summary(curve, n, int(curve["events"].sum()), float(curve["time_s"].iloc[-1]), within_s)


def km_medians(frame: pd.DataFrame, keys: Sequence[str], time: str = "bin_s", events: str = "events",
               censored: str = "censored") -> pd.DataFrame:
    """:func:`km_summary_from_counts`' median and its CI for every group of ``keys`` of a long
    histogram at once (the SPC mart has tens of thousands of groups; one call each would take
    minutes). ``frame``: one row per group and time with events and censorings, times distinct
    within a group. Returns keys, n, events, median_s, median_ci_low_s, median_ci_high_s (NaN:
    not reached / not estimable), one row per group, in key order."""
    keys = list(keys)
    out_columns = [*keys, "n", "events", "median_s", "median_ci_low_s", "median_ci_high_s"]
    if frame.empty:
        return pd.DataFrame(columns=out_columns)
    f = frame.sort_values([*keys, time], kind="stable", ignore_index=True)
    gid = f.groupby(keys, sort=False, dropna=False).ngroup().to_numpy()
    out = f[keys].groupby(gid, sort=True).first().reset_index(drop=True)
    found = km_medians_sorted(gid, f[time].to_numpy(dtype=float), f[events].to_numpy(dtype=float),
                              f[censored].to_numpy(dtype=float))
    return out.assign(**found)[out_columns]


def km_medians_sorted(gid: np.ndarray, time_s: np.ndarray, events: np.ndarray, censored: np.ndarray,
                      alpha: float = 0.05) -> dict[str, np.ndarray]:
    """The arrays behind :func:`km_medians`: rows sorted by group number ``gid`` (0, 1, ... with
    none missing) then time. Returns n, events, median_s, median_ci_low_s, median_ci_high_s, one
    value per group. The same product-limit estimate (multiplied in time order, so equal to
    :func:`km_from_counts` to the last bit) and exponential Greenwood CI;
    tests/test_stats_km_many.py checks every group against :func:`km_summary_from_counts`."""
    gid = np.asarray(gid, dtype=np.int64)
    e = np.asarray(events, dtype=float)
    removed = e + np.asarray(censored, dtype=float)
    total = np.bincount(gid, removed)
    before = pd.Series(removed).groupby(gid).cumsum().to_numpy() - removed
    at_risk = total[gid] - before
    with np.errstate(divide="ignore", invalid="ignore"):
        s = pd.Series(np.where(at_risk > 0, 1 - e / at_risk, 1.0)).groupby(gid).cumprod().to_numpy()
        green = pd.Series(np.where(at_risk > e, e / (at_risk * (at_risk - e)), 0.0)).groupby(gid).cumsum().to_numpy()
        z = float(special.ndtri(1 - alpha / 2))
        log_s = np.log(s)
        width = z * np.sqrt(green) / log_s
        low = np.exp(-np.exp(np.log(-log_s) - width))
        high = np.exp(-np.exp(np.log(-log_s) + width))
    low = np.where(s >= 1, 1.0, np.where(s <= 0, 0.0, low))
    high = np.where(s >= 1, 1.0, np.where(s <= 0, 0.0, high))
    t = pd.Series(np.asarray(time_s, dtype=float))

    def crossing(curve: np.ndarray) -> np.ndarray:  # first time the curve is <= 0.5 (as _crossing), per group
        return t.where(curve <= 0.5 + CROSSING_TOLERANCE).groupby(gid).first().reindex(range(len(total))).to_numpy()

    return {"n": total.astype(np.int64), "events": np.bincount(gid, e).astype(np.int64),
            "median_s": crossing(s), "median_ci_low_s": crossing(low), "median_ci_high_s": crossing(high)}


# ---------------------------------------------------------------- proportions and rates
def wilson(k, n, z: float = Z95):
    """Wilson score interval for k successes out of n: (p, low, high); NaN where n = 0.

    Works elementwise on arrays. Closed form:
    (k + z²/2)/(n + z²) ± z/(n + z²)·√(k(n−k)/n + z²/4).
    """
    k = np.asarray(k, dtype=float)
    n = np.asarray(n, dtype=float)
    if np.any(k < 0) or np.any(k > n):
        raise ValueError("need 0 <= k <= n")
    with np.errstate(divide="ignore", invalid="ignore"):
        p = k / n
        centre = (k + z * z / 2) / (n + z * z)
        half = z / (n + z * z) * np.sqrt(k * (n - k) / n + z * z / 4)
        low = np.where(k == 0, 0.0, np.clip(centre - half, 0, 1))
        high = np.where(k == n, 1.0, np.clip(centre + half, 0, 1))
    bad = n <= 0
    p, low, high = (np.where(bad, np.nan, a) for a in (p, low, high))
    if p.ndim == 0:
        return float(p), float(low), float(high)
    return p, low, high


def _poisson_limits(o: np.ndarray, conf: float) -> tuple[np.ndarray, np.ndarray]:
    """CI for a Poisson count: exact below 10 events, Byar's method from 10 (OHID)."""
    a = 1 - conf
    z = float(special.ndtri(1 - a / 2))
    with np.errstate(divide="ignore", invalid="ignore"):
        # χ²(q; 2k)/2 is the gamma(k) quantile: exact lower χ²(α/2; 2O)/2, upper χ²(1−α/2; 2O+2)/2.
        exact_lo = np.where(o > 0, special.gammaincinv(np.maximum(o, 1), a / 2), 0.0)
        exact_hi = special.gammaincinv(o + 1, 1 - a / 2)
        byar_lo = o * (1 - 1 / (9 * o) - z / (3 * np.sqrt(o))) ** 3
        byar_hi = (o + 1) * (1 - 1 / (9 * (o + 1)) + z / (3 * np.sqrt(o + 1))) ** 3
    small = o < 10
    return np.where(small, exact_lo, byar_lo), np.where(small, exact_hi, byar_hi)


def rate_ci(events, denominator, per: float = 1000, conf: float = 0.95) -> dict:
    """Rate per ``per`` with a CI: exact Poisson for < 10 events, Byar's method from 10.

    Returns {"rate", "ci_low", "ci_high", "method"} (floats/str for scalars, arrays otherwise);
    NaN where the denominator is 0.
    """
    o = np.asarray(events, dtype=float)
    den = np.asarray(denominator, dtype=float)
    if np.any(o < 0) or np.any(o != np.round(o)):
        raise ValueError("events must be non-negative integers")
    lo, hi = _poisson_limits(o, conf)
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where(den > 0, per / den, np.nan)
    out = {"rate": o * scale, "ci_low": lo * scale, "ci_high": hi * scale,
           "method": np.where(o < 10, "exact Poisson", "Byar")}
    if o.ndim == 0 and den.ndim == 0:
        return {k: (str(v) if k == "method" else float(v)) for k, v in out.items()}
    return out


# ------------------------------------------------------- one unit against a benchmark
COMPARISONS = ("better", "similar", "worse", "higher", "lower", "not_compared")


def compare_with_benchmark(value, ci_low, ci_high, benchmark, better: str):
    """Fingertips' comparison of a unit's value (with its 95% CI) against a benchmark value:
    'similar' when ``ci_low <= benchmark <= ci_high``; otherwise 'better' or 'worse' when
    ``better`` is 'higher' or 'lower' (warehouse.measures.HIGHER / LOWER), 'higher' or 'lower'
    when it is '' (no good direction); 'not_compared' when any of the four numbers is missing.
    Scalars give a str, arrays an object array (elementwise)."""
    if better not in ("higher", "lower", ""):
        raise ValueError(f"better must be 'higher', 'lower' or '', not {better!r}")
    v, lo, hi, b = (np.asarray(x, dtype=float) for x in (value, ci_low, ci_high, benchmark))
    known = np.isfinite(v) & np.isfinite(lo) & np.isfinite(hi) & np.isfinite(b)
    with np.errstate(invalid="ignore"):
        inside = (lo <= b) & (b <= hi)
        above = v > b
    if better == "":
        names = ("higher", "lower")
    else:
        names = ("better", "worse") if better == "higher" else ("worse", "better")
    out = np.where(~known, "not_compared", np.where(inside, "similar", np.where(above, *names)))
    out = out.astype(object)
    return str(out) if out.ndim == 0 else out
