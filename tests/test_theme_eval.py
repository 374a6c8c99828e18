"""The themes evaluation (``python -m warehouse evaluate --themes``): its adjusted Rand index
agrees with scikit-learn's, its labels name records that exist (and hold no text), and the
command reports every labelled set it can read."""
from __future__ import annotations

import random

import pandas as pd
from sklearn.metrics import adjusted_rand_score

from tests.support import REALDATA, run_cli
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


def test_the_command_reports_each_set():
    done = run_cli("warehouse", "evaluate", "--themes")
    assert done.returncode == 0, done.stderr
    assert "heldout: 165 questions" in done.stdout and "purity" in done.stdout and "ARI" in done.stdout
    if (REALDATA / theme_eval.IBM).exists():
        assert "ibm_customer_care: 141 questions" in done.stdout
    else:
        assert "ibm_customer_care: skipped" in done.stdout
