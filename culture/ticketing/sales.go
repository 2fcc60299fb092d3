package ticketing

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"ecinema/kztime"
	"ecinema/ledger"
	"ecinema/validate"
)

// MaxTickets bounds the tickets of one sale or refund request.
const MaxTickets = 100

var seatPattern = regexp.MustCompile(`^[\p{L}0-9][\p{L}0-9 ._:/-]{0,31}$`)

// SaleRequest is the body of POST /v1/tickets/sales.
type SaleRequest struct {
	SessionID string       `json:"session_id"`
	Tickets   []SaleTicket `json:"tickets"`
}

// SaleTicket is one ticket of a sale.
type SaleTicket struct {
	ID     string `json:"id"`
	Tariff string `json:"tariff"`
	Price  string `json:"price"`
	Seat   string `json:"seat,omitempty"` // empty for unseated tickets
}

// SaleResult is the body of a 201 answer to a sale.
type SaleResult struct {
	Entry   EntryRef     `json:"entry"`
	Tickets []IssuedCode `json:"tickets"`
}

// IssuedCode is a sold ticket with its signed code.
type IssuedCode struct {
	ID   string `json:"id"`
	Code string `json:"code"`
}

// saleBody is the body of a ticketing_sale entry: everything the
// projections need, the signed codes included.
type saleBody struct {
	VenueID      string           `json:"venue_id"`
	SessionID    string           `json:"session_id"`
	EventID      string           `json:"event_id"`
	SoldAt       string           `json:"sold_at"`
	SaleDate     string           `json:"sale_date"`
	BoxOfficeDay string           `json:"box_office_day"`
	KID          string           `json:"kid"`
	Gross        string           `json:"gross"`
	Tickets      []saleBodyTicket `json:"tickets"`
}

type saleBodyTicket struct {
	ID         string `json:"id"`
	Tariff     string `json:"tariff"`
	Price      string `json:"price"`
	Seat       string `json:"seat,omitempty"`
	Admissions int    `json:"admissions"`
	Code       string `json:"code"`
}

const (
	// sqlSessionSold adds a sale to the session totals only while the
	// session is the version the sale was planned on (any version in the
	// rebuild: $5 < 0) and the capacity suffices.
	sqlSessionSold = `UPDATE ticketing_sessions SET tickets_sold = tickets_sold + $2, tickets_active = tickets_active + $2,
  gross = gross + $3::numeric
WHERE id = $1 AND ($4 < 0 OR entry_seq = $4) AND tickets_active + $2 <= capacity
RETURNING tickets_active`
	sqlSessionState = `SELECT entry_seq, capacity, tickets_active FROM ticketing_sessions WHERE id = $1`
	sqlTicketsSell  = `INSERT INTO ticketing_tickets (id, venue_id, session_id, event_id, tariff, price, seat, admissions,
  sold_at, sale_date, box_office_day, sale_seq, kid, code)
SELECT u.id, $1, $2, $3, u.tariff, u.price::numeric, NULLIF(u.seat, ''), u.admissions, $4, $5, $6, $7, $8, u.code
FROM unnest($9::text[], $10::text[], $11::text[], $12::text[], $13::int[], $14::text[]) AS u(id, tariff, price, seat, admissions, code)
ON CONFLICT DO NOTHING
RETURNING id`
	sqlTicketsTaken = `SELECT id FROM ticketing_tickets WHERE id = ANY ($1::text[]) AND sale_seq <> $2`
	sqlKeyCurrent   = `SELECT EXISTS (SELECT 1 FROM ticketing_keys WHERE kid = $1 AND valid_to IS NULL)`
)

func (r *SaleRequest) check() error {
	if len(r.Tickets) > MaxTickets {
		return newErr(ErrTooManyTickets, "%d tickets in one request; at most %d", len(r.Tickets), MaxTickets)
	}
	var errs validate.Errors
	errs.ID("session_id", r.SessionID)
	if len(r.Tickets) == 0 {
		errs.Add("tickets", "required", "at least one ticket is required")
	}
	for i, t := range r.Tickets {
		f := fmt.Sprintf("tickets[%d].", i)
		errs.ID(f+"id", t.ID)
		errs.ID(f+"tariff", t.Tariff)
		p := errs.Money(f+"price", t.Price, decimal.Zero, MaxTariffPrice)
		r.Tickets[i].Price = p.StringFixed(2)
		if t.Seat != "" && !seatPattern.MatchString(t.Seat) {
			errs.Add(f+"seat", "invalid_format", "a seat is 1 to 32 letters, digits, spaces or . _ : / - and starts with a letter or digit")
		}
	}
	if err := errs.Err(); err != nil {
		return err
	}
	ids, seats := map[string]int{}, map[string]int{}
	for i, t := range r.Tickets {
		if j, ok := ids[t.ID]; ok {
			return fieldErr(fmt.Sprintf("tickets[%d].id", i), ErrDuplicateTicket, "ticket %q appears twice in the request (tickets[%d] and tickets[%d])", t.ID, j, i)
		}
		ids[t.ID] = i
		if t.Seat == "" {
			continue
		}
		if j, ok := seats[t.Seat]; ok {
			return fieldErr(fmt.Sprintf("tickets[%d].seat", i), ErrSeatAlreadySold, "seat %q appears twice in the request (tickets[%d] and tickets[%d])", t.Seat, j, i)
		}
		seats[t.Seat] = i
	}
	return nil
}

// sessionFor reads the session a sale or refund names, for the caller's
// venue: 404 session_not_found when it does not exist, 403 when it is
// another venue's.
func (s *Service) sessionFor(ctx context.Context, c Caller, id string) (sessionRow, error) {
	sr, err := s.loadSession(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return sessionRow{}, fieldErr("session_id", ErrSessionNotFound, "session %q not found", id)
	}
	if err != nil {
		return sessionRow{}, err
	}
	if c.VenueID == "" || sr.VenueID != c.VenueID {
		return sessionRow{}, newErr(ErrOtherVenue, "session %q belongs to another venue than this API key's", id)
	}
	return sr, nil
}

// Sell records a sale (one ticketing_sale entry) and returns the answer to
// send: 201 with the entry and a signed code per ticket. idemKey is the
// Idempotency-Key header; a replay of an accepted request returns the first
// answer byte for byte, the key with another request is 409. A refused sale
// stores nothing.
func (s *Service) Sell(ctx context.Context, c Caller, idemKey string, req SaleRequest) (*Response, error) {
	if err := req.check(); err != nil {
		return nil, err
	}
	id, err := newIdem(c, "POST /v1/tickets/sales", idemKey, mustJSON(req))
	if err != nil {
		return nil, err
	}
	if resp, err := s.idemLookup(ctx, id); resp != nil || err != nil {
		return resp, err
	}
	for range maxAttempts {
		sr, err := s.sessionFor(ctx, c, req.SessionID)
		if err != nil {
			return nil, err
		}
		body, err := s.planSale(ctx, sr, req)
		if err != nil {
			return nil, err
		}
		var resp []byte
		rec := ledger.Record{Kind: KindSale, Actor: c.KeyID, Body: body,
			Project: func(ctx context.Context, tx pgx.Tx, e ledger.Entry) error {
				// One round trip: the key still current (a cached key may
				// have been rotated), the projections, the idempotency row.
				var keyOK, idemNew bool
				resp = mustJSON(saleResult(e, body))
				err := applySale(ctx, tx, e, body, sr.entrySeq, func(b *pgx.Batch) {
					b.Queue(sqlKeyCurrent, body.KID).QueryRow(func(r pgx.Row) error { return r.Scan(&keyOK) })
					b.Queue(sqlIdemInsertNew, id.keyID, id.key, id.hash, 201, resp, e.Seq).QueryRow(func(r pgx.Row) error {
						var one int
						err := r.Scan(&one)
						idemNew = err == nil
						return ignoreNoRows(err)
					})
				})
				switch {
				case !keyOK && err == nil:
					return &errStale{why: "signing key rotated"}
				case err != nil:
					return err
				case !idemNew:
					return idemStore(ctx, tx, id, 201, resp, e.Seq) // explains: twin or reuse
				}
				return nil
			}}
		_, err = s.app.Append(ctx, rec)
		if err == nil {
			s.metrics.sales.Inc()
			s.metrics.sold.Add(float64(len(body.Tickets)))
			return &Response{Status: 201, Body: resp}, nil
		}
		s.keyCache.Delete("venue:" + sr.VenueID)
		if resp, retry, err := s.afterFailedAppend(ctx, id, err); !retry {
			return resp, err
		}
	}
	return nil, fmt.Errorf("ticketing: sale for session %s: premises kept changing after %d attempts", req.SessionID, maxAttempts)
}

func saleResult(e ledger.Entry, b saleBody) SaleResult {
	r := SaleResult{Entry: entryRef(e), Tickets: make([]IssuedCode, len(b.Tickets))}
	for i, t := range b.Tickets {
		r.Tickets[i] = IssuedCode{ID: t.ID, Code: t.Code}
	}
	return r
}

// planSale checks a sale against the session as read and signs its codes.
func (s *Service) planSale(ctx context.Context, sr sessionRow, req SaleRequest) (saleBody, error) {
	now := s.cfg.Now()
	if !now.Before(sr.endsAt) {
		return saleBody{}, newErr(ErrSessionEnded, "session %q ended at %s", sr.ID, fmtTime(sr.endsAt))
	}
	type tariff struct {
		price      decimal.Decimal
		admissions int
	}
	tariffs := map[string]tariff{}
	for _, t := range sr.Tariffs {
		p, err := decimal.NewFromString(t.Price)
		if err != nil {
			return saleBody{}, fmt.Errorf("ticketing: tariff %s of %s: %w", t.Code, sr.ID, err)
		}
		tariffs[t.Code] = tariff{p, t.Admissions}
	}
	if *sr.TicketsActive+len(req.Tickets) > sr.Capacity {
		return saleBody{}, newErr(ErrCapacityExceeded, "session %q: %d tickets sold and %d more exceed its capacity of %d",
			sr.ID, *sr.TicketsActive, len(req.Tickets), sr.Capacity)
	}
	key, err := s.currentKey(ctx, sr.VenueID)
	if err != nil {
		return saleBody{}, err
	}
	soldAt := now.UTC().Truncate(time.Second)
	b := saleBody{VenueID: sr.VenueID, SessionID: sr.ID, EventID: sr.EventID, SoldAt: fmtTime(soldAt),
		SaleDate: kztime.LocalDate(soldAt).Format(dateLayout), BoxOfficeDay: sr.BoxOfficeDay, KID: key.kid,
		Tickets: make([]saleBodyTicket, len(req.Tickets))}
	gross := decimal.Zero
	for i, rt := range req.Tickets {
		tf, ok := tariffs[rt.Tariff]
		if !ok {
			return saleBody{}, fieldErr(fmt.Sprintf("tickets[%d].tariff", i), ErrUnknownTariff, "ticket %q: session %q has no tariff %q", rt.ID, sr.ID, rt.Tariff)
		}
		price, _ := decimal.NewFromString(rt.Price)
		if !price.Equal(tf.price) {
			return saleBody{}, fieldErr(fmt.Sprintf("tickets[%d].price", i), ErrPriceMismatch, "ticket %q: price %s differs from tariff %q's %s",
				rt.ID, rt.Price, rt.Tariff, tf.price.StringFixed(2))
		}
		gross = gross.Add(price)
		cl := Claims{Version: 1, TicketID: rt.ID, VenueID: sr.VenueID, SessionID: sr.ID, NotBefore: soldAt.Unix(),
			Expires: sr.endsAt.Unix(), Tariff: rt.Tariff, Admissions: tf.admissions}
		if rt.Seat != "" {
			seat := rt.Seat
			cl.Seat = &seat
		}
		code, err := Sign(cl, key.priv)
		if err != nil {
			return saleBody{}, err
		}
		b.Tickets[i] = saleBodyTicket{ID: rt.ID, Tariff: rt.Tariff, Price: price.StringFixed(2), Seat: rt.Seat,
			Admissions: tf.admissions, Code: code}
	}
	b.Gross = gross.StringFixed(2)
	return b, nil
}

// applySale writes a sale's projections. sessionSeq is the session version
// the sale was planned on (-1 in the rebuild); a failed condition is
// explained as the rule it breaks.
func applySale(ctx context.Context, tx pgx.Tx, e ledger.Entry, b saleBody, sessionSeq int64, extra func(*pgx.Batch)) error {
	n := len(b.Tickets)
	ids, tariffs, prices, seats, adm, codes := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]int32, n), make([]string, n)
	for i, t := range b.Tickets {
		ids[i], tariffs[i], prices[i], seats[i], adm[i], codes[i] = t.ID, t.Tariff, t.Price, t.Seat, int32(t.Admissions), t.Code
	}
	soldAt, err1 := time.Parse(time.RFC3339, b.SoldAt)
	saleDate, err2 := time.Parse(dateLayout, b.SaleDate)
	bod, err3 := time.Parse(dateLayout, b.BoxOfficeDay)
	if err := errors.Join(err1, err2, err3); err != nil {
		return err
	}
	var active int
	updated := false
	var inserted []string
	batch := &pgx.Batch{}
	batch.Queue(sqlSessionSold, b.SessionID, n, b.Gross, sessionSeq).QueryRow(func(r pgx.Row) error {
		err := r.Scan(&active)
		updated = err == nil
		return ignoreNoRows(err)
	})
	batch.Queue(sqlTicketsSell, b.VenueID, b.SessionID, b.EventID, soldAt, saleDate, bod, e.Seq, b.KID,
		ids, tariffs, prices, seats, adm, codes).Query(func(rows pgx.Rows) error {
		var err error
		inserted, err = pgx.CollectRows(rows, pgx.RowTo[string])
		return err
	})
	if extra != nil {
		extra(batch)
	}
	if err := tx.SendBatch(ctx, batch).Close(); err != nil {
		return fmt.Errorf("write sale: %w", err)
	}
	if !updated {
		var seq int64
		var capacity int
		err := tx.QueryRow(ctx, sqlSessionState, b.SessionID).Scan(&seq, &capacity, &active)
		if errors.Is(err, pgx.ErrNoRows) || (err == nil && seq != sessionSeq) {
			return &errStale{why: "session changed"}
		}
		if err != nil {
			return fmt.Errorf("read session totals: %w", err)
		}
		return newErr(ErrCapacityExceeded, "session %q: %d tickets sold and %d more exceed its capacity of %d", b.SessionID, active, n, capacity)
	}
	if len(inserted) == n {
		return nil
	}
	got := map[string]bool{}
	for _, id := range inserted {
		got[id] = true
	}
	rows, err := tx.Query(ctx, sqlTicketsTaken, ids, e.Seq)
	if err != nil {
		return fmt.Errorf("explain ticket conflict: %w", err)
	}
	taken, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return fmt.Errorf("explain ticket conflict: %w", err)
	}
	isTaken := map[string]bool{}
	for _, id := range taken {
		isTaken[id] = true
	}
	for i, t := range b.Tickets {
		switch {
		case got[t.ID]:
		case isTaken[t.ID]:
			return fieldErr(fmt.Sprintf("tickets[%d].id", i), ErrDuplicateTicket, "ticket %q was already sold", t.ID)
		default:
			return fieldErr(fmt.Sprintf("tickets[%d].seat", i), ErrSeatAlreadySold, "seat %q of session %q is already sold (ticket %q)", t.Seat, b.SessionID, t.ID)
		}
	}
	return newErr(ErrDuplicateTicket, "a ticket of the request was already sold")
}

func ignoreNoRows(err error) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return nil
	}
	return err
}
