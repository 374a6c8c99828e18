-- grain: one row per UK day the flagged post was made x platform x region x trust x rule
-- family x rule x severity (as judged under the trust's policy in force)
-- key: day, platform, region_code, trust_code, family, rule_id, severity
-- nullable: region_code, trust_code
-- The numerator of the guideline-flag rates: flags on staff and organisation posts only, so
-- that it matches the denominator in daily_staff_post_counts. n_flags counts automatic flags;
-- n_reviewed those with a review decision, n_confirmed those a reviewer confirmed or actioned
-- (their latest decision, as read from the review store by this build), n_dismissed the rest.
SELECT
    (created_at AT TIME ZONE 'Europe/London')::DATE AS day,
    platform,
    region_code,
    trust_code,
    family,
    rule_id,
    severity,
    count(*) AS n_flags,
    count(*) FILTER (WHERE status <> 'unreviewed') AS n_reviewed,
    count(*) FILTER (WHERE status IN ('confirmed', 'actioned')) AS n_confirmed,
    count(*) FILTER (WHERE status = 'dismissed') AS n_dismissed
FROM main.flag_reviews
WHERE author_role IN ('professional', 'organisation')
GROUP BY ALL
ORDER BY day
