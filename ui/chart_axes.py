"""Axes and bands the chart builders share (issue #15, section 3: charts that fail gracefully).

Pure functions returning plotly layout or trace dicts (see :mod:`ui.charts`): a count axis that
never reads "-1, -1, 0, 1", a time axis that reads as a date when there is one period, and a
shaded interval that stops at gaps.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

HALF_PERIOD = {"day": pd.Timedelta(hours=12), "week": pd.Timedelta(days=3.5), "month": pd.Timedelta(days=15)}


def count_axis(values, labels_outside: bool = False) -> dict:
    """A count axis from 0 in whole numbers: always from 0 (``rangemode="tozero"``; plotly's
    "nonnegative" autoranged a line of 40-60 questions a week from 40, which made a change look
    far larger than it was: user tryout, Patient questions). Small counts get a tick per unit: plotly's own
    ticks over 0-1 are fractions, which ",d" prints as "-1, -1, 0, 1" (issue #15, section 3).
    ``labels_outside``: bars labelled beyond their end get room for the label (plotly sizes
    the axis to the bars, and the longest bar's label was cut off at the chart's edge)."""
    finite = np.asarray(values, dtype=float)
    finite = finite[np.isfinite(finite)]
    top = float(finite.max()) if finite.size else 0.0
    axis = dict(tickformat=",d", rangemode="tozero")
    if top < 5:
        return axis | dict(range=[0, max(top, 1) * 1.15], dtick=1)
    return axis | (dict(range=[0, top * 1.18]) if labels_outside else {})


def time_axis(periods, grain: str) -> dict:
    """A time axis in the grain's date format. With a single period plotly would pick a
    sub-second range around it ("23:59:59.9996"): the axis then spans that one period and
    has one tick, its date (issue #15, section 3)."""
    fmt = date_format(grain)
    unique = pd.to_datetime(pd.Series(list(periods))).dropna().unique()
    if len(unique) != 1:
        return dict(tickformat=fmt)
    at = pd.Timestamp(unique[0])
    half = HALF_PERIOD.get(grain, HALF_PERIOD["day"])
    return dict(tickformat=fmt, range=[at - half, at + half], tickvals=[at], ticktext=[at.strftime(fmt)])


def band(x, low, high, name: str = "95% CI") -> list[dict]:
    """A shaded interval drawn only where both ends are shown: one closed shape per run of
    shown periods, never across a gap (a fill between two traces would bridge it)."""
    x, low, high = list(x), np.asarray(low, dtype=float), np.asarray(high, dtype=float)
    shown = np.isfinite(low) & np.isfinite(high)
    traces, start = [], None
    for i in range(len(x) + 1):
        if i < len(x) and shown[i]:
            start = i if start is None else start
            continue
        if start is not None:
            xs = x[start:i]
            traces.append(dict(type="scatter", x=xs + xs[::-1], y=list(high[start:i]) + list(low[start:i])[::-1],
                               mode="lines", fill="toself", fillcolor="rgba(32,115,188,0.15)",
                               line=dict(width=0), hoverinfo="skip", name=name, legendgroup="band",
                               showlegend=not traces))
            start = None
    return traces


def date_format(grain: str) -> str:
    """The d3 date format of a time series' ticks and tooltips at ``grain``."""
    return "%-d %b %Y" if grain != "month" else "%b %Y"
