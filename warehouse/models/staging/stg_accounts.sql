-- grain: one row per account in the current version of the account registry
-- key: platform, author_id
SELECT platform, author_id, role, trust_code, title
FROM raw.account_registry
WHERE registry_version = (SELECT max(registry_version) FROM raw.account_registry_versions)
