-- grain: one row per post, its thread resolved, its author's role resolved and the post
-- attributed to a trust
-- key: platform, post_id
-- Roles: the account registry first; then the author's self-description in bio or post
-- ("HCPC registered radiographer", "as a mammographer ...") with its confidence and evidence;
-- authors the platform did not name (author_id 'unknown:...') are 'unknown'; everyone else is
-- 'patient_public'. The registry always wins.
-- Pseudonymisation: members of the public get a keyed hash ($pseudonym_key is bound by the
-- build, never stored); registered staff and organisation accounts keep platform:id so that
-- a manager can see which official account posted.
-- Trust: the post's own (file/import/source), else the author's registered trust, else the
-- thread's (its root post's, or the first registered account's that posted in it).
WITH posts AS (
    SELECT * FROM staging.stg_posts
),
threads AS (
    SELECT * FROM intermediate.int_threads
),
accounts AS (
    SELECT * FROM staging.stg_accounts
),
trusts AS (
    SELECT * FROM staging.stg_trusts
),
profiles AS (
    -- each distinct (author, bio, gated text) once: the self-description cues run on these rows
    SELECT DISTINCT platform, author_id, author_bio,
           CASE WHEN regexp_matches(text, {{ role_text_gate }}) THEN text END AS text
    FROM posts
),
described AS (
    -- self-description is per author: the strongest evidence in any of their bios or posts
    -- (ties broken by role and evidence, so that every build picks the same). "Found a role"
    -- is a HAVING, not a WHERE: the optimiser would push a WHERE below the DISTINCT and run
    -- the cues on every post (3x slower).
    SELECT platform, author_id,
           arg_max(self_role, (self_role_confidence, self_role, self_role_evidence))
               FILTER (WHERE self_role IS NOT NULL) AS self_role,
           max(self_role_confidence) FILTER (WHERE self_role IS NOT NULL) AS self_role_confidence,
           arg_max(self_role_evidence, (self_role_confidence, self_role, self_role_evidence))
               FILTER (WHERE self_role IS NOT NULL) AS self_role_evidence
    FROM (SELECT platform, author_id, {{ self_role_columns }} FROM profiles)
    GROUP BY platform, author_id
    HAVING count(self_role) > 0
),
resolved AS (
    SELECT
        p.*,
        d.self_role,
        d.self_role_confidence,
        d.self_role_evidence,
        t.thread_id AS resolved_thread_id,
        t.parent_missing,
        t.branch_id,
        a.role AS registry_role,
        a.title AS account_title,
        a.trust_code AS registry_trust_code,
        CASE
            WHEN a.role IS NOT NULL THEN a.role
            WHEN d.self_role IS NOT NULL THEN d.self_role
            WHEN starts_with(p.author_id, 'unknown:') THEN 'unknown'
            ELSE 'patient_public'
        END AS role,
        CASE
            WHEN a.role IS NOT NULL THEN 'registry'
            WHEN d.self_role IS NOT NULL THEN 'self_description'
            WHEN starts_with(p.author_id, 'unknown:') THEN 'unknown'
            ELSE 'default'
        END AS role_source,
        coalesce(p.trust_code, a.trust_code) AS own_trust_code
    FROM posts p
    JOIN threads t USING (platform, post_id)
    LEFT JOIN described d ON d.platform = p.platform AND d.author_id = p.author_id
    LEFT JOIN accounts a ON a.platform = p.platform AND a.author_id = p.author_id
),
thread_trusts AS (
    SELECT
        platform,
        resolved_thread_id,
        arg_min(own_trust_code, created_at) FILTER (WHERE post_id = resolved_thread_id) AS root_trust_code,
        arg_min(own_trust_code, created_at)
            FILTER (WHERE registry_role IS NOT NULL AND own_trust_code IS NOT NULL) AS staff_trust_code
    FROM resolved
    GROUP BY platform, resolved_thread_id
),
attributed AS (
    SELECT
        r.*,
        coalesce(r.own_trust_code, tt.root_trust_code, tt.staff_trust_code) AS final_trust_code,
        CASE
            WHEN r.trust_code IS NOT NULL THEN 'post'
            WHEN r.registry_trust_code IS NOT NULL THEN 'registry'
            WHEN coalesce(tt.root_trust_code, tt.staff_trust_code) IS NOT NULL THEN 'thread'
            ELSE 'unattributed'  -- warehouse.measures.UNATTRIBUTED
        END AS attribution
    FROM resolved r
    LEFT JOIN thread_trusts tt USING (platform, resolved_thread_id)
)
SELECT
    a.platform,
    a.post_id,
    a.parent_id,
    a.resolved_thread_id AS thread_id,
    a.branch_id,
    a.parent_missing,
    CASE
        WHEN a.registry_role IS NOT NULL THEN a.platform || ':' || a.author_id
        ELSE 'p_' || left(sha256($pseudonym_key || chr(31) || a.platform || chr(31) || a.author_id), 20)
    END AS author_key,
    a.role AS author_role,
    a.role_source,
    CASE WHEN a.role_source = 'self_description' THEN a.self_role_confidence END AS role_confidence,
    CASE WHEN a.role_source = 'self_description' THEN radsome_no_handles(a.self_role_evidence) END AS role_evidence,
    a.account_title,
    a.created_at,
    a.text,  -- as posted: the rules and classifiers read it (marts.posts publishes it without handles)
    CASE
        WHEN a.registry_role IS NOT NULL THEN a.url  -- a registered account's official link
        ELSE radsome_public_url(a.platform, a.post_id, a.parent_id, a.resolved_thread_id)
    END AS url,  -- a member of the public's link names nobody, or there is none (warehouse/handles.py)
    a.source,
    a.final_trust_code AS trust_code,
    t.region_code,
    a.attribution,
    a.is_demo,
    a.fetched_at,
    a.payload_hash  -- the stored version's: memoised enrichment re-reads a post only when it changes
FROM attributed a
LEFT JOIN trusts t ON t.trust_code = a.final_trust_code
