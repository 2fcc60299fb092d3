-- e-Library (CULTURE.md section 3). Works, editions, their files, loans,
-- holds and public-lending-right rates are projections of library_* ledger
-- entries (written in the entry's transaction, rebuilt by verify --deep);
-- library_versions keeps every catalogue version with the entry that wrote
-- it. Reader cards and the link-signing key are not ledger facts: they hold
-- secrets (a password hash, an HMAC key) that must never enter the
-- append-only log.

-- +goose Up
CREATE TABLE library_versions (
  kind        text NOT NULL CHECK (kind IN ('work','edition')),
  id          text NOT NULL,
  version     int  NOT NULL CHECK (version > 0),
  entry_seq   bigint NOT NULL,
  body        jsonb NOT NULL,
  recorded_at timestamptz NOT NULL,
  PRIMARY KEY (kind, id, version)
);

CREATE TABLE library_works (
  id                text PRIMARY KEY,
  version           int NOT NULL,
  title             jsonb NOT NULL,
  authors           jsonb NOT NULL,
  subjects          text[] NOT NULL,
  original_language text NOT NULL,
  search            text NOT NULL, -- lower-cased titles and author names, for search
  entry_seq         bigint NOT NULL
);

CREATE TABLE library_work_rights_holders (
  work_id   text NOT NULL REFERENCES library_works (id),
  party_id  text NOT NULL,
  share_pct numeric(9,6) NOT NULL,
  PRIMARY KEY (work_id, party_id)
);

CREATE TABLE library_editions (
  id          text PRIMARY KEY,
  version     int NOT NULL,
  work_id     text NOT NULL REFERENCES library_works (id),
  language    text NOT NULL,
  isbn        text,
  format      text NOT NULL CHECK (format IN ('epub','pdf','audiobook')),
  publisher   text NOT NULL,
  issued      text NOT NULL,
  translators text[] NOT NULL,
  narrators   text[] NOT NULL,
  access      text NOT NULL CHECK (access IN ('open','loan')),
  copies      int NOT NULL CHECK (copies >= 0),
  loan_days   int NOT NULL CHECK (loan_days > 0),
  created_at  timestamptz NOT NULL, -- time of the first version's entry
  updated_at  timestamptz NOT NULL, -- time of the latest entry touching it
  entry_seq   bigint NOT NULL
);
CREATE INDEX library_editions_new ON library_editions (created_at DESC, id);
CREATE INDEX library_editions_language ON library_editions (language, created_at DESC, id);
CREATE INDEX library_editions_work ON library_editions (work_id);
CREATE UNIQUE INDEX library_editions_isbn ON library_editions (isbn) WHERE isbn IS NOT NULL;

-- The book file (role 'file', n 0), the cover and its thumbnail (n 0) and the
-- audio tracks (role 'track', n 1..) of an edition, by blob hash.
CREATE TABLE library_files (
  edition_id text NOT NULL REFERENCES library_editions (id),
  role       text NOT NULL CHECK (role IN ('file','cover','thumbnail','track')),
  n          int NOT NULL CHECK (n >= 0),
  sha256     text NOT NULL,
  size       bigint NOT NULL,
  media_type text NOT NULL,
  title      text NOT NULL,
  duration   numeric(12,3) NOT NULL, -- seconds, tracks only (0 otherwise)
  bitrate    int NOT NULL,           -- kbit/s, tracks only (0 otherwise)
  entry_seq  bigint NOT NULL,
  PRIMARY KEY (edition_id, role, n)
);

CREATE TABLE library_readers (
  card_number   text PRIMARY KEY,
  name          text NOT NULL,
  password_hash text NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE library_loans (
  id          text PRIMARY KEY,
  edition_id  text NOT NULL REFERENCES library_editions (id),
  card_number text NOT NULL,
  borrowed_at timestamptz NOT NULL,
  due_at      timestamptz NOT NULL,
  returned_at timestamptz,
  entry_seq   bigint NOT NULL,
  return_seq  bigint
);
CREATE INDEX library_loans_edition ON library_loans (edition_id) WHERE returned_at IS NULL;
CREATE INDEX library_loans_reader ON library_loans (card_number, borrowed_at DESC);
CREATE INDEX library_loans_borrowed ON library_loans (borrowed_at);

CREATE TABLE library_holds (
  edition_id  text NOT NULL REFERENCES library_editions (id),
  card_number text NOT NULL,
  placed_at   timestamptz NOT NULL,
  entry_seq   bigint NOT NULL,
  closed_seq  bigint, -- the loan (or cancellation) that ended the hold
  PRIMARY KEY (edition_id, card_number, entry_seq)
);

CREATE TABLE library_plr_rates (
  valid_from date PRIMARY KEY,
  per_loan   numeric(12,2) NOT NULL,
  entry_seq  bigint NOT NULL
);

-- One HMAC key for signed download links, made on first use.
CREATE TABLE library_link_keys (
  id  int PRIMARY KEY CHECK (id = 1),
  key bytea NOT NULL
);

-- +goose Down
DROP TABLE library_link_keys, library_plr_rates, library_holds, library_loans, library_readers,
  library_files, library_editions, library_work_rights_holders, library_works, library_versions;
