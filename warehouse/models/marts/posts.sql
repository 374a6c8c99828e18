-- grain: one row per post (post, reply or comment) on one platform
-- key: platform, post_id
-- Sorted by time so that date filters skip whole row groups. author_n numbers the authors
-- 1, 2, 3 ... so that "distinct accounts in a period" is an exact bitmap count
-- (queries.headline) instead of a hash of every key: ~50 ms instead of ~300 ms for a year of
-- 10 M posts. Numbered by first appearance (the author's first post's created_at, then
-- author_key), so that authors who first post after every other author take the next
-- numbers and a delta (warehouse/delta.py) can number them as a full build would.
WITH authors AS (
    SELECT author_key, row_number() OVER (ORDER BY first_at, author_key)::INTEGER AS author_n
    FROM (SELECT author_key, min(created_at) AS first_at FROM intermediate.int_posts GROUP BY author_key)
)
SELECT
    p.platform,
    p.post_id,
    p.parent_id,
    p.thread_id,
    p.parent_missing,
    p.author_key,
    a.author_n,
    p.author_role,
    p.role_source,
    p.role_confidence,
    p.role_evidence,
    p.account_title,
    p.created_at,
    radsome_no_handles(p.text) AS text,  -- @mentions, profile links and DIDs hidden (warehouse/handles.py)
    p.url,
    p.source,
    p.trust_code,
    p.region_code,
    p.attribution,
    coalesce(q.is_question, false) AS is_question,
    q.question_cues,
    q.topic,
    p.is_demo  -- landed by the demo generator's run (staging.stg_posts), not read from the data
FROM intermediate.int_posts p
JOIN authors a USING (author_key)
LEFT JOIN intermediate.int_questions q USING (platform, post_id)
ORDER BY p.created_at
