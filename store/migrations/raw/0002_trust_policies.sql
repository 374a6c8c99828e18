-- Trusts' local social-media policies (DESIGN.md "Guideline flag"), versioned with effective
-- dates. Loaded by `python -m ingest policies PATH`; not yet used by the build.

-- grain: one row per policy load; key: load_version
CREATE TABLE trust_policy_loads (
    load_version INTEGER PRIMARY KEY,
    origin       VARCHAR NOT NULL,       -- file path
    loaded_at    TIMESTAMPTZ NOT NULL,
    n_trusts     BIGINT NOT NULL,
    n_policies   BIGINT NOT NULL,
    trust_codes  VARCHAR[] NOT NULL,     -- the trusts whose register this load replaces
    run_id       VARCHAR NOT NULL
);

-- grain: one row per load × trust × policy version; key: load_version, trust_code, policy_version.
-- A load replaces the register of the trusts it names; earlier loads stay (history).
-- Effective period: effective_from <= day < effective_to (effective_to NULL = still in force).
CREATE TABLE trust_policies (
    load_version                  INTEGER NOT NULL,
    trust_code                    VARCHAR NOT NULL,
    policy_version                VARCHAR NOT NULL,
    effective_from                DATE NOT NULL,
    effective_to                  DATE,
    personal_use_in_working_hours VARCHAR NOT NULL,  -- permitted | not_permitted
    patient_engagement            VARCHAR NOT NULL,  -- encouraged | permitted | discouraged
    disclaimer_required           BOOLEAN NOT NULL,
    approved_accounts_only        BOOLEAN NOT NULL,
    response_target_hours         DOUBLE,
    staffed_hours                 VARCHAR,           -- schedule text; NULL = Mon-Fri 08:00-18:00
    rule_overrides                VARCHAR NOT NULL,  -- JSON list of {rule_id, action, severity}
    document_url                  VARCHAR,
    origin                        VARCHAR NOT NULL,
    origin_line                   BIGINT,
    loaded_at                     TIMESTAMPTZ NOT NULL,
    run_id                        VARCHAR NOT NULL
);

-- The register in force: for each trust, the versions from the latest load that named it.
CREATE VIEW trust_policies_current AS
SELECT p.* FROM trust_policies p
WHERE p.load_version = (SELECT max(q.load_version) FROM trust_policies q WHERE q.trust_code = p.trust_code);
