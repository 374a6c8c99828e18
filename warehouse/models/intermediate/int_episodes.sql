-- grain: one row per patient-question episode: a question by a member of the public plus
-- that author's follow-ups in the thread before a professional or organisation answers
-- key: platform, post_id
-- post_id is the episode's first question. The clock stops at the first reply in the same
-- thread, after the question, by a professional or organisation account: anywhere in the
-- thread when the asker started the thread (an X conversation, a Reddit submission, a
-- customer-care exchange), else in the question's branch (a Facebook comment and its replies, a Reddit comment's
-- sub-tree), so that the page answering one comment does not answer every other comment
-- on the same post. A reply of unknown
-- authorship never stops it (see ingest/sources); its time is kept as first_unknown_reply_at.
-- Unanswered episodes are censored at the data's end time (the newest post), never dropped.
WITH posts AS (
    SELECT * FROM intermediate.int_posts
),
classified AS (
    SELECT p.platform, p.post_id, p.thread_id, p.branch_id, p.author_key, p.created_at, p.trust_code,
           p.region_code, q.is_question, q.asks, q.topic, list_contains(q.question_cues, 'retweet') AS is_retweet
    FROM posts p
    JOIN intermediate.int_questions q USING (platform, post_id)
),
asked AS (  -- where and since when each author asked a patient question, and on which topic
    SELECT platform, thread_id, author_key, min(created_at) AS first_asked_at,
           arg_min(topic, created_at) AS first_topic
    FROM classified
    WHERE is_question AND NOT is_retweet
    GROUP BY ALL
),
questions AS (
    SELECT c.platform, c.post_id, c.thread_id, c.branch_id,
           c.post_id = c.thread_id OR root.author_key = c.author_key AS is_root,
           c.author_key, c.created_at, c.trust_code, c.region_code, coalesce(c.topic, a.first_topic) AS topic
    FROM classified c
    LEFT JOIN asked a USING (platform, thread_id, author_key)
    LEFT JOIN posts root ON root.platform = c.platform AND root.post_id = c.thread_id
    -- A retweet of a question is not its retweeter asking. A post that asks, by someone who
    -- asked a patient question earlier in the thread, asks in that conversation ("also, can
    -- I bring music?" after a question about the MRI) even if its words alone do not say
    -- health care.
    WHERE NOT c.is_retweet AND (c.is_question OR (c.asks AND c.created_at > a.first_asked_at))
),
answers AS (
    SELECT platform, thread_id, branch_id, post_id AS answer_post_id, author_role AS answer_role,
           created_at AS answered_at
    FROM posts
    WHERE author_role IN ('professional', 'organisation')
),
unknown_replies AS (
    SELECT platform, thread_id, branch_id, author_key, created_at AS unknown_reply_at
    FROM posts
    WHERE author_role = 'unknown' AND parent_id IS NOT NULL
),
in_thread AS (
    SELECT q.platform, q.post_id, a.answer_post_id, a.answer_role, a.answered_at
    FROM questions q
    ASOF LEFT JOIN answers a
      ON a.platform = q.platform AND a.thread_id = q.thread_id AND a.answered_at > q.created_at
),
in_branch AS (
    SELECT q.platform, q.post_id, a.answer_post_id, a.answer_role, a.answered_at
    FROM questions q
    ASOF LEFT JOIN answers a
      ON a.platform = q.platform AND a.thread_id = q.thread_id AND a.branch_id = q.branch_id
     AND a.answered_at > q.created_at
),
answered AS (
    SELECT q.*,
           CASE WHEN q.is_root THEN t.answer_post_id ELSE b.answer_post_id END AS answer_post_id,
           CASE WHEN q.is_root THEN t.answer_role ELSE b.answer_role END AS answer_role,
           CASE WHEN q.is_root THEN t.answered_at ELSE b.answered_at END AS answered_at
    FROM questions q
    JOIN in_thread t USING (platform, post_id)
    JOIN in_branch b USING (platform, post_id)
),
episodes AS (
    -- questions by one author in one thread that the same answer (or no answer yet) ends
    -- form one episode
    SELECT
        platform,
        arg_min(post_id, created_at) AS post_id,
        thread_id,
        arg_min(branch_id, created_at) AS branch_id,
        bool_or(is_root) AS is_root,  -- the asker started the thread
        author_key,
        min(created_at) AS asked_at,
        arg_min(topic, created_at) AS topic,
        arg_min(trust_code, created_at) AS trust_code,
        arg_min(region_code, created_at) AS region_code,
        count(*) AS n_questions,
        any_value(answer_post_id) AS answered_by_post_id,
        any_value(answer_role) AS answered_by_role,
        any_value(answered_at) AS answered_at
    FROM answered
    GROUP BY platform, thread_id, author_key, answer_post_id
),
data_end AS (
    SELECT max(created_at) AS data_end_at FROM posts
)
SELECT
    e.*,
    (SELECT count(*) FROM posts f
      WHERE f.platform = e.platform AND f.thread_id = e.thread_id AND f.author_key = e.author_key
        AND f.created_at > e.asked_at
        AND (e.answered_at IS NULL OR f.created_at < e.answered_at)) AS n_followups,
    (SELECT min(u.unknown_reply_at) FROM unknown_replies u
      WHERE u.platform = e.platform AND u.thread_id = e.thread_id AND u.author_key <> e.author_key
        AND (e.is_root OR u.branch_id = e.branch_id)
        AND u.unknown_reply_at > e.asked_at
        AND u.unknown_reply_at < coalesce(e.answered_at, 'infinity'::TIMESTAMPTZ)) AS first_unknown_reply_at,
    d.data_end_at
FROM episodes e, data_end d
