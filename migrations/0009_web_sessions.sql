-- Server-side sessions of the web pages (SPEC 11). The cookie holds a
-- random token; only its SHA-256 is stored. A session acts as its API key
-- (revoking the key ends it) and carries the CSRF token of its forms.
-- Not a ledger table: sessions are deleted at logout and when expired.

-- +goose Up
CREATE TABLE web_sessions (
  token_hash bytea PRIMARY KEY,
  key_id     text NOT NULL REFERENCES api_keys (id),
  csrf       text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL
);
CREATE INDEX web_sessions_expiry ON web_sessions (expires_at);

-- +goose Down
DROP TABLE web_sessions;
