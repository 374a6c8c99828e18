-- grain: one row per NHS trust or health board in the reference data
-- key: trust_code
-- fictional: an organisation the demo generator invented (never a real one's code or name).
SELECT
    t.trust_code,
    t.trust_name,
    t.region_code,
    r.region_name,
    t.icb_code,
    t.open_date,
    t.close_date,
    t.nation,
    t.fictional,
    coalesce(c.n_posts, 0) AS n_posts
FROM staging.stg_trusts t
LEFT JOIN staging.stg_regions r USING (region_code)
LEFT JOIN (
    SELECT trust_code, count(*) AS n_posts FROM intermediate.int_posts GROUP BY trust_code
) c USING (trust_code)
ORDER BY t.trust_code
