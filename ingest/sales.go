package ingest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"ecinema/ledger"
)

// The sale Project func runs one pipelined round trip inside the writer's
// transaction: the idempotency row (ON CONFLICT DO NOTHING), the screening
// totals (conditional on its version and seats), the tickets from unnest,
// the rollups and the anomaly rows. Duplicate ticket ids and sold seats are
// found by the unique indexes themselves: the insert skips conflicting rows
// (ON CONFLICT DO NOTHING) and returns the ids it wrote; when some are
// missing the record fails and its savepoint undoes the whole batch. A
// lookup before the insert would depend on the planner's estimates for a
// screening's fresh rows and scan its seats; the unique index probe does not.
const (
	sqlSaleState = `SELECT entry_seq, seats, tickets_active FROM screenings WHERE cinema_id = $1 AND id = $2`

	// sqlTicketConflicts explains, after an insert skipped some tickets,
	// which ids were taken already (the rest hit a sold seat).
	sqlTicketConflicts = `SELECT id FROM tickets WHERE cinema_id = $1 AND id = ANY ($2::text[]) AND sale_seq <> $3`

	sqlTicketsInsert = `INSERT INTO tickets (cinema_id, id, screening_id, film_id, price, category, seat, channel,
  sold_at, sale_date, box_office_day, sale_seq)
SELECT $1, u.id, $2, $3, u.price::numeric, u.category, NULLIF(u.seat, ''), u.channel,
  u.sold_at, u.sale_date, $4, $5
FROM unnest($6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::timestamptz[], $12::date[])
  AS u(id, price, category, seat, channel, sold_at, sale_date)
ON CONFLICT DO NOTHING
RETURNING id`

	sqlSalesDailyAdd = `INSERT INTO sales_daily AS d (cinema_id, film_id, box_office_day, sale_date, gross, admissions)
SELECT $1, $2, $3, u.sale_date, u.gross::numeric, u.admissions
FROM unnest($4::date[], $5::text[], $6::bigint[]) AS u(sale_date, gross, admissions)
ON CONFLICT (cinema_id, film_id, box_office_day, sale_date) DO UPDATE
SET gross = d.gross + EXCLUDED.gross, admissions = d.admissions + EXCLUDED.admissions`

	// sqlScreeningSold adds the sale to the screening totals only when the
	// screening is still the version the sale was planned on and the seats
	// suffice; no row back means one of the two failed.
	sqlScreeningSold = `UPDATE screenings SET tickets_sold = tickets_sold + $3, tickets_active = tickets_active + $3,
  gross = gross + $4::numeric
WHERE cinema_id = $1 AND id = $2 AND entry_seq = $5 AND tickets_active + $3 <= seats
RETURNING tickets_active`

	sqlAnomaliesInsert = `INSERT INTO anomalies (cinema_id, entry_seq, flag, kind, screening_id, film_id, box_office_day,
  recorded_at, tickets)
SELECT $1, $2, u.flag, $3, $4, $5, $6, $7, u.tickets
FROM unnest($8::text[], $9::int[]) AS u(flag, tickets)`
)

// saleBody is the "body" of a sale entry: everything needed to rebuild the
// projections from the log.
type saleBody struct {
	CinemaID     string           `json:"cinema_id"`
	ScreeningID  string           `json:"screening_id"`
	FilmID       string           `json:"film_id"`
	BoxOfficeDay string           `json:"box_office_day"`
	Tickets      []saleBodyTicket `json:"tickets"`
}

type saleBodyTicket struct {
	ID       string `json:"id"`
	SoldAt   string `json:"sold_at"`
	SaleDate string `json:"sale_date"`
	Price    string `json:"price"`
	Category string `json:"category"`
	Seat     string `json:"seat,omitempty"`
	Channel  string `json:"channel"`
}

// SalesResponse is the body of a 201 answer to POST /v1/sales.
type SalesResponse struct {
	Entry    EntryRef `json:"entry"`
	Accepted int      `json:"accepted"`
	Flags    []string `json:"flags"`
}

// PostSales records a sales request (the raw JSON body) as one ledger entry
// and returns the response to send. idemKey is the Idempotency-Key header:
// a replay of an accepted request returns the first response.
func (s *Service) PostSales(ctx context.Context, c Caller, idemKey string, body []byte) (*Response, error) {
	id, err := newIdem(c, "POST /v1/sales", idemKey, body)
	if err != nil {
		return nil, err
	}
	sale, err := ParseSales(body)
	if err != nil {
		return nil, err
	}
	if resp, err := s.lookup(ctx, nil, id); resp != nil || err != nil {
		return resp, err
	}
	now := s.cfg.Now()
	for _, t := range sale.Tickets {
		if t.SoldAt.After(now.Add(ClockSkew)) {
			return nil, newErr(ErrSoldAtInFuture, "ticket %q: sold_at %s is in the future", t.ID, t.SoldAt.Format(time.RFC3339))
		}
	}
	var flags []string
	for range maxAttempts {
		sc, err := s.loadScreening(ctx, c.CinemaID, sale.ScreeningID)
		if err != nil {
			return nil, err
		}
		p, err := planSale(c, sc, sale, now)
		if err != nil {
			return nil, err
		}
		if flags == nil {
			flags = p.flags(sc.TicketsActive)
		}
		var final []string
		rec := ledger.Record{
			Kind:     "sale",
			Actor:    c.KeyID,
			Body:     p.body,
			CinemaID: c.CinemaID,
			FilmID:   sc.FilmID,
			Flags:    flags,
			Project: func(ctx context.Context, tx pgx.Tx, e ledger.Entry) error {
				f, err := s.projectSale(ctx, tx, e, p, id, flags)
				final = f
				return err
			},
		}
		e, err := s.app.Append(ctx, rec)
		if err == nil {
			return &Response{Status: 201, Body: p.response(e, flags)}, nil
		}
		if isStale(err) {
			flags = final // nil when the screening changed: guess again from the new read
		}
		if resp, retry, err := s.appendFailed(ctx, id, err); !retry {
			return resp, err
		}
	}
	return nil, fmt.Errorf("ingest: sale for screening %s/%s: premises kept changing after %d attempts", c.CinemaID, sale.ScreeningID, maxAttempts)
}

// salePlan is a sale checked against the screening as read before Append,
// with its arrays ready for the set-based statements.
type salePlan struct {
	cinemaID string
	sc       *screeningRow
	n        int
	now      time.Time
	body     saleBody
	gross    decimal.Decimal

	ids, prices, categories, seats, channels []string
	soldAt, saleDates                        []time.Time

	days dayTotals // the sales_daily rows to add to

	late, afterStart int // tickets carrying each flag
}

func planSale(c Caller, sc *screeningRow, sale *Sale, now time.Time) (*salePlan, error) {
	n := len(sale.Tickets)
	p := &salePlan{
		cinemaID: c.CinemaID, sc: sc, n: n, now: now,
		ids: make([]string, n), prices: make([]string, n), categories: make([]string, n),
		seats: make([]string, n), channels: make([]string, n), soldAt: make([]time.Time, n), saleDates: make([]time.Time, n),
	}
	p.body = saleBody{CinemaID: c.CinemaID, ScreeningID: sc.ID, FilmID: sc.FilmID,
		BoxOfficeDay: sc.BoxOfficeDay.Format(dateLayout), Tickets: make([]saleBodyTicket, n)}
	days := daySums{}
	for i, t := range sale.Tickets {
		if t.SoldAt.After(sc.EndsAt) {
			return nil, newErr(ErrSoldAfterEnd, "ticket %q: sold_at %s is after the screening's end %s", t.ID,
				t.SoldAt.Format(time.RFC3339), sc.EndsAt.Format(time.RFC3339))
		}
		sd := LocalDate(t.SoldAt)
		price := t.Price.StringFixed(2)
		p.ids[i], p.prices[i], p.categories[i], p.seats[i], p.channels[i] = t.ID, price, t.Category, t.Seat, t.Channel
		p.soldAt[i], p.saleDates[i] = t.SoldAt, sd
		p.body.Tickets[i] = saleBodyTicket{ID: t.ID, SoldAt: fmtTime(t.SoldAt), SaleDate: sd.Format(dateLayout),
			Price: price, Category: t.Category, Seat: t.Seat, Channel: t.Channel}
		p.gross = p.gross.Add(t.Price)
		days.add(sd, t.Price)
		if now.Sub(t.SoldAt) > LateAfter {
			p.late++
		}
		if t.SoldAt.After(sc.StartsAt) {
			p.afterStart++
		}
	}
	p.days = days.totals()
	return p, nil
}

// flags returns the anomaly flags of the sale when active tickets were
// already sold for the screening, sorted.
func (p *salePlan) flags(active int) []string {
	f := []string{}
	if p.late > 0 {
		f = append(f, FlagLateReport)
	}
	if isNightStart(p.sc.StartsAt) && (active+p.n)*5 > p.sc.Seats*4 {
		f = append(f, FlagNightHighOccupancy)
	}
	if p.afterStart > 0 {
		f = append(f, FlagSoldAfterStart)
	}
	slices.Sort(f)
	return f
}

func (p *salePlan) flagTickets(flag string) int32 {
	switch flag {
	case FlagLateReport:
		return int32(p.late)
	case FlagSoldAfterStart:
		return int32(p.afterStart)
	}
	return int32(p.n)
}

func (p *salePlan) response(e ledger.Entry, flags []string) []byte {
	return mustJSON(SalesResponse{Entry: entryRef(e), Accepted: p.n, Flags: flags})
}

// projectSale checks every state rule of a sale in the writer's transaction
// and writes its projections, in one pipelined round trip: every statement
// is conditional or reports what it did, and any failed check returns an
// error, which rolls the record's savepoint back. It returns the flags it
// computed, so that a stale guess can be corrected by the caller.
func (s *Service) projectSale(ctx context.Context, tx pgx.Tx, e ledger.Entry, p *salePlan, id idem, flags []string) ([]string, error) {
	sc := p.sc
	var (
		idemNew  bool
		updated  bool
		active   int // tickets_active after this sale
		inserted = make(map[string]bool, p.n)
	)
	w := &pgx.Batch{}
	w.Queue(sqlIdemInsertNew, id.keyID, id.key, id.hash, 201, p.response(e, flags), e.Seq).QueryRow(func(r pgx.Row) error {
		var one int
		err := r.Scan(&one)
		idemNew = err == nil
		return ignoreNoRows(err)
	})
	w.Queue(sqlScreeningSold, p.cinemaID, sc.ID, p.n, p.gross.StringFixed(2), sc.EntrySeq).QueryRow(func(r pgx.Row) error {
		err := r.Scan(&active)
		updated = err == nil
		return ignoreNoRows(err)
	})
	w.Queue(sqlTicketsInsert, p.cinemaID, sc.ID, sc.FilmID, sc.BoxOfficeDay, e.Seq,
		p.ids, p.prices, p.categories, p.seats, p.channels, p.soldAt, p.saleDates).Query(func(rows pgx.Rows) error {
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				return err
			}
			inserted[id] = true
		}
		return rows.Err()
	})
	w.Queue(sqlSalesDailyAdd, p.cinemaID, sc.FilmID, sc.BoxOfficeDay, p.days.dates, p.days.gross, p.days.admits)
	if len(flags) > 0 {
		counts := make([]int32, len(flags))
		for i, f := range flags {
			counts[i] = p.flagTickets(f)
		}
		w.Queue(sqlAnomaliesInsert, p.cinemaID, e.Seq, "sale", sc.ID, sc.FilmID, sc.BoxOfficeDay, e.At, flags, counts)
	}
	if err := tx.SendBatch(ctx, w).Close(); err != nil {
		return nil, mapWriteError(fmt.Errorf("ingest: write sale: %w", err))
	}
	if !idemNew {
		var hash []byte
		var st int
		var body []byte
		if err := tx.QueryRow(ctx, sqlIdemGet, id.keyID, id.key).Scan(&hash, &st, &body); err != nil {
			return nil, fmt.Errorf("ingest: read idempotency key: %w", err)
		}
		return nil, checkInTx(hash, true, id)
	}
	if !updated {
		return nil, s.explainNotUpdated(ctx, tx, p)
	}
	if len(inserted) != p.n {
		return nil, s.explainConflict(ctx, tx, e, p, inserted)
	}
	got := p.flags(active - p.n)
	if !slices.Equal(got, flags) {
		return got, &errStale{why: "anomaly flags changed"}
	}
	return got, nil
}

// explainNotUpdated tells why the screening totals were not updated: the
// screening was replaced since it was read (retry), or the sale would
// exceed its seats.
func (s *Service) explainNotUpdated(ctx context.Context, tx pgx.Tx, p *salePlan) error {
	var seq int64
	var seats, active int
	err := tx.QueryRow(ctx, sqlSaleState, p.cinemaID, p.sc.ID).Scan(&seq, &seats, &active)
	if errors.Is(err, pgx.ErrNoRows) || (err == nil && seq != p.sc.EntrySeq) {
		return &errStale{why: "screening changed"}
	}
	if err != nil {
		return fmt.Errorf("ingest: read screening totals: %w", err)
	}
	return newErr(ErrCapacityExceeded, "screening %q: %d tickets sold and %d more exceed the hall's %d seats",
		p.sc.ID, active, p.n, seats)
}

// explainConflict names the first ticket the insert skipped: its id was
// sold before in the cinema, or else its seat is sold and not refunded.
func (s *Service) explainConflict(ctx context.Context, tx pgx.Tx, e ledger.Entry, p *salePlan, inserted map[string]bool) error {
	var missing []string
	for _, id := range p.ids {
		if !inserted[id] {
			missing = append(missing, id)
		}
	}
	rows, err := tx.Query(ctx, sqlTicketConflicts, p.cinemaID, missing, e.Seq)
	if err != nil {
		return fmt.Errorf("ingest: explain ticket conflict: %w", err)
	}
	taken := map[string]bool{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return fmt.Errorf("ingest: explain ticket conflict: %w", err)
		}
		taken[id] = true
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("ingest: explain ticket conflict: %w", err)
	}
	for i, id := range p.ids {
		if inserted[id] {
			continue
		}
		if taken[id] {
			return newErr(ErrDuplicateTicket, "ticket %q was already sold in cinema %q", id, p.cinemaID)
		}
		return newErr(ErrSeatAlreadySold, "seat %q of screening %q is already sold (ticket %q)", p.seats[i], p.sc.ID, id)
	}
	return newErr(ErrDuplicateTicket, "a ticket of the request was already sold")
}
