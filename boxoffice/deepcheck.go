package boxoffice

import (
	"context"

	"github.com/jackc/pgx/v5"

	"ecinema/ledger"
)

// The derived rollup as sales_daily implies it, and as stored. Rows that
// net to zero are left out on both sides.
const (
	qDeepRebuilt = `
SELECT d.film_id, d.box_office_day, coalesce(c.region, '') AS region, sum(d.gross) AS gross, sum(d.admissions) AS admissions
FROM public.sales_daily d LEFT JOIN public.cinemas c ON c.id = d.cinema_id
GROUP BY 1, 2, 3
HAVING sum(d.gross) <> 0 OR sum(d.admissions) <> 0`
	qDeepStored = `
SELECT film_id, box_office_day, region, gross, admissions
FROM public.boxoffice_daily
WHERE gross <> 0 OR admissions <> 0`
)

// DeepCheck checks, for `ecinema verify --deep`, that the derived rollup
// boxoffice_daily equals sales_daily summed per film, box-office day and
// region (ingest's deep check rebuilds sales_daily itself from the log).
type DeepCheck struct{}

// NewDeepCheck returns the box-office rollup check.
func NewDeepCheck() ledger.DeepCheck { return DeepCheck{} }

// Name names the check.
func (DeepCheck) Name() string { return "boxoffice" }

// Begin does nothing: the rollup derives from sales_daily, not from entries.
func (DeepCheck) Begin(context.Context, pgx.Tx) error { return nil }

// Entry does nothing.
func (DeepCheck) Entry(context.Context, pgx.Tx, ledger.Entry, ledger.ParsedEntry) error { return nil }

// Compare reports the first differing row of boxoffice_daily.
func (DeepCheck) Compare(ctx context.Context, tx pgx.Tx) error {
	return ledger.CompareQueries(ctx, tx, "boxoffice_daily", qDeepRebuilt, qDeepStored, "")
}
