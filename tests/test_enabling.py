"""Enabling practice and the policy in force for response times: staffed hours and response
targets come from the trust's local policy version in force when a question was asked; the
answer's signposting and compassion are measured with evidence. Real files, real DuckDB."""
from __future__ import annotations

import pandas as pd
import pytest

from tests.support import load_and_build, post, published_query
from warehouse.enrich import scratch_connection
from warehouse.rules import enabling

ACCOUNTS = "platform,author_id,role,trust_code,title\nx,jo,professional,RR8,Radiographer\n"

POLICY = """
- trust_code: RR8
  policy_version: "1"
  effective_from: 2025-01-01
  effective_to: 2025-04-01
  personal_use_in_working_hours: permitted
  patient_engagement: permitted
  disclaimer_required: false
  approved_accounts_only: false
  response_target_hours: 4
  staffed_hours: "Mon-Fri 09:00-17:00"
- trust_code: RR8
  policy_version: "2"
  effective_from: 2025-04-01
  personal_use_in_working_hours: permitted
  patient_engagement: encouraged
  disclaimer_required: false
  approved_accounts_only: false
  response_target_hours: 48
  staffed_hours: "24/7"
"""


def practice_spans(texts: list[str]) -> pd.DataFrame:
    """Each practice's evidence for each text, by the SQL the build uses."""
    con = scratch_connection()
    con.register("t", pd.DataFrame({"text": texts}))
    return con.execute(f"SELECT {enabling.practice_columns('text')} FROM t").df()


@pytest.mark.parametrize("practice", enabling.PRACTICES, ids=lambda p: p.practice_id)
def test_practice_finds_its_examples_and_not_its_counter_examples(practice):
    spans = practice_spans(list(practice.examples) + list(practice.counter_examples))
    column = spans[f"{practice.practice_id}_evidence"]
    found = column.notna().tolist()
    n = len(practice.examples)
    assert all(found[:n]), [t for t, f in zip(practice.examples, found) if not f]
    assert not any(found[n:]), [t for t, f in zip(practice.counter_examples, found[n:]) if f]
    for text, span in zip(practice.examples, column):
        assert span in text


@pytest.fixture
def policy_warehouse(data_dir, tmp_path):
    q = dict(author_id="pat")
    load_and_build(tmp_path, [
        # asked under policy 1 (Mon-Fri 09-17, target 4 h) on Friday 16:00, answered Monday 10:00
        post("q1", text="How long do MRI results take?", created_at="2025-03-07T16:00:00+00:00", **q),
        post("a1", author_id="jo", parent_id="q1", created_at="2025-03-10T10:00:00+00:00",
             text="Sorry to hear you're worried - see nhs.uk/conditions/mri-scan for what to expect"),
        # asked under policy 2 (24/7, target 48 h) and answered a day later
        post("q2", text="Can I bring someone with me to my mammogram?", created_at="2025-05-02T15:00:00+00:00", **q),
        post("a2", author_id="jo", parent_id="q2", created_at="2025-05-03T15:00:00+00:00",
             text="Yes, a friend can wait in reception"),
        # unanswered: 24 h before the data's end (target not yet passed) and 72 h before it
        post("q3", text="Is the breast screening unit open on Saturdays?", created_at="2025-05-10T10:00:00+00:00",
             trust_code="RR8", **q),
        post("q4", text="Why has nobody called me back about my ultrasound?", created_at="2025-05-08T10:00:00+00:00",
             trust_code="RR8", **q),
        # a trust with no local policy: default hours, no target
        post("q5", text="Do I need a full bladder for my scan?", created_at="2025-05-09T10:00:00+00:00",
             trust_code="R1K", **q),
        post("end", author_id="someone", text="Lovely weather", created_at="2025-05-11T10:00:00+00:00"),
    ], ACCOUNTS, POLICY)


def test_policy_in_force_sets_staffed_hours_target_and_within_target(policy_warehouse):
    rows = published_query(
        "SELECT post_id, policy_version, response_target_hours, response_seconds, service_response_seconds,"
        " service_day_seconds, within_target FROM patient_questions ORDER BY post_id")
    got = {r[0]: r[1:] for r in rows}
    assert set(got) == {"q1", "q2", "q3", "q4", "q5"}
    # Fri 16:00-17:00 + Mon 09:00-10:00 of staffed time; 66 h on the clock, over the 4 h target
    assert got["q1"] == ("1", 4.0, 66 * 3600, 2 * 3600, 8 * 3600, False)
    # 24/7: service time equals clock time; a day is within 48 h
    assert got["q2"] == ("2", 48.0, 86400, 86400, 86400, True)
    assert got["q3"][:2] == ("2", 48.0) and got["q3"][-1] is None       # pending: 24 h of 48 h
    assert got["q4"][:2] == ("2", 48.0) and got["q4"][-1] is False      # 72 h unanswered
    assert got["q5"] == (None, None, None, None, 10 * 3600, None)       # default calendar


def test_answer_practice_has_evidence_and_daily_counts_add_up(policy_warehouse):
    rows = published_query(
        "SELECT post_id, answer_signposting, answer_compassion FROM patient_questions ORDER BY post_id")
    assert rows[0] == ("q1", "nhs.uk", "Sorry to hear")
    assert rows[1] == ("q2", None, None)
    totals = published_query(
        "SELECT sum(n_questions), sum(n_answered), sum(n_target_known), sum(n_within_target),"
        " sum(n_answer_signposting), sum(n_answer_compassion) FROM daily_question_counts")
    assert totals == [(5, 2, 3, 1, 1, 1)]
