"""The patient-question classifier: each cue's own examples, the SQL against its reference
meaning, whole posts, and the scores on the product's own domain set (the learned model and
the real-text scores are tested in tests/test_question_model.py)."""
from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from tests.support import realdata
from warehouse import evaluate
from warehouse.enrich import questions
from warehouse.enrich.questions import QUESTION_CUES, TOPIC_CUES, classify, cue_matches

ALL_CUES = [("question", cue) for cue in QUESTION_CUES] + [(topic, cue) for topic, cues in TOPIC_CUES.items()
                                                             for cue in cues]
TOPICS = {"pain_discomfort", "preparation", "appointments_access", "waiting_results", "recall_further_tests",
          "radiation_pregnancy", "mri_safety", "contrast", "screening_eligibility", "other"}


@pytest.fixture(scope="module")
def labelled() -> pd.DataFrame:
    return evaluate.load_radiography()


# --- every cue carries examples that its test runs ---------------------------------------------

def test_cue_names_are_unique_and_topics_are_the_taxonomy():
    names = [cue.name for _, cue in ALL_CUES]
    assert len(names) == len(set(names))
    assert set(TOPIC_CUES) == TOPICS and list(TOPIC_CUES)[-1] == "other"


@pytest.mark.parametrize("kind,cue", ALL_CUES, ids=[f"{k}:{c.name}" for k, c in ALL_CUES])
def test_cue_matches_its_examples_and_not_its_counter_examples(kind, cue):
    assert cue.examples and cue.counter_examples, f"{cue.name} needs examples and counter-examples"
    assert cue_matches(cue, list(cue.examples)) == [True] * len(cue.examples)
    assert cue_matches(cue, list(cue.counter_examples)) == [False] * len(cue.counter_examples)


ASKS = ("hoping someone could tell me what to expect", "any help would help", "Let me know how it goes!",
        "Huge thank you to the breast screening team today 💕")
WHOLE_POSTS = (
    "Got my recall letter. Any advice appreciated", "Got my first mammogram on Monday. Please share your experiences x",
    "Can I wear deodorant to my mammogram", "Does a mammogram hurt?", "Why is it always raining on screening day lol",
    "Not a silly question at all. Wear a top and trousers x", "Do go if you're invited, it's nothing to be scared of",
    "Just had my mammogram, wasn't half as bad as I'd heard",
    "Book today https://www.nhs.uk/conditions/breast-screening-mammogram/?utm_source=x",
    "RT @NHSEngland: Breast screening saves lives https://t.co/abc", "RT @jo_b: does the mammogram hurt?",
)


@pytest.fixture(scope="module")
def whole_post_rows():
    """Each of WHOLE_POSTS and ASKS classified as a post of its own, the classifier run once."""
    texts = list(WHOLE_POSTS + ASKS)
    out = classify(texts)
    return {text: out.iloc[i] for i, text in enumerate(texts)}


# Phrases that ask, whatever about: the model's "asks" decision.
@pytest.mark.parametrize("text,expected", [
    ("hoping someone could tell me what to expect", True),
    ("any help would help", True),
    ("Let me know how it goes!", False),
    ("Huge thank you to the breast screening team today 💕", False),
])
def test_asks(text, expected, whole_post_rows):
    row = whole_post_rows[text]
    assert bool(row["asks"]) is expected, (text, row["ask_score"], list(row["question_cues"]))


# Whole posts: is it a patient question (asks, about health care, not a retweet)?
@pytest.mark.parametrize("text,expected", [
    ("Got my recall letter. Any advice appreciated", True),
    # questions-3 scores this ask -0.88 against a threshold of -0.75: a known miss (docs/questions.md)
    pytest.param("Got my first mammogram on Monday. Please share your experiences x", True,
                 marks=pytest.mark.xfail(strict=True, reason="questions-3 misses it (ask score -0.88 < -0.75)")),
    ("Can I wear deodorant to my mammogram", True),
    ("Does a mammogram hurt?", True),
    ("Why is it always raining on screening day lol", False),
    ("Not a silly question at all. Wear a top and trousers x", False),
    ("Do go if you're invited, it's nothing to be scared of", False),
    ("Just had my mammogram, wasn't half as bad as I'd heard", False),
    ("Book today https://www.nhs.uk/conditions/breast-screening-mammogram/?utm_source=x", False),
    ("RT @NHSEngland: Breast screening saves lives https://t.co/abc", False),
    ("RT @jo_b: does the mammogram hurt?", False),  # a retweet is someone else's question
])
def test_whole_posts(text, expected, whole_post_rows):
    row = whole_post_rows[text]
    assert bool(row["is_question"]) is expected, (text, row["ask_score"], row["health_score"],
                                                  list(row["question_cues"]))


def test_topics_and_their_why():
    out = classify(["Can I wear deodorant for my mammogram?", "Is the contrast dye safe?",
                    "Can I have an MRI with a pacemaker?", "How long do results take for my scan?",
                    "Who can I talk to about my scan at the hospital?", "Thank you all so much!",
                    "RT @jo_b: does the mammogram hurt?"])
    assert out["topic"].tolist()[:5] == ["preparation", "contrast", "mri_safety", "waiting_results", "other"]
    assert list(out["topic_cues"][0]) == ["skin_products", "clothing"]
    assert list(out["topic_cues"][4]) == []
    assert pd.isna(out["topic"][5]) and not isinstance(out["topic_cues"][5], (list, tuple))  # not a question
    # the why, in words: why it asks and why it is about health care, never a feature code
    why = list(out["question_cues"][0])
    assert any(w.startswith("asks: ") for w in why) and 'health care: "mammogram"' in why, why
    assert not any(":" in w.split(": ", 1)[1][:2] for w in why if ": " in w), why
    assert list(out["question_cues"][6])[0] == "retweet" and not out["is_question"][6]


# --- the SQL means what the cues say ---------------------------------------------------------

def _reference(texts: list[str]) -> list[tuple[float, set[str]]]:
    """Every cue looked for in every text, one by one: what annotate_sql's gating must reproduce
    (except that it skips counter-cues where no asking cue matched)."""
    hits = {cue.name: cue_matches(cue, texts) for cue in QUESTION_CUES}
    out = []
    for i, _ in enumerate(texts):
        matched = {cue.name for cue in QUESTION_CUES if hits[cue.name][i]}
        if not any(cue.weight > 0 and cue.name in matched for cue in QUESTION_CUES):
            matched = set()
        out.append((round(sum(c.weight for c in QUESTION_CUES if c.name in matched), 6), matched))
    return out


def test_gated_sql_gives_the_same_cues_as_looking_for_each_cue(labelled):
    texts = labelled["text"].tolist() + [cue_text for _, cue in ALL_CUES
                                         for cue_text in cue.examples + cue.counter_examples]
    out = classify(texts)
    for text, (score, cues), (_, row) in zip(texts, _reference(texts), out.iterrows()):
        assert set(row["rule_cues"]) == cues, text
        assert row["rule_score"] == pytest.approx(score), text


def test_gated_topics_match_looking_for_each_topic_cue(labelled):
    texts = labelled.loc[labelled["is_question"] == 1, "text"].tolist()
    out = classify(texts)
    hits = {cue.name: cue_matches(cue, texts) for _, cue in ALL_CUES if _ != "question"}
    for i, (_, row) in enumerate(out.iterrows()):
        if not row["is_question"]:
            continue
        scores = [sum(c.weight for c in cues if hits[c.name][i]) for cues in TOPIC_CUES.values()]
        best = max(scores)
        expected = list(TOPIC_CUES)[scores.index(best)] if best > 0 else "other"
        assert row["topic"] == expected, texts[i]


def test_annotate_sql_keeps_the_relation_and_agrees_with_classify():
    texts = ["Does it hurt?", "Thanks all x", None, "Is the van at Asda this week", "any advice welcome 🙏"]
    con = duckdb.connect(":memory:")
    try:
        con.execute("CREATE TABLE posts (post_id INTEGER, platform VARCHAR, body VARCHAR)")
        con.executemany("INSERT INTO posts VALUES (?, 'x', ?)", list(enumerate(texts)))
        out = con.execute(f"SELECT * FROM ({questions.annotate_sql('posts', 'body')}) ORDER BY post_id").df()
    finally:
        con.close()
    assert list(out.columns) == ["post_id", "platform", "body", *questions.OUTPUT_COLUMNS]
    expected = classify([t or "" for t in texts])
    for column in questions.OUTPUT_COLUMNS:
        for got, want in zip(out[column], expected[column]):
            if isinstance(want, (list, tuple)) or hasattr(want, "tolist"):
                assert list(got) == list(want)
            else:
                assert (pd.isna(got) and pd.isna(want)) or got == want


@pytest.mark.parametrize("relation,column", [("posts; DROP TABLE x", "text"), ("posts", "text)--")])
def test_identifiers_are_checked(relation, column):
    with pytest.raises(ValueError):
        questions.annotate_sql(relation, column)


# --- the labelled sets ------------------------------------------------------------------------

def test_labelled_set_shape(labelled):
    assert len(labelled) >= 300
    assert set(labelled["split"]) == {"dev", "test"}
    assert 0.28 <= (labelled["split"] == "test").mean() <= 0.4
    asked = labelled[labelled["is_question"] == 1]
    assert set(asked["topic"]) == TOPICS
    assert (labelled.loc[labelled["is_question"] == 0, "topic"] == "").all()
    assert (~asked["text"].str.contains("?", regex=False)).mean() > 0.35  # many ask without a "?"
    assert labelled["text"].is_unique
    # a patient question asks about health care; a few non-questions ask too (a retweet, staff)
    assert (asked["asks"] == 1).all() and (asked["health"] == 1).all()
    assert set(labelled.loc[(labelled["is_question"] == 0) & (labelled["asks"] == 1), "text"].str[:2]) == {"RT", "An", "Jo"}


def test_labelled_set_does_not_copy_the_demo_phrase_banks(labelled):
    from ingest import demo_text
    from warehouse.enrich import question_corpus

    labelled = pd.concat([labelled, pd.read_csv(question_corpus.KINDS, keep_default_na=False)])

    # (Short stock phrases such as "please share your experiences" are fair game: the brief quotes them.)
    banks = [s for asks in demo_text.ASKS.values() for s in asks] + [s for c in demo_text.STATEMENTS.values() for s in c]
    banks += demo_text.CPD_POSTS + demo_text.ANNOUNCEMENTS + demo_text.PEER_REPLIES + demo_text.THANKS
    copied = [t for t in labelled["text"] for b in banks if len(b) > 25 and b.lower() in t.lower()]
    assert copied == []


def test_held_out_radiography_posts(labelled):
    """Floors a little below what questions-2 measured on the domain test split (P 0.95, R 0.98,
    topic accuracy 0.93; python -m warehouse evaluate), so that a regression fails."""
    held = labelled[labelled["split"] == "test"].reset_index(drop=True)
    out = classify(held["text"].tolist())
    result = evaluate.scores(out["is_question"], held["is_question"])
    assert result.precision >= 0.90 and result.recall >= 0.93, result
    asked = held["is_question"]
    assert (out.loc[asked, "topic"] == held.loc[asked, "topic"]).mean() >= 0.88


@pytest.mark.slow
def test_evaluate_reports_questions_and_every_flag_family_on_each_split(tmp_path, monkeypatch, capsys):
    """``python -m warehouse evaluate`` (issue #13, "Done when"): the questions and every flag
    family on each split, the real-text splits included, beside "?" and the previous version.
    The blind held-out sets are swapped for small stand-ins written here, so a test run never
    scores the real ones (they were evaluated once; docs/methods.md)."""
    from warehouse.enrich import question_corpus
    from warehouse.rules import evaluate as rules_evaluate
    from warehouse.rules import packs

    questions_csv, flags_csv = tmp_path / "patient_questions.csv", tmp_path / "guideline_posts.csv"
    pd.DataFrame({"id": ["h1", "h2"], "text": ["Does a DEXA scan hurt?", "Go to your screening!"],
                  "is_patient_question": [1, 0], "topic": ["pain_discomfort", ""],
                  "kind": ["explicit", "campaigning"], "platform": ["x", "x"]}).to_csv(questions_csv, index=False)
    pd.DataFrame({"id": ["g1"], "text": ["Mrs Smith in bay 4 has been waiting 6 hours for her CT"],
                  "families": ["confidentiality"], "author": ["professional"], "kind": ["named"]}).to_csv(flags_csv,
                                                                                                          index=False)
    monkeypatch.setattr(question_corpus, "HELDOUT", questions_csv)
    monkeypatch.setattr(rules_evaluate, "HELDOUT", flags_csv)
    assert evaluate.main([]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert any(line.startswith("domain test, patient questions") and '"?" P=' in line and "q2 P=" in line
               and "prev P=" in line for line in lines)
    assert any(line.startswith("held-out (blind), patient questions (n=2, 1 true)") for line in lines)
    assert any(line.startswith("held-out (blind): ") and "(n=1)" in line for line in lines)
    for split in ("test", "written test", "held-out (blind)"):
        rows = [line for line in lines if line.startswith(f"{split} ") and line.split()[len(split.split())] in packs.FAMILIES]
        assert [row.split()[len(split.split())] for row in rows] == list(packs.FAMILIES), split
    if question_corpus.realdata_dir() is None:
        assert any(line.startswith("real text: skipped") for line in lines)
        return
    for split in ("tweet-act test", "real text test"):
        assert any(line.startswith(f"{split}, asks") and '"?" P=' in line and "prev P=" in line for line in lines)
    header = next(i for i, line in enumerate(lines) if line.startswith("real text as staff posts"))
    assert lines[header + 1].split()[2:] == [*packs.FAMILIES, "any"]
    for offset, split in enumerate(("tweet-act train*", "tweet-act test", "real text train", "real text test"), 2):
        row = lines[header + offset]
        assert row.startswith(split) and row.count("→") == len(packs.FAMILIES) + 1, row
