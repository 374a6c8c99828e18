"""Charts that fail gracefully (issue #15, section 3): one trust or few numbers give a "too few
to chart" panel rather than empty axes, a lone dot or a heatmap of one block; bands never
bridge a gap (tests/test_charts.py::test_flags_over_time); funnel limits step rather than
zig-zag; count axes never read "-1, -1, 0, 1"; a one-day time axis reads as a date, never
"23:59:59.9996"; no "no trust is outside the limits" over an empty funnel; "Busiest trust"."""
from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from tests.test_palette import figures  # noqa: F401 (fixture: every chart built on the demo)
from ui import chart_text, charts

DAY = pd.Timestamp("2025-06-01")


def test_charts_of_the_whole_demo_are_drawn(figures):
    for title, fig in figures.items():
        if title != "fetches_over_time":  # the demo landed in one run: one day
            assert chart_text.too_few(fig) is None, title


def test_one_day_time_axis_is_that_date_not_milliseconds():
    frame = pd.DataFrame({"period": [DAY, DAY], "series": ["x", "facebook"], "n_posts": [20, 30]})
    axis = charts.posts_over_time(frame, grain="day").layout.xaxis
    assert list(axis.tickvals) == [DAY] and list(axis.ticktext) == ["1 Jun 2025"]
    assert pd.Timestamp(axis.range[1]) - pd.Timestamp(axis.range[0]) == pd.Timedelta(days=1)
    runs = pd.DataFrame({"source": ["x", "mastodon"], "day": [DAY.date()] * 2, "n_read": [10, 20],
                         "n_new": [10, 20], "n_failed": [0, 0]})
    axis = charts.fetches_over_time(runs).layout.xaxis
    assert list(axis.ticktext) == ["1 Jun 2025"]
    longer = frame.assign(period=[DAY, DAY + pd.Timedelta(days=1)])
    assert charts.posts_over_time(longer, grain="day").layout.xaxis.tickvals is None


def test_small_counts_get_whole_number_ticks_from_zero():
    frame = pd.DataFrame({"topic": ["preparation", "contrast"], "n_questions": [0, 0]})
    axis = charts.question_topics(frame).layout.xaxis
    assert axis.dtick == 1 and axis.range[0] == 0 and axis.rangemode == "tozero"
    busy = pd.DataFrame({"topic": ["preparation", "contrast"], "n_questions": [120, 40]})
    axis = charts.question_topics(busy).layout.xaxis
    assert axis.dtick is None and axis.range[1] > 120 * 1.1  # room for the longest bar's label "120"


def test_funnel_limits_step_at_each_count_rather_than_zig_zag(figures):
    for title in ("funnel", "flag_funnel groups"):
        limits = [t for t in figures[title].data if t.hoverinfo == "skip" and (t.name or "").endswith("% limits")]
        assert limits and all(t.line.shape == "hv" for t in limits), title


def test_too_few_to_chart():
    empty = charts.funnel(pd.DataFrame({"group_code": [], "group_name": [], "n_questions": [], "n_answered": []}))
    assert chart_text.too_few(empty) == "not enough questions to compare"
    # lines whose only shown values sit between hidden ones draw nothing
    periods = pd.date_range("2025-01-06", periods=5, freq="7D")
    lone = pd.DataFrame({"period": periods, "series": "x", "n_posts": [3, 20, 2, 4, 30]})
    assert chart_text.too_few(charts.posts_over_time(lone)) is not None
    joined = lone.assign(n_posts=[3, 20, 25, 4, 30])
    assert chart_text.too_few(charts.posts_over_time(joined)) is None
    # a heatmap of a handful of questions is one block a day
    few = pd.DataFrame({"weekday": [1, 2, 3], "hour": [9, 10, 14], "n_questions": [9, 10, 8],
                        "n_answered_1h": [1, 2, 3], "n_followed_1h": [9, 10, 8]})
    assert chart_text.too_few(charts.asking_times(few)) == "too few questions to show by weekday and time of day"
    # one bar
    one = pd.DataFrame({"region_code": ["Y56"], "region_name": ["London"], "n_posts": [40]})
    assert chart_text.too_few(charts.posts_by_region(one)) is not None


@pytest.mark.app
def test_pages_say_too_few_and_busiest_trust(demo_data, use_data, read_published):
    from tests.test_app import HEADINGS, open_page
    use_data(demo_data)
    code = read_published(demo_data, "SELECT trust_code FROM posts WHERE trust_code IS NOT NULL ORDER BY trust_code LIMIT 1")[0][0]
    at = open_page(params={"trust": code})
    assert not at.exception, at.exception
    assert "Busiest trust" in [h.value for h in at.header]
    at = open_page("pages/3_Response_times.py", {"from": date(2025, 6, 2).isoformat(),
                                                 "to": date(2025, 6, 8).isoformat()})
    assert not at.exception, at.exception
    assert HEADINGS["pages/3_Response_times.py"] in [t.value for t in at.title]
    panels = [i.value for i in at.info if i.value.startswith("Too few to chart")]
    assert "Too few to chart: not enough questions to compare." in panels, panels  # the funnel
    assert not [m.value for m in at.markdown if "is outside the 99.8% limits" in m.value]


def test_a_hidden_wait_curve_gives_a_reason_not_a_line_label():
    """Found in Chromium (3 Dec 2026): one trust's week of 3 questions hid its curve, and the
    panel read "Too few to chart: 1 h." — the label of the 1-hour target line. The reason is the
    chart's own note now, never a line's label, and the sentence says it too."""
    frame = pd.DataFrame({"group_code": ["ZZ141"] * 3, "group_name": ["Demo trust"] * 3,
                          "region_name": ["London"] * 3, "bin_s": [600, 7200, 90000], "events": [1, 1, 0], "censored": [0, 0, 1]})
    fig = charts.response_curves(frame, clock="calendar", national=False)
    reason = chart_text.too_few(fig)
    assert reason == "* 1 with 1–7 questions, answers or open questions not drawn", reason
    assert "1 h" not in chart_text.summary(fig).split(":")[0]


@pytest.mark.app
def test_a_hidden_headline_figure_reads_as_one_star(demo_data, use_data, read_published):
    """Found in Chromium (3 Dec 2026): one trust's week read "***** questions" — the hidden
    figure's "*" inside the bold markers. It is escaped now: one "*" is drawn."""
    from tests.test_app import open_page
    use_data(demo_data)
    trust, day = read_published(demo_data, "SELECT trust_code, min(asked_at)::DATE FROM patient_questions "
                                           "WHERE trust_code IS NOT NULL GROUP BY 1 "
                                           "HAVING count(*) BETWEEN 1 AND 3 ORDER BY 1 LIMIT 1")[0]
    at = open_page("pages/3_Response_times.py", {"trust": trust, "from": day.isoformat(), "to": day.isoformat()})
    assert not at.exception, at.exception
    headline = next(m.value for m in at.markdown if "answered at all so far" in m.value)
    assert headline.startswith("**\\*** questions"), headline


def test_too_few_says_what_is_true_not_always_that_counts_are_hidden():
    """Found in Chromium (4 Dec 2026): Data health's one day of 1,000,000 posts and Overview's
    one region of 56,025 posts both said "(counts of 1–7 are hidden)". The reason now names
    what is true: one day, one bar, nothing at all, or hidden counts only when some are."""
    day = pd.DataFrame({"source": ["demo"], "day": [date(2026, 12, 3)], "n_new": [1_000_000],
                        "n_read": [1_000_000], "n_failed": [0]})
    assert chart_text.too_few(charts.fetches_over_time(day)) == "only one day in the selection (3 Dec 2026)"
    one = pd.DataFrame({"region_code": ["Y56"], "region_name": ["London"], "n_posts": [56_025]})
    assert chart_text.too_few(charts.posts_by_region(one)) == "only one bar to show in this selection"
    periods = pd.date_range("2025-01-06", periods=5, freq="7D")
    lone = pd.DataFrame({"period": periods, "series": "x", "n_posts": [3, 20, 2, 4, 30]})  # 1-7: gaps
    assert chart_text.too_few(charts.posts_over_time(lone)) == \
        "fewer than two values can be shown (counts of 1–7 are hidden)"
    columns = ["group_code", "group_name", "family", "n_flags", "n_posts", "rate", "ci_low", "ci_high", "method"]
    assert chart_text.too_few(charts.flag_rate_bars(pd.DataFrame(columns=columns))) == chart_text.NOTHING


@pytest.mark.app
def test_guideline_flags_without_confirmed_flags_says_so(demo_data, use_data, read_published):
    """"Confirmed by a reviewer" over dates with none confirmed said "counts of 1–7 are hidden"."""
    from tests.test_app import open_page
    use_data(demo_data)
    window = {"from": "2025-06-01", "to": "2025-06-30"}
    at = open_page("pages/5_Guideline_flags.py", window)
    at.segmented_control(key="flag_basis").set_value("confirmed").run()
    assert not at.exception, at.exception
    assert next(m.value for m in at.metric if m.label == "Confirmed flags") == "0"  # else this tests nothing
    panels = [i.value for i in at.info if i.value.startswith("Too few to chart")]
    assert panels.count("Too few to chart: no confirmed flags in this selection.") == 3, panels
    assert not [p for p in panels if "1–7" in p], panels
