"""ui.chart_text: every chart's text alternative, a one-sentence summary and its data as a
table, read from the figure so that it carries exactly the numbers the chart does (after the
display boundary); and ui.chart_view, which draws both under every chart on the pages."""
from __future__ import annotations

from tests.support import drawn_figures

import re

import numpy as np
import pandas as pd
import pytest

from tests.test_palette import figures  # noqa: F401 (fixture: every chart built on the demo)
from ui import chart_text, chart_view, charts, disclosure

COUNT = re.compile(r"^(\*|0|[1-9][\d,]*)$")


def test_every_chart_has_a_sentence_and_a_table(figures):
    for title, fig in figures.items():
        frame = chart_text.table(fig)
        sentence = chart_text.summary(fig)
        assert len(frame) > 0 and len(frame.columns) >= 2, title
        assert sentence.endswith(".") and ". " not in sentence.rstrip("."), f"{title}: {sentence}"
        assert all(isinstance(v, str) for v in frame.to_numpy().ravel()), f"{title}: cells are text as shown"


def test_bars_table_is_the_bars_labels(figures):
    fig = figures["posts_by_region"]
    frame = chart_text.table(fig)
    assert frame["Name"].tolist() == list(fig.data[0].y)
    assert frame["Posts"].tolist() == list(fig.data[0].text)  # "*" where the bar is hidden
    assert chart_text.summary(fig).startswith(f"Posts for {len(frame)} bars: highest {frame['Name'][0]} "
                                              f"({frame['Posts'][0]})")


def test_counts_in_tables_passed_the_display_boundary(figures):
    """Every count in a table of counts is 0, "*" or a multiple of 5, as on the chart."""
    for title in ("posts_over_time platform", "posts_by_trust", "questions_over_time topic", "question_topics",
                  "questions_by_unit", "asking_times"):
        frame = chart_text.table(figures[title])
        for cell in frame.iloc[:, 1:].to_numpy().ravel():
            if cell in ("", chart_text.HIDDEN):
                continue
            assert COUNT.match(cell) and int(cell.replace(",", "")) % disclosure.BASE == 0, f"{title}: {cell}"


def test_line_table_matches_each_line_and_hidden_is_a_star(figures):
    fig = figures["posts_over_time platform"]
    frame = chart_text.table(fig)
    for trace in fig.data:
        column = frame[trace.name].tolist()
        shown = ["*" if np.isnan(v) else f"{int(v):,}" for v in np.asarray(trace.y, dtype=float)]
        assert column == shown
    assert "*" in frame.to_numpy()


def test_funnel_table_has_each_unit_its_rounded_size_and_position(figures):
    fig = figures["funnel"]
    frame = chart_text.table(fig)
    dots = [t for t in chart_text.data_traces(fig)]
    assert len(frame) == sum(len(t.x) for t in dots)
    assert set(frame["Position"]) == {"Within the limits", "Higher than expected", "Lower than expected"}
    assert all(int(v) % 5 == 0 for v in frame["Questions (rounded to 5)"])
    sentence = chart_text.summary(fig)
    assert "2 beyond the 99.8% limits" in sentence and "(higher than expected)" in sentence
    grouped = chart_text.table(figures["funnel groups"])
    assert set(grouped["Group"]) == {"Policy A", "Policy B"}


def test_decoration_is_left_out(figures):
    """Limits, bands, legend entries and the ring round chosen units are not data."""
    for title in ("funnel groups", "flags_over_time", "response_curves"):
        fig = figures[title]
        names = {t.name for t in chart_text.data_traces(fig)}
        assert not names & {"99.8% limits", "95% limits", "95% CI", "Chosen in the filters", "Policy A"}


def test_spc_limits_are_columns_of_their_own_and_not_the_headline(figures):
    fig = figures["xmr questions"]
    frame = chart_text.table(fig)
    assert {"Period", "Mean", "Upper limit", "Lower limit"} <= set(frame.columns)
    assert chart_text.summary(fig).startswith("Common cause from")


def test_kaplan_meier_summary_says_where_each_curve_ends(figures):
    sentence = chart_text.summary(figures["response_curves"])
    assert sentence.startswith("Still waiting for a first answer at each curve's last step: ")
    assert re.search(r"\d+% after \d+ days", sentence)


def test_empty_chart_says_why():
    fig = charts.funnel(pd.DataFrame({"group_code": [], "group_name": [], "n_questions": [], "n_answered": []}))
    assert chart_text.table(fig).empty
    assert chart_text.summary(fig) == "Not enough questions to compare."


def test_file_stem():
    assert chart_text.file_stem("chart_regions") == "chart-regions-data"
    assert chart_text.file_stem("spc_median_wait") == "spc-median-wait-data"


@pytest.mark.app
def test_overview_charts_have_a_sentence_and_a_table_to_open(demo_data, use_data):
    from tests.test_app import open_page
    use_data(demo_data)
    at = open_page()
    assert not at.exception, at.exception
    charts_drawn = drawn_figures(at)
    boxes = [e for e in at.expander if e.label == chart_view.TABLE_LABEL]
    assert len(charts_drawn) == len(boxes) == 3
    tables_before = len(at.dataframe)
    at.session_state["chart_regions_table"] = True  # open the regions chart's table
    at.run()
    assert not at.exception, at.exception
    assert len(at.dataframe) == tables_before + 1
    shown = [d.value for d in at.dataframe if "Posts" in d.value.columns and "Name" in d.value.columns]
    assert shown and len(shown[0]) == 11
    labels = [b.label for b in at.get("download_button")]
    assert "Download chart data (CSV)" in labels
