-- grain: one row per post (post, reply or comment) on one platform
-- key: platform, post_id
-- Sorted by time so that date filters skip whole row groups.
SELECT
    p.platform,
    p.post_id,
    p.parent_id,
    p.thread_id,
    p.parent_missing,
    p.author_key,
    p.author_role,
    p.role_source,
    p.role_confidence,
    p.role_evidence,
    p.account_title,
    p.created_at,
    p.text,
    p.url,
    p.source,
    p.trust_code,
    p.region_code,
    p.attribution,
    coalesce(q.is_question, false) AS is_question,
    q.question_cues,
    q.topic,
    p.source = 'demo' AS is_demo
FROM intermediate.int_posts p
LEFT JOIN intermediate.int_questions q USING (platform, post_id)
ORDER BY p.created_at
