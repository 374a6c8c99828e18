-- grain: one row per (post, local-policy rule) hit, under the trust's policy in force on the
-- post's UK day
-- key: platform, post_id, rule_id
-- Local-policy rules (warehouse/rules/local.py) are off nationally and on where the policy in
-- force has their clause or an {action: enable} override; disable and severity overrides are
-- applied with every other rule's in marts/flags. They judge individual staff accounts
-- (author_role 'professional'; organisation accounts are the trust's official voice) by their
-- own trust's policy.
-- POLICY-DISCLAIMER: the account's profile (author_bio, when the platform gave one) has no
-- personal-views disclaimer; one hit per account x policy version, on its first post.
-- POLICY-ENGAGEMENT: the post is the answer that stopped a patient question's clock.
WITH policies AS (
    SELECT trust_code, policy_version, effective_from, effective_to, disclaimer_required,
           patient_engagement, approved_accounts_only,
           list_transform(
               list_filter(from_json(rule_overrides, '[{"rule_id": "VARCHAR", "action": "VARCHAR"}]'),
                           lambda o: o.action = 'enable'),
               lambda o: o.rule_id) AS enabled
    FROM raw.trust_policies_current
),
staff AS (
    SELECT p.platform, p.post_id, p.author_key, p.created_at, p.trust_code, s.author_bio,
           pol.policy_version,
           pol.disclaimer_required OR list_contains(pol.enabled, 'POLICY-DISCLAIMER') AS disclaimer_on,
           pol.patient_engagement = 'discouraged' OR pol.approved_accounts_only
               OR list_contains(pol.enabled, 'POLICY-ENGAGEMENT') AS engagement_on,
           pol.approved_accounts_only
    FROM intermediate.int_posts p
    JOIN staging.stg_posts s USING (platform, post_id)
    JOIN policies pol
      ON pol.trust_code = p.trust_code
     AND pol.effective_from <= (p.created_at AT TIME ZONE 'Europe/London')::DATE
     AND (pol.effective_to IS NULL OR (p.created_at AT TIME ZONE 'Europe/London')::DATE < pol.effective_to)
    WHERE p.author_role = 'professional'
),
no_disclaimer AS (
    SELECT platform, post_id, 'POLICY-DISCLAIMER' AS rule_id,
           'no "views my own" disclaimer in the profile (' || n_posts || ' post'
               || CASE WHEN n_posts = 1 THEN '' ELSE 's' END || ' under policy ' || policy_version || ')'
               AS evidence,
           policy_version
    FROM (
        SELECT *, count(*) OVER (PARTITION BY platform, author_key, trust_code, policy_version) AS n_posts
        FROM staff
        WHERE disclaimer_on AND author_bio IS NOT NULL
          AND NOT regexp_matches(author_bio, {{ disclaimer_pattern }})
        QUALIFY row_number() OVER (PARTITION BY platform, author_key, trust_code, policy_version
                                   ORDER BY created_at, post_id) = 1
    )
),
engaged AS (
    SELECT s.platform, s.post_id, 'POLICY-ENGAGEMENT' AS rule_id,
           'answered a patient question from a personal staff account (policy ' || s.policy_version || ': '
               || CASE WHEN s.approved_accounts_only THEN 'approved accounts only'
                       ELSE 'patient engagement discouraged' END || ')' AS evidence,
           s.policy_version
    FROM staff s
    WHERE s.engagement_on
      AND EXISTS (SELECT 1 FROM intermediate.int_episodes e
                  WHERE e.platform = s.platform AND e.answered_by_post_id = s.post_id)
)
SELECT h.platform, h.post_id, h.rule_id, r.family, r.severity, h.evidence, h.policy_version
FROM (SELECT * FROM no_disclaimer UNION ALL SELECT * FROM engaged) h
JOIN staging.stg_rules r USING (rule_id)
