-- grain: one row per patient-question episode (a member of the public's question and their
-- follow-ups until a professional or organisation account answers in the thread)
-- key: platform, post_id
-- Unanswered episodes are kept: answered_at, answered_by_post_id and the response times are
-- null, and duration_seconds runs to the data's end time (censored), for Kaplan-Meier.
-- response_target_hours is the target of the trust's local policy in force when the question
-- was asked (calendar hours; null: no policy or no target). within_target is true when it was
-- answered within the target, false when answered later or still unanswered after it, and
-- null while an unanswered question's target has not yet passed (or there is no target).
-- The answer's enabling practice (warehouse/rules/enabling.py) is kept as evidence spans:
-- answer_signposting (to nhs.uk, gov.uk, NHS 111, the GP...) and answer_compassion.
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
    epoch(e.first_unknown_reply_at - e.asked_at) AS unknown_reply_seconds,
    s.policy_version,
    s.response_target_hours,
    CASE
        WHEN s.response_target_hours IS NULL THEN NULL
        WHEN e.answered_at IS NOT NULL THEN epoch(e.answered_at - e.asked_at) <= s.response_target_hours * 3600
        WHEN epoch(e.data_end_at - e.asked_at) > s.response_target_hours * 3600 THEN false
    END AS within_target,
    radsome_no_handles(p.signposting_evidence) AS answer_signposting,  -- spans of the answer,
    radsome_no_handles(p.compassion_evidence) AS answer_compassion     -- handles hidden
FROM intermediate.int_episodes e
JOIN intermediate.int_episode_service_times s USING (platform, post_id)
LEFT JOIN intermediate.int_answer_practice p USING (platform, post_id)
ORDER BY e.asked_at
