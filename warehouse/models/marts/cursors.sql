-- grain: one row per (source, cursor key): where each connector source will continue from
-- key: source, cursor_key
SELECT source, cursor_key, value, run_id, updated_at
FROM raw.cursors
ORDER BY source, cursor_key
