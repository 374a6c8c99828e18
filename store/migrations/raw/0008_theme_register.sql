-- The themes register (issue #19): what people decide about the generated themes of patient
-- questions (rename, merge, split), loaded by `python -m ingest themes PATH` (ingest/themes.py)
-- and applied by every build on top of the generated themes (warehouse/theme_register.py).
-- Versioned like the policy register: each load is the whole register, a new version; earlier
-- loads are kept (history) and the latest is in force.

-- grain: one row per register load; key: load_version
CREATE TABLE theme_register_loads (
    load_version INTEGER PRIMARY KEY,
    origin       VARCHAR NOT NULL,       -- file path
    loaded_at    TIMESTAMPTZ NOT NULL,
    n_entries    BIGINT NOT NULL,
    run_id       VARCHAR NOT NULL
);

-- grain: one row per load x entry; key: load_version, seq
-- action: rename (theme_id, label) | merge (themes, into_theme_id, label) | split (theme_id,
-- parts: JSON list of {label, terms}).
CREATE TABLE theme_register (
    load_version  INTEGER NOT NULL,
    seq           INTEGER NOT NULL,      -- the entry's place in the file (1, 2, ...)
    action        VARCHAR NOT NULL,
    theme_id      VARCHAR,
    themes        VARCHAR[],
    into_theme_id VARCHAR,
    label         VARCHAR,
    parts         VARCHAR,
    origin_line   BIGINT NOT NULL,
    PRIMARY KEY (load_version, seq)
);

-- The register in force: the entries of the latest load (none before the first load).
CREATE VIEW theme_register_current AS
SELECT r.* FROM theme_register r
WHERE r.load_version = (SELECT max(load_version) FROM theme_register_loads);
