-- grain: one row per flag with its latest review
-- key: platform, post_id, rule_id
-- Every flag, reviewed or not; review decisions come from the operational store
-- (reviews.sqlite, read by the build). The latest decision (highest id) is current.
WITH decisions AS (
    SELECT *,
           row_number() OVER (PARTITION BY platform, post_id, rule_id ORDER BY id DESC) AS newest,
           count(*) OVER (PARTITION BY platform, post_id, rule_id) AS n_decisions
    FROM staging.stg_review_decisions
)
SELECT
    f.platform,
    f.post_id,
    f.rule_id,
    f.family,
    f.severity,
    f.evidence,
    f.clause_id,
    f.clause,
    f.clause_url,
    f.author_role,
    f.trust_code,
    f.region_code,
    f.created_at,
    coalesce(d.decision, 'unreviewed') AS status,
    d.decision,
    d.reviewer,
    d.decided_at,
    d.note,
    coalesce(d.n_decisions, 0) AS n_decisions
FROM main.flags f
LEFT JOIN decisions d
  ON d.platform = f.platform AND d.post_id = f.post_id AND d.rule_id = f.rule_id AND d.newest = 1
ORDER BY f.created_at
