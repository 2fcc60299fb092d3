-- The demo data set a database holds, if any (`ecinema demo`, `make run`).
-- Its parameters are kept so that running the same command again finishes
-- an interrupted load (what is already there is skipped, nothing is posted
-- twice) and a load with other parameters is refused. Bookkeeping of the
-- demo tool only: no ledger entry depends on it and verify ignores it.

-- +goose Up
CREATE TABLE demo_datasets (
  singleton    boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  seed         bigint NOT NULL,
  scale        double precision NOT NULL CHECK (scale > 0),
  first_day    date NOT NULL,
  last_day     date NOT NULL CHECK (last_day >= first_day),
  started_at   timestamptz NOT NULL DEFAULT now(),
  completed_at timestamptz
);

-- +goose Down
DROP TABLE demo_datasets;
