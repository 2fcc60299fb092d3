package hubs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/shopspring/decimal"

	"ecinema/culture/keyset"
	"ecinema/culture/langmap"
	"ecinema/ledger"
	"ecinema/validate"
)

// Appender appends ledger entries; *ledger.Writer is the implementation.
type Appender interface {
	Append(ctx context.Context, r ledger.Record) (ledger.Entry, error)
}

// Service is the registry of creative hubs, their events, and the
// meeting of pitched projects with investors.
type Service struct {
	pool *pgxpool.Pool
	app  Appender
	now  func() time.Time
}

// Config is what a hubs Service takes beyond the pool and the ledger.
type Config struct {
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

// NewService returns the hubs on pool; deals go through app.
func NewService(pool *pgxpool.Pool, app Appender, cfg Config) *Service {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Service{pool: pool, app: app, now: cfg.Now}
}

const (
	regionExists = `SELECT EXISTS (SELECT 1 FROM regions WHERE code = $1)`
	nextVersion  = `SELECT COALESCE(max(version), 0) + 1 FROM hub_versions WHERE kind = $1 AND key = $2`
	insertVer    = `INSERT INTO hub_versions (kind, key, version, body, actor, recorded_at) VALUES ($1, $2, $3, $4, $5, $6)`
)

// putVersion runs one versioned write in a transaction: lock (a row lock
// serialising writers of the same object; may be ""), next version,
// version row, then write with that version.
func (s *Service) putVersion(ctx context.Context, actor, kind, key, lock string, lockArgs []any, body func(v int) any,
	write func(tx pgx.Tx, v int, at time.Time) error) (int, error) {
	var version int
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if lock != "" {
			if _, err := tx.Exec(ctx, lock, lockArgs...); err != nil {
				return err
			}
		}
		if err := tx.QueryRow(ctx, nextVersion, kind, key).Scan(&version); err != nil {
			return err
		}
		b, _ := json.Marshal(body(version))
		at := s.now()
		if _, err := tx.Exec(ctx, insertVer, kind, key, version, b, actor, at); err != nil {
			return err
		}
		return write(tx, version, at)
	})
	if err != nil {
		return 0, wrap(kind+" "+key, err)
	}
	return version, nil
}

func wrap(what string, err error) error {
	var ve *validate.Errors
	if errors.As(err, &ve) || errors.Is(err, ErrNotFound) {
		return err
	}
	return fmt.Errorf("hubs: %s: %w", what, err)
}

func (s *Service) checkRegion(ctx context.Context, field, code string) error {
	var ok bool
	if err := s.pool.QueryRow(ctx, regionExists, code).Scan(&ok); err != nil {
		return fmt.Errorf("hubs: region: %w", err)
	}
	if !ok {
		return refuse(ErrUnknownRegion, field, fmt.Sprintf("region %q is not an ISO 3166-2:KZ code of the regions table", code))
	}
	return nil
}

// words trims a list of short strings, drops duplicates and records bad ones.
func words(v *validate.Errors, field string, in []string) []string {
	out := []string{}
	for i, w := range in {
		w = strings.TrimSpace(w)
		if w == "" || len(w) > 100 {
			v.Add(fmt.Sprintf("%s[%d]", field, i), "invalid_value", "must be 1..100 characters")
		} else if !slices.Contains(out, w) {
			out = append(out, w)
		}
	}
	return out
}

// Kazakhstan's bounding box, generously: a hub outside it almost always
// has its latitude and longitude swapped.
const minLat, maxLat, minLon, maxLon = 40.0, 56.0, 46.0, 88.0

func normaliseHub(id string, h Hub) (Hub, error) {
	var v validate.Errors
	v.ID("id", id)
	if h.ID != "" && h.ID != id {
		v.Add("id", "path_mismatch", "must equal the id of the path, %q", id)
	}
	h.ID, h.Version = id, 0
	langmap.Check(&v, "name", h.Name)
	if v.Required("operator_bin", h.OperatorBIN) && !validate.BIN(h.OperatorBIN) {
		v.Add("operator_bin", "invalid_bin", "must be 12 digits with a valid check digit")
	}
	v.Required("region", h.Region)
	h.City, h.Address = strings.TrimSpace(h.City), strings.TrimSpace(h.Address)
	v.Required("city", h.City)
	v.Required("address", h.Address)
	switch lat, lon := h.Location.Lat, h.Location.Lon; {
	case lat == nil || lon == nil:
		v.Add("location", "required", "needs lat and lon (WGS 84 degrees)")
	case math.IsNaN(*lat) || math.IsNaN(*lon) || *lat < minLat || *lat > maxLat || *lon < minLon || *lon > maxLon:
		v.Add("location", "out_of_range", "lat %g, lon %g is outside Kazakhstan (lat %g..%g, lon %g..%g); are lat and lon swapped?",
			*lat, *lon, minLat, maxLat, minLon, maxLon)
	}
	h.Facilities, h.Sectors = words(&v, "facilities", h.Facilities), words(&v, "sectors", h.Sectors)
	v.Date("opened_on", h.OpenedOn)
	v.OneOf("status", h.Status, statuses...)
	return h, v.Err()
}

const (
	upsertHub = `INSERT INTO hubs (id, version, name, operator_bin, region, city, address, lat, lon, facilities, sectors, opened_on, status, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
ON CONFLICT (id) DO UPDATE SET version = EXCLUDED.version, name = EXCLUDED.name, operator_bin = EXCLUDED.operator_bin,
  region = EXCLUDED.region, city = EXCLUDED.city, address = EXCLUDED.address, lat = EXCLUDED.lat, lon = EXCLUDED.lon,
  facilities = EXCLUDED.facilities, sectors = EXCLUDED.sectors, opened_on = EXCLUDED.opened_on, status = EXCLUDED.status,
  updated_at = EXCLUDED.updated_at`
	hubColumns = `id, version, name, operator_bin, region, city, address, lat, lon, facilities, sectors, opened_on::text, status`
	selectHub  = `SELECT ` + hubColumns + ` FROM hubs WHERE id = $1`
	selectHubs = `SELECT ` + hubColumns + ` FROM hubs WHERE id > $1 ORDER BY id LIMIT $2`
	lockHub    = `SELECT 1 FROM hubs WHERE id = $1 FOR UPDATE`
)

// PutHub registers a hub or records a new version of it.
func (s *Service) PutHub(ctx context.Context, actor, id string, h Hub) (Hub, error) {
	h, err := normaliseHub(id, h)
	if err != nil {
		return Hub{}, err
	}
	if err := s.checkRegion(ctx, "region", h.Region); err != nil {
		return Hub{}, err
	}
	h.Version, err = s.putVersion(ctx, actor, "hub", id, lockHub, []any{id}, func(v int) any { h.Version = v; return h },
		func(tx pgx.Tx, v int, at time.Time) error {
			_, err := tx.Exec(ctx, upsertHub, id, v, h.Name, h.OperatorBIN, h.Region, h.City, h.Address, *h.Location.Lat,
				*h.Location.Lon, h.Facilities, h.Sectors, h.OpenedOn, h.Status, at)
			return err
		})
	return h, err
}

func scanHub(r pgx.Row) (Hub, error) {
	var h Hub
	var lat, lon float64
	err := r.Scan(&h.ID, &h.Version, &h.Name, &h.OperatorBIN, &h.Region, &h.City, &h.Address, &lat, &lon, &h.Facilities,
		&h.Sectors, &h.OpenedOn, &h.Status)
	h.Location = Location{Lat: &lat, Lon: &lon}
	return h, err
}

// Hub returns the current version of a hub.
func (s *Service) Hub(ctx context.Context, id string) (Hub, error) {
	h, err := scanHub(s.pool.QueryRow(ctx, selectHub, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return Hub{}, refuse(ErrNotFound, "", fmt.Sprintf("hub %q not found", id))
	}
	if err != nil {
		return Hub{}, fmt.Errorf("hubs: hub %s: %w", id, err)
	}
	return h, nil
}

// Exists reports whether a hub is registered (nil) or not (ErrNotFound).
func (s *Service) Exists(ctx context.Context, id string) error {
	_, err := s.Hub(ctx, id)
	return err
}

// Hubs returns a page of hubs ordered by id.
func (s *Service) Hubs(ctx context.Context, p Page) ([]Hub, string, error) {
	return page(ctx, s, selectHubs, p, scanHub, func(h Hub) string { return h.ID })
}

// page reads one page of a list ordered by id: args, then the cursor and
// the row count.
func page[T any](ctx context.Context, s *Service, query string, p Page, scan func(pgx.Row) (T, error), key func(T) string, args ...any) ([]T, string, error) {
	return keyset.Read(ctx, s.pool, "hubs: list", p, scan, key, query, append(args, p.Cursor, p.Fetch())...)
}

const (
	upsertEvent = `INSERT INTO hub_events (hub_id, id, version, title, description, starts_at, ends_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
ON CONFLICT (hub_id, id) DO UPDATE SET version = EXCLUDED.version, title = EXCLUDED.title, description = EXCLUDED.description,
  starts_at = EXCLUDED.starts_at, ends_at = EXCLUDED.ends_at, updated_at = EXCLUDED.updated_at`
	eventColumns = `hub_id, id, version, title, description, starts_at, ends_at, updated_at`
	selectEvent  = `SELECT ` + eventColumns + ` FROM hub_events WHERE hub_id = $1 AND id = $2`
	selectEvents = `SELECT ` + eventColumns + ` FROM hub_events WHERE hub_id = $1 ORDER BY starts_at, id`
)

// PutEvent creates or replaces an event of a hub (a new version).
func (s *Service) PutEvent(ctx context.Context, actor, hubID, id string, in EventInput) (Event, error) {
	var v validate.Errors
	v.ID("eid", id)
	langmap.Check(&v, "title", in.Title)
	langmap.Optional(&v, "description", in.Description)
	start, end := v.Time("starts_at", in.StartsAt), v.Time("ends_at", in.EndsAt)
	if !start.IsZero() && !end.IsZero() && !end.After(start) {
		v.Add("ends_at", "out_of_range", "must be after starts_at")
	}
	if err := v.Err(); err != nil {
		return Event{}, err
	}
	if err := s.Exists(ctx, hubID); err != nil {
		return Event{}, err
	}
	e := Event{HubID: hubID, ID: id, Title: in.Title, Description: in.Description, StartsAt: start.UTC(), EndsAt: end.UTC()}
	var err error
	e.Version, err = s.putVersion(ctx, actor, "event", hubID+"/"+id, lockHub, []any{hubID}, func(v int) any { e.Version = v; return e },
		func(tx pgx.Tx, v int, at time.Time) error {
			e.UpdatedAt = at.UTC()
			_, err := tx.Exec(ctx, upsertEvent, hubID, id, v, e.Title, e.Description, e.StartsAt, e.EndsAt, at)
			return err
		})
	return e, err
}

func scanEvent(r pgx.Row) (Event, error) {
	var e Event
	err := r.Scan(&e.HubID, &e.ID, &e.Version, &e.Title, &e.Description, &e.StartsAt, &e.EndsAt, &e.UpdatedAt)
	return e, err
}

// Event returns an event of a hub.
func (s *Service) Event(ctx context.Context, hubID, id string) (Event, error) {
	e, err := scanEvent(s.pool.QueryRow(ctx, selectEvent, hubID, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return Event{}, refuse(ErrNotFound, "", fmt.Sprintf("event %q of hub %q not found", id, hubID))
	}
	if err != nil {
		return Event{}, fmt.Errorf("hubs: event: %w", err)
	}
	return e, nil
}

// Events returns every event of a hub ordered by start (the hub must exist).
func (s *Service) Events(ctx context.Context, hubID string) (Hub, []Event, error) {
	h, err := s.Hub(ctx, hubID)
	if err != nil {
		return Hub{}, nil, err
	}
	rows, err := s.pool.Query(ctx, selectEvents, hubID)
	if err != nil {
		return Hub{}, nil, fmt.Errorf("hubs: events: %w", err)
	}
	es, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Event, error) { return scanEvent(r) })
	if err != nil {
		return Hub{}, nil, fmt.Errorf("hubs: events: %w", err)
	}
	return h, es, nil
}

const allHubs = `SELECT ` + hubColumns + ` FROM hubs ORDER BY id`

// All returns every hub, for the open data.
func (s *Service) All(ctx context.Context) ([]Hub, error) {
	rows, err := s.pool.Query(ctx, allHubs)
	if err != nil {
		return nil, fmt.Errorf("hubs: all: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Hub, error) { return scanHub(r) })
}

var maxMoney = decimal.RequireFromString("999999999999.99")
