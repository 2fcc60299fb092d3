-- Witness cosignatures of published checkpoints (SPEC 12): one C2SP
-- tlog-cosignature line per witness and checkpoint, gathered by the
-- publisher and served after the log's own signature. Append-only like the
-- checkpoints they sign.

-- +goose Up
CREATE TABLE ledger_cosignatures (
  log_id      text   NOT NULL,
  size        bigint NOT NULL,
  witness     text   NOT NULL,              -- the witness key's name
  key_hash    bigint NOT NULL,              -- its note key hash
  line        bytea  NOT NULL,              -- "— name base64\n", exactly as received
  received_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (log_id, size, key_hash),
  FOREIGN KEY (log_id, size) REFERENCES ledger_checkpoints (log_id, size)
);

CREATE TRIGGER ledger_cosignatures_no_update BEFORE UPDATE OR DELETE ON ledger_cosignatures
  FOR EACH ROW EXECUTE FUNCTION ledger_reject_change();
CREATE TRIGGER ledger_cosignatures_no_truncate BEFORE TRUNCATE ON ledger_cosignatures
  FOR EACH STATEMENT EXECUTE FUNCTION ledger_reject_change();
ALTER TABLE ledger_cosignatures ENABLE ALWAYS TRIGGER ledger_cosignatures_no_update;
ALTER TABLE ledger_cosignatures ENABLE ALWAYS TRIGGER ledger_cosignatures_no_truncate;

REVOKE UPDATE, DELETE, TRUNCATE ON ledger_cosignatures FROM ecinema_app;
GRANT SELECT, INSERT ON ledger_cosignatures TO ecinema_app;

-- +goose Down
SELECT 'irreversible';
