"""ui.palette: every colour a chart draws a mark, a label or a tick with is one of the palette's
and at least 3:1 against the chart's background (WCAG 2.2, 1.4.11), text at least 4.5:1, and
never the only sign (issue #15, section 1). Charts are built from the seeded demo's real query
results, as tests/test_charts.py builds them."""
from __future__ import annotations

from datetime import date

import plotly.graph_objects as go
import pytest

from tests.support import published_queries
from ui import charts, palette, spc_charts
from warehouse import flag_queries, health_queries, policy_queries, queries, question_queries, spc_queries
from warehouse.measures import ENGLAND, HEADLINE, UNATTRIBUTED

ALL = queries.Filters(date(2024, 7, 1), date(2025, 6, 30))
MARKS = {*palette.CATEGORICAL, palette.MID_BLUE, palette.GREY, palette.INK, palette.MUTED}
TEXT = {palette.INK, palette.MUTED}


def test_contrast_matches_wcag_reference_values():
    assert palette.contrast("#000000", "#FFFFFF") == pytest.approx(21)
    assert palette.contrast("#FFFFFF") == pytest.approx(1)
    assert palette.contrast("#767676") == pytest.approx(4.54, abs=0.01)  # the lightest grey for text on white
    assert palette.contrast("#7A8084") == pytest.approx(4.0, abs=0.05)  # axe's figure for the old captions


def test_every_mark_colour_is_three_to_one_and_text_four_and_a_half():
    for colour in MARKS:
        assert palette.contrast(colour) >= 3, colour
    for colour in TEXT:
        assert palette.contrast(colour) >= 4.5, colour
    # the Analysis Function's order: two series are dark blue and orange
    assert palette.CATEGORICAL[:4] == ("#12436D", "#28A197", "#801650", "#F46A25")
    assert palette.FAVOURABLE == palette.DARK_BLUE and palette.UNFAVOURABLE == palette.ORANGE


def test_line_styles_differ_by_dash_as_well_as_colour():
    styles = [palette.line_style(i) for i in range(len(palette.DASHES))]
    assert len({s["dash"] for s in styles}) == len(styles)
    assert len({s["color"] for s in styles}) == len(styles)


@pytest.fixture(scope="module")
def figures(demo_data) -> dict[str, go.Figure]:
    """Every chart builder's figure on the demo, with the options the pages use."""
    query, close = published_queries(demo_data)

    def run(function, filters=ALL, **options):
        return query(function, filters, **options)

    trusts = run(policy_queries.trust_outcomes)
    units = run(question_queries.question_units, by="trust")
    # two trusts made clear outliers (the 3,000-post demo has none): one answers every
    # question, one none
    big = units[units["group_code"] != UNATTRIBUTED].sort_values("n_questions", ascending=False).index[:2]
    units.loc[big[0], "n_answered"] = units.loc[big[0], "n_questions"]
    units.loc[big[1], "n_answered"] = 0
    groups = tuple((c, "Policy A" if i % 2 else "Policy B") for i, c in enumerate(trusts["group_code"]))
    built = {
        "posts_over_time platform": charts.posts_over_time(run(queries.posts_over_time, grain="week", by="platform")),
        "posts_over_time role": charts.posts_over_time(run(queries.posts_over_time, grain="week", by="role"), by="role"),
        "posts_by_region": charts.posts_by_region(run(queries.posts_by_region)),
        "posts_by_trust": charts.posts_by_trust(run(queries.posts_by_trust)),
        "questions_over_time topic": charts.questions_over_time(
            run(question_queries.questions_over_time, grain="month", by="topic"), grain="month", by="topic"),
        "questions_over_time region": charts.questions_over_time(
            run(question_queries.questions_over_time, grain="month", by="region"), grain="month", by="region"),
        "question_topics": charts.question_topics(run(question_queries.question_topics)),
        "questions_by_unit": charts.questions_by_unit(run(question_queries.question_units, by="region")),
        "response_curves": charts.response_curves(run(question_queries.response_histogram, by="region")),
        "funnel": charts.funnel(units),
        "funnel groups": charts.funnel(trusts, groups=groups, highlight=tuple(trusts["group_code"][:2])),
        "flag_funnel groups": charts.flag_funnel(trusts, groups=groups),
        "flag_rate_bars": charts.flag_rate_bars(run(flag_queries.flag_rates, by="family")),
        "flags_over_time": charts.flags_over_time(run(flag_queries.flags_over_time, grain="month"), grain="month"),
        "asking_times": charts.asking_times(run(question_queries.asking_times)),
        "fetches_over_time": charts.fetches_over_time(run(health_queries.fetches_over_time, None, days=3650)),
    }
    rows = run(spc_queries.spc_series, None, unit_type="nation", unit_code=ENGLAND, grain="month")
    for measure in HEADLINE:
        built[f"xmr {measure}"] = spc_charts.xmr_chart(rows, measure=measure, national=True)
    close()
    return built


def _colours(value) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else [v for v in value if isinstance(v, str)]


def mark_colours(fig: go.Figure) -> list[tuple[str, str]]:
    """(where, colour) of every opaque colour a trace draws a mark or label with; fills
    (rgba, bands) and the white outline around markers are left out."""
    found = []
    for trace in fig.data:
        name = trace.name or trace.type
        if trace.type == "heatmap":
            continue  # its scale is a fill; the values are in its table
        if getattr(trace, "fill", None) in ("toself", "tonexty"):
            continue  # a band beside its line
        parts = {"line": getattr(trace, "line", None), "marker": getattr(trace, "marker", None),
                 "textfont": getattr(trace, "textfont", None), "error_x": getattr(trace, "error_x", None)}
        for part, value in parts.items():
            if value is None or getattr(value, "width", 1) == 0:
                continue
            found += [(f"{name} {part}", c) for c in _colours(value.color)]
        marker_line = getattr(getattr(trace, "marker", None), "line", None)
        if marker_line is not None and getattr(marker_line, "color", None) not in (None, "white"):
            found += [(f"{name} marker outline", c) for c in _colours(marker_line.color)]
    return [(w, c) for w, c in found if not c.startswith("rgba")]


def test_every_chart_draws_with_the_palette_at_three_to_one(figures):
    for title, fig in figures.items():
        assert fig.data, title
        for where, colour in mark_colours(fig):
            assert colour.upper() in MARKS, f"{title}: {where} is {colour}, not a palette colour"
            assert palette.contrast(colour) >= 3, f"{title}: {where} {colour}"


def test_tick_labels_axis_titles_and_notes_are_dark_text(figures):
    for title, fig in figures.items():
        layout = fig.layout
        for axis in (layout.xaxis, layout.yaxis):
            if axis.visible is False:
                continue
            assert axis.tickfont.color == palette.INK, f"{title}: tick labels"
            if axis.title.text:
                assert axis.title.font.color == palette.INK, f"{title}: axis title"
        for note in layout.annotations:
            if note.name != "synthetic":
                assert note.font.color in (None, *TEXT), f"{title}: note {note.text!r} in {note.font.color}"


def test_funnel_outliers_are_marked_by_more_than_colour(figures):
    """Under deuteranopia the old green and red were one olive: now each outlier is a
    triangle pointing its way, or (with policy groups giving its shape) has the arrow beside
    the group's shape; never both, or Vega drew every outlier twice (issue #16)."""
    for title in ("funnel", "funnel groups", "flag_funnel groups"):
        fig = figures[title]
        for trace in fig.data:
            name = trace.name or ""
            if "than expected" in name:
                arrow = "▲" if ("Higher" in name or "More" in name) else "▼"
                triangle = "triangle-up" if arrow == "▲" else "triangle-down"
                assert name.startswith(arrow), title
                texts = list(trace.text) if trace.text is not None else [""] * len(trace.x)
                for symbol, text in zip(trace.marker.symbol, texts):
                    assert (symbol == triangle) != (text == arrow), (title, symbol, text)
                if title == "funnel":
                    assert set(trace.marker.symbol) == {triangle} and not any(texts)
        outliers = [t for t in fig.data if "than expected" in (t.name or "")]
        if title == "funnel":
            assert {t.name for t in outliers} == {"▲ Higher than expected", "▼ Lower than expected"}
