-- Connectors (issue #5): what a run could not fetch, and what each fetch cost.

-- grain: one row per gap a connector run recorded; key: run_id, source, seq
-- A gap is a part of a source's coverage a run could not fetch (rate limit beyond the
-- longest wait, a server error that did not clear, the run's post budget reached). The
-- cursor stays where the last committed page left it, so the next run continues from there.
CREATE TABLE coverage_gaps (
    run_id      VARCHAR NOT NULL,
    source      VARCHAR NOT NULL,
    seq         INTEGER NOT NULL,
    cursor_at   VARCHAR,            -- the cursor (JSON) the gap starts from
    reason      VARCHAR NOT NULL,
    noted_at    TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (run_id, source, seq)
);

-- grain: one row per connector run and source; key: run_id
-- Posts fetched from the platform by a run (what quota-limited APIs such as X bill for),
-- kept apart from n_read (records landed) so that the month's spend can be shown.
CREATE TABLE connector_fetches (
    run_id      VARCHAR PRIMARY KEY,
    source      VARCHAR NOT NULL,
    connector   VARCHAR NOT NULL,
    fetched     BIGINT NOT NULL,
    pages       BIGINT NOT NULL,
    fetched_at  TIMESTAMPTZ NOT NULL
);
