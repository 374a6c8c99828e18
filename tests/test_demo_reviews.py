"""The demo's simulated review history (issue #20): after ``python -m ingest demo`` and its
build, simulated reviewers decide a sample of flags and simulated readers judge a few weeks
of blind audit samples against what the generator planted, through the real append-only
stores; the in-use figures then exist; a re-run adds nothing; real data is refused."""
from __future__ import annotations

import os
import shutil

import pandas as pd
import pytest

from store import audits, config, integrity, reader, reviews
from ingest import jobs
from tests.support import run_cli, write_jsonl
from warehouse import audit, demo_reviews, inuse_queries
from warehouse.build import build
from warehouse.queries import Filters

DEMO_FILES = (config.WAREHOUSE_FILE, config.RAW_FILE, "demo_policies.yaml", config.DEMO_PLANTED_FILE)


@pytest.fixture
def demo_copy(demo_data, data_dir):
    """A fresh data folder holding a copy of the session's demo (raw, published, planted truth),
    with an empty reviews store."""
    data_dir.mkdir(parents=True, exist_ok=True)
    for name in DEMO_FILES:
        shutil.copy(demo_data / name, data_dir / name)
    return data_dir


def _cursor():
    return reader.connect_published().cursor()


def _planted():
    return demo_reviews.planted_truth()


def test_the_planted_truth_names_a_family_for_every_planted_breach(demo_copy):
    """Every breach the generator wrote is keyed to the family it was written to breach."""
    truth = _planted()
    assert (truth["families"] != "").sum() > 0 and (truth["patient_question"] == "1").sum() > 0
    families = {f for fams in truth["families"] if fams for f in fams.split(",")}
    assert families <= demo_reviews.audit_families()


def test_seeding_gives_in_use_figures_through_the_real_stores_and_a_rerun_adds_nothing(demo_copy):
    seeded = demo_reviews.seed(_cursor(), weeks=3)
    assert seeded.decisions > 0 and seeded.items > 0 and seeded.opinions >= seeded.items
    decisions, items, opinions = reviews.all_decisions(), audits.items(), audits.opinions()
    assert set(decisions["reviewer"]) <= set(demo_reviews.REVIEWERS)
    assert set(opinions["reviewer"]) <= set(demo_reviews.READERS)
    assert items["sample_id"].nunique() == 3
    assert not integrity.broken(integrity.check_logs())  # hash chains intact: the real code paths
    # Every item has all the opinions it needs: the samples are finished.
    done = audit.finished()
    assert done["final"].notna().all()
    assert (done["readers"] == 2).any()  # the double-read share, read by two different people
    assert all(len(set(r)) == len(r) for r in done["reviewers"])

    build()  # review precision is read from the published flag_reviews
    cursor = _cursor()
    span = cursor.execute("SELECT min(created_at), max(created_at) FROM posts").fetchall()[0]
    filters = Filters(start=pd.Timestamp(span[0]).date(), end=pd.Timestamp(span[1]).date())
    precision = inuse_queries.review_precision(cursor, filters, by="all")
    assert int(precision["n_reviewed"].sum()) == len(decisions)
    assert precision["precision_low"].notna().all()
    estimates = audit.estimates()
    question = estimates[estimates["family"] == audit.PATIENT_QUESTION].iloc[0]
    assert question["n_judged"] > 0
    assert question["recall_low"] <= question["recall"] <= question["recall_high"]
    assert question["precision_low"] <= question["precision"] <= question["precision_high"]

    again = demo_reviews.seed(_cursor(), weeks=3)
    assert (again.decisions, again.items, again.opinions) == (0, 0, 0)
    assert len(reviews.all_decisions()) == len(decisions) and len(audits.opinions()) == len(opinions)


def test_perfect_simulated_reviewers_decide_as_the_generator_planted(demo_copy):
    """At accuracy 1 every decision and every final audit label is the planted truth (so the
    truth, not chance, decides; at 0.95 about one in twenty is wrong)."""
    demo_reviews.seed(_cursor(), accuracy=1.0, weeks=1)
    truth = _planted()
    flags = _cursor().execute("SELECT platform, post_id, rule_id, family FROM flags").df()
    decided = reviews.all_decisions().merge(flags, on=["platform", "post_id", "rule_id"])
    assert len(decided) == len(reviews.all_decisions()) > 0
    for row in decided.itertuples(index=False):
        key = f"{row.platform}:{row.post_id}"
        breach = key in truth.index and row.family in truth.at[key, "families"].split(",")
        assert row.decision == ("confirmed" if breach else "dismissed"), key
    for item in audit.finished().itertuples(index=False):
        key = f"{item.platform}:{item.post_id}"
        if item.kind == "staff":
            assert item.final == ((truth.at[key, "families"] if key in truth.index else "") or audits.NONE)
        else:
            assert item.final == ("1" if key in truth.index and truth.at[key, "patient_question"] == "1" else "0")
        assert len(set(item.labels)) == 1  # perfect readers never disagree: no adjudicator


def test_a_data_folder_that_is_not_all_demo_is_refused(demo_copy):
    (demo_copy / config.DEMO_PLANTED_FILE).unlink()
    with pytest.raises(demo_reviews.NotDemo, match="planted truth"):
        demo_reviews.seed(_cursor())
    jobs.import_file(write_jsonl(demo_copy.parent / "real.jsonl", [
        {"platform": "x", "post_id": "real1", "author_id": "someone", "created_at": "2025-06-20T10:00:00+00:00",
         "text": "Can I eat before my CT scan?", "trust_code": "RR8"}]))
    build()
    with pytest.raises(demo_reviews.NotDemo, match="not demo data"):
        demo_reviews.seed(_cursor())
    assert reviews.all_decisions().empty and audits.items().empty
    result = run_cli("warehouse", "demo-reviews", env={**os.environ})
    assert result.returncode == 2 and "not demo data" in result.stderr
