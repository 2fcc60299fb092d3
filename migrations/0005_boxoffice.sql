-- Box office: a derived rollup of sales_daily per film, box-office day and
-- region (no cinema, no sale date), about eight times fewer rows, so that
-- rankings and shares over a month or a year stay fast.
--
-- It is maintained by triggers on sales_daily, so it changes in the same
-- transaction as the sale or refund entry whose Project func wrote
-- sales_daily (ingest's code is unchanged). The region is the cinema's
-- region when the row was written. The service role's appends are
-- serialised by the ledger head lock, so the upserts never contend.

-- +goose Up
CREATE TABLE boxoffice_daily (
  film_id        text NOT NULL,
  box_office_day date NOT NULL,
  region         text NOT NULL,
  gross          numeric(16,2) NOT NULL,
  admissions     bigint NOT NULL,
  PRIMARY KEY (film_id, box_office_day, region)
);
CREATE INDEX boxoffice_daily_day ON boxoffice_daily (box_office_day, film_id);

-- Statement-level triggers with transition tables: one set-based upsert
-- per statement (ingest writes sales_daily with one statement per entry),
-- not one per row. deltas are signed changes per film, day and cinema.
-- +goose StatementBegin
CREATE FUNCTION boxoffice_daily_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO boxoffice_daily AS b (film_id, box_office_day, region, gross, admissions)
    SELECT n.film_id, n.box_office_day, coalesce(c.region, ''), sum(n.gross), sum(n.admissions)
    FROM new_rows n LEFT JOIN cinemas c ON c.id = n.cinema_id
    GROUP BY 1, 2, 3
    ON CONFLICT (film_id, box_office_day, region)
    DO UPDATE SET gross = b.gross + EXCLUDED.gross, admissions = b.admissions + EXCLUDED.admissions;
  ELSIF TG_OP = 'UPDATE' THEN
    INSERT INTO boxoffice_daily AS b (film_id, box_office_day, region, gross, admissions)
    SELECT x.film_id, x.box_office_day, coalesce(c.region, ''), sum(x.gross), sum(x.admissions)
    FROM (SELECT cinema_id, film_id, box_office_day, gross, admissions FROM new_rows
          UNION ALL
          SELECT cinema_id, film_id, box_office_day, -gross, -admissions FROM old_rows) x
    LEFT JOIN cinemas c ON c.id = x.cinema_id
    GROUP BY 1, 2, 3
    HAVING sum(x.gross) <> 0 OR sum(x.admissions) <> 0
    ON CONFLICT (film_id, box_office_day, region)
    DO UPDATE SET gross = b.gross + EXCLUDED.gross, admissions = b.admissions + EXCLUDED.admissions;
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO boxoffice_daily AS b (film_id, box_office_day, region, gross, admissions)
    SELECT o.film_id, o.box_office_day, coalesce(c.region, ''), -sum(o.gross), -sum(o.admissions)
    FROM old_rows o LEFT JOIN cinemas c ON c.id = o.cinema_id
    GROUP BY 1, 2, 3
    ON CONFLICT (film_id, box_office_day, region)
    DO UPDATE SET gross = b.gross + EXCLUDED.gross, admissions = b.admissions + EXCLUDED.admissions;
  ELSE -- TRUNCATE
    DELETE FROM boxoffice_daily;
  END IF;
  RETURN NULL;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER sales_daily_boxoffice_insert AFTER INSERT ON sales_daily
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION boxoffice_daily_apply();
CREATE TRIGGER sales_daily_boxoffice_update AFTER UPDATE ON sales_daily
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION boxoffice_daily_apply();
CREATE TRIGGER sales_daily_boxoffice_delete AFTER DELETE ON sales_daily
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION boxoffice_daily_apply();
CREATE TRIGGER sales_daily_boxoffice_truncate AFTER TRUNCATE ON sales_daily
  FOR EACH STATEMENT EXECUTE FUNCTION boxoffice_daily_apply();

-- Rows written before this migration.
INSERT INTO boxoffice_daily (film_id, box_office_day, region, gross, admissions)
SELECT d.film_id, d.box_office_day, coalesce(c.region, ''), sum(d.gross), sum(d.admissions)
FROM sales_daily d LEFT JOIN cinemas c ON c.id = d.cinema_id
GROUP BY 1, 2, 3;

-- +goose Down
DROP TRIGGER sales_daily_boxoffice_truncate ON sales_daily;
DROP TRIGGER sales_daily_boxoffice_delete ON sales_daily;
DROP TRIGGER sales_daily_boxoffice_update ON sales_daily;
DROP TRIGGER sales_daily_boxoffice_insert ON sales_daily;
DROP FUNCTION boxoffice_daily_apply();
DROP TABLE boxoffice_daily;
