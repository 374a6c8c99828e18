-- grain: one row per UK day the question was asked x platform x region x trust x topic
-- key: day, platform, region_code, trust_code, topic
-- nullable: region_code, trust_code
-- The pre-aggregate behind question-volume charts and headline response figures: episodes
-- asked, answered so far, acknowledged automatically before any answer (n_acknowledged),
-- answered within 1 hour and within 3 days (calendar time), and within one service day (one
-- full day of the trust's own staffed hours, in staffed time: 10 h by default);
-- enabling practice: questions whose target outcome is known (n_target_known) and those
-- answered within the trust's policy target (n_within_target), answers that signpost and
-- answers with compassion (of n_answered). The targets' counts (n_answered_1h ...) are written
-- from warehouse.measures.TARGETS, their one definition.
SELECT
    (asked_at AT TIME ZONE 'Europe/London')::DATE AS day,
    platform,
    region_code,
    trust_code,
    topic,
    count(*) AS n_questions,
    count(*) FILTER (WHERE is_answered) AS n_answered,
    count(*) FILTER (WHERE is_acknowledged) AS n_acknowledged,
    {{ answered_within_targets }},
    count(within_target) AS n_target_known,
    count(*) FILTER (WHERE within_target) AS n_within_target,
    count(answer_signposting) AS n_answer_signposting,
    count(answer_compassion) AS n_answer_compassion
FROM main.patient_questions
GROUP BY ALL
ORDER BY day
