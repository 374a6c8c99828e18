-- Deleted posts leave the disk (issue #18 item 7). DuckDB reuses freed blocks but does not
-- clear them, so a DELETE or an UPDATE that clears a column leaves the old bytes readable in
-- raw.duckdb. After a purge that removed anything, the store is rewritten into a new file and
-- swapped in (store/rewrite.py); `rewritten` says whether that has happened since the purge.
-- Purges logged before this migration are not rewritten yet: the next run rewrites the store.
-- purge_log.trigger gains the value `connector` (a connector saw posts deleted) besides
-- `build` and `deletions`.
ALTER TABLE purge_log ADD COLUMN rewritten BOOLEAN NOT NULL DEFAULT false;
