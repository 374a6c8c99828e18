"""The question pages say what each number means, in the sentence warehouse.measures holds as
its one definition, beside the number (issue #12); they show the share acknowledged beside the
share answered, and the schedules service hours were counted on. Real demo warehouse, real
Streamlit (AppTest)."""
from __future__ import annotations

import pytest

from tests.test_app import HOME, QUESTIONS_PAGE, RESPONSE_PAGE, open_page
from warehouse.measures import DEFINITIONS, TARGETS

pytestmark = pytest.mark.app

SHOWN = {  # page -> the definitions of the numbers it shows
    HOME: ("questions", "answered", "median_wait", "within_service_day"),
    QUESTIONS_PAGE: ("questions", "answered", "acknowledged", "open", "median_wait"),
    RESPONSE_PAGE: ("median_wait", *(f"within_{t.code}" for t in TARGETS), "answered", "acknowledged",
                    "stamped_early"),
}


def _visible_text(at) -> str:
    return "\n".join([m.value for m in at.markdown] + [c.value for c in at.caption])


@pytest.mark.parametrize("page", list(SHOWN))
def test_each_number_is_defined_on_its_page(demo_data, use_data, page):
    use_data(demo_data)
    at = open_page(page)
    assert not at.exception, at.exception
    text = _visible_text(at)
    missing = [name for name in SHOWN[page] if DEFINITIONS[name] not in text]
    assert not missing, missing


def test_acknowledged_sits_beside_answered_and_schedules_are_listed(demo_data, use_data, read_published):
    use_data(demo_data)
    at = open_page(QUESTIONS_PAGE, {"from": "2023-01-01", "to": "2025-06-30"})  # every question
    labels = [m.label for m in at.metric]
    assert labels.index("Acknowledged automatically") == labels.index("Answered so far") + 1
    n, k = read_published(demo_data, "SELECT count(*), count(*) FILTER (WHERE is_acknowledged)"
                                     " FROM patient_questions")[0]
    assert k > 0, "the demo plants automatic replies"
    value = next(m.value for m in at.metric if m.label == "Acknowledged automatically")
    assert value == f"{k / n:.0%}"  # national level: exact (this page's filters are all data)
    at = open_page(RESPONSE_PAGE)
    assert not at.exception
    (table,) = [t for t in at.dataframe if "Staffed hours" in t.value.columns]
    assert {"Trust", "Policy version", "In force", "Staffed hours", "One service day"} <= set(table.value.columns)
    assert "24/7" in set(table.value["Staffed hours"]) or len(table.value) > 0


def test_data_health_shows_answers_stamped_before_their_question(demo_data, use_data, read_published):
    use_data(demo_data)
    at = open_page("pages/7_Data_health.py")
    assert not at.exception, at.exception
    (table,) = [t.value for t in at.dataframe if "Answer stamped before its question" in t.value.columns]
    platforms = read_published(demo_data, "SELECT count(DISTINCT platform) FROM patient_questions WHERE is_answered")
    assert len(table) == platforms[0][0]
    assert DEFINITIONS["stamped_early"] in "\n".join(c.value for c in at.caption)
