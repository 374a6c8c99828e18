"""Plotly figures drawn by Vega-Lite (issue #16: what a person waits for).

The figure stays the data model: ``ui.charts`` and ``ui.spc_charts`` build plotly figures,
``ui.chart_text`` reads them for the summary sentence and the table, the tests read them.
Only the drawing changes: :func:`spec` turns a figure into a layered Vega-Lite spec, drawn
with ``st.vega_lite_chart``. Why: a new tab that receives a plotly chart loads and evaluates
plotly.js (a 4.7 MB chunk, 3-4 s of script on this machine) before anything is drawn; Vega's
chunk is ~0.8 MB (docs/benchmarks.md, issue #16).

Every value the spec carries is one the figure carries (after the display boundary); colours,
dashes and marker shapes are the figure's own, so colour is never the only cue. Hover text is
a ``tooltip`` list of the fields a ``hovertemplate`` names, shown by Vega as text, never HTML.
What the converter cannot draw faithfully (:func:`spec` returns None) stays a plotly chart.

What a rerun sends (issue #16): each layer carries only the fields it draws; layers drawn from
the same rows (a line and its hover targets, a bar, its whiskers and labels, one marker shape
of a trace) share one table, a named ``datasets`` entry sent as Arrow (:func:`as_sent`), with
the layer's own rows picked by a filter (``{"field": "y", "valid": true}``); a tooltip line the
same on every row is made once by a ``calculate``; tables too small to gain stay inline.
``python bench/chart_bytes.py`` measures it per page.
"""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

from ui.vega_legend import legend_layer, style_of
from ui.vega_marks import Layers, Unsupported, _ms, flat_layers, plain, sent_table  # noqa: F401 (_ms, flat_layers: tests)

_PLACE = re.compile(r"%\{([^}|:]+)(?:([|:])([^}]*))?\}")
SUPPORTED = {"scatter", "bar", "heatmap"}


def _date_text(ms, fmt: str) -> str | None:
    return None if ms is None else pd.Timestamp(ms, unit="ms").strftime(fmt)


def _number_text(value, fmt: str) -> str:
    """A number in a d3 format (the subset the builders use: ',', ',d', '.0%', '.1%', '.1f')."""
    if value is None:
        return "*"
    if not isinstance(value, (int, float)):
        return str(value)
    m = re.fullmatch(r"(,?)(?:\.(\d+))?([df%]?)", fmt or "")
    if not m:
        return f"{value:,}" if float(value).is_integer() else f"{value:,.2f}"
    comma, digits, kind = m.groups()
    if kind == "%":
        return f"{value:{comma}.{digits or 0}%}"
    if kind == "d" or (not digits and float(value).is_integer()):
        return f"{round(value):{comma}d}"
    return f"{value:{comma}.{digits or 2}f}" if kind == "f" or digits else f"{value:{comma}}"


def tooltip(trace: dict, rows: list[dict], x_time: bool, formats: dict | None = None) -> list[dict]:
    """The hover text of ``trace`` as tooltip fields on ``rows``: one field per line of its
    ``hovertemplate``, each line's text made here from the values the template names (the
    figure's own, already past the display boundary), titled by the trace's name. ``formats``:
    the axes' ``hoverformat`` by axis, for a bare ``%{y}`` as plotly formats it (an SPC limit
    showed 9597.898550724638)."""
    template = trace.get("hovertemplate")
    if not template or trace.get("hoverinfo") == "skip":
        return []
    template = re.sub(r"<extra>.*?</extra>", "", template)
    lines = [line for line in template.split("<br>") if line.strip()]
    fields = []
    for i, line in enumerate(lines):
        name = f"tip{i}"
        for row in rows:
            row[name] = _fill(line, row, x_time, formats or {})
        fields.append({"field": name, "type": "nominal", "title": " " * (i + 1)})
    return fields


def _fill(line: str, row: dict, x_time: bool, formats: dict) -> str:
    def one(m: re.Match) -> str:
        key, sep, fmt = m.group(1).strip(), m.group(2), m.group(3) or ""
        value = _lookup(key, row)
        if sep is None and formats.get(key) and not (x_time and key == "x"):
            sep, fmt = ":", formats[key]
        if sep == "|" and x_time and key == "x":
            return _date_text(value, fmt) or "*"
        return _number_text(value, fmt) if sep == ":" else ("*" if value is None else
                                                              _number_text(value, "") if isinstance(value, float) else str(value))
    return plain(_PLACE.sub(one, line))


def _lookup(key: str, row: dict):
    m = re.fullmatch(r"customdata\[(\d+)\]", key)
    if m:
        cd = row.get("_customdata")
        return cd[int(m.group(1))] if isinstance(cd, (list, tuple)) else None
    if key == "customdata":
        return row.get("_customdata")
    return row.get({"hovertext": "_hovertext", "text": "_text"}.get(key, key))


def spec(figure) -> dict | None:
    """A Vega-Lite spec drawing ``figure``, or None when it uses something not converted."""
    try:
        return _spec(figure)
    except Unsupported:
        return None


def _spec(figure) -> dict | None:
    layout = figure.layout.to_plotly_json()
    traces = [t.to_plotly_json() for t in figure.data]
    if any(t.get("type") not in SUPPORTED for t in traces):
        return None
    if any(not isinstance(t.get("marker", {}).get("color", ""), (str, list, tuple, np.ndarray))
           for t in traces):
        return None
    layers = Layers(layout, traces)
    if not layers.supported():
        return None
    for trace in traces:
        layers.add(trace, tooltip)
    layers.add_shapes(layout.get("shapes") or ())
    layers.add_annotations(layout.get("annotations") or ())
    entries = [style_of(t) for t in _legend_traces(layout, traces)]
    if entries:
        layers.items.append(legend_layer(entries, layout))
    return layers.assemble()


def as_sent(spec: dict) -> dict:
    """``spec`` for ``st.vega_lite_chart``: its named datasets as Arrow tables, which Streamlit
    sends beside the spec as they are (rows of JSON named every field in every row, and
    carried each number as text: issue #16). The spec itself is left as it is."""
    if not spec.get("datasets"):
        return spec
    return spec | {"datasets": {name: sent_table(name, rows) for name, rows in spec["datasets"].items()}}


def _legend_traces(layout: dict, traces: list[dict]) -> list[dict]:
    """The traces plotly lists in its legend: shown, named, first of their legend group."""
    if not layout.get("showlegend", len(traces) > 1):
        return []
    seen, out = set(), []
    for t in traces:
        if t.get("showlegend") is False or not t.get("name"):
            continue
        group = t.get("legendgroup")
        if group and group in seen:
            continue
        seen.add(group)
        out.append(t)
    return out
