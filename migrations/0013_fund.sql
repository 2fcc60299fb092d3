-- Creative Industry Development Fund (culture/fund): calls, applications
-- and reviews (current rows plus append-only versions), and the
-- projections of the fund's ledger entries (fund_award, fund_rejection,
-- fund_disbursement): decisions, grants and disbursements, which
-- `ecinema verify --deep` rebuilds from the log.

-- +goose Up
CREATE TABLE fund_calls (
  id         text PRIMARY KEY,
  version    int NOT NULL CHECK (version > 0),
  title      jsonb NOT NULL,
  budget     numeric(16,2) NOT NULL CHECK (budget > 0),
  opens      date NOT NULL,
  closes     date NOT NULL CHECK (closes >= opens),
  instrument text NOT NULL CHECK (instrument IN ('grant','loan','equity')),
  eligible   text[] NOT NULL,
  criteria   jsonb NOT NULL,
  updated_at timestamptz NOT NULL
);

CREATE TABLE fund_call_versions (
  id          text NOT NULL,
  version     int NOT NULL,
  body        jsonb NOT NULL,
  actor       text NOT NULL,
  recorded_at timestamptz NOT NULL,
  PRIMARY KEY (id, version)
);

CREATE SEQUENCE fund_application_seq;

CREATE TABLE fund_applications (
  id               text PRIMARY KEY,
  seq              bigint NOT NULL UNIQUE,
  call_id          text NOT NULL REFERENCES fund_calls (id),
  bin              text NOT NULL CHECK (bin ~ '^[0-9]{12}$'),
  applicant_kind   text NOT NULL CHECK (applicant_kind IN ('ngo','company','individual_entrepreneur')),
  applicant_name   text NOT NULL,
  title            text NOT NULL,
  summary          text NOT NULL,
  amount_requested numeric(16,2) NOT NULL CHECK (amount_requested > 0),
  region           text NOT NULL REFERENCES regions (code),
  sector           text NOT NULL,
  submitted_at     timestamptz NOT NULL,
  actor            text NOT NULL
);
CREATE INDEX fund_applications_call ON fund_applications (call_id, seq);

CREATE TABLE fund_reviews (
  application_id       text NOT NULL REFERENCES fund_applications (id),
  expert_id            text NOT NULL,
  version              int NOT NULL CHECK (version > 0),
  scores               jsonb NOT NULL,
  conflict_of_interest boolean NOT NULL,
  comment              text NOT NULL,
  weighted             numeric(8,4),
  recorded_at          timestamptz NOT NULL,
  PRIMARY KEY (application_id, expert_id),
  CHECK (conflict_of_interest OR weighted IS NOT NULL)
);

CREATE TABLE fund_review_versions (
  application_id       text NOT NULL,
  expert_id            text NOT NULL,
  version              int NOT NULL,
  scores               jsonb NOT NULL,
  conflict_of_interest boolean NOT NULL,
  comment              text NOT NULL,
  actor                text NOT NULL,
  recorded_at          timestamptz NOT NULL,
  PRIMARY KEY (application_id, expert_id, version)
);

-- Projections of ledger entries (no foreign keys: verify --deep rebuilds
-- them into temporary copies).
CREATE TABLE fund_decisions (
  application_id text PRIMARY KEY,
  award          boolean NOT NULL,
  grant_id       text UNIQUE,
  amount         numeric(16,2),
  decided_on     date NOT NULL,
  entry_seq      bigint NOT NULL,
  CHECK (award = (grant_id IS NOT NULL) AND award = (amount IS NOT NULL))
);

CREATE TABLE fund_grants (
  id             text PRIMARY KEY,
  application_id text NOT NULL UNIQUE,
  call_id        text NOT NULL,
  bin            text NOT NULL,
  amount         numeric(16,2) NOT NULL CHECK (amount > 0),
  awarded_on     date NOT NULL,
  entry_seq      bigint NOT NULL,
  recorded_at    timestamptz NOT NULL
);
CREATE INDEX fund_grants_call ON fund_grants (call_id);

CREATE TABLE fund_disbursements (
  id             text PRIMARY KEY,
  grant_id       text NOT NULL,
  amount         numeric(16,2) NOT NULL CHECK (amount > 0),
  date           date NOT NULL,
  milestone      text NOT NULL,
  export_revenue numeric(16,2) NOT NULL CHECK (export_revenue >= 0),
  entry_seq      bigint NOT NULL,
  recorded_at    timestamptz NOT NULL
);
CREATE INDEX fund_disbursements_grant ON fund_disbursements (grant_id);

REVOKE UPDATE, DELETE, TRUNCATE ON fund_call_versions, fund_review_versions, fund_decisions, fund_grants, fund_disbursements FROM ecinema_app;

-- +goose Down
DROP TABLE fund_disbursements;
DROP TABLE fund_grants;
DROP TABLE fund_decisions;
DROP TABLE fund_review_versions;
DROP TABLE fund_reviews;
DROP TABLE fund_applications;
DROP SEQUENCE fund_application_seq;
DROP TABLE fund_call_versions;
DROP TABLE fund_calls;
