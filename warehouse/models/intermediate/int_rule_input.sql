-- grain: one row per post as the guideline rules read it
-- key: platform, post_id
-- materialized: view
-- The input of the memoised rule engine (int_rule_hits). memo_key changes when the post's
-- stored version changes or its author's role does (staff-only rules depend on the role).
SELECT platform, post_id, author_role, text, payload_hash || ':' || author_role AS memo_key
FROM intermediate.int_posts
