-- Box office: the write path of migration 0019 made cheaper. Each
-- sales_daily statement (one a group of sales) kept four rollups; measured
-- (boxoffice BenchmarkSalesDailyWrite) that more than doubled the trigger's
-- cost. The film × day rollup boxoffice_film_daily and the (region, day)
-- index of boxoffice_daily are dropped: the edge days of a period (at most
-- about two months of days) are read from boxoffice_daily through its
-- (box_office_day, film_id) index, in a region too. The monthly rollups
-- stay.

-- +goose Up
DROP INDEX boxoffice_daily_region;
DROP TABLE boxoffice_film_daily;
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION boxoffice_daily_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    WITH d AS (
      SELECT n.film_id, n.box_office_day, coalesce(c.region, '') AS region, sum(n.gross) AS gross, sum(n.admissions) AS admissions
      FROM new_rows n LEFT JOIN cinemas c ON c.id = n.cinema_id
      GROUP BY 1, 2, 3),
    a AS (
      INSERT INTO boxoffice_daily AS b (film_id, box_office_day, region, gross, admissions)
      SELECT * FROM d
      ON CONFLICT (film_id, box_office_day, region)
      DO UPDATE SET gross = b.gross + EXCLUDED.gross, admissions = b.admissions + EXCLUDED.admissions),
    m AS (
      INSERT INTO boxoffice_monthly AS b (film_id, month, region, gross, admissions)
      SELECT film_id, date_trunc('month', box_office_day)::date, region, sum(gross), sum(admissions) FROM d GROUP BY 1, 2, 3
      ON CONFLICT (film_id, month, region)
      DO UPDATE SET gross = b.gross + EXCLUDED.gross, admissions = b.admissions + EXCLUDED.admissions)
    INSERT INTO boxoffice_film_monthly AS b (film_id, month, gross, admissions)
    SELECT film_id, date_trunc('month', box_office_day)::date, sum(gross), sum(admissions) FROM d GROUP BY 1, 2
    ON CONFLICT (film_id, month)
    DO UPDATE SET gross = b.gross + EXCLUDED.gross, admissions = b.admissions + EXCLUDED.admissions;
  ELSIF TG_OP = 'UPDATE' THEN
    WITH d AS (
      SELECT x.film_id, x.box_office_day, coalesce(c.region, '') AS region, sum(x.gross) AS gross, sum(x.admissions) AS admissions
      FROM (SELECT cinema_id, film_id, box_office_day, gross, admissions FROM new_rows
            UNION ALL
            SELECT cinema_id, film_id, box_office_day, -gross, -admissions FROM old_rows) x
      LEFT JOIN cinemas c ON c.id = x.cinema_id
      GROUP BY 1, 2, 3
      HAVING sum(x.gross) <> 0 OR sum(x.admissions) <> 0),
    a AS (
      INSERT INTO boxoffice_daily AS b (film_id, box_office_day, region, gross, admissions)
      SELECT * FROM d
      ON CONFLICT (film_id, box_office_day, region)
      DO UPDATE SET gross = b.gross + EXCLUDED.gross, admissions = b.admissions + EXCLUDED.admissions),
    m AS (
      INSERT INTO boxoffice_monthly AS b (film_id, month, region, gross, admissions)
      SELECT film_id, date_trunc('month', box_office_day)::date, region, sum(gross), sum(admissions) FROM d GROUP BY 1, 2, 3
      ON CONFLICT (film_id, month, region)
      DO UPDATE SET gross = b.gross + EXCLUDED.gross, admissions = b.admissions + EXCLUDED.admissions)
    INSERT INTO boxoffice_film_monthly AS b (film_id, month, gross, admissions)
    SELECT film_id, date_trunc('month', box_office_day)::date, sum(gross), sum(admissions) FROM d GROUP BY 1, 2
    ON CONFLICT (film_id, month)
    DO UPDATE SET gross = b.gross + EXCLUDED.gross, admissions = b.admissions + EXCLUDED.admissions;
  ELSIF TG_OP = 'DELETE' THEN
    WITH d AS (
      SELECT x.film_id, x.box_office_day, coalesce(c.region, '') AS region, sum(x.gross) AS gross, sum(x.admissions) AS admissions
      FROM (SELECT cinema_id, film_id, box_office_day, -gross AS gross, -admissions AS admissions FROM old_rows) x
      LEFT JOIN cinemas c ON c.id = x.cinema_id
      GROUP BY 1, 2, 3),
    a AS (
      INSERT INTO boxoffice_daily AS b (film_id, box_office_day, region, gross, admissions)
      SELECT * FROM d
      ON CONFLICT (film_id, box_office_day, region)
      DO UPDATE SET gross = b.gross + EXCLUDED.gross, admissions = b.admissions + EXCLUDED.admissions),
    m AS (
      INSERT INTO boxoffice_monthly AS b (film_id, month, region, gross, admissions)
      SELECT film_id, date_trunc('month', box_office_day)::date, region, sum(gross), sum(admissions) FROM d GROUP BY 1, 2, 3
      ON CONFLICT (film_id, month, region)
      DO UPDATE SET gross = b.gross + EXCLUDED.gross, admissions = b.admissions + EXCLUDED.admissions)
    INSERT INTO boxoffice_film_monthly AS b (film_id, month, gross, admissions)
    SELECT film_id, date_trunc('month', box_office_day)::date, sum(gross), sum(admissions) FROM d GROUP BY 1, 2
    ON CONFLICT (film_id, month)
    DO UPDATE SET gross = b.gross + EXCLUDED.gross, admissions = b.admissions + EXCLUDED.admissions;
  ELSE -- TRUNCATE
    DELETE FROM boxoffice_daily;
    DELETE FROM boxoffice_film_monthly;
    DELETE FROM boxoffice_monthly;
  END IF;
  RETURN NULL;
END
$$;
-- +goose StatementEnd

-- +goose Down
CREATE TABLE boxoffice_film_daily (
  film_id        text NOT NULL,
  box_office_day date NOT NULL,
  gross          numeric(16,2) NOT NULL,
  admissions     bigint NOT NULL,
  PRIMARY KEY (film_id, box_office_day)
);
CREATE INDEX boxoffice_film_daily_day ON boxoffice_film_daily (box_office_day);
INSERT INTO boxoffice_film_daily (film_id, box_office_day, gross, admissions)
SELECT film_id, box_office_day, sum(gross), sum(admissions) FROM boxoffice_daily GROUP BY 1, 2;
CREATE INDEX boxoffice_daily_region ON boxoffice_daily (region, box_office_day);
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION boxoffice_daily_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    WITH d AS (
      SELECT n.film_id, n.box_office_day, coalesce(c.region, '') AS region, sum(n.gross) AS gross, sum(n.admissions) AS admissions
      FROM new_rows n LEFT JOIN cinemas c ON c.id = n.cinema_id
      GROUP BY 1, 2, 3),
    a AS (
      INSERT INTO boxoffice_daily AS b (film_id, box_office_day, region, gross, admissions)
      SELECT * FROM d
      ON CONFLICT (film_id, box_office_day, region)
      DO UPDATE SET gross = b.gross + EXCLUDED.gross, admissions = b.admissions + EXCLUDED.admissions),
    fd AS (
      INSERT INTO boxoffice_film_daily AS b (film_id, box_office_day, gross, admissions)
      SELECT film_id, box_office_day, sum(gross), sum(admissions) FROM d GROUP BY 1, 2
      ON CONFLICT (film_id, box_office_day)
      DO UPDATE SET gross = b.gross + EXCLUDED.gross, admissions = b.admissions + EXCLUDED.admissions),
    m AS (
      INSERT INTO boxoffice_monthly AS b (film_id, month, region, gross, admissions)
      SELECT film_id, date_trunc('month', box_office_day)::date, region, sum(gross), sum(admissions) FROM d GROUP BY 1, 2, 3
      ON CONFLICT (film_id, month, region)
      DO UPDATE SET gross = b.gross + EXCLUDED.gross, admissions = b.admissions + EXCLUDED.admissions)
    INSERT INTO boxoffice_film_monthly AS b (film_id, month, gross, admissions)
    SELECT film_id, date_trunc('month', box_office_day)::date, sum(gross), sum(admissions) FROM d GROUP BY 1, 2
    ON CONFLICT (film_id, month)
    DO UPDATE SET gross = b.gross + EXCLUDED.gross, admissions = b.admissions + EXCLUDED.admissions;
  ELSIF TG_OP = 'UPDATE' THEN
    WITH d AS (
      SELECT x.film_id, x.box_office_day, coalesce(c.region, '') AS region, sum(x.gross) AS gross, sum(x.admissions) AS admissions
      FROM (SELECT cinema_id, film_id, box_office_day, gross, admissions FROM new_rows
            UNION ALL
            SELECT cinema_id, film_id, box_office_day, -gross, -admissions FROM old_rows) x
      LEFT JOIN cinemas c ON c.id = x.cinema_id
      GROUP BY 1, 2, 3
      HAVING sum(x.gross) <> 0 OR sum(x.admissions) <> 0),
    a AS (
      INSERT INTO boxoffice_daily AS b (film_id, box_office_day, region, gross, admissions)
      SELECT * FROM d
      ON CONFLICT (film_id, box_office_day, region)
      DO UPDATE SET gross = b.gross + EXCLUDED.gross, admissions = b.admissions + EXCLUDED.admissions),
    fd AS (
      INSERT INTO boxoffice_film_daily AS b (film_id, box_office_day, gross, admissions)
      SELECT film_id, box_office_day, sum(gross), sum(admissions) FROM d GROUP BY 1, 2
      ON CONFLICT (film_id, box_office_day)
      DO UPDATE SET gross = b.gross + EXCLUDED.gross, admissions = b.admissions + EXCLUDED.admissions),
    m AS (
      INSERT INTO boxoffice_monthly AS b (film_id, month, region, gross, admissions)
      SELECT film_id, date_trunc('month', box_office_day)::date, region, sum(gross), sum(admissions) FROM d GROUP BY 1, 2, 3
      ON CONFLICT (film_id, month, region)
      DO UPDATE SET gross = b.gross + EXCLUDED.gross, admissions = b.admissions + EXCLUDED.admissions)
    INSERT INTO boxoffice_film_monthly AS b (film_id, month, gross, admissions)
    SELECT film_id, date_trunc('month', box_office_day)::date, sum(gross), sum(admissions) FROM d GROUP BY 1, 2
    ON CONFLICT (film_id, month)
    DO UPDATE SET gross = b.gross + EXCLUDED.gross, admissions = b.admissions + EXCLUDED.admissions;
  ELSIF TG_OP = 'DELETE' THEN
    WITH d AS (
      SELECT x.film_id, x.box_office_day, coalesce(c.region, '') AS region, sum(x.gross) AS gross, sum(x.admissions) AS admissions
      FROM (SELECT cinema_id, film_id, box_office_day, -gross AS gross, -admissions AS admissions FROM old_rows) x
      LEFT JOIN cinemas c ON c.id = x.cinema_id
      GROUP BY 1, 2, 3),
    a AS (
      INSERT INTO boxoffice_daily AS b (film_id, box_office_day, region, gross, admissions)
      SELECT * FROM d
      ON CONFLICT (film_id, box_office_day, region)
      DO UPDATE SET gross = b.gross + EXCLUDED.gross, admissions = b.admissions + EXCLUDED.admissions),
    fd AS (
      INSERT INTO boxoffice_film_daily AS b (film_id, box_office_day, gross, admissions)
      SELECT film_id, box_office_day, sum(gross), sum(admissions) FROM d GROUP BY 1, 2
      ON CONFLICT (film_id, box_office_day)
      DO UPDATE SET gross = b.gross + EXCLUDED.gross, admissions = b.admissions + EXCLUDED.admissions),
    m AS (
      INSERT INTO boxoffice_monthly AS b (film_id, month, region, gross, admissions)
      SELECT film_id, date_trunc('month', box_office_day)::date, region, sum(gross), sum(admissions) FROM d GROUP BY 1, 2, 3
      ON CONFLICT (film_id, month, region)
      DO UPDATE SET gross = b.gross + EXCLUDED.gross, admissions = b.admissions + EXCLUDED.admissions)
    INSERT INTO boxoffice_film_monthly AS b (film_id, month, gross, admissions)
    SELECT film_id, date_trunc('month', box_office_day)::date, sum(gross), sum(admissions) FROM d GROUP BY 1, 2
    ON CONFLICT (film_id, month)
    DO UPDATE SET gross = b.gross + EXCLUDED.gross, admissions = b.admissions + EXCLUDED.admissions;
  ELSE -- TRUNCATE
    DELETE FROM boxoffice_daily;
    DELETE FROM boxoffice_film_daily;
    DELETE FROM boxoffice_film_monthly;
    DELETE FROM boxoffice_monthly;
  END IF;
  RETURN NULL;
END
$$;
-- +goose StatementEnd
