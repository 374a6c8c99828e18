"""Raw-store schema changes are migrations, applied once and recorded."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from ingest import jobs
from store import config, db
from store import migrate as migrate_module
from store.migrate import migrate, migration_files
from tests.support import ROOT, post, published_query, raw_query, write_jsonl
from warehouse.build import build


def test_migrations_apply_once_in_order(tmp_path):
    con = duckdb.connect(str(tmp_path / "raw.duckdb"))
    applied = migrate(con)
    assert applied == [v for v, _, _ in migration_files()] and applied[0] == 1
    assert migrate(con) == []
    tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    assert {"raw_posts", "quarantine", "ingest_runs", "cursors", "account_registry", "ref_trusts"} <= tables
    assert con.execute("SELECT version FROM schema_migrations ORDER BY version").fetchall() == [
        (v,) for v in applied
    ]


def test_failed_migration_rolls_back(tmp_path, monkeypatch):
    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / "0001_ok.sql").write_text("CREATE TABLE a (x INTEGER);")
    (folder / "0002_broken.sql").write_text("CREATE TABLE b (x INTEGER); SELECT * FROM no_such_table;")
    monkeypatch.setattr(migrate_module, "MIGRATIONS", folder)
    con = duckdb.connect(str(tmp_path / "raw.duckdb"))
    with pytest.raises(duckdb.Error):
        migrate(con)
    tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    assert "a" in tables and "b" not in tables
    assert con.execute("SELECT version FROM schema_migrations").fetchall() == [(1,)]


# --- two branches, one number: 0006 ----------------------------------------------------------------
# Main shipped 0006_purge_rewritten (issue #18); the episodes branch (issue #12) shipped
# 0006_automated_accounts_fictional_trusts, renumbered 0007 when it was merged. A store migrated
# on either side must end up with both.

MAIN_BEFORE_MERGE = "0814153"  # main's last commit before 'episodes' was merged: its 0006 is purge_rewritten
EPISODES_TIP = "192d3f89bb7c68e8b0ccd6d5a3ed03672e5ebc31"  # 'episodes' as merged: its 0006 is the other
BOTH = {"purge_log": "rewritten", "account_registry": "automated", "ref_trusts": "fictional"}


def _columns(con) -> set[tuple[str, str]]:
    return set(con.execute("SELECT table_name, column_name FROM information_schema.columns").fetchall())


def _records(con) -> list[tuple[int, str]]:
    return con.execute("SELECT version, name FROM schema_migrations ORDER BY version").fetchall()


def _tree_at(commit: str, folder: Path) -> Path:
    """The repository as it was at ``commit`` (``git archive``), or skip when this clone lacks it."""
    folder.mkdir()
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", "--format=tar", commit],
                             capture_output=True)
    if archive.returncode != 0:
        pytest.skip(f"commit {commit} is not in this clone: {archive.stderr.decode(errors='replace').strip()}")
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive.stdout, check=True)
    return folder


def _run_old(tree: Path, *args: str) -> None:
    """``python -m ingest ARGS`` of the old tree, on the data folder of this test (RADSOME_DATA)."""
    result = subprocess.run([sys.executable, "-m", "ingest", *args], cwd=tree, capture_output=True,
                            text=True, env={**os.environ, "PYTHONPATH": str(tree)})
    assert result.returncode == 0, result.stderr


def _migrated_by_us(data_dir) -> list[tuple[int, str]]:
    con = db.connect_raw()  # the merged code: migrates on connect
    try:
        assert {(t, c) for t, c in BOTH.items()} <= _columns(con)
        return _records(con)
    finally:
        con.close()


def _expected() -> list[tuple[int, str]]:
    return [(v, n) for v, n, _ in migration_files()]


@pytest.mark.slow
def test_a_store_made_at_main_before_the_merge_gains_the_episodes_migration(data_dir, tmp_path):
    tree = _tree_at(MAIN_BEFORE_MERGE, tmp_path / "main")
    _run_old(tree, "file", str(write_jsonl(tmp_path / "old.jsonl", [post("old-1"), post("old-2")])))
    con = duckdb.connect(str(data_dir / config.RAW_FILE), read_only=True)
    try:
        assert (6, "purge_rewritten") in _records(con) and ("account_registry", "automated") not in _columns(con)
    finally:
        con.close()

    assert _migrated_by_us(data_dir) == _expected()
    jobs.import_file(write_jsonl(tmp_path / "new.jsonl", [post("new-1")]))  # the store works on
    build()
    assert published_query("SELECT post_id FROM posts ORDER BY post_id") == [("new-1",), ("old-1",), ("old-2",)]


@pytest.mark.slow
def test_a_store_made_on_the_episodes_branch_gains_mains_migration(data_dir, tmp_path):
    tree = _tree_at(EPISODES_TIP, tmp_path / "episodes")
    _run_old(tree, "file", str(write_jsonl(tmp_path / "old.jsonl", [post("old-1")])))
    accounts = tmp_path / "accounts.csv"
    accounts.write_text("platform,author_id,role,trust_code,title,automated\nx,bot-1,organisation,,Bot,yes\n")
    _run_old(tree, "accounts", str(accounts))
    con = duckdb.connect(str(data_dir / config.RAW_FILE), read_only=True)
    try:
        assert (6, "automated_accounts_fictional_trusts") in _records(con)
        assert ("purge_log", "rewritten") not in _columns(con)
    finally:
        con.close()

    assert _migrated_by_us(data_dir) == _expected()
    assert raw_query("SELECT author_id, automated FROM account_registry") == [("bot-1", True)]  # kept
    assert raw_query("SELECT count(*) FROM purge_log WHERE rewritten") == [(0,)]


def _folder_of(tmp_path: Path, name: str, files: dict[str, str]) -> Path:
    folder = tmp_path / name
    folder.mkdir()
    for target, source in files.items():
        (folder / target).write_text((migrate_module.MIGRATIONS / source).read_text())
    return folder


def test_a_renumbered_migration_keeps_its_record_and_the_other_is_applied(tmp_path, monkeypatch):
    """Without git: the episodes branch's files (its 0006 is today's 0007), then today's."""
    shipped = [p.name for p in sorted(migrate_module.MIGRATIONS.glob("000[1-5]_*.sql"))]
    episodes = _folder_of(tmp_path, "episodes", {**{n: n for n in shipped},
                                                "0006_automated_accounts_fictional_trusts.sql":
                                                "0007_automated_accounts_fictional_trusts.sql"})
    con = duckdb.connect(str(tmp_path / "raw.duckdb"))
    with monkeypatch.context() as patch:
        patch.setattr(migrate_module, "MIGRATIONS", episodes)
        migrate(con)
    applied_at = con.execute("SELECT applied_at FROM schema_migrations WHERE version = 6").fetchall()
    later = [v for v, _ in _expected() if v > 7]  # migrations added since (0008 themes, ...)
    assert migrate(con) == [6, *later]  # main's 0006, never seen; 0007 is the renumbered one, not run again
    assert _records(con) == _expected()
    assert con.execute("SELECT applied_at FROM schema_migrations WHERE version = 7").fetchall() == applied_at
    assert {(t, c) for t, c in BOTH.items()} <= _columns(con)
    assert migrate(con) == []


def test_a_number_recorded_under_a_name_we_do_not_know_is_refused(tmp_path):
    con = duckdb.connect(str(tmp_path / "raw.duckdb"))
    migrate(con)
    con.execute("DELETE FROM schema_migrations WHERE version = 7")
    con.execute("INSERT INTO schema_migrations (version, name) VALUES (7, 'from_another_branch')")
    with pytest.raises(ValueError, match="records migration 7 as 'from_another_branch'.*0007_automated"):
        migrate(con)
