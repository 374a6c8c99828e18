-- grain: one row per NHS trust or health board (NHS ODS reference data), and the demo's
-- fictional organisations (fictional: codes ZZ1nn, never ODS's)
-- key: trust_code
SELECT
    ods_code AS trust_code,
    name AS trust_name,
    region_code,
    icb_code,
    postcode,
    open_date,
    close_date,
    nation,
    fictional
FROM raw.ref_trusts
