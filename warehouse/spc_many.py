"""Many XmR charts at once: :func:`warehouse.spc.xmr`'s arithmetic over a flat array of series.

Why a second implementation: the build charts every headline measure of every trust, region
and nation by month and by week (thousands of series). ``spc.xmr`` builds a DataFrame per
series and costs ~10 ms each, so 5,000 series would add a minute to every build. Here each
rule is one numpy pass over all the points, with the series' boundaries as masks, so the
cost is a few array operations whatever the number of series.

It is the same computation as :func:`warehouse.spc.xmr` with one segment per series (no
rebase, no fixed baseline, moving ranges screened: NHSRplotthedots' defaults), and
tests/test_spc_many.py checks it against ``spc.xmr`` point by point on generated series
(ties, flat runs, one- and two-point series included); ``spc.xmr`` itself is checked against
NHSRplotthedots' published numbers (tests/test_spc.py). How each rule is made flat:

* a run of 7 on one side, or a trend of 7 rising or falling, ends where a *run length*
  (consecutive equal signs, reset at each series' first point) reaches 7 (6 steps); the
  points of the pattern are the 7 ending there, all in one series by construction;
* "2 of 3 close" windows are the flat windows whose first and last points are in one series,
  which is what ``spc.two_in_three``'s zero padding gives a single series;
* a series with one point has no moving range, so no limits and no rule, as in ``spc.xmr``.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from warehouse.spc import CLOSE, LIMIT, RULES, RUN, SCREEN, TREND, TRIAL_BELOW

_DIRECTION = {"increase": 1, "decrease": -1, "neutral": 0}


def _run_length(mask: np.ndarray) -> np.ndarray:
    """How many consecutive True end at each index (0 where False)."""
    idx = np.arange(len(mask))
    last_false = np.maximum.accumulate(np.where(mask, -1, idx))
    return idx - last_false


def _part_of(ends: np.ndarray, length: int) -> np.ndarray:
    """True for the `length` points ending at each end (the end and the length-1 before)."""
    idx = np.arange(len(ends))
    big = len(ends) + length
    next_end = np.minimum.accumulate(np.where(ends, idx, big)[::-1])[::-1]
    return next_end - idx <= length - 1


def _group_mean(g: np.ndarray, values: np.ndarray, counts: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.bincount(g, values, minlength=len(counts)) / counts


def xmr_many(group: np.ndarray, values: np.ndarray, direction: np.ndarray,
             target: np.ndarray) -> tuple[pd.DataFrame, pd.DataFrame]:
    """XmR charts of many series laid end to end.

    ``group``: each point's series number, 0..G-1, non-decreasing (points sorted by series,
    then period); ``values``: finite numbers; ``direction`` and ``target``: one per series
    ('increase' / 'decrease' / 'neutral'; a target or NaN). Returns (points, series): per point
    mean, lower, upper, rule, side ('high' / 'low' / None), special_cause, trial_limits; per
    series n_points, variation_icon, assurance_icon, trial_limits.
    """
    g = np.asarray(group, dtype=np.int64)
    y = np.asarray(values, dtype=float)
    n_series = len(direction)
    if len(g) != len(y) or (len(g) and (np.any(np.diff(g) < 0) or g[0] < 0 or g[-1] >= n_series)):
        raise ValueError("group must be non-decreasing series numbers 0..len(direction)-1, one per value")
    if not np.all(np.isfinite(y)):
        raise ValueError("values must be finite numbers")
    counts = np.bincount(g, minlength=n_series).astype(float)
    first = np.ones(len(g), dtype=bool)
    first[1:] = g[1:] != g[:-1]
    last = np.ones(len(g), dtype=bool)
    last[:-1] = g[1:] != g[:-1]

    # --- limits: R's two-pass mean, average moving range screened once (spc.process_limits)
    m1 = _group_mean(g, y, counts)
    mean_g = m1 + _group_mean(g, y - m1[g], counts)
    mr = np.abs(np.diff(y))
    valid = ~first[1:]
    mg = g[1:][valid]
    mr_v = mr[valid]
    amr_g = _group_mean(mg, mr_v, np.bincount(mg, minlength=n_series).astype(float))
    keep = mr_v < SCREEN * amr_g[mg]
    screened = _group_mean(mg[keep], mr_v[keep], np.bincount(mg[keep], minlength=n_series).astype(float))
    amr_g = np.where(amr_g > 0, screened, amr_g)
    mean, amr = mean_g[g], amr_g[g]
    upper, lower = mean + LIMIT * amr, mean - LIMIT * amr
    has_limits = ~np.isnan(amr)

    # --- rules (spc.classify), each over all the series at once
    rtm = np.sign(y - mean).astype(int)
    outside = (y > upper) | (y < lower)
    close = ~outside & ((y < mean - CLOSE * amr) | (y > mean + CLOSE * amr))
    step = np.zeros(len(y), dtype=int)  # step[i]: sign of y[i] - y[i-1] within a series, 0 at its start
    step[1:] = np.where(valid, np.sign(np.diff(y)), 0)
    up, down = _run_length(step == 1), _run_length(step == -1)
    trend_end = (up >= TREND - 1) | (down >= TREND - 1)
    in_trend = _part_of(trend_end, TREND)
    right = np.append(step[1:], 0) * ~last  # the step to the next point of the same series
    both = in_trend & np.append(in_trend[1:], False) & ~last
    trend_side = np.where(both, right, step)
    run_len = _side_run(rtm, first)
    in_run = _part_of(run_len >= RUN, RUN)
    in_two = _two_in_three(close, rtm, g)
    above = np.where(rtm > 0, 1, -1)
    checks = (
        (outside, np.where(rtm == 1, 1, -1)),
        (in_trend, np.where(trend_side == 1, 1, -1)),
        (in_two, above),
        (in_run, above),
    )
    rule_code = np.full(len(y), -1)
    side = np.zeros(len(y), dtype=int)
    free = has_limits.copy()
    for code, (hit, where) in enumerate(checks):
        new = hit & free
        rule_code[new] = code
        side[new] = where[new]
        free &= ~new

    # --- labels, icons
    dir_g = np.array([_DIRECTION[d] for d in direction], dtype=int)
    good = side * np.where(dir_g[g] == 0, 1, dir_g[g])
    neutral = dir_g[g] == 0
    special = np.full(len(y), None, dtype=object)
    special[(good > 0) & ~neutral] = "improvement"
    special[(good < 0) & ~neutral] = "concern"
    special[(side != 0) & neutral] = "neutral"
    rules = np.array(list(RULES) + [None], dtype=object)[rule_code]
    sides = np.full(len(y), None, dtype=object)
    sides[side > 0], sides[side < 0] = "high", "low"
    trial_g = counts < TRIAL_BELOW
    # object dtype keeps None (pandas 3 would make a str column with NaN of str/None)
    points = pd.DataFrame({"mean": mean, "lower": lower, "upper": upper,
                           "rule": pd.Series(rules, dtype=object), "side": pd.Series(sides, dtype=object),
                           "special_cause": pd.Series(special, dtype=object), "trial_limits": trial_g[g]})
    series = _series_summary(points, last, g, n_series, counts, dir_g, np.asarray(target, dtype=float),
                             mean_g, amr_g, trial_g)
    return points, series


def _side_run(rtm: np.ndarray, first: np.ndarray) -> np.ndarray:
    """Length of the run of points on one side of the mean ending at each point (0 on the mean),
    reset at each series' first point."""
    cont = np.zeros(len(rtm), dtype=bool)
    cont[1:] = (rtm[1:] == rtm[:-1]) & (rtm[1:] != 0)
    cont &= ~first
    return np.where(rtm != 0, _run_length(cont) + 1, 0)


def _two_in_three(close: np.ndarray, rtm: np.ndarray, g: np.ndarray) -> np.ndarray:
    """spc.two_in_three for every series: a close point in a window of 3 consecutive points of
    one series, all on one side of the mean, with at least 2 close."""
    n = len(close)
    ok = np.zeros(n, dtype=bool)  # ok[k]: the window k, k+1, k+2
    if n >= 3:
        c = close.astype(int)
        window_close = c[:-2] + c[1:-1] + c[2:]
        window_side = np.abs(rtm[:-2] + rtm[1:-1] + rtm[2:])
        ok[:-2] = (window_close >= 2) & (window_side == 3) & (g[:-2] == g[2:])
    inside = ok.copy()
    inside[1:] |= ok[:-1]
    inside[2:] |= ok[:-2]
    return inside & close


def _series_summary(points, last, g, n_series, counts, dir_g, target, mean_g, amr_g, trial_g) -> pd.DataFrame:
    """Per series: the variation icon of its latest point and the assurance icon of its limits
    (spc.variation_icon, spc.assurance_icon)."""
    tail = points[last]
    special = tail["special_cause"].to_numpy(dtype=object)
    side = tail["side"].to_numpy(dtype=object)
    variation = np.array(["common_cause" if s is None else f"{s}_{h}" for s, h in zip(special, side)],
                         dtype=object)
    upper, lower = mean_g + LIMIT * amr_g, mean_g - LIMIT * amr_g
    has = ~np.isnan(amr_g) & np.isfinite(target) & (dir_g != 0)
    with np.errstate(invalid="ignore"):
        above, below = target > upper, target < lower
    inc = dir_g == 1
    assurance = np.where(above, np.where(inc, "consistent_fail", "consistent_pass"),
                         np.where(below, np.where(inc, "consistent_pass", "consistent_fail"), "inconsistent"))
    assurance = np.where(has, assurance, None).astype(object)
    icons = np.full(n_series, None, dtype=object)
    icons[np.unique(g)] = variation
    return pd.DataFrame({"n_points": counts.astype(int), "variation_icon": pd.Series(icons, dtype=object),
                         "assurance_icon": pd.Series(assurance, dtype=object), "trial_limits": trial_g})
