-- grain: one row per connector run: posts fetched from the platform (what quotas count)
-- key: run_id
SELECT f.run_id, f.source, f.connector, f.fetched, f.pages, f.fetched_at,
       date_trunc('month', f.fetched_at AT TIME ZONE 'UTC')::DATE AS month
FROM raw.connector_fetches f
ORDER BY f.fetched_at
