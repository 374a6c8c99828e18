-- grain: one row per build: the data's end, the newest post's time (unanswered questions are censored there)
-- key: data_end_at
-- nullable: data_end_at
-- Its own model so that a refresh (warehouse/delta.py), which runs the models on some posts
-- only, gives them the end of all of them.
SELECT max(created_at) AS data_end_at FROM staging.stg_posts
