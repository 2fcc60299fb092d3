-- Settlement: the dated VAT rate table, frozen statements of closed
-- periods, and the fiscal-receipt totals uploaded by the tax authority.
-- Everything below except vat_rates is a projection of period_close and
-- fiscal_totals ledger entries, written in the same transaction as the entry.

-- +goose Up

-- VAT rates by local sale date (SPEC 2): the rate is data, not code.
CREATE TABLE vat_rates (
  valid_from date PRIMARY KEY,
  valid_to   date,
  rate       numeric(5,2) NOT NULL CHECK (rate >= 0 AND rate < 100),
  CHECK (valid_to IS NULL OR valid_to >= valid_from)
);
INSERT INTO vat_rates (valid_from, valid_to, rate) VALUES
  ('2009-01-01', '2025-12-31', 12),
  ('2026-01-01', NULL, 16);

-- Closed statement periods (calendar months of box-office days). Periods
-- are closed one after another; everything up to the latest closed month is
-- settled, and later data for it becomes adjustment lines in the next month.
-- ledger_size is the ledger size when the close was computed (also in the
-- entry's body): late sales and refunds for closed days recorded in entries
-- below it are settled by this close or an earlier one; later ones by the next.
CREATE TABLE settlement_periods (
  period      date PRIMARY KEY CHECK (extract(day FROM period) = 1),
  entry_seq   bigint NOT NULL,
  ledger_size bigint NOT NULL,
  closed_at   timestamptz NOT NULL,
  lines       int NOT NULL,
  body        jsonb NOT NULL
);

-- Rows below belong to the settlement_periods row of their period; they are
-- written together in the period_close transaction, so there are no foreign
-- keys (per-row RI triggers made closing a month several times slower).

-- The frozen lines of closed periods. Statements of a closed period are
-- rendered from these rows only, so they never change.
CREATE TABLE settlement_lines (
  period               date NOT NULL,
  line_no              int  NOT NULL,
  adjustment           boolean NOT NULL,
  film_id              text NOT NULL,
  film_title           text NOT NULL,
  cinema_id            text NOT NULL,
  cinema_name          text NOT NULL,
  exhibitor_id         text NOT NULL,
  producer_id          text NOT NULL,
  distributor_id       text NOT NULL,
  week                 int  NOT NULL,
  first_day            date NOT NULL,
  last_day             date NOT NULL,
  vat_payer            boolean NOT NULL,
  royalty_pct          numeric(7,4) NOT NULL,
  distributor_pct      numeric(7,4) NOT NULL,
  distribution_fee_pct numeric(7,4) NOT NULL,
  admissions           bigint NOT NULL,
  gross                numeric(16,2) NOT NULL,
  vat                  numeric(16,2) NOT NULL,
  net                  numeric(16,2) NOT NULL,
  royalty              numeric(16,2) NOT NULL,
  exhibitor_share      numeric(16,2) NOT NULL,
  distribution_fee     numeric(16,2) NOT NULL,
  producer_gross       numeric(16,2) NOT NULL,
  recoupment           numeric(16,2) NOT NULL,
  producer_share       numeric(16,2) NOT NULL,
  vat_parts            jsonb NOT NULL,
  PRIMARY KEY (period, line_no),
  CHECK (vat + royalty + exhibitor_share + distribution_fee + producer_gross = gross),
  CHECK (net = gross - vat AND producer_share = producer_gross - recoupment)
);
CREATE INDEX settlement_lines_producer ON settlement_lines (producer_id, period);
CREATE INDEX settlement_lines_distributor ON settlement_lines (distributor_id, period);
CREATE INDEX settlement_lines_exhibitor ON settlement_lines (exhibitor_id, period);
CREATE INDEX settlement_lines_film ON settlement_lines (film_id, period);

-- Rights holders' parts of each frozen line's royalty pool.
CREATE TABLE settlement_royalty_lines (
  period    date NOT NULL,
  line_no   int  NOT NULL,
  party_id  text NOT NULL,
  role      text NOT NULL,
  share_pct numeric(7,4) NOT NULL,
  amount    numeric(16,2) NOT NULL,
  PRIMARY KEY (period, line_no, party_id, role)
);
CREATE INDEX settlement_royalty_lines_party ON settlement_royalty_lines (party_id, period);

-- What each close settled of the sales_daily rollup: summed over periods it
-- is the part of a sales_daily row already in a frozen statement; the rest
-- of a row up to the latest closed month is an adjustment.
CREATE TABLE settlement_settled (
  cinema_id      text NOT NULL,
  film_id        text NOT NULL,
  box_office_day date NOT NULL,
  sale_date      date NOT NULL,
  period         date NOT NULL,
  gross          numeric(16,2) NOT NULL,
  admissions     bigint NOT NULL,
  PRIMARY KEY (cinema_id, film_id, box_office_day, sale_date, period)
);
CREATE INDEX settlement_settled_film ON settlement_settled (film_id, box_office_day);

-- Statement totals of every party in a closed period, as hashed into the
-- period_close entry (the hash is SHA-256 of the canonical totals JSON).
CREATE TABLE settlement_party_totals (
  period      date NOT NULL,
  party_id    text NOT NULL,
  party_name  text NOT NULL,
  totals      jsonb NOT NULL,
  totals_json text NOT NULL,
  totals_hash text NOT NULL,
  PRIMARY KEY (period, party_id)
);

-- Daily fiscal-receipt totals per exhibitor BIN: the latest upload for a
-- BIN and date supersedes earlier ones (which stay in the ledger).
CREATE TABLE fiscal_totals (
  bin        text NOT NULL CHECK (bin ~ '^[0-9]{12}$'),
  sale_date  date NOT NULL,
  amount     numeric(16,2) NOT NULL,
  receipts   bigint NOT NULL CHECK (receipts >= 0),
  entry_seq  bigint NOT NULL,
  superseded_seq bigint,
  PRIMARY KEY (bin, sale_date)
);
CREATE INDEX fiscal_totals_date ON fiscal_totals (sale_date);

-- +goose Down
DROP TABLE fiscal_totals;
DROP TABLE settlement_party_totals;
DROP TABLE settlement_settled;
DROP TABLE settlement_royalty_lines;
DROP TABLE settlement_lines;
DROP TABLE settlement_periods;
DROP TABLE vat_rates;
