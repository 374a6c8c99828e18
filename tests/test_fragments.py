"""Page-local controls live in ``@st.fragment`` sections: changing one reruns only its section.

AppTest (Streamlit 1.67) never runs a fragment on its own when a widget changes: ``at.run()``
always sends a full rerun (``RerunData`` without a fragment id), so every page test elsewhere
reruns the whole script, fragments included. A browser instead sends the fragment id of the
widget's element (each delta carries ``fragment_id``) and the script runner then runs only that
fragment. :func:`fragment_rerun` does what the browser does: it reads the fragment id from the
widget's delta in the last run's messages and asks the script runner for a rerun of that
fragment alone (``RerunData.fragment_id_queue``), through AppTest's own runner, session state and
fragment storage.

Which code ran is counted by wrapping the page-facing functions of :mod:`ui.data` (``query``,
``figure``, ``table``, ``response_table``): page-level queries must not run on a fragment rerun.
Without the ``@st.fragment`` decorator the widget has no fragment id and these tests fail.
"""
from __future__ import annotations

import functools

import pytest
from streamlit.runtime.scriptrunner import RerunData
from streamlit.testing.v1 import AppTest, local_script_runner

from store import reviews
from tests.test_app import HOME, open_page, signed_in
from tests.test_reviews import _load
from ui import data, funnels
from warehouse import flag_queries, policy_queries, queries, question_queries
from warehouse.policy_queries import CLAUSES

pytestmark = pytest.mark.app  # pages run with AppTest

RANGE = {"from": "2023-01-01", "to": "2025-06-30"}
# Page -> its local controls (widget key -> values to try) and a page-level call (outside every
# fragment) that a full run makes and a fragment rerun must not.
PAGES = {
    HOME: ({"overview_grain": ["day", "week", "month"], "overview_by": ["platform", "role"]},
           ("query", queries.headline)),
    "pages/2_Patient_questions.py": ({"questions_grain": ["day", "week", "month"],
                                      "questions_by": ["all", "topic", "region"]},
                                     ("query", question_queries.question_headline)),
    "pages/3_Response_times.py": ({"response_clock": ["calendar", "service"],
                                   "response_by": ["all", "region", "trust"],
                                   "funnel_unit": ["trust", "region"],
                                   "funnel_measure": list(funnels.FUNNEL_MEASURES)},
                                  ("figure", question_queries.asking_times)),
    "pages/5_Guideline_flags.py": ({"flag_grain": ["week", "month", "day"], "flag_unit": ["trust", "region"]},
                                   ("query", flag_queries.flag_headline)),
    "pages/6_Policy_comparison.py": ({"policy_clause": list(CLAUSES)}, ("query", policy_queries.trust_outcomes)),
}
# Which controls share a fragment (so they must report the same fragment id).
SAME_FRAGMENT = [("overview_grain", "overview_by"), ("response_clock", "response_by"),
                 ("funnel_unit", "funnel_measure"), ("questions_grain", "questions_by")]


@pytest.fixture
def calls(monkeypatch) -> list[tuple[str, object]]:
    """Every (ui.data function, query function) the pages ask of ui.data, in order."""
    made: list[tuple[str, object]] = []

    def counting(kind: str, original):
        @functools.wraps(original)
        def wrapper(*args, **kwargs):
            made.append((kind, args[0] if kind != "response_table" else "response_table"))
            return original(*args, **kwargs)
        return wrapper

    for kind in ("query", "figure", "table", "response_table"):
        monkeypatch.setattr(data, kind, counting(kind, getattr(data, kind)))
    return made


@pytest.fixture
def messages(monkeypatch) -> list:
    """The forward messages of the most recent AppTest run."""
    last: list = []
    parse = local_script_runner.parse_tree_from_messages

    def recording(msgs):
        last[:] = list(msgs)
        return parse(msgs)

    monkeypatch.setattr(local_script_runner, "parse_tree_from_messages", recording)
    return last


def fragment_of(messages: list, key: str) -> str:
    """The fragment id on the delta of the widget with user key ``key`` ("" outside fragments)."""
    for msg in messages:
        if msg.WhichOneof("type") != "delta" or msg.delta.WhichOneof("type") != "new_element":
            continue
        element = msg.delta.new_element
        kind = element.WhichOneof("type")
        widget_id = getattr(getattr(element, kind), "id", "") if kind else ""
        if isinstance(widget_id, str) and widget_id.endswith(f"-{key}"):
            return msg.delta.fragment_id
    raise AssertionError(f"no widget with key {key!r} in the last run")


def fragment_rerun(at: AppTest, fragment_id: str, monkeypatch) -> AppTest:
    """Rerun only ``fragment_id`` with the widget values now set in ``at``, as Streamlit does
    when a widget inside that fragment changes in the browser."""
    assert fragment_id, "the control is not inside an @st.fragment"
    with monkeypatch.context() as patch:
        patch.setattr(local_script_runner, "RerunData",
                      functools.partial(RerunData, fragment_id_queue=[fragment_id]))
        return at.run()


def control(at: AppTest, key: str):
    for kinds in (at.segmented_control, at.selectbox, at.slider):
        try:
            return kinds(key=key)
        except KeyError:
            continue
    raise AssertionError(f"no control {key!r}")


@pytest.mark.parametrize("page", [HOME, "pages/3_Response_times.py"])
def test_a_local_control_reruns_only_its_fragment(page, demo_data, use_data, calls, messages, monkeypatch):
    use_data(demo_data)
    at = open_page(page, RANGE)
    assert not at.exception, at.exception
    controls, page_level = PAGES[page]
    assert page_level in calls, "the full run made the page-level call"
    key = next(iter(controls))
    fragment = fragment_of(messages, key)
    assert fragment, f"{key} is not inside an @st.fragment"

    new = controls[key][-1]
    control(at, key).set_value(new)
    calls.clear()
    at = fragment_rerun(at, fragment, monkeypatch)
    assert not at.exception, at.exception
    assert calls, "the fragment ran"
    assert page_level not in calls and ("query", queries.build_info) not in calls, calls
    assert control(at, key).value == new
    # Only the fragment's elements were sent: no headline metrics outside it (Response times'
    # headline figures depend on the clock, so they are inside its fragment).
    if page == HOME:
        assert not at.metric and [c for c, _ in calls] == ["figure"], calls

    # The same change in a full run (what AppTest does by default) reruns the whole page.
    full = open_page(page, RANGE)
    calls.clear()
    control(full, key).set_value(new).run()
    assert not full.exception, full.exception
    assert page_level in calls


def test_controls_that_feed_one_section_share_its_fragment(demo_data, use_data, messages):
    use_data(demo_data)
    for page, keys in ((HOME, SAME_FRAGMENT[0]), ("pages/3_Response_times.py", SAME_FRAGMENT[1]),
                       ("pages/3_Response_times.py", SAME_FRAGMENT[2]),
                       ("pages/2_Patient_questions.py", SAME_FRAGMENT[3])):
        open_page(page, RANGE)
        ids = {fragment_of(messages, k) for k in keys}
        assert len(ids) == 1 and "" not in ids, (page, keys, ids)
    open_page("pages/3_Response_times.py", RANGE)
    assert fragment_of(messages, "response_clock") != fragment_of(messages, "funnel_unit")


def test_response_times_clock_reruns_headline_and_curves_together(demo_data, use_data, calls, messages,
                                                                  monkeypatch):
    """The clock feeds the headline figures and the curves: a fragment rerun redraws both."""
    use_data(demo_data)
    at = open_page("pages/3_Response_times.py", RANGE)
    fragment = fragment_of(messages, "response_clock")
    at.segmented_control(key="response_clock").set_value("service")
    calls.clear()
    at = fragment_rerun(at, fragment, monkeypatch)
    assert not at.exception, at.exception
    assert [m.label for m in at.metric][0] == "Median wait (service hours)"
    assert ("figure", question_queries.response_histogram) in calls
    assert ("figure", question_queries.question_units) not in calls
    # "Busiest trusts shown" appears only with "By trust", inside the same fragment.
    at.segmented_control(key="response_by").set_value("trust")
    at = fragment_rerun(at, fragment, monkeypatch)
    assert not at.exception, at.exception
    at.slider(key="response_top").set_value(3)
    at = fragment_rerun(at, fragment, monkeypatch)
    assert not at.exception, at.exception
    assert at.slider(key="response_top").value == 3 and len(at.dataframe) == 1


@pytest.mark.parametrize("page", list(PAGES))
def test_every_value_of_every_local_control_renders(page, demo_data, use_data, calls, messages, monkeypatch):
    """Each value of each local control, in a fragment rerun and in a full run."""
    use_data(demo_data)
    controls, page_level = PAGES[page]
    for key, values in controls.items():
        full = open_page(page, RANGE)
        assert not full.exception, full.exception
        fragment = fragment_of(messages, key)
        at = open_page(page, RANGE)
        for value in values:
            control(at, key).set_value(value)
            calls.clear()
            at = fragment_rerun(at, fragment, monkeypatch)
            assert not at.exception, (key, value, at.exception)
            assert page_level not in calls, (key, value, calls)
            assert control(at, key).value == value
            control(full, key).set_value(value).run()  # AppTest's own way: a full rerun
            assert not full.exception, (key, value, full.exception)
            assert control(full, key).value == value


def test_a_decision_recorded_in_the_review_fragment_shows_at_once(data_dir, tmp_path, calls, messages,
                                                                  monkeypatch):
    """The decision form is inside the Review queue's fragment; recording calls st.rerun()
    (scope "app"), so the whole page, queue included, shows the new status at once."""

    _load(tmp_path)
    user = signed_in("ann@nhs.net", "reviewer", region_code="Y63")
    at = open_page("pages/4_Review_queue.py", {"from": "2025-03-01", "to": "2025-03-31"}, user=user)
    assert not at.exception, at.exception
    fragment = fragment_of(messages, "review_queue_table")  # the queue is in the fragment (issue #15)
    assert fragment
    at.session_state["review_queue_table"] = {"selection": {"rows": [1], "columns": [], "cells": []}}
    calls.clear()
    at = fragment_rerun(at, fragment, monkeypatch)  # picking a flag (a row): only the fragment
    assert not at.exception, at.exception
    assert ("query", flag_queries.review_queue) not in calls
    assert at.radio(key="review_decision").value is None  # the picked flag's form, no decision chosen
    picked = 1
    at.radio(key="review_decision").set_value("actioned")
    at.text_area(key="review_note").input("done")
    [b for b in at.button if b.label == "Record decision"][0].click()
    at = fragment_rerun(at, fragment, monkeypatch)  # the submit happens inside the fragment
    assert not at.exception, at.exception
    assert ("query", flag_queries.review_queue) in calls  # st.rerun() ran the whole page
    table = at.dataframe[0].value  # the full rerun redrew the queue table with its new status
    assert "Severity" in table.columns
    assert table["Status"].iloc[picked] == "Actioned"
    decided = reviews.all_decisions()
    assert decided[["post_id", "decision"]].values.tolist() == [[table["Post id"].iloc[picked], "actioned"]]
