-- grain: one row per post, its author's role resolved and the post attributed to a trust
-- key: platform, post_id
-- Pseudonymisation: members of the public get a keyed hash ($pseudonym_key is bound by the
-- build, never stored); registered staff and organisation accounts keep platform:id so that
-- a manager can see which official account posted.
WITH posts AS (
    SELECT * FROM staging.stg_posts
),
accounts AS (
    SELECT * FROM staging.stg_accounts
),
trusts AS (
    SELECT * FROM staging.stg_trusts
),
resolved AS (
    SELECT
        p.*,
        a.role AS registry_role,
        a.title AS account_title,
        a.trust_code AS registry_trust_code
    FROM posts p
    LEFT JOIN accounts a ON a.platform = p.platform AND a.author_id = p.author_id
)
SELECT
    r.platform,
    r.post_id,
    r.parent_id,
    coalesce(r.thread_id, CASE WHEN r.parent_id IS NULL THEN r.post_id END) AS thread_id,
    CASE
        WHEN r.registry_role IS NOT NULL THEN r.platform || ':' || r.author_id
        ELSE 'p_' || left(sha256($pseudonym_key || chr(31) || r.platform || chr(31) || r.author_id), 20)
    END AS author_key,
    coalesce(r.registry_role, 'patient_public') AS author_role,
    r.account_title,
    r.created_at,
    r.text,
    r.url,
    r.source,
    coalesce(r.trust_code, r.registry_trust_code) AS trust_code,
    t.region_code,
    CASE
        WHEN r.trust_code IS NOT NULL THEN 'post'
        WHEN r.registry_trust_code IS NOT NULL THEN 'registry'
        ELSE 'unattributed'
    END AS attribution,
    r.fetched_at
FROM resolved r
LEFT JOIN trusts t ON t.trust_code = coalesce(r.trust_code, r.registry_trust_code)
