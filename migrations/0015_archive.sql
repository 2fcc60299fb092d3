-- e-Archive (CULTURE.md section 2). Every table but the sync outbox is a
-- projection of ledger entries (kinds archive_unit, archive_aip,
-- archive_event, archive_person) rebuilt by verify --deep; the outbox is
-- the delivery state of person versions to Batyrlarga tagzym.

-- +goose Up
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE archive_units (
  id          text PRIMARY KEY,
  version     integer NOT NULL,
  record      jsonb NOT NULL,
  fond        text NOT NULL,
  access      text NOT NULL CHECK (access IN ('open', 'restricted')),
  withdrawn   boolean NOT NULL,
  datestamp   timestamptz NOT NULL,
  search_text text NOT NULL,
  entry_seq   bigint NOT NULL
);
CREATE INDEX archive_units_search ON archive_units USING gin (search_text gin_trgm_ops);
CREATE INDEX archive_units_datestamp ON archive_units (datestamp, id);
CREATE INDEX archive_units_fond ON archive_units (fond, id);

CREATE TABLE archive_unit_versions (
  unit_id     text NOT NULL,
  version     integer NOT NULL,
  entry_seq   bigint NOT NULL,
  body        jsonb NOT NULL,
  recorded_at timestamptz NOT NULL,
  PRIMARY KEY (unit_id, version)
);

CREATE TABLE archive_unit_persons (
  unit_id   text NOT NULL,
  person_id text NOT NULL,
  PRIMARY KEY (unit_id, person_id)
);
CREATE INDEX archive_unit_persons_person ON archive_unit_persons (person_id, unit_id);

CREATE TABLE archive_aips (
  entry_seq        bigint PRIMARY KEY,
  unit_id          text NOT NULL,
  external_id      text NOT NULL,
  bag_info         jsonb NOT NULL,
  payload_octets   bigint NOT NULL,
  payload_files    integer NOT NULL,
  created_at       timestamptz NOT NULL,
  fixity_at        timestamptz,
  fixity_outcome   text
);
CREATE INDEX archive_aips_unit ON archive_aips (unit_id, entry_seq);
CREATE INDEX archive_aips_fixity ON archive_aips (fixity_at NULLS FIRST, entry_seq);

CREATE TABLE archive_files (
  aip_seq    bigint NOT NULL,
  path       text NOT NULL,
  payload    boolean NOT NULL,
  sha256     text NOT NULL,
  sha512     text NOT NULL,
  size       bigint NOT NULL,
  media_type text NOT NULL,
  PRIMARY KEY (aip_seq, path)
);

CREATE TABLE archive_events (
  entry_seq bigint NOT NULL,
  n         integer NOT NULL,
  unit_id   text NOT NULL,
  aip_seq   bigint,
  type      text NOT NULL,
  at        timestamptz NOT NULL,
  outcome   text NOT NULL,
  detail    text NOT NULL,
  object    text NOT NULL,
  PRIMARY KEY (entry_seq, n)
);
CREATE INDEX archive_events_unit ON archive_events (unit_id, entry_seq, n);

CREATE TABLE archive_persons (
  id          text PRIMARY KEY,
  version     integer NOT NULL,
  body        jsonb NOT NULL,
  datestamp   timestamptz NOT NULL,
  search_text text NOT NULL,
  entry_seq   bigint NOT NULL
);
CREATE INDEX archive_persons_search ON archive_persons USING gin (search_text gin_trgm_ops);

CREATE TABLE archive_person_versions (
  person_id   text NOT NULL,
  version     integer NOT NULL,
  entry_seq   bigint NOT NULL,
  body        jsonb NOT NULL,
  recorded_at timestamptz NOT NULL,
  PRIMARY KEY (person_id, version)
);

-- The outbox: one row per person version, written in the transaction of
-- the version's ledger entry; id is the Idempotency-Key sent with it.
CREATE TABLE archive_sync_outbox (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  person_id   text NOT NULL,
  version     integer NOT NULL,
  payload     jsonb NOT NULL,
  state       text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done', 'dead', 'reconcile')),
  attempts    integer NOT NULL DEFAULT 0,
  next_at     timestamptz NOT NULL DEFAULT now(),
  last_status integer,
  last_body   text,
  remote_body text,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  UNIQUE (person_id, version)
);
CREATE INDEX archive_sync_outbox_due ON archive_sync_outbox (next_at) WHERE state = 'pending';
CREATE INDEX archive_sync_outbox_state ON archive_sync_outbox (state, created_at);

-- +goose Down
DROP TABLE archive_sync_outbox, archive_person_versions, archive_persons, archive_events, archive_files,
  archive_aips, archive_unit_persons, archive_unit_versions, archive_units;
