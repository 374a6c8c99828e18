"""The themes evaluation (``python -m warehouse evaluate --themes``): its adjusted Rand index
agrees with scikit-learn's, its labels name records that exist (and hold no text), and the
command reports every labelled set it can read."""
from __future__ import annotations

import random
import re

import pandas as pd
import pytest
from sklearn.metrics import adjusted_rand_score

from tests.support import REALDATA, ROOT, run_cli
from warehouse import theme_eval


def test_adjusted_rand_matches_scikit_learn():
    rng = random.Random(5)
    for _ in range(50):
        n = rng.randint(2, 40)
        truth = [rng.randint(0, 4) for _ in range(n)]
        found = [rng.randint(0, 6) for _ in range(n)]
        assert abs(theme_eval.adjusted_rand(truth, found) - adjusted_rand_score(truth, found)) < 1e-9
    assert theme_eval.adjusted_rand([1, 1, 2], ["a", "a", "b"]) == 1.0


def test_the_labels_are_keyed_by_record_and_hold_no_text():
    labels = pd.read_csv(theme_eval.LABELS, dtype=str)
    assert list(labels.columns) == ["source", "record_id", "text_sha", "group", "theme"]
    assert labels["text_sha"].str.fullmatch(r"[0-9a-f]{16}").all()
    assert labels["record_id"].is_unique and len(labels) >= 300
    heldout = pd.read_csv(theme_eval.HELDOUT, dtype=str)
    positives = set(heldout.loc[heldout["is_patient_question"] == "1", "id"])
    assert set(labels.loc[labels["source"] == "heldout", "record_id"]) == positives
    assert labels["theme"].str.fullmatch(r"[a-z_]+").all()
    assert set(labels["source"]) == set(theme_eval.ORDER)
    tweet_act = labels.loc[labels["source"] == "tweet_act_dev", "record_id"]
    lines = tweet_act.str.removeprefix("tweet_act:").astype(int)
    assert len(lines) >= 300 and not (lines % 5 == 0).any()  # never a Tweet-Act test line
    sizes = labels.groupby("source").size()
    assert sizes["care_dev"] >= 150 and sizes["care_fresh"] >= 150  # dev and held-out, larger than before


def test_a_label_whose_text_changed_is_an_error_naming_the_file_and_line(tmp_path, monkeypatch):
    labels = tmp_path / "labels.csv"
    lines = theme_eval.LABELS.read_text(encoding="utf-8").splitlines(keepends=True)
    source, record, sha, rest = lines[1].split(",", 3)
    lines[1] = ",".join([source, record, "0" * 16, rest])
    labels.write_text("".join(lines), encoding="utf-8")
    monkeypatch.setattr(theme_eval, "LABELS", labels)
    with pytest.raises(ValueError, match=rf"labels.csv:2: text_sha of {source} record {record} does not match"):
        theme_eval.labelled_sets()


def test_a_label_naming_a_test_line_is_an_error_naming_the_file_and_line(tmp_path, monkeypatch):
    if theme_eval._tweet_act_dev() is None:
        pytest.skip("../shared/realdata is not beside this clone")
    labels = tmp_path / "labels.csv"
    text = theme_eval.LABELS.read_text(encoding="utf-8")
    labels.write_text(text + "tweet_act_dev,tweet_act:10,0123456789abcdef,jk_rowling,single\n", encoding="utf-8")
    monkeypatch.setattr(theme_eval, "LABELS", labels)
    with pytest.raises(ValueError, match=rf"labels.csv:{text.count(chr(10)) + 1}: record_id tweet_act:10"):
        theme_eval.labelled_sets()


SET_LINE = re.compile(
    r"(?P<set>\w+) \((?P<role>[\w-]+)\): (?P<n>\d+) questions in \d+ groups, (?P<labelled>\d+) labelled themes \((?P<reach>\d+%) of"
    r" .*?\); (?P<made>\d+) themes made, coverage (?P<coverage>\d+%), purity (?P<purity>[\d.]+), ARI"
    r" (?P<ari>[\d.]+); \+10% new data: (?P<kept>\d+% of \d+) themed .*?, (?P<joined>\d+% of \d+) new .*?"
    r" from nothing (?P<fresh>[\d.]+)")


@pytest.mark.slow  # the command themes five sets twice over, with stability: ~15 s
def test_the_command_reports_each_set_and_methods_md_shows_what_it_prints():
    done = run_cli("warehouse", "evaluate", "--themes")
    assert done.returncode == 0, done.stderr
    methods = (ROOT / "docs" / "methods.md").read_text(encoding="utf-8")
    rows = [m.groupdict() for m in SET_LINE.finditer(done.stdout)]
    assert len(rows) == 2 * len(theme_eval.ORDER) or (len(rows) == 2 and not (REALDATA / theme_eval.IBM).exists())
    for r in rows:
        cells = (f"| {r['n']} | {r['labelled']} ({r['reach']}) | {r['made']} | {r['coverage']} | {r['purity']} |"
                 f" {r['ari']} | {r['kept']} | {r['joined']} | {r['fresh']} |")
        assert cells in methods, f"docs/methods.md: the {r['set']} row should read {cells}"
    agreements = re.findall(r"hand ranks, (.*?): (\d+) real care replies in (\d+) themes; the score orders (\d+%) of"
                            r" (\d+) pairs .*? Kendall tau-b ([\d.-]+) .*? best is the hand's best in (\d+ of \d+)",
                            done.stdout)
    assert len(agreements) == 3 or not (REALDATA / theme_eval.IBM).exists()
    for name, answers, themes, share, pairs, tau, top1 in agreements:
        cells = f"| {answers} | {themes} | {share} of {pairs} | {tau} | {top1} |"
        assert cells in methods, f"docs/methods.md: the best-answer row for {name} should read {cells}"
    assert "heldout (earlier): 165 questions" in done.stdout and "purity" in done.stdout and "ARI" in done.stdout
    if (REALDATA / theme_eval.IBM).exists():
        for label in ("ibm_customer_care (earlier): 141", "care_dev (dev): 177", "tweet_act_dev (dev): 303",
                      "care_fresh (held-out): 156"):
            assert f"{label} questions" in done.stdout, label
        assert "Best answers against hand ranks" in done.stdout
    else:
        assert "skipped" in done.stdout


def test_answer_agreement_counts_pairs_ordered_as_the_hand_orders_them():
    def frame(scores):
        return pd.DataFrame({"theme": "t", "record_id": [f"r{i}" for i in range(len(scores))],
                             "hand_rank": range(1, len(scores) + 1), "score": scores})

    same = theme_eval.answer_agreement(frame([0.9, 0.5, 0.1]))
    assert (same["agreement"], same["top1"], same["pairs"]) == (1.0, 1, 3)
    assert same["tau"] == 1.0
    assert theme_eval.answer_agreement(frame([0.1, 0.5, 0.9]))["agreement"] == 0.0
    assert theme_eval.answer_agreement(frame([0.1, 0.5, 0.9]))["tau"] == -1.0
    tied = theme_eval.answer_agreement(frame([0.5, 0.5, 0.5]))
    assert (tied["agreement"], tied["ties"]) == (0.5, 3)


def test_the_hand_ranks_name_labelled_conversations_of_their_theme():
    ranks = pd.read_csv(theme_eval.RANKS, dtype=str)
    labels = pd.read_csv(theme_eval.LABELS, dtype=str).set_index("record_id")
    assert all(labels.loc[r, "source"] == s for r, s in zip(ranks["record_id"], ranks["source"]))
    assert ranks["record_id"].is_unique and len(ranks) >= 30
    assert all(labels.loc[r, "theme"] == t for r, t in zip(ranks["record_id"], ranks["theme"]))
    for _, part in ranks.groupby(["source", "theme"]):  # dense ranks from 1: ties allowed, no gap
        assert sorted(set(part["hand_rank"].astype(int))) == list(range(1, part["hand_rank"].astype(int).max() + 1))
