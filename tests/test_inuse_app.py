"""Quality in use on the pages (issue #20), end to end with real Streamlit: the Review queue's
blind audit tab, and the figures on Guideline flags and Patient questions."""
from __future__ import annotations

from datetime import date

import pytest

from store import audits, reader, reviews
from tests.test_app import open_page, texts
from tests.test_audit import WEEK, audit_data  # noqa: F401  (the fixture)
from warehouse import audit
from warehouse.build import build

pytestmark = pytest.mark.app

JUNE = {"from": "2025-06-01", "to": "2025-06-30"}


def _sample(design=audit.Design(2, 3, 2, 3, double_share=0.0)):
    cursor = reader.connect_published().cursor()
    audit.sample_week(cursor, WEEK, design)


def _table(at, column: str):
    """The shown table that has ``column``."""
    return next(d.value for d in at.dataframe if column in d.value.columns)


def _judge(at):
    """Judge the post the audit tab shows: staff posts as no breach, public ones as no."""
    if any(m.key == "audit_families" for m in at.multiselect):
        at.multiselect(key="audit_families").set_value([])
    else:
        at.radio(key="audit_question").set_value("0:not_asking")
    [b for b in at.button if b.label == "Record judgement"][0].click().run()
    assert not at.exception, at.exception


def test_the_review_queue_audit_tab_hands_out_every_sampled_post_blind(audit_data):
    _sample()
    items = audits.items()
    at = open_page("pages/4_Review_queue.py", JUNE)
    assert not at.exception, at.exception
    at.segmented_control(key="review_mode").set_value("audit").run()
    assert any("Type your name" in m for m in texts(at.info))
    at.text_input(key="audit_reviewer").input("Ann").run()
    shown = " ".join(texts(at.markdown))
    assert f"**{len(items)}** audit posts wait for you" in shown
    page = " ".join(texts(at.markdown) + texts(at.caption)).lower()
    for secret in ("unflagged", "stratum", "not_question", "rules-4", "confidentiality"):
        assert secret not in page  # blind: nothing says what the rules or the classifier said
    for _ in range(len(items)):
        _judge(at)
    assert len(audits.opinions()) == len(items) and set(audits.opinions()["reviewer"]) == {"Ann"}
    assert any("Nothing waits for you" in s for s in texts(at.success))
    # an unflagged post judged a breach would go to a second reader; all "no" here: all done
    assert audit.finished()["final"].notna().all()


def test_a_second_reader_gets_the_double_read_posts_only(audit_data):
    _sample(audit.Design(1, 1, 1, 1, double_share=1.0))
    at = open_page("pages/4_Review_queue.py", JUNE)
    at.segmented_control(key="review_mode").set_value("audit").run()
    at.text_input(key="audit_reviewer").input("Ann").run()
    for _ in range(len(audits.items())):
        _judge(at)
    at.text_input(key="audit_reviewer").input("Bob").run()
    assert f"**{len(audits.items())}** audit posts wait for you" in " ".join(texts(at.markdown))
    _judge(at)
    assert audits.opinions()["reviewer"].tolist().count("Bob") == 1


def test_guideline_flags_and_patient_questions_show_the_in_use_figures(audit_data, read_published):
    _sample(audit.Design(3, 5, 3, 5, double_share=0.0))
    for row in audit.finished().itertuples(index=False):
        audits.record_opinion(row.id, row.predicted if row.kind == "public" else (row.predicted or "none"), "Ann")
        if audits.needed(row.readers, [audits.normalise_label(row.kind, row.predicted or "none")],
                         row.stratum in audits.CONFIRM_STRATA) > 1:
            audits.record_opinion(row.id, row.predicted or "none", "Bob")
    flags = read_published(audit_data, "SELECT platform, post_id, rule_id FROM flags"
                                       " WHERE author_role IN ('professional', 'organisation')"
                                       " AND (created_at AT TIME ZONE 'Europe/London')::DATE BETWEEN $a AND $b"
                                       " ORDER BY 1, 2, 3", {"a": date(2024, 7, 1), "b": date(2025, 6, 30)})
    for i, (platform, post_id, rule_id) in enumerate(flags[:15]):  # counts that rounding to 5 keeps
        reviews.record_decision(platform, post_id, rule_id, "dismissed" if i < 5 else "confirmed", "", "Ann")
    build()

    at = open_page("pages/5_Guideline_flags.py", {"from": "2024-07-01", "to": "2025-06-30"})
    assert not at.exception, at.exception
    sentence = next(m for m in texts(at.markdown) if "reviewed flags" in m)
    assert sentence.startswith("Of 15 reviewed flags, about 7 in 10 upheld (share upheld 0.67"), sentence
    assert "not a random sample" in sentence
    review = _table(at, "Upheld share (95% CI)")
    assert review["Reviewed"].tolist() and "Upheld share (95% CI)" in review.columns
    audit_table = _table(at, "Recall (95% CI)")
    assert set(audit_table["Model version"]) == {audit.staff_version()} and "Recall (95% CI)" in audit_table.columns
    assert "Confidentiality" in audit_table["Family"].tolist()  # by name, never the code (issue #15)

    # below national level the same figures are suppressed: counts 1-7 are "*"
    one_trust = read_published(audit_data, "SELECT trust_code FROM flags WHERE trust_code IS NOT NULL LIMIT 1")[0][0]
    at = open_page("pages/5_Guideline_flags.py", {"from": "2024-07-01", "to": "2025-06-30", "trust": one_trust})
    assert not at.exception, at.exception
    small = _table(at, "Upheld share (95% CI)")
    assert all(v == "*" or v == "0" or int(v.replace(",", "")) % 5 == 0 for v in small["Flags"])

    at = open_page("pages/2_Patient_questions.py", JUNE)
    assert not at.exception, at.exception
    questions = _table(at, "Measure")
    assert questions["Measure"].tolist() == ["patient question"]
    assert questions["Model version"].iloc[0].startswith("questions-3+")


def test_the_review_queue_says_when_a_sample_is_due_and_an_admin_draws_it(audit_data):
    from store import access
    from tests.test_app import signed_in

    at = open_page("pages/4_Review_queue.py", JUNE, user=signed_in("admin@nhs.net", "admin"))
    at.segmented_control(key="review_mode").set_value("audit").run()
    assert not at.exception, at.exception
    status = " ".join(texts(at.caption))
    assert "No audit sample has been drawn yet" in status and "2025-W26 is due" in status  # the demo ends 30 Jun 2025
    assert "python -m warehouse audit" in status
    at.button(key="audit_draw").click().run()
    assert not at.exception, at.exception
    assert set(audits.items()["sample_id"]) == {"2025-W26"}
    status = " ".join(texts(at.caption))
    assert "The last audit sample (2025-W26) was drawn on" in status and "2025-W26 is drawn" in status
    assert not [b for b in at.button if b.key == "audit_draw"]
    assert any("blind audit sample 2025-W26 drawn" in d for d in access.audit_log()["detail"])


def test_a_reviewer_sees_no_draw_button_and_the_readers_agreement(audit_data):
    _sample(audit.Design(2, 3, 2, 3, double_share=1.0))
    for row in audit.finished().itertuples(index=False):
        label = (row.predicted or "none") if row.kind == "staff" else row.predicted
        audits.record_opinion(row.id, label, "Ann")
        audits.record_opinion(row.id, label, "Bob")
    at = open_page("pages/4_Review_queue.py", JUNE)
    at.segmented_control(key="review_mode").set_value("audit").run()
    at.text_input(key="audit_reviewer").input("Cat").run()
    assert not at.exception, at.exception
    assert not [b for b in at.button if b.key == "audit_draw"]  # the open demo is not an administrator
    agreement = _table(at, "Cohen's kappa (95% CI)")
    assert "confidentiality" in agreement["Family"].tolist() and "patient question" in agreement["Family"].tolist()
    assert set(agreement["Read twice"]) <= {"*", "0", "5", "10"}  # counts through the display boundary
