"""Threads from parent links, roles (registry first, then self-description), attribution
through the thread, and episodes with follow-ups, on a small hand-made data set."""
from __future__ import annotations

import pytest

import re

from ingest import jobs
from tests.support import post, published_query, write_jsonl
from warehouse.build import build
from warehouse.enrich import roles
from warehouse.templates import ROLE_TEXT_GATE

pytestmark = pytest.mark.slow  # ingest and build: a data folder and a build per test

T0 = "2025-03-03T10:{:02d}:00+00:00"  # a Monday, in staffed hours


def _build(tmp_path, records, accounts=""):
    jobs.import_file(write_jsonl(tmp_path / "p.jsonl", records))
    if accounts:
        path = tmp_path / "accounts.csv"
        path.write_text("platform,author_id,role,trust_code,title\n" + accounts)
        jobs.load_accounts(path)
    build()


def test_threads_are_walked_up_parent_links_and_missing_parents_kept(data_dir, tmp_path):
    _build(tmp_path, [
        post("r", created_at=T0.format(0)),
        post("a", parent_id="r", created_at=T0.format(1)),
        post("b", parent_id="a", created_at=T0.format(2)),
        post("c", parent_id="b", created_at=T0.format(3)),
        post("orphan", parent_id="gone", created_at=T0.format(4)),
        post("orphan-child", parent_id="orphan", created_at=T0.format(5)),
    ])
    rows = published_query("SELECT post_id, thread_id, parent_missing FROM posts ORDER BY created_at")
    assert rows == [
        ("r", "r", False), ("a", "r", False), ("b", "r", False), ("c", "r", False),
        ("orphan", "gone", True), ("orphan-child", "gone", False),
    ]


def test_registry_wins_over_self_description_and_unknown_authors(data_dir, tmp_path):
    _build(tmp_path, [
        post("1", author_id="jo", author_bio="HCPC registered diagnostic radiographer. Views my own."),
        post("2", author_id="sam", author_bio="Mum of two. My radiographer was lovely!"),
        post("3", author_id="kim", author_bio="Mammographer at a breast screening unit"),
        post("4", author_id="unknown:4"),
    ], accounts="x,kim,organisation,RR8,Leeds Breast Screening\n")
    rows = dict(published_query("SELECT post_id, author_role || '/' || role_source FROM posts"))
    assert rows == {
        "1": "professional/self_description", "2": "patient_public/default",
        "3": "organisation/registry", "4": "unknown/unknown",
    }
    evidence = published_query("SELECT role_evidence, role_confidence FROM posts WHERE post_id = '1'")[0]
    assert evidence[0] and evidence[0] in "HCPC registered diagnostic radiographer. Views my own."
    assert 0 < evidence[1] <= 1


def test_unattributed_question_takes_the_trust_of_the_registered_account_answering(data_dir, tmp_path):
    _build(tmp_path, [
        post("q", author_id="pat", text="Can I wear deodorant to my mammogram?", created_at=T0.format(0)),
        post("a", parent_id="q", author_id="leeds", text="Best not to on the day.", created_at=T0.format(30)),
    ], accounts="x,leeds,organisation,RR8,Leeds Breast Screening\n")
    assert published_query("SELECT post_id, trust_code, attribution FROM posts ORDER BY post_id") == [
        ("a", "RR8", "registry"), ("q", "RR8", "thread"),
    ]


def test_followups_join_the_episode_until_the_answer(data_dir, tmp_path):
    _build(tmp_path, [
        post("q1", author_id="pat", text="Will the MRI be very loud?", created_at=T0.format(0)),
        post("q2", parent_id="q1", author_id="pat", text="Also can I bring music?", created_at=T0.format(5)),
        post("f", parent_id="q2", author_id="pat", text="anyone", created_at=T0.format(10)),
        post("a", parent_id="q1", author_id="leeds", text="Yes it is loud; we give headphones.", created_at=T0.format(40)),
        post("q3", parent_id="a", author_id="pat", text="Can my husband come in with me?", created_at=T0.format(50)),
    ], accounts="x,leeds,organisation,RR8,Leeds MRI\n")
    rows = published_query(
        "SELECT post_id, n_questions, n_followups, answered_by_post_id, response_seconds, is_answered"
        " FROM patient_questions ORDER BY asked_at")
    assert rows == [("q1", 2, 2, "a", 2400, True), ("q3", 1, 0, None, None, False)]
    # the open episode is censored at the data's end time (its own post is the newest)
    assert published_query("SELECT duration_seconds FROM patient_questions WHERE post_id = 'q3'") == [(0,)]


def test_role_text_gate_admits_every_text_cue_example():
    """The build reads post text for self-description only where the gate matches."""


    gate = re.compile(ROLE_TEXT_GATE.removeprefix("(?i)"), re.IGNORECASE)
    cues = [cue for _, cue in roles.ORDER if cue.name in roles.TEXT_CUES]
    assert cues
    for cue in cues:
        for example in cue.examples:
            assert gate.search(example), (cue.name, example)
