"""The demo's simulated review history on the pages (issue #20), with real Streamlit: a manager
opening the seeded demo with the default filters sees in-use precision and the blind audit's
recall, not "no review decision yet"."""
from __future__ import annotations

import os

import pytest

from tests.support import run_cli
from tests.test_app import open_page, texts
from tests.test_demo_reviews import demo_copy  # noqa: F401  (the fixture)

pytestmark = pytest.mark.app


def _table(at, column: str):
    return next(d.value for d in at.dataframe if column in d.value.columns)


def test_the_seeded_demo_shows_in_use_precision_recall_and_the_audit(demo_copy):
    before = open_page("pages/5_Guideline_flags.py")
    assert not before.exception, before.exception
    assert "No flag in the selection has a review decision yet." in texts(before.markdown)

    result = run_cli("warehouse", "demo-reviews", env={**os.environ})  # seeds, then republishes
    assert result.returncode == 0, result.stderr
    assert "demo review history (simulated)" in result.stdout and "built" in result.stdout

    at = open_page("pages/5_Guideline_flags.py")
    assert not at.exception, at.exception
    sentence = next(m for m in texts(at.markdown) if "reviewed flags" in m)
    assert sentence.startswith("Of ") and "upheld (share upheld 0." in sentence, sentence
    assert _table(at, "Upheld share (95% CI)")["Reviewed"].tolist()
    audited = _table(at, "Recall (95% CI)")  # the blind audit's table, with intervals
    assert audited["Prevalence (95% CI)"].str.contains("–").any()
    assert (audited["Posts judged"] != "0").all()

    questions = _table(open_page("pages/2_Patient_questions.py"), "Measure")
    assert questions["Recall (95% CI)"].str.contains("–").all(), questions
    assert questions["Precision (95% CI)"].str.contains("–").all(), questions

    queue = open_page("pages/4_Review_queue.py")
    assert not queue.exception, queue.exception
    assert not any("No audit sample in these dates and filters" in m for m in texts(queue.info))
