-- Idempotency of the culture modules' create requests (a fund application,
-- decision or payment, a hub introduction or outcome): (API key id,
-- Idempotency-Key) → SHA-256 of the endpoint and the request, and the first
-- answer, stored in the transaction that creates the record (package
-- culture/idempotency). Not facts of the log: purged after a retention,
-- never rebuilt by verify --deep.

-- +goose Up
CREATE TABLE culture_idempotency (
  key_id       text NOT NULL,
  idem_key     text NOT NULL,
  request_hash bytea NOT NULL,
  answer       jsonb NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (key_id, idem_key)
);
CREATE INDEX culture_idempotency_created ON culture_idempotency (created_at);

-- +goose Down
DROP TABLE culture_idempotency;
