-- grain: one row per patient-question episode: a question by a member of the public plus
-- that author's follow-ups in the thread before a professional or organisation answers
-- key: platform, post_id
-- post_id is the episode's first question. Whose question a reply answers: a reply by a
-- professional or organisation account answers the person it replies to. Its *addressee* is
-- the first post up its parent chain not written by a professional or organisation (so a
-- colleague's reply to a reply still answers the patient); it answers that person's
-- questions asked before it, never another patient's in the same thread. The scope: anywhere
-- in the thread when the asker started it (an X conversation, a Reddit submission, a
-- customer-care exchange), else only in the asker's branch (a Facebook comment and its
-- replies, a Reddit comment's sub-tree), so that the page answering one comment does not
-- answer that person's questions under other comments. A reply that replies to no stored
-- post (its parent is missing, or the platform gave only a thread id) is matched as it
-- always was: in the question's branch, or anywhere in the thread the asker started.
--
-- A reply stamped before the post it replies to (an edit, clock skew) counts from that post's
-- time: it answers it after 0 s and answer_stamped_early is true (a data-quality figure on
-- Data health), rather than leaving the question open for ever.
--
-- Automatic replies (intermediate.int_automatic_replies: registry-flagged accounts, platform
-- bots, templates, replies faster than anyone can type) never stop the clock: the first one
-- the asker got before the answer is kept as acknowledged_at, with its reason.
--
-- Episodes: the questions of one asker, in one scope, that the same answer (or no answer yet)
-- ends. A reply of unknown authorship never stops the clock (see ingest/sources); its time is
-- kept as first_unknown_reply_at. Unanswered episodes are censored at the data's end time
-- (the newest post), never dropped.
WITH RECURSIVE posts AS (
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
scoped_questions AS (
    -- '' : the whole thread (the asker started it); else the asker's branch
    SELECT *, CASE WHEN is_root THEN '' ELSE branch_id END AS scope FROM questions
),
staff_replies AS (
    SELECT p.platform, p.post_id, p.parent_id, p.thread_id, p.branch_id, p.created_at,
           p.author_role, a.post_id IS NOT NULL AS automatic, a.reason AS automatic_reason
    FROM posts p
    LEFT JOIN intermediate.int_automatic_replies a USING (platform, post_id)
    WHERE p.author_role IN ('professional', 'organisation') AND p.post_id <> p.thread_id
),
walk AS (
    -- up each staff reply's parent chain, past other staff posts
    SELECT platform, post_id, parent_id AS node, 0 AS depth
    FROM staff_replies
    WHERE parent_id IS NOT NULL
    UNION ALL
    SELECT w.platform, w.post_id, p.parent_id, w.depth + 1
    FROM walk w
    JOIN posts p ON p.platform = w.platform AND p.post_id = w.node
    WHERE p.author_role IN ('professional', 'organisation') AND p.parent_id IS NOT NULL AND w.depth < 100
),
reached AS (
    -- the end of the walk: a post by someone else (the addressee), a staff thread root, or a
    -- post that is not stored
    SELECT platform, post_id, node
    FROM walk
    QUALIFY row_number() OVER (PARTITION BY platform, post_id ORDER BY depth DESC) = 1
),
replies AS (
    SELECT s.platform, s.thread_id, s.post_id AS reply_post_id, s.author_role AS reply_role,
           s.automatic, s.automatic_reason,
           coalesce(t.author_key, '*') AS addressee_key,  -- '*': replies to no stored post
           coalesce(t.branch_id, s.branch_id) AS addressee_branch,
           greatest(s.created_at, coalesce(t.created_at, s.created_at)) AS effective_at,
           coalesce(s.created_at < t.created_at, false) AS stamped_early
    FROM staff_replies s
    LEFT JOIN reached r USING (platform, post_id)
    LEFT JOIN posts t ON t.platform = r.platform AND t.post_id = r.node
    -- a reply whose chain ends at a staff post (talk among staff under an announcement)
    -- answers nobody
    WHERE t.post_id IS NULL OR t.author_role NOT IN ('professional', 'organisation')
),
scoped_replies AS (
    -- each reply serves the askers who started the thread ('') and the askers of its branch
    SELECT *, '' AS scope FROM replies
    UNION ALL
    SELECT *, addressee_branch AS scope FROM replies
),
addressed AS (
    SELECT * FROM scoped_replies WHERE addressee_key <> '*'
),
unaddressed AS (
    SELECT * FROM scoped_replies WHERE addressee_key = '*'
),
candidates AS (
    -- per question and kind (answer / acknowledgement): the first reply to its asker, and the
    -- first reply to no stored post, in its scope
    SELECT q.platform, q.post_id, a.automatic, a.reply_post_id, a.reply_role, a.automatic_reason,
           a.effective_at, a.stamped_early
    FROM scoped_questions q
    ASOF JOIN (SELECT * FROM addressed WHERE NOT automatic) a
      ON a.platform = q.platform AND a.thread_id = q.thread_id AND a.addressee_key = q.author_key
     AND a.scope = q.scope AND a.effective_at >= q.created_at
    UNION ALL
    SELECT q.platform, q.post_id, a.automatic, a.reply_post_id, a.reply_role, a.automatic_reason,
           a.effective_at, a.stamped_early
    FROM scoped_questions q
    ASOF JOIN (SELECT * FROM unaddressed WHERE NOT automatic) a
      ON a.platform = q.platform AND a.thread_id = q.thread_id AND a.scope = q.scope
     AND a.effective_at > q.created_at
    UNION ALL
    SELECT q.platform, q.post_id, a.automatic, a.reply_post_id, a.reply_role, a.automatic_reason,
           a.effective_at, a.stamped_early
    FROM scoped_questions q
    ASOF JOIN (SELECT * FROM addressed WHERE automatic) a
      ON a.platform = q.platform AND a.thread_id = q.thread_id AND a.addressee_key = q.author_key
     AND a.scope = q.scope AND a.effective_at >= q.created_at
    UNION ALL
    SELECT q.platform, q.post_id, a.automatic, a.reply_post_id, a.reply_role, a.automatic_reason,
           a.effective_at, a.stamped_early
    FROM scoped_questions q
    ASOF JOIN (SELECT * FROM unaddressed WHERE automatic) a
      ON a.platform = q.platform AND a.thread_id = q.thread_id AND a.scope = q.scope
     AND a.effective_at > q.created_at
),
firsts AS (
    SELECT *
    FROM candidates
    QUALIFY row_number() OVER (PARTITION BY platform, post_id, automatic
                               ORDER BY effective_at, reply_post_id) = 1
),
answered AS (
    SELECT q.*,
           a.reply_post_id AS answer_post_id, a.reply_role AS answer_role, a.effective_at AS answered_at,
           a.stamped_early AS answer_stamped_early,
           k.effective_at AS acknowledged_at, k.automatic_reason AS acknowledgement_reason,
           k.reply_post_id AS acknowledgement_post_id
    FROM scoped_questions q
    LEFT JOIN firsts a ON a.platform = q.platform AND a.post_id = q.post_id AND NOT a.automatic
    LEFT JOIN firsts k ON k.platform = q.platform AND k.post_id = q.post_id AND k.automatic
),
episodes AS (
    -- questions by one author in one scope that the same answer (or no answer yet) ends form
    -- one episode; an acknowledgement counts when it came before the answer
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
        any_value(answered_at) AS answered_at,
        coalesce(any_value(answer_stamped_early), false) AS answer_stamped_early,
        min(acknowledged_at) FILTER (WHERE answered_at IS NULL OR acknowledged_at <= answered_at)
            AS acknowledged_at,
        arg_min(acknowledgement_reason, acknowledged_at)
            FILTER (WHERE answered_at IS NULL OR acknowledged_at <= answered_at) AS acknowledgement_reason,
        arg_min(acknowledgement_post_id, acknowledged_at)
            FILTER (WHERE answered_at IS NULL OR acknowledged_at <= answered_at) AS acknowledged_by_post_id,
        any_value(scope) AS scope
    FROM answered
    GROUP BY platform, thread_id, author_key, scope, answer_post_id
),
unknown_replies AS (
    SELECT platform, thread_id, branch_id, author_key, created_at AS unknown_reply_at
    FROM posts
    WHERE author_role = 'unknown' AND parent_id IS NOT NULL
),
data_end AS (
    SELECT data_end_at FROM staging.stg_data_end
)
SELECT
    e.* EXCLUDE (scope),
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
