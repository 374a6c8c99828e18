-- grain: one row per (post, guideline rule) flag, judged under the trust's local policy in
-- force on the post's UK day
-- key: platform, post_id, rule_id
-- A policy can disable a rule or change its severity (rule_overrides); a post with no trust,
-- or a trust with no policy in force, is judged by the national rule packs alone. Local-policy
-- rules (int_policy_rule_hits) exist only where a policy in force switched them on.
-- Each flag cites the clause in force on the post's UK day: the first of its rule's clause
-- families (stg_rule_clauses, by preference) with an edition in force then (stg_clauses, from
-- warehouse/rules/clauses.csv; [effective_from, effective_to), NULL = open). A post older than
-- every edition of its rule's families cites none (clause_id NULL).
WITH hits AS (
    SELECT * FROM intermediate.int_rule_hits
),
posts AS (
    SELECT platform, post_id, created_at, author_role, trust_code, region_code
    FROM intermediate.int_posts
),
policies AS (
    SELECT trust_code, policy_version, effective_from, effective_to,
           from_json(rule_overrides, '[{"rule_id": "VARCHAR", "action": "VARCHAR", "severity": "VARCHAR"}]') AS overrides
    FROM raw.trust_policies_current
),
judged AS (
    SELECT
        h.platform, h.post_id, h.rule_id, h.family, h.severity AS rule_severity, h.evidence,
        p.created_at, p.author_role, p.trust_code, p.region_code,
        pol.policy_version,
        list_filter(coalesce(pol.overrides, []), lambda o: o.rule_id = h.rule_id) AS own
    FROM hits h
    JOIN posts p USING (platform, post_id)
    LEFT JOIN policies pol
      ON pol.trust_code = p.trust_code
     AND pol.effective_from <= (p.created_at AT TIME ZONE 'Europe/London')::DATE
     AND (pol.effective_to IS NULL OR (p.created_at AT TIME ZONE 'Europe/London')::DATE < pol.effective_to)
    UNION ALL
    -- local-policy rules: already judged under the policy in force (int_policy_rule_hits)
    SELECT
        h.platform, h.post_id, h.rule_id, h.family, h.severity, h.evidence,
        p.created_at, p.author_role, p.trust_code, p.region_code,
        h.policy_version,
        list_filter(coalesce(pol.overrides, []), lambda o: o.rule_id = h.rule_id) AS own
    FROM intermediate.int_policy_rule_hits h
    JOIN posts p USING (platform, post_id)
    JOIN policies pol ON pol.trust_code = p.trust_code AND pol.policy_version = h.policy_version
),
cited AS (
    SELECT j.*, c.clause_id, c.clause_family, c.edition, c.clause_number, c.citation, c.url,
           c.effective_from AS clause_from, c.effective_to AS clause_to, c.verified
    FROM judged j
    LEFT JOIN (SELECT rc.rule_id AS clause_rule_id, rc.preference, c.* FROM staging.stg_rule_clauses rc
               JOIN staging.stg_clauses c USING (clause_family)) c
      ON c.clause_rule_id = j.rule_id
     AND coalesce(c.effective_from, DATE '1900-01-01') <= (j.created_at AT TIME ZONE 'Europe/London')::DATE
     AND (c.effective_to IS NULL OR (j.created_at AT TIME ZONE 'Europe/London')::DATE < c.effective_to)
    QUALIFY row_number() OVER (PARTITION BY j.platform, j.post_id, j.rule_id ORDER BY c.preference NULLS LAST) = 1
)
SELECT
    j.platform,
    j.post_id,
    j.rule_id,
    j.family,
    coalesce(list_filter(j.own, lambda o: o.action = 'severity')[1].severity, j.rule_severity) AS severity,
    j.evidence,
    j.clause_id,
    j.citation AS clause,
    j.url AS clause_url,
    j.author_role,
    j.trust_code,
    j.region_code,
    j.policy_version,
    j.created_at,
    r.engine_version,
    j.clause_family,
    j.edition AS clause_edition,
    j.clause_number,
    j.clause_from AS clause_effective_from,
    j.clause_to AS clause_effective_to,
    j.verified AS clause_verified
FROM cited j
JOIN staging.stg_rules r USING (rule_id)
WHERE NOT list_contains(list_transform(j.own, lambda o: o.action), 'disable')
ORDER BY j.created_at
