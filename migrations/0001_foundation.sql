-- Foundation: the service role, reference regions, the registry and API keys.

-- +goose Up
-- +goose StatementBegin
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'ecinema_app') THEN
    CREATE ROLE ecinema_app NOLOGIN;
  END IF;
END
$$;
-- +goose StatementEnd

-- Every object the migrations create is usable by the service role; the
-- ledger migration takes UPDATE, DELETE and TRUNCATE back on its tables.
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO ecinema_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO ecinema_app;
GRANT USAGE ON SCHEMA public TO ecinema_app;

-- Regions of Kazakhstan with their ISO 3166-2:KZ codes (17 oblasts and the
-- cities of republican significance Astana, Almaty and Shymkent).
CREATE TABLE regions (
  code    text PRIMARY KEY CHECK (code ~ '^KZ-[0-9]{2}$'),
  name_kk text NOT NULL,
  name_ru text NOT NULL,
  name_en text NOT NULL
);
INSERT INTO regions (code, name_kk, name_ru, name_en) VALUES
  ('KZ-10', 'Абай облысы', 'Абайская область', 'Abai Region'),
  ('KZ-11', 'Ақмола облысы', 'Акмолинская область', 'Akmola Region'),
  ('KZ-15', 'Ақтөбе облысы', 'Актюбинская область', 'Aktobe Region'),
  ('KZ-19', 'Алматы облысы', 'Алматинская область', 'Almaty Region'),
  ('KZ-23', 'Атырау облысы', 'Атырауская область', 'Atyrau Region'),
  ('KZ-27', 'Батыс Қазақстан облысы', 'Западно-Казахстанская область', 'West Kazakhstan Region'),
  ('KZ-31', 'Жамбыл облысы', 'Жамбылская область', 'Zhambyl Region'),
  ('KZ-33', 'Жетісу облысы', 'Жетысуская область', 'Zhetisu Region'),
  ('KZ-35', 'Қарағанды облысы', 'Карагандинская область', 'Karaganda Region'),
  ('KZ-39', 'Қостанай облысы', 'Костанайская область', 'Kostanay Region'),
  ('KZ-43', 'Қызылорда облысы', 'Кызылординская область', 'Kyzylorda Region'),
  ('KZ-47', 'Маңғыстау облысы', 'Мангистауская область', 'Mangystau Region'),
  ('KZ-55', 'Павлодар облысы', 'Павлодарская область', 'Pavlodar Region'),
  ('KZ-59', 'Солтүстік Қазақстан облысы', 'Северо-Казахстанская область', 'North Kazakhstan Region'),
  ('KZ-61', 'Түркістан облысы', 'Туркестанская область', 'Turkistan Region'),
  ('KZ-62', 'Ұлытау облысы', 'Улытауская область', 'Ulytau Region'),
  ('KZ-63', 'Шығыс Қазақстан облысы', 'Восточно-Казахстанская область', 'East Kazakhstan Region'),
  ('KZ-71', 'Астана', 'Астана', 'Astana'),
  ('KZ-75', 'Алматы', 'Алматы', 'Almaty'),
  ('KZ-79', 'Шымкент', 'Шымкент', 'Shymkent');

-- API keys: only a SHA-256 of the secret is stored.
CREATE TABLE api_keys (
  id          text PRIMARY KEY,
  name        text NOT NULL,
  role        text NOT NULL CHECK (role IN ('admin','pos','exhibitor','distributor','producer','rights_holder','analyst','tax','auditor')),
  cinema_id   text,
  party_id    text,
  secret_hash bytea NOT NULL UNIQUE,
  created_at  timestamptz NOT NULL DEFAULT now(),
  revoked_at  timestamptz
);

-- Registry. Each table holds the current version; registry_versions keeps
-- every version ever written, with the ledger entry that recorded it.
CREATE TABLE registry_versions (
  kind       text NOT NULL CHECK (kind IN ('party','cinema','film','rental_terms')),
  id         text NOT NULL,
  version    int  NOT NULL CHECK (version > 0),
  entry_seq  bigint NOT NULL,
  body       jsonb NOT NULL,
  recorded_at timestamptz NOT NULL,
  PRIMARY KEY (kind, id, version)
);

CREATE TABLE parties (
  id        text PRIMARY KEY,
  version   int  NOT NULL,
  kind      text NOT NULL CHECK (kind IN ('producer','distributor','exhibitor','rights_holder')),
  name      text NOT NULL,
  bin       text NOT NULL CHECK (bin ~ '^[0-9]{12}$'),
  entry_seq bigint NOT NULL
);

CREATE TABLE cinemas (
  id           text PRIMARY KEY,
  version      int  NOT NULL,
  name         text NOT NULL,
  exhibitor_id text NOT NULL REFERENCES parties (id),
  region       text NOT NULL REFERENCES regions (code),
  city         text NOT NULL,
  vat_payer    boolean NOT NULL,
  entry_seq    bigint NOT NULL
);
CREATE INDEX cinemas_exhibitor ON cinemas (exhibitor_id);
CREATE INDEX cinemas_region ON cinemas (region);

CREATE TABLE halls (
  cinema_id text NOT NULL REFERENCES cinemas (id),
  id        text NOT NULL,
  name      text NOT NULL,
  seats     int  NOT NULL CHECK (seats > 0),
  PRIMARY KEY (cinema_id, id)
);

CREATE TABLE films (
  id                   text PRIMARY KEY,
  version              int  NOT NULL,
  title_kk             text NOT NULL,
  title_ru             text NOT NULL,
  title_en             text NOT NULL,
  origin               text NOT NULL CHECK (origin IN ('national','coproduction','foreign')),
  countries            text[] NOT NULL,
  release_date         date NOT NULL,
  runtime_min          int  NOT NULL CHECK (runtime_min > 0),
  age_rating           text NOT NULL CHECK (age_rating IN ('0+','6+','12+','14+','16+','18+','21+')),
  certificate_number   text NOT NULL,
  certificate_valid_from date NOT NULL,
  certificate_valid_to   date NOT NULL,
  producer_id          text NOT NULL REFERENCES parties (id),
  distributor_id       text NOT NULL REFERENCES parties (id),
  distribution_fee_pct numeric(7,4) NOT NULL,
  recoupable_expenses  numeric(16,2) NOT NULL,
  royalty_pct          numeric(7,4) NOT NULL,
  entry_seq            bigint NOT NULL
);
CREATE INDEX films_producer ON films (producer_id);
CREATE INDEX films_distributor ON films (distributor_id);
CREATE INDEX films_release ON films (release_date);

CREATE TABLE film_rights_holders (
  film_id   text NOT NULL REFERENCES films (id),
  party_id  text NOT NULL REFERENCES parties (id),
  role      text NOT NULL,
  share_pct numeric(7,4) NOT NULL,
  PRIMARY KEY (film_id, party_id, role)
);
CREATE INDEX film_rights_holders_party ON film_rights_holders (party_id);

-- The film's default rental scale: from release week from_week on, the
-- distributor takes distributor_pct of the rentable net.
CREATE TABLE film_rental_terms (
  film_id         text NOT NULL REFERENCES films (id),
  from_week       int  NOT NULL CHECK (from_week >= 1),
  distributor_pct numeric(7,4) NOT NULL,
  PRIMARY KEY (film_id, from_week)
);

-- Per-exhibitor overrides of the rental scale, in force from effective_from.
CREATE TABLE rental_term_overrides (
  film_id         text NOT NULL REFERENCES films (id),
  exhibitor_id    text NOT NULL REFERENCES parties (id),
  effective_from  date NOT NULL,
  from_week       int  NOT NULL CHECK (from_week >= 1),
  distributor_pct numeric(7,4) NOT NULL,
  version         int NOT NULL,
  entry_seq       bigint NOT NULL,
  PRIMARY KEY (film_id, exhibitor_id, effective_from, from_week)
);

-- +goose Down
SELECT 'irreversible';
