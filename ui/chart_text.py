"""Every chart's text alternative (issue #15, section 1; WCAG 1.1.1): a one-sentence summary
and its data as a table, both read from the figure itself.

Reading them from the figure, rather than from the query, is what keeps them honest: the
numbers a chart carries have already passed the display boundary (``ui.disclosure.protect``
in the chart builder: rounded to 5, 1-7 hidden, rates from rounded counts), so the table and
the sentence can show nothing the chart does not. A hidden value (a gap in a line, a bar drawn
as "*") is "*" in the table.

Which traces are data: those a person can hover. Decoration (control limits, bands, legend
entries, the ring round a chosen unit) is drawn with ``hoverinfo="skip"`` by ``ui.charts``
and ``ui.spc_charts`` and is left out. Four shapes of chart:

* a heatmap: its rows and columns as drawn;
* points with a name each (funnel plots): one row a unit, with its position;
* horizontal bars: one row a bar, one column a series (the bar's label, as drawn);
* anything along an x axis (lines over time, stacked days, Kaplan–Meier curves): one row an
  x value, one column a series.
"""
from __future__ import annotations

import re
from datetime import date, datetime

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from ui import disclosure

LINE_LABEL = "line label"  # the annotation name of a label on a target or median line (ui.charts)

HIDDEN = disclosure.SUPPRESSED
_TAG = re.compile(r"<[^>]+>")


def _plain(text) -> str:
    """Chart text without plotly's markup: '<br>' becomes a space."""
    return _TAG.sub("", str(text).replace("<br>", " ")).strip()


def data_traces(fig: go.Figure) -> list:
    """The traces that carry data (see the module docstring)."""
    found = []
    for trace in fig.data:
        if getattr(trace, "hoverinfo", None) == "skip" or getattr(trace, "visible", None) == "legendonly":
            continue
        if trace.type == "scatter" and list(trace.x if trace.x is not None else []) == [None]:
            continue
        found.append(trace)
    return found


def _title(axis) -> str:
    return _plain(axis.title.text or "") if axis.title is not None else ""


def _number(value, tickformat: str | None) -> str:
    """A value as the axis shows it; a gap (NaN) is hidden: "*"."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return HIDDEN
    if isinstance(value, str):
        return value
    value = float(value)
    fmt = tickformat or ""
    if "%" in fmt:
        return f"{value:.0%}" if ".0" in fmt else f"{value:.1%}"
    if ".1f" in fmt or (value != int(value)):
        return f"{value:,.1f}"
    return f"{int(value):,}"


def _when(value, tickformat: str | None) -> str:
    """A date or time on a date axis, in the axis's own d3 format (a strftime one)."""
    stamp = pd.Timestamp(value)
    return stamp.strftime(tickformat or "%-d %b %Y")


def _is_time(values) -> bool:
    first = next((v for v in values if v is not None), None)
    return isinstance(first, (date, datetime, pd.Timestamp, np.datetime64))


def _heatmap(trace, fig) -> pd.DataFrame:
    fmt = trace.colorbar.tickformat if trace.colorbar is not None else None
    z = np.asarray(trace.z, dtype=float)
    rows = [[_number(v, fmt) for v in row] for row in z]
    return pd.DataFrame(rows, columns=[_plain(x) for x in trace.x]).assign(
        **{"": [_plain(y) for y in trace.y]}).set_index("").reset_index()


def _points(traces, fig) -> pd.DataFrame:
    """Named points (funnels): name, x, y and the trace's name (its position)."""
    x_title, y_title = _title(fig.layout.xaxis) or "x", _title(fig.layout.yaxis) or "y"
    x_fmt, y_fmt = fig.layout.xaxis.tickformat, fig.layout.yaxis.tickformat
    rows = []
    for trace in traces:
        for name, x, y in zip(trace.hovertext, trace.x, trace.y):
            unit, _, group = str(name).partition("<br>")
            rows.append({"Name": _plain(unit), "Group": _plain(group), x_title: _number(x, x_fmt),
                         y_title: _number(y, y_fmt), "Position": _plain(trace.name).lstrip("▲▼ ")})
    frame = pd.DataFrame(rows, columns=["Name", "Group", x_title, y_title, "Position"])
    return frame if frame["Group"].astype(bool).any() else frame.drop(columns="Group")


def _series_name(trace, fallback: str, taken: dict) -> str:
    """A column's name: the trace's ``meta`` when it is a string (a line whose legend entry
    stands for two, e.g. SPC's upper and lower limits), else its name."""
    name = trace.meta if isinstance(trace.meta, str) else _plain(trace.name) if trace.name else fallback
    taken[name] = taken.get(name, 0) + 1
    return name if taken[name] == 1 else f"{name} ({taken[name]})"


def _along(traces, fig) -> pd.DataFrame:
    """One row a category (a bar's label, or an x value), one column a series."""
    horizontal = all(getattr(t, "orientation", None) == "h" for t in traces)
    cat_axis, val_axis = (fig.layout.yaxis, fig.layout.xaxis) if horizontal else (fig.layout.xaxis, fig.layout.yaxis)
    val_title = _title(val_axis) or "Value"
    cells: dict = {}
    columns: list[str] = []
    taken: dict = {}
    for trace in traces:
        column = _series_name(trace, val_title, taken)
        columns.append(column)
        cats = list(trace.y if horizontal else trace.x)
        vals = list(trace.x if horizontal else trace.y)
        labels = list(trace.text) if isinstance(trace.text, (list, tuple, np.ndarray)) and \
            len(trace.text) == len(vals) and trace.type == "bar" else None
        waits = list(trace.customdata) if cat_axis.type == "log" and trace.customdata is not None else None
        for i, (cat, val) in enumerate(zip(cats, vals)):
            if waits is not None:
                key = (float(cat), _plain(waits[i]))  # Kaplan–Meier: the wait as words
            elif _is_time([cat]):
                key = (pd.Timestamp(cat), _when(cat, cat_axis.tickformat))
            else:
                key = (i if horizontal else cat, _plain(cat))
            cells.setdefault(key, {})[column] = labels[i] if labels else _number(val, val_axis.tickformat)
    keys = sorted(cells, key=lambda k: k[0]) if not horizontal else list(cells)
    first = _title(cat_axis) or ("Name" if horizontal else "Period" if keys and isinstance(keys[0][0], pd.Timestamp)
                                 else "x")
    rows = [{first: k[1], **{c: cells[k].get(c, "") for c in columns}} for k in keys]
    return pd.DataFrame(rows, columns=[first, *columns])


def table(fig: go.Figure) -> pd.DataFrame:
    """The chart's data as a table of text cells, exactly as the chart shows them."""
    traces = data_traces(fig)
    if not traces:
        return pd.DataFrame()
    if traces[0].type == "heatmap":
        return _heatmap(traces[0], fig)
    if all(t.type == "scatter" and t.hovertext is not None for t in traces):
        return _points(traces, fig)
    return _along(traces, fig)


def _finite(values) -> np.ndarray:
    return np.isfinite(np.asarray([np.nan if v is None else v for v in values], dtype=float))


def _drawable(trace) -> int:
    """How many of a trace's values a person can see: a bar or marker each shown value, a
    bare line only values with a shown neighbour (a lone value between gaps draws nothing)."""
    if trace.type == "heatmap":
        return int(_finite(np.asarray(trace.z, dtype=float).ravel()).sum())
    values = trace.x if getattr(trace, "orientation", None) == "h" else trace.y
    shown = _finite(list(values if values is not None else []))
    if trace.type == "bar" or "markers" in (trace.mode or ""):
        return int(shown.sum())
    return int((shown[1:] & shown[:-1]).sum() * 2) if len(shown) > 1 else 0


def too_few(fig: go.Figure) -> str | None:
    """Why the chart would mislead rather than show (issue #15, section 3), or None: nothing to
    draw (the chart's own note says why), every value hidden or a lone one, a heatmap of one
    block. The page shows a "too few to chart" panel instead, with the sentence and the table."""
    traces = data_traces(fig)
    notes = _notes(fig)
    if not traces:
        return notes[0][:1].lower() + notes[0][1:] if notes else "nothing to chart for this selection"
    if traces[0].type == "heatmap":
        trace = traces[0]
        if len(trace.x) < 2 or _drawable(trace) < 2:
            return "too few questions to show by weekday and time of day"
        return None
    if sum(_drawable(t) for t in traces) < 2:
        return _why_few(traces, fig)
    return None


NOTHING = "nothing to chart in this selection"  # the reason when no trace holds a value


def _why_few(traces, fig: go.Figure) -> str:
    """What is true of a chart with fewer than two drawable values: it holds none (a page can
    say of what, ``ui.chart_view.show(too_few=…)``), some are hidden (1–7), or it has one day,
    week or bar only (a day of a million posts was "counts of 1–7 are hidden")."""
    horizontal = all(getattr(t, "orientation", None) == "h" for t in traces)
    cat_axis = fig.layout.yaxis if horizontal else fig.layout.xaxis
    cats, hidden = [], 0
    for trace in traces:
        along, values = (trace.y, trace.x) if horizontal else (trace.x, trace.y)
        cats += list(along if along is not None else [])
        hidden += int((~_finite(list(values))).sum()) if values is not None and len(values) else 0
        if trace.type == "bar" and isinstance(trace.text, (list, tuple, np.ndarray)):
            hidden += sum(str(t) == HIDDEN for t in trace.text)
    if not cats:
        return NOTHING
    if hidden:
        return "fewer than two values can be shown (counts of 1–7 are hidden)"
    distinct = list(dict.fromkeys(_plain(c) if not _is_time([c]) else pd.Timestamp(c) for c in cats))
    if len(distinct) == 1:  # the panel is Markdown (st.info): only our words and a date we format
        one = distinct[0]
        if isinstance(one, pd.Timestamp):
            unit = (_title(cat_axis).split(" ")[0] or "period").lower()
            return f"only one {unit} in the selection ({_when(one, cat_axis.tickformat)})"
        return "only one bar to show in this selection"  # its name is data: in the sentence (as text), not here
    return "fewer than two values can be shown"


def _notes(fig: go.Figure) -> list[str]:
    """The chart's notes that say something about its data: not the demo watermark, not the
    labels of target and median lines ("1 h" is no reason why a chart cannot be drawn)."""
    return [_plain(a.text) for a in fig.layout.annotations
            if a.name not in ("synthetic", LINE_LABEL) and a.text]


def summary(fig: go.Figure) -> str:
    """One sentence saying what the chart shows, from its table."""
    frame = table(fig)
    notes = _notes(fig)
    if frame.empty:
        return (notes[0] if notes else "Nothing to chart for this selection") + "."
    traces = data_traces(fig)
    if traces[0].type == "heatmap":
        values = np.asarray(traces[0].z, dtype=float)
        if not np.isfinite(values).any():
            return "Every cell is hidden: too few to show."
        r, c = np.unravel_index(np.nanargmax(values), values.shape)
        blank = int((~np.isfinite(values)).sum())
        return (f"Highest: {_plain(traces[0].y[r])} {_plain(traces[0].x[c])} ({frame.iloc[r, c + 1]})"
                + (f"; {blank} of {values.size} cells blank (too few to show)" if blank else "") + ".")
    if "Position" in frame.columns:
        out = frame[frame["Position"].str.contains("than expected")]
        said = "; ".join(f"{n} ({p.lower()})" for n, p in zip(out["Name"][:3], out["Position"][:3]))
        more = f" and {len(out) - 3} more" if len(out) > 3 else ""
        return (f"{len(frame)} shown; {len(out)} beyond the 99.8% limits" + (f": {said}{more}." if len(out) else ": "
                "all within them."))
    log = fig.layout.xaxis.type == "log"
    horizontal = all(getattr(t, "orientation", None) == "h" for t in traces)
    return _along_summary(frame, _title(fig.layout.yaxis), log=log, horizontal=horizontal)


def _value(text: str) -> float:
    """The number in a cell as shown ('1,235', '42%', '3.1'); NaN when hidden or empty."""
    match = re.search(r"-?[\d,]*\.?\d+", text or "")
    if not match or text == HIDDEN:
        return float("nan")
    number = float(match.group(0).replace(",", ""))
    return number / 100 if text.endswith("%") else number


# Lines drawn for reference (SPC's mean, limits and target): in the table, not in the sentence.
REFERENCE = ("Mean", "Upper limit", "Lower limit", "Target")


def _along_summary(frame: pd.DataFrame, y_title: str, *, log: bool, horizontal: bool) -> str:
    first = frame.columns[0]
    columns = [c for c in frame.columns[1:] if not str(c).startswith(REFERENCE)] or list(frame.columns[1:])
    cells = frame[columns]
    hidden = int((cells == HIDDEN).to_numpy().sum())
    tail = f"; {hidden} hidden (*: 1–7)" if hidden else ""
    if log:  # Kaplan–Meier curves: where each one ends
        ends = []
        for column in columns[:4]:
            rows = frame[frame[column].astype(str) != ""]
            if len(rows):
                ends.append(f"{column} {rows[column].iloc[-1]} after {rows[first].iloc[-1]}")
        more = f" and {len(columns) - 4} more" if len(columns) > 4 else ""
        return f"{y_title} at each curve's last step: " + "; ".join(ends) + more + "."
    values = cells.map(_value).to_numpy(dtype=float)
    if not np.isfinite(values).any():
        return f"{len(frame)} rows, every value hidden (*: 1–7)."
    r, c = np.unravel_index(np.nanargmax(values), values.shape)
    top = f"{frame.iloc[r, 0]} ({cells.iloc[r, c]}" + (f", {columns[c]}" if len(columns) > 1 else "") + ")"
    if horizontal:
        low = int(np.nanargmin(values[:, 0])) if len(columns) == 1 else None
        lowest = f", lowest {frame.iloc[low, 0]} ({cells.iloc[low, 0]})" if low is not None else ""
        return f"{', '.join(columns)} for {len(frame)} bars: highest {top}{lowest}{tail}."
    span = f"from {frame.iloc[0, 0]} to {frame.iloc[-1, 0]}" if len(frame) > 1 else f"on {frame.iloc[0, 0]}"
    if len(columns) == 1:
        return f"{columns[0]} {span}: highest {top}, last {frame.iloc[-1, 0]} ({cells.iloc[-1, 0]}){tail}."
    return f"{len(columns)} series {span}; highest {top}{tail}."


def file_stem(key: str) -> str:
    """A download's file name from the chart's widget key: 'chart_regions' -> 'chart-regions-data'."""
    return re.sub(r"[^a-z0-9]+", "-", key.lower()).strip("-") + "-data"
