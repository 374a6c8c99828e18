"""Incremental enrichment: the build re-reads only new or changed posts (or everything after a
rule or cue change), and what it publishes is exactly what a build from nothing publishes."""
from __future__ import annotations

import shutil

import duckdb
import pytest

from ingest import jobs
from store import config, reader
from tests.support import post, published_query, raw_query, write_jsonl
from warehouse import build as build_module
from warehouse.build import build
from warehouse.enrich import questions

pytestmark = pytest.mark.slow  # several builds per test

MARTS = ["posts", "patient_questions", "flags", "daily_post_counts", "daily_question_counts",
         "daily_staff_post_counts", "daily_flag_counts"]


@pytest.fixture
def demo_copy(demo_data, tmp_path, monkeypatch):
    """A private copy of the demo data folder (this test builds into it)."""
    folder = tmp_path / "data"
    shutil.copytree(demo_data, folder)
    monkeypatch.setenv(config.DATA_ENV, str(folder))
    return folder


def _differences(one, other) -> dict[str, int]:
    """Rows in either published warehouse and not the other, per mart (0 everywhere: equal)."""
    con = duckdb.connect()
    con.execute(f"ATTACH '{one}' AS a (READ_ONLY)")
    con.execute(f"ATTACH '{other}' AS b (READ_ONLY)")
    out = {}
    for table in MARTS:
        out[table] = con.execute(
            f"SELECT (SELECT count(*) FROM (FROM a.{table} EXCEPT ALL FROM b.{table}))"
            f" + (SELECT count(*) FROM (FROM b.{table} EXCEPT ALL FROM a.{table}))").fetchall()[0][0]
    con.close()
    return out


def _changes(folder):
    """New posts (a question, a breach by staff), a changed post, and a registry change that
    turns a public author into a staff account (so their posts' rules and questions change)."""
    public = [r[0] for r in published_query("SELECT post_id FROM posts WHERE platform = 'x'"
                                            " AND author_role = 'patient_public' AND NOT is_question"
                                            " ORDER BY post_id LIMIT 1")]
    changed_post = raw_query("SELECT platform, post_id, author_id, created_at FROM raw_posts"
                             " WHERE platform = 'x' AND post_id = $id", {"id": public[0]})[0]
    staff_author = raw_query("SELECT author_id FROM raw_posts WHERE platform = 'x'"
                             " AND author_id NOT LIKE 'unknown:%' ORDER BY author_id DESC LIMIT 1")[0][0]
    records = [
        post("memo-new-1", text="Does the mammogram hurt? I have mine next week, any tips?",
             created_at="2025-06-20T10:00:00+00:00"),
        post("memo-new-2", author_id=staff_author, text="Bay 4 patient Mrs Jones, 67, is in for her scan",
             created_at="2025-06-21T10:00:00+00:00"),
        post(changed_post[1], author_id=changed_post[2], created_at=changed_post[3].isoformat(),
             text="How long do breast screening results take to arrive?"),
    ]
    jobs.import_file(write_jsonl(folder.parent / "memo.jsonl", records))
    registry = folder.parent / "accounts.csv"
    registry.write_text(f"platform,author_id,role,trust_code,title\nx,{staff_author},professional,RR8,Radiographer\n")
    jobs.load_accounts(registry)
    return changed_post[1]


def test_an_incremental_build_publishes_what_a_full_build_does(demo_copy, tmp_path):
    build()  # a build with this code (the fixture's may predate a version change)
    changed = _changes(demo_copy)
    warm = build()
    total_posts = warm.posts
    # most posts were read from the previous build, the new and changed ones were not
    assert 0 < warm.memo_reused["int_rule_hits"] < total_posts
    assert warm.memo_reused["int_rule_hits"] <= total_posts - 3
    assert warm.memo_reused["int_questions"] > 0
    warm_file = tmp_path / "warm.duckdb"
    shutil.copy(config.warehouse_path(), warm_file)

    config.warehouse_path().unlink()  # nothing to reuse: every post evaluated
    cold = build()
    assert cold.memo_reused == {"int_questions": 0, "int_rule_hits": 0}
    assert _differences(warm_file, config.warehouse_path()) == {table: 0 for table in MARTS}

    con = duckdb.connect(str(warm_file), read_only=True)
    assert con.execute("SELECT is_question FROM posts WHERE post_id = $id", {"id": changed}).fetchall() == [(True,)]
    assert con.execute("SELECT count(*) FROM flags WHERE post_id = 'memo-new-2'").fetchall()[0][0] >= 1
    con.close()


def test_a_changed_classifier_evaluates_every_post_again(demo_copy, monkeypatch):
    build()
    assert build().memo_reused["int_questions"] > 0

    original = questions.annotate_sql
    monkeypatch.setattr(questions, "annotate_sql", lambda relation: original(relation) + "\n")
    again = build()
    assert again.memo_reused["int_questions"] == 0  # new cues: a new version
    assert again.memo_reused["int_rule_hits"] > 0  # the rules did not change


def test_an_unreadable_previous_warehouse_means_a_full_build(demo_copy):
    build()
    config.warehouse_path().write_bytes(b"not a database")
    result = build()
    assert result.memo_reused == {"int_questions": 0, "int_rule_hits": 0}
    assert result.posts > 0


def test_the_memo_is_not_visible_to_readers(demo_copy):
    build()
    con = reader.connect_published()
    names = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables"
                                       " WHERE table_catalog = 'memory'").fetchall()}
    con.close()
    memo_tables = {"int_questions", "int_questions_inputs", "int_rule_hits", "int_rule_hits_inputs", "versions",
                   "theme_definitions", "theme_assignments"}  # the themes' definitions for the next build
    assert names and not names & memo_tables and not any(name.startswith("int_") for name in names)
    # ... while the file keeps it for the next build
    raw = duckdb.connect(str(config.warehouse_path()), read_only=True)
    memo = {r[0] for r in raw.execute("SELECT table_name FROM information_schema.tables"
                                      f" WHERE table_schema = '{build_module.MEMO_SCHEMA}'").fetchall()}
    raw.close()
    assert memo == memo_tables
