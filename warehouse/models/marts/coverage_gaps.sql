-- grain: one row per coverage gap a connector run recorded (retries gave up, budget reached)
-- key: run_id, source, seq
SELECT run_id, source, seq, cursor_at, reason, noted_at
FROM raw.coverage_gaps
ORDER BY noted_at
