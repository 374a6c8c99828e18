"""SPC (Making Data Count) charts and icons: pure functions from ``spc_points`` rows (the
query :func:`warehouse.spc_queries.spc_series`) to a plotly figure or to words.

Built like :mod:`ui.charts` (plain dicts wrapped once, unvalidated; tests/test_spc_charts.py
validates every figure in full). MDC's colours: grey for common cause, blue for improvement,
orange for concern, purple for a signal on a measure with no good direction; never colour
alone: each kind of point has its own marker shape and its words in the tooltip and legend.
MDC's icons are images; :func:`variation_words` and :func:`assurance_words` give the same
meaning as a small symbol, a colour name and words, for the page, alerts and digests.

Small numbers: the SPC page draws :func:`ui.spc_shown.shown_series` (every value from the shown
counts, the mean, limits and icons from the shown values); a point marked ``suppressed`` is
drawn without its value (a gap), and counts are rounded to the nearest 5
(ui.disclosure.shown_count), as everywhere.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from ui import disclosure, formats, palette
from warehouse.measures import COUNT, HOUR_S, MEASURES, PER_1000, SECONDS, SHARE
from warehouse.spc import TRIAL_BELOW

# MDC meanings in ui.palette colours (each 3:1 or more on white; blue and orange, never red and green)
GREY, BLUE, ORANGE, PURPLE, INK = (palette.GREY, palette.FAVOURABLE, palette.UNFAVOURABLE,
                                   palette.NEUTRAL_SIGNAL, palette.INK)
FONT = dict(family="Frutiger, Arial, sans-serif", size=13, color=palette.INK)
# kind of point -> (legend words, colour, marker shape)
POINTS = {
    "common": ("Common cause", GREY, "circle"),
    "improvement": ("Special cause: improving", BLUE, "diamond"),
    "concern": ("Special cause: concerning", ORANGE, "square"),
    "neutral": ("Special cause: neither better nor worse", PURPLE, "triangle-up"),
}
# MDC variation icon -> (symbol, Streamlit badge colour, words)
VARIATION = {
    "common_cause": ("●", "gray", "Common cause – no significant change"),
    "improvement_high": ("▲", "blue", "Special cause – improving – high"),
    "improvement_low": ("▼", "blue", "Special cause – improving – low"),
    "concern_high": ("▲", "orange", "Special cause – concerning – high"),
    "concern_low": ("▼", "orange", "Special cause – concerning – low"),
    "neutral_high": ("▲", "violet", "Special cause – neither improving nor concerning – high"),
    "neutral_low": ("▼", "violet", "Special cause – neither improving nor concerning – low"),
}
ASSURANCE = {
    "consistent_pass": ("P", "blue", "Assurance – consistently passing the target"),
    "consistent_fail": ("F", "orange", "Assurance – consistently failing the target"),
    "inconsistent": ("?", "gray", "Assurance – hit and miss: the target may or may not be met"),
}
GRAIN_WORDS = {"month": ("Month", "months"), "week": ("Week starting (Monday)", "weeks")}


def variation_words(icon) -> tuple[str, str, str]:
    """(symbol, colour name, words) of an MDC variation icon; none: ('–', 'gray', 'No chart')."""
    return VARIATION.get(icon if isinstance(icon, str) else "", ("–", "gray", "No chart: too few points"))


def assurance_words(icon) -> tuple[str, str, str] | None:
    """(symbol, colour name, words) of an MDC assurance icon; None without a target."""
    return ASSURANCE.get(icon) if isinstance(icon, str) else None


def value_text(measure: str, value, national: bool = True) -> str:
    """One value of a headline measure in words: '62%', '14 h 5 min', '3.1 per 1,000', '95';
    below national level a count is rounded to 5 (the caller hides suppressed values)."""
    if value is None or pd.isna(value):
        return "—"
    unit = MEASURES[measure].unit
    if unit == SHARE:
        return f"{value:.0%}"
    if unit == SECONDS:
        return formats.duration(value, service=measure.endswith("_service"))
    if unit == PER_1000:
        return f"{value:,.1f} per 1,000"
    return formats.count(disclosure.shown_count(int(round(value)), national=national))


def shown_values(frame: pd.DataFrame, measure: str, national: bool) -> np.ndarray:
    """The values a person may see, in the chart's unit: NaN where suppressed (below national
    level), counts rounded to the nearest 5 below national level, seconds as hours."""
    values = frame["value"].to_numpy(dtype=float).copy()
    if not national:
        values[frame["suppressed"].fillna(False).to_numpy(dtype=bool)] = np.nan
        if MEASURES[measure].unit == COUNT:
            shown = [None if np.isnan(v) else disclosure.shown_count(int(round(v))) for v in values]
            values = np.array([np.nan if v is None or v == disclosure.SUPPRESSED else float(v) for v in shown])
    return _scaled(values, measure)


def _scaled(values: np.ndarray, measure: str) -> np.ndarray:
    return values / HOUR_S if MEASURES[measure].unit == SECONDS else values


def _axis(measure: str) -> tuple[str, dict]:
    m = MEASURES[measure]
    if m.unit == SHARE:
        return m.label, dict(tickformat=".0%", hoverformat=".1%")
    if m.unit == SECONDS:
        return f"{m.label} (hours)", dict(tickformat=",.1f", hoverformat=",.1f")
    if m.unit == PER_1000:
        return m.label, dict(tickformat=",.1f", hoverformat=",.1f")
    return m.label, dict(tickformat=",d", hoverformat=",d")


def xmr_chart(frame: pd.DataFrame, measure: str = "questions", national: bool = False,
              grain: str = "month") -> go.Figure:
    """The XmR chart of one measure from :func:`warehouse.spc_queries.spc_series` rows (all
    measures of a unit; this one is picked): the values, the mean, the process limits (dotted
    and named "trial limits" with fewer than 13 points), the assurance target, and each point
    coloured and shaped by its kind. ``national``: a nation's chart (nothing suppressed)."""
    rows = frame[frame["measure"] == measure].sort_values("period_start")
    y_title, yaxis = _axis(measure)
    x_title = GRAIN_WORDS[grain][0]  # the axis itself says it: dates
    date_format = "%b %Y" if grain == "month" else "%-d %b %Y"
    if rows.empty:
        return _empty(y_title, x_title, "No points yet: no complete period has this measure.")
    x = rows["period_start"].tolist()
    y = shown_values(rows, measure, national)
    trial = bool(rows["trial_limits"].iloc[-1])
    traces = [dict(type="scatter", x=x, y=y.tolist(), mode="lines", name="Value", showlegend=False,
                   line=dict(color=GREY, width=1.5), connectgaps=False, hoverinfo="skip")]
    limit_style = dict(color=INK, width=1.2, dash="dot" if trial else "dash")
    limit_name = "Trial limits" if trial else "Process limits"
    # meta: the line's own name in the chart's table (ui.chart_text); one legend entry for both limits
    kind = limit_name.split()[0].lower()
    # the hover text says which limit (both share one legend entry); %{y} takes the axis's hoverformat
    for column, name, style, show, meta, words in (
            ("mean", "Mean", dict(color=INK, width=1.5), True, "Mean", "Mean"),
            ("upper", limit_name, limit_style, True, "Upper limit", f"Upper {kind} limit"),
            ("lower", limit_name, limit_style, False, "Lower limit", f"Lower {kind} limit")):
        traces.append(dict(type="scatter", x=x, y=_scaled(rows[column].to_numpy(dtype=float), measure).tolist(),
                           mode="lines", name=name, legendgroup=name, showlegend=show, line=style, meta=meta,
                           hovertemplate=f"{words}: %{{y}}<extra></extra>"))
    target = rows["target"].iloc[-1]
    if target is not None and not pd.isna(target):
        traces.append(dict(type="scatter", x=[x[0], x[-1]], y=[float(_scaled(np.array([target]), measure)[0])] * 2,
                           mode="lines", name="Target (the trust's policy)", meta="Target",
                           line=dict(color=INK, width=1.5, dash="dashdot"),
                           hovertemplate="Target: %{y}<extra></extra>"))
    kinds = rows["special_cause"].map(lambda s: s if isinstance(s, str) else "common").to_numpy()
    for kind, (words, colour, symbol) in POINTS.items():
        mask = (kinds == kind) & ~np.isnan(y)
        if not mask.any():
            continue
        traces.append(dict(type="scatter", x=[v for v, m in zip(x, mask) if m], y=y[mask].tolist(),
                           mode="markers", name=words,
                           marker=dict(color=colour, symbol=symbol, size=9, line=dict(color="white", width=1)),
                           hovertemplate=f"%{{x|{date_format}}}: %{{y}}<br>{words}<extra></extra>"))
    notes = []
    hidden = int(np.isnan(y).sum())
    if hidden:
        notes.append(f"{hidden} of {len(y)} {GRAIN_WORDS[grain][1]} hidden: fewer than 8 questions, answers or flags")
    if len(rows) < 2:
        notes.append("Too few points for process limits")
    elif trial:
        notes.append(f"Trial limits: {len(rows)} points, fewer than {TRIAL_BELOW}")
    annotations = [dict(text="; ".join(notes), showarrow=False, xref="paper", yref="paper", x=0, y=1.0,
                        xanchor="left", yanchor="bottom", font=dict(color=INK, size=12))] if notes else []
    layout = dict(height=300, margin=dict(l=8, r=8, t=28 if notes else 8, b=8), font=FONT, separators=".,",
                  showlegend=True, hovermode="closest",
                  legend=dict(orientation="h", yanchor="top", y=-0.12, xanchor="left", x=0),
                  xaxis=dict(title=dict(text=""), automargin=True, tickformat=date_format,
                             tickfont=dict(color=INK)),
                  # every measure is >= 0: a lower limit below 0 is off the chart, as no value can reach it
                  yaxis=dict(title=dict(text=y_title, font=dict(color=INK)), automargin=True,
                             rangemode="nonnegative", tickfont=dict(color=INK)) | yaxis,
                  annotations=annotations)
    return go.Figure(data=traces, layout=layout, _validate=False)


def _empty(y_title: str, x_title: str, message: str) -> go.Figure:
    layout = dict(height=200, margin=dict(l=8, r=8, t=8, b=8), font=FONT,
                  xaxis=dict(title=dict(text=x_title), visible=False), yaxis=dict(title=dict(text=y_title), visible=False),
                  annotations=[dict(text=message, showarrow=False, xref="paper", yref="paper", x=0.5, y=0.5)])
    return go.Figure(data=[], layout=layout, _validate=False)
