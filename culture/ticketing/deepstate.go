package ticketing

import (
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/shopspring/decimal"
	"github.com/veraison/go-cose"

	"ecinema/kztime"
	"ecinema/ledger"
)

// deepState is the register as the entries before the one being replayed
// made it, kept in memory by deepCheck. The live write decides its rules
// and copies facts into the entry from the projection tables (the session
// a sale names, its tariffs, the venue's current key, the tickets a refund
// or a gate scan names); a row changed for one write and put back at once
// leaves every table equal to its rebuild but an entry that contradicts
// the ones before it. deepState re-decides each rule and re-derives each
// copied fact from the entries alone, and reports the entry that
// contradicts the log as a *ledger.ProjectionMismatch (exit status 1),
// before its replay's statements would fail on it (exit status 3).
type deepState struct {
	zones    map[string]map[string]int // venue → zone → capacity (its latest version)
	current  map[string]string         // venue → current kid
	keys     map[string]TrustedKey     // kid → key, retired ones included
	events   map[string]string         // event → venue
	sessions map[string]*deepSession
	tickets  map[string]*deepTicket
	seats    map[[2]string]string // (session, seat) → active ticket
	scans    map[[3]string]int64  // (venue, device, nonce) → entry
}

type deepSession struct {
	venue, event     string
	startsAt, endsAt time.Time
	bod              string
	capacity, active int
	sold             int
	firstSale        int64 // the first sale entry, 0 before it
	seq              int64 // the session entry
	tariffs          map[string]tariffState
}

type deepTicket struct {
	venue, session       string
	seat                 string
	soldAt               time.Time
	admissions, admitted int
	saleSeq, refundSeq   int64
}

func newDeepState() *deepState {
	return &deepState{zones: map[string]map[string]int{}, current: map[string]string{}, keys: map[string]TrustedKey{},
		events: map[string]string{}, sessions: map[string]*deepSession{}, tickets: map[string]*deepTicket{},
		seats: map[[2]string]string{}, scans: map[[3]string]int64{}}
}

// mismatch is an entry that contradicts the entries before it.
func mismatch(table string, e ledger.Entry, format string, args ...any) error {
	return &ledger.ProjectionMismatch{Table: table, Seq: e.Seq, Detail: fmt.Sprintf(format, args...)}
}

// venue checks and applies a venue version: a venue's first version
// carries its signing key, a later one none (decided under the head lock
// from ticketing_keys).
func (st *deepState) venue(e ledger.Entry, b venueBody) error {
	cur, known := st.current[b.ID]
	switch {
	case b.SigningKey == nil && !known:
		return mismatch("ticketing_keys", e, "venue entry %d: venue %q has no signing key before it, and the entry carries none", e.Seq, b.ID)
	case b.SigningKey != nil && known:
		return mismatch("ticketing_keys", e, "venue entry %d: venue %q has the current key %s, yet the entry carries a new key %s", e.Seq, b.ID, cur, b.SigningKey.KID)
	case b.SigningKey != nil:
		if b.SigningKey.Retires != "" || b.SigningKey.VenueID != b.ID {
			return mismatch("ticketing_keys", e, "venue entry %d: the signing key %s of venue %q names venue %q and retires %q", e.Seq, b.SigningKey.KID, b.ID, b.SigningKey.VenueID, b.SigningKey.Retires)
		}
		if err := st.key(e, "venue", *b.SigningKey); err != nil {
			return err
		}
	}
	zs := make(map[string]int, len(b.Zones))
	for _, z := range b.Zones {
		zs[z.ID] = z.Capacity
	}
	st.zones[b.ID] = zs
	return nil
}

// key checks and applies a key: new, the hash of its public key, and in a
// rotation retiring the venue's current key.
func (st *deepState) key(e ledger.Entry, what string, k keyBody) error {
	pub, err1 := base64.StdEncoding.DecodeString(k.PublicKey)
	from, err2 := time.Parse(time.RFC3339, k.ValidFrom)
	switch {
	case err1 != nil || err2 != nil || len(pub) != 32 || keyIDHex(pub) != k.KID:
		return mismatch("ticketing_keys", e, "%s entry %d: key %q of venue %q is not a 32-byte public key named by its hash, valid from a time", what, e.Seq, k.KID, k.VenueID)
	case st.keys[k.KID].KID != "":
		return mismatch("ticketing_keys", e, "%s entry %d: key %s of venue %q was recorded before", what, e.Seq, k.KID, k.VenueID)
	}
	if what == "key" {
		cur, ok := st.current[k.VenueID]
		if !ok || k.Retires != cur {
			return mismatch("ticketing_keys", e, "key entry %d: the rotation of venue %q retires key %q, its current key is %q", e.Seq, k.VenueID, k.Retires, cur)
		}
		old := st.keys[cur]
		old.ValidTo = &from
		st.keys[cur] = old
	}
	st.keys[k.KID] = TrustedKey{KID: k.KID, VenueID: k.VenueID, PublicKey: pub, ValidFrom: from}
	st.current[k.VenueID] = k.KID
	return nil
}

// event checks and applies an event version: of a venue, never moved to
// another.
func (st *deepState) event(e ledger.Entry, ev Event) error {
	if _, ok := st.zones[ev.VenueID]; !ok {
		return mismatch("ticketing_venues", e, "event entry %d: event %q names venue %q, which no venue entry made", e.Seq, ev.ID, ev.VenueID)
	}
	if v, ok := st.events[ev.ID]; ok && v != ev.VenueID {
		return mismatch("ticketing_events", e, "event entry %d: event %q moves from venue %q to %q", e.Seq, ev.ID, v, ev.VenueID)
	}
	st.events[ev.ID] = ev.VenueID
	return nil
}

// session checks and applies a session version: its event's venue, a zone
// of that venue large enough, its box-office day, and no version after
// the session's first sale or under another event (decided under the head
// lock from ticketing_sessions).
func (st *deepState) session(e ledger.Entry, b sessionBody) error {
	start, err1 := time.Parse(time.RFC3339, b.StartsAt)
	end, err2 := time.Parse(time.RFC3339, b.EndsAt)
	if err1 != nil || err2 != nil || !end.After(start) {
		return mismatch("ticketing_sessions", e, "session entry %d: session %q runs from %q to %q", e.Seq, b.ID, b.StartsAt, b.EndsAt)
	}
	v, ok := st.events[b.EventID]
	switch {
	case !ok:
		return mismatch("ticketing_events", e, "session entry %d: session %q names event %q, which no event entry made", e.Seq, b.ID, b.EventID)
	case v != b.VenueID:
		return mismatch("ticketing_events", e, "session entry %d: session %q states venue %q, its event %q is venue %q's", e.Seq, b.ID, b.VenueID, b.EventID, v)
	}
	if zc, ok := st.zones[v][b.ZoneID]; !ok || b.Capacity > zc {
		return mismatch("ticketing_zones", e, "session entry %d: session %q has capacity %d in zone %q of venue %q, which holds %d", e.Seq, b.ID, b.Capacity, b.ZoneID, v, zc)
	}
	if bod := kztime.BoxOfficeDay(start).Format(dateLayout); bod != b.BoxOfficeDay {
		return mismatch("ticketing_sessions", e, "session entry %d: session %q starting at %s states box-office day %s, not %s", e.Seq, b.ID, b.StartsAt, b.BoxOfficeDay, bod)
	}
	old := st.sessions[b.ID]
	switch {
	case old != nil && old.event != b.EventID:
		return mismatch("ticketing_sessions", e, "session entry %d: session %q of event %q (entry %d) is made again under event %q", e.Seq, b.ID, old.event, old.seq, b.EventID)
	case old != nil && old.sold > 0:
		return mismatch("ticketing_sessions", e, "session entry %d: session %q is changed after sale entry %d sold it", e.Seq, b.ID, old.firstSale)
	}
	s := &deepSession{venue: b.VenueID, event: b.EventID, startsAt: start, endsAt: end, bod: b.BoxOfficeDay,
		capacity: b.Capacity, seq: e.Seq, tariffs: make(map[string]tariffState, len(b.Tariffs))}
	for _, t := range b.Tariffs {
		p, err := decimal.NewFromString(t.Price)
		if err != nil {
			return mismatch("ticketing_tariffs", e, "session entry %d: tariff %q of session %q has price %q", e.Seq, t.Code, b.ID, t.Price)
		}
		s.tariffs[t.Code] = tariffState{price: p, admissions: t.Admissions}
	}
	st.sessions[b.ID] = s
	return nil
}

// sale checks a sale entry against the register before it: every fact the
// live write copied from its session, tariffs and the venue's current key,
// the capacity, ticket ids never sold and seats not taken, and each code's
// kid and claims; then applies it.
func (st *deepState) sale(e ledger.Entry, b saleBody) error {
	s := st.sessions[b.SessionID]
	if s == nil {
		return mismatch("ticketing_sessions", e, "sale entry %d: session %q was never made", e.Seq, b.SessionID)
	}
	soldAt, err := time.Parse(time.RFC3339, b.SoldAt)
	if err != nil {
		return mismatch("ticketing_tickets", e, "sale entry %d: sold_at %q", e.Seq, b.SoldAt)
	}
	if b.VenueID != s.venue || b.EventID != s.event || b.BoxOfficeDay != s.bod {
		return mismatch("ticketing_sessions", e, "sale entry %d sold session %q as venue %q, event %q, box-office day %s; its session entry %d made venue %q, event %q, day %s",
			e.Seq, b.SessionID, b.VenueID, b.EventID, b.BoxOfficeDay, s.seq, s.venue, s.event, s.bod)
	}
	if sd := kztime.LocalDate(soldAt).Format(dateLayout); b.SaleDate != sd {
		return mismatch("ticketing_tickets", e, "sale entry %d: sold at %s, yet on sale date %s", e.Seq, b.SoldAt, b.SaleDate)
	}
	if !soldAt.Before(s.endsAt) {
		return mismatch("ticketing_sessions", e, "sale entry %d sold session %q at %s, after it ended at %s (session entry %d)", e.Seq, b.SessionID, b.SoldAt, fmtTime(s.endsAt), s.seq)
	}
	n := len(b.Tickets)
	if s.active+n > s.capacity {
		return mismatch("ticketing_sessions", e, "sale entry %d: session %q had %d tickets active; %d more exceed its capacity of %d (session entry %d)", e.Seq, b.SessionID, s.active, n, s.capacity, s.seq)
	}
	if kid := st.current[s.venue]; b.KID != kid {
		return mismatch("ticketing_keys", e, "sale entry %d: signed with key %q, venue %q's current key is %q", e.Seq, b.KID, s.venue, kid)
	}
	gross := decimal.Zero
	for _, t := range b.Tickets {
		tf, ok := s.tariffs[t.Tariff]
		price, err := decimal.NewFromString(t.Price)
		switch {
		case !ok || err != nil:
			return mismatch("ticketing_tariffs", e, "sale entry %d: ticket %q of tariff %q, which session %q has not (session entry %d)", e.Seq, t.ID, t.Tariff, b.SessionID, s.seq)
		case !price.Equal(tf.price) || t.Admissions != tf.admissions:
			return mismatch("ticketing_tariffs", e, "sale entry %d: ticket %q at price %s for %d admissions; tariff %q of session %q is %s for %d (session entry %d)",
				e.Seq, t.ID, t.Price, t.Admissions, t.Tariff, b.SessionID, tf.price.StringFixed(2), tf.admissions, s.seq)
		}
		gross = gross.Add(price)
		if old := st.tickets[t.ID]; old != nil {
			return mismatch("ticketing_tickets", e, "sale entry %d: ticket %q was sold before, by entry %d", e.Seq, t.ID, old.saleSeq)
		}
		if other, ok := st.seats[[2]string{b.SessionID, t.Seat}]; ok && t.Seat != "" {
			return mismatch("ticketing_tickets", e, "sale entry %d: seat %q of session %q is held by ticket %q (entry %d), not refunded", e.Seq, t.Seat, b.SessionID, other, st.tickets[other].saleSeq)
		}
		kid, cl, err := codeClaims(t.Code)
		want := claimsFor(SaleTicket{ID: t.ID, Tariff: t.Tariff, Price: t.Price, Seat: t.Seat}, s.venue, b.SessionID, soldAt, s.endsAt, tf.admissions)
		if err != nil || kid != b.KID || !sameClaims(cl, want) {
			return mismatch("ticketing_tickets", e, "sale entry %d: the code of ticket %q is not signed with key %s for the ticket and session the entries make", e.Seq, t.ID, b.KID)
		}
		st.tickets[t.ID] = &deepTicket{venue: s.venue, session: b.SessionID, seat: t.Seat, soldAt: soldAt, admissions: t.Admissions, saleSeq: e.Seq}
		if t.Seat != "" {
			st.seats[[2]string{b.SessionID, t.Seat}] = t.ID
		}
	}
	if g, err := decimal.NewFromString(b.Gross); err != nil || !g.Equal(gross) {
		return mismatch("ticketing_sessions", e, "sale entry %d: gross %s, its tickets' prices sum to %s", e.Seq, b.Gross, gross.StringFixed(2))
	}
	s.active += n
	s.sold += n
	if s.firstSale == 0 {
		s.firstSale = e.Seq
	}
	return nil
}

// codeClaims reads a code's kid and claims without checking its
// signature: a code in an entry was signed under the head lock with the
// sealed key of the kid its entry names (the ledger's hashes keep it so),
// and the tables can change only what it was signed for, which the
// claims show; not verifying 20,000 signatures keeps the check fast.
func codeClaims(code string) (string, Claims, error) {
	var c Claims
	rest, ok := strings.CutPrefix(code, codePrefix)
	if !ok {
		return "", c, errors.New("no code prefix")
	}
	raw, err := base45Decode(rest)
	if err != nil {
		return "", c, err
	}
	var msg cose.Sign1Message
	if err := msg.UnmarshalCBOR(raw); err != nil {
		return "", c, err
	}
	kid, _ := msg.Headers.Protected[cose.HeaderLabelKeyID].([]byte)
	err = cborDec.Unmarshal(msg.Payload, &c)
	return hex.EncodeToString(kid), c, err
}

// refund checks a refund entry against the register before it: each
// ticket sold in the session by the venue and still active, refunded not
// before its sale, and before the session started unless it was
// cancelled; then applies it.
func (st *deepState) refund(e ledger.Entry, b refundBody) error {
	s := st.sessions[b.SessionID]
	if s == nil || s.venue != b.VenueID {
		return mismatch("ticketing_sessions", e, "refund entry %d: session %q of venue %q was never made", e.Seq, b.SessionID, b.VenueID)
	}
	for _, rt := range b.Tickets {
		t := st.tickets[rt.ID]
		at, err := time.Parse(time.RFC3339Nano, rt.RefundedAt)
		switch {
		case t == nil || t.session != b.SessionID || t.venue != b.VenueID:
			return mismatch("ticketing_tickets", e, "refund entry %d: ticket %q was not sold in session %q", e.Seq, rt.ID, b.SessionID)
		case t.refundSeq != 0:
			return mismatch("ticketing_tickets", e, "refund entry %d: ticket %q was refunded before, by entry %d", e.Seq, rt.ID, t.refundSeq)
		case err != nil || at.Before(t.soldAt):
			return mismatch("ticketing_tickets", e, "refund entry %d: ticket %q refunded at %s, before its sale (entry %d) at %s", e.Seq, rt.ID, rt.RefundedAt, t.saleSeq, fmtTime(t.soldAt))
		case !at.Before(s.startsAt) && b.Reason != reasonSessionCancelled:
			return mismatch("ticketing_sessions", e, "refund entry %d: ticket %q refunded at %s, after session %q started at %s, with reason %q", e.Seq, rt.ID, rt.RefundedAt, b.SessionID, fmtTime(s.startsAt), b.Reason)
		}
		t.refundSeq = e.Seq
		if t.seat != "" {
			delete(st.seats, [2]string{b.SessionID, t.seat})
		}
		s.active--
	}
	return nil
}

// checkins checks a check-in or gate batch entry against the register
// before it: each nonce new, each scan's result the one its ticket's
// state gives (admitted while admissions remain and it is not refunded,
// revoked when refunded, duplicate_offline when used up); then applies it.
// The stateless refusals (a code that does not verify, another venue's,
// out of its time, and in_future: dated after the server's clock when it
// was decided) are not re-decided: the entry holds neither the code nor
// that clock (its "at" is taken later, by the writer's clock); they admit
// nobody, so the ticket they name stays as it was. Any other result is one
// the live rules never write: a mismatch.
func (st *deepState) checkins(e ledger.Entry, online bool, b checkinBody) error {
	if online && (len(b.Scans) != 1 || b.Scans[0].Result != ResultAdmitted) {
		return mismatch("ticketing_scans", e, "check-in entry %d: %d scans, not one admitted", e.Seq, len(b.Scans))
	}
	for _, sc := range b.Scans {
		k := [3]string{b.VenueID, b.Device, sc.Nonce}
		if seq, ok := st.scans[k]; ok {
			return mismatch("ticketing_scans", e, "entry %d: nonce %q of device %q was recorded before, by entry %d", e.Seq, sc.Nonce, b.Device, seq)
		}
		st.scans[k] = e.Seq
		var want string
		t := st.tickets[sc.TicketID]
		switch sc.Result {
		case ResultAdmitted, ResultRevoked, ResultDuplicateOffline:
			switch {
			case t == nil || t.venue != b.VenueID:
				want = "not a ticket of venue " + b.VenueID
			case t.refundSeq != 0:
				want = ResultRevoked
			case t.admitted < t.admissions:
				want = ResultAdmitted
			default:
				want = ResultDuplicateOffline
			}
		case ResultInvalidCode, ResultWrongVenue, ResultNotYetValid, ResultExpired, ResultInFuture:
			continue
		default:
			return mismatch("ticketing_scans", e, "entry %d: the scan with nonce %q of device %q is recorded %q, not a result of the gate rules", e.Seq, sc.Nonce, b.Device, sc.Result)
		}
		if want != sc.Result {
			return mismatch("ticketing_tickets", e, "entry %d: the scan with nonce %q of device %q is recorded %s; ticket %q was then %s (%s)",
				e.Seq, sc.Nonce, b.Device, sc.Result, sc.TicketID, want, st.ticketState(sc.TicketID))
		}
		if want == ResultAdmitted {
			t.admitted++
		}
	}
	return nil
}

// ticketState describes a ticket for a mismatch.
func (st *deepState) ticketState(id string) string {
	t := st.tickets[id]
	if t == nil {
		return "never sold"
	}
	s := fmt.Sprintf("sold by entry %d, admitted %d of %d times", t.saleSeq, t.admitted, t.admissions)
	if t.refundSeq != 0 {
		s += fmt.Sprintf(", refunded by entry %d", t.refundSeq)
	}
	return s
}
