"""Kaplan–Meier from raw durations with lifelines: the independent check of
``warehouse.stats.km_from_counts`` / ``km_summary_from_counts`` (what the product runs, from
SQL histograms). Kept in the tests, with lifelines a test-only requirement: the product
never fits raw durations."""
from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd
from lifelines import KaplanMeierFitter
from lifelines.utils import median_survival_times

from warehouse.measures import CALENDAR, thresholds
from warehouse.stats import _empty_summary, _summary


def _as_arrays(durations, observed) -> tuple[np.ndarray, np.ndarray]:
    d = np.asarray(durations, dtype=float)
    o = np.asarray(observed, dtype=bool)
    if d.shape != o.shape or d.ndim != 1:
        raise ValueError("durations and observed must be 1-D arrays of the same length")
    if np.isnan(d).any() or (d < 0).any():
        raise ValueError("durations must be non-negative numbers (censor, do not drop or NaN)")
    return d, o


def _fit(d: np.ndarray, o: np.ndarray):
    return KaplanMeierFitter(alpha=0.05).fit(d, event_observed=o)


def _fitted_curve(kmf) -> pd.DataFrame:
    ci = kmf.confidence_interval_survival_function_
    lower = [c for c in ci.columns if "lower" in c][0]
    upper = [c for c in ci.columns if "upper" in c][0]
    return pd.DataFrame({
        "time_s": kmf.timeline.astype(float),
        "survival": kmf.survival_function_.iloc[:, 0].to_numpy(dtype=float),
        "ci_low": ci[lower].to_numpy(dtype=float),
        "ci_high": ci[upper].to_numpy(dtype=float),
    })


def km_summary(durations_seconds, observed, within_s: Sequence[float] = thresholds(CALENDAR)) -> dict:
    """Kaplan–Meier summary of time to first professional response.

    ``observed`` is False for questions still unanswered (duration = time to data end).
    Returns ``n``, ``events``, ``median_s`` (None = not reached), ``median_ci_low_s`` /
    ``median_ci_high_s`` (None = not estimable) and ``p_within``: {t: {"p", "ci_low", "ci_high"}}
    for each t in ``within_s`` (None when t is beyond the follow-up). For "within 1 service day"
    call again with service-time durations and ``within_s=(service_day_seconds,)``.
    """
    d, o = _as_arrays(durations_seconds, observed)
    if d.size == 0:
        return _empty_summary(within_s)
    kmf = _fit(d, o)
    out = _summary(_fitted_curve(kmf), int(d.size), int(o.sum()), float(d.max()), within_s)
    # Report lifelines' own median and median CI (the curve crossing above is the same rule).
    med = float(kmf.median_survival_time_)
    out["median_s"] = med if np.isfinite(med) else None
    ci = median_survival_times(kmf.confidence_interval_).iloc[0]
    for key, col in (("median_ci_low_s", "lower"), ("median_ci_high_s", "upper")):
        v = float(ci[[c for c in ci.index if col in c][0]])
        out[key] = v if np.isfinite(v) else None
    return out


def p_within(durations_seconds, observed, seconds: float) -> dict | None:
    """P(answered within ``seconds``) = 1 − S(t) with a 95% CI (see ``km_summary``)."""
    return km_summary(durations_seconds, observed, within_s=(seconds,))["p_within"][seconds]


def _thin(curve: pd.DataFrame, max_points: int) -> pd.DataFrame:
    if len(curve) <= max_points:
        return curve.reset_index(drop=True)
    idx = np.unique(np.linspace(0, len(curve) - 1, max_points).round().astype(int))
    return curve.iloc[idx].reset_index(drop=True)


def km_curve(durations, observed, max_points: int = 500) -> pd.DataFrame:
    """Kaplan–Meier curve for plotting (step, 'hv'): time_s, survival, ci_low, ci_high.

    Thinned to at most ``max_points`` rows, evenly by event time rank: points are dense where
    answers happen. The first (t = 0, S = 1) and last points are kept.
    """
    d, o = _as_arrays(durations, observed)
    if d.size == 0:
        return pd.DataFrame(columns=["time_s", "survival", "ci_low", "ci_high"], dtype=float)
    return _thin(_fitted_curve(_fit(d, o)), max_points)
