package ticketing

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

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
	sqlScanGet   = `SELECT result, ticket_id FROM ticketing_scans WHERE venue_id = $1 AND device = $2 AND nonce = $3`
	sqlGateState = `SELECT id, admissions, admitted, refunded_at IS NOT NULL, last_admitted_at, last_gate
FROM ticketing_tickets WHERE id = ANY ($1::text[])`
)

// checkScanFields checks a scan's code, gate and nonce.
func checkScanFields(errs *validate.Errors, f string, code, gate, nonce string) {
	if errs.Required(f+"code", code) && len(code) > 4096 {
		errs.Add(f+"code", "too_long", "is longer than 4096 bytes")
	}
	if errs.Required(f+"gate", gate) && len(gate) > 64 {
		errs.Add(f+"gate", "too_long", "is longer than 64 bytes")
	}
	if errs.Required(f+"nonce", nonce) && len(nonce) > 128 {
		errs.Add(f+"nonce", "too_long", "is longer than 128 bytes")
	}
}

// scanTime parses a queued scan's scanned_at: required and an RFC 3339
// timestamp (a malformed one is a broken device: 400), but any instant,
// since a device's clock may be wrong either way (a dead clock battery
// says 1970) and that scan gets its own result, not the batch a refusal.
func scanTime(errs *validate.Errors, field, s string) time.Time {
	if !errs.Required(field, s) {
		return time.Time{}
	}
	t, err := validate.ParseTime(s)
	if err != nil {
		errs.Add(field, "invalid_time", "%v", err)
	}
	return t
}

// gateTicket is a ticket's admission state.
type gateTicket struct {
	admissions, admitted int
	revoked              bool
	lastAt               *time.Time
	lastGate             *string
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
// The list is read at most every trustTTL (and at once after this process
// created or rotated a key), so a gate request costs no trust list query.
func (s *Service) verifier(ctx context.Context) (func(string) (TrustedKey, bool), error) {
	if c := s.trust.Load(); c != nil && s.cfg.Now().Sub(c.at) < trustTTL && s.cfg.Now().After(c.at) {
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

// trustTTL is how long a server process reuses the trust list it read:
// a key rotated by another process is seen within it.
const trustTTL = 5 * time.Second

type trustCache struct {
	at     time.Time
	lookup func(string) (TrustedKey, bool)
}

// Checkin checks a code online for the caller's venue and admits it
// (a ticketing_checkin entry) or refuses it with a *Refusal, storing
// nothing. A repeated (device, nonce) answers its first result. The code
// is verified before the append (a pure check); the admission is decided
// under the head lock (checkinsBatcher), once.
func (s *Service) Checkin(ctx context.Context, c Caller, req CheckinRequest) (CheckinResult, error) {
	var errs validate.Errors
	checkScanFields(&errs, "", req.Code, req.Gate, req.Nonce)
	scannedAt := errs.Time("scanned_at", req.ScannedAt)
	errs.ID("device", req.Device)
	if err := errs.Err(); err != nil {
		return CheckinResult{}, err
	}
	if c.VenueID == "" {
		return CheckinResult{}, newErr(ErrOtherVenue, "only a venue's key checks tickets in")
	}
	if scannedAt.After(s.cfg.Now().Add(clockSkew)) {
		errs.Add("scanned_at", "in_future", "is after the server's clock")
		return CheckinResult{}, errs.Err()
	}
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
	r := &checkinReq{venueID: c.VenueID, device: req.Device, online: true,
		scans: []*planned{{scan: BatchScan{Code: req.Code, Gate: req.Gate, ScannedAt: req.ScannedAt, Nonce: req.Nonce}, at: scannedAt, ticketID: cl.TicketID}}}
	if _, err := s.app.Append(ctx, ledger.Record{Kind: KindCheckin, Actor: c.KeyID, Batch: checkinsRun, Request: r}); err != nil {
		var rp *scanReplay
		if errors.As(err, &rp) {
			return rp.answer()
		}
		err = asRuleError(err)
		s.metrics.checkins.WithLabelValues(resultOf(err), "online").Inc()
		return CheckinResult{}, err
	}
	s.metrics.checkins.WithLabelValues(ResultAdmitted, "online").Inc()
	return CheckinResult{Result: ResultAdmitted, TicketID: cl.TicketID}, nil
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
	res, err := (&scanReplay{result: result, ticketID: ticketID, nonce: nonce, device: device}).answer()
	return res, err, true
}

// scanReplay: an online scan's (device, nonce) was recorded (before, or
// earlier in the same group); its first result is the answer.
type scanReplay struct {
	result, ticketID, nonce, device string
}

func (r *scanReplay) Error() string { return "ticketing: scan already recorded" }

func (r *scanReplay) answer() (CheckinResult, error) {
	if r.result == ResultAdmitted {
		return CheckinResult{Result: r.result, TicketID: r.ticketID}, nil
	}
	return CheckinResult{}, refuse(r.result, r.ticketID, "nonce %q of device %q was answered %s", r.nonce, r.device, r.result)
}

// errNothingNew: every scan of a gate batch was recorded before; the
// batch answers their results and appends no entry.
var errNothingNew = errors.New("ticketing: every scan of the batch was recorded before")

const (
	// sqlScansIns records the scans of a check-in or gate batch entry.
	sqlScansIns = `INSERT INTO ticketing_scans (venue_id, device, nonce, ticket_id, gate, scanned_at, result, entry_seq)
SELECT $1, $2, u.nonce, u.ticket, u.gate, u.at, u.result, $3
FROM unnest($4::text[], $5::text[], $6::text[], $7::timestamptz[], $8::text[]) AS u(nonce, ticket, gate, at, result)`
	// sqlAdmitMany admits each ticket n more times, with its last scan's
	// time and gate, while that fits its admissions and it is not refunded.
	sqlAdmitMany = `UPDATE ticketing_tickets t SET admitted = t.admitted + u.n, last_admitted_at = u.at, last_gate = u.gate
FROM unnest($1::text[], $2::int[], $3::timestamptz[], $4::text[]) AS u(id, n, at, gate)
WHERE t.id = u.id AND t.admitted + u.n <= t.admissions AND t.refunded_at IS NULL`
	// sqlScansFind reads the recorded scans of a run's (venue, device, nonce).
	sqlScansFind = `SELECT u.venue_id, u.device, u.nonce, s.result, s.ticket_id
FROM unnest($1::text[], $2::text[], $3::text[]) AS u(venue_id, device, nonce)
JOIN ticketing_scans s ON s.venue_id = u.venue_id AND s.device = u.device AND s.nonce = u.nonce`
)

// queueCheckins queues a check-in or gate batch entry's projection writes
// (the live write and the rebuild of both kinds): every scan recorded, the
// admitted ones counted on their tickets. A nonce recorded twice, or an
// admission that does not fit, fails them.
func queueCheckins(b *pgx.Batch, e ledger.Entry, body checkinBody) error {
	n := len(body.Scans)
	nonces, tickets, gates, results, ats := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]time.Time, n)
	type adm struct {
		n    int32
		at   time.Time
		gate string
	}
	byTicket := map[string]*adm{}
	var order []string
	for i, sc := range body.Scans {
		at, err := time.Parse(time.RFC3339Nano, sc.ScannedAt)
		if err != nil {
			return fmt.Errorf("ticketing: entry %d: %w", e.Seq, err)
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
	b.Queue(sqlScansIns, body.VenueID, body.Device, e.Seq, nonces, tickets, gates, ats, results)
	if len(ids) > 0 {
		want := int64(len(ids))
		b.Queue(sqlAdmitMany, ids, ns, lastAt, lastGate).Exec(func(tag pgconn.CommandTag) error {
			if tag.RowsAffected() != want {
				return fmt.Errorf("ticketing: entry %d: %d of %d admissions fit their tickets", e.Seq, tag.RowsAffected(), want)
			}
			return nil
		})
	}
	return nil
}

// applyCheckins writes a check-in or gate batch entry in the rebuild.
func applyCheckins(ctx context.Context, tx pgx.Tx, e ledger.Entry, body checkinBody) error {
	b := &pgx.Batch{}
	if err := queueCheckins(b, e, body); err != nil {
		return err
	}
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return fmt.Errorf("record scans: %w", err)
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
			at, gate := p.at, p.scan.Gate
			t.lastAt, t.lastGate = &at, &gate
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
// duplicate_offline. A scan dated more than clockSkew after the server's
// clock (the device's clock ran ahead) is recorded as in_future and admits
// nobody, unless its code is invalid or another venue's; the rest of the
// batch is decided as always, so one bad clock loses no scan. Codes are
// verified before the append (a pure check); the scans are decided under
// the head lock (checkinsBatcher), once.
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
		f := fmt.Sprintf("scans[%d].", i)
		checkScanFields(&errs, f, sc.Code, sc.Gate, sc.Nonce)
		ats[i] = scanTime(&errs, f+"scanned_at", sc.ScannedAt)
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
	latest := s.cfg.Now().Add(clockSkew)
	r := &checkinReq{venueID: c.VenueID, device: req.Device, scans: make([]*planned, len(req.Scans))}
	for i, sc := range req.Scans {
		p := &planned{scan: sc, at: ats[i]}
		cl, err := Verify(sc.Code, c.VenueID, ats[i], lookup)
		p.ticketID = cl.TicketID
		var rf *Refusal
		if err != nil && !errors.As(err, &rf) {
			return BatchResult{}, err
		}
		switch {
		case rf != nil && (rf.Result == ResultInvalidCode || rf.Result == ResultWrongVenue):
			p.result = rf.Result // whatever the time: the code is not this venue's
		case ats[i].After(latest):
			p.result = ResultInFuture // the device's clock ran ahead: no verdict on a time we cannot trust
		case rf != nil:
			p.result = rf.Result
		}
		r.scans[i] = p
	}
	_, err = s.app.Append(ctx, ledger.Record{Kind: KindGateBatch, Actor: c.KeyID, Batch: checkinsRun, Request: r})
	if err != nil && !errors.Is(err, errNothingNew) {
		return BatchResult{}, asRuleError(err)
	}
	for _, p := range r.fresh {
		s.metrics.checkins.WithLabelValues(p.result, "offline").Inc()
	}
	out := BatchResult{Results: make([]ScanResult, len(r.answers))}
	for i, p := range r.answers {
		out.Results[i] = ScanResult{Nonce: p.scan.Nonce, Result: p.result, TicketID: p.ticketID}
	}
	return out, nil
}

// checkinReq is an online check-in (one scan that must be admitted) or a
// gate batch (every new scan recorded with its result) on its way through
// the writer.
type checkinReq struct {
	venueID, device string
	online          bool
	scans           []*planned // in request order, verified
	answers         []*planned // per scan: its result (set by Prepare)
	fresh           []*planned // the scans the entry records
}

func (r *checkinReq) Size() int { return 200*len(r.scans) + 200 }

var checkinsRun = &checkinsBatcher{}

type checkinsBatcher struct{}

// Prepare reads the run's recorded scans and its tickets' admission state
// in one round trip and decides each request in order, each seeing the
// scans and admissions of the ones before it.
func (cb *checkinsBatcher) Prepare(ctx context.Context, tx pgx.Tx, b *pgx.Batch, in []any) ([]ledger.Prepared, error) {
	reqs := make([]*checkinReq, len(in))
	var venues, devices, nonces, ids []string
	for i, x := range in {
		r := x.(*checkinReq)
		reqs[i] = r
		for _, p := range r.scans {
			venues, devices, nonces = append(venues, r.venueID), append(devices, r.device), append(nonces, p.scan.Nonce)
			if p.ticketID != "" {
				ids = append(ids, p.ticketID)
			}
		}
	}
	stored := map[[3]string][2]string{}
	b.Queue(sqlScansFind, venues, devices, nonces).Query(func(rows pgx.Rows) error {
		for rows.Next() {
			var k [3]string
			var v [2]string
			if err := rows.Scan(&k[0], &k[1], &k[2], &v[0], &v[1]); err != nil {
				return err
			}
			stored[k] = v
		}
		return rows.Err()
	})
	state := map[string]*gateTicket{}
	b.Queue(sqlGateState, ids).Query(func(rows pgx.Rows) error {
		for rows.Next() {
			var id string
			t := &gateTicket{}
			if err := rows.Scan(&id, &t.admissions, &t.admitted, &t.revoked, &t.lastAt, &t.lastGate); err != nil {
				return err
			}
			state[id] = t
		}
		return rows.Err()
	})
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return nil, fmt.Errorf("ticketing: read gate state: %w", err)
	}
	out := make([]ledger.Prepared, len(reqs))
	for i, r := range reqs {
		out[i] = r.decide(stored, state)
	}
	return out, nil
}

// decide decides a request's scans against the run's state: a recorded
// nonce answers its first result, the same nonce twice in a batch is one
// scan, the rest are decided in order (decide). An online scan that is not
// admitted is refused and records nothing.
func (r *checkinReq) decide(stored map[[3]string][2]string, state map[string]*gateTicket) ledger.Prepared {
	r.answers, r.fresh = make([]*planned, len(r.scans)), nil
	first := map[string]*planned{}
	for i, p := range r.scans {
		if st, ok := stored[[3]string{r.venueID, r.device, p.scan.Nonce}]; ok {
			r.answers[i] = &planned{scan: p.scan, at: p.at, result: st[0], ticketID: st[1], replay: true}
			continue
		}
		if f, ok := first[p.scan.Nonce]; ok {
			r.answers[i] = f
			continue
		}
		q := *p
		first[p.scan.Nonce] = &q
		r.answers[i] = &q
		r.fresh = append(r.fresh, &q)
	}
	if r.online {
		p := r.answers[0]
		if p.replay {
			return ledger.Prepared{Err: &scanReplay{result: p.result, ticketID: p.ticketID, nonce: p.scan.Nonce, device: r.device}}
		}
		t, ok := state[p.ticketID]
		switch {
		case !ok:
			return ledger.Prepared{Err: refuse(ResultInvalidCode, p.ticketID, "invalid code: ticket %q is not in the register", p.ticketID)}
		case t.revoked || t.admitted >= t.admissions:
			return ledger.Prepared{Err: t.refusal(p.ticketID)}
		}
	}
	if len(r.fresh) == 0 {
		return ledger.Prepared{Err: errNothingNew}
	}
	for i, res := range decide(r.fresh, state) {
		r.fresh[i].result = res
	}
	body := checkinBody{VenueID: r.venueID, Device: r.device, Amount: "0.00", Scans: make([]scanBody, len(r.fresh))}
	for i, p := range r.fresh {
		body.Scans[i] = scanBody{Nonce: p.scan.Nonce, Gate: p.scan.Gate, ScannedAt: p.at.UTC().Format(time.RFC3339Nano),
			TicketID: p.ticketID, Result: p.result}
		stored[[3]string{r.venueID, r.device, p.scan.Nonce}] = [2]string{p.result, p.ticketID}
	}
	return ledger.Prepared{Body: body}
}

// Project writes the accepted check-ins and gate batches from their entry
// bodies (queueCheckins, which deepCheck replays).
func (cb *checkinsBatcher) Project(ctx context.Context, tx pgx.Tx, b *pgx.Batch, acc []ledger.Accepted) error {
	for _, a := range acc {
		var body checkinBody
		if err := decodeEntryBody(a.Entry, &body); err != nil {
			return err
		}
		if err := queueCheckins(b, a.Entry, body); err != nil {
			return err
		}
	}
	return nil
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
