package ingest

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/shopspring/decimal"

	"ecinema/ledger"
)

const (
	// sqlRefundTicketsFind reads the tickets a run of refunds names: one
	// primary-key probe per id (LATERAL: a plain join was planned as a
	// hash join over tickets, 8 ms a run).
	sqlRefundTicketsFind = `SELECT u.cinema_id, u.id, t.screening_id, t.price, t.sold_at, t.sale_date, t.refunded_at
FROM unnest($1::text[], $2::text[]) AS u(cinema_id, id)
CROSS JOIN LATERAL (SELECT * FROM tickets t WHERE t.cinema_id = u.cinema_id AND t.id = u.id LIMIT 1) t`

	// sqlRefundApply marks one refund entry's tickets refunded. It is one
	// statement per entry with the cinema and screening as constants, so
	// that the plan is a primary-key probe per id (the same UPDATE over
	// the whole run with the cinema from an array was planned as a hash
	// join over tickets: 31 ms a refund in the demo load).
	sqlRefundApply = `UPDATE tickets t SET refunded_at = u.refunded_at, refund_seq = $3
FROM unnest($4::text[], $5::timestamptz[]) AS u(id, refunded_at)
WHERE t.cinema_id = $1 AND t.screening_id = $2 AND t.id = u.id AND t.refunded_at IS NULL`

	sqlSalesDailySubMany = `UPDATE sales_daily d SET gross = d.gross - u.gross::numeric, admissions = d.admissions - u.admissions
FROM unnest($1::text[], $2::text[], $3::date[], $4::date[], $5::text[], $6::bigint[])
  AS u(cinema_id, film_id, box_office_day, sale_date, gross, admissions)
WHERE d.cinema_id = u.cinema_id AND d.film_id = u.film_id AND d.box_office_day = u.box_office_day AND d.sale_date = u.sale_date`

	sqlScreeningsRefundedMany = `UPDATE screenings s SET tickets_active = s.tickets_active - u.n, gross = s.gross - u.gross::numeric
FROM unnest($1::text[], $2::text[], $3::int[], $4::text[]) AS u(cinema_id, id, n, gross)
WHERE s.cinema_id = u.cinema_id AND s.id = u.id`
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

// RefundResult is what an accepted refund returns (POST /v1/refunds
// answers it with 201).
type RefundResult struct {
	Entry    EntryRef `json:"entry"`
	Refunded int      `json:"refunded"`
	Amount   string   `json:"amount"`
}

type refundReq struct {
	c      Caller
	id     Idem
	ref    *Refund
	now    time.Time
	result *RefundResult
}

func (r *refundReq) Size() int { return 120*len(r.ref.Tickets) + 200 }

// Refund records a validated refund as one ledger entry: full refunds of
// sold, not yet refunded tickets of one screening.
func (s *Service) Refund(ctx context.Context, c Caller, id Idem, ref *Refund) (*RefundResult, error) {
	if err := checkIdem(id); err != nil {
		return nil, err
	}
	req := &refundReq{c: c, id: id, ref: ref, now: s.cfg.Now()}
	if _, err := s.app.Append(ctx, ledger.Record{Kind: "refund", Actor: c.KeyID, Batch: refundsRun, Request: req}); err != nil {
		return settle[RefundResult](ctx, s, c.KeyID, id, err)
	}
	return req.result, nil
}

type refundsBatcher struct{}

type storedTicket struct {
	screening  string
	price      decimal.Decimal
	soldAt     time.Time
	saleDate   time.Time
	refundedAt *time.Time
}

// Prepare reads the state of the run in one round trip and decides each
// refund in order.
func (rb *refundsBatcher) Prepare(ctx context.Context, tx pgx.Tx, b *pgx.Batch, in []any) ([]ledger.Prepared, error) {
	reqs := make([]*refundReq, len(in))
	var keyIDs, keys, tc, ti []string
	scr := newScreeningSet()
	for i, x := range in {
		r := x.(*refundReq)
		reqs[i] = r
		keyIDs, keys = append(keyIDs, r.c.KeyID), append(keys, r.id.Key)
		scr.want(r.c.CinemaID, r.ref.ScreeningID)
		for _, t := range r.ref.Tickets {
			tc, ti = append(tc, r.c.CinemaID), append(ti, t.ID)
		}
	}
	idem := newIdemSet()
	tickets := map[cinemaKey]*storedTicket{}
	idem.queue(b, keyIDs, keys)
	scr.queue(b)
	b.Queue(sqlRefundTicketsFind, tc, ti).Query(func(rows pgx.Rows) error {
		for rows.Next() {
			var k cinemaKey
			var st storedTicket
			if err := rows.Scan(&k[0], &k[1], &st.screening, &st.price, &st.soldAt, &st.saleDate, &st.refundedAt); err != nil {
				return err
			}
			tickets[k] = &st
		}
		return rows.Err()
	})
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return nil, fmt.Errorf("ingest: read refund state: %w", err)
	}
	if err := scr.resolveMissing(ctx, tx); err != nil {
		return nil, err
	}
	out := make([]ledger.Prepared, len(reqs))
	for i, r := range reqs {
		out[i] = decideRefund(r, idem, scr, tickets)
	}
	return out, nil
}

func decideRefund(r *refundReq, idem *idemSet, scr *screeningSet, tickets map[cinemaKey]*storedTicket) ledger.Prepared {
	reject := func(err error) ledger.Prepared { return ledger.Prepared{Err: err} }
	c, ref := r.c, r.ref
	if err := idem.check(c.KeyID, r.id); err != nil {
		return reject(err)
	}
	sc, err := scr.get(c.CinemaID, ref.ScreeningID)
	if err != nil {
		return reject(err)
	}
	n := len(ref.Tickets)
	body := refundBody{CinemaID: c.CinemaID, ScreeningID: sc.id, FilmID: sc.filmID,
		BoxOfficeDay: sc.bod.Format(dateLayout), Reason: ref.Reason, Tickets: make([]refundBodyTicket, n)}
	var amount decimal.Decimal
	for i, t := range ref.Tickets {
		st := tickets[cinemaKey{c.CinemaID, t.ID}]
		switch {
		case st == nil:
			return reject(fieldErr(newErr(ErrTicketNotSold, "ticket %q was never sold in cinema %q", t.ID, c.CinemaID), ticketField(i)))
		case st.screening != sc.id:
			return reject(fieldErr(newErr(ErrTicketNotInScreening, "ticket %q belongs to screening %q, not %q", t.ID, st.screening, sc.id), ticketField(i)))
		case st.refundedAt != nil:
			return reject(fieldErr(newErr(ErrTicketAlreadyRefunded, "ticket %q was already refunded", t.ID), ticketField(i)))
		case t.RefundedAt.After(r.now.Add(clockSkew)):
			return reject(fieldErr(newErr(ErrRefundedAtInFuture, "ticket %q: refunded_at %s is in the future", t.ID,
				t.RefundedAt.Format(time.RFC3339)), refundedAtField(i)))
		case t.RefundedAt.Before(st.soldAt):
			return reject(fieldErr(newErr(ErrRefundedBeforeSale, "ticket %q: refunded_at %s is before its sale at %s", t.ID,
				t.RefundedAt.Format(time.RFC3339), st.soldAt.Format(time.RFC3339)), refundedAtField(i)))
		case t.RefundedAt.After(sc.startsAt) && ref.Reason != reasonScreeningCancelled:
			return reject(fieldErr(newErr(ErrRefundAfterStart, "ticket %q: a refund after the screening started (%s) needs reason %q",
				t.ID, sc.startsAt.Format(time.RFC3339), reasonScreeningCancelled), refundedAtField(i)))
		}
		amount = amount.Add(st.price)
		body.Tickets[i] = refundBodyTicket{ID: t.ID, RefundedAt: fmtTime(t.RefundedAt), Price: st.price.StringFixed(2),
			SaleDate: st.saleDate.Format(dateLayout)}
	}
	body.Amount = amount.StringFixed(2)
	for _, t := range ref.Tickets {
		at := t.RefundedAt
		tickets[cinemaKey{c.CinemaID, t.ID}].refundedAt = &at
	}
	sc.active -= n
	idem.accept(c.KeyID, r.id)
	return ledger.Prepared{Body: body, CinemaID: c.CinemaID, FilmID: sc.filmID,
		State: &RefundResult{Refunded: n, Amount: body.Amount}}
}

// Project writes the projections of the accepted refunds from their entry
// bodies (projectRefunds) and their idempotency rows.
func (rb *refundsBatcher) Project(ctx context.Context, tx pgx.Tx, b *pgx.Batch, acc []ledger.Accepted) error {
	if err := projectRefunds(b, bodyEntries(acc)); err != nil {
		return err
	}
	var rows idemRows
	for _, a := range acc {
		r := a.Request.(*refundReq)
		res := *a.State.(*RefundResult)
		res.Entry = entryRef(a.Entry)
		r.result = &res
		rows.add(r.c.KeyID, r.id, 201, mustJSON(r.result), a.Entry.Seq)
	}
	rows.queue(b)
	return nil
}

// projectRefunds queues the projection writes of refund entries from their
// bodies: the tickets marked refunded (one statement per entry; every one
// must still be sold in the entry's screening and not refunded), the
// sales_daily rows and the screening totals taken from (summed per row).
// Live writes and verify --deep both compute the rows with
// refundProjection; verify --deep applies the ticket changes to its
// tickets in memory (deepTickets) and queues the totals.
func projectRefunds(b *pgx.Batch, es []bodyEntry) error {
	p, err := refundProjection(es)
	if err != nil {
		return err
	}
	p.queueTickets(b)
	p.queueTotals(b)
	return nil
}

// refundApply is what one refund entry changes in tickets: the tickets ids
// of cinema and screening refunded at at, by entry seq. The entry's copy of
// the screening's film and box-office day and of each ticket's price and
// sale date are kept for verify --deep, which checks them against the
// tickets' sales, and whether its reason is screening_cancelled (the rule
// of a refund after the start).
type refundApply struct {
	cinema, screening, film string
	bod                     time.Time
	seq                     int64
	ids                     []string
	at                      []time.Time
	price                   []string
	saleDate                []time.Time
	cancelled               bool
}

// refundRows are the projection rows of a run of refund entries.
type refundRows struct {
	applies    []refundApply
	total      int
	daily      dailyTotals
	screenings screeningTotals
}

// refundProjection computes the projection rows of refund entries from
// their bodies: the one place that says what a refund entry writes.
func refundProjection(es []bodyEntry) (*refundRows, error) {
	p := &refundRows{}
	scr := map[scrKey]*scrSum{}
	days := dailySums{}
	for _, e := range es {
		var body refundBody
		if err := decodeBody(e.Body, &body); err != nil {
			return nil, fmt.Errorf("ingest: refund entry %d: %w", e.Seq, err)
		}
		bod, err := parseDate(body.BoxOfficeDay)
		if err != nil {
			return nil, fmt.Errorf("ingest: refund entry %d: %w", e.Seq, err)
		}
		k := scrKey{body.CinemaID, body.ScreeningID}
		sum := scr[k]
		if sum == nil {
			sum = &scrSum{}
			scr[k] = sum
		}
		ap := refundApply{cinema: body.CinemaID, screening: body.ScreeningID, film: body.FilmID, bod: bod, seq: e.Seq,
			cancelled: body.Reason == reasonScreeningCancelled}
		for _, t := range body.Tickets {
			at, sd, price, err := replayTicket(t.ID, t.RefundedAt, t.SaleDate, t.Price, false)
			if err != nil {
				return nil, fmt.Errorf("ingest: refund entry %d: %w", e.Seq, err)
			}
			ap.ids, ap.at = append(ap.ids, t.ID), append(ap.at, at)
			ap.price, ap.saleDate = append(ap.price, t.Price), append(ap.saleDate, sd)
			p.total++
			sum.n++
			sum.gross = sum.gross.Add(price)
			days.add(dailyKey{body.CinemaID, body.FilmID, bod, sd}, price)
		}
		p.applies = append(p.applies, ap)
	}
	if p.total > 0 {
		p.daily = days.totals()
		p.screenings = sortedScreeningTotals(scr)
	}
	return p, nil
}

// queueTickets queues the tickets' refund, one statement per entry, each
// checked to change every ticket it names.
func (p *refundRows) queueTickets(b *pgx.Batch) {
	if p.total == 0 {
		return
	}
	for _, ap := range p.applies {
		want, seq := int64(len(ap.ids)), ap.seq
		b.Queue(sqlRefundApply, ap.cinema, ap.screening, ap.seq, ap.ids, ap.at).Exec(func(tag pgconn.CommandTag) error {
			if tag.RowsAffected() != want {
				return fmt.Errorf("ingest: refund entry %d: %d of %d tickets were not sold or already refunded", seq, want-tag.RowsAffected(), want)
			}
			return nil
		})
	}
}

// queueTotals queues the sales_daily rows and the screening totals.
func (p *refundRows) queueTotals(b *pgx.Batch) {
	if p.total == 0 {
		return
	}
	p.daily.queueSub(b)
	p.screenings.queueRefunded(b)
}

// queueSub takes the totals off sales_daily.
func (d dailyTotals) queueSub(b *pgx.Batch) {
	if len(d.cinema) > 0 {
		b.Queue(sqlSalesDailySubMany, d.cinema, d.film, d.bod, d.saleDate, d.gross, d.admits)
	}
}

// queueRefunded takes refunded tickets off the screenings' totals.
func (s screeningTotals) queueRefunded(b *pgx.Batch) {
	if len(s.id) > 0 {
		b.Queue(sqlScreeningsRefundedMany, s.cinema, s.id, s.n, s.gross)
	}
}
