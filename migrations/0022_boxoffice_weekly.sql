-- Box office: weekly rollups, so that a period's days outside its whole
-- months are read as whole weeks plus at most twelve days. A week here is a
-- week of the month: days 1-7, 8-14, 15-21, 22-28 and 29 to the month's end
-- (0 to 3 days), named by its first day (boxoffice_week), so a week never
-- crosses a month and a period splits into whole months, whole weeks on each
-- side of them and at most six days before and six after
-- (boxoffice.splitPeriod).
--
-- Sales (signed deltas in the same statement as boxoffice_daily, like the
-- monthly rollups of migration 0019; the region of the sale):
--   boxoffice_film_weekly film × week (all regions)
--   boxoffice_weekly      film × week × region
-- Each has one index, its primary key in the order the rankings read it;
-- the two monthly sales rollups lose their second index the same way (their
-- primary keys reordered), so that a sales statement pays less for the two
-- more upserts.
-- Screenings (recomputed with the (film, day) keys a statement touched, as
-- in 0019):
--   screens_weekly           film × week: screenings and the cinema and
--                            hall bitmaps (the union of the week's days)
--   screenings_region_weekly film × week × region: screenings
-- screens_monthly and screenings_region_monthly are now recomputed from the
-- weekly rows (at most five a month) instead of the daily ones.

-- +goose Up
-- The first day of d's week of the month.
CREATE FUNCTION boxoffice_week(d date) RETURNS date
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  RETURN d - (extract(day FROM d)::int - 1) % 7;

CREATE TABLE boxoffice_film_weekly (
  film_id    text NOT NULL,
  week       date NOT NULL CHECK (week = boxoffice_week(week)),
  gross      numeric(16,2) NOT NULL,
  admissions bigint NOT NULL,
  PRIMARY KEY (week, film_id)
);
CREATE TABLE boxoffice_weekly (
  film_id    text NOT NULL,
  week       date NOT NULL CHECK (week = boxoffice_week(week)),
  region     text NOT NULL,
  gross      numeric(16,2) NOT NULL,
  admissions bigint NOT NULL,
  PRIMARY KEY (region, week, film_id)
);
CREATE TABLE screens_weekly (
  film_id    text NOT NULL,
  week       date NOT NULL CHECK (week = boxoffice_week(week)),
  screenings bigint NOT NULL,
  cinemas    bit varying NOT NULL,
  halls      bit varying NOT NULL,
  PRIMARY KEY (week, film_id)
);
CREATE TABLE screenings_region_weekly (
  film_id    text NOT NULL,
  week       date NOT NULL CHECK (week = boxoffice_week(week)),
  region     text NOT NULL,
  screenings bigint NOT NULL,
  PRIMARY KEY (region, week, film_id)
);
CREATE INDEX screenings_region_weekly_film ON screenings_region_weekly (film_id, week);

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
      DO UPDATE SET gross = b.gross + EXCLUDED.gross, admissions = b.admissions + EXCLUDED.admissions),
    w AS (
      INSERT INTO boxoffice_weekly AS b (film_id, week, region, gross, admissions)
      SELECT film_id, boxoffice_week(box_office_day), region, sum(gross), sum(admissions) FROM d GROUP BY 1, 2, 3
      ON CONFLICT (region, week, film_id)
      DO UPDATE SET gross = b.gross + EXCLUDED.gross, admissions = b.admissions + EXCLUDED.admissions),
    fw AS (
      INSERT INTO boxoffice_film_weekly AS b (film_id, week, gross, admissions)
      SELECT film_id, boxoffice_week(box_office_day), sum(gross), sum(admissions) FROM d GROUP BY 1, 2
      ON CONFLICT (week, film_id)
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
      DO UPDATE SET gross = b.gross + EXCLUDED.gross, admissions = b.admissions + EXCLUDED.admissions),
    w AS (
      INSERT INTO boxoffice_weekly AS b (film_id, week, region, gross, admissions)
      SELECT film_id, boxoffice_week(box_office_day), region, sum(gross), sum(admissions) FROM d GROUP BY 1, 2, 3
      ON CONFLICT (region, week, film_id)
      DO UPDATE SET gross = b.gross + EXCLUDED.gross, admissions = b.admissions + EXCLUDED.admissions),
    fw AS (
      INSERT INTO boxoffice_film_weekly AS b (film_id, week, gross, admissions)
      SELECT film_id, boxoffice_week(box_office_day), sum(gross), sum(admissions) FROM d GROUP BY 1, 2
      ON CONFLICT (week, film_id)
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
      DO UPDATE SET gross = b.gross + EXCLUDED.gross, admissions = b.admissions + EXCLUDED.admissions),
    w AS (
      INSERT INTO boxoffice_weekly AS b (film_id, week, region, gross, admissions)
      SELECT film_id, boxoffice_week(box_office_day), region, sum(gross), sum(admissions) FROM d GROUP BY 1, 2, 3
      ON CONFLICT (region, week, film_id)
      DO UPDATE SET gross = b.gross + EXCLUDED.gross, admissions = b.admissions + EXCLUDED.admissions),
    fw AS (
      INSERT INTO boxoffice_film_weekly AS b (film_id, week, gross, admissions)
      SELECT film_id, boxoffice_week(box_office_day), sum(gross), sum(admissions) FROM d GROUP BY 1, 2
      ON CONFLICT (week, film_id)
      DO UPDATE SET gross = b.gross + EXCLUDED.gross, admissions = b.admissions + EXCLUDED.admissions)
    INSERT INTO boxoffice_film_monthly AS b (film_id, month, gross, admissions)
    SELECT film_id, date_trunc('month', box_office_day)::date, sum(gross), sum(admissions) FROM d GROUP BY 1, 2
    ON CONFLICT (film_id, month)
    DO UPDATE SET gross = b.gross + EXCLUDED.gross, admissions = b.admissions + EXCLUDED.admissions;
  ELSE -- TRUNCATE
    DELETE FROM boxoffice_daily;
    DELETE FROM boxoffice_film_monthly;
    DELETE FROM boxoffice_monthly;
    DELETE FROM boxoffice_film_weekly;
    DELETE FROM boxoffice_weekly;
  END IF;
  RETURN NULL;
END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION boxoffice_screens_refresh(films text[], days date[]) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  lc int;
  lh int;
  mf text[];
  mm date[];
  wf text[];
  ww date[];
BEGIN
  SELECT array_agg(k.f), array_agg(k.d) INTO films, days
  FROM (SELECT DISTINCT u.f, u.d FROM unnest(films, days) AS u(f, d) WHERE u.f IS NOT NULL AND u.d IS NOT NULL) k;
  IF films IS NULL THEN
    RETURN;
  END IF;
  SELECT array_agg(k.f), array_agg(k.w) INTO wf, ww
  FROM (SELECT DISTINCT u.f, boxoffice_week(u.d) AS w FROM unnest(films, days) AS u(f, d)) k;
  SELECT array_agg(k.f), array_agg(k.m) INTO mf, mm
  FROM (SELECT DISTINCT u.f, date_trunc('month', u.d)::date AS m FROM unnest(films, days) AS u(f, d)) k;

  INSERT INTO boxoffice_cinema_numbers (cinema_id, no)
  SELECT x.cinema_id, m.n + row_number() OVER (ORDER BY x.cinema_id)
  FROM (SELECT DISTINCT d.cinema_id FROM unnest(films, days) AS k(f, d)
        JOIN screenings_daily d ON d.film_id = k.f AND d.box_office_day = k.d
        WHERE NOT EXISTS (SELECT 1 FROM boxoffice_cinema_numbers n WHERE n.cinema_id = d.cinema_id)) x,
       (SELECT coalesce(max(no), -1) AS n FROM boxoffice_cinema_numbers) m;
  INSERT INTO boxoffice_hall_numbers (cinema_id, hall_id, no)
  SELECT x.cinema_id, x.hall_id, m.n + row_number() OVER (ORDER BY x.cinema_id, x.hall_id)
  FROM (SELECT DISTINCT s.cinema_id, s.hall_id FROM unnest(films, days) AS k(f, d)
        JOIN screenings s ON s.film_id = k.f AND s.box_office_day = k.d
        WHERE NOT EXISTS (SELECT 1 FROM boxoffice_hall_numbers n WHERE n.cinema_id = s.cinema_id AND n.hall_id = s.hall_id)) x,
       (SELECT coalesce(max(no), -1) AS n FROM boxoffice_hall_numbers) m;
  SELECT coalesce(max(no), -1) + 1 INTO lc FROM boxoffice_cinema_numbers;
  SELECT coalesce(max(no), -1) + 1 INTO lh FROM boxoffice_hall_numbers;

  DELETE FROM screens_daily t USING unnest(films, days) AS k(f, d) WHERE t.film_id = k.f AND t.box_office_day = k.d;
  INSERT INTO screens_daily (film_id, box_office_day, screenings, cinemas, halls)
  SELECT k.f, k.d, coalesce(c.n, 0), coalesce(c.bits, boxoffice_pad(B'', lc)), coalesce(h.bits, boxoffice_pad(B'', lh))
  FROM unnest(films, days) AS k(f, d)
  LEFT JOIN LATERAL (
    SELECT sum(d.screenings) AS n, bit_or(boxoffice_bit(n.no, lc)) FILTER (WHERE d.screenings > 0) AS bits
    FROM screenings_daily d JOIN boxoffice_cinema_numbers n ON n.cinema_id = d.cinema_id
    WHERE d.film_id = k.f AND d.box_office_day = k.d) c ON true
  LEFT JOIN LATERAL (
    SELECT bit_or(boxoffice_bit(n.no, lh)) AS bits
    FROM screenings s JOIN boxoffice_hall_numbers n ON n.cinema_id = s.cinema_id AND n.hall_id = s.hall_id
    WHERE s.film_id = k.f AND s.box_office_day = k.d) h ON true
  WHERE c.n IS NOT NULL OR h.bits IS NOT NULL;

  DELETE FROM screenings_region_daily t USING unnest(films, days) AS k(f, d) WHERE t.film_id = k.f AND t.box_office_day = k.d;
  INSERT INTO screenings_region_daily (film_id, box_office_day, region, screenings)
  SELECT d.film_id, d.box_office_day, coalesce(c.region, ''), sum(d.screenings)
  FROM unnest(films, days) AS k(f, d) JOIN screenings_daily d ON d.film_id = k.f AND d.box_office_day = k.d
  LEFT JOIN cinemas c ON c.id = d.cinema_id
  GROUP BY 1, 2, 3;

  DELETE FROM screens_weekly t USING unnest(wf, ww) AS k(f, w) WHERE t.film_id = k.f AND t.week = k.w;
  INSERT INTO screens_weekly (film_id, week, screenings, cinemas, halls)
  SELECT k.f, k.w, sum(d.screenings), bit_or(boxoffice_pad(d.cinemas, lc)), bit_or(boxoffice_pad(d.halls, lh))
  FROM unnest(wf, ww) AS k(f, w) JOIN screens_daily d ON d.film_id = k.f
    AND d.box_office_day BETWEEN k.w AND k.w + 6 AND boxoffice_week(d.box_office_day) = k.w
  GROUP BY 1, 2;

  DELETE FROM screenings_region_weekly t USING unnest(wf, ww) AS k(f, w) WHERE t.film_id = k.f AND t.week = k.w;
  INSERT INTO screenings_region_weekly (film_id, week, region, screenings)
  SELECT k.f, k.w, d.region, sum(d.screenings)
  FROM unnest(wf, ww) AS k(f, w) JOIN screenings_region_daily d ON d.film_id = k.f
    AND d.box_office_day BETWEEN k.w AND k.w + 6 AND boxoffice_week(d.box_office_day) = k.w
  GROUP BY 1, 2, 3;

  -- A month is the union of its weeks (at most five rows, not 31).
  DELETE FROM screens_monthly t USING unnest(mf, mm) AS k(f, m) WHERE t.film_id = k.f AND t.month = k.m;
  INSERT INTO screens_monthly (film_id, month, screenings, cinemas, halls)
  SELECT k.f, k.m, sum(w.screenings), bit_or(boxoffice_pad(w.cinemas, lc)), bit_or(boxoffice_pad(w.halls, lh))
  FROM unnest(mf, mm) AS k(f, m) JOIN screens_weekly w ON w.film_id = k.f
    AND w.week >= k.m AND w.week < (k.m + interval '1 month')::date
  GROUP BY 1, 2;

  DELETE FROM screenings_region_monthly t USING unnest(mf, mm) AS k(f, m) WHERE t.film_id = k.f AND t.month = k.m;
  INSERT INTO screenings_region_monthly (film_id, month, region, screenings)
  SELECT k.f, k.m, w.region, sum(w.screenings)
  FROM unnest(mf, mm) AS k(f, m) JOIN screenings_region_weekly w ON w.film_id = k.f
    AND w.week >= k.m AND w.week < (k.m + interval '1 month')::date
  GROUP BY 1, 2, 3;
END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION boxoffice_screens_refresh_all() RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  f text[];
  d date[];
BEGIN
  DELETE FROM screens_daily;
  DELETE FROM screens_monthly;
  DELETE FROM screenings_region_daily;
  DELETE FROM screenings_region_monthly;
  DELETE FROM screens_weekly;
  DELETE FROM screenings_region_weekly;
  SELECT array_agg(film_id), array_agg(box_office_day) INTO f, d FROM (
    SELECT film_id, box_office_day FROM screenings_daily UNION SELECT film_id, box_office_day FROM screenings) k;
  PERFORM boxoffice_screens_refresh(coalesce(f, '{}'), coalesce(d, '{}'));
END
$$;
-- +goose StatementEnd

-- Rows written before this migration.
INSERT INTO boxoffice_film_weekly (film_id, week, gross, admissions)
SELECT film_id, boxoffice_week(box_office_day), sum(gross), sum(admissions) FROM boxoffice_daily GROUP BY 1, 2;
INSERT INTO boxoffice_weekly (film_id, week, region, gross, admissions)
SELECT film_id, boxoffice_week(box_office_day), region, sum(gross), sum(admissions) FROM boxoffice_daily GROUP BY 1, 2, 3;
INSERT INTO screens_weekly (film_id, week, screenings, cinemas, halls)
SELECT d.film_id, boxoffice_week(d.box_office_day), sum(d.screenings),
       bit_or(boxoffice_pad(d.cinemas, l.lc)), bit_or(boxoffice_pad(d.halls, l.lh))
FROM screens_daily d,
     (SELECT (SELECT coalesce(max(no), -1) + 1 FROM boxoffice_cinema_numbers) AS lc,
             (SELECT coalesce(max(no), -1) + 1 FROM boxoffice_hall_numbers) AS lh) l
GROUP BY 1, 2;
INSERT INTO screenings_region_weekly (film_id, week, region, screenings)
SELECT film_id, boxoffice_week(box_office_day), region, sum(screenings) FROM screenings_region_daily GROUP BY 1, 2, 3;

-- The monthly sales rollups keep one index each, their primary key in the
-- order the rankings read them (the period's months; a region's months), so
-- that the weekly ones cost the write path less.
ALTER TABLE boxoffice_film_monthly DROP CONSTRAINT boxoffice_film_monthly_pkey, ADD PRIMARY KEY (month, film_id);
DROP INDEX boxoffice_film_monthly_month;
ALTER TABLE boxoffice_monthly DROP CONSTRAINT boxoffice_monthly_pkey, ADD PRIMARY KEY (region, month, film_id);
DROP INDEX boxoffice_monthly_region;

-- +goose Down
ALTER TABLE boxoffice_film_monthly DROP CONSTRAINT boxoffice_film_monthly_pkey, ADD PRIMARY KEY (film_id, month);
CREATE INDEX boxoffice_film_monthly_month ON boxoffice_film_monthly (month);
ALTER TABLE boxoffice_monthly DROP CONSTRAINT boxoffice_monthly_pkey, ADD PRIMARY KEY (film_id, month, region);
CREATE INDEX boxoffice_monthly_region ON boxoffice_monthly (region, month);
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

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION boxoffice_screens_refresh(films text[], days date[]) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  lc int;
  lh int;
  mf text[];
  mm date[];
BEGIN
  SELECT array_agg(k.f), array_agg(k.d) INTO films, days
  FROM (SELECT DISTINCT u.f, u.d FROM unnest(films, days) AS u(f, d) WHERE u.f IS NOT NULL AND u.d IS NOT NULL) k;
  IF films IS NULL THEN
    RETURN;
  END IF;
  SELECT array_agg(k.f), array_agg(k.m) INTO mf, mm
  FROM (SELECT DISTINCT u.f, date_trunc('month', u.d)::date AS m FROM unnest(films, days) AS u(f, d)) k;

  INSERT INTO boxoffice_cinema_numbers (cinema_id, no)
  SELECT x.cinema_id, m.n + row_number() OVER (ORDER BY x.cinema_id)
  FROM (SELECT DISTINCT d.cinema_id FROM unnest(films, days) AS k(f, d)
        JOIN screenings_daily d ON d.film_id = k.f AND d.box_office_day = k.d
        WHERE NOT EXISTS (SELECT 1 FROM boxoffice_cinema_numbers n WHERE n.cinema_id = d.cinema_id)) x,
       (SELECT coalesce(max(no), -1) AS n FROM boxoffice_cinema_numbers) m;
  INSERT INTO boxoffice_hall_numbers (cinema_id, hall_id, no)
  SELECT x.cinema_id, x.hall_id, m.n + row_number() OVER (ORDER BY x.cinema_id, x.hall_id)
  FROM (SELECT DISTINCT s.cinema_id, s.hall_id FROM unnest(films, days) AS k(f, d)
        JOIN screenings s ON s.film_id = k.f AND s.box_office_day = k.d
        WHERE NOT EXISTS (SELECT 1 FROM boxoffice_hall_numbers n WHERE n.cinema_id = s.cinema_id AND n.hall_id = s.hall_id)) x,
       (SELECT coalesce(max(no), -1) AS n FROM boxoffice_hall_numbers) m;
  SELECT coalesce(max(no), -1) + 1 INTO lc FROM boxoffice_cinema_numbers;
  SELECT coalesce(max(no), -1) + 1 INTO lh FROM boxoffice_hall_numbers;

  DELETE FROM screens_daily t USING unnest(films, days) AS k(f, d) WHERE t.film_id = k.f AND t.box_office_day = k.d;
  INSERT INTO screens_daily (film_id, box_office_day, screenings, cinemas, halls)
  SELECT k.f, k.d, coalesce(c.n, 0), coalesce(c.bits, boxoffice_pad(B'', lc)), coalesce(h.bits, boxoffice_pad(B'', lh))
  FROM unnest(films, days) AS k(f, d)
  LEFT JOIN LATERAL (
    SELECT sum(d.screenings) AS n, bit_or(boxoffice_bit(n.no, lc)) FILTER (WHERE d.screenings > 0) AS bits
    FROM screenings_daily d JOIN boxoffice_cinema_numbers n ON n.cinema_id = d.cinema_id
    WHERE d.film_id = k.f AND d.box_office_day = k.d) c ON true
  LEFT JOIN LATERAL (
    SELECT bit_or(boxoffice_bit(n.no, lh)) AS bits
    FROM screenings s JOIN boxoffice_hall_numbers n ON n.cinema_id = s.cinema_id AND n.hall_id = s.hall_id
    WHERE s.film_id = k.f AND s.box_office_day = k.d) h ON true
  WHERE c.n IS NOT NULL OR h.bits IS NOT NULL;

  DELETE FROM screenings_region_daily t USING unnest(films, days) AS k(f, d) WHERE t.film_id = k.f AND t.box_office_day = k.d;
  INSERT INTO screenings_region_daily (film_id, box_office_day, region, screenings)
  SELECT d.film_id, d.box_office_day, coalesce(c.region, ''), sum(d.screenings)
  FROM unnest(films, days) AS k(f, d) JOIN screenings_daily d ON d.film_id = k.f AND d.box_office_day = k.d
  LEFT JOIN cinemas c ON c.id = d.cinema_id
  GROUP BY 1, 2, 3;

  DELETE FROM screens_monthly t USING unnest(mf, mm) AS k(f, m) WHERE t.film_id = k.f AND t.month = k.m;
  INSERT INTO screens_monthly (film_id, month, screenings, cinemas, halls)
  SELECT k.f, k.m, sum(d.screenings), bit_or(boxoffice_pad(d.cinemas, lc)), bit_or(boxoffice_pad(d.halls, lh))
  FROM unnest(mf, mm) AS k(f, m) JOIN screens_daily d ON d.film_id = k.f
    AND d.box_office_day >= k.m AND d.box_office_day < (k.m + interval '1 month')::date
  GROUP BY 1, 2;

  DELETE FROM screenings_region_monthly t USING unnest(mf, mm) AS k(f, m) WHERE t.film_id = k.f AND t.month = k.m;
  INSERT INTO screenings_region_monthly (film_id, month, region, screenings)
  SELECT k.f, k.m, d.region, sum(d.screenings)
  FROM unnest(mf, mm) AS k(f, m) JOIN screenings_region_daily d ON d.film_id = k.f
    AND d.box_office_day >= k.m AND d.box_office_day < (k.m + interval '1 month')::date
  GROUP BY 1, 2, 3;
END
$$;
-- +goose StatementEnd

-- Every key, for TRUNCATE and for the rows written before this migration.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION boxoffice_screens_refresh_all() RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  f text[];
  d date[];
BEGIN
  DELETE FROM screens_daily;
  DELETE FROM screens_monthly;
  DELETE FROM screenings_region_daily;
  DELETE FROM screenings_region_monthly;
  SELECT array_agg(film_id), array_agg(box_office_day) INTO f, d FROM (
    SELECT film_id, box_office_day FROM screenings_daily UNION SELECT film_id, box_office_day FROM screenings) k;
  PERFORM boxoffice_screens_refresh(coalesce(f, '{}'), coalesce(d, '{}'));
END
$$;
-- +goose StatementEnd

DROP TABLE screenings_region_weekly;
DROP TABLE screens_weekly;
DROP TABLE boxoffice_weekly;
DROP TABLE boxoffice_film_weekly;
DROP FUNCTION boxoffice_week(date);
