-- grain: one row per patient-question episode (a member of the public's question and their
-- follow-ups until a professional or organisation account answers them; whose question a
-- reply answers: intermediate/int_episodes.sql)
-- key: platform, post_id
-- An automatic reply (intermediate/int_automatic_replies.sql) acknowledges without answering:
-- acknowledged_at is the first the asker got before any answer, with acknowledgement_reason
-- (registry | platform | template | too_fast); the clock runs on to the real answer.
-- answer_stamped_early: the answering reply was stamped before the post it replies to (an
-- edit, clock skew); the episode is answered after 0 s from that post (a data-quality figure).
-- staffed_hours is the schedule service times were counted on (NULL: the default Mon-Fri
-- 08:00-18:00), service_day_seconds the length of one of its staffed days.
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
    e.answer_stamped_early,
    e.acknowledged_at,
    e.acknowledgement_reason,
    e.acknowledged_by_post_id,
    e.acknowledged_at IS NOT NULL AS is_acknowledged,
    epoch(e.acknowledged_at - e.asked_at) AS acknowledgement_seconds,
    epoch(coalesce(e.answered_at, e.data_end_at) - e.asked_at) AS duration_seconds,
    s.service_duration_seconds,
    s.service_day_seconds,
    s.staffed_hours,
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
