"""The legend of :mod:`ui.vega`: one entry per trace plotly lists, drawn by a layer with no
marks whose colour, fill, dash and shape scales Vega-Lite merges into one legend."""
from __future__ import annotations

import re

from ui import palette
from ui.vega_marks import LABEL_LIMIT, LINE_SYMBOL, _symbol, dash, plain


def style_of(t: dict) -> dict:
    """A trace's legend entry: its name, colour, dash and shape (a line, a marker, a band)."""
    line, marker = t.get("line") or {}, t.get("marker") or {}
    mode = t.get("mode") or ""
    if t.get("fill"):
        c = t.get("fillcolor") or line.get("color")
        edge = re.sub(r"rgba\((\d+),\s*(\d+),\s*(\d+),\s*[\d.]+\)", r"rgba(\1,\2,\3,0.5)", c)
        return {"name": plain(t["name"]), "fill": c, "stroke": edge, "shape": "square", "dash": [1, 0]}
    if t.get("type") == "bar":
        c = marker.get("color") if isinstance(marker.get("color"), str) else palette.MID_BLUE
        return {"name": plain(t["name"]), "fill": c, "stroke": c, "shape": "square", "dash": [1, 0]}
    if "markers" in mode and "lines" not in mode:  # a line with markers: its line (colour, dash)
        symbol = marker.get("symbol", "circle")
        fill = marker.get("color") if isinstance(marker.get("color"), str) else palette.GREY
        stroke = (marker.get("line") or {}).get("color") if fill == "rgba(0,0,0,0)" else fill
        return {"name": plain(t["name"]), "fill": fill, "stroke": stroke or fill,
                "shape": _symbol(symbol if isinstance(symbol, str) else "circle"), "dash": [1, 0]}
    c = line.get("color", palette.MID_BLUE)
    return {"name": plain(t["name"]), "fill": c, "stroke": c, "shape": LINE_SYMBOL,
            "dash": dash(line.get("dash"), line.get("width", 2)) or [1, 0]}


def legend_layer(entries: list[dict], layout: dict) -> dict:
    """The legend: a layer with no marks whose colour, dash and shape scales list every entry
    (one field, one domain: Vega-Lite merges them into one legend, each entry with its colour,
    dash and the marks' own shape, so colour is never the only sign). Below the plot, in as
    many columns as fit the chart's container: a legend wider than a half-width chart made
    autosize "fit" shrink its plot to nothing (issue #16)."""
    del layout  # plotly's legend place: the legend is always below here
    names = [e["name"] for e in entries]
    column = min(LABEL_LIMIT, 7 * max(len(n) for n in names)) + 40  # px: symbol, label, gap
    spec = {"title": None, "orient": "bottom", "direction": "horizontal", "symbolStrokeWidth": 2.5,
            "columns": {"expr": f"min({len(names)}, max(1, floor((containerSize()[0] - 90) / {column})))"},
            "labelLimit": {"expr": f"max(80, min({LABEL_LIMIT}, containerSize()[0] - 130))"},
            "labelColor": palette.INK, "symbolSize": 150, "symbolOpacity": 1, "labelOffset": 18}

    def channel(key: str) -> dict:
        return {"field": "series", "type": "nominal", "legend": spec,
                "scale": {"domain": names, "range": [e[key] for e in entries]}}
    return {"mark": {"type": "point", "filled": False, "strokeWidth": 2.5, "aria": False, "tooltip": None},
            "data": {"values": [{"series": n} for n in names]},
            "transform": [{"filter": "false"}],
            "encoding": {"color": channel("stroke"), "fill": channel("fill"), "strokeDash": channel("dash"),
                         "shape": channel("shape")}}
