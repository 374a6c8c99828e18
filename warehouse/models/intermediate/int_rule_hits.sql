-- grain: one row per (post, guideline rule) hit, before trusts' local policies apply
-- key: platform, post_id, rule_id
-- The rule engine (warehouse/rules, version in stg_rules.engine_version) is SQL generated from
-- the rule packs; staff-only rules see only professional and organisation posts. A changed
-- rule re-evaluates all history on the next build.
WITH posts_for_rules AS (
    SELECT platform, post_id, author_role, text FROM intermediate.int_posts
)
SELECT * FROM (
{{ guideline_flags }}
)
