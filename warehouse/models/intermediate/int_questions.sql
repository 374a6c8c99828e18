-- grain: one row per post by a member of the public (or an author the platform did not
-- name), with the transparent question classifier's verdict, cues, topic and topic cues
-- key: platform, post_id
-- Staff and organisation posts are not classified: a patient question is, by definition,
-- asked by a member of the public (DESIGN.md).
-- memo: intermediate.int_question_input
-- Memoised: memo_todo holds only the public posts the previous build did not classify with the
-- same cues (new or changed); the build adds the previous verdicts for the others.
WITH public_posts AS (
    SELECT platform, post_id, text FROM memo_todo
)
-- The memo keeps the verdicts, never the text (the memo schema is part of the published file).
SELECT * EXCLUDE (text) FROM (
{{ question_annotations }}
)
