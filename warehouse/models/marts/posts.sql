-- grain: one row per post (post, reply or comment) on one platform
-- key: platform, post_id
-- Sorted by time so that date filters skip whole row groups.
SELECT
    platform,
    post_id,
    parent_id,
    thread_id,
    author_key,
    author_role,
    account_title,
    created_at,
    text,
    url,
    source,
    trust_code,
    region_code,
    attribution,
    source = 'demo' AS is_demo
FROM intermediate.int_posts
ORDER BY created_at
