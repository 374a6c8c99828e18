"""The SPC trends page's series as a person may see them (issue #12's display boundary on the
``spc_points`` mart of issue #14).

Every period of an SPC chart is a breakdown (by month or week), so no point is national, a
nation's included (docs/methods.md "Disclosure control"). Each point passes
:func:`ui.disclosure.protect` as on the other pages:

- the count (patient questions) is rounded to 5, 1–7 hidden;
- a share (answered, within target, signposting, compassion) or a rate per 1,000 staff posts is
  recomputed from the rounded numerator and denominator (:class:`ui.disclosure.Share`,
  :class:`ui.disclosure.Rate`), hidden over a hidden count;
- a median wait comes from the period's histogram whose cumulative answered and open counts are
  rounded to 5 (:func:`ui.disclosure.km_rounded`, as Response times), hidden over 1–7
  questions or answers; no point where that median is not reached.

The mean, the process limits, the special causes and the MDC icons are then those of the shown
values (:func:`warehouse.spc_many.xmr_many`, the mart's arithmetic, over the points that are shown): drawn from exact values,
the mean line times the number of points gave back a unit's exact total, and a limit pair its
exact average moving range. Hidden points are gaps and take no part in the limits.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ui import disclosure
from warehouse import spc_many, spc_queries, stats
from warehouse.measures import ENGLAND, COUNT, MEASURES, PER_1000, SECONDS, SHARE, improvement_direction

MEDIAN_CLOCKS = {"median_wait": "calendar", "median_wait_service": "service"}
XMR_COLUMNS = ("mean", "lower", "upper", "special_cause", "rule", "side")


def shown_series(cursor, filters=None, unit_type: str = "nation", unit_code: str = ENGLAND,
                 grain: str = "month") -> pd.DataFrame:
    """:func:`warehouse.spc_queries.spc_series` as shown: ``value`` from the shown counts (NaN
    where hidden, ``suppressed`` true there), and the XmR columns and icons recomputed from the
    shown values. Called like a query (``data.query``, ``data.figure``)."""
    points = spc_queries.spc_series(cursor, filters, unit_type=unit_type, unit_code=unit_code, grain=grain)
    if points.empty:
        return points
    medians = rounded_medians(spc_queries.spc_histograms(cursor, filters, unit_type=unit_type,
                                                         unit_code=unit_code, grain=grain))
    return with_xmr(pd.concat([protected(rows, measure, medians) for measure, rows in points.groupby("measure")],
                              ignore_index=True))


def rounded_medians(histograms: pd.DataFrame) -> pd.DataFrame:
    """period_start, clock, median_s: each period's and clock's median wait from its histogram
    with cumulative counts rounded to 5 (NaN where not reached)."""
    empty = pd.DataFrame({"period_start": pd.to_datetime([]), "clock": [], "median_s": []})
    if histograms.empty:
        return empty
    keyed = histograms.assign(group_code=histograms["period_start"].astype(str) + "|" + histograms["clock"])
    rounded = disclosure.km_rounded(keyed[["group_code", "bin_s", "events", "censored"]])
    found = stats.km_medians(rounded, ["group_code"])
    if found.empty:
        return empty
    parts = found["group_code"].str.split("|", n=1, expand=True)
    return pd.DataFrame({"period_start": pd.to_datetime(parts[0]), "clock": parts[1],
                         "median_s": found["median_s"].to_numpy(dtype=float)})


def protected(rows: pd.DataFrame, measure: str, medians: pd.DataFrame) -> pd.DataFrame:
    """One measure's points with ``value`` as shown (see the module docstring)."""
    rows = rows.sort_values("period_start", ignore_index=True)
    unit = MEASURES[measure].unit
    if unit == COUNT:
        out = disclosure.protect(rows, ["events"], groups=None, marker=None)
        value = out["events"]
    elif unit in (SHARE, PER_1000):
        figure = (disclosure.Share("events", "n", "value") if unit == SHARE
                  else disclosure.Rate("events", "n", "value", per=1000))
        value = disclosure.protect(rows, [], [figure], groups=None, marker=None)["value"]
    elif unit == SECONDS:
        mine = medians[medians["clock"] == MEDIAN_CLOCKS[measure]]
        at = pd.to_datetime(rows["period_start"]).map(dict(zip(mine["period_start"], mine["median_s"])))
        value = disclosure.protect(rows.assign(value=at.to_numpy(dtype=float)), [], over={"value": ["n", "events"]},
                                   groups=None, marker=None)["value"]
    else:  # pragma: no cover - every headline measure has one of the units above
        raise ValueError(f"no display rule for {measure}")
    value = pd.array(value, dtype="Float64").to_numpy(dtype=float, na_value=np.nan)
    return rows.assign(value=value, suppressed=np.isnan(value))


def with_xmr(rows: pd.DataFrame) -> pd.DataFrame:
    """The XmR columns, trial mark and icons of the shown points of every measure at once
    (:func:`warehouse.spc_many.xmr_many`, the mart's arithmetic; None/NaN on hidden points)."""
    rows = rows.sort_values(["measure", "period_start"], ignore_index=True)
    shown = ~rows["suppressed"].to_numpy(dtype=bool)
    part = rows[shown]
    gid = part.groupby("measure", sort=True).ngroup().to_numpy()
    measures = sorted(set(part["measure"]))
    last_target = part.groupby("measure", sort=True)["target"].last()
    points, series = spc_many.xmr_many(gid, part["value"].to_numpy(dtype=float),
                                       np.array([improvement_direction(m) for m in measures], dtype=object),
                                       last_target.reindex(measures).to_numpy(dtype=float))
    out = rows.copy()
    for column in XMR_COLUMNS + ("trial_limits",):
        values = np.full(len(rows), np.nan if column in ("mean", "lower", "upper") else None, dtype=object)
        values[shown] = points[column].to_numpy(dtype=object)
        out[column] = pd.Series(values).astype(float) if column in ("mean", "lower", "upper") else values
    summary = series.set_index(pd.Index(measures)) if len(measures) else series
    for column in ("n_points", "variation_icon", "assurance_icon"):
        out[column] = out["measure"].map(summary[column]) if len(measures) else None
    out["n_points"] = out["n_points"].fillna(0).astype("int64")
    out["trial_limits"] = out["measure"].map(summary["trial_limits"]).fillna(True).astype(bool) \
        if len(measures) else True
    return out
