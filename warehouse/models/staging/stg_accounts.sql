-- grain: one row per account in the current version of the account registry
-- key: platform, author_id
-- automated: the registry says the account's replies are automatic (an autoresponder, an
-- out-of-hours message, a bot); registries loaded before the column existed say nothing,
-- read as false.
SELECT platform, author_id, role, trust_code, title, coalesce(automated, false) AS automated
FROM raw.account_registry
WHERE registry_version = (SELECT max(registry_version) FROM raw.account_registry_versions)
