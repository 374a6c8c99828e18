-- grain: one row per NHS England region or devolved nation
-- key: region_code
SELECT region_code, region_name, nation, ons_code
FROM staging.stg_regions
ORDER BY region_code
