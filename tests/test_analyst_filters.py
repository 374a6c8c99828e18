"""Issue #15, section 2: the analyst's filters and work queues. Period presets (last 30 days,
latest full quarter, UK financial years), a trust search where Enter picks the exact match only,
Explore's narrowing by author role, question, topic, flag family and rule and review state (in
the URL, values bound as parameters), the open questions newest or most overdue first (in the
URL). Real warehouses, real Streamlit (AppTest).
"""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.support import load_and_build, post
from tests.test_app import open_page, signed_in
from ui import filter_choices, tables
from ui.filter_choices import exact_trust, period_range
from warehouse.queries import Filters, default_dates

FIRST, LAST = date(2023, 7, 2), date(2025, 6, 30)  # the demo fixture's days
ALL = {"from": "2023-01-01", "to": "2025-06-30"}
UK_DAY = "(created_at AT TIME ZONE 'Europe/London')::DATE"


def _param(at, name: str) -> list[str]:
    value = at.query_params[name]
    return value if isinstance(value, list) else [value]


def test_period_presets_count_back_from_the_data_and_follow_the_uk_financial_year():
    assert period_range("30d", FIRST, LAST) == (date(2025, 6, 1), LAST)
    assert period_range("quarter", FIRST, LAST) == (date(2025, 4, 1), LAST)
    assert period_range("fy", FIRST, LAST) == (date(2025, 4, 1), LAST)  # April to March
    assert period_range("previous_fy", FIRST, LAST) == (date(2024, 4, 1), date(2025, 3, 31))
    assert period_range("fy", FIRST, date(2025, 3, 31)) == (date(2024, 4, 1), date(2025, 3, 31))
    assert period_range("quarter", FIRST, date(2025, 2, 14)) == (date(2024, 10, 1), date(2024, 12, 31))
    assert period_range("previous_fy", date(2025, 1, 1), LAST) == (date(2025, 1, 1), date(2025, 3, 31))  # clamped
    assert period_range("custom", FIRST, LAST) is None and period_range("evil", FIRST, LAST) is None


@pytest.mark.parametrize("last_day, quarter", [
    (date(2025, 6, 30), (date(2025, 4, 1), date(2025, 6, 30))),     # the last day ends a quarter: that quarter
    (date(2025, 7, 1), (date(2025, 4, 1), date(2025, 6, 30))),      # a quarter's first day: the one before
    (date(2025, 9, 29), (date(2025, 4, 1), date(2025, 6, 30))),     # a day short of a quarter's end
    (date(2025, 1, 1), (date(2024, 10, 1), date(2024, 12, 31))),    # across the year boundary
    (date(2024, 12, 31), (date(2024, 10, 1), date(2024, 12, 31))),  # the year's last day
    (date(2025, 3, 31), (date(2025, 1, 1), date(2025, 3, 31))),     # the financial year's last day (Q4)
    (date(2024, 2, 29), (date(2023, 10, 1), date(2023, 12, 31))),   # a leap day
])
def test_latest_full_quarter_is_the_last_quarter_that_ended_by_the_data_s_last_day(last_day, quarter):
    """Issue #16 tryout: "Latest quarter" was the quarter holding the last day, so usually a few
    weeks, while people read it as the last complete quarter. The code stays ``quarter``."""
    assert filter_choices.latest_full_quarter(last_day) == quarter
    assert period_range("quarter", date(2020, 1, 1), last_day) == quarter
    start, end = quarter
    assert start.day == 1 and start.month in (1, 4, 7, 10) and (end + timedelta(days=1)).month == (start.month + 2) % 12 + 1
    assert end <= last_day < end + timedelta(days=92)


def test_a_full_quarter_is_clamped_to_the_data_and_the_labels_say_what_the_presets_do():
    # data starting inside the quarter: from its first day; no full quarter in the data: its first day
    assert period_range("quarter", date(2025, 5, 10), date(2025, 8, 20)) == (date(2025, 5, 10), date(2025, 6, 30))
    assert period_range("quarter", date(2025, 7, 10), date(2025, 8, 20)) == (date(2025, 7, 10), date(2025, 7, 10))
    assert filter_choices.PERIODS["quarter"] == "Latest full quarter"
    # "fy" is the financial year holding the last day, up to it: the year to date, from 1 April
    assert filter_choices.PERIODS["fy"] == "Financial year to date (from 1 April)"
    for last_day in (date(2025, 4, 1), date(2025, 8, 20), date(2026, 3, 31)):
        assert period_range("fy", date(2020, 1, 1), last_day) == (date(2025, 4, 1), last_day)
    assert set(filter_choices.PERIODS) == {"custom", "30d", "quarter", "fy", "previous_fy"}  # URLs carry the codes


def test_trust_search_picks_only_an_exact_name_or_code():
    names = {"RR8": "Leeds Teaching Hospitals NHS Trust", "RY6": "Leeds Community Healthcare NHS Trust",
             "RXL": "Blackpool Teaching Hospitals NHS Foundation Trust"}
    assert exact_trust("Leeds", names) == (None, ["RR8", "RY6"])  # two contain it: none picked
    assert exact_trust("  leeds teaching  hospitals nhs trust ", names) == ("RR8", [])
    assert exact_trust("rxl", names) == ("RXL", [])
    assert exact_trust("Nowhere", names) == (None, []) and exact_trust("", names) == (None, [])


def test_default_dates_cover_data_older_than_a_year():
    """Issue #15, section 4: a first import of old posts shows all of them, not its last year."""
    assert default_dates(date(2015, 1, 1), date(2021, 9, 30), today=date(2026, 12, 3)) == (date(2015, 1, 1),
                                                                                        date(2021, 9, 30))
    assert default_dates(date(2015, 1, 1), date(2026, 11, 30), today=date(2026, 12, 3)) == (date(2025, 12, 1),
                                                                                         date(2026, 11, 30))


def test_explore_narrowing_makes_a_view_sub_national():
    from ui import disclosure
    chosen = Filters(FIRST, LAST, roles=("professional",))
    assert chosen.narrows_posts and not disclosure.national_view(chosen, FIRST, LAST)
    assert disclosure.national_view(Filters(FIRST, LAST), FIRST, LAST)
    with pytest.raises(ValueError):
        Filters(FIRST, LAST, question="maybe")


@pytest.mark.app
def test_period_presets_set_the_dates_and_live_in_the_url(demo_data, use_data):
    use_data(demo_data)
    at = open_page("pages/1_Explore.py", {"period": "previous_fy"})
    assert not at.exception, at.exception
    assert (_param(at, "from"), _param(at, "to"), _param(at, "period")) == \
        (["2024-04-01"], ["2025-03-31"], ["previous_fy"])
    at.selectbox(key="filter_period").set_value("30d").run()
    assert (_param(at, "from"), _param(at, "to")) == (["2025-06-01"], ["2025-06-30"])
    at.date_input(key="filter_dates").set_value((date(2025, 1, 1), date(2025, 1, 31))).run()
    assert at.selectbox(key="filter_period").value == "custom" and "period" not in at.query_params
    assert _param(at, "from") == ["2025-01-01"]


@pytest.fixture
def leeds(data_dir, tmp_path):
    load_and_build(tmp_path, [post(f"{code}{i}", trust_code=code, created_at=f"2025-05-0{i + 1}T09:00:00+00:00")
                              for code in ("RR8", "RY6", "RXL") for i in range(3)])


@pytest.mark.app
def test_trust_search_enter_picks_the_exact_match_only(leeds):
    at = open_page("pages/1_Explore.py", {"from": "2025-05-01", "to": "2025-05-31"}, user=signed_in())
    at.text_input(key="filter_trust_find").input("Leeds").run()  # Enter
    assert not at.exception, at.exception
    assert at.multiselect(key="filter_trusts").value == []  # before: both Leeds trusts
    said = " ".join(c.value for c in at.sidebar.caption)
    assert "2 contain it" in said and "Leeds Teaching Hospitals NHS Trust" in said
    at.text_input(key="filter_trust_find").input("Leeds Teaching Hospitals NHS Trust").run()
    assert at.multiselect(key="filter_trusts").value == ["RR8"] and _param(at, "trust") == ["RR8"]
    assert len(at.dataframe[0].value) == 3
    at.text_input(key="filter_trust_find").input("rxl").run()
    assert at.multiselect(key="filter_trusts").value == ["RR8", "RXL"]


def _matching(at) -> int:
    """The number of matching posts the Explore page states for its full export."""
    line = next(m.value for m in at.markdown if m.value.startswith("**All matching posts: "))
    return int(line.split(": ", 1)[1].split("**")[0].replace(",", ""))


@pytest.mark.app
@pytest.mark.parametrize("params, where", [
    ({"role": "professional"}, "author_role = 'professional'"),
    ({"role": ["organisation", "professional"]}, "author_role IN ('organisation', 'professional')"),
    ({"question": "yes", "topic": "pain_discomfort"}, "is_question AND topic = 'pain_discomfort'"),
    ({"question": "no"}, "NOT is_question"),
    ({"family": "confidentiality"},
     "EXISTS (SELECT 1 FROM flag_reviews f WHERE f.platform = posts.platform AND f.post_id = posts.post_id"
     " AND f.family = 'confidentiality')"),
    ({"rule": "POLICY-ENGAGEMENT", "review": "unreviewed"},
     "EXISTS (SELECT 1 FROM flag_reviews f WHERE f.platform = posts.platform AND f.post_id = posts.post_id"
     " AND f.rule_id = 'POLICY-ENGAGEMENT' AND f.status = 'unreviewed')"),
])
def test_explore_narrows_posts_by_role_question_topic_flag_and_review(params, where, demo_data, use_data,
                                                                      read_published):
    use_data(demo_data)
    at = open_page("pages/1_Explore.py", ALL | params)
    assert not at.exception, at.exception
    expected = read_published(demo_data, f"SELECT count(*) FROM posts WHERE {UK_DAY} BETWEEN '2023-01-01' AND "
                                         f"'2025-06-30' AND {where}")[0][0]
    assert expected > 0
    assert _matching(at) == expected
    newest = min(expected, 1_000)  # shown a page at a time (ui.tables.show_paged)
    assert len(at.dataframe[0].value) == min(newest, tables.PAGE_ROWS)
    if newest > tables.PAGE_ROWS:
        assert at.number_input(key="explore_posts_page").label == f"Page (of {-(-newest // tables.PAGE_ROWS):,})"
    for name, value in params.items():  # kept in the URL as given
        assert _param(at, name) == (value if isinstance(value, list) else [value])
    if "role" in params:
        assert set(at.dataframe[0].value["Author role"]) <= {"Professionals", "Organisations"}


@pytest.mark.app
def test_explore_drops_url_values_it_does_not_offer(demo_data, use_data):
    use_data(demo_data)
    at = open_page("pages/1_Explore.py", ALL | {"role": ["professional", "x'); DROP TABLE posts; --"],
                                                "question": "perhaps", "rule": "NOT-A-RULE"})
    assert not at.exception, at.exception
    assert _param(at, "role") == ["professional"]
    assert "question" not in at.query_params and "rule" not in at.query_params
    # the other pages neither draw nor keep Explore's narrowing
    at.switch_page("pages/2_Patient_questions.py").run()
    assert not at.exception, at.exception
    assert "role" not in at.query_params


@pytest.mark.app
def test_open_questions_newest_or_most_overdue_first_kept_in_the_url(demo_data, use_data, read_published):
    use_data(demo_data)
    at = open_page("pages/2_Patient_questions.py", ALL)
    assert not at.exception, at.exception
    queue = next(d.value for d in at.dataframe if "Waiting" in d.value.columns)
    overdue = read_published(demo_data, """
        SELECT (asked_at AT TIME ZONE 'Europe/London') FROM patient_questions
        WHERE NOT is_answered AND (asked_at AT TIME ZONE 'Europe/London')::DATE BETWEEN '2023-01-01' AND '2025-06-30'
        ORDER BY response_target_hours IS NULL, duration_seconds - response_target_hours * 3600 DESC, asked_at,
                 platform, post_id LIMIT 500""")
    assert queue["Asked (UK time)"].tolist() == [r[0] for r in overdue]
    assert "order" not in at.query_params  # the default
    past = queue["Past its target by"].tolist()
    assert past[0] not in ("—", "not yet") and "—" in past  # furthest past first, no-target ones last
    at.segmented_control(key="queue_order").set_value("newest").run()
    assert _param(at, "order") == ["newest"]
    queue = next(d.value for d in at.dataframe if "Waiting" in d.value.columns)
    assert queue["Asked (UK time)"].is_monotonic_decreasing
    again = open_page("pages/2_Patient_questions.py", ALL | {"order": "newest"})  # a shared link
    assert again.segmented_control(key="queue_order").value == "newest"


def test_filter_choices_offer_titles_never_codes():
    choices = filter_choices.post_choices()
    assert choices["rules"][2]["POLICY-ENGAGEMENT"] != "POLICY-ENGAGEMENT"
    assert choices["families"][2]["clinical_advice"] == "Clinical advice"
