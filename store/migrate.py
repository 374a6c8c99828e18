"""Schema migrations for the raw store.

Each file ``store/migrations/raw/NNNN_name.sql`` is applied once, in order, inside its
own transaction, and recorded in ``schema_migrations``. Schema changes are new files, never
edits of applied ones. (The published warehouse needs no migrations: every build makes it
anew from the models.)

A migration is known by its name; its number orders it. Two branches can each add a migration
with the same number: when they are merged, one is renumbered (``0006_automated_accounts_
fictional_trusts`` became ``0007``). A store migrated by the renumbered one's branch recorded it
under the old number: :func:`migrate` moves that record to the file's number, then applies the
other branch's migration, which it has not seen. Names are never reused.
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
    names = [n for _, n, _ in found]
    if len(set(names)) != len(names):
        raise ValueError(f"{MIGRATIONS}: two migrations share a name")
    return found


def _renumbered(con: duckdb.DuckDBPyConnection, files: list[tuple[int, str, Path]]) -> None:
    """Move the record of each migration applied under another number to its file's number
    (see the module docstring), keeping when it was applied. Refuses a store whose record
    holds a number that one of our files has under another name that is not ours."""
    number = {name: version for version, name, _ in files}
    recorded = con.execute("SELECT version, name FROM schema_migrations").fetchall()
    moves = [(version, name) for version, name in recorded if name in number and number[name] != version]
    if moves:
        with transaction(con):
            for old, name in moves:  # out of the way first: two records may swap numbers
                con.execute("UPDATE schema_migrations SET version = -version WHERE version = $old", {"old": old})
            for old, name in moves:
                con.execute("UPDATE schema_migrations SET version = $new WHERE version = $old",
                            {"new": number[name], "old": -old})
    ours = {version: name for version, name, _ in files}
    for version, name in con.execute("SELECT version, name FROM schema_migrations").fetchall():
        if version in ours and ours[version] != name and name not in number:
            raise ValueError(f"schema_migrations records migration {version} as {name!r}, but "
                             f"{MIGRATIONS} has {version:04d}_{ours[version]}.sql and no {name!r}: "
                             "the store was migrated by other code")


def migrate(con: duckdb.DuckDBPyConnection) -> list[int]:
    """Apply every migration not yet applied; return the versions applied now."""
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version INTEGER PRIMARY KEY, name VARCHAR NOT NULL,"
        " applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"
    )
    files = migration_files()
    _renumbered(con, files)
    done = {row[0] for row in con.execute("SELECT name FROM schema_migrations").fetchall()}
    applied = []
    for version, name, path in files:
        if name in done:
            continue
        with transaction(con):
            con.execute(path.read_text())
            con.execute(
                "INSERT INTO schema_migrations (version, name) VALUES ($version, $name)",
                {"version": version, "name": name},
            )
        applied.append(version)
    return applied
