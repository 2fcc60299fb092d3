-- Ledger: entry bytes compressed with LZ4 instead of PostgreSQL's default
-- pglz. A batch sale's entry (100 tickets, ~15 KB) is compressed when it is
-- written, inside the ledger writer's serial transaction, and pglz was 7% of
-- PostgreSQL's CPU in the batch row of `ecinema perf`; LZ4 compresses and
-- decompresses several times faster (verification reads every entry back).
-- Only values written from now on use LZ4; older ones stay pglz and are read
-- as before. A server built without LZ4 keeps pglz (the statement is
-- skipped), so this migration never fails on it.

-- +goose Up
-- +goose StatementBegin
DO $$
BEGIN
  ALTER TABLE ledger_entries ALTER COLUMN bytes SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported THEN
  RAISE NOTICE 'ledger_entries.bytes keeps pglz: this PostgreSQL has no LZ4';
END
$$;
-- +goose StatementEnd

-- +goose Down
ALTER TABLE ledger_entries ALTER COLUMN bytes SET COMPRESSION default;
