-- grain: one row per version of a trust's local social-media policy in the register in force
-- key: trust_code, policy_version
-- A version is in force from effective_from up to but not including effective_to (NULL: still
-- in force), judged on UK days. rule_overrides is the policy's JSON list of
-- {rule_id, action, severity}; n_rule_overrides counts them. staffed_hours NULL means the
-- default Mon-Fri 08:00-18:00. Loaded by `python -m ingest policies`.
SELECT
    p.trust_code,
    p.policy_version,
    p.effective_from,
    p.effective_to,
    p.personal_use_in_working_hours,
    p.patient_engagement,
    p.disclaimer_required,
    p.approved_accounts_only,
    p.response_target_hours,
    p.staffed_hours,
    p.rule_overrides,
    json_array_length(p.rule_overrides)::BIGINT AS n_rule_overrides,
    p.document_url,
    p.load_version,
    p.loaded_at
FROM raw.trust_policies_current p
ORDER BY p.trust_code, p.effective_from
