-- grain: one row per UK day the flagged post was made x platform x region x trust x rule
-- family x rule x severity (as judged under the trust's policy in force)
-- key: day, platform, region_code, trust_code, family, rule_id, severity
-- nullable: region_code, trust_code
-- The numerator of the guideline-flag rates: automatic flags (not reviews) on staff and
-- organisation posts only, so that it matches the denominator in daily_staff_post_counts.
SELECT
    (created_at AT TIME ZONE 'Europe/London')::DATE AS day,
    platform,
    region_code,
    trust_code,
    family,
    rule_id,
    severity,
    count(*) AS n_flags
FROM main.flags
WHERE author_role IN ('professional', 'organisation')
GROUP BY ALL
ORDER BY day
