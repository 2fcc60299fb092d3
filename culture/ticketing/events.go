package ticketing

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"ecinema/culture/keyset"
	"ecinema/culture/langmap"
	"ecinema/kztime"
	"ecinema/ledger"
	"ecinema/validate"
)

// Event kinds.
var eventKinds = []string{"performance", "concert", "exhibition", "museum_entry"}

// ageRatings are the accepted age ratings.
var ageRatings = []string{"0+", "6+", "12+", "14+", "16+", "18+", "21+"}

// Event is a performance, concert, exhibition or museum entry of a venue.
type Event struct {
	ID        string      `json:"id"`
	Version   int         `json:"version,omitempty"`
	VenueID   string      `json:"venue_id"`
	Kind      string      `json:"kind"`
	Title     langmap.Map `json:"title"`
	AgeRating string      `json:"age_rating"`
	National  *bool       `json:"national"`
}

// Session is one performance of an event, or one timed entry slot, in one
// zone, with its tariffs.
type Session struct {
	ID           string   `json:"id"`
	EventID      string   `json:"event_id"`
	Version      int      `json:"version,omitempty"`
	VenueID      string   `json:"venue_id,omitempty"`
	ZoneID       string   `json:"zone_id"`
	StartsAt     string   `json:"starts_at"`
	EndsAt       string   `json:"ends_at"`
	BoxOfficeDay string   `json:"box_office_day,omitempty"`
	Capacity     int      `json:"capacity"`
	Tariffs      []Tariff `json:"tariffs"`
	// TicketsActive is the count of sold, not refunded tickets (read only).
	TicketsActive *int `json:"tickets_active,omitempty"`
}

// Tariff is a price of a session; admissions > 1 makes a pass.
type Tariff struct {
	Code       string      `json:"code"`
	Name       langmap.Map `json:"name"`
	Price      string      `json:"price"`
	Admissions int         `json:"admissions"`
}

// maxTariffPrice bounds a tariff's price.
var maxTariffPrice = decimal.NewFromInt(10_000_000)

const (
	sqlEventGet  = `SELECT id, version, venue_id, kind, title, age_rating, national FROM ticketing_events WHERE id = $1`
	sqlEventList = `SELECT id, version, venue_id, kind, title, age_rating, national FROM ticketing_events
WHERE id > $1 AND ($2 = '' OR venue_id = $2) ORDER BY id LIMIT $3`
	sqlEventUpsert = `INSERT INTO ticketing_events (id, version, venue_id, kind, title, age_rating, national, entry_seq)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
ON CONFLICT (id) DO UPDATE SET version = $2, venue_id = $3, kind = $4, title = $5, age_rating = $6, national = $7, entry_seq = $8`
	sqlZoneCapacity = `SELECT capacity FROM ticketing_zones WHERE venue_id = $1 AND id = $2`

	sqlSessionGet = `SELECT id, event_id, version, venue_id, zone_id, starts_at, ends_at, box_office_day, capacity,
  tickets_active, tickets_sold, entry_seq FROM ticketing_sessions WHERE id = $1`
	sqlSessionList = `SELECT id, event_id, version, venue_id, zone_id, starts_at, ends_at, box_office_day, capacity,
  tickets_active, tickets_sold, entry_seq FROM ticketing_sessions WHERE event_id = $1 AND id > $2 ORDER BY id LIMIT $3`
	sqlTariffsOf = `SELECT session_id, code, name, price, admissions FROM ticketing_tariffs WHERE session_id = ANY ($1) ORDER BY session_id, code`

	sqlSessionUpsert = `INSERT INTO ticketing_sessions (id, event_id, venue_id, zone_id, starts_at, ends_at, box_office_day, capacity, version, entry_seq)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
ON CONFLICT (id) DO UPDATE SET event_id = $2, venue_id = $3, zone_id = $4, starts_at = $5, ends_at = $6,
  box_office_day = $7, capacity = $8, version = $9, entry_seq = $10`
	// sqlSessionUnsold guards a replacement: the session is of the same
	// event and has no sales.
	sqlSessionUnsold = `SELECT event_id, tickets_sold FROM ticketing_sessions WHERE id = $1`
	sqlTariffsDelete = `DELETE FROM ticketing_tariffs WHERE session_id = $1`
	sqlTariffsInsert = `INSERT INTO ticketing_tariffs (session_id, code, name, price, admissions)
SELECT $1, u.code, u.name, u.price::numeric, u.admissions
FROM unnest($2::text[], $3::jsonb[], $4::text[], $5::int[]) AS u(code, name, price, admissions)`
)

// mayWrite is the scope rule of events and sessions: a venue key acts for
// its venue only; a national key (admin) for any.
func (c Caller) mayWrite(venueID string) error {
	if c.VenueID != "" && c.VenueID != venueID {
		return newErr(ErrOtherVenue, "venue %q is not this API key's venue %q", venueID, c.VenueID)
	}
	return nil
}

// PutEvent creates or replaces an event (a ticketing_event entry).
func (s *Service) PutEvent(ctx context.Context, c Caller, id string, ev Event) (Event, error) {
	var errs validate.Errors
	if ev.ID == "" {
		ev.ID = id
	} else if ev.ID != id {
		errs.Add("id", "path_mismatch", "the body says %q but the path says %q", ev.ID, id)
	}
	errs.ID("id", ev.ID)
	errs.ID("venue_id", ev.VenueID)
	errs.OneOf("kind", ev.Kind, eventKinds...)
	langmap.Check(&errs, "title", ev.Title)
	errs.OneOf("age_rating", ev.AgeRating, ageRatings...)
	if ev.National == nil {
		errs.Add("national", "required", "is required: true or false")
	}
	if err := errs.Err(); err != nil {
		return Event{}, err
	}
	if err := c.mayWrite(ev.VenueID); err != nil {
		return Event{}, err
	}
	r := &eventReq{c: c, ev: ev}
	r.ev.Version = 0
	if _, err := s.app.Append(ctx, ledger.Record{Kind: KindEvent, Actor: c.KeyID, Batch: ledger.Serial, Request: r}); err != nil {
		var u *errUnchanged
		if !errors.As(err, &u) {
			return Event{}, asRuleError(err)
		}
		r.version = u.version
	}
	ev.Version = r.version
	return ev, nil
}

// eventReq is an event version on its way through the writer: the venue,
// the event as it stands (whose venue it is) and its current version are
// read under the head lock.
type eventReq struct {
	c       Caller
	ev      Event
	version int // set by Project
}

func (r *eventReq) Decide(ctx context.Context, tx pgx.Tx) (ledger.Prepared, error) {
	reject := func(err error) (ledger.Prepared, error) { return ledger.Prepared{Err: err}, nil }
	ev := r.ev
	var ok bool
	if err := tx.QueryRow(ctx, sqlVenueExists, ev.VenueID).Scan(&ok); err != nil {
		return ledger.Prepared{}, fmt.Errorf("ticketing: venue exists: %w", err)
	}
	if !ok {
		return reject(fieldErr("venue_id", ErrUnknownReference, "venue %q is not registered", ev.VenueID))
	}
	old, err := scanEvent(tx.QueryRow(ctx, sqlEventGet, ev.ID))
	switch {
	case errors.Is(err, pgx.ErrNoRows):
	case err != nil:
		return ledger.Prepared{}, fmt.Errorf("ticketing: read event %s: %w", ev.ID, err)
	default:
		if err := r.c.mayWrite(old.VenueID); err != nil {
			return reject(err)
		}
		if old.VenueID != ev.VenueID {
			return reject(fieldErr("venue_id", ErrEventVenueChanged, "event %q belongs to venue %q; it cannot move to %q", ev.ID, old.VenueID, ev.VenueID))
		}
	}
	if v, same, err := latestSame(ctx, tx, "event", ev.ID, ev); err != nil || same {
		return ledger.Prepared{Err: &errUnchanged{version: v}}, err
	}
	return ledger.Prepared{Body: ev}, nil
}

func (r *eventReq) Project(ctx context.Context, tx pgx.Tx, e ledger.Entry) error {
	var ev Event
	if err := decodeEntryBody(e, &ev); err != nil {
		return err
	}
	var err error
	r.version, err = applyEvent(ctx, tx, e, ev)
	return err
}

func applyEvent(ctx context.Context, tx pgx.Tx, e ledger.Entry, ev Event) (int, error) {
	v, err := recordVersion(ctx, tx, "event", ev.ID, e, mustJSON(ev))
	if err != nil {
		return 0, err
	}
	_, err = tx.Exec(ctx, sqlEventUpsert, ev.ID, v, ev.VenueID, ev.Kind, mustJSON(ev.Title), ev.AgeRating, *ev.National, e.Seq)
	if err != nil {
		return 0, fmt.Errorf("write event: %w", err)
	}
	return v, nil
}

func scanEvent(row pgx.Row) (Event, error) {
	var ev Event
	var title []byte
	var national bool
	if err := row.Scan(&ev.ID, &ev.Version, &ev.VenueID, &ev.Kind, &title, &ev.AgeRating, &national); err != nil {
		return Event{}, err
	}
	ev.National = &national
	return ev, json.Unmarshal(title, &ev.Title)
}

// Event returns an event.
func (s *Service) Event(ctx context.Context, id string) (Event, error) {
	ev, err := scanEvent(s.pool.QueryRow(ctx, sqlEventGet, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return Event{}, newErr(ErrNotFound, "event %q not found", id)
	}
	if err != nil {
		return Event{}, fmt.Errorf("ticketing: read event %s: %w", id, err)
	}
	return ev, nil
}

// Events lists events by id, of one venue when venueID is not empty.
func (s *Service) Events(ctx context.Context, venueID string, p Page) ([]Event, string, error) {
	return keyset.Read(ctx, s.pool, "ticketing: list events", p, scanEvent, func(ev Event) string { return ev.ID },
		sqlEventList, p.Cursor, venueID, p.Fetch())
}

// sessionBody is the body of a ticketing_session entry.
type sessionBody struct {
	ID           string   `json:"id"`
	EventID      string   `json:"event_id"`
	VenueID      string   `json:"venue_id"`
	ZoneID       string   `json:"zone_id"`
	StartsAt     string   `json:"starts_at"`
	EndsAt       string   `json:"ends_at"`
	BoxOfficeDay string   `json:"box_office_day"`
	Capacity     int      `json:"capacity"`
	Tariffs      []Tariff `json:"tariffs"`
}

// PutSession creates or replaces a session of an event (a
// ticketing_session entry). A session with sales cannot change.
func (s *Service) PutSession(ctx context.Context, c Caller, eventID, id string, in Session) (Session, error) {
	var errs validate.Errors
	if in.ID == "" {
		in.ID = id
	} else if in.ID != id {
		errs.Add("id", "path_mismatch", "the body says %q but the path says %q", in.ID, id)
	}
	if in.EventID == "" {
		in.EventID = eventID
	} else if in.EventID != eventID {
		errs.Add("event_id", "path_mismatch", "the body says %q but the path says %q", in.EventID, eventID)
	}
	errs.ID("id", in.ID)
	errs.ID("zone_id", in.ZoneID)
	start := errs.Time("starts_at", in.StartsAt)
	end := errs.Time("ends_at", in.EndsAt)
	if !start.IsZero() && !end.IsZero() && !end.After(start) {
		errs.Add("ends_at", "before_start", "must be after starts_at")
	}
	if in.Capacity < 1 || in.Capacity > MaxCapacity {
		errs.Add("capacity", "out_of_range", "must be 1..%d", MaxCapacity)
	}
	if len(in.Tariffs) == 0 {
		errs.Add("tariffs", "required", "at least one tariff is required")
	}
	seen := map[string]bool{}
	for i := range in.Tariffs {
		t := &in.Tariffs[i]
		f := fmt.Sprintf("tariffs[%d]", i)
		errs.ID(f+".code", t.Code)
		if seen[t.Code] {
			errs.Add(f+".code", "duplicate", "tariff %q appears twice", t.Code)
		}
		seen[t.Code] = true
		langmap.Check(&errs, f+".name", t.Name)
		p := errs.Money(f+".price", t.Price, decimal.Zero, maxTariffPrice)
		t.Price = p.StringFixed(2)
		if t.Admissions < 1 || t.Admissions > 1000 {
			errs.Add(f+".admissions", "out_of_range", "must be 1..1000")
		}
	}
	if err := errs.Err(); err != nil {
		return Session{}, err
	}
	r := &sessionReq{c: c, in: in, body: sessionBody{ID: id, EventID: eventID, ZoneID: in.ZoneID,
		StartsAt: fmtTime(start), EndsAt: fmtTime(end), BoxOfficeDay: kztime.BoxOfficeDay(start).Format(dateLayout),
		Capacity: in.Capacity, Tariffs: in.Tariffs}}
	_, err := s.app.Append(ctx, ledger.Record{Kind: KindSession, Actor: c.KeyID, Batch: ledger.Serial, Request: r})
	var u *errUnchanged
	if errors.As(err, &u) {
		out := r.body.session()
		out.Version = u.version
		return out, nil
	}
	if err != nil {
		return Session{}, asRuleError(err)
	}
	out := r.body.session()
	out.Version = r.version
	zero := 0
	out.TicketsActive = &zero
	return out, nil
}

// sessionReq is a session version on its way through the writer: its
// event (and so its venue), the zone's capacity, its current version and
// whether it has sales are read under the head lock.
type sessionReq struct {
	c       Caller
	in      Session
	body    sessionBody // VenueID set by Decide
	version int         // set by Project
}

func (r *sessionReq) Decide(ctx context.Context, tx pgx.Tx) (ledger.Prepared, error) {
	reject := func(err error) (ledger.Prepared, error) { return ledger.Prepared{Err: err}, nil }
	b := r.body
	ev, err := scanEvent(tx.QueryRow(ctx, sqlEventGet, b.EventID))
	if errors.Is(err, pgx.ErrNoRows) {
		return reject(newErr(ErrNotFound, "event %q not found", b.EventID))
	}
	if err != nil {
		return ledger.Prepared{}, fmt.Errorf("ticketing: read event %s: %w", b.EventID, err)
	}
	if err := r.c.mayWrite(ev.VenueID); err != nil {
		return reject(err)
	}
	b.VenueID = ev.VenueID
	r.body.VenueID = ev.VenueID
	var zoneCap int
	if err := tx.QueryRow(ctx, sqlZoneCapacity, ev.VenueID, b.ZoneID).Scan(&zoneCap); errors.Is(err, pgx.ErrNoRows) {
		return reject(fieldErr("zone_id", ErrUnknownReference, "zone %q is not a zone of venue %q", b.ZoneID, ev.VenueID))
	} else if err != nil {
		return ledger.Prepared{}, fmt.Errorf("ticketing: read zone: %w", err)
	}
	if b.Capacity > zoneCap {
		return reject(fieldErr("capacity", ErrCapacityExceeded, "capacity %d is over zone %q's %d", b.Capacity, b.ZoneID, zoneCap))
	}
	if v, same, err := latestSame(ctx, tx, "session", b.ID, b); err != nil || same {
		return ledger.Prepared{Err: &errUnchanged{version: v}}, err
	}
	var oldEvent string
	var sold int
	err = tx.QueryRow(ctx, sqlSessionUnsold, b.ID).Scan(&oldEvent, &sold)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
	case err != nil:
		return ledger.Prepared{}, fmt.Errorf("ticketing: read session %s: %w", b.ID, err)
	case oldEvent != b.EventID:
		return reject(newErr(ErrSessionHasSales, "session %q belongs to event %q", b.ID, oldEvent))
	case sold > 0:
		return reject(newErr(ErrSessionHasSales, "session %q has sales and cannot be changed", b.ID))
	}
	return ledger.Prepared{Body: b}, nil
}

func (r *sessionReq) Project(ctx context.Context, tx pgx.Tx, e ledger.Entry) error {
	var b sessionBody
	if err := decodeEntryBody(e, &b); err != nil {
		return err
	}
	var err error
	r.version, err = applySession(ctx, tx, e, b)
	return err
}

func (b sessionBody) session() Session {
	return Session{ID: b.ID, EventID: b.EventID, VenueID: b.VenueID, ZoneID: b.ZoneID, StartsAt: b.StartsAt,
		EndsAt: b.EndsAt, BoxOfficeDay: b.BoxOfficeDay, Capacity: b.Capacity, Tariffs: b.Tariffs}
}

func applySession(ctx context.Context, tx pgx.Tx, e ledger.Entry, b sessionBody) (int, error) {
	v, err := recordVersion(ctx, tx, "session", b.ID, e, mustJSON(b))
	if err != nil {
		return 0, err
	}
	start, err1 := time.Parse(time.RFC3339, b.StartsAt)
	end, err2 := time.Parse(time.RFC3339, b.EndsAt)
	bod, err3 := time.Parse(dateLayout, b.BoxOfficeDay)
	if err := errors.Join(err1, err2, err3); err != nil {
		return 0, err
	}
	if _, err := tx.Exec(ctx, sqlSessionUpsert, b.ID, b.EventID, b.VenueID, b.ZoneID, start, end, bod, b.Capacity, v, e.Seq); err != nil {
		return 0, fmt.Errorf("write session: %w", err)
	}
	n := len(b.Tariffs)
	codes, names, prices, adm := make([]string, n), make([]string, n), make([]string, n), make([]int32, n)
	for i, t := range b.Tariffs {
		codes[i], names[i], prices[i], adm[i] = t.Code, string(mustJSON(t.Name)), t.Price, int32(t.Admissions)
	}
	if _, err := tx.Exec(ctx, sqlTariffsDelete, b.ID); err != nil {
		return 0, fmt.Errorf("write tariffs: %w", err)
	}
	if _, err := tx.Exec(ctx, sqlTariffsInsert, b.ID, codes, names, prices, adm); err != nil {
		return 0, fmt.Errorf("write tariffs: %w", err)
	}
	return v, nil
}

// sessionRow adds what the rules need to a Session.
type sessionRow struct {
	Session
	startsAt, endsAt time.Time
	ticketsSold      int
	entrySeq         int64
}

func scanSession(row pgx.Row) (sessionRow, error) {
	var s sessionRow
	var start, end, bod time.Time
	var active int
	if err := row.Scan(&s.ID, &s.EventID, &s.Version, &s.VenueID, &s.ZoneID, &start, &end, &bod, &s.Capacity,
		&active, &s.ticketsSold, &s.entrySeq); err != nil {
		return sessionRow{}, err
	}
	s.startsAt, s.endsAt = start, end
	s.StartsAt, s.EndsAt, s.BoxOfficeDay = fmtTime(start), fmtTime(end), bod.Format(dateLayout)
	s.TicketsActive = &active
	return s, nil
}

// Session returns a session with its tariffs and active ticket count.
func (s *Service) Session(ctx context.Context, id string) (Session, error) {
	r, err := s.loadSession(ctx, id)
	return r.Session, err
}

func (s *Service) loadSession(ctx context.Context, id string) (sessionRow, error) {
	sr, err := scanSession(s.pool.QueryRow(ctx, sqlSessionGet, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return sessionRow{}, newErr(ErrNotFound, "session %q not found", id)
	}
	if err != nil {
		return sessionRow{}, fmt.Errorf("ticketing: read session %s: %w", id, err)
	}
	ss := []Session{sr.Session}
	if err := s.fillTariffs(ctx, ss); err != nil {
		return sessionRow{}, err
	}
	sr.Session = ss[0]
	return sr, nil
}

// Sessions lists the sessions of an event by id.
func (s *Service) Sessions(ctx context.Context, eventID string, p Page) ([]Session, string, error) {
	srs, next, err := keyset.Read(ctx, s.pool, "ticketing: list sessions", p, scanSession, func(r sessionRow) string { return r.ID },
		sqlSessionList, eventID, p.Cursor, p.Fetch())
	if err != nil {
		return nil, "", err
	}
	ss := make([]Session, len(srs))
	for i, r := range srs {
		ss[i] = r.Session
	}
	return ss, next, s.fillTariffs(ctx, ss)
}

func (s *Service) fillTariffs(ctx context.Context, ss []Session) error {
	ids := make([]string, len(ss))
	at := map[string]int{}
	for i := range ss {
		ids[i] = ss[i].ID
		at[ss[i].ID] = i
		ss[i].Tariffs = []Tariff{}
	}
	rows, err := s.pool.Query(ctx, sqlTariffsOf, ids)
	if err != nil {
		return fmt.Errorf("ticketing: read tariffs: %w", err)
	}
	var sid string
	var t Tariff
	var name []byte
	var price decimal.Decimal
	_, err = pgx.ForEachRow(rows, []any{&sid, &t.Code, &name, &price, &t.Admissions}, func() error {
		tt := Tariff{Code: t.Code, Price: price.StringFixed(2), Admissions: t.Admissions}
		if err := json.Unmarshal(name, &tt.Name); err != nil {
			return err
		}
		ss[at[sid]].Tariffs = append(ss[at[sid]].Tariffs, tt)
		return nil
	})
	if err != nil {
		return fmt.Errorf("ticketing: read tariffs: %w", err)
	}
	return nil
}
