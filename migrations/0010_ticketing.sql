-- Unified e-ticketing (CULTURE.md section 1, package culture/ticketing).
-- Every table here except ticketing_key_secrets and ticketing_idempotency is
-- a projection of ticketing_* ledger entries, written in the same
-- transaction as its entry and rebuilt by `ecinema verify --deep`.

-- +goose Up

-- Venues, current version. name is a language map {"kk":…,"ru":…,"en":…}.
CREATE TABLE ticketing_venues (
  id           text PRIMARY KEY,
  version      int NOT NULL CHECK (version > 0),
  kind         text NOT NULL,
  name         jsonb NOT NULL,
  operator_bin text NOT NULL,
  region       text NOT NULL,
  city         text NOT NULL,
  vat_payer    boolean NOT NULL,
  entry_seq    bigint NOT NULL
);

CREATE TABLE ticketing_zones (
  venue_id text NOT NULL,
  id       text NOT NULL,
  name     jsonb NOT NULL,
  capacity int NOT NULL CHECK (capacity > 0),
  PRIMARY KEY (venue_id, id)
);

-- Public halves of the venues' Ed25519 ticket signing keys (the trust list).
-- A key signs codes from valid_from until valid_to (NULL: the current key);
-- a code is trusted only when its not-before lies in that window.
CREATE TABLE ticketing_keys (
  kid        text PRIMARY KEY,
  venue_id   text NOT NULL,
  public_key bytea NOT NULL CHECK (length(public_key) = 32),
  valid_from timestamptz NOT NULL,
  valid_to   timestamptz,
  entry_seq  bigint NOT NULL
);
CREATE UNIQUE INDEX ticketing_keys_current ON ticketing_keys (venue_id) WHERE valid_to IS NULL;

-- Private halves, sealed with AES-256-GCM under ECINEMA_TICKET_KEY_FILE
-- (nonce || ciphertext, the kid as additional data). Not a fact of the
-- log: written beside the key's entry, never rebuilt, never served.
CREATE TABLE ticketing_key_secrets (
  kid    text PRIMARY KEY,
  sealed bytea NOT NULL
);

CREATE TABLE ticketing_events (
  id         text PRIMARY KEY,
  version    int NOT NULL CHECK (version > 0),
  venue_id   text NOT NULL,
  kind       text NOT NULL,
  title      jsonb NOT NULL,
  age_rating text NOT NULL,
  national   boolean NOT NULL,
  entry_seq  bigint NOT NULL
);
CREATE INDEX ticketing_events_venue ON ticketing_events (venue_id);

-- Sessions (a timed museum entry is one session per slot). Session ids are
-- national: sales name a session by id alone. The counters are the session
-- totals: tickets_sold counts every ticket ever sold, tickets_active those
-- not refunded (never above capacity), gross is net of refunds.
CREATE TABLE ticketing_sessions (
  id             text PRIMARY KEY,
  event_id       text NOT NULL,
  venue_id       text NOT NULL,
  zone_id        text NOT NULL,
  starts_at      timestamptz NOT NULL,
  ends_at        timestamptz NOT NULL,
  box_office_day date NOT NULL,
  capacity       int NOT NULL CHECK (capacity > 0),
  version        int NOT NULL CHECK (version > 0),
  entry_seq      bigint NOT NULL,
  tickets_sold   int NOT NULL DEFAULT 0 CHECK (tickets_sold >= 0),
  tickets_active int NOT NULL DEFAULT 0 CHECK (tickets_active >= 0 AND tickets_active <= capacity),
  gross          numeric(16,2) NOT NULL DEFAULT 0 CHECK (gross >= 0),
  CHECK (ends_at > starts_at)
);
CREATE INDEX ticketing_sessions_event ON ticketing_sessions (event_id);
CREATE INDEX ticketing_sessions_day ON ticketing_sessions (box_office_day);

CREATE TABLE ticketing_tariffs (
  session_id text NOT NULL,
  code       text NOT NULL,
  name       jsonb NOT NULL,
  price      numeric(12,2) NOT NULL CHECK (price >= 0),
  admissions int NOT NULL CHECK (admissions >= 1),
  PRIMARY KEY (session_id, code)
);

-- Every version of venues, events and sessions (the bodies of their entries).
CREATE TABLE ticketing_versions (
  kind        text NOT NULL,
  id          text NOT NULL,
  version     int NOT NULL,
  entry_seq   bigint NOT NULL,
  body        jsonb NOT NULL,
  recorded_at timestamptz NOT NULL,
  PRIMARY KEY (kind, id, version)
);

-- Tickets. Ticket ids are national (GET /v1/tickets/{id}/qr.png). code is
-- the signed code as issued (also in the sale entry); admitted counts the
-- check-ins (at most admissions); last_* name the latest one.
CREATE TABLE ticketing_tickets (
  id               text PRIMARY KEY,
  venue_id         text NOT NULL,
  session_id       text NOT NULL,
  event_id         text NOT NULL,
  tariff           text NOT NULL,
  price            numeric(12,2) NOT NULL CHECK (price >= 0),
  seat             text,
  admissions       int NOT NULL CHECK (admissions >= 1),
  sold_at          timestamptz NOT NULL,
  sale_date        date NOT NULL,
  box_office_day   date NOT NULL,
  sale_seq         bigint NOT NULL,
  kid              text NOT NULL,
  code             text NOT NULL,
  refunded_at      timestamptz,
  refund_seq       bigint,
  admitted         int NOT NULL DEFAULT 0 CHECK (admitted >= 0 AND admitted <= admissions),
  last_admitted_at timestamptz,
  last_gate        text,
  CHECK ((refunded_at IS NULL) = (refund_seq IS NULL))
);
CREATE UNIQUE INDEX ticketing_tickets_active_seat ON ticketing_tickets (session_id, seat)
  WHERE refunded_at IS NULL AND seat IS NOT NULL;
CREATE INDEX ticketing_tickets_session ON ticketing_tickets (session_id);
-- The revocation feed: a venue's refunded tickets in refund order.
CREATE INDEX ticketing_tickets_revoked ON ticketing_tickets (venue_id, refund_seq, id) WHERE refund_seq IS NOT NULL;

-- Gate scans with their results, one row per (venue, device, nonce): a
-- replayed nonce answers the first result. Online refusals are not stored
-- (a rejected request stores nothing); offline batches store every scan.
CREATE TABLE ticketing_scans (
  venue_id   text NOT NULL,
  device     text NOT NULL,
  nonce      text NOT NULL,
  ticket_id  text NOT NULL,
  gate       text NOT NULL,
  scanned_at timestamptz NOT NULL,
  result     text NOT NULL,
  entry_seq  bigint NOT NULL,
  PRIMARY KEY (venue_id, device, nonce)
);
CREATE INDEX ticketing_scans_ticket ON ticketing_scans (ticket_id);

-- Idempotency of sales and refunds, as for cinema sales (package ingest).
CREATE TABLE ticketing_idempotency (
  key_id       text NOT NULL,
  idem_key     text NOT NULL,
  request_hash bytea NOT NULL,
  status       int NOT NULL,
  body         bytea NOT NULL,
  entry_seq    bigint NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (key_id, idem_key)
);
CREATE INDEX ticketing_idempotency_created ON ticketing_idempotency (created_at);

-- +goose Down
DROP TABLE ticketing_idempotency;
DROP TABLE ticketing_scans;
DROP TABLE ticketing_tickets;
DROP TABLE ticketing_versions;
DROP TABLE ticketing_tariffs;
DROP TABLE ticketing_sessions;
DROP TABLE ticketing_events;
DROP TABLE ticketing_key_secrets;
DROP TABLE ticketing_keys;
DROP TABLE ticketing_zones;
DROP TABLE ticketing_venues;
