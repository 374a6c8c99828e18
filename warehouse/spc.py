"""Statistical process control (XmR charts) the NHS way: pure functions, numpy/pandas only.

NHS England's *Making Data Count* (MDC) asks boards to read a measure over time as an XmR
chart with its special-cause rules and two summary icons. This module computes that chart
exactly as NHSRplotthedots does (the NHS-R Community's R package, the reference
implementation of MDC; version 0.2.2 on CRAN, code read at nhs-r-community/NHSRplotthedots
R/ptd_spc_standard.R @8aac3239, R/ptd_calculate_point_type.R and
R/ptd_calculate_assurance_type.R @f7891af4, R/ptd_add_short_group_warnings.R @c7fbaae5,
R/geom_ptd_icon.R and R/ptd_spc.R @24745e75). Tests reproduce its published numbers.

Why our own code and not a library
-----------------------------------
* ``abspc`` (PyPI 1.1.0, June 2026, one health board's repo; abspc/spc.py @14a91acc read in
  full) differs from MDC where it matters: its shift rule needs 8 points and its trend 6,
  not 7 and 7; it never screens moving ranges; it has no baseline (fix after n points) and
  rebases only automatically on a detected shift; its variation icon follows the last
  special-cause point anywhere, not the latest point; its assurance uses ``<=``; and its
  package imports matplotlib.
* ``clinical-qikit``: 0.5.0, the only version our package index serves, has qicharts2's
  rules (Anhøj, IHI 8/6, WECO, Nelson) but no MDC rules or icons, and requires plotly; its
  1.x releases advertise MDC rules but cannot be installed here, so could not be checked.
* statprocon gives XmR numbers without rules; pyspc applies Western Electric rules; the NHS
  Python Community's gist port of NHSRplotthedots (pandas_spc_calculations.py, 2023,
  v0.0.1) is unmaintained and has the run rule's "not on the mean" check commented out.

So this module implements the ~150 lines of arithmetic itself, with NHSRplotthedots' names,
and its tests pin the published examples.

What is computed (per segment: the points between two rebase dates)
--------------------------------------------------------------------
* **Limits.** mean and average moving range (mR-bar) of the segment's points (or its first
  ``fix_after_n_points``: a baseline, then fixed); process limits = mean ± 2.66 × mR-bar.
  With ``screen_outliers`` (NHSRplotthedots' default) moving ranges ≥ 3.267 × mR-bar are
  dropped and mR-bar is recomputed once (Nelson 1982).
* **Rules**, tested within a segment, first match wins (NHSRplotthedots' order):
  1. ``beyond_limit``: a point above the upper or below the lower process limit;
  2. ``trend``: 7 points each strictly higher (or lower) than the one before (6 rises; a tie
     breaks the trend); all 7 flagged. The side of a point in a trend is the direction of
     the trend it belongs to (the step to its right when the next point is in a trend too);
  3. ``two_in_three``: 2 of 3 consecutive points *between* 2/3 of the way to a limit and the
     limit, with all 3 points on the same side of the mean; only the close points flagged;
  4. ``run``: 7 points in a row on the same side of the mean (a point on the mean breaks
     it); all 7 flagged.
* **special_cause**: ``improvement`` or ``concern`` by the measure's good direction
  (``increase``/``decrease``), ``neutral`` when it has none, ``None`` for common cause.
* **Variation icon**: from the latest point: ``common_cause``, ``improvement_high|low``,
  ``concern_high|low``, ``neutral_high|low`` (NHSRplotthedots' icon names).
* **Assurance icon** against a target, from the latest segment's limits, ``None`` without a
  target or a direction: ``consistent_fail`` when the target lies beyond the limit on the
  good side (never reached), ``consistent_pass`` when it lies beyond the limit on the bad
  side (always met), else ``inconsistent`` (hit and miss).
* **Trial limits**: a segment with fewer than 13 points has trial limits (NHSRplotthedots'
  code default ``ptd_spc.warning_threshold`` = 13; MDC's Excel tool also shows limits and
  icons only from 13 points). The package's warning text and docs say "n < 12": its code,
  and its vignette's 12-point segments captioned as trial limits, say 13; we follow the code.

Where MDC guidance and NHSRplotthedots differ (we follow NHSRplotthedots)
---------------------------------------------------------------------------
* MDC's Excel tools do not screen moving ranges; pass ``screen_outliers=False`` to match them.
* Since late 2023 MDC's tools count points *beyond* the limit towards "2 of 3" as well
  (NHSRplotthedots issue #194); NHSRplotthedots, and so this module, counts only points
  between 2σ and 3σ.
* MDC's tool lets a user pick 6 or 7 points for runs and trends; NHSRplotthedots uses 7.
* When one point meets rules pointing both ways, MDC's tool shows improvement; here the
  first rule in the order above decides.
* Our own deviations, where NHSRplotthedots gives no usable answer: a segment whose moving
  ranges are all 0 gets zero-width limits at its mean (NHSRplotthedots' screen drops every
  range and returns NaN limits); a one-point segment has no limits and no special cause; the
  assurance icon is ``None`` when the latest segment has no limits.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view

LIMIT = 2.66  # 3 / d2 (d2 = 1.128 for moving ranges of 2), as MDC rounds it
CLOSE = 2 * LIMIT / 3  # "two-thirds of the way to a limit" (2σ)
SCREEN = 3.267  # D4 for n = 2: the upper limit of the moving-range chart
RUN = 7  # points on one side of the mean
TREND = 7  # points rising or falling (6 steps)
TRIAL_BELOW = 13  # segments with fewer points have trial limits
MIN_FIX = 12  # NHSRplotthedots refuses a baseline of fewer points
DIRECTIONS = ("increase", "decrease", "neutral")
SPECIAL_CAUSES = ("improvement", "concern", "neutral")
RULES = ("beyond_limit", "trend", "two_in_three", "run")
VARIATION_ICONS = ("common_cause", "improvement_high", "improvement_low", "concern_high",
                   "concern_low", "neutral_high", "neutral_low")
ASSURANCE_ICONS = ("consistent_pass", "consistent_fail", "inconsistent")
POINT_COLUMNS = ("period_start", "value", "mean", "lower", "upper", "special_cause", "rule",
                 "side", "segment", "trial_limits")
SPC_POINTS_COLUMNS = ("unit_type", "unit_code", "measure", "period_start", "value", "mean",
                      "lower", "upper", "special_cause", "variation_icon", "assurance_icon")


@dataclass(frozen=True)
class Chart:
    """One XmR chart: a row per period (``POINT_COLUMNS``) and the series' summary."""

    points: pd.DataFrame
    variation_icon: str | None
    assurance_icon: str | None
    n_points: int
    trial_limits: bool

    def summary(self) -> dict:
        """Icons plus the limits in force now (the latest segment's), for a scorecard row."""
        last = self.points.iloc[-1] if len(self.points) else None
        return {
            "variation_icon": self.variation_icon, "assurance_icon": self.assurance_icon,
            "n_points": self.n_points, "trial_limits": self.trial_limits,
            "mean": None if last is None else _num(last["mean"]),
            "lower": None if last is None else _num(last["lower"]),
            "upper": None if last is None else _num(last["upper"]),
        }


def _num(x) -> float | None:
    return None if pd.isna(x) else float(x)


# ------------------------------------------------------------------------------- limits
def process_limits(values, fix_after_n_points: int | None = None,
                   screen_outliers: bool = True) -> tuple[float, float]:
    """(mean, mR-bar) of one segment; mR-bar is NaN with fewer than 2 baseline points."""
    base = np.asarray(values, dtype=float)[:fix_after_n_points]
    mean = float("nan")
    if base.size:  # R's mean(): a second pass corrects rounding, so mean(c(v, v, v)) == v
        mean = float(base.mean())
        mean += float((base - mean).mean())
    mr = np.abs(np.diff(base))
    if mr.size == 0:
        return mean, float("nan")
    amr = float(mr.mean())
    if screen_outliers and amr > 0:  # amr == 0: every range is 0, nothing to screen
        amr = float(mr[mr < SCREEN * amr].mean())
    return mean, amr


# -------------------------------------------------------------------------------- rules
def _part_of(ends: np.ndarray, length: int) -> np.ndarray:
    """Mark every point of a pattern given a mark on its last point (ptd_part_of_seven_trend)."""
    padded = np.concatenate([ends != 0, np.zeros(length - 1, dtype=bool)])
    return sliding_window_view(padded, length).any(axis=1)


def run_ends(rtm: np.ndarray, length: int = RUN) -> np.ndarray:
    """1 where a point ends `length` points on one side of the mean
    (ptd_seven_point_one_side_mean); a point on the mean (rtm 0) is on neither side."""
    out = np.zeros(len(rtm), dtype=int)
    if len(rtm) >= length:
        w = sliding_window_view(rtm, length)
        out[length - 1:] = ((w == w[:, -1:]).all(axis=1) & (w[:, -1] != 0)).astype(int)
    return out


def trend_ends(y: np.ndarray, length: int = TREND) -> np.ndarray:
    """+1/−1 where a point ends `length` strictly rising/falling points (ptd_seven_point_trend);
    a tie breaks a trend."""
    out = np.zeros(len(y), dtype=int)
    if len(y) >= length:
        steps = np.sign(sliding_window_view(np.diff(y), length - 1))
        out[length - 1:] = np.where((steps == 1).all(axis=1), 1,
                                    np.where((steps == -1).all(axis=1), -1, 0))
    return out


def two_in_three(close: np.ndarray, rtm: np.ndarray) -> np.ndarray:
    """True where a close point is among 3 consecutive points, all on one side of the mean,
    of which at least 2 are close (ptd_two_in_three then ptd_part_of_two_in_three)."""
    c = np.concatenate([[0, 0], close.astype(int), [0, 0]])
    r = np.concatenate([[0, 0], rtm, [0, 0]])
    two_close = sliding_window_view(c, 3).sum(axis=1) >= 2
    one_side = np.abs(sliding_window_view(r, 3).sum(axis=1)) == 3
    ok = two_close & one_side
    in_window = sliding_window_view(ok, 3).any(axis=1)  # windows starting at i-2, i-1, i
    return in_window & close.astype(bool)


def _trend_sides(y: np.ndarray, part: np.ndarray) -> np.ndarray:
    """Direction of the trend a point belongs to: the step to its right if the next point is
    in a trend too, else the step to its left (ptd_special_cause_type's ``sdy``)."""
    steps = np.sign(np.diff(y))
    right = np.append(steps, 0)
    left = np.insert(steps, 0, 0)
    both = part & np.append(part[1:], False)
    return np.where(both, right, left)


def classify(y, mean: float, amr: float) -> tuple[np.ndarray, np.ndarray]:
    """Rule (``RULES`` or None) and side (+1 high, −1 low, 0) of each point of one segment."""
    y = np.asarray(y, dtype=float)
    n = len(y)
    rule = np.full(n, None, dtype=object)
    side = np.zeros(n, dtype=int)
    if n == 0 or np.isnan(amr):
        return rule, side
    rtm = np.sign(y - mean).astype(int)
    outside = (y > mean + LIMIT * amr) | (y < mean - LIMIT * amr)
    close = ~outside & ((y < mean - CLOSE * amr) | (y > mean + CLOSE * amr))
    in_trend = _part_of(trend_ends(y), TREND)
    above = np.where(rtm > 0, 1, -1)
    checks = (
        ("beyond_limit", outside, np.where(rtm == 1, 1, -1)),
        ("trend", in_trend, np.where(_trend_sides(y, in_trend) == 1, 1, -1)),
        ("two_in_three", two_in_three(close, rtm), above),
        ("run", _part_of(run_ends(rtm), RUN), above),
    )
    free = np.ones(n, dtype=bool)
    for name, hit, where in checks:  # the first rule that a point meets names it
        new = hit & free
        rule[new] = name
        side[new] = where[new]
        free &= ~new
    return rule, side


def special_cause(side: np.ndarray, improvement_direction: str) -> np.ndarray:
    """'improvement' / 'concern' / 'neutral' / None for each point's side."""
    if improvement_direction == "neutral":
        return _labels(side, "neutral", "neutral")
    good = side * (1 if improvement_direction == "increase" else -1)
    return _labels(good, "improvement", "concern")


def _labels(sign: np.ndarray, positive: str, negative: str) -> np.ndarray:
    """Object array: `positive` where sign > 0, `negative` where < 0, None where 0."""
    out = np.full(len(sign), None, dtype=object)
    out[sign > 0] = positive
    out[sign < 0] = negative
    return out


def variation_icon(special: str | None, side: int) -> str:
    """MDC variation icon of the latest point, e.g. 'concern_low' (NHSRplotthedots'
    ptd_get_icons: improvement/concern/neutral plus the side the signal is on)."""
    if special is None or pd.isna(special):
        return "common_cause"
    return f"{special}_{'high' if side > 0 else 'low'}"


def assurance_icon(lower: float, upper: float, target: float | None,
                   improvement_direction: str) -> str | None:
    """MDC assurance icon: can the process, as it runs now, be relied on to meet `target`?"""
    if target is None or improvement_direction == "neutral" or np.isnan(lower) or np.isnan(upper):
        return None
    increase = improvement_direction == "increase"
    if target > upper:
        return "consistent_fail" if increase else "consistent_pass"
    if target < lower:
        return "consistent_pass" if increase else "consistent_fail"
    return "inconsistent"


# -------------------------------------------------------------------------------- chart
def _check_options(improvement_direction: str, fix_after_n_points) -> None:
    if improvement_direction not in DIRECTIONS:
        raise ValueError(f"improvement_direction must be one of {DIRECTIONS}, "
                         f"not {improvement_direction!r}")
    n = fix_after_n_points
    whole = isinstance(n, (int, np.integer)) and not isinstance(n, bool)
    if n is not None and (not whole or n < MIN_FIX):
        raise ValueError(f"fix_after_n_points must be a whole number >= {MIN_FIX} (or None), "
                         f"not {fix_after_n_points!r}")


def _series(periods, values) -> pd.DataFrame:
    """Sorted (period_start, value) with clear errors for what an XmR chart cannot take."""
    p = pd.to_datetime(pd.Series(list(periods), dtype=object))
    v = pd.to_numeric(pd.Series(list(values), dtype=object), errors="coerce").astype(float)
    if len(p) != len(v):
        raise ValueError(f"periods ({len(p)}) and values ({len(v)}) differ in length")
    df = pd.DataFrame({"period_start": p, "value": v}).sort_values("period_start", kind="stable")
    if df["period_start"].isna().any():
        raise ValueError("periods contain a missing date")
    dup = df["period_start"][df["period_start"].duplicated()]
    if len(dup):
        raise ValueError(f"duplicate periods: {sorted(set(dup.dt.date.astype(str)))}")
    bad = df["period_start"][~np.isfinite(df["value"])]
    if len(bad):
        raise ValueError("values must be finite numbers; missing or not numeric at "
                         f"{list(bad.dt.date.astype(str))} (drop or fill them first)")
    return df.reset_index(drop=True)


def _segment(y: np.ndarray, fix_after_n_points: int | None, screen_outliers: bool,
             trial_below: int) -> pd.DataFrame:
    """Limits, rule and side of the points of one segment (a rebase group)."""
    mean, amr = process_limits(y, fix_after_n_points, screen_outliers)
    rule, side = classify(y, mean, amr)
    n = len(y)
    return pd.DataFrame({
        "mean": np.full(n, mean), "lower": np.full(n, mean - LIMIT * amr),
        "upper": np.full(n, mean + LIMIT * amr), "rule": pd.Series(rule, dtype=object),
        "side": side, "trial_limits": np.full(n, n < trial_below),
    })


def xmr(periods, values, *, improvement_direction: str = "increase",
        target: float | None = None, rebase: Iterable = (),
        fix_after_n_points: int | None = None, screen_outliers: bool = True,
        trial_below: int = TRIAL_BELOW) -> Chart:
    """The MDC XmR chart of one series (one unit, one measure), NHSRplotthedots' ``ptd_spc``.

    `periods`: the period start of each value (dates; any order, no duplicates, no gaps
    filled in for you). `rebase`: dates at which limits are recalculated (a date that is not
    one of the periods is ignored, as in NHSRplotthedots). `fix_after_n_points`: compute each
    segment's limits from its first n points only (n >= 12). `target` feeds the assurance icon.
    """
    _check_options(improvement_direction, fix_after_n_points)
    df = _series(periods, values)
    starts = list(pd.to_datetime(pd.Series(list(rebase), dtype=object)))
    seg = df["period_start"].isin(starts).cumsum().to_numpy()
    df["segment"] = seg - (seg[0] if len(seg) else 0)
    parts = [_segment(part["value"].to_numpy(), fix_after_n_points, screen_outliers, trial_below)
             for _, part in df.groupby("segment", sort=True)]
    if not parts:
        return Chart(pd.DataFrame(columns=list(POINT_COLUMNS)), None, None, 0, True)
    df = pd.concat([df, pd.concat(parts, ignore_index=True)], axis=1)
    sides = df["side"].to_numpy(dtype=int)
    # object dtype keeps None (pandas 3 would make a str column with NaN of str/None)
    df["special_cause"] = pd.Series(special_cause(sides, improvement_direction), dtype=object)
    df["side"] = pd.Series(_labels(sides, "high", "low"), dtype=object)
    points = df[list(POINT_COLUMNS)]
    last = points.iloc[-1]
    return Chart(
        points=points,
        variation_icon=variation_icon(last["special_cause"], int(sides[-1])),
        assurance_icon=assurance_icon(float(last["lower"]), float(last["upper"]), target,
                                      improvement_direction),
        n_points=len(points),
        trial_limits=bool(last["trial_limits"]),
    )


# ------------------------------------------------------------------- many series at once
def spc_points(frame: pd.DataFrame, directions: Mapping[str, str], *,
               targets: Mapping[str, float] | None = None,
               rebase: Mapping[tuple, Sequence] | None = None,
               keys: Sequence[str] = ("unit_type", "unit_code", "measure"),
               measure_col: str = "measure", period_col: str = "period_start",
               value_col: str = "value", **options) -> pd.DataFrame:
    """Rows for an ``spc_points`` table: one XmR chart per `keys` group of a long `frame`.

    `directions` and `targets` are keyed by measure (the one table of good directions and
    targets); `rebase` by the group's key tuple. Returns ``SPC_POINTS_COLUMNS`` (with `keys`
    in place of the first three) followed by ``rule``, ``side``, ``segment`` and
    ``trial_limits``. `options` pass to :func:`xmr` (fix_after_n_points, screen_outliers, ...).
    """
    missing = [c for c in (*keys, measure_col, period_col, value_col) if c not in frame.columns]
    if missing:
        raise ValueError(f"frame lacks column(s) {missing}")
    out = []
    for key, part in frame.groupby(list(keys), sort=True, dropna=False):
        measure = part[measure_col].iloc[0]
        if measure not in directions:
            raise ValueError(f"no improvement direction for measure {measure!r}")
        try:
            chart = xmr(part[period_col], part[value_col],
                        improvement_direction=directions[measure],
                        target=(targets or {}).get(measure),
                        rebase=(rebase or {}).get(key, ()), **options)
        except ValueError as exc:
            raise ValueError(f"series {dict(zip(keys, key))}: {exc}") from exc
        pts = chart.points.assign(
            variation_icon=pd.Series([chart.variation_icon] * chart.n_points, dtype=object),
            assurance_icon=pd.Series([chart.assurance_icon] * chart.n_points, dtype=object))
        for col, val in zip(keys, key):
            pts.insert(0, col, val)
        out.append(pts)
    cols = [*keys, *SPC_POINTS_COLUMNS[3:], "rule", "side", "segment", "trial_limits"]
    if not out:
        return pd.DataFrame(columns=cols)
    return pd.concat(out, ignore_index=True)[cols]
