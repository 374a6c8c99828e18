"""Retention and deletions: the build purges what is past the retention period without
changing a metric, and posts deleted on their platform leave the raw store and every mart."""
from __future__ import annotations

import os
from datetime import datetime, timezone

import duckdb
import pytest

from ingest import deletions, jobs
from ingest.deletions import DeletionsError
from store import config
from tests.support import post, raw_query, run_cli, write_jsonl
from warehouse.build import build

pytestmark = pytest.mark.slow  # ingest and build: a data folder and a build per test

OLD = "2020-01-06T10:00:00+00:00"
RECENT = "2026-01-05T10:00:00+00:00"
ACCOUNTS = "platform,author_id,role,trust_code,title\nx,leeds,organisation,RR8,Leeds Breast Screening\n"
POLICIES = """\
- trust_code: RR8
  policy_version: "1"
  effective_from: 2019-01-01
  personal_use_in_working_hours: not_permitted
  patient_engagement: permitted
  disclaimer_required: true
  approved_accounts_only: false
"""


def _records():
    return [
        # an old question from a member of the public, with a profile
        post("1", created_at=OLD, author_id="pat", author_name="Pat Example", author_bio="mum of two",
             author_location="Leeds", trust_code="RR8",
             text="Can I bring my daughter to my mammogram appointment?"),
        # an old answer from a self-described radiographer whose bio has no disclaimer
        post("2", created_at="2020-01-06T11:00:00+00:00", author_id="rad", author_bio="Radiographer in Leeds",
             author_name="Rae", parent_id="1", thread_id="1", trust_code="RR8",
             text="Yes, you can bring someone with you."),
        # an old post of a registered account
        post("3", created_at=OLD, author_id="leeds", author_bio="Leeds breast screening",
             author_location="Leeds", trust_code="RR8", text="Clinics open as usual."),
        # the same member of the public, recently: the recent version keeps its profile
        post("4", created_at=RECENT, author_id="pat", author_name="Pat Example", author_bio="mum of two",
             text="How long do results take?"),
        # a member of the public described as staff only by a recent post's text
        post("5", created_at=OLD, author_id="sam", author_bio="dog person", text="Lovely day"),
        post("6", created_at=RECENT, author_id="sam", text="As a radiographer I can say the scan is quick"),
    ]


def _load(tmp_path):
    jobs.import_file(write_jsonl(tmp_path / "posts.jsonl", _records()))
    (tmp_path / "accounts.csv").write_text(ACCOUNTS)
    jobs.load_accounts(tmp_path / "accounts.csv")
    (tmp_path / "policies.yaml").write_text(POLICIES)
    jobs.load_policies(tmp_path / "policies.yaml")


def _marts():
    """Every published table except the build's own log, row for row."""
    con = duckdb.connect(str(config.warehouse_path()), read_only=True)
    try:
        tables = [r[0] for r in con.execute("SHOW TABLES").fetchall()]
        return {t: sorted(con.execute(f"SELECT * FROM {t}").fetchall(), key=repr) for t in tables if t not in ("build_info", "ingest_runs")}
    finally:
        con.close()


def test_purge_clears_old_records_and_public_profiles_but_no_metric(data_dir, tmp_path, monkeypatch):
    _load(tmp_path)
    monkeypatch.setenv(config.RETENTION_ENV, "100000")  # nothing is that old: no purge
    assert build().purged.total == 0
    unpurged = _marts()
    assert unpurged["flags"] and unpurged["patient_questions"], "the fixture should flag and ask"

    monkeypatch.delenv(config.RETENTION_ENV)  # the default, 730 days
    result = build()
    assert (result.purged.payloads, result.purged.profiles) == (4, 1)
    assert "purged 4 old records, 1 public profiles" in result.summary()
    assert _marts() == unpurged  # every mart, row for row: roles, flags, questions, answers

    rows = raw_query("SELECT post_id, payload IS NULL, author_name, author_bio, author_location"
                     " FROM raw_posts ORDER BY post_id")
    assert rows == [
        ("1", True, None, None, None),                                # old, public: cleared
        ("2", True, "Rae", "Radiographer in Leeds", None),           # old, staff: profile kept
        ("3", True, None, "Leeds breast screening", "Leeds"),        # old, registered: kept
        ("4", False, "Pat Example", "mum of two", None),             # recent: untouched
        ("5", True, None, "dog person", None),                        # staff by a post's text: kept
        ("6", False, None, None, None),
    ]
    # typed columns stay; the payload hash stays, so re-importing the file stores nothing again
    assert raw_query("SELECT count(*) FROM raw_posts WHERE text IS NULL OR payload_hash IS NULL") == [(0,)]
    counts = jobs.import_file(tmp_path / "posts.jsonl")
    assert (counts.new, counts.changed, counts.duplicate) == (0, 0, 6)

    # idempotent: the next build purges nothing and logs nothing
    assert build().purged.total == 0
    assert raw_query("SELECT trigger, retention_days, n_payloads, n_profiles FROM purge_log") == [
        ("build", 730, 4, 1)
    ]


def test_old_quarantined_records_are_cleared(data_dir, tmp_path):
    jobs.import_file(write_jsonl(tmp_path / "p.jsonl", [post("1"), post("2", platform="myspace")]))
    con = duckdb.connect(str(config.raw_path()))
    con.execute("UPDATE quarantine SET quarantined_at = TIMESTAMPTZ '2020-01-01 00:00:00+00'")
    con.close()
    assert build().purged.quarantine_records == 1
    assert raw_query("SELECT field, record FROM quarantine") == [("platform", None)]
    # the record hash stays: re-importing does not quarantine it again
    assert jobs.import_file(tmp_path / "p.jsonl").quarantined == 1
    assert raw_query("SELECT count(*) FROM quarantine") == [(1,)]


def test_retention_setting_from_environment_or_secrets(data_dir, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(config.RETENTION_ENV, raising=False)
    assert config.retention_days() == config.DEFAULT_RETENTION_DAYS == 730
    (tmp_path / ".streamlit").mkdir()
    (tmp_path / ".streamlit" / "secrets.toml").write_text("retention_days = 365\n")
    assert config.retention_days() == 365
    monkeypatch.setenv(config.RETENTION_ENV, "30")
    assert config.retention_days() == 30
    for bad in ("0", "-5", "two years", "1.5"):
        monkeypatch.setenv(config.RETENTION_ENV, bad)
        with pytest.raises(config.SettingError, match="RADSOME_RETENTION_DAYS"):
            config.retention_days()
    result = run_cli("warehouse", "build", env=os.environ | {config.RETENTION_ENV: "soon"})
    assert result.returncode == 2
    assert result.stderr.strip() == "error: RADSOME_RETENTION_DAYS: 'soon' is not a whole number of days (1 or more)"


def _tables_with_post_ids():
    con = duckdb.connect(str(config.warehouse_path()), read_only=True)
    try:
        found = {}
        # every table, the build's memo of classified posts included (warehouse/build.py)
        for schema, table in con.execute(
            "SELECT DISTINCT table_schema, table_name FROM information_schema.columns"
            " WHERE column_name = 'post_id' ORDER BY 1, 2"
        ).fetchall():
            name = table if schema == "main" else f"{schema}.{table}"
            found[name] = {r[0] for r in con.execute(f"SELECT post_id FROM {schema}.{table}").fetchall()}
        return found
    finally:
        con.close()


def test_deleted_posts_leave_the_raw_store_and_every_mart(data_dir, tmp_path):
    _load(tmp_path)
    build()
    before = _tables_with_post_ids()
    assert "1" in before["posts"] and "1" in before["patient_questions"]

    path = tmp_path / "deletions.csv"
    path.write_text("platform,post_id,deleted_at\ntwitter,1,2025-04-01T00:00:00Z\nx,4,\n")
    result = run_cli("ingest", "deletions", str(path))
    assert result.returncode == 0, result.stderr
    assert "new 2" in result.stdout and "removed 2 stored post versions" in result.stdout
    assert raw_query("SELECT post_id FROM raw_posts WHERE post_id IN ('1', '4')") == []
    assert raw_query("SELECT platform, post_id, deleted_at IS NULL, origin_line FROM deletions ORDER BY post_id") == [
        ("x", "1", False, 2), ("x", "4", True, 3)
    ]

    build()
    after = _tables_with_post_ids()
    assert after["posts"] == before["posts"] - {"1", "4"}
    assert "1" in before["memo.int_rule_hits_inputs"]  # the build's memo holds posts too ...
    for table, ids in after.items():  # ... and, like every mart, forgets deleted ones
        assert not ids & {"1", "4"}, table
    # the reply stays, its parent now missing
    assert "2" in after["posts"]

    # idempotent; and a re-import never stores a deleted post again
    counts, removed = jobs.load_deletions(path)
    assert (counts.new, counts.duplicate, removed) == (0, 2, 0)
    counts = jobs.import_file(tmp_path / "posts.jsonl")
    assert (counts.new, counts.deleted) == (0, 2)
    assert "deleted on platform 2 (not stored)" in counts.summary()
    assert raw_query("SELECT count(*) FROM raw_posts WHERE post_id IN ('1', '4')") == [(0,)]
    assert raw_query("SELECT n_deleted_versions FROM purge_log WHERE trigger = 'deletions'") == [(2,)]


def test_staging_leaves_out_deleted_posts_even_before_a_purge(data_dir, tmp_path):
    jobs.import_file(write_jsonl(tmp_path / "p.jsonl", [post("1"), post("2")]))
    con = duckdb.connect(str(config.raw_path()))  # a deletion recorded without its purge
    con.execute("INSERT INTO deletions VALUES ('x', '1', NULL, 'test', NULL, now(), 'r')")
    con.close()
    build()
    assert _tables_with_post_ids()["posts"] == {"2"}


def test_deletions_jsonl_and_the_connector_function(data_dir, tmp_path):
    jobs.import_file(write_jsonl(tmp_path / "p.jsonl", [post("1"), post("2"), post("3")]))
    path = write_jsonl(tmp_path / "d.jsonl", [{"platform": "x", "post_id": "1"}])
    assert jobs.load_deletions(path)[0].new == 1
    counts, removed = deletions.record_deletions(
        [{"platform": "x", "post_id": "2", "deleted_at": datetime(2025, 5, 1, tzinfo=timezone.utc)}],
        "https://api.example/deletions", command="x",
    )
    assert (counts.new, removed) == (1, 1)
    assert raw_query("SELECT post_id FROM raw_posts") == [("3",)]
    assert raw_query("SELECT command, status, n_new FROM ingest_runs WHERE command = 'x'") == [("x", "ok", 1)]


@pytest.mark.parametrize("content, message", [
    ("platform,post_id\nmyspace,1\n", "deletions.csv:2: field 'platform': unknown platform 'myspace'"),
    ("platform,post_id\nx,\n", "deletions.csv:2: field 'post_id': missing"),
    ("platform,post_id,deleted_at\nx,1,yesterday\n", "deletions.csv:2: field 'deleted_at': 'yesterday' is not an ISO 8601 time"),
    ("platform,post_id,deleted_at\nx,1,2025-01-01T00:00:00\n", "deletions.csv:2: field 'deleted_at': .* has no UTC offset"),
    ("platform,post_id,deleted_at\nx,1,2999-01-01T00:00:00Z\n", "deletions.csv:2: field 'deleted_at': .* is in the future"),
    ("platform,post_id\nx,1\nx,2,3\n", "deletions.csv:3: record: has 3 fields"),
    ("post,id\nx,1\n", "deletions.csv:1: header lacks column\\(s\\) platform, post_id"),
    ("", "deletions.csv: empty file"),
])
def test_bad_deletions_are_refused_and_nothing_changes(data_dir, tmp_path, content, message):
    jobs.import_file(write_jsonl(tmp_path / "p.jsonl", [post("1")]))
    path = tmp_path / "deletions.csv"
    path.write_text(content)
    with pytest.raises(DeletionsError, match=message):
        jobs.load_deletions(path)
    assert raw_query("SELECT count(*) FROM deletions") == [(0,)]
    assert raw_query("SELECT count(*) FROM raw_posts") == [(1,)]


def test_bad_deletions_file_exits_2_naming_the_line(data_dir, tmp_path):
    path = write_jsonl(tmp_path / "d.jsonl", [{"platform": "x", "post_id": "1"}, "not json"])
    result = run_cli("ingest", "deletions", str(path))
    assert result.returncode == 2
    assert result.stderr.strip() == f"error: {path}:2: record: not valid JSON; nothing was stored"
