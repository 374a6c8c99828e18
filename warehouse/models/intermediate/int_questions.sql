-- grain: one row per post by a member of the public (or an author the platform did not
-- name), with the question classifier's verdict (asks; about health care; a patient
-- question), its reasons in words (question_cues), topic and topic cues
-- key: platform, post_id
-- Staff and organisation posts are not classified: a patient question is, by definition,
-- asked by a member of the public (DESIGN.md).
-- memo: intermediate.int_question_input
-- Memoised: memo_todo holds only the public posts the previous build did not classify with the
-- same classifier (new or changed posts); the build adds the previous verdicts for the others.
-- The classifier's SQL embeds the cues and the learned model's weights (warehouse/enrich/
-- question_model.json), so a new model is a new memo version and every post is classified again.
WITH public_posts AS (
    SELECT platform, post_id, text FROM memo_todo
)
-- The memo keeps the verdicts, never the text (the memo schema is part of the published file).
SELECT * EXCLUDE (text) FROM (
{{ question_annotations }}
)
