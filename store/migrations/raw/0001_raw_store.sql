-- The raw store: every ingested item untouched, with provenance; runs; quarantine; cursors.

-- grain: one row per ingest run (file import, demo, reference, accounts, connector run)
CREATE TABLE ingest_runs (
    run_id        VARCHAR PRIMARY KEY,
    command       VARCHAR NOT NULL,      -- file | demo | reference | accounts | x | ...
    source        VARCHAR,               -- the source name given to the run
    origin        VARCHAR,               -- file path or endpoint
    started_at    TIMESTAMPTZ NOT NULL,
    finished_at   TIMESTAMPTZ,
    status        VARCHAR NOT NULL,      -- running | ok | failed | interrupted
    n_read        BIGINT,
    n_new         BIGINT,
    n_changed     BIGINT,
    n_duplicate   BIGINT,
    n_quarantined BIGINT,
    error         VARCHAR
);

-- grain: one row per version of a post (a re-fetched post whose payload changed is a new
-- version; the same payload again is a duplicate and is not stored).
-- key: platform, post_id, payload_hash (enforced by the landing's anti-join under the
-- writer lock, checked again by the build; no index, so bulk loads stay fast)
CREATE TABLE raw_posts (
    platform        VARCHAR NOT NULL,
    post_id         VARCHAR NOT NULL,
    payload_hash    VARCHAR NOT NULL,
    parent_id       VARCHAR,
    thread_id       VARCHAR,
    author_id       VARCHAR NOT NULL,
    author_name     VARCHAR,
    author_bio      VARCHAR,
    author_location VARCHAR,
    created_at      TIMESTAMPTZ NOT NULL,
    text            VARCHAR NOT NULL,
    url             VARCHAR,
    source          VARCHAR NOT NULL,
    trust_code      VARCHAR,
    payload         VARCHAR NOT NULL,    -- the untouched record (JSON text)
    origin          VARCHAR NOT NULL,    -- file path, or request URL
    origin_line     BIGINT,              -- line in the file where the record starts
    fetched_at      TIMESTAMPTZ NOT NULL,
    run_id          VARCHAR NOT NULL
);

-- grain: one row per (bad record, field); key: origin, origin_line, field, record_hash
CREATE TABLE quarantine (
    run_id          VARCHAR NOT NULL,
    source          VARCHAR,
    origin          VARCHAR NOT NULL,
    origin_line     BIGINT,
    field           VARCHAR NOT NULL,
    reason          VARCHAR NOT NULL,
    record          VARCHAR,
    record_hash     VARCHAR NOT NULL,
    quarantined_at  TIMESTAMPTZ NOT NULL
);

-- grain: one row per (source, cursor key). Advanced in the same transaction as the landing.
CREATE TABLE cursors (
    source      VARCHAR NOT NULL,
    cursor_key  VARCHAR NOT NULL,
    value       VARCHAR NOT NULL,
    run_id      VARCHAR NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (source, cursor_key)
);

-- grain: one row per account per registry version; key: registry_version, platform, author_id
CREATE TABLE account_registry (
    registry_version INTEGER NOT NULL,
    platform         VARCHAR NOT NULL,
    author_id        VARCHAR NOT NULL,
    role             VARCHAR NOT NULL,   -- professional | organisation
    trust_code       VARCHAR,
    title            VARCHAR,
    run_id           VARCHAR NOT NULL
);

-- grain: one row per registry version
CREATE TABLE account_registry_versions (
    registry_version INTEGER PRIMARY KEY,
    origin           VARCHAR NOT NULL,
    loaded_at        TIMESTAMPTZ NOT NULL,
    n_accounts       BIGINT NOT NULL,
    run_id           VARCHAR NOT NULL
);

-- grain: one row per NHS region or devolved nation; key: region_code
CREATE TABLE ref_regions (
    region_code VARCHAR PRIMARY KEY,
    name        VARCHAR NOT NULL,
    nation      VARCHAR NOT NULL,
    ons_code    VARCHAR
);

-- grain: one row per organisation (NHS trust or health board); key: ods_code
CREATE TABLE ref_trusts (
    ods_code    VARCHAR PRIMARY KEY,
    name        VARCHAR NOT NULL,
    region_code VARCHAR NOT NULL,
    icb_code    VARCHAR,
    postcode    VARCHAR,
    open_date   DATE,
    close_date  DATE,
    nation      VARCHAR NOT NULL,
    origin      VARCHAR NOT NULL,
    run_id      VARCHAR NOT NULL
);
