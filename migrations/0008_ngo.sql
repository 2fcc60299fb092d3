-- NGO database (culture/ngo): registered non-commercial organisations and
-- their annual reports. ngos and ngo_reports hold the current version;
-- every version is kept in the *_versions tables, which the service role
-- may only read and insert.

-- +goose Up
CREATE TABLE ngos (
  bin            text PRIMARY KEY CHECK (bin ~ '^[0-9]{12}$'),
  version        int NOT NULL CHECK (version > 0),
  name           jsonb NOT NULL,
  legal_form     text NOT NULL CHECK (legal_form IN ('public_association','foundation','institution','association','branch','other')),
  registered_on  date NOT NULL,
  status         text NOT NULL CHECK (status IN ('active','inactive','liquidating','suspended')),
  region         text NOT NULL REFERENCES regions (code),
  address        text NOT NULL,
  activity_areas text[] NOT NULL,
  updated_at     timestamptz NOT NULL
);

CREATE TABLE ngo_versions (
  bin         text NOT NULL,
  version     int NOT NULL,
  body        jsonb NOT NULL,
  actor       text NOT NULL,
  recorded_at timestamptz NOT NULL,
  PRIMARY KEY (bin, version)
);

CREATE TABLE ngo_reports (
  bin          text NOT NULL REFERENCES ngos (bin),
  year         int NOT NULL,
  version      int NOT NULL CHECK (version > 0),
  status       text NOT NULL CHECK (status IN ('draft','submitted','accepted','returned')),
  late         boolean NOT NULL DEFAULT false,
  submitted_at timestamptz,
  decided_at   timestamptz,
  comment      text NOT NULL DEFAULT '',
  body         jsonb NOT NULL,
  updated_at   timestamptz NOT NULL,
  PRIMARY KEY (bin, year),
  CHECK (status = 'draft' OR submitted_at IS NOT NULL)
);
CREATE INDEX ngo_reports_accepted ON ngo_reports (bin, year) WHERE status = 'accepted';

CREATE TABLE ngo_report_versions (
  bin         text NOT NULL,
  year        int NOT NULL,
  version     int NOT NULL,
  status      text NOT NULL,
  late        boolean NOT NULL,
  comment     text NOT NULL,
  body        jsonb NOT NULL,
  actor       text NOT NULL,
  recorded_at timestamptz NOT NULL,
  PRIMARY KEY (bin, year, version)
);

REVOKE UPDATE, DELETE, TRUNCATE ON ngo_versions, ngo_report_versions FROM ecinema_app;

-- +goose Down
DROP TABLE ngo_report_versions;
DROP TABLE ngo_reports;
DROP TABLE ngo_versions;
DROP TABLE ngos;
