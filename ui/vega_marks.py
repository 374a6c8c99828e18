"""The marks of :mod:`ui.vega`: one Vega-Lite layer per plotly trace, shape or annotation.

Fields every layer shares: ``x`` and ``y`` (so the layers share their scales and axes),
``x0``/``y0`` (a bar's or band's other end), ``text``, ``colour`` and ``shape`` (per point,
drawn as given: ``scale: null``) and ``tip0..`` (tooltip lines, :func:`ui.vega.tooltip`).
"""
from __future__ import annotations

import hashlib
import json
import math
import re

from datetime import date, datetime

import numpy as np
import pandas as pd

from ui import palette

_TAG = re.compile(r"<[^>]+>")

SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json"
SYMBOLS = {"circle": "circle", "diamond": "diamond", "square": "square", "cross": "cross",
           "triangle-up": "triangle-up", "triangle-down": "triangle-down", "x": "cross"}
_DASH = {"solid": None, "dot": (1, 1), "dash": (3, 3), "longdash": (5, 5), "dashdot": (3, 1, 1, 1),
         "longdashdot": (5, 2, 1, 2)}
# a legend entry for a line: a stroke (an SVG path) drawn from the symbol's left edge to twice its
# width, so a long dash shows its gaps (a 12 px stroke showed "longdash" as solid)
LINE_SYMBOL = "M-1,0L3,0"
LABEL_LIMIT = 300  # px: a legend label's longest before "…"
AXIS_LABEL_LIMIT = "max(60, min(420, containerSize()[0] * 0.4))"
# The plot's height is the figure's less this (plotly's height took in its axes and legend):
# the spec fits its width only (autosize "fit-x"), so its legend and axes add to its height
# rather than squeezing a half-width chart's plot to a strip (issue #16)
MARGIN = 60


class Unsupported(Exception):
    """The figure uses something not converted: it stays a plotly chart."""


def plain(text) -> str:
    """Plotly chart text without its markup ('<br>' becomes a space)."""
    return _TAG.sub("", str(text or "").replace("<br>", " ")).strip()


def _values(v, n: int | None = None) -> list:
    """Trace values as JSON values: NaN / NaT / NA -> None, dates -> epoch milliseconds (UTC)."""
    if v is None:
        return [None] * (n or 0)
    if isinstance(v, (str, int, float)):
        return [v] * (n or 1)
    out = []
    for x in list(v.tolist() if hasattr(v, "tolist") and not isinstance(v, pd.Series) else v):
        if x is None or x is pd.NaT or (isinstance(x, float) and math.isnan(x)) or x is pd.NA:
            out.append(None)
        elif isinstance(x, (pd.Timestamp, datetime, date, np.datetime64)):
            out.append(_ms(x))
        elif isinstance(x, np.generic):
            out.append(None if isinstance(x, np.floating) and np.isnan(x) else x.item())
        else:
            out.append(x)
    return out


def _ms(x) -> int | None:
    t = pd.Timestamp(x)
    if t is pd.NaT:
        return None
    if t.tzinfo is not None:
        t = t.tz_convert("UTC").tz_localize(None)
    return int(t.value // 1_000_000)


def _is_time(v) -> bool:
    items = [x for x in (list(v) if v is not None and not isinstance(v, str) else []) if x is not None]
    return bool(items) and all(isinstance(x, (pd.Timestamp, datetime, date, np.datetime64)) for x in items[:5])


def _is_text(v) -> bool:
    items = [x for x in (list(v) if v is not None and not isinstance(v, str) else []) if x is not None]
    return bool(items) and all(isinstance(x, str) for x in items[:5])


def dash(name, width: float) -> list[float] | None:
    """Plotly's dash pattern (its unit is the line width, at least 3 px) as a strokeDash."""
    unit = max(float(width or 2), 3.0)
    pattern = _DASH.get(name or "solid", "unknown")
    if pattern == "unknown":
        raise Unsupported(f"dash {name!r}")
    return None if pattern is None else [p * unit for p in pattern]


def tick_format(fmt: str, span: float | None) -> tuple[str, float | None]:
    """An axis's d3 format with decimals enough that its tick labels differ, and the smallest
    tick step it can write (Vega's ``tickMinStep``): ".0%" over 65-69% drew half-percent ticks
    as 69, 68, 68, 67, 67% (tryout 3). A fixed-decimal format (".0%", ",.1f") gains a decimal
    while ``span`` holds fewer than 3 steps of it; whole numbers (",d") keep whole steps."""
    if re.fullmatch(r",?d", fmt or ""):
        return fmt, None if span is None else 1
    m = re.fullmatch(r"(,?)\.(\d+)([f%])", fmt or "")
    if not m or span is None or not span > 0:
        return fmt, None
    comma, digits, kind = m.group(1), int(m.group(2)), m.group(3)
    unit = 0.01 if kind == "%" else 1.0
    while span < 3 * unit * 10 ** -digits and digits < 6:
        digits += 1
    return f"{comma}.{digits}{kind}", round(unit * 10 ** -digits, digits + 2)


def _ink(colour: str) -> str:
    """White or ink, whichever reads better on ``colour`` (plotly's 'inside' bar labels)."""
    if not re.fullmatch(r"#[0-9A-Fa-f]{6}", str(colour)):
        return palette.INK
    return "white" if palette.contrast("#FFFFFF", colour) >= palette.contrast(palette.INK, colour) else palette.INK


def _kind(values) -> str:
    return "temporal" if _is_time(values) else "nominal" if _is_text(values) else "quantitative"


class Layers:
    """The layers of one figure, their shared x and y encodings, and the spec around them."""

    def __init__(self, layout: dict, traces: list[dict]):
        self.layout, self.traces, self.items = layout, traces, []
        self.horizontal = any(t.get("type") == "bar" and t.get("orientation") == "h" for t in traces)
        xs = [v for t in traces for v in _list(t.get("x")) if v is not None]
        ys = [v for t in traces for v in _list(t.get("y")) if v is not None]
        self.x_kind = _kind(xs) if xs else "quantitative"
        self.y_kind = _kind(ys) if ys else "quantitative"
        self.x_cats = list(dict.fromkeys(v for v in xs if self.x_kind == "nominal"))
        self.y_cats = list(dict.fromkeys(v for v in ys if self.y_kind == "nominal"))

    def supported(self) -> bool:
        return not any(k.startswith(("xaxis2", "yaxis2")) for k in self.layout)

    # --- the shared axes -------------------------------------------------------------------
    def channel(self, axis: str) -> dict:
        spec = self.layout.get(f"{axis}axis") or {}
        kind = self.x_kind if axis == "x" else self.y_kind
        title = plain((spec.get("title") or {}).get("text"))
        enc: dict = {"field": axis, "type": kind, "title": title or None}
        ax: dict = {"labelColor": palette.INK, "titleColor": palette.INK, "grid": kind != "nominal",
                    # at most 40% of the chart's width: long trust names left a half-width bar
                    # chart no plot at 1024 px (issue #16); a cut name ends "…", whole in the tooltip
                    "labelLimit": {"expr": AXIS_LABEL_LIMIT}}
        scale: dict = {}
        fmt = spec.get("tickformat")
        if spec.get("visible") is False:
            ax.update(labels=False, ticks=False, domain=False, grid=False, title=None)
        if kind == "temporal":
            scale["type"] = "utc"
            if fmt:
                ax["format"] = fmt
            if spec.get("range"):
                scale["domain"] = _values(spec["range"])
        elif kind == "nominal":
            cats = self.x_cats if axis == "x" else self.y_cats
            reverse = spec.get("autorange") == "reversed"
            # plotly's first category is at the left, or at the bottom unless reversed
            enc["sort"] = cats if axis == "x" or reverse else cats[::-1]
            heatmap = any(t.get("type") == "heatmap" for t in self.traces)  # its gaps are the cells' edges
            scale["paddingInner"] = 0 if heatmap else float(self.layout.get("bargap", 0.2))
            ax["labelExpr"] = "replace(datum.label, /<br>/g, ' ')"
        else:
            if spec.get("type") == "log":
                scale["type"] = "log"
                if spec.get("range"):
                    scale["domain"] = [10 ** float(v) for v in spec["range"]]
            elif spec.get("range"):
                scale["domain"] = [float(v) for v in spec["range"]]
            # plotly's "nonnegative" autoranges (clamped at 0); only "tozero" takes in 0, and so does
            # the axis bars are measured along (plotly's autorange keeps a bar's base: a rate bar
            # drawn from the smallest rate misstated every length)
            along_bars = any(t.get("type") == "bar" for t in self.traces) and axis == ("x" if self.horizontal else "y")
            if scale.get("type") != "log":  # a log scale has no 0 (Vega-Lite warns and drops it)
                scale["zero"] = along_bars or spec.get("rangemode", "tozero" if axis == "y" else "normal") == "tozero"
            if spec.get("autorange") == "reversed":
                scale["reverse"] = True
            if fmt:
                lo, hi = scale.get("domain") or self.extent(axis, scale.get("zero", False))
                ax["format"], step = tick_format(fmt, None if scale.get("type") == "log" else hi - lo)
                if step:
                    ax["tickMinStep"] = step
            if spec.get("dtick") == 1:
                ax["tickMinStep"] = 1
        if spec.get("tickvals") is not None:
            vals, words = _values(spec["tickvals"]), list(spec.get("ticktext") or [])
            if kind == "nominal":
                ax["values"] = vals
            else:
                ax["values"] = vals
                if words:
                    cases = " : ".join(f"datum.value == {v} ? {_js(w)}" for v, w in zip(vals, words))
                    ax["labelExpr"] = f"{cases} : ''"
        if kind == "nominal" and spec.get("tickvals") is not None and spec.get("ticktext"):
            pairs = dict(zip(_list(spec["tickvals"]), spec["ticktext"]))
            cases = " : ".join(f"datum.value == {_js(v)} ? {_js(w)}" for v, w in pairs.items())
            ax["labelExpr"] = f"{cases} : ''"
        if spec.get("tickangle") == 0:
            ax["labelAngle"] = 0
        enc["axis"] = ax
        if scale:
            enc["scale"] = scale
        return enc

    def extent(self, axis: str, zero: bool) -> tuple[float, float]:
        """The lowest and highest numbers the traces put on ``axis`` (0 included with ``zero``)."""
        values = [float(v) for t in self.traces for v in _list(t.get(axis))
                  if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)]
        values += [0.0] if zero or not values else []
        return min(values), max(values)

    def hover_formats(self) -> dict:
        """Each axis's ``hoverformat``: how plotly writes a bare ``%{x}`` / ``%{y}``."""
        return {axis: (self.layout.get(f"{axis}axis") or {}).get("hoverformat") for axis in ("x", "y")}

    def xy(self, x: str = "x", y: str = "y") -> dict:
        ex, ey = self.channel("x"), self.channel("y")
        ex["field"], ey["field"] = x, y
        return {"x": ex, "y": ey}

    # --- traces ----------------------------------------------------------------------------
    def add(self, trace: dict, tooltip) -> None:
        kind = trace.get("type")
        if kind == "scatter":
            self._scatter(trace, tooltip)
        elif kind == "bar":
            self._bar(trace, tooltip)
        elif kind == "heatmap":
            self._heatmap(trace, tooltip)

    def _rows(self, trace: dict) -> list[dict]:
        x, y = _values(trace.get("x")), _values(trace.get("y"))
        n = max(len(x), len(y))
        rows = [{"x": x[i] if i < len(x) else None, "y": y[i] if i < len(y) else None} for i in range(n)]
        for key, name in (("customdata", "_customdata"), ("text", "_text"), ("hovertext", "_hovertext")):
            value = trace.get(key)
            if value is None:
                continue
            if isinstance(value, str):
                value = [value] * n
            vals = [list(v) if hasattr(v, "__len__") and not isinstance(v, str) else v
                    for v in (value.tolist() if hasattr(value, "tolist") else value)]
            vals = [_values(v) if isinstance(v, list) else _values([v])[0] for v in vals]
            for row, v in zip(rows, vals):
                row[name] = v
        return rows

    def _layer(self, mark: dict, rows: list[dict], encoding: dict, tips: list[dict] | None = None,
               trace: dict | None = None, where: dict | None = None) -> dict:
        """One layer drawing ``rows`` (those ``where`` keeps: a Vega-Lite predicate). A trace's
        main layer (``trace`` given) is described by the trace's name and keeps its customdata,
        text and hovertext (and a stacked bar's own value): the values the plotly JSON carried,
        no more (tests read them back as the browser gets them, tests/support.py). The layer
        carries only the fields it draws; :meth:`assemble` puts the rows in place."""
        enc = dict(encoding)
        if tips:
            enc["tooltip"] = tips
        else:  # Streamlit's theme turns tooltips on: every field by its raw name ("text ▲")
            mark = mark | {"tooltip": None}
        drawn = _fields(enc) | _fields(where)
        keep = {f: f for f in sorted(drawn)}
        if trace is not None:
            present = {k for r in rows for k in r}
            keep |= {k[1:]: k for k in ("_customdata", "_text", "_hovertext") if k in present}
            keep |= {"v": "v"} if "v" in present else {}
        # no ARIA per mark: the chart's text alternative is its summary and table (ui.chart_view)
        layer = {"mark": mark | {"aria": False}, "data": {"values": rows}, "encoding": enc,
                 "_keep": keep}
        if where is not None:
            layer["transform"] = [{"filter": where}]
        if trace is not None:
            layer["description"] = str(trace.get("name") or trace.get("type"))
        return layer

    def _scatter(self, t: dict, tooltip) -> None:
        rows = self._rows(t)
        if not rows or all(r["x"] is None and r["y"] is None for r in rows):
            return  # a legend entry only (x=[None])
        line, marker = t.get("line") or {}, t.get("marker") or {}
        mode = t.get("mode") or ("lines" if t.get("fill") else "markers")
        clip = bool((self.layout.get("xaxis") or {}).get("range") or (self.layout.get("yaxis") or {}).get("range"))
        step = {"interpolate": "step-after"} if line.get("shape") == "hv" else {}
        if line.get("shape") not in (None, "linear", "hv"):
            raise Unsupported(f"line shape {line.get('shape')!r}")
        if t.get("fill"):
            if t["fill"] != "toself" or len(rows) % 2:
                raise Unsupported(f"fill {t['fill']!r}")
            half = len(rows) // 2
            top, bottom = rows[:half], rows[half:][::-1]
            if [r["x"] for r in top] != [r["x"] for r in bottom]:
                raise Unsupported("a filled shape that is not a band")
            band = [{"x": a["x"], "y": a["y"], "y0": b["y"]} for a, b in zip(top, bottom)]
            fill = t.get("fillcolor") or line.get("color") or palette.MID_BLUE
            mark = {"type": "area", "fill": fill, "opacity": float(t.get("opacity", 1)), "clip": clip,
                    "strokeWidth": 0, **step}
            enc = self.xy()
            enc["y2"] = {"field": "y0"}
            self.items.append(self._layer(mark, band, enc, trace=t))
            return
        x_time = self.x_kind == "temporal"
        tips = tooltip(t, rows, x_time, self.hover_formats())
        if "lines" in mode:
            colour = line.get("color") or marker.get("color") or palette.MID_BLUE
            mark = {"type": "line", "stroke": colour, "strokeWidth": float(line.get("width", 2)), "clip": clip,
                    **step}
            stroke = dash(line.get("dash"), line.get("width", 2))
            if stroke:
                mark["strokeDash"] = stroke
            if t.get("connectgaps") is False:
                mark["invalid"] = "break-paths-show-domains"
            self.items.append(self._layer(mark, rows, self.xy(), trace=t))
            if tips and "markers" not in mode:  # hover targets on the line's points
                hover = {"type": "point", "filled": True, "fill": "transparent", "size": 120, "clip": clip}
                # the line's own rows, those with a y (one table for both layers: issue #16)
                self.items.append(self._layer(hover, rows, self.xy(), tips, where=VALID_Y))
        if "markers" in mode:
            self.items.extend(self._points(t, rows, tips, clip, primary="lines" not in mode))
        if "text" in mode:
            self.items.append(self._text(t, rows, clip, tips))
        _ = plain

    def _points(self, t: dict, rows: list[dict], tips, clip: bool, primary: bool = True) -> list[dict]:
        """The trace's markers: one layer per marker shape, each shape a constant of its mark
        (a per-point shape field with no scale stopped the legend's shape scale, shared with
        every layer so that the legend is one, from drawing the shapes: all were circles)."""
        marker = t.get("marker") or {}
        size = float(marker.get("size", 6))
        mark: dict = {"type": "point", "filled": True, "size": size * size, "clip": clip, "opacity": 1}
        enc = self.xy()
        # plotly draws a line's markers in the line's colour unless told otherwise
        _fill(mark, enc, rows, marker.get("color", (t.get("line") or {}).get("color", palette.MID_BLUE)))
        symbol = marker.get("symbol", "circle")
        if isinstance(symbol, str):
            mark["shape"] = _symbol(symbol)
            if symbol == "x":
                mark["angle"] = 45
        else:
            for r, s in zip(rows, _list(symbol)):
                r["shape"] = _symbol(s)
        edge = marker.get("line") or {}
        if edge.get("width"):
            mark.update(stroke=edge.get("color", "white"), strokeWidth=float(edge["width"]))
        if "shape" in mark:
            return [self._layer(mark, rows, enc, tips, trace=t if primary else None, where=VALID_Y)]
        shapes = dict.fromkeys(r["shape"] for r in rows if r["y"] is not None)
        return [self._layer(mark | {"shape": shape}, rows, enc, tips, trace=t if primary else None,
                            where={"and": [VALID_Y, {"field": "shape", "equal": shape}]})
                for shape in shapes]

    def _text(self, t: dict, rows: list[dict], clip: bool, tips=None) -> dict:
        font = t.get("textfont") or {}
        place = t.get("textposition") or "middle center"
        mark = {"type": "text", "fill": font.get("color", palette.INK), "fontSize": float(font.get("size", 12)),
                "clip": clip, "lineBreak": "<br>"}
        if place.startswith("top"):
            mark.update(baseline="bottom", dy=-8)
        elif place.startswith("bottom"):
            mark.update(baseline="top", dy=8)
        for r in rows:
            r["text"] = r.get("_text")
        enc = self.xy()
        enc["text"] = {"field": "text", "type": "nominal"}
        return self._layer(mark, _same([r for r in rows if r["y"] is not None and r["text"]], rows), enc, tips)

    def _bar(self, t: dict, tooltip) -> None:
        horizontal = t.get("orientation") == "h"
        rows = self._rows(t)
        cat, val = ("y", "x") if horizontal else ("x", "y")
        stacked = self.layout.get("barmode") == "stack"
        base = self.__dict__.setdefault("_stack", {})
        for r in rows:
            v = r[val] or 0
            start = base.get(r[cat], 0) if stacked else 0
            if stacked:
                r["v"] = r[val]  # the bar's own value (x, y are where its stacked ends are)
            r[val + "0"], r[val] = start, start + v
            if stacked:
                base[r[cat]] = start + v
        colour = (t.get("marker") or {}).get("color", palette.MID_BLUE)
        mark: dict = {"type": "bar"}
        enc = self.xy()
        enc[val + "2"] = {"field": val + "0"}
        if self.x_kind == "temporal" and not horizontal:
            enc["x"]["timeUnit"] = "utcyearmonthdate"
            mark["width"] = {"band": 1 - float(self.layout.get("bargap", 0.2))}
        _fill(mark, enc, rows, colour)
        tips = tooltip(t, rows, self.x_kind == "temporal", self.hover_formats())
        error = t.get("error_x") if horizontal else None
        if error:
            plus, minus = _values(error.get("array")), _values(error.get("arrayminus", error.get("array")))
            for r, p, m in zip(rows, plus, minus):
                r["lo"], r["hi"] = r[val] - (m or 0), r[val] + (p or 0)
        self.items.append(self._layer(mark, rows, enc, tips, trace=t))
        if error:
            ink, width = error.get("color", palette.INK), float(error.get("thickness", 1))
            whisk = self.xy("lo", "y")
            whisk["x2"] = {"field": "hi"}
            self.items.append(self._layer({"type": "rule", "stroke": ink, "strokeWidth": width}, rows, whisk))
            for end in ("lo", "hi"):
                cap = self.xy(end, "y")
                self.items.append(self._layer({"type": "tick", "stroke": ink, "thickness": width, "size": 8},
                                              rows, cap))
        if t.get("text") is not None:
            self.items.append(self._bar_text(t, rows, horizontal, colour, tips, bool(error)))

    def _bar_text(self, t: dict, rows: list[dict], horizontal: bool, colour, tips, whiskers: bool) -> dict:
        """A bar's value labels, with the bar's tooltip; outside a bar with a whisker, past
        the whisker's end (on the bar's end the label ran into the whisker)."""
        inside = t.get("textposition") == "inside"
        val = "x" if horizontal else "y"
        for r in rows:
            r["text"] = r.get("_text")
            r["mid"] = (r[val] + r[val + "0"]) / 2
        mark: dict = {"type": "text", "fontSize": 12}
        if inside:
            mark.update(fill=_ink(colour if isinstance(colour, str) else palette.MID_BLUE), align="center")
        else:
            mark.update(fill=palette.INK, align="left" if horizontal else "center",
                        **({"dx": 4} if horizontal else {"dy": -6, "baseline": "bottom"}))
        enc = self.xy("mid" if inside and horizontal else "hi" if whiskers and not inside else "x",
                      "mid" if inside and not horizontal else "y")
        if self.x_kind == "temporal" and not horizontal:
            enc["x"]["timeUnit"] = "utcyearmonthdate"
            enc["x"]["bandPosition"] = 0.5
        enc["text"] = {"field": "text", "type": "nominal"}
        shown = [r for r in rows if r["text"] not in (None, "")]
        if inside:  # plotly hides an inside label that does not fit; so does a zero-length bar here
            shown = [r for r in shown if r[val] != r[val + "0"]]
        elif horizontal and shown:
            # room on the right for the longest label: autosize lays out once, at the wide
            # width, so a label past a narrowed plot's end was cut off (seen at 1024 px)
            self.right = max(getattr(self, "right", 0), 7 * max(len(str(r["text"])) for r in shown) + 8)
        return self._layer(mark, _same(shown, rows), enc, tips)

    def _heatmap(self, t: dict, tooltip) -> None:
        xs, ys, z = _list(t.get("x")), _list(t.get("y")), [_values(row) for row in _list(t.get("z"))]
        custom = _list(t.get("customdata"))
        rows = []
        for i, yv in enumerate(ys):
            for j, xv in enumerate(xs):
                value = z[i][j] if i < len(z) and j < len(z[i]) else None
                if value is None:
                    continue  # a hidden cell is blank
                row = {"x": xv, "y": yv, "z": value}
                if custom:
                    row["_customdata"] = custom[i][j]
                rows.append(row)
        self.x_cats, self.y_cats = list(xs), list(ys)
        stops = t.get("colorscale") or [[0, "#FFFFFF"], [1, palette.DARK_BLUE]]
        if not isinstance(stops, (list, tuple)):
            raise Unsupported(f"colorscale {stops!r}")
        bar = t.get("colorbar") or {}
        legend = {"title": plain((bar.get("title") or {}).get("text")) or None, "gradientLength": 160,
                  "titleLimit": 240, "orient": "right"}
        if bar.get("tickformat"):
            legend["format"] = bar["tickformat"]
        zmin, zmax = float(t.get("zmin", 0)), float(t.get("zmax", 1))
        colour = {"field": "z", "type": "quantitative", "legend": legend,
                  "scale": {"domain": [zmin + (zmax - zmin) * float(s) for s, _ in stops],
                            "range": [c for _, c in stops]}}
        enc = self.xy()
        enc["fill"] = colour
        mark = {"type": "rect", "stroke": "white", "strokeWidth": float(t.get("xgap", 0))}
        self.items.append(self._layer(mark, rows, enc, tooltip(t, rows, False), trace=t))

    # --- shapes and annotations ---------------------------------------------------------------
    def add_shapes(self, shapes) -> None:
        for s in shapes:
            if s.get("type") != "line":
                raise Unsupported(f"shape {s.get('type')!r}")
            line = s.get("line") or {}
            mark: dict = {"type": "rule", "stroke": line.get("color", palette.INK),
                          "strokeWidth": float(line.get("width", 1))}
            pattern = dash(line.get("dash"), line.get("width", 1))
            if pattern:
                mark["strokeDash"] = pattern
            xref, yref = s.get("xref", "x"), s.get("yref", "y")
            if xref == "x" and yref == "y domain" and s.get("x0") == s.get("x1"):
                row, enc = {"x": s["x0"]}, {"x": self.channel("x")}
            elif yref == "y" and xref == "x domain" and s.get("y0") == s.get("y1"):
                row, enc = {"y": s["y0"]}, {"y": self.channel("y")}
            else:
                raise Unsupported("a line shape that is not across the plot")
            self.items.append(self._layer(mark, [row], enc))

    def add_annotations(self, notes) -> None:
        for a in notes:
            font = a.get("font") or {}
            mark: dict = {"type": "text", "fill": font.get("color", palette.INK),
                          "fontSize": float(font.get("size", 12)),
                          "align": {"left": "left", "right": "right"}.get(a.get("xanchor"), "center"),
                          "baseline": {"top": "top", "bottom": "bottom"}.get(a.get("yanchor"), "middle"),
                          "text": plain(a.get("text")),
                          # never wider than the plot: a longer note made autosize "fit" shrink
                          # a half-width chart's plot to nothing (issue #16); cut with "…"
                          "limit": {"expr": "width"}}
            if a.get("textangle"):
                mark["angle"] = float(a["textangle"]) % 360
                # a slanted mark (the demo watermark) shrinks with a narrow chart, not cut short
                chars = max(1, len(mark["text"]))
                mark["fontSize"] = {"expr": f"min({mark['fontSize']}, containerSize()[0] * 0.9 / {chars})"}
                mark["limit"] = {"expr": "containerSize()[0] * 0.6"}
            enc = {}
            for axis, size in (("x", "width"), ("y", "height")):
                ref, at = a.get(f"{axis}ref", axis), a.get(axis, 0.5)
                if ref == axis:
                    enc[axis] = self.channel(axis) | {"datum": at}
                    enc[axis].pop("field", None)
                elif ref in ("paper", f"{axis} domain"):
                    share = float(at) if axis == "x" else 1 - float(at)
                    enc[axis] = {"value": {"expr": f"{size} * {share}"}}
                else:
                    raise Unsupported(f"annotation {axis}ref {ref!r}")
            self.items.append({"mark": mark | {"aria": False, "tooltip": None}, "data": {"values": [{}]},
                               "encoding": enc})

    def shared_axes(self, items: list[dict]) -> list[dict]:
        """The leading layers that encode both x and y (the traces' marks) nested in one layer
        that encodes the shared x and y once, each layer keeping only a channel of its own (a
        text at a bar's end, a bar's date): Vega-Lite merges a layer's encoding into its
        parent's, so what is drawn is the same, and the channel's axis, scale and title are
        sent once, not once per layer (issue #16)."""
        run = 0
        while run < len(items) and {"x", "y"} <= set(items[run].get("encoding", {})):
            run += 1
        if run < 2:
            return items
        common = self.xy()
        for layer in items[:run]:
            for axis in ("x", "y"):
                if layer["encoding"][axis] == common[axis]:
                    del layer["encoding"][axis]
        return [{"encoding": common, "layer": items[:run]}, *items[run:]]

    def assemble(self) -> dict:
        datasets = _tables(self.items)
        layers = self.shared_axes(self.items)
        height = max(120, int(self.layout.get("height") or 400) - MARGIN)
        font = (self.layout.get("font") or {}).get("family", "Arial, sans-serif")
        return {"$schema": SCHEMA, "width": "container", "height": height, "layer": layers,
                "autosize": {"type": "fit-x", "contains": "padding"},  # over Streamlit's "fit"
                "padding": {"left": 5, "top": 5, "bottom": 5, "right": 5 + getattr(self, "right", 0)},
                "config": {"font": font, "view": {"stroke": None},
                           "axis": {"labelFontSize": 12, "titleFontSize": 13, "titleFontWeight": "normal"},
                           "legend": {"labelFontSize": 12, "labelLimit": 400}},
                "resolve": {"scale": {"stroke": "independent"}}} | ({"datasets": datasets} if datasets else {})


def _js(value) -> str:
    """A JavaScript literal for a label expression (strings quoted, numbers as they are)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
        return repr(value)
    return "'" + str(value).replace("\\", "\\\\").replace("'", "\\'") + "'"


def _list(v) -> list:
    if v is None:
        return []
    if hasattr(v, "tolist"):
        return v.tolist()
    return list(v)



def _fill(mark: dict, enc: dict, rows: list[dict], colour) -> None:
    """A mark's fill: one colour on the mark, or (plotly's per-point colours) a ``colour`` field
    on each row drawn as is (no scale, no legend)."""
    if isinstance(colour, str):
        mark["fill"] = colour
        return
    for r, c in zip(rows, _list(colour)):
        r["colour"] = c
    enc["fill"] = {"field": "colour", "type": "nominal", "scale": None, "legend": None}

def _symbol(name) -> str:
    if name not in SYMBOLS:
        raise Unsupported(f"marker symbol {name!r}")
    return SYMBOLS[name]


# --- the layers' data (issue #16: the bytes a rerun sends) -----------------------------------
VALID_Y = {"field": "y", "valid": True}  # a point, hover target or label where the trace has a y
INLINE_MAX = 1000  # bytes of JSON: a smaller table stays in its layer (as does one Arrow would not make smaller)


def _same(shown: list[dict], rows: list[dict]) -> list[dict]:
    """``rows`` itself when ``shown`` keeps all of them, so that their layers share one table."""
    return rows if len(shown) == len(rows) else shown


def _fields(part) -> set[str]:
    """The fields an encoding (its channels, tooltip lists) or a filter predicate reads."""
    if isinstance(part, list):
        return {f for p in part for f in _fields(p)}
    if not isinstance(part, dict):
        return set()
    found = {part["field"]} if isinstance(part.get("field"), str) else set()
    for key, value in part.items():
        if key in ("and", "or", "not", "tooltip") or isinstance(value, dict) and key != "scale":
            found |= _fields(value)
    return found


def arrow(table: list[dict]):
    """``table`` as an Arrow table (a column per field; a null is None), as a named dataset is
    sent; None when Arrow would change a value: a field missing from some rows, or a column
    of mixed kinds (Streamlit turns such a column into strings)."""
    import pyarrow as pa  # noqa: PLC0415 - only for tables big enough to send as Arrow
    names = list(table[0]) if table else []
    if any(list(r) != names for r in table):
        return None
    try:
        return pa.table({name: [r[name] for r in table] for name in names})
    except (pa.ArrowException, TypeError, ValueError, OverflowError):
        return None


_ARROW_MADE: dict = {}  # dataset name (a hash of its rows) -> the Arrow table made to size it
_ARROW_KEPT = 64


def _remember_arrow(name: str, columns) -> None:
    _ARROW_MADE[name] = columns
    while len(_ARROW_MADE) > _ARROW_KEPT:  # the oldest first (dicts keep insertion order)
        _ARROW_MADE.pop(next(iter(_ARROW_MADE)), None)


def sent_table(name: str, table: list[dict]):
    """The Arrow table Streamlit is given for the dataset ``name``: the one made when its size
    was weighed (names are hashes of the rows, so equal names are equal tables), else made now."""
    made = _ARROW_MADE.get(name)
    return made if made is not None else arrow(table)


def _arrow_size(table) -> int:
    import pyarrow as pa  # noqa: PLC0415
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.tell()


def _same_x(groups: list[tuple]) -> list[tuple]:
    """Lines that are only an x and a y (a funnel's four control limits: 4 x 661 points) at
    the same xs, as one table: the xs once, each line's ys a column (``y``, ``y1``, ...) that
    its layer's y encodes."""
    lines: dict[str, list[tuple]] = {}
    for group in groups:
        rows, layers, fields = group
        layer = layers[0]
        if len(layers) == 1 and set(fields) == {"x", "y"} and layer["mark"]["type"] == "line" \
                and "transform" not in layer and len(rows) > 1:
            lines.setdefault(json.dumps([r.get("x") for r in rows], default=str), []).append(group)
    for same in lines.values():
        if len(same) < 2:
            continue
        table = [{"x": r.get("x"), "y": r.get("y")} for r in same[0][0]]
        layers = list(same[0][1])
        for k, (rows, (layer,), _) in enumerate(same[1:], 1):
            for row, r in zip(table, rows):
                row[f"y{k}"] = r.get("y")
            layer["encoding"]["y"] = layer["encoding"]["y"] | {"field": f"y{k}"}
            layers.append(layer)
        groups = [g for g in groups if not any(g is s for s in same)]
        groups.append((table, layers, {f: f for f in table[0]}))
    return groups


def _constant_tips(table: list[dict], layers: list[dict]) -> None:
    """A tooltip line that is the same text on every row (a curve's name above each of its 400
    steps) taken out of ``table`` and made once per layer by a ``calculate`` of that text (a
    JSON string is a Vega expression string literal): the tooltip shows the same text."""
    if len(table) < 2:
        return
    for name in [f for f in table[0] if f.startswith("tip")]:
        first = table[0][name]
        if isinstance(first, str) and all(r.get(name) == first and name in r for r in table):
            for r in table:
                del r[name]
            for layer in layers:
                layer["transform"] = [{"calculate": json.dumps(first, ensure_ascii=False), "as": name},
                                      *layer.get("transform", [])]


def _tables(items: list[dict]) -> dict[str, list[dict]]:
    """Put each layer's rows in place: the layers drawn from one list of rows share one table
    of the fields they draw (a line and its hover targets were the same rows twice), a named
    ``datasets`` entry (Streamlit sends it as Arrow: each field named once, numbers as binary),
    named by its content so that a changed table is a changed spec (Streamlit's browser side
    takes a same-named dataset with more rows for an append of rows); a table that Arrow would
    not make smaller, or would change (:func:`arrow`), stays inline in its layer. Returns the
    datasets, as rows (the spec stays JSON: ``ui.chart_view`` hands them to Streamlit as Arrow)."""
    groups: dict[int, tuple[list[dict], list[dict], dict[str, str]]] = {}
    for layer in items:
        keep = layer.pop("_keep", None)
        if keep is None:
            continue
        rows = layer["data"]["values"]
        _, layers, fields = groups.setdefault(id(rows), (rows, [], {}))
        layers.append(layer)
        for name, key in keep.items():
            fields.setdefault(name, key)
    datasets: dict[str, list[dict]] = {}
    for rows, layers, fields in _same_x(list(groups.values())):
        table = [{name: r.get(key) for name, key in fields.items() if key in r} for r in rows]
        _constant_tips(table, layers)
        text = json.dumps(table, separators=(",", ":"), default=str)
        columns = arrow(table) if len(text) * len(layers) >= INLINE_MAX else None
        if columns is None or _arrow_size(columns) >= len(text) * len(layers):
            for layer in layers:
                layer["data"] = {"values": table}
            continue
        name = "t" + hashlib.sha1(text.encode()).hexdigest()[:16]
        datasets[name] = table
        _remember_arrow(name, columns)
        for layer in layers:
            layer["data"] = {"name": name}
    return datasets


def flat_layers(spec: dict) -> list[dict]:
    """Every drawing layer of ``spec`` in drawing order, a nested layer's encoding merged into
    each of its layers (as Vega-Lite merges it): the layers as they were before nesting."""
    out = []
    for layer in spec.get("layer", []):
        if "layer" in layer:
            for inner in flat_layers(layer):
                out.append(inner | {"encoding": layer.get("encoding", {}) | inner.get("encoding", {})})
        else:
            out.append(layer)
    return out
