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

// deepTables are the ingest projections DeepCheck rebuilds from the
// entries, with the columns compared. The anomalies table (flags are not
// hashed) and idempotency keys (not facts of the log) are not rebuilt.
var deepTables = []ledger.ShadowTable{
	{Name: "screenings", Columns: "cinema_id, id, hall_id, film_id, starts_at, ends_at, box_office_day, format, language, entry_seq, seats, version, tickets_sold, tickets_active, gross", SeqColumn: "entry_seq"},
	{Name: "tickets", Columns: "cinema_id, id, screening_id, film_id, price, category, seat, channel, sold_at, sale_date, box_office_day, sale_seq, refunded_at, refund_seq", SeqColumn: "sale_seq"},
	{Name: "sales_daily", Columns: "cinema_id, film_id, box_office_day, sale_date, gross, admissions"},
	{Name: "screenings_daily", Columns: "cinema_id, film_id, box_office_day, screenings"},
}

// deepFlushAt is how many entries of one kind the rebuild projects at once.
const deepFlushAt = 4000

// DeepCheck rebuilds screenings, tickets, sales_daily and screenings_daily
// from the screening, sale and refund entries for `ecinema verify --deep`
// and compares them with the stored tables. It replays through the same
// projection functions the live writes use (projectScreenings,
// projectSales, projectRefunds), on temporary tables that shadow the
// stored ones, in runs of consecutive entries of one kind: a run is
// projected when the kind changes (VerifyDB calls Flush then, before any
// check sees the entry, so settlement's rebuild at a period_close reads an
// up-to-date sales_daily), at deepFlushAt entries, and before Compare.
type DeepCheck struct{ run *deepRun }

type deepRun struct {
	kind    string
	entries []bodyEntry
}

// NewDeepCheck returns the ingest projection check.
func NewDeepCheck() ledger.DeepCheck { return DeepCheck{run: &deepRun{}} }

// Name names the check.
func (DeepCheck) Name() string { return "ingest" }

// Begin creates empty temporary copies (with the same indexes) that shadow
// the stored tables for the rest of the transaction.
func (d DeepCheck) Begin(ctx context.Context, tx pgx.Tx) error {
	*d.run = deepRun{}
	if err := ledger.CreateShadows(ctx, tx, deepTables); err != nil {
		return fmt.Errorf("ingest: deep check: %w", err)
	}
	return nil
}

// Entry buffers screening, sale and refund entries and projects the
// buffered run when the kind changes.
func (d DeepCheck) Entry(ctx context.Context, tx pgx.Tx, e ledger.Entry, p ledger.ParsedEntry) error {
	if p.Kind != d.run.kind || len(d.run.entries) >= deepFlushAt {
		if err := d.Flush(ctx, tx); err != nil {
			return err
		}
	}
	switch p.Kind {
	case "screening", "sale", "refund":
		d.run.kind = p.Kind
		d.run.entries = append(d.run.entries, bodyEntry{Seq: e.Seq, Body: append([]byte(nil), p.Body...)})
	default:
		d.run.kind = ""
	}
	return nil
}

// Flush projects the buffered run.
func (d DeepCheck) Flush(ctx context.Context, tx pgx.Tx) error {
	es := d.run.entries
	if len(es) == 0 {
		return nil
	}
	kind := d.run.kind
	d.run.entries = d.run.entries[:0]
	b := &pgx.Batch{}
	var err error
	switch kind {
	case "screening":
		err = projectScreenings(ctx, tx, b, es)
	case "sale":
		err = projectSales(b, es)
	case "refund":
		err = projectRefunds(b, es)
	}
	if err == nil {
		err = tx.SendBatch(ctx, b).Close()
	}
	if err != nil {
		return fmt.Errorf("ingest: deep check: %s entries %d..%d: %w", kind, es[0].Seq, es[len(es)-1].Seq, err)
	}
	return nil
}

// Compare projects what is buffered, compares the rebuilt tables with the
// stored ones and drops the temporary tables.
func (d DeepCheck) Compare(ctx context.Context, tx pgx.Tx) error {
	if err := d.Flush(ctx, tx); err != nil {
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
