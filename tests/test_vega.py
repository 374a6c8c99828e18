"""ui.vega: every chart builder's figure, from the seeded demo warehouse's real query results,
drawn as a Vega-Lite spec that altair's schema (Vega-Lite v6) accepts, carrying exactly the
figure's values (the display boundary holds) and its colours, dashes and marker shapes."""
from __future__ import annotations

import json
import math
import re
from datetime import date

import numpy as np
import pandas as pd
import pytest
from altair.utils.schemapi import validate_jsonschema
from altair.vegalite.v6.schema import load_schema

from tests.support import layer_rows as rows
from tests.support import published_queries
from ui import charts, palette, spc_charts, vega, vega_marks
from warehouse import flag_queries, health_queries, policy_queries, queries, question_queries, spc_queries
from warehouse.measures import ENGLAND

ALL = queries.Filters(date(2024, 7, 1), date(2025, 6, 30))
SCHEMA = load_schema()


@pytest.fixture(scope="module")
def run(demo_data):
    query, close = published_queries(demo_data)
    yield lambda function, filters=ALL, **options: query(function, filters, **options)
    close()


def figures(run) -> dict[str, object]:
    """A figure of every builder in ui.charts and ui.spc_charts (as the pages call them)."""
    trusts = run(policy_queries.trust_outcomes)
    codes = list(trusts["group_code"])
    groups = tuple((c, "Policy A" if i % 2 else "Policy B") for i, c in enumerate(codes))
    units = run(question_queries.question_units, by="trust")
    spc_rows = run(spc_queries.spc_series, None, unit_type="nation", unit_code=ENGLAND, grain="month")
    return {
        "posts_over_time": charts.posts_over_time(run(queries.posts_over_time, grain="week", by="platform")),
        "posts_by_region": charts.posts_by_region(run(queries.posts_by_region)),
        "posts_by_trust": charts.posts_by_trust(run(queries.posts_by_trust), top=10),
        "questions_over_time": charts.questions_over_time(
            run(question_queries.questions_over_time, grain="month", by="topic"), grain="month", by="topic"),
        "question_topics": charts.question_topics(run(question_queries.question_topics)),
        "questions_by_unit": charts.questions_by_unit(run(question_queries.question_units, by="region"), top=8),
        "response_curves": charts.response_curves(run(question_queries.response_histogram, by="region")),
        "response_all": charts.response_curves(run(question_queries.response_histogram, by="all"), national=True),
        "funnel": charts.funnel(units, "answered", unit="trust", highlight=tuple(units["group_code"][:2])),
        "funnel_groups": charts.funnel(trusts, highlight=tuple(codes[:3]), groups=groups),
        "no_funnel": charts.funnel(trusts.head(0)),
        "asking_times": charts.asking_times(run(question_queries.asking_times), show="volume"),
        "asking_times_1h": charts.asking_times(run(question_queries.asking_times), show="within_1h"),
        "flag_rate_bars": charts.flag_rate_bars(run(flag_queries.flag_rates, by="rule")),
        "flags_over_time": charts.flags_over_time(run(flag_queries.flags_over_time, grain="week")),
        "flag_funnel": charts.flag_funnel(run(flag_queries.flag_rates, by="trust"), unit="trust"),
        "fetches_over_time": charts.fetches_over_time(pd.DataFrame(
            {"source": ["mastodon", "x", "mastodon", "x"], "day": [date(2025, 6, 1)] * 2 + [date(2025, 6, 2)] * 2,
             "n_read": [10, 20, 30, 5], "n_new": [8, 20, 25, 0], "n_failed": [0, 0, 0, 1]})),
        "fetches_demo": charts.fetches_over_time(run(health_queries.fetches_over_time, None, days=3650)),
        "xmr_chart": spc_charts.xmr_chart(spc_rows, measure="answered", national=True),
        "xmr_empty": spc_charts.xmr_chart(spc_rows.iloc[0:0], measure="answered"),
        "synthetic": charts.mark_synthetic(charts.posts_by_region(run(queries.posts_by_region))),
    }


@pytest.fixture(scope="module")
def built(run):
    return {name: (fig, vega.spec(fig)) for name, fig in figures(run).items()}


def test_every_builder_converts_and_the_schema_accepts_it(built):
    for name, (fig, spec) in built.items():
        assert spec is not None, name
        validate_jsonschema(spec, SCHEMA)  # raises on a property Vega-Lite does not know


def test_the_schema_check_can_fail():
    with pytest.raises(Exception):
        validate_jsonschema({"layer": [{"mark": {"type": "line", "colour": "red"}}]}, SCHEMA)


def _clean(v):
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return None
    if isinstance(v, (pd.Timestamp, date, np.datetime64)):
        return vega._ms(v)
    return v.item() if isinstance(v, np.generic) else v


def _layers(spec, mark_type=None):
    return [layer for layer in vega.flat_layers(spec)
            if mark_type is None or layer["mark"]["type"] == mark_type]


def test_lines_carry_exactly_the_figures_values_gaps_and_styles(built):
    for name in ("posts_over_time", "questions_over_time", "xmr_chart", "flags_over_time"):
        fig, spec = built[name]
        lines = _layers(spec, "line")
        drawn = [t for t in fig.data if "lines" in (t.mode or "") and not t.fill]
        assert len(lines) == len(drawn), name
        for trace, layer in zip(drawn, lines):
            want = [(_clean(x), _clean(y)) for x, y in zip(trace.x, trace.y)]
            assert [(r["x"], r["y"]) for r in rows(spec, layer)] == want  # gaps stay None
            assert layer["mark"]["stroke"] == trace.line.color
            assert layer["mark"].get("strokeDash") == vega_marks.dash(trace.line.dash, trace.line.width)
            if trace.connectgaps is False:
                assert layer["mark"]["invalid"] == "break-paths-show-domains"
    _, spec = built["posts_over_time"]
    dashes = [layer["mark"].get("strokeDash") for layer in _layers(spec, "line")]
    assert dashes[0] is None and dashes[1] == [9.0, 9.0]  # solid, then "dash" (3 x width 3)


def test_bars_carry_the_figures_values_colours_labels_and_whiskers(built):
    fig, spec = built["posts_by_region"]
    bar = rows(spec, _layers(spec, "bar")[0])
    assert [r["x"] for r in bar] == [_clean(v) for v in fig.data[0].x]
    assert [r["colour"] for r in bar] == list(fig.data[0].marker.color)
    text = rows(spec, _layers(spec, "text")[0])
    assert [r["text"] for r in text] == list(fig.data[0].text)  # "*" drawn beside a zero bar
    y = _layers(spec, "bar")[0]["encoding"]["y"]
    assert y["sort"] == list(fig.data[0].y)  # autorange reversed: first at the top
    fig, spec = built["questions_by_unit"]
    bars = _layers(spec, "bar")
    assert [layer["mark"]["fill"] for layer in bars] == [palette.MID_BLUE, palette.ORANGE]
    for trace, layer in zip(fig.data, bars):
        assert [r["v"] for r in rows(spec, layer)] == [_clean(v) for v in trace.x]
    first, second = (rows(spec, layer) for layer in bars)
    assert all(b["x0"] == a["x"] for a, b in zip(first, second))  # stacked
    fig, spec = built["flag_rate_bars"]
    rule = rows(spec, _layers(spec, "rule")[0])
    bar = fig.data[0]
    assert [round(r["lo"], 9) for r in rule] == [round(x - m, 9) for x, m in zip(bar.x, bar.error_x.arrayminus)]
    assert [round(r["hi"], 9) for r in rule] == [round(x + p, 9) for x, p in zip(bar.x, bar.error_x.array)]


def test_points_keep_their_shapes_and_colours_and_the_legend_says_them(built):
    fig, spec = built["xmr_chart"]
    points = _layers(spec, "point")
    kinds = {t.name: t for t in fig.data if t.mode == "markers"}
    by_name = {p["mark"]["fill"]: p for p in points if p["mark"].get("opacity") == 1}
    for trace in kinds.values():
        layer = by_name[trace.marker.color]
        assert layer["mark"]["shape"] == vega_marks.SYMBOLS[trace.marker.symbol]
        assert [(r["x"], r["y"]) for r in rows(spec, layer)] == [(_clean(x), _clean(y))
                                                                         for x, y in zip(trace.x, trace.y)]
    legend = vega.flat_layers(spec)[-1]["encoding"]
    names = legend["color"]["scale"]["domain"]
    assert names == ["Mean", fig.data[2].name, *kinds]  # "Value" has no entry; limits one entry
    assert legend["color"]["scale"]["range"][-len(kinds):] == [t.marker.color for t in kinds.values()]
    assert legend["strokeDash"]["scale"]["range"][1] == vega_marks.dash(fig.data[2].line.dash, 1.2)
    fig, spec = built["funnel_groups"]
    shaped = [p for p in _layers(spec, "point") if "shape" in (rows(spec, p) or [{}])[0]]
    assert shaped and all("shape" not in p["encoding"] for p in shaped)  # a layer per shape
    assert all({r["shape"] for r in rows(spec, p)} == {p["mark"]["shape"]} for p in shaped)
    assert {p["mark"]["shape"] for p in shaped} <= {"circle", "diamond"}
    legend = vega.flat_layers(spec)[-1]["encoding"]
    assert {"Policy A", "Policy B"} <= set(legend["color"]["scale"]["domain"])


def test_heatmap_cells_are_the_figures_and_hidden_cells_blank(built):
    fig, spec = built["asking_times"]
    cells = _layers(spec, "rect")[0]
    z = fig.data[0].z
    want = {(x, y): v for i, y in enumerate(fig.data[0].y) for j, x in enumerate(fig.data[0].x)
            if not (isinstance(v := z[i][j], float) and math.isnan(v))}
    assert {(r["x"], r["y"]): r["z"] for r in rows(spec, cells)} == want
    assert cells["encoding"]["fill"]["scale"]["range"] == [c for _, c in palette.SEQUENTIAL]


def test_response_curves_keep_log_axis_targets_bands_and_steps(built):
    fig, spec = built["response_curves"]
    x = _layers(spec, "line")[0]["encoding"]["x"]
    assert x["scale"]["type"] == "log" and "1 day" in x["axis"]["labelExpr"]
    assert all(layer["mark"]["interpolate"] == "step-after" for layer in _layers(spec, "line"))
    rules = _layers(spec, "rule")
    assert len(rules) == len(fig.layout.shapes)
    fig, spec = built["response_all"]
    band, curve = fig.data[0], fig.data[1]
    area = _layers(spec, "area")[0]
    half = len(band.x) // 2
    assert [(r["x"], r["y"], r["y0"]) for r in rows(spec, area)] == list(
        zip(band.x[:half], band.y[:half], band.y[half:][::-1]))  # the 95% CI band as drawn
    assert area["mark"]["fill"] == band.fillcolor == curve.line.color and area["mark"]["opacity"] == 0.15
    texts = [layer["mark"].get("text") for layer in _layers(spec, "text")]
    assert "half answered (median)" in texts


def test_tooltips_are_the_hover_text_as_plain_text(built):
    fig, spec = built["posts_by_region"]
    bar = _layers(spec, "bar")[0]
    assert [t["field"] for t in bar["encoding"]["tooltip"]] == ["tip0"]
    row = rows(spec, bar)[0]
    assert row["tip0"].startswith(fig.data[0].y[0] + ": ") and "<" not in row["tip0"]
    fig, spec = built["posts_over_time"]
    hover = [p for p in _layers(spec, "point") if "tooltip" in p["encoding"]][0]
    first = rows(spec, hover)[0]
    assert first["tip0"] == fig.data[0].name and first["tip1"].endswith(" posts")


def test_unsupported_figures_fall_back_to_plotly():
    fig = charts._figure([dict(type="pie", values=[1, 2])], {})
    assert vega.spec(fig) is None
    fig = charts._figure([dict(type="scatter", x=[1, 2], y=[1, 2], mode="lines", line=dict(shape="spline"))], {})
    assert vega.spec(fig) is None


def test_half_width_charts_keep_their_plot_legends_below_in_columns_that_fit(built):
    """At 1024 px a legend or note wider than a half-width chart made autosize "fit" shrink
    its plot to 0-38 px (issue #16): the spec fits its width only, its legend is below the
    plot in as many columns as fit the container, labels and notes have a limit."""
    for name, (_, spec) in built.items():
        assert spec["autosize"] == {"type": "fit-x", "contains": "padding"}, name
        for layer in vega.flat_layers(spec):
            for channel in layer["encoding"].values():
                legend = channel.get("legend") if isinstance(channel, dict) else None
                if legend and channel.get("field") == "series":
                    assert legend["orient"] == "bottom", name
                    assert "containerSize()[0]" in legend["columns"]["expr"], name
                    assert "containerSize()[0]" in legend["labelLimit"]["expr"], name
            for axis in ("x", "y"):
                limit = (layer["encoding"].get(axis) or {}).get("axis", {}).get("labelLimit")
                assert limit is None or "containerSize()[0]" in limit["expr"], name
            if rows(spec, layer) == [{}]:  # an annotation: never wider than the plot
                assert layer["mark"]["limit"] in ({"expr": "width"}, {"expr": "containerSize()[0] * 0.6"}), name


def test_each_funnel_unit_is_one_mark_and_text_has_no_raw_tooltip(built):
    """The ▲/▼ beside an outlier's triangle was a second triangle ~5 points off, with a
    tooltip of raw field names ('text ▲'): one mark per unit, and no layer falls back to
    Streamlit's default tooltip (every field by its raw name)."""
    for name in ("funnel", "flag_funnel"):
        fig, spec = built[name]
        arrows = [r for layer in _layers(spec, "text") for r in rows(spec, layer)
                  if r.get("text") in ("▲", "▼")]
        assert arrows == [], name
        outliers = [t for t in fig.data if "than expected" in (t.name or "")]
        drawn = [p for p in _layers(spec, "point") if p.get("description") in {t.name for t in outliers}]
        assert sum(len(rows(spec, p)) for p in drawn) == sum(len(t.x) for t in outliers), name
    fig, spec = built["funnel_groups"]  # a group's shape does not point: the arrow beside it stays
    arrows = [layer for layer in _layers(spec, "text") if {r.get("text") for r in rows(spec, layer)} & {"▲", "▼"}]
    for layer in arrows:
        assert [t["field"] for t in layer["encoding"]["tooltip"]][:1] == ["tip0"]
        assert all(r["tip0"] and "text" not in r["tip0"] for r in rows(spec, layer))
    for name, (_, spec) in built.items():
        for layer in vega.flat_layers(spec):
            assert "tooltip" in layer["encoding"] or ("tooltip" in layer["mark"] and layer["mark"]["tooltip"] is None), (
                name, layer["mark"]["type"])


def test_legend_symbols_are_the_marks_shapes(built):
    fig, spec = built["xmr_chart"]
    legend = vega.flat_layers(spec)[-1]["encoding"]
    shapes = dict(zip(legend["shape"]["scale"]["domain"], legend["shape"]["scale"]["range"]))
    for trace in fig.data:
        if trace.mode == "markers":
            assert shapes[trace.name] == vega_marks.SYMBOLS[trace.marker.symbol]
        elif trace.name in shapes:
            assert shapes[trace.name] == vega_marks.LINE_SYMBOL
    assert legend["fill"]["scale"]["domain"] == legend["shape"]["scale"]["domain"]
    for name, (_, each) in built.items():  # one legend: colour, dash and shape merged, and only
        assert "shape" not in each["resolve"]["scale"], name  # the legend has a shape scale (a
        assert all("shape" not in layer["encoding"] for layer in vega.flat_layers(each)[:-1]), name  # field with none broke it)
    fig, spec = built["funnel_groups"]
    shapes = dict(zip(*(vega.flat_layers(spec)[-1]["encoding"]["shape"]["scale"][k] for k in ("domain", "range"))))
    assert {shapes["Policy A"], shapes["Policy B"]} == {"circle", "diamond"}


def test_tooltips_are_formatted_and_say_which_limit(built):
    fig, spec = built["xmr_chart"]
    tips = [r["tip0"] for layer in vega.flat_layers(spec) if "tooltip" in layer["encoding"] for r in rows(spec, layer)]
    upper = [v for v in tips if v.startswith(("Upper process limit: ", "Upper trial limit: "))]
    lower = [v for v in tips if v.startswith(("Lower process limit: ", "Lower trial limit: "))]
    assert upper and lower
    value = upper[0].split(": ")[1]
    assert value.endswith("%") and len(value.split(".")[-1]) <= 2  # hoverformat ".1%", not 0.6745098
    fig, spec = built["posts_by_region"]
    bar, text = _layers(spec, "bar")[0], _layers(spec, "text")[0]
    assert text["encoding"]["tooltip"] == bar["encoding"]["tooltip"]  # a label hovers as its bar


def test_rate_labels_sit_past_the_whiskers_end(built):
    fig, spec = built["flag_rate_bars"]
    text = _layers(spec, "text")[0]
    assert text["encoding"]["x"]["field"] == "hi"
    drawn = rows(spec, text)
    assert all(r["hi"] >= r["x"] for r in drawn)
    for name in ("flag_rate_bars", "posts_by_region"):  # room for the longest label past the plot
        fig, spec = built[name]
        longest = max(len(str(r["text"])) for r in rows(spec, _layers(spec, "text")[0]))
        assert spec["padding"]["right"] >= 7 * longest, name


def test_survival_curves_differ_by_colour_or_dash_up_to_36_series(built):
    pairs = [(palette.colour(i), palette.dash(i)) for i in range(36)]
    assert len(set(pairs)) == 36
    assert [palette.dash(i) for i in range(6)] == list(palette.DASHES)  # the first six as before
    fig, spec = built["response_curves"]
    lines = [(layer["mark"]["stroke"], str(layer["mark"].get("strokeDash"))) for layer in _layers(spec, "line")]
    assert len(set(lines)) == len(lines)


def _scale(spec: dict, channel: str) -> dict:
    scales = [layer["encoding"][channel].get("scale") or {} for layer in vega.flat_layers(spec)
              if channel in layer.get("encoding", {}) and layer["encoding"][channel].get("scale") is not None]
    assert scales, channel
    return scales[0]


def test_counts_and_bars_are_drawn_from_zero(built):
    """What the browser draws: a count axis and the axis bars are measured along include 0
    (Vega's ``zero``, or a domain from 0); an SPC chart's axis need not (its limits matter)."""
    for name, channel in [("posts_over_time", "y"), ("questions_over_time", "y"), ("fetches_over_time", "y"),
                          ("posts_by_region", "x"), ("posts_by_trust", "x"), ("question_topics", "x"),
                          ("questions_by_unit", "x"), ("flag_rate_bars", "x"), ("flags_over_time", "y")]:
        scale = _scale(built[name][1], channel)
        assert scale.get("zero") is True or (scale.get("domain") or [1])[0] == 0, name
    assert _scale(built["xmr_chart"][1], "y").get("zero") is False


def test_lines_with_markers_keep_each_series_colour_dash_and_legend_entry(built):
    """Month grain draws lines with markers: each series' markers are its line's colour and its
    legend entry is its line (colour and dash), not one grey dot for all (tryout 3: every topic
    had the same blue points and grey legend dot)."""
    fig, spec = built["questions_over_time"]
    series = [t for t in fig.data if t.mode == "lines+markers"]
    assert len(series) > 2
    lines = {layer["description"]: layer for layer in _layers(spec, "line")}
    assert {str(t.name) for t in series} <= set(lines)
    for trace in series:
        assert lines[trace.name]["mark"]["stroke"] == trace.line.color
    markers = [layer for layer in _layers(spec, "point") if layer["mark"].get("opacity") == 1
               and layer is not spec["layer"][-1]]
    assert len(markers) == len(series)
    assert [m["mark"]["fill"] for m in markers] == [t.line.color for t in series]
    legend = spec["layer"][-1]["encoding"]
    entries = {name: (colour, str(d), shape) for name, colour, d, shape in zip(
        legend["color"]["scale"]["domain"], legend["color"]["scale"]["range"],
        legend["strokeDash"]["scale"]["range"], legend["shape"]["scale"]["range"])}
    for trace in series:
        colour, d, shape = entries[trace.name]
        assert colour == trace.line.color and legend["fill"]["scale"]["range"][
            legend["fill"]["scale"]["domain"].index(trace.name)] == trace.line.color
        assert d == str(vega_marks.dash(trace.line.dash, trace.line.width) or [1, 0])
        assert shape == vega_marks.LINE_SYMBOL
    assert len({entries[t.name][:2] for t in series}) == len(series)  # no two entries alike


def _vega_ticks(lo: float, hi: float, count: int, min_step: float | None) -> list[float]:
    """The ticks Vega draws on a linear axis: vega-scale's tickCount (``count`` cut to
    span / tickMinStep) and d3's tick step (1, 2 or 5 times a power of ten)."""
    if min_step:
        count = min(count, math.floor((hi - lo) / min_step) or 1)
    step0 = (hi - lo) / count
    step = 10 ** math.floor(math.log10(step0))
    error = step0 / step
    step *= 10 if error >= math.sqrt(50) else 5 if error >= math.sqrt(10) else 2 if error >= math.sqrt(2) else 1
    return [i * step for i in range(math.ceil(lo / step - 1e-9), math.floor(hi / step + 1e-9) + 1)]


def _d3(value: float, fmt: str) -> str:
    m = re.fullmatch(r"(,?)(?:\.(\d+))?([df%])", fmt)
    comma, digits, kind = m.groups()
    return f"{value:{comma}.0f}" if kind == "d" else f"{value:{comma}.{digits}{kind}}"


@pytest.mark.parametrize("values, fmt", [([0.655, 0.69, 0.672], ".0%"), ([0.671, 0.6735, 0.672], ".0%"),
                                         ([12.31, 12.38], ",.1f"), ([0.5, 0.52], ".1%")])
def test_tick_labels_along_a_narrow_axis_are_distinct(values, fmt):
    """An SPC share over 65-69% drew ticks every half percent labelled by whole percent
    (69, 68, 68, 67, 67%: tryout 3); here the format gains decimals, or the step is whole."""
    import plotly.graph_objects as go
    fig = go.Figure(go.Scatter(x=list(range(len(values))), y=values, mode="lines"),
                    layout=dict(height=400, yaxis=dict(tickformat=fmt, rangemode="nonnegative")))
    spec = vega.spec(fig)
    axis = spec["layer"][0]["encoding"]["y"]["axis"]
    ticks = _vega_ticks(min(values), max(values), math.ceil(spec["height"] / 40), axis.get("tickMinStep"))
    labels = [_d3(t, axis["format"]) for t in ticks]
    assert len(labels) >= 1 and len(set(labels)) == len(labels), labels
    assert axis["format"] == fmt or min(values) > 0.6  # a decimal more only where needed
    assert vega_marks.tick_format(",d", 2.0) == (",d", 1)


# --- what a rerun sends (issue #16) ---------------------------------------------------------------
def _sent_bytes(spec: dict) -> int:
    """The bytes Streamlit sends for ``spec``: its JSON without the datasets, and each dataset
    as the Arrow IPC bytes Streamlit makes of it (``st.vega_lite_chart``)."""
    import json
    from streamlit import dataframe_util
    sent = vega.as_sent(spec)
    tables = sent.get("datasets", {})
    body = json.dumps({k: v for k, v in sent.items() if k != "datasets"})
    return len(body) + sum(len(dataframe_util.convert_anything_to_arrow_bytes(t)) for t in tables.values())


def _drawn(spec: dict, layer: dict) -> list[dict]:
    """A layer's rows, each with the fields the layer draws (encodes, tooltips or filters on)."""
    fields = vega_marks._fields(layer["encoding"]) | vega_marks._fields(layer.get("transform"))
    return [{f: r.get(f) for f in sorted(fields)} for r in rows(spec, layer)]


def test_each_table_is_sent_once_with_the_same_rows_drawn(run, built, monkeypatch):
    """Every builder's layers draw the same rows, field for field, as when each layer carried
    its own copy of its rows inline (the spec before issue #16's change, every table a layer's
    ``data.values``); layers drawn from the same rows name one dataset, no dataset twice."""
    monkeypatch.setattr(vega_marks, "INLINE_MAX", math.inf)  # every table inline in its layer
    inline = {name: vega.spec(fig) for name, fig in figures(run).items()}
    for name, (_, spec) in built.items():
        before, after = vega.flat_layers(inline[name]), vega.flat_layers(spec)
        assert "datasets" not in inline[name] and len(before) == len(after), name
        for old, new in zip(before, after):
            assert old["mark"] == new["mark"] and old["encoding"] == new["encoding"], name
            assert _drawn(inline[name], old) == _drawn(spec, new), (name, new["mark"]["type"])
            assert rows(inline[name], old) == rows(spec, new), name  # every field sent, too
        tables = [json.dumps(t, sort_keys=True) for t in spec.get("datasets", {}).values()]
        assert len(tables) == len(set(tables)), name
        named = {layer["data"]["name"] for layer in after if "name" in layer["data"]}
        assert named == set(spec.get("datasets", {})), name
    _, spec = built["posts_over_time"]  # a line and its hover targets: one table
    line, hover = _layers(spec, "line")[0], [p for p in _layers(spec, "point") if "tooltip" in p["encoding"]][0]
    assert line["data"] == hover["data"] and "name" in line["data"]
    assert hover["transform"][-1] == {"filter": {"field": "y", "valid": True}}
    # the trace's name, the same first tooltip line on every point, is sent once, not per row
    assert {"calculate": '"X (Twitter)"', "as": "tip0"} in hover["transform"]
    assert "tip0" not in spec["datasets"][hover["data"]["name"]][0]
    fig, spec = built["funnel"]  # four control limits at the same xs: one table, a y column each
    lines, traces = _layers(spec, "line"), [t for t in fig.data if t.mode == "lines"]
    assert len(lines) == len(traces) >= 5
    for trace, layer in zip(traces, lines):
        y = layer["encoding"]["y"]["field"]
        assert [(r["x"], r[y]) for r in rows(spec, layer)] == [(_clean(a), _clean(b)) for a, b in zip(trace.x, trace.y)]
    assert len({json.dumps(layer["data"]) for layer in lines[:4]}) == 1
    assert [layer["encoding"]["y"]["field"] for layer in lines[:4]] == ["y", "y1", "y2", "y3"]


def test_datasets_arrive_as_they_were_sent(built):
    """Streamlit sends a named dataset as Arrow: each arrives with the rows the spec has (a
    null as None, every number and text as it was), read back as the browser gets it."""
    import pyarrow as pa
    from streamlit import dataframe_util
    shared = 0
    for name, (_, spec) in built.items():
        for key, table in vega.as_sent(spec).get("datasets", {}).items():
            back = pa.ipc.open_stream(dataframe_util.convert_anything_to_arrow_bytes(table)).read_all().to_pylist()
            assert back == spec["datasets"][key], (name, key)
            shared += 1
    assert shared >= 5


def test_specs_send_less_than_each_layer_its_own_rows(run, built, monkeypatch):
    """Measured on the seeded demo (sent / inline): a line chart with hover targets 0.49, a
    Kaplan-Meier curve with its band 0.40, a funnel 0.50, rate bars with whiskers and labels
    0.40: each at most two thirds of what it sends with each layer's rows inline."""
    monkeypatch.setattr(vega_marks, "INLINE_MAX", math.inf)
    charts_ = figures(run)
    for name in ("posts_over_time", "response_all", "funnel", "flag_rate_bars"):
        before = len(json.dumps(vega.spec(charts_[name])))
        after = _sent_bytes(built[name][1])
        assert after <= before * 2 / 3, (name, before, after)


def test_no_log_scale_asks_for_zero(built):
    """A log scale has no 0: Vega-Lite drops ``zero`` there with a console warning (seen on
    Response times in Chromium, seven times a page)."""
    def scales(node):
        if isinstance(node, dict):
            if isinstance(node.get("scale"), dict):
                yield node["scale"]
            for value in node.values():
                yield from scales(value)
        elif isinstance(node, list):
            for value in node:
                yield from scales(value)
    logs = [s for _, spec in built.values() for s in scales(spec) if s.get("type") == "log"]
    assert logs and not [s for s in logs if "zero" in s]
