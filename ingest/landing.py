"""Landing: validate a batch of incoming records and save it to the raw store, in one
transaction, with provenance. The one place that writes ``raw_posts`` and ``quarantine``.

A batch is a DuckDB relation named ``incoming`` with the columns of :data:`INCOMING_COLUMNS`
(all text, as read). Validation is set-based SQL; nothing is inserted row by row. Each value
is trimmed, typed and hashed once, into ``checked`` (with the record's problems); the
untouched record (``payload``) is never copied: the insert reads it from ``incoming`` for the
rows to keep. The stored rows are read once, for just the keys in the batch (``seen``): both
the dedupe and the new/changed count use that.
"""
from __future__ import annotations

from ingest.bounded import MAX_RECORD_BYTES
from store import config, retention
from store.runs import RunCounts, fault_point, finish_run
from store.transaction import transaction

# The file format's columns (docs/importing.md "File import format"); keep the names, other tools rely on them.
POST_COLUMNS = [
    "platform", "post_id", "parent_id", "thread_id", "author_id", "author_name", "author_bio",
    "author_location", "created_at", "text", "url", "source", "trust_code",
]
REQUIRED_COLUMNS = ["platform", "post_id", "author_id", "created_at", "text"]
INCOMING_COLUMNS = ["origin", "origin_line", "payload", "parse_error", *POST_COLUMNS]

PLATFORMS = [
    "x", "facebook", "instagram", "mastodon", "bluesky", "reddit", "threads", "linkedin",
    "youtube", "tiktok",
]
PLATFORM_ALIASES = {"twitter": "x", "x.com": "x", "fb": "facebook", "bsky": "bluesky"}
SHOWN_PROBLEMS = 20

# The incoming columns, trimmed and typed; {aliases} is filled from PLATFORM_ALIASES (code
# constants). Values arrive as bound parameters.
_TYPED = """
SELECT
    origin, origin_line, payload, parse_error,
    coalesce(CASE lower(trim(platform)) {aliases} ELSE lower(trim(platform)) END, '') AS platform,
    nullif(trim(post_id), '') AS post_id,
    nullif(trim(parent_id), '') AS parent_id,
    nullif(trim(thread_id), '') AS thread_id,
    nullif(trim(author_id), '') AS author_id,
    nullif(trim(author_name), '') AS author_name,
    nullif(author_bio, '') AS author_bio,
    nullif(trim(author_location), '') AS author_location,
    nullif(trim(created_at), '') AS created_at_text,
    TRY_CAST(nullif(trim(created_at), '') AS TIMESTAMPTZ) AS created_at,
    text,
    nullif(trim(url), '') AS url,
    coalesce(nullif(trim(source), ''), $default_source) AS source,
    upper(coalesce(nullif(trim(trust_code), ''), $default_trust)) AS trust_code
FROM incoming
"""

# One struct per failed check, so that a record can fail on several fields at once. The
# content hash leaves out `source` (provenance, not content): the same post imported under
# two source names is one post.
_CHECK_SQL = r"""
CREATE OR REPLACE TEMP TABLE checked AS
WITH typed AS ({typed})
SELECT
    origin_line, platform, post_id, parent_id, thread_id, author_id, author_name, author_bio,
    author_location, created_at, text, url, source, trust_code,
    md5(concat_ws(chr(31), platform, post_id, parent_id, thread_id, author_id, author_name,
        author_bio, author_location, created_at::VARCHAR, text, url, trust_code)) AS payload_hash,
    list_filter([
        CASE WHEN parse_error IS NOT NULL THEN {{'field': 'record', 'reason': parse_error}}
             WHEN strlen(payload) > $max_record_bytes
             THEN {{'field': 'record', 'reason': 'record is ' || strlen(payload) || ' bytes, over the limit of ' || $max_record_bytes || ' bytes (MAX_RECORD_BYTES); not stored'}} END,
        CASE WHEN parse_error IS NULL AND platform = '' THEN {{'field': 'platform', 'reason': 'missing'}}
             WHEN parse_error IS NULL AND NOT list_contains($platforms, platform)
             THEN {{'field': 'platform', 'reason': 'unknown platform ''' || platform || ''' (known: ' || array_to_string($platforms, ', ') || ')'}} END,
        CASE WHEN parse_error IS NULL AND post_id IS NULL THEN {{'field': 'post_id', 'reason': 'missing'}} END,
        CASE WHEN parse_error IS NULL AND author_id IS NULL THEN {{'field': 'author_id', 'reason': 'missing'}} END,
        CASE WHEN parse_error IS NULL AND text IS NULL THEN {{'field': 'text', 'reason': 'missing'}} END,
        CASE WHEN parse_error IS NULL AND created_at_text IS NULL THEN {{'field': 'created_at', 'reason': 'missing'}}
             WHEN parse_error IS NULL AND created_at IS NULL
             THEN {{'field': 'created_at', 'reason': '''' || created_at_text || ''' is not an ISO 8601 time'}}
             WHEN parse_error IS NULL AND NOT regexp_matches(created_at_text, '(Z|z|[+-]\d\d(:?\d\d)?)$')
             THEN {{'field': 'created_at', 'reason': '''' || created_at_text || ''' has no UTC offset (write e.g. +00:00 or Z)'}}
             WHEN parse_error IS NULL AND created_at > now() + INTERVAL 1 DAY
             THEN {{'field': 'created_at', 'reason': '''' || created_at_text || ''' is in the future'}} END,
        CASE WHEN parse_error IS NULL AND NOT $demo_run
                  AND lower(regexp_replace(source, '[\s\p{{Z}}\p{{Cf}}]+', '', 'g')) = 'demo'
             THEN {{'field': 'source', 'reason': 'source ''' || source || ''' is reserved for the synthetic data of python -m ingest demo; an imported row is never demo data (give the real source, or leave it empty)'}} END,
        CASE WHEN parse_error IS NULL AND trust_code IS NOT NULL
                  AND trust_code NOT IN (SELECT ods_code FROM ref_trusts)
             THEN {{'field': 'trust_code', 'reason': 'unknown trust code ''' || trust_code || ''' (not in the reference table; see python -m ingest reference)'}} END
    ], lambda p: p IS NOT NULL) AS problems
FROM typed
"""

# Valid rows, the first of any repeats within the batch.
_CANDIDATES_SQL = """
CREATE OR REPLACE TEMP TABLE candidates AS
SELECT platform, post_id, payload_hash, min(origin_line) AS origin_line
FROM checked WHERE len(problems) = 0 GROUP BY platform, post_id, payload_hash
"""

# The stored versions of the batch's posts: raw_posts is scanned once, for these keys only.
_SEEN_SQL = """
CREATE OR REPLACE TEMP TABLE seen AS
SELECT r.platform, r.post_id, r.payload_hash
FROM raw_posts r SEMI JOIN candidates c ON r.platform = c.platform AND r.post_id = c.post_id
"""

# Rows to store: candidates not stored already and not recorded as deleted on their platform.
_KEEP_SQL = """
CREATE OR REPLACE TEMP TABLE keep AS
SELECT c.origin_line, c.platform, c.post_id, c.payload_hash
FROM candidates c
ANTI JOIN seen r
  ON r.platform = c.platform AND r.post_id = c.post_id AND r.payload_hash = c.payload_hash
ANTI JOIN deletions d ON d.platform = c.platform AND d.post_id = c.post_id
"""

# Valid rows (first of any repeats) of posts recorded as deleted on their platform: never stored.
_COUNT_DELETED_SQL = """
SELECT count(*) FROM candidates c
SEMI JOIN deletions d ON d.platform = c.platform AND d.post_id = c.post_id
"""

# Rows to store, and of those the ones whose post has a stored version already (changed).
_COUNT_KEEP_SQL = """
SELECT count(*), count(*) FILTER (WHERE s.post_id IS NOT NULL)
FROM keep k
LEFT JOIN (SELECT DISTINCT platform, post_id FROM seen) s
  ON s.platform = k.platform AND s.post_id = k.post_id
"""

# Typed values from ``checked``, the untouched record from ``incoming``: each read once.
_INSERT_SQL = """
INSERT INTO raw_posts
SELECT c.platform, c.post_id, c.payload_hash, c.parent_id, c.thread_id, c.author_id,
       c.author_name, c.author_bio, c.author_location, c.created_at, c.text, c.url, c.source,
       c.trust_code, i.payload, i.origin, c.origin_line, now(), $run_id
FROM checked c
SEMI JOIN keep k ON k.origin_line = c.origin_line
JOIN incoming i ON i.origin_line = c.origin_line
"""

_BAD_SQL = """
CREATE OR REPLACE TEMP TABLE bad AS
SELECT i.origin, c.origin_line, c.p.field AS field, c.p.reason AS reason, i.payload AS record,
       md5(coalesce(i.payload, '')) AS record_hash
FROM (SELECT origin_line, unnest(problems) AS p FROM checked WHERE len(problems) > 0) c
JOIN incoming i ON i.origin_line = c.origin_line
"""

_QUARANTINE_SQL = """
INSERT INTO quarantine
SELECT $run_id, $default_source, b.origin, b.origin_line, b.field, b.reason,
       left(b.record, 10000), b.record_hash, now()
FROM bad b ANTI JOIN quarantine q
  ON q.origin = b.origin AND q.origin_line IS NOT DISTINCT FROM b.origin_line
 AND q.field = b.field AND q.record_hash = b.record_hash
"""


def drop_incoming(con) -> None:
    """Drop ``incoming``: a temporary table, or the JSONL reader's view over its temporary
    table of lines (``jsonl_lines``), which goes too."""
    views = con.execute(
        "SELECT count(*) FROM duckdb_views() WHERE database_name = 'temp' AND view_name = 'incoming'"
    ).fetchall()[0][0]
    con.execute("DROP VIEW IF EXISTS temp.incoming" if views else "DROP TABLE IF EXISTS temp.incoming")
    con.execute("DROP TABLE IF EXISTS temp.jsonl_lines")


def _sql(template: str) -> str:
    aliases = " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in PLATFORM_ALIASES.items())
    return template.format(typed=_TYPED.format(aliases=aliases))


# Stored rows of this batch that the next build's purge will remove (store.retention).
_PAST_RETENTION_SQL = """
SELECT count(*), min(c.created_at) FROM checked c
SEMI JOIN keep k ON k.origin_line = c.origin_line
WHERE c.created_at < $cutoff
"""


def _count_past_retention(con, counts: RunCounts) -> None:
    """Count the stored posts older than the retention period, so the import can warn that the
    next build purges their raw records (issue #15). A wrong setting is the build's to report."""
    try:
        days = config.retention_days()
    except config.SettingError:
        return
    counts.retention_days = days
    counts.past_retention, counts.oldest_past_retention = con.execute(
        _PAST_RETENTION_SQL, {"cutoff": retention.cutoff_for(days)}).fetchall()[0]


def land(con, run_id: str, *, default_source: str | None, default_trust: str | None,
         finish: bool = True, before_commit=None, demo_run: bool = False) -> RunCounts:
    """Validate ``incoming`` and land it in one transaction; return the run's counts.

    Good rows go to ``raw_posts`` unless the same content is stored already (duplicate); a
    post whose content changed is stored as a new version. Each bad record goes to
    ``quarantine`` once per failing field, with file, line, field and reason, and is never
    stored twice. The run is marked finished in the same transaction, so a crash anywhere
    leaves the stores exactly as they were before the run.

    A connector lands page by page: ``finish=False`` leaves the run open (it is finished once,
    at the end), and ``before_commit(con)`` runs inside the transaction after the rows are in,
    so that the source's cursor advances in the same commit as the posts it covers.

    Demo status is not the rows' to claim: the build marks a version demo only when the run
    that landed it is the demo generator's (``ingest_runs.command = 'demo'``), and a row whose
    ``source`` says ``demo`` (any case or spacing) is quarantined unless ``demo_run`` (passed
    by :func:`ingest.jobs.run_demo` alone).
    """
    counts = RunCounts()
    defaults = {"default_source": default_source, "default_trust": default_trust}
    try:
        with transaction(con):
            con.execute(_sql(_CHECK_SQL), defaults | {"platforms": PLATFORMS, "demo_run": demo_run,
                                                        "max_record_bytes": MAX_RECORD_BYTES})
            counts.read, good_rows = con.execute(
                "SELECT count(*), count(*) FILTER (WHERE len(problems) = 0) FROM checked"
            ).fetchall()[0]
            con.execute(_CANDIDATES_SQL)
            con.execute(_SEEN_SQL)
            con.execute(_KEEP_SQL)
            stored, changed = con.execute(_COUNT_KEEP_SQL).fetchall()[0]
            counts.deleted = con.execute(_COUNT_DELETED_SQL).fetchall()[0][0]
            counts.new, counts.changed = stored - changed, changed
            counts.duplicate = good_rows - stored - counts.deleted
            fault_point("land_after_validate")
            con.execute(_INSERT_SQL, {"run_id": run_id})
            fault_point("after_land")
            _count_past_retention(con, counts)

            # A clean batch (the usual case) has nothing to quarantine: skip reading it again.
            con.execute(_BAD_SQL if good_rows < counts.read else _BAD_SQL + " LIMIT 0")
            counts.quarantined = con.execute("SELECT count(DISTINCT origin_line) FROM bad").fetchall()[0][0]
            con.execute(_QUARANTINE_SQL, {"run_id": run_id, "default_source": default_source})
            fault_point("land_after_quarantine")
            counts.problems = [
                f"{origin}:{line}: {field}: {reason}"
                for origin, line, field, reason in con.execute(
                    "SELECT origin, origin_line, field, reason FROM bad ORDER BY origin_line, field"
                    " LIMIT $n", {"n": SHOWN_PROBLEMS}
                ).fetchall()
            ]
            if before_commit is not None:
                before_commit(con)
            if finish:
                finish_run(con, run_id, counts)
            fault_point("before_commit")
    finally:
        for table in ("checked", "candidates", "seen", "keep", "bad"):
            con.execute(f"DROP TABLE IF EXISTS temp.{table}")
        drop_incoming(con)
    fault_point("land_after_commit")
    return counts
