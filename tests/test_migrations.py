"""Raw-store schema changes are migrations, applied once and recorded."""
from __future__ import annotations

import duckdb
import pytest

from store import migrate as migrate_module
from store.migrate import migrate, migration_files


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
