"""Blind audit samples (issue #20): drawn from the published demo warehouse, stored append-only
beside the review decisions, read once or twice (a third reader on disagreement), estimated
with stratum weights, exported as labels without text; and precision from reviews."""
from __future__ import annotations

import shutil
import sqlite3
from datetime import date

import pandas as pd
import pytest

from store import audits, config, integrity, reader, reviews
from warehouse import __main__ as cli
from warehouse import audit, inuse_queries
from warehouse.build import build
from warehouse.queries import Filters

WEEK = date(2025, 6, 10)  # 2025-W24 of the demo (tests/conftest.py DEMO_END 30 Jun 2025)
MONDAY = date(2025, 6, 9)


@pytest.fixture
def audit_data(demo_data, data_dir):
    """A fresh data folder holding a copy of the published demo (and its raw store), so that
    each test's reviews.sqlite starts empty."""
    data_dir.mkdir(parents=True, exist_ok=True)
    for name in (config.WAREHOUSE_FILE, "raw.duckdb", "demo_policies.yaml"):
        if (demo_data / name).exists():
            shutil.copy(demo_data / name, data_dir / name)
    return data_dir


def _cursor():
    return reader.connect_published().cursor()


def _population(read_published, folder, kind):
    """The week's posts per stratum, counted independently of warehouse.audit."""
    if kind == "staff":
        sql = """SELECT (EXISTS (SELECT 1 FROM flags f WHERE f.platform = p.platform AND f.post_id = p.post_id)) AS s,
                        count(*) FROM posts p
                 WHERE author_role IN ('professional', 'organisation')
                   AND (created_at AT TIME ZONE 'Europe/London')::DATE BETWEEN $a AND $b GROUP BY 1"""
        names = {True: "flagged", False: "unflagged"}
    else:
        sql = """SELECT is_question, count(*) FROM posts WHERE author_role = 'patient_public'
                   AND (created_at AT TIME ZONE 'Europe/London')::DATE BETWEEN $a AND $b GROUP BY 1"""
        names = {True: "question", False: "not_question"}
    rows = read_published(folder, sql, {"a": MONDAY, "b": date(2025, 6, 15)})
    return {names[s]: n for s, n in rows}


def test_a_week_is_sampled_per_stratum_blind_and_never_twice(audit_data, read_published):
    design = audit.Design(staff_flagged=2, staff_unflagged=5, public_question=3, public_other=4, double_share=0.5)
    added = audit.sample_week(_cursor(), WEEK, design)
    items = audits.items()
    for kind in ("staff", "public"):
        sizes = _population(read_published, audit_data, kind)
        mine = items[items["kind"] == kind]
        assert added[kind] == len(mine) > 0
        for stratum, wanted in design.sizes(kind).items():
            rows = mine[mine["stratum"] == stratum]
            assert len(rows) == min(wanted, sizes.get(stratum, 0))
            assert set(rows["stratum_size"]) <= {sizes.get(stratum, 0)}
    staff = items[items["kind"] == "staff"]
    flagged = {(p, i) for p, i in read_published(audit_data, "SELECT DISTINCT platform, post_id FROM flags")}
    assert all(((p, i) in flagged) == (s == "flagged") for p, i, s in zip(staff["platform"], staff["post_id"], staff["stratum"]))
    assert set(items["sample_id"]) == {"2025-W24"} and set(items["readers"]) <= {1, 2}
    assert audit.sample_week(_cursor(), WEEK, design) == {"staff": 0, "public": 0}  # re-run: nothing added
    assert len(audits.items()) == len(items)


def test_double_reading_a_third_reader_and_append_only(audit_data):
    audit.sample_week(_cursor(), WEEK, audit.Design(2, 2, 2, 2, double_share=1.0))
    item = audits.items().query("kind == 'staff' and stratum == 'flagged'").iloc[0]
    audits.record_opinion(item["id"], ["confidentiality"], "Ann")
    with pytest.raises(ValueError, match="someone else"):
        audits.record_opinion(item["id"], "none", "Ann")
    audits.record_opinion(item["id"], "none", "Bob")  # disagrees: a third reader decides
    assert audit.finished().set_index("id").loc[item["id"], "final"] is None
    audits.record_opinion(item["id"], "incivility,confidentiality", "Cat")
    with pytest.raises(ValueError, match="no more opinions"):
        audits.record_opinion(item["id"], "none", "Dan")
    done = audit.finished().set_index("id").loc[item["id"]]
    assert done["final"] == "confidentiality,incivility" and done["labels"] == ["confidentiality", "none",
                                                                                "confidentiality,incivility"]
    con = sqlite3.connect(reviews.reviews_path())
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        con.execute("UPDATE audit_opinions SET label = 'none'")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        con.execute("DELETE FROM audit_items")
    con.close()
    assert all(c.ok for c in integrity.check_logs())


def test_a_breach_found_among_unflagged_posts_is_checked_by_a_second_reader(audit_data):
    audit.sample_week(_cursor(), WEEK, audit.Design(1, 3, 1, 3, double_share=0.0))
    items = audits.items()
    unflagged = items.query("stratum == 'unflagged'").iloc[0]
    audits.record_opinion(unflagged["id"], ["boundaries"], "Ann")
    assert audit.finished().set_index("id").loc[unflagged["id"], "final"] is None  # waits for a second
    audits.record_opinion(unflagged["id"], ["boundaries"], "Bob")
    assert audit.finished().set_index("id").loc[unflagged["id"], "final"] == "boundaries"
    quiet = items.query("stratum == 'unflagged'").iloc[1]
    audits.record_opinion(quiet["id"], [], "Ann")  # "none" among unflagged: one reading is enough
    assert audit.finished().set_index("id").loc[quiet["id"], "final"] == "none"


def test_a_tampered_opinion_is_found(audit_data):
    audit.sample_week(_cursor(), WEEK, audit.Design(1, 1, 1, 1, double_share=0.0))
    audits.record_opinion(int(audits.items()["id"].iloc[0]), "none", "Ann")
    con = sqlite3.connect(reviews.reviews_path(), isolation_level=None)
    con.execute("DROP TRIGGER audit_opinions_no_update")
    con.execute("UPDATE audit_opinions SET label = 'confidentiality'")
    con.close()
    broken = integrity.broken(integrity.check_logs())
    assert [c.table for c in broken] == ["audit_opinions"]


def _judge_all(truth):
    """Read every item once (twice where asked; a second reader agrees) as ``truth`` says."""
    for row in audit.finished().itertuples(index=False):
        label = truth(row)
        audits.record_opinion(row.id, label, "Ann")
        if audits.needed(row.readers, [audits.normalise_label(row.kind, label)],
                         row.stratum in audits.CONFIRM_STRATA) > 1:
            audits.record_opinion(row.id, label, "Bob")


def test_estimates_are_the_stratum_weighted_shares(audit_data):
    audit.sample_week(_cursor(), WEEK, audit.Design(3, 6, 3, 6, double_share=0.5))
    assert audit.estimates().empty or audit.estimates()["n"].eq(0).all()  # nothing judged: nothing estimated

    def truth(row):  # the rules are right on flagged posts but for one; a miss among unflagged
        if row.kind == "public":
            return row.predicted
        if row.stratum == "flagged":
            return "none" if row.id == first_flagged else row.predicted
        return "confidentiality" if row.id == first_unflagged else "none"

    items = audits.items()
    first_flagged = int(items.query("stratum == 'flagged'")["id"].min())
    first_unflagged = int(items.query("stratum == 'unflagged'")["id"].min())
    _judge_all(truth)
    est = audit.estimates().set_index("family")
    staff = items[items["kind"] == "staff"]
    nf, Nf = (staff["stratum"] == "flagged").sum(), staff.loc[staff["stratum"] == "flagged", "stratum_size"].iloc[0]
    nu, Nu = (staff["stratum"] == "unflagged").sum(), staff.loc[staff["stratum"] == "unflagged", "stratum_size"].iloc[0]
    flagged = staff[staff["stratum"] == "flagged"]
    conf = flagged["predicted"].str.contains("confidentiality")
    tp = Nf * (conf & (flagged["id"] != first_flagged)).sum() / nf
    fp = Nf * (conf & (flagged["id"] == first_flagged)).sum() / nf
    fn = Nu * 1 / nu
    row = est.loc["confidentiality"]
    assert row["recall"] == pytest.approx(tp / (tp + fn))
    assert row["prevalence"] == pytest.approx((tp + fn) / (Nf + Nu))
    if tp + fp:
        assert row["precision"] == pytest.approx(tp / (tp + fp))
    assert row["recall_low"] <= row["recall"] <= row["recall_high"]
    assert row["model_version"] == audit.staff_version() and row["model_version"].startswith("rules-4+fm-")
    public = est.loc[audit.PATIENT_QUESTION]
    assert public["model_version"].startswith("questions-3+")
    assert public["precision"] in (1.0,) or pd.isna(public["precision"])  # judged as the classifier said


def test_a_sample_waits_until_every_stratum_has_a_judgement(audit_data):
    audit.sample_week(_cursor(), WEEK, audit.Design(2, 2, 0, 0, double_share=0.0))
    flagged = audits.items().query("stratum == 'flagged'")
    for item_id in flagged["id"]:
        audits.record_opinion(int(item_id), "confidentiality", "Ann")
    assert audit.estimates().empty  # the unflagged stratum unread: recall would be overstated
    unflagged = audits.items().query("stratum == 'unflagged'")
    audits.record_opinion(int(unflagged["id"].iloc[0]), "none", "Ann")
    assert not audit.estimates().empty


def test_labelled_data_holds_ids_hashes_and_labels_never_text(audit_data, read_published):
    audit.sample_week(_cursor(), WEEK, audit.Design(2, 3, 2, 3, double_share=0.0))
    _judge_all(lambda row: row.predicted if row.kind == "public" else (row.predicted or "none"))
    platform, post_id, rule_id = read_published(audit_data, "SELECT platform, post_id, rule_id FROM flags LIMIT 1")[0]
    reviews.record_decision(platform, post_id, rule_id, "dismissed", "", "Ann")
    out = audit.labelled_data(_cursor(), reviews.latest_decisions())
    texts = dict(((p, i), t) for p, i, t in read_published(audit_data, "SELECT platform, post_id, text FROM posts"))
    for name, frame in out.items():
        assert "text" not in frame.columns and len(frame) > 0, name
        for record, sha in zip(frame["record_id"], frame["text_sha"]):
            p, i = record.split(":", 1)
            assert sha == audit.text_sha(texts[(p, i)])
            assert texts[(p, i)] not in frame.to_csv()
    flags = out["flags"]
    review = flags[flags["source"] == "review"]
    assert review[["record_id", "verdict"]].values.tolist() == [[f"{platform}:{post_id}", 0]]
    assert set(flags["family"]) >= {"confidentiality", "incivility"}
    assert list(out["questions"].columns) == ["record_id", "text_sha", "patient_question", "asks", "health", "source",
                                              "model_version"]


@pytest.mark.slow
def test_precision_from_reviews_counts_upheld_and_dismissed_flags(audit_data, read_published):
    flags = read_published(audit_data, "SELECT platform, post_id, rule_id, family FROM flags"
                                       " WHERE author_role IN ('professional', 'organisation') ORDER BY 1, 2, 3 LIMIT 5")
    decisions = ["confirmed", "actioned", "dismissed", "confirmed", "dismissed"]
    for (platform, post_id, rule_id, _), decision in zip(flags, decisions):
        reviews.record_decision(platform, post_id, rule_id, "dismissed", "", "Ann")  # superseded
        reviews.record_decision(platform, post_id, rule_id, decision, "", "Bob")
    build()
    everything = Filters(date(2000, 1, 1), date(2030, 1, 1))
    total = inuse_queries.review_precision(_cursor(), everything, by="all").iloc[0]
    assert (total["n_reviewed"], total["n_upheld"], total["n_dismissed"]) == (5, 3, 2)
    assert total["precision"] == pytest.approx(0.6)
    assert total["precision_low"] == pytest.approx(0.2307, abs=1e-3)  # Wilson 3/5
    by_family = inuse_queries.review_precision(_cursor(), everything, by="family").set_index("group_code")
    assert by_family["n_reviewed"].sum() == 5 and by_family["n_flags"].sum() == read_published(
        audit_data, "SELECT count(*) FROM flags WHERE author_role IN ('professional', 'organisation')")[0][0]
    with pytest.raises(ValueError):
        inuse_queries.review_precision(_cursor(), everything, by="text; DROP TABLE flags")


def test_the_commands_sample_report_and_export(audit_data, tmp_path, capsys):
    assert cli.main(["audit", "--week", "2025-06-10", "--staff-unflagged", "3", "--public-other", "3"]) == 0
    assert "2025-W24 staff:" in capsys.readouterr().out
    _judge_all(lambda row: row.predicted if row.kind == "public" else (row.predicted or "none"))
    assert cli.main(["evaluate", "--in-use"]) == 0
    out = capsys.readouterr().out
    assert "NOT a random sample" in out and "rules-4" in out and "patient_question" in out
    assert cli.main(["audit", "--export", str(tmp_path / "labels")]) == 0
    assert (tmp_path / "labels" / "in_use_flags.csv").read_text().startswith("record_id,text_sha,family,verdict")
    assert cli.main(["audit", "--double-share", "2"]) == 2


def test_exported_audit_labels_become_training_rows_and_a_stale_hash_is_refused(audit_data, tmp_path, read_published):
    audit.sample_week(_cursor(), WEEK, audit.Design(2, 3, 0, 0, double_share=0.0))
    _judge_all(lambda row: row.predicted or "none")
    assert cli.main(["audit", "--export", str(tmp_path)]) == 0
    rows = audit.training_rows(tmp_path / "in_use_flags.csv", _cursor())
    staff = audits.items()
    assert len(rows) == len(staff) and set(rows["source"]) == {"in_use"}
    texts = {t for (t,) in read_published(audit_data, "SELECT text FROM posts")}
    assert set(rows["text"]) <= texts
    judged = {frozenset(p.split(",")) - {""} - {"local_policy"} for p in staff["predicted"]}
    assert set(rows["families"]) <= judged | {frozenset()}
    exported = (tmp_path / "in_use_flags.csv").read_text().splitlines()
    record, sha = exported[3].split(",")[:2]
    exported[3] = exported[3].replace(sha, "0" * 16)
    (tmp_path / "stale.csv").write_text("\n".join(exported) + "\n")
    with pytest.raises(ValueError, match=r"stale.csv, line 4: field text_sha"):
        audit.training_rows(tmp_path / "stale.csv", _cursor())


def test_judging_needs_the_review_role_and_the_post_in_scope(audit_data):
    from store import access

    audit.sample_week(_cursor(), WEEK, audit.Design(1, 1, 1, 1, double_share=0.0))
    item = audits.items().query("trust_code.notna()").iloc[0]
    reader_only = access.Scope("trust_manager", "viewer@nhs.net", trusts=(item["trust_code"],))
    with pytest.raises(PermissionError, match="may not judge"):
        audits.record_opinion(int(item["id"]), "none", scope=reader_only)
    elsewhere = access.Scope("reviewer", "rev@nhs.net", trusts=("ZZZZZ",), review=True)
    with pytest.raises(PermissionError, match="not in your scope"):
        audits.record_opinion(int(item["id"]), "none", scope=elsewhere)
    assert audits.opinions().empty
    mine = access.Scope("reviewer", "rev@nhs.net", trusts=(item["trust_code"],), review=True)
    audits.record_opinion(int(item["id"]), "none", reviewer="typed name ignored", scope=mine)
    assert audits.opinions()["reviewer"].tolist() == ["rev@nhs.net"]  # signed in: recorded as who they are
    assert audit.in_view(audit.finished(), Filters(date(2025, 6, 1), date(2025, 6, 30)), elsewhere).empty


def test_a_public_no_says_why_and_readers_agree_on_the_verdict_not_the_reason(audit_data):
    audit.sample_week(_cursor(), WEEK, audit.Design(0, 0, 2, 2, double_share=1.0))
    first, second = audits.items().query("kind == 'public'")["id"].iloc[:2]
    audits.record_opinion(int(first), "0:off_topic", "Ann")
    audits.record_opinion(int(first), "0:not_asking", "Bob")  # both say "no": no third reader
    assert audit.finished().set_index("id").loc[first, "final"] == "0"
    audits.record_opinion(int(second), "1", "Ann")
    audits.record_opinion(int(second), "0:off_topic", "Bob")  # "yes" against "no": a third decides
    assert pd.isna(audit.finished().set_index("id").loc[second, "final"])
    audits.record_opinion(int(second), "0:off_topic", "Cat")
    assert audit.finished().set_index("id").loc[second, "final"] == "0:off_topic"
    with pytest.raises(ValueError, match="one of 1, 0:off_topic"):
        audits.normalise_label("public", "2")


def test_exported_question_labels_become_training_rows_for_both_heads(audit_data, tmp_path, read_published):
    audit.sample_week(_cursor(), WEEK, audit.Design(0, 0, 3, 5, double_share=0.0))
    public = audits.items().query("kind == 'public'").reset_index(drop=True)
    answers = ["1", "0:off_topic", "0:not_asking", "0"] * 2
    for item_id, label in zip(public["id"], answers):
        audits.record_opinion(int(item_id), label, "Ann")
        if label == "1" and public.set_index("id").loc[item_id, "stratum"] == "not_question":
            audits.record_opinion(int(item_id), label, "Bob")  # a "yes" among the rest is read twice
    assert cli.main(["audit", "--export", str(tmp_path)]) == 0
    exported = pd.read_csv(tmp_path / "in_use_questions.csv", dtype=str, keep_default_na=False)
    assert "text" not in exported.columns
    parts = {tuple(r) for r in exported[["patient_question", "asks", "health"]].values}
    assert parts == {("1", "1", "1"), ("0", "1", "0"), ("0", "0", ""), ("0", "", "")}
    rows = audit.question_training_rows(tmp_path, _cursor())  # the folder works as the file
    assert len(rows) == len(public) - answers[:len(public)].count("0")  # a plain "no" teaches neither head
    texts = {t for (t,) in read_published(audit_data, "SELECT text FROM posts WHERE author_role = 'patient_public'")}
    assert set(rows["text"]) <= texts and set(rows["source"]) == {"in_use"} and set(rows["split"]) == {"train"}
    pairs = {(a, None if pd.isna(h) else h) for a, h in zip(rows["asks"], rows["health"])}
    assert pairs == {(True, 1.0), (True, 0.0), (False, None)}
    bad = (tmp_path / "in_use_questions.csv").read_text().splitlines()
    bad[2] = ",".join(bad[2].split(",")[:3] + ["yes"] + bad[2].split(",")[4:])
    (tmp_path / "bad.csv").write_text("\n".join(bad) + "\n")
    with pytest.raises(ValueError, match=r"bad.csv, line 3: field asks must be 0, 1 or empty"):
        audit.question_training_rows(tmp_path / "bad.csv", _cursor())
