-- Ingest: projections of screening, sale and refund entries, idempotency
-- keys and the anomaly index. Every row here is written in the same
-- transaction as the ledger entry it projects (see package ingest), and
-- `ecinema verify --deep` can rebuild all of them from the log.

-- +goose Up

-- Screenings, current version. box_office_day is the local date of the
-- start, minus one day before 06:00. seats is the hall's capacity when the
-- screening was registered (the limit of its sales). The counters are the screening totals:
-- tickets_sold counts every ticket ever sold (a screening with sales can no
-- longer be replaced), tickets_active those not refunded, gross is net of
-- refunds.
CREATE TABLE screenings (
  cinema_id      text NOT NULL,
  id             text NOT NULL,
  hall_id        text NOT NULL,
  film_id        text NOT NULL,
  starts_at      timestamptz NOT NULL,
  ends_at        timestamptz NOT NULL,
  box_office_day date NOT NULL,
  format         text NOT NULL,
  language       text NOT NULL,
  entry_seq      bigint NOT NULL,
  seats          int NOT NULL CHECK (seats > 0),
  version        int NOT NULL DEFAULT 1 CHECK (version > 0),
  tickets_sold   int NOT NULL DEFAULT 0 CHECK (tickets_sold >= 0),
  tickets_active int NOT NULL DEFAULT 0 CHECK (tickets_active >= 0 AND tickets_active <= tickets_sold),
  gross          numeric(16,2) NOT NULL DEFAULT 0 CHECK (gross >= 0),
  PRIMARY KEY (cinema_id, id),
  CHECK (ends_at > starts_at)
);
-- Overlap checks: screenings of one hall by start.
CREATE INDEX screenings_hall_start ON screenings (cinema_id, hall_id, starts_at);
-- 403 versus 404: does a screening id exist in another cinema?
CREATE INDEX screenings_id ON screenings (id);
CREATE INDEX screenings_day_film ON screenings (box_office_day, film_id);

-- Tickets. sale_date is the local date of sold_at (VAT rate, settlement by
-- sale date); box_office_day is the screening's.
CREATE TABLE tickets (
  cinema_id      text NOT NULL,
  id             text NOT NULL,
  screening_id   text NOT NULL,
  film_id        text NOT NULL,
  price          numeric(12,2) NOT NULL CHECK (price >= 0 AND price <= 1000000),
  category       text NOT NULL CHECK (category IN ('adult','child','student','senior','discount','complimentary')),
  seat           text,
  channel        text NOT NULL,
  sold_at        timestamptz NOT NULL,
  sale_date      date NOT NULL,
  box_office_day date NOT NULL,
  sale_seq       bigint NOT NULL,
  refunded_at    timestamptz,
  refund_seq     bigint,
  PRIMARY KEY (cinema_id, id),
  CHECK ((refunded_at IS NULL) = (refund_seq IS NULL))
);
-- A seat is sold once per screening until refunded.
CREATE UNIQUE INDEX tickets_active_seat ON tickets (cinema_id, screening_id, seat)
  WHERE refunded_at IS NULL AND seat IS NOT NULL;
-- No other index on tickets: it is the hot insert path. "Is my ticket in the
-- ledger?" goes through the primary key to sale_seq; statistics read the
-- rollups below.

-- Daily rollup, net of refunds: a refund subtracts from the row of the
-- original sale's (box_office_day, sale_date).
CREATE TABLE sales_daily (
  cinema_id      text NOT NULL,
  film_id        text NOT NULL,
  box_office_day date NOT NULL,
  sale_date      date NOT NULL,
  gross          numeric(16,2) NOT NULL,
  admissions     bigint NOT NULL,
  PRIMARY KEY (cinema_id, film_id, box_office_day, sale_date)
);
CREATE INDEX sales_daily_day ON sales_daily (box_office_day, film_id);
CREATE INDEX sales_daily_sale_date ON sales_daily (sale_date, cinema_id);
CREATE INDEX sales_daily_film ON sales_daily (film_id, box_office_day);

CREATE TABLE screenings_daily (
  cinema_id      text NOT NULL,
  film_id        text NOT NULL,
  box_office_day date NOT NULL,
  screenings     int NOT NULL CHECK (screenings >= 0),
  PRIMARY KEY (cinema_id, film_id, box_office_day)
);
CREATE INDEX screenings_daily_day ON screenings_daily (box_office_day, film_id);

-- Idempotency: (API key, Idempotency-Key) → hash of the request and the
-- exact response. Only accepted requests are stored (a rejected request
-- stores nothing). Rows older than the retention (at least 7 days) are
-- deleted by ingest.Service.PurgeIdempotencyKeys.
CREATE TABLE idempotency_keys (
  key_id       text NOT NULL,
  idem_key     text NOT NULL,
  request_hash bytea NOT NULL,
  status       int NOT NULL,
  body         bytea NOT NULL,
  entry_seq    bigint NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (key_id, idem_key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);

-- Anomaly flags of sale entries, one row per entry and flag (the flags are
-- also stored with the ledger entry itself).
CREATE TABLE anomalies (
  cinema_id      text NOT NULL,
  entry_seq      bigint NOT NULL,
  flag           text NOT NULL CHECK (flag IN ('late_report','night_high_occupancy','sold_after_start')),
  kind           text NOT NULL,
  screening_id   text NOT NULL,
  film_id        text NOT NULL,
  box_office_day date NOT NULL,
  recorded_at    timestamptz NOT NULL,
  tickets        int NOT NULL,
  PRIMARY KEY (cinema_id, entry_seq, flag)
);
CREATE INDEX anomalies_recorded ON anomalies (recorded_at, entry_seq);
CREATE INDEX anomalies_flag_recorded ON anomalies (flag, recorded_at, entry_seq);

-- +goose Down
DROP TABLE anomalies;
DROP TABLE idempotency_keys;
DROP TABLE screenings_daily;
DROP TABLE sales_daily;
DROP TABLE tickets;
DROP TABLE screenings;
