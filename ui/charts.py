"""Chart builders: pure functions from a query's DataFrame to a plotly Figure.

No Streamlit here, and no plotly.express (express costs about 100 ms a figure). Each builder
writes its traces and one layout as plain dicts and wraps them once with :func:`_figure`, an
unvalidated ``go.Figure(..., _validate=False)``: plotly's per-property validation (every
``go.Scatter(...)``, ``add_trace``, ``update_layout``, ``add_hline`` ...) cost 15-80 ms a figure,
rebuilt on every filter change, against a few ms this way. Nothing checks property names or
values here, so tests/test_charts.py builds every chart and validates it in full
(``go.Figure(fig.to_dict())``). Colours come from the NHS identity palette; "Unattributed" is
always grey so that it reads as "not known" rather than as one more region or trust.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from ui import chart_axes, disclosure, formats, funnels, palette
from ui.chart_text import LINE_LABEL
from warehouse import question_queries, stats
from warehouse.measures import CALENDAR, DAY_S, HOUR_S, SERVICE, TARGET, TARGETS, UNATTRIBUTED

# Colours: ui.palette (the Analysis Function's colour-blind-safe palette, each mark 3:1 or more).
NHS_BLUE = palette.MID_BLUE  # one series (kept name: the single colour of bars and lines)
GREY = palette.GREY
AMBER = palette.ORANGE
GOOD, BAD = palette.FAVOURABLE, palette.UNFAVOURABLE
GRAIN_WORDS = {"day": ("Day", "per day"), "week": ("Week starting (Monday)", "per week"),
               "month": ("Month", "per month")}
FONT = dict(family="Frutiger, Arial, sans-serif", size=13, color=palette.INK)
GREY_LINE = dict(width=2, color=GREY, dash="dot")  # Unattributed / unknown / other: grey and dotted


def _figure(traces: list[dict], layout: dict) -> go.Figure:
    """One unvalidated figure from trace dicts (``type="scatter"`` ...) and a layout dict."""
    return go.Figure(data=traces, layout=layout, _validate=False)


SYNTHETIC_MARK = "SYNTHETIC DEMO DATA"


def mark_synthetic(figure: go.Figure) -> go.Figure:
    """A copy of ``figure`` with a watermark across its plot: the data is synthetic demo data
    (ui.data adds it to every figure drawn from demo data; a PNG downloaded from the chart keeps
    it)."""
    layout = figure.layout.to_plotly_json()
    mark = dict(text=SYNTHETIC_MARK, name="synthetic", xref="paper", yref="paper", x=0.5, y=0.5,
                showarrow=False, textangle=-18, font=dict(size=34, color="rgba(218,41,28,0.22)"),
                captureevents=False)
    layout["annotations"] = [*layout.get("annotations", ()), mark]
    return go.Figure(data=figure.data, layout=layout, _validate=False)


def _layout(*, height: int, x_title: str, y_title: str, legend: bool, xaxis: dict | None = None,
            yaxis: dict | None = None, legend_style: dict | None = None, **more) -> dict:
    """The layout every chart shares, with ``xaxis``, ``yaxis`` and ``legend_style`` merged into
    its axes and legend and ``more`` layout properties (which win) on top."""
    return dict(
        height=height, margin=dict(l=8, r=8, t=8, b=8), font=FONT, separators=".,",
        showlegend=legend, hovermode="closest",
        legend=dict(orientation="h", yanchor="bottom", y=1.02, xanchor="left", x=0) | (legend_style or {}),
        xaxis=dict(title=dict(text=x_title, font=dict(color=palette.INK)), automargin=True,
                   tickfont=dict(color=palette.INK)) | (xaxis or {}),
        yaxis=dict(title=dict(text=y_title, font=dict(color=palette.INK)), automargin=True, rangemode="tozero",
                   tickfont=dict(color=palette.INK)) | (yaxis or {}),
    ) | more


def _series_label(series: str, by: str) -> str:
    return formats.role(series) if by == "role" else formats.platform(series)


def posts_over_time(frame: pd.DataFrame, grain: str = "week", by: str = "platform") -> go.Figure:
    """Lines of posts per period, one per platform (or author role), busiest first. A period
    of one platform is always below national level: counts are rounded to 5 and 1-7 are gaps
    (:func:`ui.disclosure.protect`)."""
    x_title, per = GRAIN_WORDS[grain]
    totals = frame.groupby("series")["n_posts"].sum().sort_values(ascending=False)
    shown = disclosure.protect(frame, ["n_posts"], groups="period", marker=None)  # a period's lines add up
    day = chart_axes.date_format(grain)
    traces = []
    for i, series in enumerate(totals.index):
        rows = shown[shown["series"] == series]
        name = _series_label(series, by)
        traces.append(dict(
            type="scatter", x=rows["period"], y=formats.floats(rows["n_posts"]), mode="lines", name=name,
            connectgaps=False,
            line=GREY_LINE if series in ("unknown", UNATTRIBUTED) else palette.line_style(i),
            hovertemplate=f"{name}<br>%{{x|{day}}}: %{{y:,}} posts<extra></extra>",
        ))
    return _figure(traces, _layout(height=360, x_title=x_title, y_title=f"Posts {per}", legend=True,
                                   xaxis=chart_axes.time_axis(shown["period"], grain),
                                   yaxis=chart_axes.count_axis(formats.floats(shown["n_posts"])),
                                   hovermode="x unified"))


def _shown_posts(frame: pd.DataFrame) -> pd.DataFrame:
    """Posts per region or trust as shown: both are below national level, so counts are rounded
    to 5 or hidden (1-7, and one more where a single one would be), and each share is of the
    rounded total, from the rounded count (:func:`ui.disclosure.protect`)."""
    return disclosure.protect(frame.assign(total=frame["n_posts"].sum()), ["n_posts"],
                              [disclosure.Share("n_posts", "total", "share")], marker=None)


def _bars(names: list[str], shown: pd.DataFrame, colours: list[str], x_title: str) -> go.Figure:
    """Horizontal bars of post counts (``_shown_posts``) for regions or trusts: a hidden bar is
    drawn as "*" beside a zero-length bar, never dropped."""
    lengths, labels = disclosure.bar_labels(shown["n_posts"])
    bar = dict(
        type="bar", y=names, x=lengths, orientation="h",
        marker=dict(color=colours),
        customdata=[[disclosure.SUPPRESSED if pd.isna(s) else f"{s:.0%}", t] for s, t in zip(shown["share"], labels)],
        text=labels, textposition="outside", cliponaxis=False,
        hovertemplate="%{y}: %{customdata[1]} posts (%{customdata[0]} of all shown)<extra></extra>",
    )
    return _figure([bar], _layout(height=max(150, 34 * len(names) + 70), x_title=x_title, y_title="",
                                  legend=False, xaxis=chart_axes.count_axis(lengths, labels_outside=True),
                                  yaxis=dict(autorange="reversed", tickfont=dict(size=12, color=palette.INK)),
                                  bargap=0.3))


def posts_by_region(frame: pd.DataFrame) -> go.Figure:
    """Horizontal bars of posts per region, busiest at the top, Unattributed in grey."""
    names = frame["region_name"].tolist()
    colours = [GREY if code == UNATTRIBUTED else NHS_BLUE for code in frame["region_code"]]
    return _bars(names, _shown_posts(frame), colours, "Posts")


def posts_by_trust(frame: pd.DataFrame, top: int = 15) -> go.Figure:
    """Horizontal bars of the ``top`` busiest trusts, names tidied, Unattributed in grey."""
    shown = _shown_posts(frame).head(top)  # hidden as in the table of every trust
    names = [_wrap(formats.org_name(n)) for n in shown["trust_name"]]
    colours = [GREY if pd.isna(code) else NHS_BLUE for code in shown["trust_code"]]
    return _bars(names, shown, colours, "Posts")


def _wrap(name: str, width: int = 38) -> str:
    """Long trust names on two lines (plotly wraps only at <br>)."""
    if len(name) <= width:
        return name
    cut = name.rfind(" ", 0, width)
    return name if cut < 0 else name[:cut] + "<br>" + name[cut + 1:]


# --- patient questions and response times ------------------------------------------------
# Every number a chart shows passes ui.disclosure.protect (DESIGN.md "Statistics shown to
# people"). A chart that breaks the view down (by period, topic, rule, region or trust) is
# below national level whatever the filters: counts of 1-7 are hidden (gaps, blank cells, or
# a bar drawn as "*"), the rest rounded to 5, and rates are computed from the rounded counts.
GROUP_SYMBOLS = ("circle", "diamond", "square", "cross")  # marker shapes by group (funnels)
# funnel position -> (arrow beside the marker, marker shape when no group gives one, arrow's place)
OUTLIER_MARKS = {"within": ("", "circle", None), "above": ("▲", "triangle-up", "top center"),
                 "below": ("▼", "triangle-down", "bottom center")}
_TICKS = {  # Kaplan-Meier x axis (log scale): readable waits
    CALENDAR: ([60, 600, HOUR_S, 6 * HOUR_S, DAY_S, 3 * DAY_S, 7 * DAY_S, 28 * DAY_S],
               ["1 min", "10 min", "1 h", "6 h", "1 day", "3 days", "1 week", "4 weeks"]),
    # staffed hours as they elapsed: trusts' staffed days differ, so no "service day" tick
    SERVICE: ([60, 600, HOUR_S, 3 * HOUR_S, 10 * HOUR_S, 30 * HOUR_S, 100 * HOUR_S, 300 * HOUR_S],
              ["1 min", "10 min", "1 h", "3 h", "10 h", "30 h", "100 h", "300 h"]),
}
# The response targets, drawn on the curves of their clock. "Within 1 service day" is each
# trust's own staffed day (warehouse.measures.SERVICE_DAYS), so no one line on the service
# curve stands for it.
_TARGET_LINES = {clock: [(t.seconds, t.short) for t in TARGETS if t.clock == clock]
                 for clock in (CALENDAR, SERVICE)}


def questions_over_time(frame: pd.DataFrame, grain: str = "week", by: str = "all") -> go.Figure:
    """Lines of questions per period: all together, or one per topic (or region), most asked
    first. One period is a short date range, below national level whatever the filters: counts
    are rounded to 5, and hidden ones (1-7) are gaps in the line."""
    x_title, per = GRAIN_WORDS[grain]
    totals = frame.groupby("series")["n_questions"].sum().sort_values(ascending=False)
    # a period's lines add up to that period's count on the "All questions" line
    shown = disclosure.protect(frame, ["n_questions"], groups="period", marker=None)
    day = chart_axes.date_format(grain)
    traces = []
    for i, series in enumerate(totals.index):
        rows = shown[shown["series"] == series]
        name = formats.topic(series) if by == "topic" else rows["series_name"].iloc[0]
        style = (dict(width=2, color=NHS_BLUE) if by == "all" else
                 GREY_LINE if series in (UNATTRIBUTED, "other") else palette.line_style(i))
        values = rows["n_questions"].astype("Float64").to_numpy(dtype=float, na_value=float("nan"))
        traces.append(dict(
            type="scatter", x=rows["period"], y=values,
            mode="lines+markers" if grain == "month" else "lines", name=name, connectgaps=False,
            line=style,
            hovertemplate=f"{name}<br>%{{x|{day}}}: %{{y:,}} questions<extra></extra>",
        ))
    notes = []
    if len(shown) and shown["n_questions"].isna().mean() > 0.5:
        notes.append(dict(text="Most counts here are 1–7 and hidden: try a longer grain or all questions",
                          showarrow=False, xref="paper", yref="paper", x=0.5, y=0.95,
                          font=dict(color=palette.MUTED), bgcolor="rgba(255,255,255,0.85)"))
    return _figure(traces, _layout(height=380, x_title=x_title, y_title=f"Questions {per}", legend=by != "all",
                                   xaxis=chart_axes.time_axis(shown["period"], grain),
                                   yaxis=chart_axes.count_axis(formats.floats(shown["n_questions"])),
                                   hovermode="x unified", annotations=notes))


def question_topics(frame: pd.DataFrame) -> go.Figure:
    """Horizontal bars: questions per topic, most asked first, with shares. A topic narrows the
    view: counts are always rounded or hidden, a hidden one drawn as "*" (never dropped)."""
    shown = disclosure.protect(frame.assign(total=frame["n_questions"].sum()), ["n_questions"],
                               [disclosure.Share("n_questions", "total", "share")], marker=None)
    values, labels = disclosure.bar_labels(shown["n_questions"])
    bar = dict(
        type="bar", y=[formats.topic(t) for t in shown["topic"]], x=values, orientation="h",
        marker=dict(color=[GREY if t in (UNATTRIBUTED, "other") else NHS_BLUE for t in shown["topic"]]),
        text=labels,
        customdata=["" if pd.isna(s) else f" ({s:.0%} of questions)" for s in shown["share"]],
        textposition="outside", cliponaxis=False,
        hovertemplate="%{y}: %{text} questions%{customdata}<extra></extra>",
    )
    return _figure([bar], _layout(height=max(180, 32 * len(shown) + 60), x_title="Questions", y_title="",
                                  legend=False, xaxis=chart_axes.count_axis(values, labels_outside=True),
                                  yaxis=dict(autorange="reversed"),
                                  bargap=0.3))


def questions_by_unit(frame: pd.DataFrame, top: int = 15) -> go.Figure:
    """Horizontal bars of questions per region or trust (``question_units``), busiest first,
    stacked answered / still open; always suppressed (regions and trusts are below national)."""
    rows = frame.assign(n_open=lambda f: f["n_questions"] - f["n_answered"])
    shown = disclosure.protect(rows, ["n_answered", "n_open", "n_questions"], marker=None).head(top)
    names = [_wrap(formats.org_name(n)) for n in shown["group_name"]]
    traces, total = [], np.zeros(len(shown))
    for column, name, colour in (("n_answered", "Answered", NHS_BLUE), ("n_open", "Still open", AMBER)):
        values, labels = disclosure.bar_labels(shown[column])
        total = total + np.nan_to_num(np.asarray(values, dtype=float))
        traces.append(dict(
            type="bar", y=names, x=values, orientation="h", name=name, text=labels, textposition="inside",
            marker=dict(color=colour), customdata=labels,
            hovertemplate=f"%{{y}}: %{{customdata}} {name.lower()}<extra></extra>",
        ))
    return _figure(traces, _layout(height=max(180, 34 * len(shown) + 80), x_title="Questions", y_title="",
                                   legend=True, legend_style=dict(traceorder="normal"),
                                   xaxis=chart_axes.count_axis(total),
                                   yaxis=dict(autorange="reversed", tickfont=dict(size=12, color=palette.INK)),
                                   barmode="stack", bargap=0.3))


STEP_COLUMNS = 400  # at most this many steps per Kaplan-Meier curve: ~2 px apart on a page-wide log axis


def _step_points(curve: pd.DataFrame, columns: int = STEP_COLUMNS) -> pd.DataFrame:
    """The points a stepped line needs: the times where the curve steps (plus the first and
    last), and of steps closer together on the log time axis than 1/``columns`` of its span,
    only the last. A line drawn through them (``shape="hv"``) holds each value until the next
    kept step, so it is the exact curve moved right by under one column at most (~2 px on a
    page-wide chart) and every point kept is exact. A year of questions at 1 M posts has
    ~2,000 steps; sending each cost 600 KB and most of a second per rerun."""
    first, last = curve.index == curve.index[0], curve.index == curve.index[-1]
    steps = curve[(curve["events"] > 0) | first | last]
    if len(steps) <= columns:
        return steps
    at = np.log10(steps["time_s"].clip(lower=30).to_numpy(dtype=float))
    column = np.floor((at - at.min()) / max(at.max() - at.min(), 1e-9) * columns)
    last_of_column = np.append(column[1:] != column[:-1], True)
    last_of_column[0] = True  # the start (no one has waited yet) stays where it is
    return steps[last_of_column]


def response_curves(frame: pd.DataFrame, clock: str = "calendar", national: bool = False) -> go.Figure:
    """Kaplan-Meier curves from ``response_histogram``: share of questions still waiting for a
    first professional answer against time (log axis). Bands are 95% CIs (drawn when at most
    three curves). Below national level each curve is drawn from counts of answered and open
    questions rounded to 5 (:func:`ui.disclosure.km_rounded`: no step is a single answer), and
    groups with 1-7 questions, answers or open questions are not drawn (said on the chart)."""
    hidden = disclosure.km_hidden(frame, national)
    curves = question_queries.km_curves(disclosure.km_rounded(frame, national))
    ticks, words = _TICKS[clock]
    sizes = frame.groupby("group_code", sort=False)[["events", "censored"]].sum().sum(axis=1)
    groups = [g for g in dict.fromkeys(curves["group_code"]) if not hidden.get(g, True)]
    bands = len(groups) <= 3
    last = float(curves["time_s"].max()) if len(curves) else DAY_S
    traces = []
    for i, code in enumerate(groups):
        curve = _step_points(curves[curves["group_code"] == code].reset_index(drop=True))
        x = curve["time_s"].clip(lower=30).tolist()  # log axis: t = 0 drawn at 30 s
        name = formats.org_name(curve["group_name"].iloc[0])
        n = disclosure.shown_count(int(sizes[code]), national=national)
        colour = GREY if code == UNATTRIBUTED else palette.colour(i)
        waits = [formats.duration(t, service=clock == "service") for t in curve["time_s"]]
        if bands:
            traces.append(dict(type="scatter", x=x + x[::-1],
                               y=curve["ci_high"].tolist() + curve["ci_low"].tolist()[::-1],
                               fill="toself", line=dict(width=0, shape="hv"), fillcolor=colour,
                               opacity=0.15, hoverinfo="skip", showlegend=False))
        traces.append(dict(
            type="scatter", x=x, y=curve["survival"], mode="lines",
            line=dict(shape="hv", width=2.5, color=colour, dash=palette.dash(i)),
            name=f"{name} ({n:,} questions)",
            customdata=waits,
            hovertemplate=f"{name}<br>%{{y:.0%}} still waiting after %{{customdata}}<extra></extra>",
        ))
    # Target lines as fig.add_vline / add_hline would draw them: a line across the plot (in
    # axis-domain coordinates) with its label at the top (vertical) or right end (horizontal).
    # named LINE_LABEL: they label lines, they say nothing about the data (ui.chart_text skips them)
    note = dict(font=dict(size=11, color=palette.MUTED), showarrow=False, name=LINE_LABEL)
    targets = _TARGET_LINES[clock]
    shapes = [dict(type="line", x0=at, x1=at, xref="x", y0=0, y1=1, yref="y domain",
                   line=dict(color=GREY, width=1, dash="dot")) for at, _ in targets]
    shapes.append(dict(type="line", x0=0, x1=1, xref="x domain", y0=0.5, y1=0.5, yref="y",
                       line=dict(color=GREY, width=1, dash="dash")))
    notes = [note | dict(text=word, x=at, xref="x", xanchor="left", y=1, yref="y domain", yanchor="top")
             for at, word in targets]
    notes.append(note | dict(text="half answered (median)", x=1, xref="x domain", xanchor="right",
                             y=0.5, yref="y", yanchor="bottom"))
    left_out = sum(bool(v) for v in hidden.values())
    if left_out:
        notes.append(note | dict(name=None, text=f"{disclosure.SUPPRESSED} {left_out} with 1–7 questions, answers or open "
                                      "questions not drawn", x=0, xref="x domain", xanchor="left", y=0.02,
                                 yref="y domain", yanchor="bottom"))
    return _figure(traces, _layout(
        height=440, x_title="Time since the question was asked" +
        (" (staffed hours only)" if clock == "service" else ""),
        y_title="Still waiting for a first answer", legend=True,
        xaxis=dict(type="log", tickvals=ticks, ticktext=words, tickangle=0,
                   range=[1.5, max(5.0, float(np.log10(last)) + 0.05)]),
        yaxis=dict(tickformat=".0%", range=[0, 1.02], rangemode="normal"),
        shapes=shapes, annotations=notes))


def _funnel_figure(shown: pd.DataFrame, centre: float, limits_for, *, value: str, low: str,
                   high: str, centre_label: str, hover: str, above: tuple[str, str, str],
                   below: tuple[str, str, str], within: str, x_title: str, y_title: str,
                   highlight: tuple[str, ...], groups: tuple[tuple[str, str], ...] = (),
                   yaxis: dict | None = None, limits_words: str = "") -> go.Figure:
    """The funnel plot both measures share: 95% and 99.8% control limits (``limits_for(grid)``,
    columns lower_95 ... upper_99_8) around ``centre``, each unit a dot coloured by
    ``position`` (within / above / below the 99.8% limits), units in ``highlight`` ringed and
    named. ``above``/``below`` are (legend name, colour, tooltip meaning); ``hover`` formats
    the value and its CI from ``%{y}`` and ``%{customdata[0..1]}``. ``groups`` ((code, group
    label), ...) gives each unit's marker a shape by its group (e.g. its policy), with a legend
    entry per shape; units not in it are circles. ``yaxis``: the measure's y-axis properties.
    ``limits_words``: what the limits are when not the plain exact ones (the legend says it)."""
    top = max(float(shown["n_shown"].max()) * 1.08, 20.0)
    # exact limits step at each count: every size up to 600, then a log-spaced grid
    limits = limits_for(np.unique(np.concatenate([np.arange(1, min(top, 600) + 1),
                                                  np.round(np.geomspace(1, top, 200))])))
    outer = "99.8% limits" + (f", {limits_words}" if limits_words else "")
    traces = [dict(type="scatter", x=limits["n"], y=limits[f"{side}_{level}"], mode="lines", name=label,
                   line=dict(color=GREY, width=1.5, dash=dash, shape="hv"), showlegend=side == "lower",
                   legendgroup=level, hoverinfo="skip")
              for level, dash, label in (("99_8", "dash", outer), ("95", "dot", "95% limits"))
              for side in ("lower", "upper")]
    traces.append(dict(type="scatter", x=[1, top], y=[centre, centre], mode="lines", name=centre_label,
                       line=dict(color=palette.INK, width=1.5), hoverinfo="skip"))
    group_of = dict(groups)
    shapes = {g: GROUP_SYMBOLS[i % len(GROUP_SYMBOLS)] for i, g in enumerate(dict.fromkeys(group_of.values()))}
    # Never colour alone: an outlier is a triangle pointing its way (or, when a group gives
    # its shape, has an arrow beside it), and its legend entry says which way.
    classes = (("within", "Within the limits", GREY, within), ("above", *above), ("below", *below))
    for position, name, colour, meaning in classes:
        rows = shown[shown["position"] == position]
        if rows.empty:
            continue
        unit_groups = [group_of.get(c) for c in rows["group_code"]]
        arrow, own_shape, place = OUTLIER_MARKS[position]
        symbols = [shapes.get(g, own_shape) for g in unit_groups]
        # the arrow only beside a marker whose shape does not point already (one mark per unit)
        arrows = [arrow if s != own_shape else "" for s in symbols]
        labels = dict(text=arrows, textposition=place, textfont=dict(size=12, color=colour))
        traces.append(dict(
            type="scatter", x=rows["n_shown"], y=rows[value], mode="markers+text" if any(arrows) else "markers",
            name=f"{arrow} {name}" if arrow else name,
            marker=dict(size=10, color=colour, line=dict(width=1, color="white"), symbol=symbols),
            **(labels if any(arrows) else {}),
            hovertext=[formats.org_name(n) + (f"<br>{g}" if g else "") for n, g in zip(rows["group_name"], unit_groups)],
            customdata=np.column_stack([rows[low], rows[high]]),
            hovertemplate=f"%{{hovertext}}<br>{hover}<br>{meaning}<extra></extra>",
        ))
    traces += [dict(type="scatter", x=[None], y=[None], mode="markers", name=group, hoverinfo="skip",
                    marker=dict(size=10, color=GREY, symbol=symbol)) for group, symbol in shapes.items()]
    chosen = shown[shown["group_code"].isin(list(highlight))]
    if len(chosen):
        traces.append(dict(
            type="scatter", x=chosen["n_shown"], y=chosen[value], mode="markers+text",
            name="Chosen in the filters",
            marker=dict(size=18, color="rgba(0,0,0,0)", line=dict(width=2.5, color=palette.INK)),
            text=[_wrap(formats.org_name(n), 30) for n in chosen["group_name"]], textposition="top center",
            textfont=dict(size=12, color=palette.INK), hoverinfo="skip"))
    return _figure(traces, _layout(height=440, x_title=x_title, y_title=y_title, legend=True,
                                   xaxis=dict(tickformat=",d", range=[0, top]), yaxis=yaxis))


def _limits_words(model) -> str:
    """Nothing for plain exact limits; otherwise what the over-dispersion option found."""
    return "" if model.limits_words() == "exact" else model.limits_words()


def _no_funnel(x_title: str, y_title: str, message: str) -> go.Figure:
    return _figure([], _layout(height=420, x_title=x_title, y_title=y_title, legend=False,
                               annotations=[dict(text=message, showarrow=False, x=0.5, y=0.5,
                                                 xref="paper", yref="paper")]))


def funnel(frame: pd.DataFrame, measure: str = "answered", unit: str = "trust",
           highlight: tuple[str, ...] = (), groups: tuple[tuple[str, str], ...] = (),
           overdispersion: bool = False) -> go.Figure:
    """Funnel plot: each region or trust's proportion (``measure``) against its number of
    questions, with 95% and 99.8% control limits around the overall value (exact binomial, or
    widened for over-dispersion with ``overdispersion``: :mod:`warehouse.funnel`). Positions
    and tooltips use counts rounded to 5 (suppression); whether a unit is beyond a limit uses its exact count. Units
    whose code is in ``highlight`` are ringed and named."""
    words = funnels.FUNNEL_MEASURES[measure][2]
    shown, p0 = funnels.funnel_points(frame, measure, overdispersion)
    model = funnels.funnel_model(frame, measure, overdispersion)
    if model is None or shown.empty:
        return _no_funnel("Questions", f"Share {words}", "Not enough questions to compare")
    return _funnel_figure(
        shown, p0, model.limits, limits_words=_limits_words(model),
        value="p", low="p_low", high="p_high", centre_label=f"Overall {p0:.0%} ({unit}s' questions)",
        hover=("%{y:.0%} " + words + " (95% CI %{customdata[0]:.0%}–%{customdata[1]:.0%})"
               "<br>about %{x:,} questions"),
        above=("Higher than expected", GOOD, "above the 99.8% limit: higher than expected"),
        below=("Lower than expected", BAD, "below the 99.8% limit: lower than expected"),
        within="within the limits: consistent with the overall value",
        x_title="Questions (rounded to 5)", y_title=f"Share {words}", highlight=highlight, groups=groups,
        yaxis=dict(tickformat=".0%", rangemode="normal"))


HOUR_BLOCKS = (1, 2, 3, 4, 6, 12, 24)


def hour_block(n_questions: int, min_per_cell: float = 20) -> int:
    """Hours per heatmap cell: the finest block that gives on average ``min_per_cell``
    questions a cell (fewer questions, or a filter, give coarser cells, so that fewer are
    hidden by suppression)."""
    for block in HOUR_BLOCKS:
        if n_questions / (7 * 24 / block) >= min_per_cell:
            return block
    return HOUR_BLOCKS[-1]


def asking_times(frame: pd.DataFrame, show: str = "volume") -> go.Figure:
    """Weekday x time-of-day heatmap (UK time) of questions asked (``show="volume"``) or of
    the share answered within 1 hour (``show="within_1h"``). Hours are grouped into blocks
    (:func:`hour_block`). A cell is a narrow slice of the view: counts are rounded to 5, shares
    computed from the rounded counts, and hidden cells (1-7) are blank."""
    block = hour_block(int(frame["n_questions"].sum()))
    frame = (frame.assign(hour=frame["hour"] // block * block)
             .groupby(["weekday", "hour"], as_index=False)[["n_questions", "n_answered_1h", "n_followed_1h"]].sum())
    shown = disclosure.protect(frame, ["n_questions"], [disclosure.Share("n_answered_1h", "n_followed_1h", "p")],
                               marker=None)
    hours = list(range(0, 24, block))

    def grid(column: str) -> list[list[float]]:
        table = shown.pivot(index="weekday", columns="hour", values=column)
        table = table.reindex(index=range(1, 8), columns=hours).astype("Float64")
        return table.to_numpy(dtype=float, na_value=np.nan).tolist()

    counts, shares = grid("n_questions"), grid("p")
    spans = [f"{h:02d}:00–{h + block - 1:02d}:59" for h in hours]
    if show == "volume":
        z, colours = counts, [list(stop) for stop in palette.SEQUENTIAL]
        bar = dict(title=dict(text="Questions"), tickformat=",d")
        custom = [[f"{formats.count_text(v)} questions" for v in row] for row in counts]
    else:
        z, colours = shares, [list(stop) for stop in palette.SEQUENTIAL]
        bar = dict(title=dict(text=f"Answered<br>within {TARGET['1h'].short}"), tickformat=".0%")
        within = TARGET["1h"].words
        custom = [[f"{s:.0%} answered within {within}" if not np.isnan(s) else "too few questions to show"
                   for s in row] for row in shares]
    values = np.array(z, dtype=float)
    top = float(np.nanmax(values)) if np.isfinite(values).any() else 1.0
    heatmap = dict(
        type="heatmap", z=z, x=spans, y=list(formats.WEEKDAYS), colorscale=colours, customdata=custom,
        hovertemplate="%{y} %{x}<br>%{customdata}<extra></extra>", colorbar=bar, xgap=1, ygap=1,
        zmin=0, zmax=max(top, 0.05 if show != "volume" else 1.0),
    )
    notes = []
    if not np.isfinite(values).any():
        notes.append(dict(text="Too few questions to show", showarrow=False, xref="paper", yref="paper",
                          x=0.5, y=0.5, font=dict(color=palette.MUTED, size=14)))
    step = max(1, 6 // block)
    return _figure([heatmap], _layout(
        height=300, x_title="Time of day the question was asked (UK time)", y_title="", legend=False,
        xaxis=dict(tickvals=spans[::step], ticktext=[s[:5] for s in spans[::step]], tickangle=0),
        yaxis=dict(autorange="reversed", rangemode="normal"), annotations=notes))


# --- guideline flags ----------------------------------------------------------------------------

def flag_rate_bars(frame: pd.DataFrame, top: int = 15) -> go.Figure:
    """Horizontal bars of flags per 1,000 staff posts by family or rule (``flag_rates``), with
    95% CI whiskers. A family or rule narrows the view (below national level whatever the
    filters): rates come from counts rounded to 5, and a hidden rate (over 1-7 flags or posts)
    is drawn as "*", not dropped."""
    shown = funnels.flag_rates_shown(frame, False).head(top)
    rate, low, high = (formats.floats(shown[c]) for c in ("rate", "ci_low", "ci_high"))
    keep = ~np.isnan(rate)
    names = [str(n).replace("_", " ") for n in shown["group_name"]]
    flags = [formats.count_text(v) for v in pd.array(shown["n_flags"], dtype="Float64")]
    text = [f"{r:.1f}" if k else disclosure.SUPPRESSED for r, k in zip(rate, keep)]
    bar = dict(
        type="bar", y=names, x=np.where(keep, rate, 0.0), orientation="h", marker=dict(color=NHS_BLUE),
        text=text, textposition="outside", cliponaxis=False,
        error_x=dict(type="data", symmetric=False, array=np.where(keep, high - rate, 0.0),
                     arrayminus=np.where(keep, rate - low, 0.0), color=palette.INK, thickness=1.2),
        customdata=np.column_stack([[f"{v:.1f}" if k else "*" for v, k in zip(low, keep)],
                                    [f"{v:.1f}" if k else "*" for v, k in zip(high, keep)], flags])
        if len(shown) else None,
        hovertemplate=("%{y}: %{text} flags per 1,000 staff posts (95% CI %{customdata[0]}–"
                       "%{customdata[1]}); %{customdata[2]} flags<extra></extra>"),
    )
    notes = []
    if (~keep).any():
        notes.append(dict(text=f"* {int((~keep).sum())} over 1–7 flags or posts: hidden", showarrow=False,
                          xref="paper", yref="paper", x=1, y=-0.02, xanchor="right", yanchor="top",
                          font=dict(color=palette.MUTED, size=11)))
    return _figure([bar], _layout(height=max(180, 32 * len(shown) + 70),
                                  x_title="Flags per 1,000 staff posts", y_title="", legend=False,
                                  yaxis=dict(autorange="reversed"), bargap=0.3, annotations=notes))


def flags_over_time(frame: pd.DataFrame, grain: str = "week") -> go.Figure:
    """The flag rate per 1,000 staff posts per period with a shaded 95% CI. A period is below
    national level whatever the filters: rates come from counts rounded to 5, and hidden
    periods (1-7 flags or posts) are gaps."""
    x_title, per = GRAIN_WORDS[grain]
    shown = funnels.flag_rates_shown(frame, False)
    rate, low, high = (formats.floats(shown[c]) for c in ("rate", "ci_low", "ci_high"))
    flags = [formats.count_text(v) for v in pd.array(shown["n_flags"], dtype="Float64")]
    posts = [formats.count_text(v) for v in pd.array(shown["n_posts"], dtype="Float64")]
    day = chart_axes.date_format(grain)
    traces = [
        *chart_axes.band(shown["period"], low, high),
        dict(type="scatter", x=shown["period"], y=rate, mode="lines+markers" if grain == "month" else "lines",
             name="Flags per 1,000 staff posts", line=dict(width=2, color=NHS_BLUE),
             connectgaps=False, customdata=np.column_stack([flags, posts]),
             hovertemplate=(f"%{{x|{day}}}: %{{y:.1f}} per 1,000 (%{{customdata[0]}} flags, "
                            "%{customdata[1]} staff posts)<extra></extra>")),
    ]
    return _figure(traces, _layout(height=360, x_title=x_title, y_title="Flags per 1,000 staff posts",
                                   legend=True, xaxis=chart_axes.time_axis(shown["period"], grain)))


def flag_funnel(frame: pd.DataFrame, unit: str = "trust", highlight: tuple[str, ...] = (),
                groups: tuple[tuple[str, str], ...] = (), overdispersion: bool = False) -> go.Figure:
    """Funnel plot of flag rates per 1,000 staff posts against staff posts (rounded to 5), with
    95% and 99.8% limits around the overall rate (exact Poisson, or widened for over-dispersion
    with ``overdispersion``: :mod:`warehouse.funnel`)."""
    shown, rate0 = funnels.flag_funnel_points(frame, overdispersion)
    model = funnels.flag_funnel_model(frame, overdispersion)
    if model is None or shown.empty:
        return _no_funnel("Staff posts", "Flags per 1,000 staff posts",
                          "Not enough flags or staff posts to compare")
    # The limits shoot up for units with few posts; keep the dots, not the limits, in view.
    top = max(float(np.nanmax(shown["ci_high"].to_numpy(dtype=float))), 2 * rate0)
    return _funnel_figure(
        shown, rate0, model.limits, limits_words=_limits_words(model),
        value="rate", low="ci_low", high="ci_high", centre_label=f"Overall {rate0:.1f} per 1,000",
        hover=("%{y:.1f} flags per 1,000 staff posts (95% CI %{customdata[0]:.1f}–"
               "%{customdata[1]:.1f})<br>about %{x:,} staff posts"),
        above=("More flags than expected", BAD, "above the 99.8% limit: more flags than expected"),
        below=("Fewer flags than expected", GOOD, "below the 99.8% limit: fewer flags than expected"),
        within="within the limits: consistent with the overall rate",
        x_title="Staff and organisation posts (rounded to 5)", y_title="Flags per 1,000 staff posts",
        highlight=highlight, groups=groups, yaxis=dict(range=[0, top * 1.1]))


def fetches_over_time(frame: pd.DataFrame) -> go.Figure:
    """New posts landed per UK day by each source's runs (``fetches_over_time``), stacked; a
    red cross on days with a failed run."""
    if frame.empty:
        return _no_funnel("Day", "New posts", "No ingest runs in the chosen dates")
    traces = [dict(type="bar", x=rows["day"], y=rows["n_new"], name=source,
                   marker=dict(color=palette.colour(i)),
                   hovertemplate=f"{source}<br>%{{x|%-d %b %Y}}: %{{y:,}} new posts<extra></extra>")
              for i, (source, rows) in enumerate(frame.groupby("source", sort=True))]
    failed = frame[frame["n_failed"] > 0]
    if len(failed):
        traces.append(dict(type="scatter", x=failed["day"], y=[0] * len(failed), mode="markers",
                           name="A run failed", marker=dict(symbol="x", size=11, color=BAD),
                           text=failed["source"],
                           hovertemplate="%{text}: a run failed on %{x|%-d %b %Y}<extra></extra>"))
    return _figure(traces, _layout(height=320, x_title="Day (UK)", y_title="New posts landed", legend=True,
                                   xaxis=chart_axes.time_axis(frame["day"], "day"), barmode="stack"))
