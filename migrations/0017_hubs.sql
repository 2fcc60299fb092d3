-- Creative hubs (culture/hubs): hubs, events, investor profiles, pitches
-- and introductions (current rows; every version in hub_versions), and
-- hub_deals, the projection of hub_deal ledger entries that
-- `ecinema verify --deep` rebuilds.

-- +goose Up
CREATE TABLE hubs (
  id           text PRIMARY KEY,
  version      int NOT NULL CHECK (version > 0),
  name         jsonb NOT NULL,
  operator_bin text NOT NULL CHECK (operator_bin ~ '^[0-9]{12}$'),
  region       text NOT NULL REFERENCES regions (code),
  city         text NOT NULL,
  address      text NOT NULL,
  lat          double precision NOT NULL CHECK (lat BETWEEN -90 AND 90),
  lon          double precision NOT NULL CHECK (lon BETWEEN -180 AND 180),
  facilities   text[] NOT NULL,
  sectors      text[] NOT NULL,
  opened_on    date NOT NULL,
  status       text NOT NULL CHECK (status IN ('planned','active','suspended','closed')),
  updated_at   timestamptz NOT NULL
);

CREATE TABLE hub_versions (
  kind        text NOT NULL CHECK (kind IN ('hub','event','investor','pitch')),
  key         text NOT NULL,
  version     int NOT NULL,
  body        jsonb NOT NULL,
  actor       text NOT NULL,
  recorded_at timestamptz NOT NULL,
  PRIMARY KEY (kind, key, version)
);

CREATE TABLE hub_events (
  hub_id      text NOT NULL REFERENCES hubs (id),
  id          text NOT NULL,
  version     int NOT NULL CHECK (version > 0),
  title       jsonb NOT NULL,
  description jsonb,
  starts_at   timestamptz NOT NULL,
  ends_at     timestamptz NOT NULL CHECK (ends_at > starts_at),
  updated_at  timestamptz NOT NULL,
  PRIMARY KEY (hub_id, id)
);

CREATE TABLE investors (
  id          text PRIMARY KEY,
  version     int NOT NULL CHECK (version > 0),
  name        jsonb NOT NULL,
  sectors     text[] NOT NULL,
  regions     text[] NOT NULL,
  ticket_min  numeric(16,2) NOT NULL CHECK (ticket_min > 0),
  ticket_max  numeric(16,2) NOT NULL CHECK (ticket_max >= ticket_min),
  instruments text[] NOT NULL,
  updated_at  timestamptz NOT NULL
);

CREATE TABLE hub_pitches (
  hub_id         text NOT NULL REFERENCES hubs (id),
  id             text NOT NULL,
  version        int NOT NULL CHECK (version > 0),
  bin            text NOT NULL CHECK (bin ~ '^[0-9]{12}$'),
  title          jsonb NOT NULL,
  sector         text NOT NULL,
  region         text NOT NULL REFERENCES regions (code),
  amount         numeric(16,2) NOT NULL CHECK (amount > 0),
  instrument     text NOT NULL CHECK (instrument IN ('equity','loan','grant')),
  export_markets text[] NOT NULL,
  updated_at     timestamptz NOT NULL,
  PRIMARY KEY (hub_id, id)
);

CREATE SEQUENCE hub_introduction_seq;

CREATE TABLE hub_introductions (
  id           text PRIMARY KEY,
  hub_id       text NOT NULL,
  pitch_id     text NOT NULL,
  investor_id  text NOT NULL REFERENCES investors (id),
  state        text NOT NULL CHECK (state IN ('requested','deal','declined')),
  requested_at timestamptz NOT NULL,
  decided_at   timestamptz,
  actor        text NOT NULL,
  FOREIGN KEY (hub_id, pitch_id) REFERENCES hub_pitches (hub_id, id)
);
CREATE UNIQUE INDEX hub_introductions_open ON hub_introductions (hub_id, pitch_id, investor_id) WHERE state = 'requested';

-- Projection of hub_deal entries (no foreign keys: verify --deep rebuilds it).
CREATE TABLE hub_deals (
  introduction_id text PRIMARY KEY,
  hub_id          text NOT NULL,
  pitch_id        text NOT NULL,
  investor_id     text NOT NULL,
  bin             text NOT NULL,
  sector          text NOT NULL,
  region          text NOT NULL,
  amount          numeric(16,2) NOT NULL CHECK (amount > 0),
  instrument      text NOT NULL,
  closed_on       date NOT NULL,
  entry_seq       bigint NOT NULL
);

REVOKE UPDATE, DELETE, TRUNCATE ON hub_versions, hub_deals FROM ecinema_app;

-- +goose Down
DROP TABLE hub_deals;
DROP TABLE hub_introductions;
DROP SEQUENCE hub_introduction_seq;
DROP TABLE hub_pitches;
DROP TABLE investors;
DROP TABLE hub_events;
DROP TABLE hub_versions;
DROP TABLE hubs;
