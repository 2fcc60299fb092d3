package ticketing

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"ecinema/ledger"
	"ecinema/validate"
)

// ReasonSessionCancelled allows a refund after the session started.
const ReasonSessionCancelled = "session_cancelled"

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

// RefundResult is the body of a 201 answer to a refund.
type RefundResult struct {
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

const (
	sqlRefundTickets = `SELECT id, session_id, venue_id, sold_at, refunded_at FROM ticketing_tickets WHERE id = ANY ($1::text[])`
	// sqlTicketsRefund revokes the tickets still active in the session and
	// returns them with their prices.
	sqlTicketsRefund = `UPDATE ticketing_tickets t SET refunded_at = u.at, refund_seq = $3
FROM unnest($1::text[], $2::timestamptz[]) AS u(id, at)
WHERE t.id = u.id AND t.session_id = $4 AND t.refunded_at IS NULL
RETURNING t.id, t.price`
	sqlSessionRefunded = `UPDATE ticketing_sessions SET tickets_active = tickets_active - $2, gross = gross - $3::numeric WHERE id = $1`
)

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
	sr, err := s.sessionFor(ctx, c, req.SessionID)
	if err != nil {
		return nil, err
	}
	body, err := s.planRefund(ctx, sr, req, ats)
	if err != nil {
		return nil, err
	}
	for range maxAttempts {
		var resp []byte
		var n int
		_, err = s.app.Append(ctx, ledger.Record{Kind: KindRefund, Actor: c.KeyID, Body: body,
			Project: func(ctx context.Context, tx pgx.Tx, e ledger.Entry) error {
				gross, err := applyRefund(ctx, tx, e, body)
				if err != nil {
					return err
				}
				n = len(body.Tickets)
				resp = mustJSON(RefundResult{Entry: entryRef(e), Refunded: n, Gross: gross.StringFixed(2)})
				return idemStore(ctx, tx, id, 201, resp, e.Seq)
			}})
		if err == nil {
			s.metrics.refunds.Add(float64(n))
			return &Response{Status: 201, Body: resp}, nil
		}
		if resp, retry, err := s.afterFailedAppend(ctx, id, err); !retry {
			return resp, err
		}
		if body, err = s.planRefund(ctx, sr, req, ats); err != nil {
			return nil, err
		}
	}
	return nil, fmt.Errorf("ticketing: refund for session %s: premises kept changing", req.SessionID)
}

func (s *Service) planRefund(ctx context.Context, sr sessionRow, req RefundRequest, ats []time.Time) (refundBody, error) {
	now := s.cfg.Now()
	ids := make([]string, len(req.Tickets))
	for i, t := range req.Tickets {
		ids[i] = t.ID
	}
	type tk struct {
		session, venue string
		soldAt         time.Time
		refundedAt     *time.Time
	}
	found := map[string]tk{}
	rows, err := s.pool.Query(ctx, sqlRefundTickets, ids)
	if err != nil {
		return refundBody{}, fmt.Errorf("ticketing: read tickets: %w", err)
	}
	var tid string
	var t tk
	if _, err := pgx.ForEachRow(rows, []any{&tid, &t.session, &t.venue, &t.soldAt, &t.refundedAt}, func() error {
		found[tid] = t
		return nil
	}); err != nil {
		return refundBody{}, fmt.Errorf("ticketing: read tickets: %w", err)
	}
	b := refundBody{VenueID: sr.VenueID, SessionID: sr.ID, Reason: req.Reason, Tickets: make([]refundBodyTicket, len(req.Tickets))}
	for i, rt := range req.Tickets {
		f := fmt.Sprintf("tickets[%d]", i)
		t, ok := found[rt.ID]
		switch {
		case !ok || t.venue != sr.VenueID:
			return refundBody{}, fieldErr(f+".id", ErrTicketNotSold, "ticket %q was not sold by venue %q", rt.ID, sr.VenueID)
		case t.session != sr.ID:
			return refundBody{}, fieldErr(f+".id", ErrTicketNotInSession, "ticket %q belongs to session %q, not %q", rt.ID, t.session, sr.ID)
		case t.refundedAt != nil:
			return refundBody{}, fieldErr(f+".id", ErrTicketAlreadyRefunded, "ticket %q was refunded at %s", rt.ID, fmtTime(*t.refundedAt))
		case ats[i].After(now.Add(ClockSkew)):
			return refundBody{}, fieldErr(f+".refunded_at", ErrRefundedAtInFuture, "ticket %q: refunded_at %s is in the future", rt.ID, fmtTime(ats[i]))
		case ats[i].Before(t.soldAt):
			return refundBody{}, fieldErr(f+".refunded_at", ErrRefundedBeforeSale, "ticket %q: refunded_at %s is before its sale at %s", rt.ID, fmtTime(ats[i]), fmtTime(t.soldAt))
		case !ats[i].Before(sr.startsAt) && req.Reason != ReasonSessionCancelled:
			return refundBody{}, fieldErr(f+".refunded_at", ErrRefundAfterStart,
				"ticket %q: session %q started at %s; a later refund needs reason %q", rt.ID, sr.ID, fmtTime(sr.startsAt), ReasonSessionCancelled)
		}
		b.Tickets[i] = refundBodyTicket{ID: rt.ID, RefundedAt: ats[i].UTC().Format(time.RFC3339Nano)}
	}
	return b, nil
}

// applyRefund revokes the tickets of a refund entry and returns the gross
// refunded; a ticket no longer active means the premise changed.
func applyRefund(ctx context.Context, tx pgx.Tx, e ledger.Entry, b refundBody) (decimal.Decimal, error) {
	ids, ats := make([]string, len(b.Tickets)), make([]time.Time, len(b.Tickets))
	for i, t := range b.Tickets {
		at, err := time.Parse(time.RFC3339Nano, t.RefundedAt)
		if err != nil {
			return decimal.Zero, err
		}
		ids[i], ats[i] = t.ID, at
	}
	rows, err := tx.Query(ctx, sqlTicketsRefund, ids, ats, e.Seq, b.SessionID)
	if err != nil {
		return decimal.Zero, fmt.Errorf("refund tickets: %w", err)
	}
	gross := decimal.Zero
	n := 0
	var id string
	var price decimal.Decimal
	if _, err := pgx.ForEachRow(rows, []any{&id, &price}, func() error { gross = gross.Add(price); n++; return nil }); err != nil {
		return decimal.Zero, fmt.Errorf("refund tickets: %w", err)
	}
	if n != len(b.Tickets) {
		return decimal.Zero, &errStale{why: "a ticket was refunded meanwhile"}
	}
	if _, err := tx.Exec(ctx, sqlSessionRefunded, b.SessionID, n, gross.StringFixed(2)); err != nil {
		return decimal.Zero, fmt.Errorf("update session totals: %w", err)
	}
	return gross, nil
}
