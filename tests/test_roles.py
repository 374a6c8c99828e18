"""Roles from self-description: a bio or post that says the author is a professional or an
organisation, and the phrases that name someone else's profession and must not count."""
from __future__ import annotations

import duckdb
import pytest

from warehouse.enrich import roles
from warehouse.enrich.questions import cue_matches

ALL_CUES = [cue for cues in roles.ROLE_CUES.values() for cue in cues] + roles.NOT_SELF_CUES


@pytest.mark.parametrize("cue", ALL_CUES, ids=[c.name for c in ALL_CUES])
def test_cue_matches_its_examples_and_not_its_counter_examples(cue):
    assert cue.examples and cue.counter_examples
    assert cue_matches(cue, list(cue.examples)) == [True] * len(cue.examples)
    assert cue_matches(cue, list(cue.counter_examples)) == [False] * len(cue.counter_examples)


@pytest.mark.parametrize("bio,text,role,evidence", [
    # professionals, by bio or in their own words
    ("HCPC registered diagnostic radiographer. Views my own", None, "professional", "HCPC registered"),
    ("Mammographer | Leeds | tweets my own", None, "professional", "Mammographer"),
    ("Sonographer, runner, mum of two", None, "professional", "Sonographer"),
    ("Consultant Radiologist, breast imaging", None, "professional", "Consultant Radiologist"),
    ("Assistant Practitioner (Mammography) at the Royal", None, "professional", "Assistant Practitioner"),
    ("Reporting radiographer @ Leeds Teaching Hospitals NHS Trust", None, "professional", "Reporting radiographer"),
    ("I'm the lead sonographer at the Royal", None, "professional", "I'm the lead sonographer"),
    (None, "As a radiographer, I'd say ring the number on your letter", "professional", "As a radiographer"),
    (None, "Mammographer here 👋 the squeeze only lasts a few seconds", "professional", "Mammographer here"),
    (None, "I'm a diagnostic radiographer and honestly it's fine", "professional", "I'm a diagnostic radiographer"),
    ("Proud mum of a student radiographer. Diagnostic radiographer myself", None, "professional",
     "Diagnostic radiographer"),
    # organisations
    ("Official account of the Breast Screening Service at Leeds Teaching Hospitals NHS Trust", None, "organisation",
     "Official account"),
    ("Radiology Department, Royal Infirmary. We can't give medical advice here", None, "organisation",
     "We can't give"),
    ("Leeds Breast Screening Service", None, "organisation", "Breast Screening Service"),
    ("News from Airedale NHS Foundation Trust", None, "organisation", "NHS Foundation Trust"),
    # someone else's profession: not the author's
    ("Mum of 2. My daughter is a radiographer 💙", None, None, None),
    (None, "my radiographer was so kind today", None, None),
    (None, "The radiographer was lovely and explained everything", None, None),
    (None, "Thank you to the sonographer who spotted it", None, None),
    ("Married to a radiologist, dog lover", None, None, None),
    ("Student radiographer, 2nd year 🎓", None, None, None),
    ("Retired mammographer, now gardening", None, None, None),
    (None, "As a radiographer's daughter I've heard it all", None, None),
    (None, "Hoping to become a sonographer one day", None, None),
    (None, "Our radiographers were brilliant", None, None),
    ("Retired teacher", "Does the mammogram hurt?", None, None),
    (None, None, None, None),
])
def test_resolve(bio, text, role, evidence):
    found = roles.resolve(bio, text)
    assert found.role == role, found
    assert found.evidence == evidence
    if role:
        assert 0 < found.confidence <= 1


def test_the_bio_is_tried_before_the_post_and_the_most_confident_cue_wins():
    found = roles.resolve("Radiographer at the Royal", "As a radiographer I'd say go")
    assert (found.evidence, found.confidence) == ("As a radiographer", 0.9)  # the post's 0.9 beats the bio's 0.8
    found = roles.resolve("I'm a radiographer", "As a sonographer I'd say go")
    assert found.evidence == "I'm a radiographer"  # same cue: the bio first
    found = roles.resolve("Breast Screening Service", "Official account: we can't give medical advice")
    assert found.role == "organisation" and found.confidence == pytest.approx(0.95)


def test_role_sql_in_a_select_list():
    con = duckdb.connect(":memory:")
    try:
        con.execute("CREATE TABLE posts AS SELECT * FROM (VALUES (1, 'Diagnostic radiographer', 'hi'), "
                    "(2, 'Mum of 3', 'the radiographer was lovely'), (3, NULL, NULL)) t(post_id, author_bio, text)")
        rel = con.execute(f"SELECT post_id, {roles.role_sql()} FROM posts ORDER BY post_id")
        names = [d[0] for d in rel.description]
        rows = rel.fetchall()
    finally:
        con.close()
    assert names == ["post_id", "self_role", "self_role_confidence", "self_role_evidence"]
    assert rows == [(1, "professional", 0.8, "Diagnostic radiographer"), (2, None, None, None), (3, None, None, None)]


def test_column_names_are_checked():
    with pytest.raises(ValueError):
        roles.role_sql("author_bio; DROP TABLE posts")
