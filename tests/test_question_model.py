"""The learned question model: its artefact, its version in the build's memo, reproducible
training, the labels keyed to the real data, examples of each kind, and floors on the test
splits (a little below what questions-2 measured, so that a regression fails).

Tests that read ../shared/realdata skip with the reason when it is absent."""
from __future__ import annotations

import json
import re
import shutil

import numpy as np
import pandas as pd
import pytest

from warehouse import build as build_module
from warehouse import evaluate
from warehouse.enrich import question_corpus as corpus
from warehouse.enrich import question_model, questions, train_questions


def _real() -> pd.DataFrame:
    if corpus.realdata_dir() is None:
        pytest.skip("real data absent (../shared/realdata is not beside this clone; set $RADSOME_REALDATA)")
    frame, problems = corpus.real_corpus()
    assert problems == []
    return frame


@pytest.fixture(scope="module")
def real() -> pd.DataFrame:
    return evaluate.predicted(_real())


@pytest.fixture(scope="module")
def kinds() -> pd.DataFrame:
    domain = corpus.domain_sets()
    return evaluate.predicted(domain[domain["source"] == "kinds"])


# --- the artefact -----------------------------------------------------------------------------

def test_artefact_loads_and_its_version_is_the_hash_of_its_bytes():
    model = question_model.load()
    assert model.version == question_model.version_of(question_model.ARTEFACT.read_bytes())
    assert questions.version(model) == f"questions-3+{model.version}"
    assert set(model.intercepts) == set(model.thresholds) == {"ask", "health"}
    assert len(model.weights) > 1000
    # every cue the rules can produce has a weight, and the word lists reached their words
    assert {f"c:{cue.name}" for cue in questions.QUESTION_CUES} <= set(model.weights)
    assert model.weights["w:mammogram"][1] > 1.0 > model.weights["w:password"][1]


@pytest.mark.parametrize("content,field", [
    ("not json", "not JSON"),
    (json.dumps({"format": 99}), "'format'"),
    (json.dumps({"format": 1, "heads": {"ask": {"intercept": 0, "threshold": 0}}}), "malformed"),
    (json.dumps({"format": 1, "heads": {h: {"intercept": 0, "threshold": 0} for h in ("ask", "health")},
                 "weights": [["w:a", 1, 0], ["w:a", 2, 0]]}), "weights[1]"),
])
def test_a_malformed_artefact_is_named_with_its_field(tmp_path, content, field):
    path = tmp_path / "model.json"
    path.write_text(content)
    with pytest.raises(question_model.ModelError, match=r"model\.json: .*" + re.escape(field)):
        question_model.load(path)


def test_the_sql_score_is_the_intercept_plus_the_weights_of_the_features():
    """What the build computes in SQL equals the model applied by hand to the same features."""
    model = question_model.load()
    texts = ["Can I wear deodorant to my mammogram?", "my printer won't connect to the wifi, help",
             "Who doesn't love a free scan?!", "wondering if anyone has had an MRI with a hip replacement", ""]
    out = questions.classify(texts)
    for text, features, (_, row) in zip(texts, questions.feature_lists(texts), out.iterrows()):
        ask = model.intercepts["ask"] + sum(model.weights.get(f, (0.0, 0.0))[0] for f in features)
        health = model.intercepts["health"] + sum(model.weights.get(f, (0.0, 0.0))[1] for f in features)
        assert row["ask_score"] == pytest.approx(ask, abs=1e-5), text
        assert row["health_score"] == pytest.approx(health, abs=1e-5), text
        assert bool(row["asks"]) is (ask > model.thresholds["ask"])
        assert bool(row["is_question"]) is (ask > model.thresholds["ask"] and health > model.thresholds["health"])


def test_the_model_version_reaches_the_memo_version(tmp_path, monkeypatch):
    """A changed artefact (one weight) is a new memo version: every post is classified again."""
    models = {m.name: m for m in build_module.load_models()}
    by_table = {m.table: m for m in models.values()}
    questions_model = models["int_questions"]

    def memo_version() -> str:
        return build_module._memo_version(questions_model, build_module.render(questions_model), by_table)

    before = memo_version()
    content = json.loads(question_model.ARTEFACT.read_text(encoding="utf-8"))
    row = next(r for r in content["weights"] if r[0] == "w:mammogram")
    row[2] += 0.5
    changed = tmp_path / "question_model.json"
    changed.write_text(json.dumps(content), encoding="utf-8")
    assert question_model.load(changed).version != question_model.load().version
    monkeypatch.setattr(question_model, "ARTEFACT", changed)
    assert memo_version() != before


@pytest.mark.slow
def test_a_changed_model_reclassifies_every_post_in_the_build(demo_data, tmp_path, monkeypatch):
    from store import config
    from warehouse.build import build

    folder = tmp_path / "data"
    shutil.copytree(demo_data, folder)
    monkeypatch.setenv(config.DATA_ENV, str(folder))
    build()
    assert build().memo_reused["int_questions"] > 0  # same model: the previous verdicts are reused
    content = json.loads(question_model.ARTEFACT.read_text(encoding="utf-8"))
    content["heads"]["health"]["threshold"] = 1.5
    changed = tmp_path / "question_model.json"
    changed.write_text(json.dumps(content), encoding="utf-8")
    monkeypatch.setattr(question_model, "ARTEFACT", changed)
    again = build()
    assert again.memo_reused["int_questions"] == 0
    assert again.memo_reused["int_rule_hits"] > 0


# --- training ---------------------------------------------------------------------------------

@pytest.mark.slow
def test_training_reproduces_the_committed_artefact_byte_for_byte():
    pytest.importorskip("sklearn", reason="scikit-learn (requirements-dev.txt) trains the model")
    _real()
    from warehouse.enrich import train_questions

    text = train_questions.dumps(train_questions.train(train_questions.training_frame()))
    assert text == question_model.ARTEFACT.read_text(encoding="utf-8"), \
        "the artefact is not what training gives: run python -m warehouse.enrich.train_questions"


def test_training_never_reads_a_test_split_or_a_copy_of_a_test_text():
    _real()
    from warehouse.enrich import train_questions

    frame = train_questions.training_frame()
    assert set(frame["split"]) <= {"train", "dev"}
    real, _ = corpus.real_corpus()
    tested = set(pd.concat([real, corpus.domain_sets()]).query("split == 'test'")["text"].map(corpus.normalise))
    assert not set(frame["text"].map(corpus.normalise)) & tested
    # Tweet-Act keeps its README split: no line divisible by 5
    lines = frame.loc[frame["source"] == "tweet_act", "record_id"].str.split(":").str[1].astype(int)
    assert (lines % 5 != 0).all() and len(lines) > 5000


# --- the labels -------------------------------------------------------------------------------

def test_every_real_record_has_a_label_that_matches_its_text():
    frame = _real()
    assert len(frame) == 7500 + 585 + 243
    assert frame.groupby("source")["split"].apply(lambda s: (s == "test").mean()).between(0.2, 0.36).all()


def test_a_changed_source_text_is_reported_not_trained_on(tmp_path):
    labels = tmp_path / "labels.csv"
    labels.write_text("record_id,text_sha,asks,health,patient_question,topic,note\n"
                      f"r1,{corpus.text_sha('Does it hurt?')},1,1,1,pain_discomfort,\n"
                      f"r2,{corpus.text_sha('old words')},0,,0,,\n")
    records = pd.DataFrame({"record_id": ["r1", "r2", "r3"], "text": ["Does   it hurt?", "new words", "x"]})
    joined, problems = corpus.join_labels(records, labels)
    assert joined["record_id"].tolist() == ["r1"]  # whitespace is normalised before hashing
    assert any("r2" in p and "changed" in p for p in problems) and any("r3" in p for p in problems)


@pytest.mark.parametrize("row,message", [
    ("r1,abc,2,,0,,", "line 2, field asks"),
    (",abc,1,0,0,,", "line 2, field record_id"),
    ("r1,abc,1,yes,0,,", "line 2, field health"),
])
def test_a_bad_label_row_names_the_file_line_and_field(tmp_path, row, message):
    labels = tmp_path / "labels.csv"
    labels.write_text("record_id,text_sha,asks,health,patient_question,topic,note\n" + row + "\n")
    with pytest.raises(corpus.LabelError, match=f"labels.csv, {message}"):
        corpus.read_labels(labels)


def test_the_second_pass_agreed_on_nearly_every_label():
    second = pd.read_csv(corpus.LABELS / "second_pass.csv", keep_default_na=False, dtype=str)
    own = second[second["pass1_asks"] != ""]
    assert len(second) >= 0.1 * (585 + 243) + 0.1 * 422 and len(own) >= 0.1 * (585 + 243)
    agree = (own["pass1_asks"] == own["pass2_asks"]).mean()
    assert agree >= 0.95
    settled = own[own["pass1_asks"] != own["pass2_asks"]]
    assert (settled["note"] != "").all()  # each disagreement says how it was settled


# --- examples of each kind (the kinds dev set; trained on, never a test split) ---------------

@pytest.mark.parametrize("kind", ["implicit_ask", "reassurance_story", "seed", "rhetorical", "exclamatory",
                                  "campaigning", "quoted", "off_topic_ask", "statement", "answer", "retweet"])
def test_each_kind_of_post_is_classified_right(kinds, kind):
    part = kinds[kinds["kind"] == kind]
    assert len(part) >= 2
    wrong = part[part["is_question"] != part["patient_question"]]
    assert wrong.empty, wrong[["text", "question_cues"]].to_dict("records")


def test_the_seed_example_is_a_question_about_pain_and_says_why(kinds):
    seed = kinds[kinds["kind"] == "seed"]
    assert seed["is_question"].all() and (seed["topic_pred"] == "pain_discomfort").all()
    for why in seed["question_cues"]:
        assert any(w.startswith("asks: ") for w in why) and any(w.startswith("health care: ") for w in why)


# --- floors on the test splits ------------------------------------------------------------------

def test_tweet_act_test_split(real):
    test = real[(real["source"] == "tweet_act") & (real["split"] == "test")]
    assert len(test) == 1500
    baseline = evaluate.scores(evaluate.has_question_mark(test["text"]), test["asks"])
    assert (round(baseline.precision, 2), round(baseline.recall, 2), round(baseline.f1, 2)) == (0.63, 0.80, 0.71)
    new = evaluate.scores(test["asks_pred"], test["asks"])
    previous = evaluate.scores(test["prev_is_question"], test["asks"])
    assert new.f1 >= 0.75 and new.f1 > previous.f1 > baseline.f1, (new, previous, baseline)  # measured 0.761 (q2 0.748)


def test_written_by_other_writers_test_split():
    """The other writers' public posts held back from training (20% by id hash): floors a little
    below what questions-3 measured (P 0.79, R 0.84; off-topic asks counted 12.8%, 5/39;
    questions-2: P 0.63, R 0.79, 61.5%)."""
    written = corpus.written_sets()
    assert set(written["split"]) == {"train", "test"} and (written["split"] == "test").mean() < 0.3
    test = evaluate.predicted(written[written["split"] == "test"])
    new = evaluate.scores(test["is_question"], test["patient_question"])
    assert new.precision >= 0.75 and new.recall >= 0.80, new
    off_topic = test[test["asks"] & (test["health"] == 0)]
    assert off_topic["is_question"].mean() <= 0.16
    assert off_topic["q2_is_question"].mean() > 0.5  # questions-2 counted most of them


def test_training_reads_the_written_posts_but_not_their_test_split():
    frame = train_questions.training_frame()
    written = corpus.written_sets()
    trained = set(frame.loc[frame["source"] == "written", "record_id"])
    assert trained == set(written.loc[written["split"] == "train", "record_id"])


def test_real_text_test_split(real):
    test = real[(real["source"] != "tweet_act") & (real["split"] == "test")]
    new = evaluate.scores(test["asks_pred"], test["asks"])
    assert new.precision >= 0.82 and new.recall >= 0.82, new  # measured P 0.84, R 0.85 (q2 0.85, 0.86)
    off_topic = test[test["asks"] & (test["health"] == 0)]
    assert len(off_topic) >= 100
    assert off_topic["is_question"].mean() <= 0.02  # target 3%; questions-2 measured 0.0% (0/131)
    assert off_topic["prev_is_question"].mean() > 0.5  # the previous version counted most of them


def test_evaluate_reports_a_blind_held_out_set_when_present(tmp_path, monkeypatch, capsys):
    held = tmp_path / "patient_questions.csv"
    pd.DataFrame({"id": ["h1", "h2", "h3"],
                  "text": ["Does a DEXA scan hurt?", "my laptop won't turn on, any ideas?", "Go to your screening!"],
                  "is_patient_question": [1, 0, 0], "topic": ["pain_discomfort", "", ""],
                  "kind": ["explicit", "off_topic_ask", "campaigning"], "platform": ["x"] * 3}).to_csv(held, index=False)
    monkeypatch.setattr(corpus, "HELDOUT", held)
    lines, frame = evaluate.evaluate_heldout()
    assert lines[0].startswith("held-out (blind), patient questions (n=3, 1 true): new P=1.00 R=1.00")
    assert "off-topic asks counted as patient questions: new 0.0% (0/1)" in lines[1]
    assert np.array_equal(frame["is_question"].to_numpy(), [True, False, False])
