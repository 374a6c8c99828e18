-- grain: one row per answered patient-question episode, with the enabling practice of the
-- professional or organisation reply that answered it
-- key: platform, post_id
-- post_id is the episode's (its first question's); the practices (warehouse/rules/enabling.py:
-- signposting to official information, compassion) are read from the answering post's text,
-- and their columns hold the matched span as evidence (NULL: not shown).
WITH answers AS (
    SELECT e.platform, e.post_id, a.text
    FROM intermediate.int_episodes e
    JOIN intermediate.int_posts a
      ON a.platform = e.platform AND a.post_id = e.answered_by_post_id
)
SELECT
    platform,
    post_id,
    {{ enabling_practice_columns }}
FROM answers
