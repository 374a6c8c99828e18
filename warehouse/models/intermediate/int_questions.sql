-- grain: one row per post by a member of the public (or an author the platform did not
-- name), with the transparent question classifier's verdict, cues, topic and topic cues
-- key: platform, post_id
-- Staff and organisation posts are not classified: a patient question is, by definition,
-- asked by a member of the public (DESIGN.md).
WITH public_posts AS (
    SELECT platform, post_id, text
    FROM intermediate.int_posts
    WHERE author_role IN ('patient_public', 'unknown')
)
SELECT * FROM (
{{ question_annotations }}
)
