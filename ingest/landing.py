"""Landing: validate a batch of incoming records and save it to the raw store, in one
transaction, with provenance. The one place that writes ``raw_posts`` and ``quarantine``.

A batch is a DuckDB relation named ``incoming`` with the columns of :data:`INCOMING_COLUMNS`
(all text, as read). Validation is set-based SQL, so a million rows land in about a second;
nothing is inserted row by row.
"""
from __future__ import annotations

from ingest.runs import RunCounts, fault_point, finish_run

# The file format's columns (README "File import"); keep the names, other tools rely on them.
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

# Validation: one struct per failed check, so a record can fail on several fields at once.
# Everything here is a code constant; the values arrive as bound parameters.
_CHECK_SQL = """
CREATE OR REPLACE TEMP TABLE checked AS
WITH typed AS (
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
)
SELECT typed.*,
    md5(concat_ws(chr(31), platform, post_id, parent_id, thread_id, author_id, author_name,
        author_bio, author_location, created_at::VARCHAR, text, url, trust_code)) AS payload_hash,
    md5(coalesce(payload, '')) AS record_hash,
    list_filter([
        CASE WHEN parse_error IS NOT NULL THEN {{'field': 'record', 'reason': parse_error}} END,
        CASE WHEN parse_error IS NULL AND platform = '' THEN {{'field': 'platform', 'reason': 'missing'}}
             WHEN parse_error IS NULL AND NOT list_contains($platforms, platform)
             THEN {{'field': 'platform', 'reason': 'unknown platform ''' || platform || ''' (known: ' || array_to_string($platforms, ', ') || ')'}} END,
        CASE WHEN parse_error IS NULL AND post_id IS NULL THEN {{'field': 'post_id', 'reason': 'missing'}} END,
        CASE WHEN parse_error IS NULL AND author_id IS NULL THEN {{'field': 'author_id', 'reason': 'missing'}} END,
        CASE WHEN parse_error IS NULL AND text IS NULL THEN {{'field': 'text', 'reason': 'missing'}} END,
        CASE WHEN parse_error IS NULL AND created_at_text IS NULL THEN {{'field': 'created_at', 'reason': 'missing'}}
             WHEN parse_error IS NULL AND created_at IS NULL
             THEN {{'field': 'created_at', 'reason': '''' || created_at_text || ''' is not an ISO 8601 time'}}
             WHEN parse_error IS NULL AND NOT regexp_matches(created_at_text, '(Z|z|[+-]\\d\\d(:?\\d\\d)?)$')
             THEN {{'field': 'created_at', 'reason': '''' || created_at_text || ''' has no UTC offset (write e.g. +00:00 or Z)'}}
             WHEN parse_error IS NULL AND created_at > now() + INTERVAL 1 DAY
             THEN {{'field': 'created_at', 'reason': '''' || created_at_text || ''' is in the future'}} END,
        CASE WHEN parse_error IS NULL AND trust_code IS NOT NULL
                  AND trust_code NOT IN (SELECT ods_code FROM ref_trusts)
             THEN {{'field': 'trust_code', 'reason': 'unknown trust code ''' || trust_code || ''' (not in the reference table; see python -m ingest reference)'}} END
    ], lambda p: p IS NOT NULL) AS problems
FROM typed
"""


def _check_sql() -> str:
    aliases = " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in PLATFORM_ALIASES.items())
    return _CHECK_SQL.format(aliases=aliases)


def land(con, run_id: str, *, default_source: str | None, default_trust: str | None) -> RunCounts:
    """Validate ``incoming`` and land it in one transaction; return the run's counts.

    Good rows go to ``raw_posts`` unless the same content is stored already (duplicate); a
    post whose content changed is stored as a new version. Each bad record goes to
    ``quarantine`` once per failing field, with file, line, field and reason, and is never
    stored twice. The run is marked finished in the same transaction, so a crash anywhere
    leaves the stores exactly as they were before the run.
    """
    counts = RunCounts()
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(
            _check_sql(),
            {"default_source": default_source, "default_trust": default_trust, "platforms": PLATFORMS},
        )
        counts.read = con.execute("SELECT count(*) FROM checked").fetchall()[0][0]
        con.execute(
            """
            CREATE OR REPLACE TEMP TABLE good AS
            SELECT c.*, CASE WHEN EXISTS (SELECT 1 FROM raw_posts r
                                         WHERE r.platform = c.platform AND r.post_id = c.post_id)
                             THEN 'changed' ELSE 'new' END AS kind
            FROM (SELECT * FROM checked WHERE len(problems) = 0
                  QUALIFY row_number() OVER (PARTITION BY platform, post_id, payload_hash
                                             ORDER BY origin_line) = 1) c
            ANTI JOIN raw_posts r
              ON r.platform = c.platform AND r.post_id = c.post_id AND r.payload_hash = c.payload_hash
            """
        )
        good_rows = con.execute("SELECT count(*) FROM checked WHERE len(problems) = 0").fetchall()[0][0]
        counts.new, counts.changed = con.execute(
            "SELECT count(*) FILTER (WHERE kind = 'new'), count(*) FILTER (WHERE kind = 'changed') FROM good"
        ).fetchall()[0]
        counts.duplicate = good_rows - counts.new - counts.changed
        con.execute(
            """
            INSERT INTO raw_posts
            SELECT platform, post_id, payload_hash, parent_id, thread_id, author_id, author_name,
                   author_bio, author_location, created_at, text, url, source, trust_code,
                   payload, origin, origin_line, now(), $run_id
            FROM good
            """,
            {"run_id": run_id},
        )
        fault_point("after_land")
        con.execute(
            """
            CREATE OR REPLACE TEMP TABLE bad AS
            SELECT origin, origin_line, p.field AS field, p.reason AS reason, payload AS record, record_hash
            FROM (SELECT origin, origin_line, payload, record_hash, unnest(problems) AS p
                  FROM checked WHERE len(problems) > 0)
            """
        )
        counts.quarantined = con.execute(
            "SELECT count(DISTINCT origin_line) FROM bad"
        ).fetchall()[0][0]
        con.execute(
            """
            INSERT INTO quarantine
            SELECT $run_id, $default_source, b.origin, b.origin_line, b.field, b.reason,
                   left(b.record, 10000), b.record_hash, now()
            FROM bad b ANTI JOIN quarantine q
              ON q.origin = b.origin AND q.origin_line IS NOT DISTINCT FROM b.origin_line
             AND q.field = b.field AND q.record_hash = b.record_hash
            """,
            {"run_id": run_id, "default_source": default_source},
        )
        counts.problems = [
            f"{origin}:{line}: {field}: {reason}"
            for origin, line, field, reason in con.execute(
                "SELECT origin, origin_line, field, reason FROM bad ORDER BY origin_line, field"
                " LIMIT $n", {"n": SHOWN_PROBLEMS}
            ).fetchall()
        ]
        finish_run(con, run_id, counts)
        fault_point("before_commit")
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    finally:
        for table in ("checked", "good", "bad"):
            con.execute(f"DROP TABLE IF EXISTS temp.{table}")
    return counts

