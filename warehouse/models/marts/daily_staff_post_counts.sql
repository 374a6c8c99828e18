-- grain: one row per UK calendar day x platform x region x trust, staff and organisation posts
-- key: day, platform, region_code, trust_code
-- nullable: region_code, trust_code
-- The denominator of the guideline-flag rates: posts by professional and organisation
-- accounts (the posts the staff rules judge), flagged or not.
SELECT
    (created_at AT TIME ZONE 'Europe/London')::DATE AS day,
    platform,
    region_code,
    trust_code,
    count(*) AS n_posts
FROM intermediate.int_posts
WHERE author_role IN ('professional', 'organisation')
GROUP BY ALL
ORDER BY day
