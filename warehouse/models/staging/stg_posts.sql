-- grain: one row per post: the latest stored version of each (platform, post_id), leaving out
-- posts recorded as deleted on their platform (raw.deletions; the build's purge has removed
-- their stored versions already, this keeps them out of every mart whatever the order)
-- key: platform, post_id
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
    platform, post_id, parent_id, thread_id, author_id, author_bio, author_location,
    created_at, text, url, source, trust_code, fetched_at, run_id, payload_hash
FROM latest
