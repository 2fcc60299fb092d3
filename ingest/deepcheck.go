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

// The rebuild runs the same statements as the live Project funcs (on
// temporary tables that shadow the stored ones), except that nothing is
// conditional: the log is the truth.
const (
	sqlDeepScreeningPrev = `SELECT film_id, box_office_day FROM screenings WHERE cinema_id = $1 AND id = $2`

	sqlDeepScreeningSold = `UPDATE screenings SET tickets_sold = tickets_sold + $3, tickets_active = tickets_active + $3,
  gross = gross + $4::numeric
WHERE cinema_id = $1 AND id = $2`
)

// DeepCheck rebuilds screenings, tickets, sales_daily and screenings_daily
// from the screening, sale and refund entries for `ecinema verify --deep`
// and compares them with the stored tables.
type DeepCheck struct{}

// NewDeepCheck returns the ingest projection check.
func NewDeepCheck() ledger.DeepCheck { return DeepCheck{} }

// Name names the check.
func (DeepCheck) Name() string { return "ingest" }

// Begin creates empty temporary copies (with the same indexes) that shadow
// the stored tables for the rest of the transaction.
func (DeepCheck) Begin(ctx context.Context, tx pgx.Tx) error {
	if err := ledger.CreateShadows(ctx, tx, deepTables); err != nil {
		return fmt.Errorf("ingest: deep check: %w", err)
	}
	return nil
}

// Entry replays screening, sale and refund entries.
func (DeepCheck) Entry(ctx context.Context, tx pgx.Tx, e ledger.Entry, p ledger.ParsedEntry) error {
	var err error
	switch p.Kind {
	case "screening":
		err = replayScreening(ctx, tx, e.Seq, p.Body)
	case "sale":
		err = replaySale(ctx, tx, e.Seq, p.Body)
	case "refund":
		err = replayRefund(ctx, tx, e.Seq, p.Body)
	}
	if err != nil {
		return fmt.Errorf("ingest: deep check: entry %d (%s): %w", e.Seq, p.Kind, err)
	}
	return nil
}

// Compare compares the rebuilt tables with the stored ones and drops the
// temporary tables.
func (DeepCheck) Compare(ctx context.Context, tx pgx.Tx) error {
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

func replayScreening(ctx context.Context, tx pgx.Tx, seq int64, raw []byte) error {
	var b screeningBody
	if err := decodeBody(raw, &b); err != nil {
		return err
	}
	start, err1 := time.Parse(time.RFC3339Nano, b.StartsAt)
	end, err2 := time.Parse(time.RFC3339Nano, b.EndsAt)
	bod, err3 := parseDate(b.BoxOfficeDay)
	if err := errors.Join(err1, err2, err3); err != nil {
		return err
	}
	var prevFilm string
	var prevBOD time.Time
	err := tx.QueryRow(ctx, sqlDeepScreeningPrev, b.CinemaID, b.ID).Scan(&prevFilm, &prevBOD)
	hadPrev := err == nil
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return err
	}
	if _, err := tx.Exec(ctx, sqlScreeningUpsert, b.CinemaID, b.ID, b.HallID, b.FilmID, start, end, bod, b.Format, b.Language, seq, b.Seats); err != nil {
		return err
	}
	if hadPrev {
		if _, err := tx.Exec(ctx, sqlScreeningsDailySub, b.CinemaID, prevFilm, prevBOD); err != nil {
			return err
		}
	}
	_, err = tx.Exec(ctx, sqlScreeningsDailyAdd, b.CinemaID, b.FilmID, bod)
	return err
}

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

func replaySale(ctx context.Context, tx pgx.Tx, seq int64, raw []byte) error {
	var b saleBody
	if err := decodeBody(raw, &b); err != nil {
		return err
	}
	bod, err := parseDate(b.BoxOfficeDay)
	if err != nil {
		return err
	}
	n := len(b.Tickets)
	ids, prices, cats, seats, chans := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	soldAt, saleDates := make([]time.Time, n), make([]time.Time, n)
	gross, sums := decimal.Zero, daySums{}
	for i, t := range b.Tickets {
		at, sd, d, err := replayTicket(t.ID, t.SoldAt, t.SaleDate, t.Price)
		if err != nil {
			return err
		}
		ids[i], prices[i], cats[i], seats[i], chans[i] = t.ID, t.Price, t.Category, t.Seat, t.Channel
		soldAt[i], saleDates[i] = at, sd
		gross = gross.Add(d)
		sums.add(sd, d)
	}
	tag, err := tx.Exec(ctx, sqlTicketsInsert, b.CinemaID, b.ScreeningID, b.FilmID, bod, seq, ids, prices, cats, seats, chans, soldAt, saleDates)
	if err != nil {
		return err
	}
	if tag.RowsAffected() != int64(n) {
		return fmt.Errorf("%d of %d tickets conflict with earlier entries", int64(n)-tag.RowsAffected(), n)
	}
	days := sums.totals()
	if _, err := tx.Exec(ctx, sqlSalesDailyAdd, b.CinemaID, b.FilmID, bod, days.dates, days.gross, days.admits); err != nil {
		return err
	}
	_, err = tx.Exec(ctx, sqlDeepScreeningSold, b.CinemaID, b.ScreeningID, n, gross.StringFixed(2))
	return err
}

func replayRefund(ctx context.Context, tx pgx.Tx, seq int64, raw []byte) error {
	var b refundBody
	if err := decodeBody(raw, &b); err != nil {
		return err
	}
	bod, err := parseDate(b.BoxOfficeDay)
	if err != nil {
		return err
	}
	n := len(b.Tickets)
	ids, at := make([]string, n), make([]time.Time, n)
	amount, sums := decimal.Zero, daySums{}
	for i, t := range b.Tickets {
		ra, sd, d, err := replayTicket(t.ID, t.RefundedAt, t.SaleDate, t.Price)
		if err != nil {
			return err
		}
		ids[i], at[i] = t.ID, ra
		amount = amount.Add(d)
		sums.add(sd, d)
	}
	tag, err := tx.Exec(ctx, sqlRefundApply, b.CinemaID, b.ScreeningID, seq, ids, at)
	if err != nil {
		return err
	}
	if tag.RowsAffected() != int64(n) {
		return fmt.Errorf("%d of %d refunded tickets were not sold or already refunded", int64(n)-tag.RowsAffected(), n)
	}
	days := sums.totals()
	if _, err := tx.Exec(ctx, sqlSalesDailySub, b.CinemaID, b.FilmID, bod, days.dates, days.gross, days.admits); err != nil {
		return err
	}
	_, err = tx.Exec(ctx, sqlScreeningRefunded, b.CinemaID, b.ScreeningID, n, amount.StringFixed(2))
	return err
}
