package museum

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"ecinema/ledger"
)

// Ledger kinds written by this package (listed in ledger/doc.go).
const (
	kindObject = "museum_object" // a version of a catalogue record (body: Object)
	kindEvent  = "museum_event"  // a procedure on an object (body: Event)
	kindImage  = "museum_image"  // an image of an object with its derivatives (body: imageBody)
)

const (
	sqlNextObjectVersion = `SELECT COALESCE(max(version), 0) + 1 FROM museum_object_versions WHERE museum_id = $1 AND id = $2`
	sqlInsertVersion     = `INSERT INTO museum_object_versions (museum_id, id, version, entry_seq, body, recorded_at) VALUES ($1, $2, $3, $4, $5, $6)`
	sqlInventoryHolder   = `SELECT id FROM museum_objects WHERE museum_id = $1 AND inventory_number = $2 AND id <> $3`
	sqlUpsertObject      = `INSERT INTO museum_objects (museum_id, id, version, inventory_number, object_name, earliest, latest,
  published, search_text, body, entry_seq, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
ON CONFLICT (museum_id, id) DO UPDATE SET version = EXCLUDED.version, inventory_number = EXCLUDED.inventory_number,
  object_name = EXCLUDED.object_name, earliest = EXCLUDED.earliest, latest = EXCLUDED.latest,
  published = EXCLUDED.published, search_text = EXCLUDED.search_text, body = EXCLUDED.body,
  entry_seq = EXCLUDED.entry_seq, updated_at = EXCLUDED.updated_at`

	sqlObjectExists = `SELECT EXISTS (SELECT 1 FROM museum_objects WHERE museum_id = $1 AND id = $2)`
	sqlLockState    = `SELECT status, location, home_location, accessioned, events, last_at
FROM museum_object_state WHERE museum_id = $1 AND object_id = $2 FOR UPDATE`
	sqlInsertEvent = `INSERT INTO museum_events (museum_id, object_id, n, type, at, location, note, actor, entry_seq)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`
	sqlUpsertState = `INSERT INTO museum_object_state (museum_id, object_id, status, location, home_location, accessioned, events, last_at, entry_seq)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
ON CONFLICT (museum_id, object_id) DO UPDATE SET status = EXCLUDED.status, location = EXCLUDED.location,
  home_location = EXCLUDED.home_location, accessioned = EXCLUDED.accessioned, events = EXCLUDED.events,
  last_at = EXCLUDED.last_at, entry_seq = EXCLUDED.entry_seq`

	sqlImageVersion = `SELECT COALESCE((SELECT version FROM museum_images WHERE id = $1), 0) + 1`
	sqlUpsertImage  = `INSERT INTO museum_images (id, museum_id, object_id, n, version, width, height, media_type, sha256, size, entry_seq, recorded_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
ON CONFLICT (id) DO UPDATE SET version = EXCLUDED.version, width = EXCLUDED.width, height = EXCLUDED.height,
  media_type = EXCLUDED.media_type, sha256 = EXCLUDED.sha256, size = EXCLUDED.size, entry_seq = EXCLUDED.entry_seq,
  recorded_at = EXCLUDED.recorded_at`
	sqlDeleteSizes = `DELETE FROM museum_image_sizes WHERE image_id = $1`
	sqlInsertSizes = `INSERT INTO museum_image_sizes (image_id, width, height, sha256, size)
SELECT $1, w, h, s, z FROM unnest($2::int[], $3::int[], $4::text[], $5::bigint[]) AS u(w, h, s, z)`
)

// imageBody is the body of a museum_image entry.
type imageBody struct {
	MuseumID  string      `json:"museum_id"`
	ObjectID  string      `json:"object_id"`
	N         int         `json:"n"`
	ImageID   string      `json:"image_id"`
	Width     int         `json:"width"`
	Height    int         `json:"height"`
	MediaType string      `json:"media_type"`
	SHA256    string      `json:"sha256"`
	Size      int64       `json:"size"`
	Sizes     []sizeEntry `json:"sizes"`
}

// sizeEntry is one JPEG derivative.
type sizeEntry struct {
	Width  int    `json:"width"`
	Height int    `json:"height"`
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
}

// project writes the projection rows of one museum entry. The live write
// and the rebuild of verify --deep both run it, so they cannot drift
// apart; now is the clock for the "not in the future" rule (zero in the
// rebuild, where the rule was already checked when the entry was written).
// It returns the object version, event number or image version recorded.
func project(ctx context.Context, tx pgx.Tx, kind string, body json.RawMessage, e ledger.Entry, now time.Time) (int, error) {
	switch kind {
	case kindObject:
		var o Object
		if err := json.Unmarshal(body, &o); err != nil {
			return 0, fmt.Errorf("museum: object body: %w", err)
		}
		return projectObject(ctx, tx, o, body, e)
	case kindEvent:
		var ev Event
		if err := json.Unmarshal(body, &ev); err != nil {
			return 0, fmt.Errorf("museum: event body: %w", err)
		}
		return projectEvent(ctx, tx, ev, e, now)
	case kindImage:
		var im imageBody
		if err := json.Unmarshal(body, &im); err != nil {
			return 0, fmt.Errorf("museum: image body: %w", err)
		}
		return projectImage(ctx, tx, im, e)
	}
	return 0, fmt.Errorf("museum: %q is not a museum kind", kind)
}

func projectObject(ctx context.Context, tx pgx.Tx, o Object, body json.RawMessage, e ledger.Entry) (int, error) {
	var holder string
	err := tx.QueryRow(ctx, sqlInventoryHolder, o.MuseumID, o.InventoryNumber, o.ID).Scan(&holder)
	switch {
	case err == nil:
		return 0, fmt.Errorf("%w: %q is object %q", ErrInventoryNumberTaken, o.InventoryNumber, holder)
	case !errors.Is(err, pgx.ErrNoRows):
		return 0, fmt.Errorf("museum: inventory number: %w", err)
	}
	var version int
	if err := tx.QueryRow(ctx, sqlNextObjectVersion, o.MuseumID, o.ID).Scan(&version); err != nil {
		return 0, fmt.Errorf("museum: next version: %w", err)
	}
	if _, err := tx.Exec(ctx, sqlInsertVersion, o.MuseumID, o.ID, version, e.Seq, []byte(body), e.At); err != nil {
		return 0, fmt.Errorf("museum: record version: %w", err)
	}
	var earliest, latest *int
	if o.Date != nil {
		earliest, latest = o.Date.Earliest, o.Date.Latest
	}
	published := o.Published != nil && *o.Published
	if _, err := tx.Exec(ctx, sqlUpsertObject, o.MuseumID, o.ID, version, o.InventoryNumber, o.ObjectName,
		earliest, latest, published, searchText(o), []byte(body), e.Seq, e.At); err != nil {
		return 0, fmt.Errorf("museum: project object %s/%s: %w", o.MuseumID, o.ID, err)
	}
	return version, nil
}

func projectEvent(ctx context.Context, tx pgx.Tx, ev Event, e ledger.Entry, now time.Time) (int, error) {
	var exists bool
	if err := tx.QueryRow(ctx, sqlObjectExists, ev.MuseumID, ev.ObjectID).Scan(&exists); err != nil {
		return 0, fmt.Errorf("museum: event: %w", err)
	}
	if !exists {
		return 0, fmt.Errorf("%w: object %q in museum %q", ErrNotFound, ev.ObjectID, ev.MuseumID)
	}
	var s state
	err := tx.QueryRow(ctx, sqlLockState, ev.MuseumID, ev.ObjectID).Scan(&s.Status, &s.Location, &s.HomeLocation,
		&s.Accessioned, &s.Events, &s.LastAt)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return 0, fmt.Errorf("museum: event state: %w", err)
	}
	next, err := apply(s, ev, now)
	if err != nil {
		return 0, err
	}
	if _, err := tx.Exec(ctx, sqlInsertEvent, ev.MuseumID, ev.ObjectID, next.Events, ev.Type, ev.At, ev.Location,
		ev.Note, e.Actor, e.Seq); err != nil {
		return 0, fmt.Errorf("museum: record event: %w", err)
	}
	if _, err := tx.Exec(ctx, sqlUpsertState, ev.MuseumID, ev.ObjectID, next.Status, next.Location, next.HomeLocation,
		next.Accessioned, next.Events, next.LastAt, e.Seq); err != nil {
		return 0, fmt.Errorf("museum: object state: %w", err)
	}
	return next.Events, nil
}

func projectImage(ctx context.Context, tx pgx.Tx, im imageBody, e ledger.Entry) (int, error) {
	var exists bool
	if err := tx.QueryRow(ctx, sqlObjectExists, im.MuseumID, im.ObjectID).Scan(&exists); err != nil {
		return 0, fmt.Errorf("museum: image: %w", err)
	}
	if !exists {
		return 0, fmt.Errorf("%w: object %q in museum %q", ErrNotFound, im.ObjectID, im.MuseumID)
	}
	var version int
	if err := tx.QueryRow(ctx, sqlImageVersion, im.ImageID).Scan(&version); err != nil {
		return 0, fmt.Errorf("museum: image version: %w", err)
	}
	if _, err := tx.Exec(ctx, sqlUpsertImage, im.ImageID, im.MuseumID, im.ObjectID, im.N, version, im.Width, im.Height,
		im.MediaType, im.SHA256, im.Size, e.Seq, e.At); err != nil {
		return 0, fmt.Errorf("museum: project image %s: %w", im.ImageID, err)
	}
	ws, hs, ss, zs := make([]int32, len(im.Sizes)), make([]int32, len(im.Sizes)), make([]string, len(im.Sizes)), make([]int64, len(im.Sizes))
	for i, d := range im.Sizes {
		ws[i], hs[i], ss[i], zs[i] = int32(d.Width), int32(d.Height), d.SHA256, d.Size
	}
	if _, err := tx.Exec(ctx, sqlDeleteSizes, im.ImageID); err != nil {
		return 0, fmt.Errorf("museum: image sizes: %w", err)
	}
	if _, err := tx.Exec(ctx, sqlInsertSizes, im.ImageID, ws, hs, ss, zs); err != nil {
		return 0, fmt.Errorf("museum: image sizes: %w", err)
	}
	return version, nil
}

// searchText is the lower-cased text the catalogue search matches.
func searchText(o Object) string {
	parts := []string{o.InventoryNumber, o.ObjectName, o.Maker, o.Place, o.Dimensions, o.StateRegisterNo}
	for _, m := range []LangMap{o.Title, o.Description} {
		for _, k := range slices.Sorted(maps.Keys(m)) { // map order would differ in the rebuild
			parts = append(parts, m[k])
		}
	}
	parts = append(parts, o.Materials...)
	parts = append(parts, o.Techniques...)
	if o.Date != nil {
		parts = append(parts, o.Date.Display)
	}
	return strings.ToLower(strings.Join(parts, " \x1f "))
}
