"""The themes evaluation (``python -m warehouse evaluate --themes``): its adjusted Rand index
agrees with scikit-learn's, its labels name records that exist (and hold no text), and the
command reports every labelled set it can read."""
from __future__ import annotations

import random
import re

import pandas as pd
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
    assert list(labels.columns) == ["source", "record_id", "group", "theme"]
    assert labels["record_id"].is_unique and len(labels) >= 300
    heldout = pd.read_csv(theme_eval.HELDOUT, dtype=str)
    positives = set(heldout.loc[heldout["is_patient_question"] == "1", "id"])
    assert set(labels.loc[labels["source"] == "heldout", "record_id"]) == positives
    assert labels["theme"].str.fullmatch(r"[a-z_]+").all()


SET_LINE = re.compile(
    r"(?P<set>\w+): (?P<n>\d+) questions in \d+ groups, (?P<labelled>\d+) labelled themes \((?P<reach>\d+%) of"
    r" .*?\); (?P<made>\d+) themes made, coverage (?P<coverage>\d+%), purity (?P<purity>[\d.]+), ARI"
    r" (?P<ari>[\d.]+); \+10% new data: (?P<kept>\d+% of \d+) themed .*?, (?P<joined>\d+% of \d+) new .*?"
    r" from nothing (?P<fresh>[\d.]+)")


def test_the_command_reports_each_set_and_methods_md_shows_what_it_prints():
    done = run_cli("warehouse", "evaluate", "--themes")
    assert done.returncode == 0, done.stderr
    methods = (ROOT / "docs" / "methods.md").read_text(encoding="utf-8")
    rows = [m.groupdict() for m in SET_LINE.finditer(done.stdout)]
    assert rows
    for r in rows:
        cells = (f"| {r['n']} | {r['labelled']} ({r['reach']}) | {r['made']} | {r['coverage']} | {r['purity']} |"
                 f" {r['ari']} | {r['kept']} | {r['joined']} | {r['fresh']} |")
        assert cells in methods, f"docs/methods.md: the {r['set']} row should read {cells}"
    agreement = re.search(r"orders (\d+%) of (\d+) pairs .*? best is the hand's best in (\d+ of \d+)", done.stdout)
    if agreement:
        assert f"**{agreement[1]} of {agreement[2]}\npairs**" in methods or \
            f"**{agreement[1]} of {agreement[2]} pairs**" in methods.replace("\n", " ")
        assert f"**{agreement[3]}**" in methods
    assert "heldout: 165 questions" in done.stdout and "purity" in done.stdout and "ARI" in done.stdout
    if (REALDATA / theme_eval.IBM).exists():
        assert "ibm_customer_care: 141 questions" in done.stdout and "Best answers against hand ranks" in done.stdout
    else:
        assert "ibm_customer_care: skipped" in done.stdout


def test_answer_agreement_counts_pairs_ordered_as_the_hand_orders_them():
    def frame(scores):
        return pd.DataFrame({"theme": "t", "record_id": [f"r{i}" for i in range(len(scores))],
                             "hand_rank": range(1, len(scores) + 1), "score": scores})

    same = theme_eval.answer_agreement(frame([0.9, 0.5, 0.1]))
    assert (same["agreement"], same["top1"], same["pairs"]) == (1.0, 1, 3)
    assert theme_eval.answer_agreement(frame([0.1, 0.5, 0.9]))["agreement"] == 0.0
    tied = theme_eval.answer_agreement(frame([0.5, 0.5, 0.5]))
    assert (tied["agreement"], tied["ties"]) == (0.5, 3)


def test_the_hand_ranks_name_labelled_conversations_of_their_theme():
    ranks = pd.read_csv(theme_eval.RANKS, dtype=str)
    labels = pd.read_csv(theme_eval.LABELS, dtype=str).set_index("record_id")
    assert ranks["record_id"].is_unique and len(ranks) >= 30
    assert all(labels.loc[r, "theme"] == t for r, t in zip(ranks["record_id"], ranks["theme"]))
    for _, part in ranks.groupby("theme"):
        assert sorted(part["hand_rank"].astype(int)) == list(range(1, len(part) + 1))
