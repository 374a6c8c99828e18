-- grain: one row per NHS England region or devolved nation
-- key: region_code
SELECT region_code, name AS region_name, nation, ons_code
FROM raw.ref_regions
