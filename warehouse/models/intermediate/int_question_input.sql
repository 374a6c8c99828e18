-- grain: one row per post by a member of the public (or an author the platform did not name)
-- key: platform, post_id
-- materialized: view
-- The input of the memoised question classifier (int_questions): a verdict depends only on the
-- text, so memo_key is the post's stored version.
SELECT platform, post_id, text, payload_hash AS memo_key
FROM intermediate.int_posts
WHERE author_role IN ('patient_public', 'unknown')
