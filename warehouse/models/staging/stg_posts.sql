-- grain: one row per post: the latest stored version of each (platform, post_id), leaving out
-- posts recorded as deleted on their platform (raw.deletions; the build's purge has removed
-- their stored versions already, this keeps them out of every mart whatever the order)
-- key: platform, post_id
-- is_demo: the version was landed by the demo generator's own run (ingest_runs.command =
-- 'demo', made only by `python -m ingest demo`), never read from the data: an imported row
-- cannot make real posts the open demo (its `source` column says nothing about it).
-- Deletions match the ids as stored (raw), before the Bluesky ids are hashed.
WITH source AS (
    SELECT r.* FROM raw.raw_posts r
    ANTI JOIN raw.deletions d ON d.platform = r.platform AND d.post_id = r.post_id
),
latest AS (
    SELECT *
    FROM source
    QUALIFY row_number() OVER (
        PARTITION BY platform, post_id ORDER BY fetched_at DESC, origin_line DESC
    ) = 1
)
SELECT
    l.platform,
    -- Bluesky ids hold their author's DID: a keyed hash replaces it, the same in all three
    -- columns so that threads still join (warehouse/handles.py)
    radsome_hide_did(l.platform, l.post_id, $pseudonym_key) AS post_id,
    radsome_hide_did(l.platform, l.parent_id, $pseudonym_key) AS parent_id,
    radsome_hide_did(l.platform, l.thread_id, $pseudonym_key) AS thread_id,
    l.author_id, l.author_bio, l.author_location,
    l.created_at, l.text, l.url, l.source, l.trust_code, l.fetched_at, l.run_id, l.payload_hash,
    coalesce(runs.command = 'demo', false) AS is_demo
FROM latest l
LEFT JOIN raw.ingest_runs runs ON runs.run_id = l.run_id
