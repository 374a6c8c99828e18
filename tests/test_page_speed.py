"""What a filter change sends and recomputes (issue #16, item 2), run headless with AppTest
against the seeded demo warehouse: long tables go to the browser a page at a time (the
download still holds every row), and what does not depend on the change is not made again —
the scorecard's shown cells, a cached figure's text alternative, the filters' options."""
from __future__ import annotations

import functools
import io
from datetime import date

import pandas as pd
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from tests.test_app import UK_DAY, open_page  # noqa: F401 (downloads: a fixture of test_app)
from tests.test_app import downloads  # noqa: F401
from store import config, reader
from ui import chart_text, disclosure, faq, filters, labels, scorecard, tables
from warehouse import question_queries
from warehouse.queries import Filters

pytestmark = pytest.mark.app

EXPLORE = "pages/1_Explore.py"


def counting(monkeypatch, module, name: str) -> list:
    """Replace ``module.name`` by a wrapper that records each call (same name and module, so
    the caches of ui.data know it as the same function); returns the list of calls."""
    calls: list = []
    original = getattr(module, name)

    @functools.wraps(original)
    def wrapper(*args, **kwargs):
        calls.append(args)
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, wrapper)
    return calls


@pytest.fixture(autouse=True)
def fresh_caches():
    """Every test counts work from empty caches (the caches are per process)."""
    st.cache_data.clear()
    st.cache_resource.clear()
    yield


def test_explore_sends_a_page_of_posts_and_downloads_every_one(demo_data, use_data, read_published,
                                                              downloads):  # noqa: F811
    use_data(demo_data)
    window = {"s": date(2025, 1, 1), "e": date(2025, 6, 30)}
    at = open_page(EXPLORE, {"from": "2025-01-01", "to": "2025-06-30"})
    assert not at.exception, at.exception
    expected = [r[0] for r in read_published(
        demo_data, f"SELECT post_id FROM posts WHERE {UK_DAY} BETWEEN $s AND $e "
                   "ORDER BY created_at DESC, platform, post_id LIMIT 1000", window)]
    assert len(expected) > 2 * tables.PAGE_ROWS  # else this test pages nothing
    shown = at.dataframe[0].value
    assert shown["Post id"].tolist() == expected[:tables.PAGE_ROWS]  # the first page only
    pages = -(-len(expected) // tables.PAGE_ROWS)
    control = at.number_input(key="explore_posts_page")
    assert control.label == f"Page (of {pages:,})" and control.value == 1
    csv = downloads[at.download_button(key="download_posts").proto.deferred_file_id]()
    every = pd.read_csv(io.BytesIO(csv), encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert every["Post id"].tolist() == expected  # the download: every page

    control.set_value(2).run()
    assert not at.exception, at.exception
    assert at.dataframe[0].value["Post id"].tolist() == expected[tables.PAGE_ROWS:2 * tables.PAGE_ROWS]
    assert f"Rows {tables.PAGE_ROWS + 1}–{2 * tables.PAGE_ROWS} of {len(expected):,}." in [c.value for c in at.caption]

    at.date_input(key="filter_dates").set_value((date(2025, 6, 20), date(2025, 6, 30))).run()  # fewer posts
    assert not at.exception, at.exception
    fewer = [r[0] for r in read_published(
        demo_data, f"SELECT post_id FROM posts WHERE {UK_DAY} BETWEEN $s AND $e "
                   "ORDER BY created_at DESC, platform, post_id LIMIT 1000",
        {"s": date(2025, 6, 20), "e": date(2025, 6, 30)})]
    assert at.dataframe[0].value["Post id"].tolist() == fewer[:tables.PAGE_ROWS]


def test_guideline_flags_sends_fifty_flagged_posts_a_page(demo_data, use_data, read_published,
                                                         downloads):  # noqa: F811
    use_data(demo_data)
    at = open_page("pages/5_Guideline_flags.py", {"from": "2024-07-01", "to": "2025-06-30"})
    assert not at.exception, at.exception
    flagged = read_published(demo_data, "SELECT count(*) FROM flags f JOIN posts p USING (platform, post_id) "
                                        "WHERE (p.created_at AT TIME ZONE 'Europe/London')::DATE BETWEEN $s AND $e",
                             {"s": date(2024, 7, 1), "e": date(2025, 6, 30)})[0][0]
    assert flagged > 100  # else this test pages nothing
    table = next(d.value for d in at.dataframe if "Evidence (identifiers removed)" in d.value.columns)
    assert len(table) == 50
    assert at.number_input(key="flagged_posts_page").label == f"Page (of {-(-min(flagged, 500) // 50)})"
    csv = downloads[at.download_button(key="download_flagged_posts").proto.deferred_file_id]()
    every = pd.read_csv(io.BytesIO(csv), encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert len(every) == min(flagged, 500)
    assert every["Evidence (identifiers removed)"].head(50).tolist() == table["Evidence (identifiers removed)"].tolist()


def _paged_table() -> None:
    import pandas as pd
    from ui import tables
    frame = pd.DataFrame({"n": range(120)})
    tables.show_paged(frame, "numbers", None, key="numbers", page_rows=50)
    tables.show_paged(frame.head(30), "few numbers", None, key="few", page_rows=50)


def test_a_paged_table_shows_one_page_with_a_control_and_a_short_one_shows_whole(demo_data, use_data,
                                                                                downloads):  # noqa: F811
    use_data(demo_data)  # the synthetic caption reads the warehouse
    at = AppTest.from_function(_paged_table, default_timeout=60).run()
    assert not at.exception, at.exception
    assert [len(d.value) for d in at.dataframe] == [50, 30]
    assert [n.key for n in at.number_input] == ["numbers_page"]  # no control on a table of one page
    at.number_input(key="numbers_page").set_value(3).run()
    assert at.dataframe[0].value["n"].tolist() == list(range(100, 120))
    csv = downloads[at.download_button(key="download_numbers").proto.deferred_file_id]()
    assert pd.read_csv(io.BytesIO(csv), encoding="utf-8-sig")["n"].tolist() == list(range(120))
    assert at.download_button(key="download_numbers").proto.help.startswith("Every page of the table above")


def _two_tables() -> None:
    import pandas as pd
    import streamlit as st
    from ui import tables
    which = st.radio("Which", ["odd", "even"], key="which")
    frame = pd.DataFrame({"n": range(1 if which == "odd" else 0, 240, 2)})  # 120 rows: 3 pages of 50
    tables.show_paged(frame, "numbers", None, key="numbers", page_rows=50)


def test_a_paged_table_goes_back_to_page_one_when_its_rows_change(demo_data, use_data):
    """On page 3, a filter that changes the rows showed page 3 of the new rows (rows 101-150
    of them): the newest were never seen. The page goes back to 1; a rerun that changes
    nothing keeps it."""
    use_data(demo_data)
    at = AppTest.from_function(_two_tables, default_timeout=60).run()
    at.number_input(key="numbers_page").set_value(3).run()
    assert at.dataframe[0].value["n"].tolist()[0] == 201
    at.run()  # the same rows: still page 3
    assert at.number_input(key="numbers_page").value == 3 and at.dataframe[0].value["n"].tolist()[0] == 201
    at.radio(key="which").set_value("even").run()
    assert not at.exception, at.exception
    assert at.number_input(key="numbers_page").value == 1
    assert at.dataframe[0].value["n"].tolist() == list(range(0, 100, 2))
    assert "Rows 1–50 of 120." in [c.value for c in at.caption]


def test_a_page_number_past_either_end_shows_and_says_the_last_or_first_page(demo_data, use_data):
    """With max_value the browser refused 11 of 10 pages (or 0): the box kept it while the old
    page stayed shown. The control has no bounds; the number is put back inside, in the box too."""
    use_data(demo_data)
    at = AppTest.from_function(_paged_table, default_timeout=60).run()
    control = at.number_input(key="numbers_page")
    assert not control.proto.has_min and not control.proto.has_max  # the browser refuses nothing
    control.set_value(11).run()
    assert not at.exception, at.exception
    assert at.number_input(key="numbers_page").value == 3
    assert at.dataframe[0].value["n"].tolist() == list(range(100, 120))
    at.number_input(key="numbers_page").set_value(0).run()
    assert at.number_input(key="numbers_page").value == 1
    assert at.dataframe[0].value["n"].tolist() == list(range(50))


def test_a_paged_table_says_a_header_sorts_its_page_only(demo_data, use_data):
    use_data(demo_data)
    at = AppTest.from_function(_paged_table, default_timeout=60).run()
    notes = [c.value for c in at.caption]
    assert tables.paged_note("newest first") in notes
    assert "sorts this page only" in tables.paged_note("newest first")
    assert sum("sorts this page only" in n for n in notes) == 1  # the one-page table has no control, no note


def test_explore_goes_back_to_the_newest_posts_when_a_filter_changes(demo_data, use_data, read_published):
    use_data(demo_data)
    at = open_page(EXPLORE, {"from": "2023-01-01", "to": "2025-06-30"})
    at.number_input(key="explore_posts_page").set_value(3).run()
    assert at.number_input(key="explore_posts_page").value == 3
    window = f"{UK_DAY} BETWEEN '2023-01-01' AND '2025-06-30'"
    busiest, posts = read_published(demo_data, f"SELECT platform, count(*) AS n FROM posts WHERE {window} "
                                               "GROUP BY platform ORDER BY n DESC LIMIT 1")[0]
    assert posts > tables.PAGE_ROWS  # else the page control goes
    at.multiselect(key=filters.KEYS["platforms"]).set_value([busiest]).run()
    assert not at.exception, at.exception
    newest = [r[0] for r in read_published(
        demo_data, f"SELECT post_id FROM posts WHERE {window} AND platform = $p "
                   "ORDER BY created_at DESC, platform, post_id LIMIT $n", {"p": busiest, "n": tables.PAGE_ROWS})]
    assert at.number_input(key="explore_posts_page").value == 1
    assert at.dataframe[0].value["Post id"].tolist() == newest


def test_a_date_change_on_the_overview_does_not_remake_the_scorecard(demo_data, use_data, monkeypatch):
    use_data(demo_data)
    calls = counting(monkeypatch, scorecard, "protected")
    at = open_page(params={"from": "2025-01-01", "to": "2025-03-31"})
    assert not at.exception, at.exception
    made = len(calls)
    assert made >= 1
    cells = [t.value for t in at.text]
    at.date_input(key="filter_dates").set_value((date(2025, 2, 1), date(2025, 4, 30))).run()
    assert not at.exception, at.exception
    assert len(calls) == made  # the card does not depend on the dates: its cells are cached
    assert [t.value for t in at.text] == cells
    other = open_page(params={"from": "2025-03-01", "to": "2025-05-31"})  # another session
    assert len(calls) == made and [t.value for t in other.text] == cells


def test_a_rerun_does_not_read_a_cached_figure_again(demo_data, use_data, monkeypatch):
    use_data(demo_data)
    calls = counting(monkeypatch, chart_text, "summary")
    at = open_page("pages/9_SPC_trends.py")
    assert not at.exception, at.exception
    read = len(calls)
    assert read >= 3  # the page draws a chart per headline measure
    sentences = [m.value for m in at.markdown]
    at.run()
    assert not at.exception, at.exception
    assert len(calls) == read and [m.value for m in at.markdown] == sentences


def test_the_filters_options_are_made_once_for_every_session(demo_data, use_data, monkeypatch):
    use_data(demo_data)
    calls = counting(monkeypatch, filters, "Options")
    first = open_page(params={"from": "2025-01-01", "to": "2025-03-31"})
    assert not first.exception, first.exception
    second = open_page("pages/7_Data_health.py", {"from": "2025-02-01", "to": "2025-03-31"})
    assert not second.exception, second.exception
    assert len(calls) == 1


def test_the_draft_faq_files_are_written_when_asked_for_not_on_each_run(demo_data, use_data, monkeypatch,
                                                                        downloads):  # noqa: F811
    use_data(demo_data)
    written = counting(monkeypatch, faq, "docx_bytes")
    at = open_page("pages/8_What_patients_ask.py", {"from": "2024-07-01", "to": "2025-06-30"})
    assert not at.exception, at.exception
    button = at.download_button(key="faq_docx")
    assert written == []  # a filter change or an open writes no Word file
    content = downloads[button.proto.deferred_file_id]()
    assert len(written) == 1 and content[:2] == b"PK"  # a .docx is a zip
    markdown = downloads[at.download_button(key="faq_md").proto.deferred_file_id]()
    assert "Draft for review by the service" in markdown.decode("utf-8")


FILTER_SETS = [Filters(date(2023, 7, 2), date(2025, 6, 30)), Filters(date(2025, 1, 1), date(2025, 3, 31), ("Y63",)),
               Filters(date(2024, 7, 1), date(2025, 6, 30), (), (), ("x",))]


@pytest.mark.parametrize("filters", FILTER_SETS, ids=["everything", "one region", "one platform"])
@pytest.mark.parametrize("national", [True, False])
def test_the_headline_from_one_query_is_the_three_clock_headline(demo_data, filters, national):
    con = reader.connect_published(demo_data / config.WAREHOUSE_FILE)
    try:
        cur = con.cursor()
        three = [disclosure.km_summaries(question_queries.response_histogram(cur, filters, clock=c),
                                         within_s=question_queries.WITHIN[c], national=national)
                 for c in question_queries.CLOCKS]
        before = labels.response_headline(*three, national=national)
        after = labels.response_headline_of(question_queries.response_histograms(cur, filters), national=national)
    finally:
        con.close()
    assert before and after == before
    assert labels.headline_clocks() == ("calendar", "service_days")


def test_the_overview_headline_reads_no_service_clock_histogram(demo_data, use_data, monkeypatch):
    use_data(demo_data)
    single = counting(monkeypatch, question_queries, "response_histogram")
    both = counting(monkeypatch, question_queries, "response_histograms")
    at = open_page(params={"from": "2025-01-01", "to": "2025-03-31"})
    assert not at.exception, at.exception
    assert single == [] and len(both) == 1  # one query, of the calendar and service-days clocks
    assert next(m.value for m in at.metric if m.label == "Median time to first answer") != "—"
