-- grain: one row per ingest run (copied so the dashboard can show data health)
-- key: run_id
SELECT run_id, command, source, origin, started_at, finished_at, status,
       n_read, n_new, n_changed, n_duplicate, n_quarantined, error
FROM raw.ingest_runs
ORDER BY started_at
