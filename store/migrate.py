"""Schema migrations for the raw store.

Each file ``store/migrations/raw/NNNN_name.sql`` is applied once, in order, inside its
own transaction, and recorded in ``schema_migrations``. Schema changes are new files, never
edits of applied ones. (The published warehouse needs no migrations: every build makes it
anew from the models.)
"""
from __future__ import annotations

import re
from pathlib import Path

import duckdb

from store.transaction import transaction

MIGRATIONS = Path(__file__).parent / "migrations" / "raw"
_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")


def migration_files() -> list[tuple[int, str, Path]]:
    found = []
    for path in sorted(MIGRATIONS.glob("*.sql")):
        match = _NAME.match(path.name)
        if not match:
            raise ValueError(f"{path}: migration files are named NNNN_name.sql")
        found.append((int(match.group(1)), match.group(2), path))
    versions = [v for v, _, _ in found]
    if len(set(versions)) != len(versions):
        raise ValueError(f"{MIGRATIONS}: two migrations share a number")
    return found


def migrate(con: duckdb.DuckDBPyConnection) -> list[int]:
    """Apply every migration not yet applied; return the versions applied now."""
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version INTEGER PRIMARY KEY, name VARCHAR NOT NULL,"
        " applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"
    )
    done = {row[0] for row in con.execute("SELECT version FROM schema_migrations").fetchall()}
    applied = []
    for version, name, path in migration_files():
        if version in done:
            continue
        with transaction(con):
            con.execute(path.read_text())
            con.execute(
                "INSERT INTO schema_migrations (version, name) VALUES ($version, $name)",
                {"version": version, "name": name},
            )
        applied.append(version)
    return applied
