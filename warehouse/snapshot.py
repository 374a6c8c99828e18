"""What a full build records in the file it publishes so that a later ``python -m warehouse
refresh`` (:mod:`warehouse.delta`) can publish a delta on top of it, and know when it cannot.

The record lives in the published file's ``snapshot`` schema (readers only ever list ``main``):

- ``snapshot.info``: the build's id (a delta names its base by it), its fingerprint and the
  number of deletions the raw store had recorded;
- ``snapshot.runs``: the ingest runs whose posts the build read (a refresh's new posts are the
  posts of every later run).

The fingerprint is what every published row depends on besides the posts: the code of the
warehouse package (models, rules, themes, SPC), the DuckDB version, the reference data (raw
registry, trusts, regions, policies, theme register, and the tables code makes from them:
rules, clauses, calendars, review decisions) and the pseudonym key (hashed, never stored).
Two builds with equal fingerprints compute equal rows from equal posts.
"""
from __future__ import annotations

import hashlib
import uuid
from pathlib import Path

import duckdb

SCHEMA = "snapshot"
PACKAGE = Path(__file__).parent
# Reference data as the models read it (fingerprinted by content, not by load: a register
# reloaded unchanged is the same); posts, runs and what the whole marts copy (ingest_runs,
# quarantine, cursors, connector fetches, coverage gaps) are not reference data.
RAW_REFERENCE = {
    "trust_policies_current": "* EXCLUDE (load_version, origin, origin_line, loaded_at, run_id)",
    "theme_register_current": "* EXCLUDE (load_version, origin_line)",
    "theme_register_loads": "max(load_version)",  # published as question_themes.register_version
}
STAGING_REFERENCE = ("stg_accounts", "stg_trusts", "stg_regions", "stg_rules", "stg_rule_clauses", "stg_clauses",
                     "stg_calendars", "stg_trust_calendars", "stg_review_decisions")


def _table_digest(con, relation: str) -> str:
    """A digest of a (small) relation's rows, whatever their order. ``relation`` is code."""
    return con.execute(f"SELECT md5(coalesce(string_agg(h, ',' ORDER BY h), '')) FROM"
                       f" (SELECT md5(t::VARCHAR) AS h FROM {relation} t)").fetchall()[0][0]


def fingerprint(con, pseudonym_key: str) -> str:
    """The fingerprint of what a build on ``con`` (raw attached as ``raw``, its staging tables
    made) depends on besides the posts."""
    digest = hashlib.sha256()
    for path in sorted(PACKAGE.rglob("*")):
        if path.suffix in (".py", ".sql", ".yaml", ".json", ".csv") and "__pycache__" not in path.parts:
            digest.update(f"{path.relative_to(PACKAGE)}\x00".encode() + path.read_bytes() + b"\x00")
    digest.update(f"duckdb {duckdb.__version__}\x00".encode())
    for name, columns in RAW_REFERENCE.items():
        relation = f"(SELECT {columns} FROM raw.main.{name})"
        digest.update(f"raw.{name}\x00{_table_digest(con, relation)}\x00".encode())
    for name in STAGING_REFERENCE:
        digest.update(f"staging.{name}\x00{_table_digest(con, f'staging.{name}')}\x00".encode())
    digest.update(hashlib.sha256(f"radsome-pseudonym\x00{pseudonym_key}".encode()).digest())
    return digest.hexdigest()


def write(con, pseudonym_key: str) -> str:
    """Record the build in its own file (``con``: the build connection, raw attached). Returns
    the build's id."""
    build_id = uuid.uuid4().hex
    con.execute(f"CREATE SCHEMA {SCHEMA}")
    con.execute(f"CREATE TABLE {SCHEMA}.info AS SELECT $id AS build_id, $fp AS fingerprint,"
                " (SELECT count(*) FROM raw.deletions) AS n_deletions",
                {"id": build_id, "fp": fingerprint(con, pseudonym_key)})
    con.execute(f"CREATE TABLE {SCHEMA}.runs AS SELECT run_id FROM raw.ingest_runs")
    return build_id


def build_id(con, catalog: str) -> str | None:
    """The id of the build attached as ``catalog``; None when it has none (built before)."""
    try:
        return con.execute(f"SELECT build_id FROM {catalog}.{SCHEMA}.info").fetchall()[0][0]
    except duckdb.Error:
        return None
