-- grain: one row per reply by a professional or organisation account that is automatic (an
-- acknowledgement, an out-of-hours autoresponder, a bot), which acknowledges a question but
-- never answers it
-- key: platform, post_id
-- A reply is automatic when (reasons, in this order; reason is the first that applies):
--   registry  the account registry marks the account automated;
--   platform  its platform marks the account as a bot (staging.stg_platform_bots);
--   template  the account sent the same text (lower case, letters only, @handles and links
--             dropped; and the same first 40 characters, but for digits) at least
--             {{ template_min_repeats }} times, in reply to at least
--             {{ template_min_kinds }} kinds of post (a question's topic, or "not a question"):
--             a message that goes to every kind of post answers none of them;
--   too_fast  it has at least {{ fast_reply_min_chars }} characters (without @handles and links)
--             yet came less than {{ fast_reply_seconds }} s after the post it replies to: faster
--             than anyone reads a question and types a reply.
-- The limits and why: warehouse/measures.py ("answers and acknowledgements").
WITH replies AS (
    SELECT p.platform, p.post_id, p.author_key, p.parent_id, p.created_at, s.author_id,
           CASE WHEN contains(p.text, '@') OR contains(p.text, 'http') OR contains(p.text, 'www.')
                THEN regexp_replace(p.text, '(^|\s)@[\w.@:-]+|https?://\S+|www\.\S+', '', 'g')
                ELSE p.text END AS body
    FROM intermediate.int_posts p
    JOIN staging.stg_posts s USING (platform, post_id)
    WHERE p.author_role IN ('professional', 'organisation') AND p.parent_id IS NOT NULL
),
openings AS (
    -- a cheap first look (no regex): only an account's replies that open alike, at least
    -- {{ template_min_repeats }} times, can be a template; the letters-only text is made for those
    SELECT platform, author_key, translate(left(lower(body), 40), '0123456789', '') AS opening
    FROM replies
    GROUP BY ALL
    HAVING count(*) >= {{ template_min_repeats }}
),
normalised AS (
    SELECT r.*,
           CASE WHEN o.opening IS NOT NULL
                THEN trim(regexp_replace(lower(r.body), '[^a-z]+', ' ', 'g')) END AS template_text,
           length(trim(r.body)) AS body_chars,  -- (a second regex to fold spaces cost a third of the model)
           coalesce(CASE WHEN q.is_question THEN q.topic END, '-') AS parent_kind,
           parent.created_at AS parent_at
    FROM replies r
    LEFT JOIN openings o
      ON o.platform = r.platform AND o.author_key = r.author_key
     AND o.opening = translate(left(lower(r.body), 40), '0123456789', '')
    LEFT JOIN intermediate.int_posts parent ON parent.platform = r.platform AND parent.post_id = r.parent_id
    LEFT JOIN intermediate.int_questions q ON q.platform = r.platform AND q.post_id = r.parent_id
),
templates AS (
    SELECT platform, author_key, template_text
    FROM normalised
    WHERE template_text <> ''
    GROUP BY ALL
    HAVING count(*) >= {{ template_min_repeats }} AND count(DISTINCT parent_kind) >= {{ template_min_kinds }}
),
judged AS (
    SELECT
        n.platform,
        n.post_id,
        n.author_key,
        list_filter([
            CASE WHEN a.automated THEN 'registry' END,
            CASE WHEN b.author_id IS NOT NULL THEN 'platform' END,
            CASE WHEN t.template_text IS NOT NULL THEN 'template' END,
            CASE WHEN epoch(n.created_at - n.parent_at) >= 0
                  AND epoch(n.created_at - n.parent_at) < {{ fast_reply_seconds }}
                  AND n.body_chars >= {{ fast_reply_min_chars }} THEN 'too_fast' END
        ], lambda r: r IS NOT NULL) AS reasons
    FROM normalised n
    LEFT JOIN staging.stg_accounts a ON a.platform = n.platform AND a.author_id = n.author_id
    LEFT JOIN staging.stg_platform_bots b ON b.platform = n.platform AND b.author_id = n.author_id
    LEFT JOIN templates t
      ON t.platform = n.platform AND t.author_key = n.author_key AND t.template_text = n.template_text
)
SELECT platform, post_id, author_key, reasons[1] AS reason, reasons
FROM judged
WHERE len(reasons) > 0
