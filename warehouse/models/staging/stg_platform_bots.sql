-- grain: one row per account its platform marks as automated in a stored payload
-- key: platform, author_id
-- Mastodon: the status's account has "bot": true (for a boost, the boosted status's account:
-- the record is the boosted post). The X, Bluesky, Facebook and Reddit payloads recorded in
-- ../shared/realdata carry no such marker, so none is read for them. A payload that is not
-- JSON (a CSV row) is skipped.
SELECT DISTINCT platform, author_id
FROM raw.raw_posts
WHERE platform = 'mastodon'
  AND contains(payload, '"bot"')
  AND CASE WHEN json_valid(payload)
           THEN coalesce(json_extract_string(payload, '$.reblog.account.bot'),
                         json_extract_string(payload, '$.account.bot')) = 'true'
           ELSE false END
