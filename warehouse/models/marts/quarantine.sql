-- grain: one row per quarantined (record, field): what could not be imported, and why
-- key: origin, origin_line, field, record_hash
-- nullable: origin_line
-- The record itself stays in the raw store: it may hold personal data that failed checks.
SELECT run_id, source, origin, origin_line, field, reason, record_hash, quarantined_at
FROM raw.quarantine
ORDER BY quarantined_at
