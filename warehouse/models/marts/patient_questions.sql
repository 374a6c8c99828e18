-- grain: one row per patient-question episode (a member of the public's question and their
-- follow-ups until a professional or organisation account answers in the thread)
-- key: platform, post_id
-- Unanswered episodes are kept: answered_at, answered_by_post_id and the response times are
-- null, and duration_seconds runs to the data's end time (censored), for Kaplan-Meier.
SELECT
    e.platform,
    e.post_id,
    e.thread_id,
    e.author_key,
    e.trust_code,
    e.region_code,
    e.topic,
    e.asked_at,
    e.answered_at,
    e.answered_by_post_id,
    e.answered_by_role,
    epoch(e.answered_at - e.asked_at) AS response_seconds,
    s.service_response_seconds,
    e.answered_at IS NOT NULL AS is_answered,
    epoch(coalesce(e.answered_at, e.data_end_at) - e.asked_at) AS duration_seconds,
    s.service_duration_seconds,
    s.service_day_seconds,
    e.data_end_at AS censored_at,
    e.n_questions,
    e.n_followups,
    e.first_unknown_reply_at,
    epoch(e.first_unknown_reply_at - e.asked_at) AS unknown_reply_seconds
FROM intermediate.int_episodes e
JOIN intermediate.int_episode_service_times s USING (platform, post_id)
ORDER BY e.asked_at
