package ticketing

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"ecinema/ledger"
	"ecinema/validate"
)

// MaxScans bounds the scans of one offline batch.
const MaxScans = 1000

// CheckinRequest is the body of POST /v1/tickets/checkins.
type CheckinRequest struct {
	Code      string `json:"code"`
	Gate      string `json:"gate"`
	ScannedAt string `json:"scanned_at"`
	Device    string `json:"device"`
	Nonce     string `json:"nonce"`
}

// CheckinResult is the answer to an admitted scan.
type CheckinResult struct {
	Result   string `json:"result"`
	TicketID string `json:"ticket_id"`
}

// BatchRequest is the body of POST /v1/tickets/checkins/batch: the queued
// scans of an offline gate device, in scan order.
type BatchRequest struct {
	Device string      `json:"device"`
	Scans  []BatchScan `json:"scans"`
}

// BatchScan is one queued scan.
type BatchScan struct {
	Code      string `json:"code"`
	Gate      string `json:"gate"`
	ScannedAt string `json:"scanned_at"`
	Nonce     string `json:"nonce"`
}

// BatchResult is the answer to a batch: one result per scan, in order.
type BatchResult struct {
	Results []ScanResult `json:"results"`
}

// ScanResult is the result of one scan of a batch.
type ScanResult struct {
	Nonce    string `json:"nonce"`
	Result   string `json:"result"`
	TicketID string `json:"ticket_id"`
}

// scanBody is one scan as a check-in or gate batch entry records it.
type scanBody struct {
	Nonce     string `json:"nonce"`
	Gate      string `json:"gate"`
	ScannedAt string `json:"scanned_at"`
	TicketID  string `json:"ticket_id"`
	Result    string `json:"result"`
}

// checkinBody is the body of ticketing_checkin (one scan, admitted) and
// ticketing_gate_batch (every new scan of a batch with its result) entries.
// A check-in moves no money: amount is always 0.00.
type checkinBody struct {
	VenueID string     `json:"venue_id"`
	Device  string     `json:"device"`
	Amount  string     `json:"amount"`
	Scans   []scanBody `json:"scans"`
}

const (
	sqlScanGet  = `SELECT result, ticket_id FROM ticketing_scans WHERE venue_id = $1 AND device = $2 AND nonce = $3`
	sqlScansGet = `SELECT nonce, result, ticket_id FROM ticketing_scans WHERE venue_id = $1 AND device = $2 AND nonce = ANY ($3::text[])`
	sqlScanIns  = `INSERT INTO ticketing_scans (venue_id, device, nonce, ticket_id, gate, scanned_at, result, entry_seq)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING RETURNING 1`
	sqlScanWait = `INSERT INTO ticketing_scans (venue_id, device, nonce, ticket_id, gate, scanned_at, result, entry_seq)
VALUES ($1, $2, $3, '', '', now(), '', -1) ON CONFLICT DO NOTHING`
	// sqlAdmit admits a ticket once more while it has admissions left and
	// is not refunded: the one statement that makes admission exactly-once.
	sqlAdmit = `UPDATE ticketing_tickets SET admitted = admitted + 1, last_admitted_at = $2, last_gate = $3
WHERE id = $1 AND admitted < admissions AND refunded_at IS NULL RETURNING admitted`
	sqlGateState = `SELECT id, admissions, admitted, refunded_at IS NOT NULL, last_admitted_at, last_gate
FROM ticketing_tickets WHERE id = ANY ($1::text[])`
)

func checkScanFields(errs *validate.Errors, f string, code, gate, scannedAt, nonce string) time.Time {
	if errs.Required(f+"code", code) && len(code) > 4096 {
		errs.Add(f+"code", "too_long", "is longer than 4096 bytes")
	}
	if errs.Required(f+"gate", gate) && len(gate) > 64 {
		errs.Add(f+"gate", "too_long", "is longer than 64 bytes")
	}
	if errs.Required(f+"nonce", nonce) && len(nonce) > 128 {
		errs.Add(f+"nonce", "too_long", "is longer than 128 bytes")
	}
	return errs.Time(f+"scanned_at", scannedAt)
}

// gateTicket is a ticket's admission state.
type gateTicket struct {
	admissions, admitted int
	revoked              bool
	lastAt               *time.Time
	lastGate             *string
}

func readGateState(ctx context.Context, q interface {
	Query(context.Context, string, ...any) (pgx.Rows, error)
}, ids []string) (map[string]*gateTicket, error) {
	rows, err := q.Query(ctx, sqlGateState, ids)
	if err != nil {
		return nil, fmt.Errorf("read tickets: %w", err)
	}
	out := map[string]*gateTicket{}
	var id string
	var t gateTicket
	_, err = pgx.ForEachRow(rows, []any{&id, &t.admissions, &t.admitted, &t.revoked, &t.lastAt, &t.lastGate}, func() error {
		c := t
		out[id] = &c
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read tickets: %w", err)
	}
	return out, nil
}

func (t *gateTicket) refusal(ticketID string) *Refusal {
	if t.revoked {
		return refuse(ResultRevoked, ticketID, "ticket %q was refunded and is revoked", ticketID)
	}
	r := refuse(ResultAlreadyAdmitted, ticketID, "ticket %q was already admitted", ticketID)
	if t.lastAt != nil {
		at := t.lastAt.UTC()
		r.AdmittedAt, r.Gate = &at, deref(t.lastGate)
		r.Message = fmt.Sprintf("ticket %q was already admitted at %s at gate %q", ticketID, fmtTime(at), r.Gate)
	}
	return r
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// verifier returns a kid lookup over the whole trust list: codes of other
// venues verify (and are then refused as wrong_venue), unknown kids do not.
// The list is read at most every TrustTTL (and at once after this process
// created or rotated a key), so a gate request costs no trust list query.
func (s *Service) verifier(ctx context.Context) (func(string) (TrustedKey, bool), error) {
	if c := s.trust.Load(); c != nil && s.cfg.Now().Sub(c.at) < TrustTTL && s.cfg.Now().After(c.at) {
		return c.lookup, nil
	}
	ks, err := s.TrustList(ctx, "")
	if err != nil {
		return nil, err
	}
	c := &trustCache{at: s.cfg.Now(), lookup: lookupFunc(ks)}
	s.trust.Store(c)
	return c.lookup, nil
}

// TrustTTL is how long a server process reuses the trust list it read:
// a key rotated by another process is seen within it.
const TrustTTL = 5 * time.Second

type trustCache struct {
	at     time.Time
	lookup func(string) (TrustedKey, bool)
}

// Checkin checks a code online for the caller's venue and admits it
// (a ticketing_checkin entry) or refuses it with a *Refusal, storing
// nothing. A repeated (device, nonce) answers its first result.
func (s *Service) Checkin(ctx context.Context, c Caller, req CheckinRequest) (CheckinResult, error) {
	var errs validate.Errors
	scannedAt := checkScanFields(&errs, "", req.Code, req.Gate, req.ScannedAt, req.Nonce)
	errs.ID("device", req.Device)
	if err := errs.Err(); err != nil {
		return CheckinResult{}, err
	}
	if c.VenueID == "" {
		return CheckinResult{}, newErr(ErrOtherVenue, "only a venue's key checks tickets in")
	}
	if scannedAt.After(s.cfg.Now().Add(ClockSkew)) {
		errs.Add("scanned_at", "in_future", "is after the server's clock")
		return CheckinResult{}, errs.Err()
	}
	for range maxAttempts {
		if res, err, ok := s.storedScan(ctx, c.VenueID, req.Device, req.Nonce); ok {
			return res, err
		}
		lookup, err := s.verifier(ctx)
		if err != nil {
			return CheckinResult{}, err
		}
		cl, err := Verify(req.Code, c.VenueID, scannedAt, lookup)
		if err != nil {
			s.metrics.checkins.WithLabelValues(resultOf(err), "online").Inc()
			return CheckinResult{}, err
		}
		state, err := readGateState(ctx, s.pool, []string{cl.TicketID})
		if err != nil {
			return CheckinResult{}, err
		}
		t, ok := state[cl.TicketID]
		if !ok {
			return CheckinResult{}, refuse(ResultInvalidCode, cl.TicketID, "invalid code: ticket %q is not in the register", cl.TicketID)
		}
		if t.revoked || t.admitted >= t.admissions {
			r := t.refusal(cl.TicketID)
			s.metrics.checkins.WithLabelValues(r.Result, "online").Inc()
			return CheckinResult{}, r
		}
		body := checkinBody{VenueID: c.VenueID, Device: req.Device, Amount: "0.00", Scans: []scanBody{{
			Nonce: req.Nonce, Gate: req.Gate, ScannedAt: scannedAt.UTC().Format(time.RFC3339Nano), TicketID: cl.TicketID, Result: ResultAdmitted}}}
		_, err = s.app.Append(ctx, ledger.Record{Kind: KindCheckin, Actor: c.KeyID, Body: body,
			Project: func(ctx context.Context, tx pgx.Tx, e ledger.Entry) error {
				// One round trip: the conditional admission (the
				// exactly-once rule) and the scan row.
				var admitted, recorded bool
				b := &pgx.Batch{}
				b.Queue(sqlAdmit, cl.TicketID, scannedAt, req.Gate).QueryRow(func(r pgx.Row) error {
					var n int
					err := r.Scan(&n)
					admitted = err == nil
					return ignoreNoRows(err)
				})
				b.Queue(sqlScanIns, c.VenueID, req.Device, req.Nonce, cl.TicketID, req.Gate, scannedAt, ResultAdmitted, e.Seq).QueryRow(func(r pgx.Row) error {
					var one int
					err := r.Scan(&one)
					recorded = err == nil
					return ignoreNoRows(err)
				})
				if err := tx.SendBatch(ctx, b).Close(); err != nil {
					return fmt.Errorf("admit: %w", err)
				}
				if !recorded {
					return errNonceTaken
				}
				if !admitted {
					st, err := readGateState(ctx, tx, []string{cl.TicketID})
					if err != nil {
						return err
					}
					return st[cl.TicketID].refusal(cl.TicketID)
				}
				return nil
			}})
		if err == nil {
			s.metrics.checkins.WithLabelValues(ResultAdmitted, "online").Inc()
			return CheckinResult{Result: ResultAdmitted, TicketID: cl.TicketID}, nil
		}
		if errors.Is(err, errNonceTaken) {
			if werr := s.awaitTx(ctx, sqlScanWait, c.VenueID, req.Device, req.Nonce); werr != nil {
				return CheckinResult{}, werr
			}
			continue
		}
		err = asRuleError(err)
		s.metrics.checkins.WithLabelValues(resultOf(err), "online").Inc()
		return CheckinResult{}, err
	}
	return CheckinResult{}, fmt.Errorf("ticketing: check-in: premises kept changing")
}

func resultOf(err error) string {
	var r *Refusal
	if errors.As(err, &r) {
		return r.Result
	}
	return "error"
}

// storedScan answers a known (device, nonce) with its first result.
func (s *Service) storedScan(ctx context.Context, venueID, device, nonce string) (CheckinResult, error, bool) {
	var result, ticketID string
	err := s.pool.QueryRow(ctx, sqlScanGet, venueID, device, nonce).Scan(&result, &ticketID)
	if errors.Is(err, pgx.ErrNoRows) {
		return CheckinResult{}, nil, false
	}
	if err != nil {
		return CheckinResult{}, fmt.Errorf("ticketing: read scan: %w", err), true
	}
	if result == ResultAdmitted {
		return CheckinResult{Result: result, TicketID: ticketID}, nil, true
	}
	return CheckinResult{}, refuse(result, ticketID, "nonce %q of device %q was answered %s", nonce, device, result), true
}

// errNonceTaken: a twin scan with the same (device, nonce) was recorded
// first; the caller waits for it and answers its result.
var errNonceTaken = errors.New("ticketing: nonce already recorded")

const (
	// sqlScansIns records a batch's scans; a nonce already recorded is
	// skipped, and the caller compares the count.
	sqlScansIns = `INSERT INTO ticketing_scans (venue_id, device, nonce, ticket_id, gate, scanned_at, result, entry_seq)
SELECT $1, $2, u.nonce, u.ticket, u.gate, u.at, u.result, $3
FROM unnest($4::text[], $5::text[], $6::text[], $7::timestamptz[], $8::text[]) AS u(nonce, ticket, gate, at, result)
ON CONFLICT DO NOTHING RETURNING 1`
	// sqlAdmitMany admits each ticket n more times, with its last scan's
	// time and gate, while that fits its admissions and it is not refunded;
	// it returns the tickets it admitted.
	sqlAdmitMany = `UPDATE ticketing_tickets t SET admitted = t.admitted + u.n, last_admitted_at = u.at, last_gate = u.gate
FROM unnest($1::text[], $2::int[], $3::timestamptz[], $4::text[]) AS u(id, n, at, gate)
WHERE t.id = u.id AND t.admitted + u.n <= t.admissions AND t.refunded_at IS NULL
RETURNING t.id`
)

// applyCheckins writes a check-in or gate batch entry (the live batch and
// the rebuild of both kinds) set-based, in one round trip: every scan
// recorded, the admitted ones counted on their tickets. A nonce already
// recorded is errNonceTaken; an admission that no longer fits is stale.
func applyCheckins(ctx context.Context, tx pgx.Tx, e ledger.Entry, b checkinBody) error {
	n := len(b.Scans)
	nonces, tickets, gates, results, ats := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]time.Time, n)
	type adm struct {
		n    int32
		at   time.Time
		gate string
	}
	byTicket := map[string]*adm{}
	var order []string
	for i, sc := range b.Scans {
		at, err := time.Parse(time.RFC3339Nano, sc.ScannedAt)
		if err != nil {
			return err
		}
		nonces[i], tickets[i], gates[i], results[i], ats[i] = sc.Nonce, sc.TicketID, sc.Gate, sc.Result, at
		if sc.Result != ResultAdmitted {
			continue
		}
		a := byTicket[sc.TicketID]
		if a == nil {
			a = &adm{}
			byTicket[sc.TicketID] = a
			order = append(order, sc.TicketID)
		}
		a.n++
		a.at, a.gate = at, sc.Gate
	}
	ids, ns, lastAt, lastGate := make([]string, len(order)), make([]int32, len(order)), make([]time.Time, len(order)), make([]string, len(order))
	for i, id := range order {
		a := byTicket[id]
		ids[i], ns[i], lastAt[i], lastGate[i] = id, a.n, a.at, a.gate
	}
	recorded, admitted := 0, 0
	batch := &pgx.Batch{}
	batch.Queue(sqlScansIns, b.VenueID, b.Device, e.Seq, nonces, tickets, gates, ats, results).Query(func(rows pgx.Rows) error {
		for rows.Next() {
			recorded++
		}
		return rows.Err()
	})
	if len(ids) > 0 {
		batch.Queue(sqlAdmitMany, ids, ns, lastAt, lastGate).Query(func(rows pgx.Rows) error {
			for rows.Next() {
				admitted++
			}
			return rows.Err()
		})
	}
	if err := tx.SendBatch(ctx, batch).Close(); err != nil {
		return fmt.Errorf("record scans: %w", err)
	}
	if recorded != n {
		return errNonceTaken
	}
	if admitted != len(ids) {
		return &errStale{why: "a ticket's admissions changed"}
	}
	return nil
}

// planned is a batch scan on its way: its stateless verdict (a refusal,
// or a ticket id to decide against the register) and its final result.
type planned struct {
	scan     BatchScan
	at       time.Time
	ticketID string
	result   string // "" until decided
	replay   bool   // answered from a stored scan
}

// decide gives each undecided scan its result against state, in order:
// revoked, admitted while admissions remain, else duplicate_offline (the
// device let the holder in without the network: recorded, never a second
// admission). It changes state as it admits.
func decide(ps []*planned, state map[string]*gateTicket) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		if p.replay || p.result != "" && p.ticketID == "" {
			out[i] = p.result
			continue
		}
		t, ok := state[p.ticketID]
		switch {
		case !ok:
			out[i] = ResultInvalidCode
		case p.result != "":
			out[i] = p.result // a stateless refusal of a readable code
		case t.revoked:
			out[i] = ResultRevoked
		case t.admitted < t.admissions:
			t.admitted++
			out[i] = ResultAdmitted
		default:
			out[i] = ResultDuplicateOffline
		}
	}
	return out
}

// CheckinBatch records the queued scans of an offline device (one
// ticketing_gate_batch entry for the scans not seen before) and returns a
// result per scan. A replayed nonce answers its first result and is not
// recorded again; a ticket already admitted is recorded as
// duplicate_offline.
func (s *Service) CheckinBatch(ctx context.Context, c Caller, req BatchRequest) (BatchResult, error) {
	if len(req.Scans) > MaxScans {
		return BatchResult{}, newErr(ErrTooManyTickets, "%d scans in one batch; at most %d", len(req.Scans), MaxScans)
	}
	var errs validate.Errors
	errs.ID("device", req.Device)
	if len(req.Scans) == 0 {
		errs.Add("scans", "required", "at least one scan is required")
	}
	ats := make([]time.Time, len(req.Scans))
	for i, sc := range req.Scans {
		ats[i] = checkScanFields(&errs, fmt.Sprintf("scans[%d].", i), sc.Code, sc.Gate, sc.ScannedAt, sc.Nonce)
	}
	if err := errs.Err(); err != nil {
		return BatchResult{}, err
	}
	for i, at := range ats {
		if at.After(s.cfg.Now().Add(ClockSkew)) {
			errs.Add(fmt.Sprintf("scans[%d].scanned_at", i), "in_future", "is after the server's clock")
		}
	}
	if err := errs.Err(); err != nil {
		return BatchResult{}, err
	}
	if c.VenueID == "" {
		return BatchResult{}, newErr(ErrOtherVenue, "only a venue's key uploads gate scans")
	}
	lookup, err := s.verifier(ctx)
	if err != nil {
		return BatchResult{}, err
	}
	for range maxAttempts {
		ps, fresh, err := s.planBatch(ctx, c.VenueID, req, ats, lookup)
		if err != nil {
			return BatchResult{}, err
		}
		if len(fresh) > 0 {
			ids := make([]string, 0, len(fresh))
			for _, p := range fresh {
				if p.ticketID != "" {
					ids = append(ids, p.ticketID)
				}
			}
			body := checkinBody{VenueID: c.VenueID, Device: req.Device, Amount: "0.00", Scans: make([]scanBody, len(fresh))}
			for i, p := range fresh {
				body.Scans[i] = scanBody{Nonce: p.scan.Nonce, Gate: p.scan.Gate, ScannedAt: p.at.UTC().Format(time.RFC3339Nano),
					TicketID: p.ticketID, Result: p.result}
			}
			_, err = s.app.Append(ctx, ledger.Record{Kind: KindGateBatch, Actor: c.KeyID, Body: body,
				Project: func(ctx context.Context, tx pgx.Tx, e ledger.Entry) error {
					state, err := readGateState(ctx, tx, ids)
					if err != nil {
						return err
					}
					again := make([]*planned, len(fresh))
					for i, p := range fresh {
						q := *p
						if q.result == ResultAdmitted || q.result == ResultDuplicateOffline || q.result == ResultRevoked {
							q.result = ""
						}
						again[i] = &q
					}
					for i, r := range decide(again, state) {
						if r != body.Scans[i].Result {
							return &errStale{why: "ticket state changed"}
						}
					}
					return applyCheckins(ctx, tx, e, body)
				}})
			if isStale(err) || errors.Is(err, errNonceTaken) {
				continue
			}
			if err != nil {
				return BatchResult{}, asRuleError(err)
			}
			for _, p := range fresh {
				s.metrics.checkins.WithLabelValues(p.result, "offline").Inc()
			}
		}
		out := BatchResult{Results: make([]ScanResult, len(ps))}
		for i, p := range ps {
			out.Results[i] = ScanResult{Nonce: p.scan.Nonce, Result: p.result, TicketID: p.ticketID}
		}
		return out, nil
	}
	return BatchResult{}, fmt.Errorf("ticketing: gate batch: premises kept changing")
}

// planBatch decides every scan as the register stands: stored nonces
// replay, codes are verified, the rest decided in order. fresh are the
// scans to record.
func (s *Service) planBatch(ctx context.Context, venueID string, req BatchRequest, ats []time.Time,
	lookup func(string) (TrustedKey, bool)) (ps, fresh []*planned, err error) {
	nonces := make([]string, len(req.Scans))
	for i, sc := range req.Scans {
		nonces[i] = sc.Nonce
	}
	rows, err := s.pool.Query(ctx, sqlScansGet, venueID, req.Device, nonces)
	if err != nil {
		return nil, nil, fmt.Errorf("ticketing: read scans: %w", err)
	}
	stored := map[string][2]string{}
	var n, r, t string
	if _, err := pgx.ForEachRow(rows, []any{&n, &r, &t}, func() error { stored[n] = [2]string{r, t}; return nil }); err != nil {
		return nil, nil, fmt.Errorf("ticketing: read scans: %w", err)
	}
	first := map[string]*planned{}
	var ids []string
	ps = make([]*planned, len(req.Scans))
	for i, sc := range req.Scans {
		p := &planned{scan: sc, at: ats[i]}
		ps[i] = p
		if st, ok := stored[sc.Nonce]; ok {
			p.result, p.ticketID, p.replay = st[0], st[1], true
			continue
		}
		if f, ok := first[sc.Nonce]; ok { // the same nonce twice in one batch: one scan
			ps[i] = f
			continue
		}
		first[sc.Nonce] = p
		cl, err := Verify(sc.Code, venueID, ats[i], lookup)
		p.ticketID = cl.TicketID
		if err != nil {
			var rf *Refusal
			if !errors.As(err, &rf) {
				return nil, nil, err
			}
			p.result = rf.Result
		}
		if p.ticketID != "" {
			ids = append(ids, p.ticketID)
		}
		fresh = append(fresh, p)
	}
	state, err := readGateState(ctx, s.pool, ids)
	if err != nil {
		return nil, nil, err
	}
	for i, r := range decide(fresh, state) {
		fresh[i].result = r
	}
	return ps, fresh, nil
}

// Revocation is a refunded ticket in the revocation feed.
type Revocation struct {
	TicketID  string    `json:"ticket_id"`
	RevokedAt time.Time `json:"revoked_at"`
}

const sqlRevocations = `SELECT id, refund_seq, refunded_at FROM ticketing_tickets
WHERE venue_id = $1 AND refund_seq IS NOT NULL AND (refund_seq, id) > ($2, $3)
ORDER BY refund_seq, id LIMIT $4`

// Revocations returns a venue's revoked tickets after the cursor since
// ("" from the start), in revocation order, and the cursor to poll with
// next (since itself when nothing is new). A cursor is "<entry seq>.<ticket id>".
func (s *Service) Revocations(ctx context.Context, venueID, since string, limit int) ([]Revocation, string, error) {
	seq, id := int64(-1), ""
	if since != "" {
		a, b, ok := strings.Cut(since, ".")
		n, err := strconv.ParseInt(a, 10, 64)
		if !ok || err != nil || n < 0 {
			return nil, "", fieldErr("since", ErrBadQuery, "since %q is not a cursor from this feed", since)
		}
		seq, id = n, b
	}
	if limit <= 0 || limit > 1000 {
		limit = 1000
	}
	rows, err := s.pool.Query(ctx, sqlRevocations, venueID, seq, id, limit)
	if err != nil {
		return nil, "", fmt.Errorf("ticketing: revocations: %w", err)
	}
	items := []Revocation{}
	next := since
	var r Revocation
	var rseq int64
	if _, err := pgx.ForEachRow(rows, []any{&r.TicketID, &rseq, &r.RevokedAt}, func() error {
		items = append(items, Revocation{TicketID: r.TicketID, RevokedAt: r.RevokedAt.UTC()})
		next = strconv.FormatInt(rseq, 10) + "." + r.TicketID
		return nil
	}); err != nil {
		return nil, "", fmt.Errorf("ticketing: revocations: %w", err)
	}
	return items, next, nil
}

// Ticket is a sold ticket as the register holds it.
type Ticket struct {
	ID         string     `json:"id"`
	VenueID    string     `json:"venue_id"`
	SessionID  string     `json:"session_id"`
	EventID    string     `json:"event_id"`
	Tariff     string     `json:"tariff"`
	Price      string     `json:"price"`
	Seat       *string    `json:"seat"`
	Admissions int        `json:"admissions"`
	Admitted   int        `json:"admitted"`
	SoldAt     time.Time  `json:"sold_at"`
	RefundedAt *time.Time `json:"refunded_at"`
	KID        string     `json:"kid"`
	Code       string     `json:"code"`
}

const sqlTicketGet = `SELECT id, venue_id, session_id, event_id, tariff, price::text, seat, admissions, admitted, sold_at,
  refunded_at, kid, code FROM ticketing_tickets WHERE id = $1`

// Ticket returns a ticket for the caller: a venue key sees its own venue's.
func (s *Service) Ticket(ctx context.Context, c Caller, id string) (Ticket, error) {
	var t Ticket
	err := s.pool.QueryRow(ctx, sqlTicketGet, id).Scan(&t.ID, &t.VenueID, &t.SessionID, &t.EventID, &t.Tariff, &t.Price,
		&t.Seat, &t.Admissions, &t.Admitted, &t.SoldAt, &t.RefundedAt, &t.KID, &t.Code)
	if errors.Is(err, pgx.ErrNoRows) {
		return Ticket{}, newErr(ErrNotFound, "ticket %q not found", id)
	}
	if err != nil {
		return Ticket{}, fmt.Errorf("ticketing: read ticket %s: %w", id, err)
	}
	if c.VenueID != "" && c.VenueID != t.VenueID {
		return Ticket{}, newErr(ErrOtherVenue, "ticket %q belongs to another venue", id)
	}
	t.SoldAt = t.SoldAt.UTC()
	return t, nil
}
