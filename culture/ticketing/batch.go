package ticketing

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/shopspring/decimal"

	"ecinema/kztime"
	"ecinema/ledger"
)

// Sales and refunds are records on the ledger writer's group path (the
// one write protocol of the core, ledger.Batcher): a record carries only
// its typed request; under the head lock the kind's Batcher reads the
// state of a whole run of requests in one round trip (idempotency keys,
// sessions with their tariffs, current signing keys, tickets and seats
// taken), decides each request in order against that state plus the
// effects of the ones before it, and computes the entry's body from what
// it saw. Nothing is read outside and re-checked: there is no stale
// premise, no retry and no second transaction. Project then writes the
// projections from the encoded entry bodies with the functions deepCheck
// replays (queueSale, queueRefund).
//
// Codes are signed before the append with the venue's cached key and
// the session as read then (signing under the lock would hold every
// writer up); Prepare keeps such a code only when its claims and key are
// exactly what the state under the lock gives (Ed25519 signatures are
// deterministic, so it is the code Prepare would sign), and signs again
// under the lock otherwise (a rotated key, a session replaced meanwhile).

// The Batchers keep no state; a request carries its service and caller.
// The rarely written records (venue, event and session versions, key
// rotations) are Deciders on ledger.Serial, decided alone under the head
// lock from what they read there.
var (
	salesRun   = &salesBatcher{}
	refundsRun = &refundsBatcher{}
)

const (
	sqlIdemFind = `SELECT u.key_id, u.idem_key, i.request_hash FROM unnest($1::text[], $2::text[]) AS u(key_id, idem_key)
JOIN ticketing_idempotency i ON i.key_id = u.key_id AND i.idem_key = u.idem_key`
	sqlIdemInsertMany = `INSERT INTO ticketing_idempotency (key_id, idem_key, request_hash, status, body, entry_seq)
SELECT * FROM unnest($1::text[], $2::text[], $3::bytea[], $4::int[], $5::bytea[], $6::bigint[])`
	sqlSessionsFind = `SELECT id, venue_id, event_id, starts_at, ends_at, box_office_day, capacity, tickets_active
FROM ticketing_sessions WHERE id = ANY ($1::text[])`
	sqlTariffsFind = `SELECT session_id, code, price, admissions FROM ticketing_tariffs WHERE session_id = ANY ($1::text[])`
	sqlKeysCurrent = `SELECT venue_id, kid, valid_from FROM ticketing_keys WHERE venue_id = ANY ($1::text[]) AND valid_to IS NULL`
	sqlTicketsFind = `SELECT id, session_id, venue_id, sold_at, refunded_at, price FROM ticketing_tickets WHERE id = ANY ($1::text[])`
	sqlSeatsTaken  = `SELECT u.session_id, u.seat FROM unnest($1::text[], $2::text[]) AS u(session_id, seat)
JOIN ticketing_tickets t ON t.session_id = u.session_id AND t.seat = u.seat AND t.refunded_at IS NULL`
)

// errReplayed: the request's idempotency key was recorded (by an earlier
// request, or by a twin earlier in the same group); its stored answer is
// the answer, read after the group committed.
var errReplayed = errors.New("ticketing: idempotency key already recorded")

// idemState is the idempotency keys of a run: stored and accepted in it.
type idemState map[[2]string][]byte

func (st idemState) check(id idem) error {
	h, ok := st[[2]string{id.keyID, id.key}]
	switch {
	case !ok:
		return nil
	case !bytes.Equal(h, id.hash):
		return newErr(ErrIdempotencyKeyReused, "Idempotency-Key %q was already used with another request", id.key)
	}
	return errReplayed
}

func queueIdem(b *pgx.Batch, ids []idem, st idemState) {
	ks, ks2 := make([]string, len(ids)), make([]string, len(ids))
	for i, id := range ids {
		ks[i], ks2[i] = id.keyID, id.key
	}
	b.Queue(sqlIdemFind, ks, ks2).Query(func(rows pgx.Rows) error {
		for rows.Next() {
			var k, key string
			var h []byte
			if err := rows.Scan(&k, &key, &h); err != nil {
				return err
			}
			st[[2]string{k, key}] = h
		}
		return rows.Err()
	})
}

// idemRows are the idempotency rows of a run's accepted requests.
type idemRows struct {
	keyIDs, keys []string
	hashes       [][]byte
	statuses     []int32
	bodies       [][]byte
	seqs         []int64
}

func (r *idemRows) add(id idem, status int, body []byte, seq int64) {
	r.keyIDs, r.keys, r.hashes = append(r.keyIDs, id.keyID), append(r.keys, id.key), append(r.hashes, id.hash)
	r.statuses, r.bodies, r.seqs = append(r.statuses, int32(status)), append(r.bodies, body), append(r.seqs, seq)
}

func (r *idemRows) queue(b *pgx.Batch) {
	if len(r.keys) > 0 {
		b.Queue(sqlIdemInsertMany, r.keyIDs, r.keys, r.hashes, r.statuses, r.bodies, r.seqs)
	}
}

// settle turns a failed group-path append into the answer: the stored
// answer of a replayed key, or the rule error.
func (s *Service) settle(ctx context.Context, id idem, err error) (*Response, error) {
	if errors.Is(err, errReplayed) {
		resp, lerr := s.idemLookup(ctx, id)
		if lerr != nil {
			return nil, lerr
		}
		if resp == nil {
			return nil, fmt.Errorf("ticketing: idempotency key %q: stored answer not found", id.key)
		}
		return resp, nil
	}
	return nil, asRuleError(err)
}

// sessionState is a session as the sale and refund rules read it under
// the head lock; active follows the run's decisions.
type sessionState struct {
	id, venueID, eventID  string
	startsAt, endsAt, bod time.Time
	capacity, active      int
	tariffs               map[string]tariffState
}

type tariffState struct {
	price      decimal.Decimal
	admissions int
}

func queueSessions(b *pgx.Batch, ids []string, out map[string]*sessionState) {
	b.Queue(sqlSessionsFind, ids).Query(func(rows pgx.Rows) error {
		for rows.Next() {
			s := &sessionState{tariffs: map[string]tariffState{}}
			if err := rows.Scan(&s.id, &s.venueID, &s.eventID, &s.startsAt, &s.endsAt, &s.bod, &s.capacity, &s.active); err != nil {
				return err
			}
			out[s.id] = s
		}
		return rows.Err()
	})
}

// session applies the scope rule: 404 when unknown, 403 when another
// venue's.
func sessionOf(sessions map[string]*sessionState, c Caller, id string) (*sessionState, error) {
	s := sessions[id]
	if s == nil {
		return nil, fieldErr("session_id", ErrSessionNotFound, "session %q not found", id)
	}
	if c.VenueID == "" || s.venueID != c.VenueID {
		return nil, newErr(ErrOtherVenue, "session %q belongs to another venue than this API key's", id)
	}
	return s, nil
}

// presigned is a code signed before the append, with what it was signed
// for.
type presigned struct {
	kid    string
	claims Claims
	code   string
}

// saleReq is a sale on its way through the writer.
type saleReq struct {
	svc    *Service
	c      Caller
	id     idem
	req    SaleRequest
	soldAt time.Time
	pre    []presigned // per ticket; nil when nothing was presigned
	resp   []byte      // set by Project
}

func (r *saleReq) Size() int { return 400*len(r.req.Tickets) + 300 }

// Sell records a sale (one ticketing_sale entry) and returns the answer to
// send: 201 with the entry and a signed code per ticket. idemKey is the
// Idempotency-Key header; a replay of an accepted request returns the first
// answer byte for byte, the key with another request is 409. A refused sale
// stores nothing. The sale is decided under the ledger head lock, once.
func (s *Service) Sell(ctx context.Context, c Caller, idemKey string, req SaleRequest) (*Response, error) {
	if err := req.check(); err != nil {
		return nil, err
	}
	id, err := newIdem(c, "POST /v1/tickets/sales", idemKey, mustJSON(req))
	if err != nil {
		return nil, err
	}
	if s.cfg.Sealer == nil {
		return nil, ErrNoSigningKey
	}
	if resp, err := s.idemLookup(ctx, id); resp != nil || err != nil {
		return resp, err
	}
	r := &saleReq{svc: s, c: c, id: id, req: req, soldAt: s.cfg.Now().UTC().Truncate(time.Second)}
	r.pre = s.presign(ctx, c, r)
	if _, err := s.app.Append(ctx, ledger.Record{Kind: KindSale, Actor: c.KeyID, Batch: salesRun, Request: r}); err != nil {
		return s.settle(ctx, id, err)
	}
	s.metrics.sales.Inc()
	s.metrics.sold.Add(float64(len(req.Tickets)))
	return &Response{Status: 201, Body: r.resp}, nil
}

// presign signs the codes of a sale with the venue's cached key and the
// session as read now; nothing is decided from this read (Prepare keeps a
// code only when the state under the lock gives the same claims).
func (s *Service) presign(ctx context.Context, c Caller, r *saleReq) []presigned {
	sr, err := s.loadSession(ctx, r.req.SessionID)
	if err != nil || sr.VenueID != c.VenueID {
		return nil
	}
	key, err := s.currentKey(ctx, sr.VenueID)
	if err != nil {
		return nil
	}
	adm := map[string]int{}
	for _, t := range sr.Tariffs {
		adm[t.Code] = t.Admissions
	}
	out := make([]presigned, len(r.req.Tickets))
	for i, t := range r.req.Tickets {
		a, ok := adm[t.Tariff]
		if !ok {
			return nil
		}
		cl := claimsFor(t, sr.VenueID, sr.ID, r.soldAt, sr.endsAt, a)
		code, err := Sign(cl, key.priv)
		if err != nil {
			return nil
		}
		out[i] = presigned{kid: key.kid, claims: cl, code: code}
	}
	return out
}

func claimsFor(t SaleTicket, venueID, sessionID string, soldAt, endsAt time.Time, admissions int) Claims {
	cl := Claims{Version: 1, TicketID: t.ID, VenueID: venueID, SessionID: sessionID, NotBefore: soldAt.Unix(),
		Expires: endsAt.Unix(), Tariff: t.Tariff, Admissions: admissions}
	if t.Seat != "" {
		seat := t.Seat
		cl.Seat = &seat
	}
	return cl
}

func sameClaims(a, b Claims) bool {
	if (a.Seat == nil) != (b.Seat == nil) || (a.Seat != nil && *a.Seat != *b.Seat) {
		return false
	}
	a.Seat, b.Seat = nil, nil
	return a == b
}

// signingKeyTx returns a venue's current private key as the head lock
// sees it: kid is the current key's id read under the lock; the cached
// key is used when it is that one, else the sealed key is read and opened.
func (s *Service) signingKeyTx(ctx context.Context, tx pgx.Tx, venueID, kid string) (signingKey, error) {
	if k, ok := s.keyCache.Load("venue:" + venueID); ok && k.(signingKey).kid == kid {
		return k.(signingKey), nil
	}
	var k signingKey
	var sealed []byte
	if err := tx.QueryRow(ctx, sqlCurrentKey, venueID).Scan(&k.kid, &k.validFrom, &sealed); err != nil {
		return signingKey{}, fmt.Errorf("ticketing: read signing key of %s: %w", venueID, err)
	}
	priv, err := s.cfg.Sealer.Open(k.kid, sealed)
	if err != nil {
		return signingKey{}, err
	}
	k.priv = priv
	s.keyCache.Store("venue:"+venueID, k)
	return k, nil
}

type salesBatcher struct{}

// currentKey is a venue's current signing key as the head lock sees it.
type currentKey struct {
	kid       string
	validFrom time.Time
}

// saleRun is the state a run of sales is decided against.
type saleRun struct {
	idem     idemState
	sessions map[string]*sessionState
	keys     map[string]currentKey // venue → its current key
	taken    map[string]bool       // ticket ids sold
	seats    map[[2]string]bool
}

// Prepare reads the state of the whole run in one round trip (with the
// group's pending writes) and decides each sale in order.
func (sb *salesBatcher) Prepare(ctx context.Context, tx pgx.Tx, b *pgx.Batch, in []any) ([]ledger.Prepared, error) {
	reqs := make([]*saleReq, len(in))
	ids := make([]idem, len(in))
	var sessions, venues, tickets, seatSessions, seats []string
	for i, x := range in {
		r := x.(*saleReq)
		reqs[i], ids[i] = r, r.id
		sessions = append(sessions, r.req.SessionID)
		venues = append(venues, r.c.VenueID)
		for _, t := range r.req.Tickets {
			tickets = append(tickets, t.ID)
			if t.Seat != "" {
				seatSessions, seats = append(seatSessions, r.req.SessionID), append(seats, t.Seat)
			}
		}
	}
	st := &saleRun{idem: idemState{}, sessions: map[string]*sessionState{}, keys: map[string]currentKey{},
		taken: map[string]bool{}, seats: map[[2]string]bool{}}
	queueIdem(b, ids, st.idem)
	queueSessions(b, sessions, st.sessions)
	b.Queue(sqlTariffsFind, sessions).Query(func(rows pgx.Rows) error {
		for rows.Next() {
			var sid, code string
			var t tariffState
			if err := rows.Scan(&sid, &code, &t.price, &t.admissions); err != nil {
				return err
			}
			if s := st.sessions[sid]; s != nil {
				s.tariffs[code] = t
			}
		}
		return rows.Err()
	})
	b.Queue(sqlKeysCurrent, venues).Query(func(rows pgx.Rows) error {
		for rows.Next() {
			var v string
			var k currentKey
			if err := rows.Scan(&v, &k.kid, &k.validFrom); err != nil {
				return err
			}
			st.keys[v] = k
		}
		return rows.Err()
	})
	b.Queue(sqlTicketsFind, tickets).Query(func(rows pgx.Rows) error {
		for rows.Next() {
			var id, sid, vid string
			var soldAt time.Time
			var refundedAt *time.Time
			var price decimal.Decimal
			if err := rows.Scan(&id, &sid, &vid, &soldAt, &refundedAt, &price); err != nil {
				return err
			}
			st.taken[id] = true
		}
		return rows.Err()
	})
	if len(seats) > 0 {
		b.Queue(sqlSeatsTaken, seatSessions, seats).Query(func(rows pgx.Rows) error {
			for rows.Next() {
				var k [2]string
				if err := rows.Scan(&k[0], &k[1]); err != nil {
					return err
				}
				st.seats[k] = true
			}
			return rows.Err()
		})
	}
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return nil, fmt.Errorf("ticketing: read sales state: %w", err)
	}
	out := make([]ledger.Prepared, len(reqs))
	for i, r := range reqs {
		p, err := r.decide(ctx, tx, st)
		if err != nil {
			return nil, err
		}
		out[i] = p
	}
	return out, nil
}

// decide applies the rules of one sale to the run's state, computes its
// body (the codes signed for exactly that state) and, when it is
// accepted, adds its effects to the state. An error fails the group.
func (r *saleReq) decide(ctx context.Context, tx pgx.Tx, st *saleRun) (ledger.Prepared, error) {
	reject := func(err error) (ledger.Prepared, error) { return ledger.Prepared{Err: err}, nil }
	if err := st.idem.check(r.id); err != nil {
		return reject(err)
	}
	sess, err := sessionOf(st.sessions, r.c, r.req.SessionID)
	if err != nil {
		return reject(err)
	}
	cur, ok := st.keys[sess.venueID]
	if !ok {
		return ledger.Prepared{}, fmt.Errorf("ticketing: venue %s has no current signing key", sess.venueID)
	}
	kid := cur.kid
	// The codes' not-before is the sale's time, and the key signing them
	// must be in force then: a rotation decided after this sale took its
	// time but before this decision started the current key later, and
	// the sale, decided now, is made at that start.
	soldAt := r.soldAt
	if soldAt.Before(cur.validFrom) {
		soldAt = cur.validFrom.UTC()
	}
	if !soldAt.Before(sess.endsAt) {
		return reject(newErr(ErrSessionEnded, "session %q ended at %s", sess.id, fmtTime(sess.endsAt)))
	}
	n := len(r.req.Tickets)
	if sess.active+n > sess.capacity {
		return reject(newErr(ErrCapacityExceeded, "session %q: %d tickets sold and %d more exceed its capacity of %d",
			sess.id, sess.active, n, sess.capacity))
	}
	gross := decimal.Zero
	for i, t := range r.req.Tickets {
		tf, ok := sess.tariffs[t.Tariff]
		if !ok {
			return reject(fieldErr(fmt.Sprintf("tickets[%d].tariff", i), ErrUnknownTariff, "ticket %q: session %q has no tariff %q", t.ID, sess.id, t.Tariff))
		}
		price, _ := decimal.NewFromString(t.Price)
		if !price.Equal(tf.price) {
			return reject(fieldErr(fmt.Sprintf("tickets[%d].price", i), ErrPriceMismatch, "ticket %q: price %s differs from tariff %q's %s",
				t.ID, t.Price, t.Tariff, tf.price.StringFixed(2)))
		}
		gross = gross.Add(price)
	}
	for i, t := range r.req.Tickets {
		if st.taken[t.ID] {
			return reject(fieldErr(fmt.Sprintf("tickets[%d].id", i), ErrDuplicateTicket, "ticket %q was already sold", t.ID))
		}
		if t.Seat != "" && st.seats[[2]string{sess.id, t.Seat}] {
			return reject(fieldErr(fmt.Sprintf("tickets[%d].seat", i), ErrSeatAlreadySold, "seat %q of session %q is already sold (ticket %q)", t.Seat, sess.id, t.ID))
		}
	}
	b := saleBody{VenueID: sess.venueID, SessionID: sess.id, EventID: sess.eventID, SoldAt: fmtTime(soldAt),
		SaleDate: kztime.LocalDate(soldAt).Format(dateLayout), BoxOfficeDay: sess.bod.Format(dateLayout), KID: kid,
		Gross: gross.StringFixed(2), Tickets: make([]saleBodyTicket, n)}
	var key *signingKey
	for i, t := range r.req.Tickets {
		tf := sess.tariffs[t.Tariff]
		cl := claimsFor(t, sess.venueID, sess.id, soldAt, sess.endsAt, tf.admissions)
		var code string
		if i < len(r.pre) && r.pre[i].kid == kid && sameClaims(r.pre[i].claims, cl) {
			code = r.pre[i].code
		} else {
			if key == nil {
				k, err := r.svc.signingKeyTx(ctx, tx, sess.venueID, kid)
				if err != nil {
					return ledger.Prepared{}, err
				}
				key = &k
			}
			if code, err = Sign(cl, key.priv); err != nil {
				return ledger.Prepared{}, err
			}
		}
		price, _ := decimal.NewFromString(t.Price)
		b.Tickets[i] = saleBodyTicket{ID: t.ID, Tariff: t.Tariff, Price: price.StringFixed(2), Seat: t.Seat,
			Admissions: tf.admissions, Code: code}
	}
	sess.active += n
	for _, t := range r.req.Tickets {
		st.taken[t.ID] = true
		if t.Seat != "" {
			st.seats[[2]string{sess.id, t.Seat}] = true
		}
	}
	st.idem[[2]string{r.id.keyID, r.id.key}] = r.id.hash
	return ledger.Prepared{Body: b}, nil
}

// Project writes the projections of the accepted sales from their entry
// bodies (queueSale, which deepCheck replays), then the idempotency rows
// with the answers.
func (sb *salesBatcher) Project(ctx context.Context, tx pgx.Tx, b *pgx.Batch, acc []ledger.Accepted) error {
	var rows idemRows
	for _, a := range acc {
		var body saleBody
		if err := decodeEntryBody(a.Entry, &body); err != nil {
			return err
		}
		if err := queueSale(b, a.Entry, body); err != nil {
			return err
		}
		r := a.Request.(*saleReq)
		r.resp = mustJSON(saleResult(a.Entry, body))
		rows.add(r.id, 201, r.resp, a.Entry.Seq)
	}
	rows.queue(b)
	return nil
}

func decodeEntryBody(e ledger.Entry, v any) error {
	raw, err := ledger.EntryBody(e.Bytes)
	if err != nil {
		return fmt.Errorf("ticketing: entry %d: %w", e.Seq, err)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return fmt.Errorf("ticketing: entry %d: %w", e.Seq, err)
	}
	return nil
}

// queueSale queues a sale entry's projection writes: the session totals
// (within its capacity) and the tickets. The live write and the rebuild
// both use it; a session missing or over capacity, a ticket id sold twice
// or an active seat taken twice fails the statement.
func queueSale(b *pgx.Batch, e ledger.Entry, body saleBody) error {
	n := len(body.Tickets)
	ids, tariffs, prices, seats, adm, codes := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]int32, n), make([]string, n)
	for i, t := range body.Tickets {
		ids[i], tariffs[i], prices[i], seats[i], adm[i], codes[i] = t.ID, t.Tariff, t.Price, t.Seat, int32(t.Admissions), t.Code
	}
	soldAt, err1 := time.Parse(time.RFC3339, body.SoldAt)
	saleDate, err2 := time.Parse(dateLayout, body.SaleDate)
	bod, err3 := time.Parse(dateLayout, body.BoxOfficeDay)
	if err := errors.Join(err1, err2, err3); err != nil {
		return fmt.Errorf("ticketing: sale entry %d: %w", e.Seq, err)
	}
	b.Queue(sqlSessionSold, body.SessionID, n, body.Gross).Exec(func(tag pgconn.CommandTag) error {
		if tag.RowsAffected() != 1 {
			return fmt.Errorf("ticketing: sale entry %d: session %s missing or over its capacity", e.Seq, body.SessionID)
		}
		return nil
	})
	b.Queue(sqlTicketsSell, body.VenueID, body.SessionID, body.EventID, soldAt, saleDate, bod, e.Seq, body.KID,
		ids, tariffs, prices, seats, adm, codes)
	return nil
}

// refundReq is a refund on its way through the writer.
type refundReq struct {
	c    Caller
	id   idem
	req  RefundRequest
	ats  []time.Time
	now  time.Time
	resp []byte // set by Project
}

func (r *refundReq) Size() int { return 120*len(r.req.Tickets) + 300 }

type refundState struct {
	n     int
	gross decimal.Decimal
}

type refundsBatcher struct{}

type ticketState struct {
	session, venue string
	soldAt         time.Time
	refundedAt     *time.Time
	price          decimal.Decimal
}

// Prepare reads the state of the whole run in one round trip and decides
// each refund in order, each seeing the tickets the ones before it revoked.
func (rb *refundsBatcher) Prepare(ctx context.Context, tx pgx.Tx, b *pgx.Batch, in []any) ([]ledger.Prepared, error) {
	reqs := make([]*refundReq, len(in))
	ids := make([]idem, len(in))
	var sessions, tickets []string
	for i, x := range in {
		r := x.(*refundReq)
		reqs[i], ids[i] = r, r.id
		sessions = append(sessions, r.req.SessionID)
		for _, t := range r.req.Tickets {
			tickets = append(tickets, t.ID)
		}
	}
	idems, sess, found := idemState{}, map[string]*sessionState{}, map[string]*ticketState{}
	queueIdem(b, ids, idems)
	queueSessions(b, sessions, sess)
	b.Queue(sqlTicketsFind, tickets).Query(func(rows pgx.Rows) error {
		for rows.Next() {
			var id string
			t := &ticketState{}
			if err := rows.Scan(&id, &t.session, &t.venue, &t.soldAt, &t.refundedAt, &t.price); err != nil {
				return err
			}
			found[id] = t
		}
		return rows.Err()
	})
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return nil, fmt.Errorf("ticketing: read refunds state: %w", err)
	}
	out := make([]ledger.Prepared, len(reqs))
	for i, r := range reqs {
		out[i] = r.decide(idems, sess, found)
	}
	return out, nil
}

// decide applies the refund rules to the run's state and, when the refund
// is accepted, marks its tickets refunded in that state.
func (r *refundReq) decide(idems idemState, sessions map[string]*sessionState, found map[string]*ticketState) ledger.Prepared {
	reject := func(err error) ledger.Prepared { return ledger.Prepared{Err: err} }
	if err := idems.check(r.id); err != nil {
		return reject(err)
	}
	sr, err := sessionOf(sessions, r.c, r.req.SessionID)
	if err != nil {
		return reject(err)
	}
	b := refundBody{VenueID: sr.venueID, SessionID: sr.id, Reason: r.req.Reason, Tickets: make([]refundBodyTicket, len(r.req.Tickets))}
	gross := decimal.Zero
	for i, rt := range r.req.Tickets {
		f := fmt.Sprintf("tickets[%d]", i)
		t := found[rt.ID]
		at := r.ats[i]
		switch {
		case t == nil || t.venue != sr.venueID:
			return reject(fieldErr(f+".id", ErrTicketNotSold, "ticket %q was not sold by venue %q", rt.ID, sr.venueID))
		case t.session != sr.id:
			return reject(fieldErr(f+".id", ErrTicketNotInSession, "ticket %q belongs to session %q, not %q", rt.ID, t.session, sr.id))
		case t.refundedAt != nil:
			return reject(fieldErr(f+".id", ErrTicketAlreadyRefunded, "ticket %q was refunded at %s", rt.ID, fmtTime(*t.refundedAt)))
		case at.After(r.now.Add(clockSkew)):
			return reject(fieldErr(f+".refunded_at", ErrRefundedAtInFuture, "ticket %q: refunded_at %s is in the future", rt.ID, fmtTime(at)))
		case at.Before(t.soldAt):
			return reject(fieldErr(f+".refunded_at", ErrRefundedBeforeSale, "ticket %q: refunded_at %s is before its sale at %s", rt.ID, fmtTime(at), fmtTime(t.soldAt)))
		case !at.Before(sr.startsAt) && r.req.Reason != reasonSessionCancelled:
			return reject(fieldErr(f+".refunded_at", ErrRefundAfterStart,
				"ticket %q: session %q started at %s; a later refund needs reason %q", rt.ID, sr.id, fmtTime(sr.startsAt), reasonSessionCancelled))
		}
		b.Tickets[i] = refundBodyTicket{ID: rt.ID, RefundedAt: at.UTC().Format(time.RFC3339Nano)}
		gross = gross.Add(t.price)
	}
	for i, rt := range r.req.Tickets {
		at := r.ats[i]
		found[rt.ID].refundedAt = &at
	}
	idems[[2]string{r.id.keyID, r.id.key}] = r.id.hash
	return ledger.Prepared{Body: b, State: refundState{n: len(b.Tickets), gross: gross}}
}

// Project writes the accepted refunds from their entry bodies
// (queueRefund, which deepCheck replays) and their idempotency rows.
func (rb *refundsBatcher) Project(ctx context.Context, tx pgx.Tx, b *pgx.Batch, acc []ledger.Accepted) error {
	var rows idemRows
	for _, a := range acc {
		var body refundBody
		if err := decodeEntryBody(a.Entry, &body); err != nil {
			return err
		}
		if err := queueRefund(b, a.Entry, body); err != nil {
			return err
		}
		r, st := a.Request.(*refundReq), a.State.(refundState)
		r.resp = mustJSON(refundResult{Entry: entryRef(a.Entry), Refunded: st.n, Gross: st.gross.StringFixed(2)})
		rows.add(r.id, 201, r.resp, a.Entry.Seq)
	}
	rows.queue(b)
	return nil
}
