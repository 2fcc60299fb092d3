-- +goose Up
-- Dated ownership (issue 13 D6): which exhibitor operated a cinema, and
-- which producer and distributor held a film, on each box-office day.
-- Projections of the registry's cinema and film entries (registry/project.go):
-- a PUT that changes the party carries effective_from, which closes the row
-- in force (valid_to) and opens the next; an entry that changed it without
-- effective_from (written before this migration) replaces the history with
-- one row from the beginning. valid_from NULL means from the beginning,
-- valid_to NULL still in force; ranges are [valid_from, valid_to).
-- entry_seq is the entry that made the party the holder.
CREATE TABLE cinema_ownership (
  cinema_id    text   NOT NULL,
  exhibitor_id text   NOT NULL,
  valid_from   date,
  valid_to     date,
  entry_seq    bigint NOT NULL,
  PRIMARY KEY (cinema_id, entry_seq),
  CHECK (valid_from IS NULL OR valid_to IS NULL OR valid_from < valid_to)
);
CREATE UNIQUE INDEX cinema_ownership_current ON cinema_ownership (cinema_id) WHERE valid_to IS NULL;
CREATE INDEX cinema_ownership_exhibitor ON cinema_ownership (exhibitor_id);

CREATE TABLE film_ownership (
  film_id        text   NOT NULL,
  producer_id    text   NOT NULL,
  distributor_id text   NOT NULL,
  valid_from     date,
  valid_to       date,
  entry_seq      bigint NOT NULL,
  PRIMARY KEY (film_id, entry_seq),
  CHECK (valid_from IS NULL OR valid_to IS NULL OR valid_from < valid_to)
);
CREATE UNIQUE INDEX film_ownership_current ON film_ownership (film_id) WHERE valid_to IS NULL;
CREATE INDEX film_ownership_producer ON film_ownership (producer_id);
CREATE INDEX film_ownership_distributor ON film_ownership (distributor_id);

-- Every existing cinema and film: its current holders from the beginning,
-- recorded by the entry that last changed them (what replaying the entries
-- through the projection gives).
INSERT INTO cinema_ownership (cinema_id, exhibitor_id, valid_from, valid_to, entry_seq)
SELECT DISTINCT ON (id) id, body->>'exhibitor_id', NULL, NULL, entry_seq
FROM (SELECT id, version, entry_seq, body,
             lag(body->>'exhibitor_id') OVER (PARTITION BY id ORDER BY version) AS prev
      FROM registry_versions WHERE kind = 'cinema') v
WHERE prev IS DISTINCT FROM body->>'exhibitor_id'
ORDER BY id, version DESC;

INSERT INTO film_ownership (film_id, producer_id, distributor_id, valid_from, valid_to, entry_seq)
SELECT DISTINCT ON (id) id, body->>'producer_id', body->>'distributor_id', NULL, NULL, entry_seq
FROM (SELECT id, version, entry_seq, body,
             lag(body->>'producer_id') OVER w AS prev_producer,
             lag(body->>'distributor_id') OVER w AS prev_distributor
      FROM registry_versions WHERE kind = 'film'
      WINDOW w AS (PARTITION BY id ORDER BY version)) v
WHERE prev_producer IS DISTINCT FROM body->>'producer_id' OR prev_distributor IS DISTINCT FROM body->>'distributor_id'
ORDER BY id, version DESC;

-- +goose Down
DROP TABLE film_ownership;
DROP TABLE cinema_ownership;
