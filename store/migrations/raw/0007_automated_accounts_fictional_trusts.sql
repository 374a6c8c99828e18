-- Issue #12: automatic replies and an honest demo.
--
-- account_registry.automated: the registry says this account's replies are automatic
-- (an autoresponder, an out-of-hours message, a bot). Its replies then acknowledge a
-- question without answering it, so they do not stop the response-time clock. NULL: the
-- registry did not say (every registry loaded before this column existed); the build reads
-- NULL as false and still looks for the other signs of an automatic reply.
ALTER TABLE account_registry ADD COLUMN automated BOOLEAN;

-- ref_trusts.fictional: an organisation invented by the demo generator (codes ZZ1nn), never
-- one of NHS ODS's. A reference load (`python -m ingest reference`) replaces the real
-- organisations and keeps these, so the demo's posts never end up under a real name.
ALTER TABLE ref_trusts ADD COLUMN fictional BOOLEAN NOT NULL DEFAULT false;
