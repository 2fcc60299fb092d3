package ingest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"ecinema/ledger"
)

// deepTables are the ingest projections deepCheck rebuilds from the
// entries, with the columns compared. The anomalies table (flags are not
// hashed) and idempotency keys (not facts of the log) are not rebuilt.
var deepTables = []ledger.ShadowTable{
	{Name: "screenings", Columns: "cinema_id, id, hall_id, film_id, starts_at, ends_at, box_office_day, format, language, entry_seq, seats, version, tickets_sold, tickets_active, gross", SeqColumn: "entry_seq"},
	{Name: "tickets", Columns: "cinema_id, id, screening_id, film_id, price, category, seat, channel, sold_at, sale_date, box_office_day, sale_seq, refunded_at, refund_seq", SeqColumn: "sale_seq"},
	{Name: "sales_daily", Columns: "cinema_id, film_id, box_office_day, sale_date, gross, admissions"},
	{Name: "screenings_daily", Columns: "cinema_id, film_id, box_office_day, screenings"},
}

// deepFlushAt is how many entries the rebuild buffers before it projects.
const deepFlushAt = 4000

// deepCheck rebuilds screenings, tickets, sales_daily and screenings_daily
// from the screening, sale and refund entries for `ecinema verify --deep`
// and compares them with the stored tables. It replays through the same
// projection functions the live writes use (projectScreenings,
// projectSales, projectRefunds), on temporary tables that shadow the
// stored ones, a buffer of entries at a time: the buffered screenings,
// then the sales, then the refunds. That order gives the rows sequential
// replay gives: a screening is never replaced once it has sales, a refund
// follows its sale, and every total is a sum. Only the partial unique
// index of active seats could object (a seat refunded and sold again
// within one buffer is sold before the refund is applied), so the shadow
// of tickets goes without it; the stored table keeps it, and the
// comparison still finds any difference. The buffer is projected when it
// is full, before an entry of another kind (FlushBefore; VerifyDB calls it
// before settlement's check reads sales_daily at a period_close), and
// before Compare.
type deepCheck struct{ run *deepRun }

type deepRun struct {
	screenings, sales, refunds []bodyEntry
}

func (r *deepRun) len() int { return len(r.screenings) + len(r.sales) + len(r.refunds) }

// NewDeepCheck returns the ingest projection check.
func NewDeepCheck() ledger.DeepCheck { return deepCheck{run: &deepRun{}} }

// Name names the check.
func (deepCheck) Name() string { return "ingest" }

// sqlSeatIndexOfShadow names the shadow's copy of tickets_active_seat.
const sqlSeatIndexOfShadow = `SELECT i.relname FROM pg_index x
JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
WHERE t.oid = 'pg_temp.tickets'::regclass AND x.indisunique AND NOT x.indisprimary`

// Begin creates empty temporary copies (with the same indexes, but for
// the active-seat one) that shadow the stored tables for the rest of the
// transaction.
func (d deepCheck) Begin(ctx context.Context, tx pgx.Tx) error {
	*d.run = deepRun{}
	if err := ledger.CreateShadows(ctx, tx, deepTables); err != nil {
		return fmt.Errorf("ingest: deep check: %w", err)
	}
	var names []string
	rows, err := tx.Query(ctx, sqlSeatIndexOfShadow)
	if err == nil {
		names, err = pgx.CollectRows(rows, pgx.RowTo[string])
	}
	for _, n := range names {
		if err == nil {
			_, err = tx.Exec(ctx, "DROP INDEX pg_temp."+pgx.Identifier{n}.Sanitize())
		}
	}
	if err != nil {
		return fmt.Errorf("ingest: deep check: shadow of tickets: %w", err)
	}
	return nil
}

// Entry buffers screening, sale and refund entries.
func (d deepCheck) Entry(ctx context.Context, tx pgx.Tx, e ledger.Entry, p ledger.ParsedEntry) error {
	var buf *[]bodyEntry
	switch p.Kind {
	case "screening":
		buf = &d.run.screenings
	case "sale":
		buf = &d.run.sales
	case "refund":
		buf = &d.run.refunds
	default:
		return nil
	}
	*buf = append(*buf, bodyEntry{Seq: e.Seq, Body: append([]byte(nil), p.Body...)})
	if d.run.len() >= deepFlushAt {
		return d.flush(ctx, tx)
	}
	return nil
}

// FlushBefore projects the buffer before an entry of another kind than
// screening, sale or refund.
func (d deepCheck) FlushBefore(ctx context.Context, tx pgx.Tx, kind string) error {
	switch kind {
	case "screening", "sale", "refund":
		return nil
	}
	return d.flush(ctx, tx)
}

func (d deepCheck) flush(ctx context.Context, tx pgx.Tx) error {
	r := d.run
	if r.len() == 0 {
		return nil
	}
	defer func() { r.screenings, r.sales, r.refunds = r.screenings[:0], r.sales[:0], r.refunds[:0] }()
	b := &pgx.Batch{}
	var err error
	if len(r.screenings) > 0 {
		err = projectScreenings(b, r.screenings)
	}
	if err == nil {
		err = projectSales(b, r.sales)
	}
	if err == nil {
		err = projectRefunds(b, r.refunds)
	}
	if err == nil {
		err = tx.SendBatch(ctx, b).Close()
	}
	if err != nil {
		return fmt.Errorf("ingest: deep check: entries up to %d: %w", r.lastSeq(), err)
	}
	return nil
}

func (r *deepRun) lastSeq() int64 {
	var m int64 = -1
	for _, es := range [][]bodyEntry{r.screenings, r.sales, r.refunds} {
		if len(es) > 0 && es[len(es)-1].Seq > m {
			m = es[len(es)-1].Seq
		}
	}
	return m
}

// Compare projects what is buffered, compares the rebuilt tables with the
// stored ones and drops the temporary tables.
func (d deepCheck) Compare(ctx context.Context, tx pgx.Tx) error {
	if err := d.flush(ctx, tx); err != nil {
		return err
	}
	return ledger.CompareShadows(ctx, tx, deepTables)
}

// decodeBody decodes an entry's body; the writer marshalled it from the
// same struct, so unknown fields are not looked for.
func decodeBody(b []byte, v any) error {
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("body: %w", err)
	}
	return nil
}

func parseDate(s string) (time.Time, error) { return time.Parse(dateLayout, s) }

// replayTicket parses what a sale or refund entry states of one ticket:
// when it was sold or refunded, its sale date and its price.
func replayTicket(id, at, saleDate, price string) (time.Time, time.Time, decimal.Decimal, error) {
	t, err1 := time.Parse(time.RFC3339Nano, at)
	sd, err2 := parseDate(saleDate)
	d, err3 := decimal.NewFromString(price)
	if err := errors.Join(err1, err2, err3); err != nil {
		return time.Time{}, time.Time{}, decimal.Zero, fmt.Errorf("ticket %q: %w", id, err)
	}
	return t, sd, d, nil
}
