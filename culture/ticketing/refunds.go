package ticketing

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"ecinema/ledger"
	"ecinema/validate"
)

// reasonSessionCancelled allows a refund after the session started.
const reasonSessionCancelled = "session_cancelled"

// RefundRequest is the body of POST /v1/tickets/refunds.
type RefundRequest struct {
	SessionID string         `json:"session_id"`
	Tickets   []RefundTicket `json:"tickets"`
	Reason    string         `json:"reason"`
}

// RefundTicket is one refunded ticket.
type RefundTicket struct {
	ID         string `json:"id"`
	RefundedAt string `json:"refunded_at"`
}

// refundResult is the body of a 201 answer to a refund.
type refundResult struct {
	Entry    EntryRef `json:"entry"`
	Refunded int      `json:"refunded"`
	Gross    string   `json:"gross"`
}

// refundBody is the body of a ticketing_refund entry.
type refundBody struct {
	VenueID   string             `json:"venue_id"`
	SessionID string             `json:"session_id"`
	Reason    string             `json:"reason"`
	Tickets   []refundBodyTicket `json:"tickets"`
}

type refundBodyTicket struct {
	ID         string `json:"id"`
	RefundedAt string `json:"refunded_at"`
}

// sqlRefundApply revokes the tickets of a refund entry still active in its
// session and takes them off the session totals, in one statement; it
// returns how many tickets it revoked and whether the session was there.
const sqlRefundApply = `WITH r AS (
  UPDATE ticketing_tickets t SET refunded_at = u.at, refund_seq = $3
  FROM unnest($1::text[], $2::timestamptz[]) AS u(id, at)
  WHERE t.id = u.id AND t.session_id = $4 AND t.refunded_at IS NULL
  RETURNING t.price),
s AS (
  UPDATE ticketing_sessions SET tickets_active = tickets_active - (SELECT count(*) FROM r),
    gross = gross - (SELECT coalesce(sum(price), 0) FROM r)
  WHERE id = $4 RETURNING 1)
SELECT (SELECT count(*) FROM r), (SELECT count(*) FROM s)`

// Refund revokes tickets (one ticketing_refund entry): before the session
// starts, or after it only with reason session_cancelled. Idempotent like
// Sell; a refused refund stores nothing.
func (s *Service) Refund(ctx context.Context, c Caller, idemKey string, req RefundRequest) (*Response, error) {
	if len(req.Tickets) > MaxTickets {
		return nil, newErr(ErrTooManyTickets, "%d tickets in one request; at most %d", len(req.Tickets), MaxTickets)
	}
	var errs validate.Errors
	errs.ID("session_id", req.SessionID)
	if len(req.Tickets) == 0 {
		errs.Add("tickets", "required", "at least one ticket is required")
	}
	if len(req.Reason) > 200 {
		errs.Add("reason", "too_long", "is longer than 200 bytes")
	}
	ats := make([]time.Time, len(req.Tickets))
	seen := map[string]int{}
	for i, t := range req.Tickets {
		f := fmt.Sprintf("tickets[%d].", i)
		errs.ID(f+"id", t.ID)
		ats[i] = errs.Time(f+"refunded_at", t.RefundedAt)
		if j, ok := seen[t.ID]; ok {
			errs.Add(f+"id", "duplicate", "ticket %q appears twice (tickets[%d])", t.ID, j)
		}
		seen[t.ID] = i
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	id, err := newIdem(c, "POST /v1/tickets/refunds", idemKey, mustJSON(req))
	if err != nil {
		return nil, err
	}
	if resp, err := s.idemLookup(ctx, id); resp != nil || err != nil {
		return resp, err
	}
	r := &refundReq{c: c, id: id, req: req, ats: ats, now: s.cfg.Now()}
	if _, err := s.app.Append(ctx, ledger.Record{Kind: KindRefund, Actor: c.KeyID, Batch: refundsRun, Request: r}); err != nil {
		return s.settle(ctx, id, err)
	}
	s.metrics.refunds.Add(float64(len(req.Tickets)))
	return &Response{Status: 201, Body: r.resp}, nil
}

// queueRefund queues a refund entry's projection write (sqlRefundApply):
// the live write and the rebuild both use it. A ticket no longer active
// in its session, or a missing session, fails it.
func queueRefund(b *pgx.Batch, e ledger.Entry, body refundBody) error {
	ids, ats := make([]string, len(body.Tickets)), make([]time.Time, len(body.Tickets))
	for i, t := range body.Tickets {
		at, err := time.Parse(time.RFC3339Nano, t.RefundedAt)
		if err != nil {
			return fmt.Errorf("ticketing: refund entry %d: %w", e.Seq, err)
		}
		ids[i], ats[i] = t.ID, at
	}
	want := int64(len(ids))
	b.Queue(sqlRefundApply, ids, ats, e.Seq, body.SessionID).QueryRow(func(r pgx.Row) error {
		var n, sessions int64
		if err := r.Scan(&n, &sessions); err != nil {
			return err
		}
		if n != want || sessions != 1 {
			return fmt.Errorf("ticketing: refund entry %d: %d of %d tickets active in session %s (found %d)", e.Seq, n, want, body.SessionID, sessions)
		}
		return nil
	})
	return nil
}

// applyRefund writes a refund entry's projection in the rebuild.
func applyRefund(ctx context.Context, tx pgx.Tx, e ledger.Entry, body refundBody) error {
	batch := &pgx.Batch{}
	if err := queueRefund(batch, e, body); err != nil {
		return err
	}
	if err := tx.SendBatch(ctx, batch).Close(); err != nil {
		return fmt.Errorf("refund tickets: %w", err)
	}
	return nil
}
