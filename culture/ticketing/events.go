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
	// sqlSessionUnsold guards a replacement: the session is still the version
	// read and has no sales.
	sqlSessionUnsold = `SELECT tickets_sold, entry_seq FROM ticketing_sessions WHERE id = $1`
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
	if _, err := s.Venue(ctx, ev.VenueID); errors.Is(err, ErrNotFound) {
		return Event{}, fieldErr("venue_id", ErrUnknownReference, "venue %q is not registered", ev.VenueID)
	} else if err != nil {
		return Event{}, err
	}
	if old, err := s.Event(ctx, id); err == nil {
		if err := c.mayWrite(old.VenueID); err != nil {
			return Event{}, err
		}
		if old.VenueID != ev.VenueID {
			return Event{}, fieldErr("venue_id", ErrEventVenueChanged, "event %q belongs to venue %q; it cannot move to %q", id, old.VenueID, ev.VenueID)
		}
	} else if !errors.Is(err, ErrNotFound) {
		return Event{}, err
	}
	ev.Version = 0
	if ver, same, err := s.unchanged(ctx, "event", id, ev); err != nil || same {
		ev.Version = ver
		return ev, err
	}
	var version int
	_, err := s.app.Append(ctx, ledger.Record{Kind: KindEvent, Actor: c.KeyID, Body: ev,
		Project: func(ctx context.Context, tx pgx.Tx, e ledger.Entry) error {
			var err error
			version, err = applyEvent(ctx, tx, e, ev)
			return err
		}})
	if err != nil {
		return Event{}, asRuleError(err)
	}
	ev.Version = version
	return ev, nil
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
	ev, err := s.Event(ctx, eventID)
	if err != nil {
		return Session{}, err
	}
	if err := c.mayWrite(ev.VenueID); err != nil {
		return Session{}, err
	}
	var zoneCap int
	if err := s.pool.QueryRow(ctx, sqlZoneCapacity, ev.VenueID, in.ZoneID).Scan(&zoneCap); errors.Is(err, pgx.ErrNoRows) {
		return Session{}, fieldErr("zone_id", ErrUnknownReference, "zone %q is not a zone of venue %q", in.ZoneID, ev.VenueID)
	} else if err != nil {
		return Session{}, fmt.Errorf("ticketing: read zone: %w", err)
	}
	if in.Capacity > zoneCap {
		return Session{}, fieldErr("capacity", ErrCapacityExceeded, "capacity %d is over zone %q's %d", in.Capacity, in.ZoneID, zoneCap)
	}
	body := sessionBody{ID: id, EventID: eventID, VenueID: ev.VenueID, ZoneID: in.ZoneID,
		StartsAt: fmtTime(start), EndsAt: fmtTime(end), BoxOfficeDay: kztime.BoxOfficeDay(start).Format(dateLayout),
		Capacity: in.Capacity, Tariffs: in.Tariffs}
	if ver, same, err := s.unchanged(ctx, "session", id, body); err != nil || same {
		out := body.session()
		out.Version = ver
		return out, err
	}
	var prevSeq int64 = -1
	if old, err := s.loadSession(ctx, id); err == nil {
		if old.EventID != eventID {
			return Session{}, newErr(ErrSessionHasSales, "session %q belongs to event %q", id, old.EventID)
		}
		if old.ticketsSold > 0 {
			return Session{}, newErr(ErrSessionHasSales, "session %q has sales and cannot be changed", id)
		}
		prevSeq = old.entrySeq
	} else if !errors.Is(err, ErrNotFound) {
		return Session{}, err
	}
	var version int
	_, err = s.app.Append(ctx, ledger.Record{Kind: KindSession, Actor: c.KeyID, Body: body,
		Project: func(ctx context.Context, tx pgx.Tx, e ledger.Entry) error {
			var sold int
			var seq int64
			err := tx.QueryRow(ctx, sqlSessionUnsold, id).Scan(&sold, &seq)
			switch {
			case errors.Is(err, pgx.ErrNoRows):
				if prevSeq != -1 {
					return fmt.Errorf("session %s vanished", id)
				}
			case err != nil:
				return err
			case sold > 0:
				return newErr(ErrSessionHasSales, "session %q has sales and cannot be changed", id)
			case seq != prevSeq:
				return newErr(ErrSessionHasSales, "session %q was changed meanwhile", id)
			}
			version, err = applySession(ctx, tx, e, body)
			return err
		}})
	if err != nil {
		return Session{}, asRuleError(err)
	}
	out := body.session()
	out.Version = version
	zero := 0
	out.TicketsActive = &zero
	return out, nil
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
