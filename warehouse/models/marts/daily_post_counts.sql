-- grain: one row per UK calendar day x platform x region x trust x author role
-- key: day, platform, region_code, trust_code, author_role
-- nullable: region_code, trust_code
-- The pre-aggregate behind the time-series and region/trust charts: a chart never reads
-- raw posts. Days are UK local days (Europe/London), as a manager counts them.
SELECT
    (created_at AT TIME ZONE 'Europe/London')::DATE AS day,
    platform,
    region_code,
    trust_code,
    author_role,
    count(*) AS n_posts
FROM intermediate.int_posts
GROUP BY ALL
ORDER BY day
