package ingest

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"
)

// Read-back for POS vendors: what the ledger holds for the key's cinema, so
// a till that lost its state (a crash, a reinstall, a network outage it is
// unsure about) can compare and resend only what is missing.
const (
	sqlScreeningsOfDay = `SELECT id, version, hall_id, film_id, starts_at, ends_at, box_office_day, format, language, seats,
       tickets_sold, tickets_active, gross, entry_seq
FROM screenings WHERE cinema_id = $1 AND box_office_day = $2 ORDER BY starts_at, id`

	sqlScreeningOne = `SELECT id, version, hall_id, film_id, starts_at, ends_at, box_office_day, format, language, seats,
       tickets_sold, tickets_active, gross, entry_seq
FROM screenings WHERE cinema_id = $1 AND id = $2`

	// Through the primary key's cinema prefix: tickets has no screening
	// index on purpose (it is the hot insert path), and a read-back is rare.
	sqlScreeningTickets = `SELECT id, price, category, coalesce(seat, ''), channel, sold_at, sale_date, sale_seq, refunded_at, refund_seq
FROM tickets WHERE cinema_id = $1 AND screening_id = $2 ORDER BY sold_at, id`
)

// ScreeningState is a screening as stored, with its sales so far.
type ScreeningState struct {
	ScreeningView
	TicketsSold   int             `json:"tickets_sold"`   // ever sold
	TicketsActive int             `json:"tickets_active"` // sold and not refunded
	Gross         decimal.Decimal `json:"-"`
	EntrySeq      int64           `json:"entry_seq"` // the latest screening entry
}

// TicketState is a sold ticket as stored.
type TicketState struct {
	ID         string
	Price      decimal.Decimal
	Category   string
	Seat       string
	Channel    string
	SoldAt     time.Time
	SaleDate   time.Time
	SaleSeq    int64
	RefundedAt *time.Time
	RefundSeq  *int64
}

func scanScreening(r pgx.Row) (ScreeningState, error) {
	var s ScreeningState
	var starts, ends, bod time.Time
	err := r.Scan(&s.ID, &s.Version, &s.HallID, &s.FilmID, &starts, &ends, &bod, &s.Format, &s.Language, &s.Seats,
		&s.TicketsSold, &s.TicketsActive, &s.Gross, &s.EntrySeq)
	s.StartsAt, s.EndsAt, s.BoxOfficeDay = fmtTime(starts), fmtTime(ends), bod.Format(dateLayout)
	return s, err
}

// ScreeningsOfDay returns the cinema's screenings of a box-office day.
func (s *Service) ScreeningsOfDay(ctx context.Context, cinemaID string, day time.Time) ([]ScreeningState, error) {
	rows, err := s.pool.Query(ctx, sqlScreeningsOfDay, cinemaID, day)
	if err != nil {
		return nil, fmt.Errorf("ingest: screenings of day: %w", err)
	}
	defer rows.Close()
	out := []ScreeningState{}
	for rows.Next() {
		st, err := scanScreening(rows)
		if err != nil {
			return nil, fmt.Errorf("ingest: screenings of day: %w", err)
		}
		out = append(out, st)
	}
	return out, rows.Err()
}

// ScreeningTickets returns a screening of the cinema and every ticket sold
// for it, refunded ones included. An unknown screening is ErrScreeningNotFound.
func (s *Service) ScreeningTickets(ctx context.Context, cinemaID, screeningID string) (ScreeningState, []TicketState, error) {
	st, err := scanScreening(s.pool.QueryRow(ctx, sqlScreeningOne, cinemaID, screeningID))
	if errors.Is(err, pgx.ErrNoRows) {
		return st, nil, newErr(ErrScreeningNotFound, "screening %q is not a screening of cinema %q", screeningID, cinemaID)
	}
	if err != nil {
		return st, nil, fmt.Errorf("ingest: screening: %w", err)
	}
	rows, err := s.pool.Query(ctx, sqlScreeningTickets, cinemaID, screeningID)
	if err != nil {
		return st, nil, fmt.Errorf("ingest: screening tickets: %w", err)
	}
	defer rows.Close()
	out := []TicketState{}
	for rows.Next() {
		var t TicketState
		if err := rows.Scan(&t.ID, &t.Price, &t.Category, &t.Seat, &t.Channel, &t.SoldAt, &t.SaleDate, &t.SaleSeq, &t.RefundedAt, &t.RefundSeq); err != nil {
			return st, nil, fmt.Errorf("ingest: screening tickets: %w", err)
		}
		out = append(out, t)
	}
	return st, out, rows.Err()
}
