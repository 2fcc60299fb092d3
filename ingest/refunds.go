package ingest

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"ecinema/ledger"
)

const (
	// One primary-key probe per id (a join with unnest), whatever the
	// planner believes about the cinema's row count.
	sqlRefundTickets = `SELECT t.id, t.screening_id, t.price, t.sold_at, t.sale_date, t.refunded_at
FROM unnest($2::text[]) AS u(id) JOIN tickets t ON t.cinema_id = $1 AND t.id = u.id`

	// sqlRefundApply marks the tickets refunded; the RETURNING count tells
	// whether every one of them was still sold and not refunded.
	sqlRefundApply = `UPDATE tickets t SET refunded_at = u.refunded_at, refund_seq = $3
FROM unnest($4::text[], $5::timestamptz[]) AS u(id, refunded_at)
WHERE t.cinema_id = $1 AND t.screening_id = $2 AND t.id = u.id AND t.refunded_at IS NULL
RETURNING t.id`

	sqlSalesDailySub = `UPDATE sales_daily d SET gross = d.gross - u.gross::numeric, admissions = d.admissions - u.admissions
FROM unnest($4::date[], $5::text[], $6::bigint[]) AS u(sale_date, gross, admissions)
WHERE d.cinema_id = $1 AND d.film_id = $2 AND d.box_office_day = $3 AND d.sale_date = u.sale_date`

	// sqlRefundScreeningSeq reads the screening's version inside the
	// writer's transaction; the refund was planned on sc.EntrySeq.
	sqlRefundScreeningSeq = `SELECT entry_seq FROM screenings WHERE cinema_id = $1 AND id = $2`

	sqlScreeningRefunded = `UPDATE screenings SET tickets_active = tickets_active - $3, gross = gross - $4::numeric
WHERE cinema_id = $1 AND id = $2`
)

// refundBody is the "body" of a refund entry. Prices are copied from the
// sales so that the entry states the money it takes back.
type refundBody struct {
	CinemaID     string             `json:"cinema_id"`
	ScreeningID  string             `json:"screening_id"`
	FilmID       string             `json:"film_id"`
	BoxOfficeDay string             `json:"box_office_day"`
	Reason       string             `json:"reason,omitempty"`
	Amount       string             `json:"amount"`
	Tickets      []refundBodyTicket `json:"tickets"`
}

type refundBodyTicket struct {
	ID         string `json:"id"`
	RefundedAt string `json:"refunded_at"`
	Price      string `json:"price"`
	SaleDate   string `json:"sale_date"`
}

// RefundsResponse is the body of a 201 answer to POST /v1/refunds.
type RefundsResponse struct {
	Entry    EntryRef `json:"entry"`
	Refunded int      `json:"refunded"`
	Amount   string   `json:"amount"`
}

// PostRefunds records a refund request (the raw JSON body) as one ledger
// entry: full refunds of sold, not yet refunded tickets of one screening.
func (s *Service) PostRefunds(ctx context.Context, c Caller, idemKey string, body []byte) (*Response, error) {
	id, err := newIdem(c, "POST /v1/refunds", idemKey, body)
	if err != nil {
		return nil, err
	}
	ref, err := ParseRefunds(body)
	if err != nil {
		return nil, err
	}
	if resp, err := s.lookup(ctx, nil, id); resp != nil || err != nil {
		return resp, err
	}
	now := s.cfg.Now()
	for range maxAttempts {
		sc, err := s.loadScreening(ctx, c.CinemaID, ref.ScreeningID)
		if err != nil {
			return nil, err
		}
		p, err := s.planRefund(ctx, c, sc, ref, now)
		if err != nil {
			return nil, err
		}
		rec := ledger.Record{
			Kind:     "refund",
			Actor:    c.KeyID,
			Body:     p.body,
			CinemaID: c.CinemaID,
			FilmID:   sc.FilmID,
			Project: func(ctx context.Context, tx pgx.Tx, e ledger.Entry) error {
				return s.projectRefund(ctx, tx, e, p, id)
			},
		}
		e, err := s.app.Append(ctx, rec)
		if err == nil {
			return &Response{Status: 201, Body: p.response(e)}, nil
		}
		if resp, retry, err := s.appendFailed(ctx, id, err); !retry {
			return resp, err
		}
	}
	return nil, fmt.Errorf("ingest: refund for screening %s/%s: premises kept changing after %d attempts", c.CinemaID, ref.ScreeningID, maxAttempts)
}

type refundPlan struct {
	cinemaID   string
	sc         *screeningRow
	n          int
	body       refundBody
	amount     decimal.Decimal
	ids        []string
	refundedAt []time.Time
	days       dayTotals // the sales_daily rows to take from
}

// planRefund checks a refund against the tickets as stored: prices and
// sale dates never change once sold, so only "not refunded yet" needs the
// recheck inside the writer's transaction.
func (s *Service) planRefund(ctx context.Context, c Caller, sc *screeningRow, ref *Refund, now time.Time) (*refundPlan, error) {
	n := len(ref.Tickets)
	p := &refundPlan{cinemaID: c.CinemaID, sc: sc, n: n, ids: make([]string, n), refundedAt: make([]time.Time, n)}
	for i, t := range ref.Tickets {
		p.ids[i], p.refundedAt[i] = t.ID, t.RefundedAt
	}
	type stored struct {
		screening  string
		price      decimal.Decimal
		soldAt     time.Time
		saleDate   time.Time
		refundedAt *time.Time
	}
	byID := make(map[string]stored, n)
	rows, err := s.pool.Query(ctx, sqlRefundTickets, c.CinemaID, p.ids)
	if err != nil {
		return nil, fmt.Errorf("ingest: read tickets to refund: %w", err)
	}
	for rows.Next() {
		var id string
		var st stored
		if err := rows.Scan(&id, &st.screening, &st.price, &st.soldAt, &st.saleDate, &st.refundedAt); err != nil {
			rows.Close()
			return nil, fmt.Errorf("ingest: read tickets to refund: %w", err)
		}
		byID[id] = st
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("ingest: read tickets to refund: %w", err)
	}
	days := daySums{}
	p.body = refundBody{CinemaID: c.CinemaID, ScreeningID: sc.ID, FilmID: sc.FilmID,
		BoxOfficeDay: sc.BoxOfficeDay.Format(dateLayout), Reason: ref.Reason, Tickets: make([]refundBodyTicket, n)}
	for i, t := range ref.Tickets {
		st, ok := byID[t.ID]
		switch {
		case !ok:
			return nil, newErr(ErrTicketNotSold, "ticket %q was never sold in cinema %q", t.ID, c.CinemaID)
		case st.screening != sc.ID:
			return nil, newErr(ErrTicketNotInScreening, "ticket %q belongs to screening %q, not %q", t.ID, st.screening, sc.ID)
		case st.refundedAt != nil:
			return nil, newErr(ErrTicketAlreadyRefunded, "ticket %q was already refunded", t.ID)
		case t.RefundedAt.After(now.Add(ClockSkew)):
			return nil, newErr(ErrRefundedAtInFuture, "ticket %q: refunded_at %s is in the future", t.ID, t.RefundedAt.Format(time.RFC3339))
		case t.RefundedAt.Before(st.soldAt):
			return nil, newErr(ErrRefundedBeforeSale, "ticket %q: refunded_at %s is before its sale at %s", t.ID,
				t.RefundedAt.Format(time.RFC3339), st.soldAt.Format(time.RFC3339))
		case t.RefundedAt.After(sc.StartsAt) && ref.Reason != ReasonScreeningCancelled:
			return nil, newErr(ErrRefundAfterStart, "ticket %q: a refund after the screening started (%s) needs reason %q",
				t.ID, sc.StartsAt.Format(time.RFC3339), ReasonScreeningCancelled)
		}
		p.amount = p.amount.Add(st.price)
		p.body.Tickets[i] = refundBodyTicket{ID: t.ID, RefundedAt: fmtTime(t.RefundedAt), Price: st.price.StringFixed(2),
			SaleDate: st.saleDate.Format(dateLayout)}
		days.add(st.saleDate, st.price)
	}
	p.body.Amount = p.amount.StringFixed(2)
	p.days = days.totals()
	return p, nil
}

func (p *refundPlan) response(e ledger.Entry) []byte {
	return mustJSON(RefundsResponse{Entry: entryRef(e), Refunded: p.n, Amount: p.amount.StringFixed(2)})
}

func (s *Service) projectRefund(ctx context.Context, tx pgx.Tx, e ledger.Entry, p *refundPlan, id idem) error {
	sc := p.sc
	var (
		idemHash  []byte
		idemFound bool
		seq       int64
		updated   []string
	)
	b := &pgx.Batch{}
	b.Queue(sqlIdemGet, id.keyID, id.key).QueryRow(func(r pgx.Row) error {
		var st int
		var body []byte
		err := r.Scan(&idemHash, &st, &body)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		idemFound = err == nil
		return err
	})
	b.Queue(sqlRefundScreeningSeq, p.cinemaID, sc.ID).QueryRow(func(r pgx.Row) error {
		return ignoreNoRows(r.Scan(&seq))
	})
	b.Queue(sqlRefundApply, p.cinemaID, sc.ID, e.Seq, p.ids, p.refundedAt).Query(func(rows pgx.Rows) error {
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				return err
			}
			updated = append(updated, id)
		}
		return rows.Err()
	})
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return fmt.Errorf("ingest: refund state: %w", err)
	}
	// Any error from here on rolls the savepoint back, the UPDATE included.
	if err := checkInTx(idemHash, idemFound, id); err != nil {
		return err
	}
	if seq != sc.EntrySeq {
		return &errStale{why: "screening changed"}
	}
	if len(updated) != p.n {
		done := make(map[string]bool, len(updated))
		for _, u := range updated {
			done[u] = true
		}
		for _, t := range p.ids {
			if !done[t] {
				return newErr(ErrTicketAlreadyRefunded, "ticket %q was already refunded", t)
			}
		}
	}
	w := &pgx.Batch{}
	w.Queue(sqlSalesDailySub, p.cinemaID, sc.FilmID, sc.BoxOfficeDay, p.days.dates, p.days.gross, p.days.admits)
	w.Queue(sqlScreeningRefunded, p.cinemaID, sc.ID, p.n, p.amount.StringFixed(2))
	w.Queue(sqlIdemInsert, id.keyID, id.key, id.hash, 201, p.response(e), e.Seq)
	if err := tx.SendBatch(ctx, w).Close(); err != nil {
		return mapWriteError(fmt.Errorf("ingest: write refund: %w", err))
	}
	return nil
}
