-- The ledger: append-only entries (exact bytes, leaf hash, the RFC 6962
-- tree hashes each leaf adds), one head row per log, and every signed
-- checkpoint ever published. See ledger/doc.go for the format.

-- +goose Up

-- One row per log. The append transaction locks it FOR UPDATE, so appends to
-- one log are serialised by the database even across server processes.
-- size is the number of entries (the next seq); last_leaf the leaf hash of
-- entry size-1 (32 zero bytes when empty); root_hash the RFC 6962 root of the
-- tree of size entries (SHA-256 of the empty string when empty).
CREATE TABLE ledger_heads (
  log_id     text PRIMARY KEY CHECK (log_id ~ '^[a-z0-9][a-z0-9_-]{0,31}$'),
  size       bigint NOT NULL CHECK (size >= 0),
  last_leaf  bytea  NOT NULL CHECK (length(last_leaf) = 32),
  root_hash  bytea  NOT NULL CHECK (length(root_hash) = 32),
  updated_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO ledger_heads (log_id, size, last_leaf, root_hash)
VALUES ('main', 0, decode(repeat('00', 32), 'hex'), sha256(''::bytea));

-- The entries. bytes are the exact hashed bytes; leaf_hash = SHA-256(0x00 || bytes).
-- tree_hashes holds the interior tree hashes this leaf completes, in the
-- layout of golang.org/x/mod/sumdb/tlog "stored hashes": for entry seq with m
-- trailing one bits, the hashes of levels 1..m (32 bytes each, concatenated)
-- of the perfect subtrees ending at seq. Level 0 is leaf_hash itself. So the
-- stored hash with tlog index i lives in the row of seq ((n+1) << level) - 1
-- where (level, n) = tlog.SplitStoredHashIndex(i): one row per append, and a
-- proof reads O(log n) rows by primary key.
-- cinema_id / film_id / flags are read scope and anomaly flags, not hashed.
CREATE TABLE ledger_entries (
  log_id      text   NOT NULL,
  seq         bigint NOT NULL CHECK (seq >= 0),
  leaf_hash   bytea  NOT NULL CHECK (length(leaf_hash) = 32),
  tree_hashes bytea  NOT NULL CHECK (length(tree_hashes) % 32 = 0),
  bytes       bytea  NOT NULL,
  kind        text   NOT NULL,
  actor       text   NOT NULL,
  at          timestamptz NOT NULL,
  cinema_id   text,
  film_id     text,
  flags       text[] NOT NULL DEFAULT '{}',
  PRIMARY KEY (log_id, seq)
);
CREATE INDEX ledger_entries_cinema ON ledger_entries (log_id, cinema_id, seq) WHERE cinema_id IS NOT NULL;
CREATE INDEX ledger_entries_film ON ledger_entries (log_id, film_id, seq) WHERE film_id IS NOT NULL;

-- Every published checkpoint, exactly as served (a signed note).
CREATE TABLE ledger_checkpoints (
  log_id       text   NOT NULL,
  size         bigint NOT NULL CHECK (size > 0),
  root_hash    bytea  NOT NULL CHECK (length(root_hash) = 32),
  note         bytea  NOT NULL,
  published_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (log_id, size)
);

-- Append-only, enforced by privileges and by triggers that fire ALWAYS
-- (also under session_replication_role = replica). No trigger looks anything
-- up: they only refuse.
-- +goose StatementBegin
CREATE FUNCTION ledger_reject_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'ledger: % on % is not allowed: the ledger is append-only', TG_OP, TG_TABLE_NAME
    USING ERRCODE = 'raise_exception';
END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION ledger_head_forward() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.log_id <> OLD.log_id OR NEW.size < OLD.size THEN
    RAISE EXCEPTION 'ledger: head of log % may only grow (size % -> %)', OLD.log_id, OLD.size, NEW.size
      USING ERRCODE = 'raise_exception';
  END IF;
  RETURN NEW;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER ledger_entries_no_update BEFORE UPDATE OR DELETE ON ledger_entries
  FOR EACH ROW EXECUTE FUNCTION ledger_reject_change();
CREATE TRIGGER ledger_entries_no_truncate BEFORE TRUNCATE ON ledger_entries
  FOR EACH STATEMENT EXECUTE FUNCTION ledger_reject_change();
CREATE TRIGGER ledger_checkpoints_no_update BEFORE UPDATE OR DELETE ON ledger_checkpoints
  FOR EACH ROW EXECUTE FUNCTION ledger_reject_change();
CREATE TRIGGER ledger_checkpoints_no_truncate BEFORE TRUNCATE ON ledger_checkpoints
  FOR EACH STATEMENT EXECUTE FUNCTION ledger_reject_change();
CREATE TRIGGER ledger_heads_no_delete BEFORE DELETE ON ledger_heads
  FOR EACH ROW EXECUTE FUNCTION ledger_reject_change();
CREATE TRIGGER ledger_heads_no_truncate BEFORE TRUNCATE ON ledger_heads
  FOR EACH STATEMENT EXECUTE FUNCTION ledger_reject_change();
CREATE TRIGGER ledger_heads_forward BEFORE UPDATE ON ledger_heads
  FOR EACH ROW EXECUTE FUNCTION ledger_head_forward();

ALTER TABLE ledger_entries ENABLE ALWAYS TRIGGER ledger_entries_no_update;
ALTER TABLE ledger_entries ENABLE ALWAYS TRIGGER ledger_entries_no_truncate;
ALTER TABLE ledger_checkpoints ENABLE ALWAYS TRIGGER ledger_checkpoints_no_update;
ALTER TABLE ledger_checkpoints ENABLE ALWAYS TRIGGER ledger_checkpoints_no_truncate;
ALTER TABLE ledger_heads ENABLE ALWAYS TRIGGER ledger_heads_no_delete;
ALTER TABLE ledger_heads ENABLE ALWAYS TRIGGER ledger_heads_no_truncate;
ALTER TABLE ledger_heads ENABLE ALWAYS TRIGGER ledger_heads_forward;

-- The service role appends and reads; only the head row may be updated.
REVOKE UPDATE, DELETE, TRUNCATE ON ledger_entries, ledger_checkpoints FROM ecinema_app;
REVOKE DELETE, TRUNCATE ON ledger_heads FROM ecinema_app;
GRANT SELECT, INSERT ON ledger_entries, ledger_checkpoints TO ecinema_app;
GRANT SELECT, INSERT, UPDATE ON ledger_heads TO ecinema_app;

-- +goose Down
SELECT 'irreversible';
