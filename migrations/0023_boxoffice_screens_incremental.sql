-- Box office: the screenings rollups of migrations 0019 and 0022 kept by
-- deltas in the common case. Until now every statement on screenings or
-- screenings_daily recomputed each (film, day) it touched from all the
-- film-day's screenings (boxoffice_screens_refresh: screens_daily with its
-- cinema and hall bitmaps, screenings_region_daily, then the week from its
-- days and the month from its weeks), twice a registration (the INSERT
-- into screenings, then the screenings_daily count), and its cost grew with
-- the screenings of the film-day.
--
-- Now the statements that only add are applied as deltas
-- (boxoffice_screens_add): upserts that add the counts and OR the new bits
-- into the day's, the week's and the month's rows (bitmaps padded to the
-- numbering's current length, as a refresh pads them):
--   INSERT into screenings         the hall's bit (and the row, if new)
--   INSERT into screenings_daily   the count, the cinema's bit when the
--                                  count is positive, the region's count
--   UPDATE of screenings_daily     the count's change, the cinema's bit when
--                                  the count becomes positive — when every
--                                  row keeps its key and no count falls from
--                                  positive to zero
-- A day's, week's or month's row then equals what a refresh would write:
-- counts are sums, bitmaps unions, and a row exists when one of its days
-- has a screenings_daily or screenings row, all of which only grow here.
-- Everything else still refreshes the keys it touched, as before: DELETE,
-- an UPDATE of screenings_daily that moves a row to another key or clears a
-- cinema's bit (a count falling to zero), a screening moved to another
-- cinema, hall, film or day (the row trigger of 0019), a cinema's region
-- changed, TRUNCATE (everything). Sales never touch these rollups (the
-- totals of screenings have no statement trigger).

-- +goose Up
-- Adds to the screenings rollups: for each i, dn[i] screenings of cinema
-- dc[i] for film df[i] on box-office day dd[i], with the cinema's bit set
-- when don[i] (its count there is now positive); for each j, a screening in
-- hall hh[j] of cinema hc[j] for film hf[j] on day hd[j]. Only exact when
-- nothing has to be taken away (see above).
-- +goose StatementBegin
CREATE FUNCTION boxoffice_screens_add(dc text[], df text[], dd date[], dn int[], don boolean[],
                                      hc text[], hh text[], hf text[], hd date[]) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  lc int;
  lh int;
BEGIN
  IF cardinality(dc) > 0 THEN
    INSERT INTO boxoffice_cinema_numbers (cinema_id, no)
    SELECT x.c, m.n + row_number() OVER (ORDER BY x.c)
    FROM (SELECT DISTINCT u.c FROM unnest(dc) AS u(c)
          WHERE NOT EXISTS (SELECT 1 FROM boxoffice_cinema_numbers n WHERE n.cinema_id = u.c)) x,
         (SELECT coalesce(max(no), -1) AS n FROM boxoffice_cinema_numbers) m;
  END IF;
  IF cardinality(hc) > 0 THEN
    INSERT INTO boxoffice_hall_numbers (cinema_id, hall_id, no)
    SELECT x.c, x.h, m.n + row_number() OVER (ORDER BY x.c, x.h)
    FROM (SELECT DISTINCT u.c, u.h FROM unnest(hc, hh) AS u(c, h)
          WHERE NOT EXISTS (SELECT 1 FROM boxoffice_hall_numbers n WHERE n.cinema_id = u.c AND n.hall_id = u.h)) x,
         (SELECT coalesce(max(no), -1) AS n FROM boxoffice_hall_numbers) m;
  END IF;
  SELECT coalesce(max(no), -1) + 1 INTO lc FROM boxoffice_cinema_numbers;
  SELECT coalesce(max(no), -1) + 1 INTO lh FROM boxoffice_hall_numbers;

  WITH k AS (
    SELECT x.f, x.d, sum(x.n) AS n, bit_or(x.c) AS c, bit_or(x.h) AS h FROM (
      SELECT u.f, u.d, u.n,
             CASE WHEN u.o THEN boxoffice_bit(n.no, lc) ELSE boxoffice_pad(B'', lc) END AS c,
             boxoffice_pad(B'', lh) AS h
      FROM unnest(dc, df, dd, dn, don) AS u(c, f, d, n, o) JOIN boxoffice_cinema_numbers n ON n.cinema_id = u.c
      UNION ALL
      SELECT u.f, u.d, 0, boxoffice_pad(B'', lc), boxoffice_bit(n.no, lh)
      FROM unnest(hc, hh, hf, hd) AS u(c, h, f, d) JOIN boxoffice_hall_numbers n ON n.cinema_id = u.c AND n.hall_id = u.h) x
    GROUP BY 1, 2),
  sd AS (
    INSERT INTO screens_daily AS t (film_id, box_office_day, screenings, cinemas, halls)
    SELECT f, d, n, c, h FROM k
    ON CONFLICT (box_office_day, film_id) DO UPDATE SET screenings = t.screenings + EXCLUDED.screenings,
      cinemas = boxoffice_pad(t.cinemas, lc) | EXCLUDED.cinemas, halls = boxoffice_pad(t.halls, lh) | EXCLUDED.halls),
  sw AS (
    INSERT INTO screens_weekly AS t (film_id, week, screenings, cinemas, halls)
    SELECT f, boxoffice_week(d), sum(n), bit_or(c), bit_or(h) FROM k GROUP BY 1, 2
    ON CONFLICT (week, film_id) DO UPDATE SET screenings = t.screenings + EXCLUDED.screenings,
      cinemas = boxoffice_pad(t.cinemas, lc) | EXCLUDED.cinemas, halls = boxoffice_pad(t.halls, lh) | EXCLUDED.halls)
  INSERT INTO screens_monthly AS t (film_id, month, screenings, cinemas, halls)
  SELECT f, date_trunc('month', d)::date, sum(n), bit_or(c), bit_or(h) FROM k GROUP BY 1, 2
  ON CONFLICT (month, film_id) DO UPDATE SET screenings = t.screenings + EXCLUDED.screenings,
    cinemas = boxoffice_pad(t.cinemas, lc) | EXCLUDED.cinemas, halls = boxoffice_pad(t.halls, lh) | EXCLUDED.halls;

  IF cardinality(dc) > 0 THEN
    WITH r AS (
      SELECT u.f, u.d, coalesce(c.region, '') AS region, sum(u.n) AS n
      FROM unnest(dc, df, dd, dn) AS u(c, f, d, n) LEFT JOIN cinemas c ON c.id = u.c
      GROUP BY 1, 2, 3),
    rd AS (
      INSERT INTO screenings_region_daily AS t (film_id, box_office_day, region, screenings)
      SELECT f, d, region, n FROM r
      ON CONFLICT (region, box_office_day, film_id) DO UPDATE SET screenings = t.screenings + EXCLUDED.screenings),
    rw AS (
      INSERT INTO screenings_region_weekly AS t (film_id, week, region, screenings)
      SELECT f, boxoffice_week(d), region, sum(n) FROM r GROUP BY 1, 2, 3
      ON CONFLICT (region, week, film_id) DO UPDATE SET screenings = t.screenings + EXCLUDED.screenings)
    INSERT INTO screenings_region_monthly AS t (film_id, month, region, screenings)
    SELECT f, date_trunc('month', d)::date, region, sum(n) FROM r GROUP BY 1, 2, 3
    ON CONFLICT (region, month, film_id) DO UPDATE SET screenings = t.screenings + EXCLUDED.screenings;
  END IF;
END
$$;
-- +goose StatementEnd

-- The statement triggers of 0019 on screenings and screenings_daily: adds
-- by deltas where that is exact, refreshes the keys otherwise.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION boxoffice_screens_apply() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  f text[];
  d date[];
  c text[];
  h text[];
  n int[];
  o boolean[];
  matched bigint;
  exact boolean;
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    PERFORM boxoffice_screens_refresh_all();
    RETURN NULL;
  END IF;
  IF TG_OP = 'INSERT' AND TG_TABLE_NAME = 'screenings' THEN
    SELECT array_agg(cinema_id), array_agg(hall_id), array_agg(film_id), array_agg(box_office_day) INTO c, h, f, d FROM new_rows;
    IF c IS NOT NULL THEN
      PERFORM boxoffice_screens_add('{}', '{}', '{}', '{}', '{}', c, h, f, d);
    END IF;
    RETURN NULL;
  ELSIF TG_OP = 'INSERT' AND TG_TABLE_NAME = 'screenings_daily' THEN
    SELECT array_agg(cinema_id), array_agg(film_id), array_agg(box_office_day), array_agg(screenings), array_agg(screenings > 0)
    INTO c, f, d, n, o FROM new_rows;
    IF c IS NOT NULL THEN
      PERFORM boxoffice_screens_add(c, f, d, n, o, '{}', '{}', '{}', '{}');
    END IF;
    RETURN NULL;
  ELSIF TG_OP = 'UPDATE' AND TG_TABLE_NAME = 'screenings_daily' THEN
    -- Pairs by key: every old row's key among the new rows (the counts of
    -- both are equal), and no count falling from positive to zero.
    SELECT array_agg(x.cinema_id) FILTER (WHERE x.screenings <> y.screenings),
           array_agg(x.film_id) FILTER (WHERE x.screenings <> y.screenings),
           array_agg(x.box_office_day) FILTER (WHERE x.screenings <> y.screenings),
           array_agg(x.screenings - y.screenings) FILTER (WHERE x.screenings <> y.screenings),
           array_agg(x.screenings > 0) FILTER (WHERE x.screenings <> y.screenings),
           count(*), coalesce(bool_and(x.screenings > 0 OR y.screenings = 0), true)
    INTO c, f, d, n, o, matched, exact
    FROM new_rows x JOIN old_rows y USING (cinema_id, film_id, box_office_day);
    IF exact AND matched = (SELECT count(*) FROM old_rows) THEN
      IF c IS NOT NULL THEN
        PERFORM boxoffice_screens_add(c, f, d, n, o, '{}', '{}', '{}', '{}');
      END IF;
      RETURN NULL;
    END IF;
    SELECT array_agg(film_id), array_agg(box_office_day) INTO f, d FROM (
      SELECT film_id, box_office_day FROM new_rows UNION SELECT film_id, box_office_day FROM old_rows) k;
  ELSIF TG_OP = 'UPDATE' THEN
    SELECT array_agg(film_id), array_agg(box_office_day) INTO f, d FROM (
      SELECT film_id, box_office_day FROM new_rows UNION SELECT film_id, box_office_day FROM old_rows) k;
  ELSE
    SELECT array_agg(film_id), array_agg(box_office_day) INTO f, d FROM old_rows;
  END IF;
  IF f IS NOT NULL THEN
    PERFORM boxoffice_screens_refresh(f, d);
  END IF;
  RETURN NULL;
END
$$;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION boxoffice_screens_apply() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  f text[];
  d date[];
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    PERFORM boxoffice_screens_refresh_all();
    RETURN NULL;
  END IF;
  IF TG_OP = 'INSERT' THEN
    SELECT array_agg(film_id), array_agg(box_office_day) INTO f, d FROM new_rows;
  ELSIF TG_OP = 'UPDATE' THEN
    SELECT array_agg(film_id), array_agg(box_office_day) INTO f, d FROM (
      SELECT film_id, box_office_day FROM new_rows UNION SELECT film_id, box_office_day FROM old_rows) k;
  ELSE
    SELECT array_agg(film_id), array_agg(box_office_day) INTO f, d FROM old_rows;
  END IF;
  IF f IS NOT NULL THEN
    PERFORM boxoffice_screens_refresh(f, d);
  END IF;
  RETURN NULL;
END
$$;
-- +goose StatementEnd
DROP FUNCTION boxoffice_screens_add(text[], text[], date[], int[], boolean[], text[], text[], text[], date[]);
