"""Deleted and purged data leaves the disk (issue #18 item 7): after ``ingest deletions`` (and
after the build's retention purge) not one byte of the removed text, author or NHS number is
left in ``raw.duckdb`` or beside it, and the next build's warehouse (its ``memo`` schema too)
holds none of it."""
from __future__ import annotations

import os

import duckdb
import pytest

from ingest import jobs
from store import config
from tests.support import post, raw_query, run_cli, write_jsonl

pytestmark = pytest.mark.slow  # real CLI processes, an import and builds per test

NHS_NUMBER = "943 476 5919"  # a valid Modulus 11 number in the usual grouping
STAFF_TEXT = f"Mrs Wilhelmina Quackenbush NHS no {NHS_NUMBER} was scanned in bay 4 today"
PUBLIC_TEXT = "Zygmunt here, my NHS number is 9434765919, can I still come to my scan on Friday?"
AUTHOR = "zebra-author-77"  # a member of the public who wrote only the deleted post
AUTHOR_NAME = "Zygmunt Pennyfeather"
# a registered staff account (the registry keeps it): its post is flagged, the NHS number
# becomes rule evidence in the warehouse's memo
ACCOUNTS = "platform,author_id,role,trust_code,title\nx,staff-12,professional,RR8,Radiographer\n"
SECRETS = [STAFF_TEXT, PUBLIC_TEXT, "Quackenbush", "Zygmunt", AUTHOR, AUTHOR_NAME, NHS_NUMBER,
           NHS_NUMBER.replace(" ", "")]


def _env(folder) -> dict:
    return os.environ | {config.DATA_ENV: str(folder), config.PSEUDONYM_KEY_ENV: "test-key"}


def _files(prefix: str) -> list:
    return sorted(p for p in config.data_dir().iterdir() if p.name.startswith(prefix) and p.is_file())


def _found(prefix: str, strings: list[str]) -> dict[str, list[str]]:
    """Which of ``strings`` occur, as UTF-8 bytes, in the data folder's files named ``prefix*``
    (the store, its .wal, any half-written copy)."""
    hits = {}
    for path in _files(prefix):
        data = path.read_bytes()
        found = [s for s in strings if s.encode() in data]
        if found:
            hits[path.name] = found
    return hits


def _in_tables(path, strings: list[str]) -> list[tuple]:
    """(schema, table, column, string) for every text column of every table of a DuckDB file
    (the warehouse's memo schema included) holding one of ``strings``."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        columns = con.execute("SELECT schema_name, table_name, column_name FROM duckdb_columns()"
                              " WHERE database_name = current_database() AND data_type = 'VARCHAR'").fetchall()
        hits = []
        for schema, table, column in columns:
            for s in strings:
                n = con.execute(f'SELECT count(*) FROM "{schema}"."{table}" WHERE contains("{column}", $s)',
                                {"s": s}).fetchall()[0][0]
                if n:
                    hits.append((schema, table, column, s))
        return hits
    finally:
        con.close()


def test_a_deleted_post_leaves_no_bytes_in_the_raw_store_or_the_warehouse(data_dir, tmp_path):
    others = [post(str(i), author_id=f"a{i}", text=f"an ordinary post number {i} about mammograms")
              for i in range(300)]
    jobs.import_file(write_jsonl(tmp_path / "posts.jsonl", others + [
        post("secret", author_id=AUTHOR, author_name=AUTHOR_NAME, trust_code="RR8", text=PUBLIC_TEXT),
        post("flagged", author_id="staff-12", trust_code="RR8", text=STAFF_TEXT)]))
    (tmp_path / "accounts.csv").write_text(ACCOUNTS)  # staff: the confidentiality rule flags it
    jobs.load_accounts(tmp_path / "accounts.csv")
    env = _env(data_dir)
    assert run_cli("warehouse", "build", env=env).returncode == 0
    # the scan sees what is there: the author and their name are in the store as bytes, and
    # the flag's evidence (the NHS number) in the warehouse's memo of rule hits
    assert set(_found(config.RAW_FILE, SECRETS).get(config.RAW_FILE, [])) >= {AUTHOR, AUTHOR_NAME}
    assert any(h[0] == "memo" for h in _in_tables(config.warehouse_path(), [NHS_NUMBER]))

    (tmp_path / "deletions.csv").write_text("platform,post_id\nx,secret\nx,flagged\n")
    result = run_cli("ingest", "deletions", str(tmp_path / "deletions.csv"), env=env)
    assert result.returncode == 0, result.stderr
    assert raw_query("SELECT count(*) FROM raw_posts WHERE post_id IN ('secret', 'flagged')") == [(0,)]
    assert _found(config.RAW_FILE, SECRETS) == {}
    assert _files(config.RAW_FILE) == [config.raw_path()]  # no .wal, no half-written copy
    assert raw_query("SELECT count(*) FROM raw_posts") == [(300,)]  # the rest is all there

    assert run_cli("warehouse", "build", env=env).returncode == 0
    assert _found(config.WAREHOUSE_FILE, SECRETS) == {}
    assert _in_tables(config.warehouse_path(), SECRETS) == []


def test_the_retention_purge_leaves_no_bytes_of_what_it_cleared(data_dir, tmp_path):
    old_profile = ["Pat Quackenbush-Example", "mum of two from Wetherby", "Little Snoring"]
    jobs.import_file(write_jsonl(tmp_path / "posts.jsonl", [
        post(str(i), author_id=f"a{i}", text=f"post {i}") for i in range(200)] + [
        post("old", created_at="2020-01-06T10:00:00+00:00", author_id="old-public",
             author_name=old_profile[0], author_bio=old_profile[1], author_location=old_profile[2],
             text="Can I bring my daughter to my mammogram?")]))
    assert set(_found(config.RAW_FILE, old_profile)[config.RAW_FILE]) >= {old_profile[0]}
    env = _env(data_dir)
    assert run_cli("warehouse", "build", env=env).returncode == 0  # retention: 730 days
    assert raw_query("SELECT author_name, author_bio, author_location, payload FROM raw_posts"
                     " WHERE post_id = 'old'") == [(None, None, None, None)]
    assert _found(config.RAW_FILE, old_profile) == {}
    assert raw_query("SELECT count(*) FROM purge_log WHERE NOT rewritten") == [(0,)]
