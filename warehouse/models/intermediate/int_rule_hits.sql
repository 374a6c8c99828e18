-- grain: one row per (post, guideline rule) hit, before trusts' local policies apply
-- key: platform, post_id, rule_id
-- The rule engine (warehouse/rules, version in stg_rules.engine_version) is SQL generated from
-- the rule packs; staff-only rules see only professional and organisation posts. A changed
-- rule re-evaluates all history on the next build.
-- memo: intermediate.int_rule_input
-- Memoised: memo_todo holds only the posts the previous build did not evaluate under the same
-- rules (new, changed, or a changed author role); the build adds the previous build's hits for
-- the others (warehouse/build.py, "Memoised models").
WITH posts_for_rules AS (
    SELECT platform, post_id, author_role, text FROM memo_todo
)
-- The evidence span is published (flags, and the memo schema): handles in it are hidden
-- (warehouse/handles.py).
SELECT * REPLACE (radsome_no_handles(evidence) AS evidence) FROM (
{{ guideline_flags }}
)
