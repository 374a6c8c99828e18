-- Retention and deletions (README "Retention and deletions").

-- The retention purge clears the untouched record of posts older than the retention period;
-- the typed columns the metrics are computed from stay.
ALTER TABLE raw_posts ALTER COLUMN payload DROP NOT NULL;

-- grain: one row per post deleted on its platform; key: platform, post_id.
-- Recorded by `python -m ingest deletions PATH` (and, later, by the connectors). The post's
-- stored versions are removed from raw_posts, the build leaves it out of every mart, and the
-- landing never stores it again.
CREATE TABLE deletions (
    platform     VARCHAR NOT NULL,
    post_id      VARCHAR NOT NULL,
    deleted_at   TIMESTAMPTZ,           -- when the platform deleted it (NULL: not given)
    origin       VARCHAR NOT NULL,      -- file path or endpoint that reported it
    origin_line  BIGINT,
    recorded_at  TIMESTAMPTZ NOT NULL,
    run_id       VARCHAR NOT NULL
);

-- grain: one row per purge that removed anything (a build's retention purge, or a deletions
-- load); key: purge_id
CREATE TABLE purge_log (
    purge_id              VARCHAR PRIMARY KEY,
    purged_at             TIMESTAMPTZ NOT NULL,
    trigger               VARCHAR NOT NULL,   -- build | deletions
    retention_days        INTEGER,            -- the period in force (build purges)
    cutoff                TIMESTAMPTZ,        -- posts created before this were purged
    n_payloads            BIGINT NOT NULL,    -- post versions whose untouched record was cleared
    n_profiles            BIGINT NOT NULL,    -- post versions whose author profile was cleared
    n_quarantine_records  BIGINT NOT NULL,    -- quarantined records cleared
    n_deleted_versions    BIGINT NOT NULL,    -- stored versions of deleted posts removed
    run_id                VARCHAR             -- the deletions run, when trigger = 'deletions'
);
