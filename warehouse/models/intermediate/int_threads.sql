-- grain: one row per post, with its thread and branch resolved from parent links
-- key: platform, post_id
-- A post keeps the thread id its platform gave it (X conversation_id, Facebook post id,
-- Bluesky root, Mastodon/Reddit root). Without one, the parent chain is walked up: the first
-- ancestor with a thread id gives it; otherwise the root's id. A reply whose parent is not
-- stored is kept and marked parent_missing; its thread is the nearest known id up the chain.
-- branch_id is the post's ancestor directly under the thread root (a Facebook comment and
-- its replies; a Reddit top-level comment and its sub-tree); for the root it is the root.
WITH RECURSIVE posts AS (
    SELECT platform, post_id, parent_id, thread_id FROM staging.stg_posts
),
walk AS (
    SELECT platform, post_id, post_id AS ancestor_id, parent_id AS ancestor_parent,
           thread_id AS ancestor_thread, 0 AS depth
    FROM posts
    WHERE thread_id IS NULL AND parent_id IS NOT NULL
    UNION ALL
    SELECT w.platform, w.post_id, p.post_id, p.parent_id, p.thread_id, w.depth + 1
    FROM walk w
    JOIN posts p ON p.platform = w.platform AND p.post_id = w.ancestor_parent
    WHERE w.ancestor_thread IS NULL AND w.ancestor_parent IS NOT NULL AND w.depth < 100
),
walked AS (
    SELECT platform, post_id,
           coalesce(ancestor_thread, CASE WHEN ancestor_parent IS NULL THEN ancestor_id END,
                    ancestor_parent) AS thread_id
    FROM walk
    QUALIFY row_number() OVER (PARTITION BY platform, post_id ORDER BY depth DESC) = 1
),
threaded AS (
    SELECT p.platform, p.post_id, p.parent_id,
           coalesce(p.thread_id, w.thread_id, p.post_id) AS thread_id
    FROM posts p
    LEFT JOIN walked w ON w.platform = p.platform AND w.post_id = p.post_id
),
branch_walk AS (
    SELECT platform, post_id, thread_id, post_id AS node, parent_id AS node_parent, 0 AS depth
    FROM threaded
    WHERE parent_id IS NOT NULL AND parent_id <> thread_id
    UNION ALL
    SELECT b.platform, b.post_id, b.thread_id, p.post_id, p.parent_id, b.depth + 1
    FROM branch_walk b
    JOIN threaded p ON p.platform = b.platform AND p.post_id = b.node_parent
    WHERE b.node_parent IS NOT NULL AND b.node_parent <> b.thread_id AND b.depth < 100
),
branches AS (
    SELECT platform, post_id, node AS branch_id
    FROM branch_walk
    QUALIFY row_number() OVER (PARTITION BY platform, post_id ORDER BY depth DESC) = 1
)
SELECT
    t.platform,
    t.post_id,
    t.parent_id,
    t.thread_id,
    coalesce(b.branch_id, t.post_id) AS branch_id,
    t.parent_id IS NOT NULL AND parent.post_id IS NULL AS parent_missing
FROM threaded t
LEFT JOIN branches b ON b.platform = t.platform AND b.post_id = t.post_id
LEFT JOIN posts parent ON parent.platform = t.platform AND parent.post_id = t.parent_id
