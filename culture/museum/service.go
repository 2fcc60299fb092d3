package museum

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"ecinema/culture/blobstore"
	"ecinema/culture/idempotency"
	"ecinema/kztime"
	"ecinema/ledger"
)

// Config tunes the service. Zero values take the defaults.
type Config struct {
	// Museums looks a museum up by id (a venue of kind museum); it returns
	// an error wrapping ErrUnknownMuseum when there is none.
	Museums func(ctx context.Context, id string) (Museum, error)
	// MaxUpload is the largest image upload in bytes (ECINEMA_MAX_UPLOAD,
	// default 2 GiB).
	MaxUpload int64
	// MaxPixels is the largest image (width × height) decoded; default
	// 50 megapixels. The header is read first, so a hostile file that
	// claims more is refused before any pixel memory is allocated.
	MaxPixels int64
	// Widths are the fixed widths of the JPEG derivatives (default 200,
	// 400, 800, 1600); the full size is always made too.
	Widths []int
	Now    func() time.Time
	Logger *slog.Logger
}

// Service is the museum catalogue: objects, their events and images.
type Service struct {
	pool   *pgxpool.Pool
	app    ledger.Appender
	blobs  blobstore.Store
	cfg    Config
	decode chan struct{} // bounds concurrent image decodes
}

// NewService returns the catalogue on pool, writing through app and
// keeping images in blobs.
func NewService(pool *pgxpool.Pool, app ledger.Appender, blobs blobstore.Store, cfg Config) *Service {
	if cfg.MaxUpload <= 0 {
		cfg.MaxUpload = 2 << 30
	}
	if cfg.MaxPixels <= 0 {
		cfg.MaxPixels = 50_000_000
	}
	if len(cfg.Widths) == 0 {
		cfg.Widths = []int{200, 400, 800, 1600}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Service{pool: pool, app: app, blobs: blobs, cfg: cfg, decode: make(chan struct{}, 2)}
}

// Museum returns a museum by id.
func (s *Service) Museum(ctx context.Context, id string) (Museum, error) {
	if s.cfg.Museums == nil {
		return Museum{}, fmt.Errorf("%w: %q (no venue directory wired)", ErrUnknownMuseum, id)
	}
	return s.cfg.Museums(ctx, id)
}

// appendEntry appends one museum entry whose projection runs project and
// returns the number it recorded (version or event number).
func (s *Service) appendEntry(ctx context.Context, actor, kind string, body any) (int, ledger.Entry, error) {
	return s.appendEntryThen(ctx, actor, kind, body, nil)
}

// appendEntryThen is appendEntry whose then, when not nil, runs in the
// append's transaction after the projection, with the event number.
func (s *Service) appendEntryThen(ctx context.Context, actor, kind string, body any,
	then func(ctx context.Context, tx pgx.Tx, n int, e ledger.Entry) error) (int, ledger.Entry, error) {
	var n int
	now := s.cfg.Now()
	rec := ledger.Record{Kind: kind, Actor: actor, Body: body,
		Project: func(ctx context.Context, tx pgx.Tx, e ledger.Entry) error {
			p, err := ledger.ParseEntry(e.Bytes)
			if err != nil {
				return err
			}
			if n, err = project(ctx, tx, kind, p.Body, e, now); err != nil || then == nil {
				return err
			}
			return then(ctx, tx, n, e)
		}}
	e, err := s.app.Append(ctx, rec)
	if err != nil {
		return 0, ledger.Entry{}, err
	}
	return n, e, nil
}

// PutObject records a new version of an object.
func (s *Service) PutObject(ctx context.Context, actor, mid, id string, o Object) (ObjectView, error) {
	o, err := normaliseObject(mid, id, o, kztime.LocalDate(s.cfg.Now()))
	if err != nil {
		return ObjectView{}, err
	}
	if _, err := s.Museum(ctx, mid); err != nil {
		return ObjectView{}, err
	}
	if _, _, err := s.appendEntry(ctx, actor, kindObject, o); err != nil {
		return ObjectView{}, err
	}
	return s.Object(ctx, mid, id, true)
}

const (
	sqlSelectObject = `SELECT o.body, o.version, o.updated_at, o.published, coalesce(st.status, 'none'), coalesce(st.location, '')
FROM museum_objects o LEFT JOIN museum_object_state st ON st.museum_id = o.museum_id AND st.object_id = o.id
WHERE o.museum_id = $1 AND o.id = $2`
	sqlSelectImages = `SELECT n, id, width, height, media_type, sha256 FROM museum_images
WHERE museum_id = $1 AND object_id = $2 ORDER BY n`
	sqlSelectVersions = `SELECT version, entry_seq, recorded_at, body FROM museum_object_versions
WHERE museum_id = $1 AND id = $2 ORDER BY version`
	sqlSelectEvents = `SELECT n, type, at, location, note, actor, entry_seq FROM museum_events
WHERE museum_id = $1 AND object_id = $2 ORDER BY n`
)

// Object returns the current version of an object with its state and
// images. An unpublished object is ErrNotFound unless withUnpublished.
func (s *Service) Object(ctx context.Context, mid, id string, withUnpublished bool) (ObjectView, error) {
	var v ObjectView
	var body []byte
	var published bool
	err := s.pool.QueryRow(ctx, sqlSelectObject, mid, id).Scan(&body, &v.Version, &v.UpdatedAt, &published, &v.Status, &v.Location)
	if errors.Is(err, pgx.ErrNoRows) || (err == nil && !published && !withUnpublished) {
		return ObjectView{}, fmt.Errorf("%w: object %q in museum %q", ErrNotFound, id, mid)
	}
	if err != nil {
		return ObjectView{}, fmt.Errorf("museum: get object: %w", err)
	}
	if err := json.Unmarshal(body, &v.Object); err != nil {
		return ObjectView{}, fmt.Errorf("museum: object body: %w", err)
	}
	if v.Images, err = s.images(ctx, mid, id); err != nil {
		return ObjectView{}, err
	}
	return v, nil
}

func (s *Service) images(ctx context.Context, mid, id string) ([]ImageRef, error) {
	rows, err := s.pool.Query(ctx, sqlSelectImages, mid, id)
	if err != nil {
		return nil, fmt.Errorf("museum: images: %w", err)
	}
	refs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (ImageRef, error) {
		var im ImageRef
		err := r.Scan(&im.N, &im.ImageID, &im.Width, &im.Height, &im.MediaType, &im.SHA256)
		return im, err
	})
	if err != nil {
		return nil, fmt.Errorf("museum: images: %w", err)
	}
	return refs, nil
}

// Version is one recorded version of an object.
type Version struct {
	Version    int             `json:"version"`
	EntrySeq   int64           `json:"entry_seq"`
	RecordedAt time.Time       `json:"recorded_at"`
	Body       json.RawMessage `json:"body"`
}

// Versions returns every version of an object, oldest first.
func (s *Service) Versions(ctx context.Context, mid, id string) ([]Version, error) {
	rows, err := s.pool.Query(ctx, sqlSelectVersions, mid, id)
	if err != nil {
		return nil, fmt.Errorf("museum: versions: %w", err)
	}
	vs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Version, error) {
		var v Version
		err := r.Scan(&v.Version, &v.EntrySeq, &v.RecordedAt, &v.Body)
		return v, err
	})
	if err != nil {
		return nil, fmt.Errorf("museum: versions: %w", err)
	}
	if len(vs) == 0 {
		return nil, fmt.Errorf("%w: object %q in museum %q", ErrNotFound, id, mid)
	}
	return vs, nil
}

// EventResult is a recorded event and the object's state after it.
type EventResult struct {
	Event    EventView `json:"event"`
	Status   string    `json:"status"`
	Location string    `json:"location"`
}

// AddEvent records a procedure on an object. A transition the rules forbid
// is refused with its error and nothing is stored. Under an idempotency key
// (k not zero) a repeated request answers the stored result and records
// nothing (idempotency.Do); the key is stored with the entry.
func (s *Service) AddEvent(ctx context.Context, actor, mid, inv string, e Event, k idempotency.Key) (EventResult, error) {
	return idempotency.Do(ctx, s.pool, k, func() (EventResult, error) { return s.addEvent(ctx, actor, mid, inv, e, k) })
}

const sqlObjectState = `SELECT coalesce(st.status, 'none'), coalesce(st.location, '')
FROM museum_objects o LEFT JOIN museum_object_state st ON st.museum_id = o.museum_id AND st.object_id = o.id
WHERE o.museum_id = $1 AND o.id = $2`

func (s *Service) addEvent(ctx context.Context, actor, mid, inv string, e Event, k idempotency.Key) (EventResult, error) {
	e, err := normaliseEvent(mid, inv, e)
	if err != nil {
		return EventResult{}, err
	}
	var res EventResult
	_, _, err = s.appendEntryThen(ctx, actor, kindEvent, e, func(ctx context.Context, tx pgx.Tx, n int, entry ledger.Entry) error {
		res.Event = EventView{N: n, Type: e.Type, At: e.At, Location: e.Location, Note: e.Note, Actor: actor, EntrySeq: entry.Seq}
		if err := tx.QueryRow(ctx, sqlObjectState, mid, inv).Scan(&res.Status, &res.Location); err != nil {
			return fmt.Errorf("museum: object state: %w", err)
		}
		return idempotency.Save(ctx, tx, k, res)
	})
	if err != nil {
		return EventResult{}, err
	}
	return res, nil
}

// Events lists an object's events in order.
func (s *Service) Events(ctx context.Context, mid, inv string) ([]EventView, error) {
	if _, err := s.Object(ctx, mid, inv, true); err != nil {
		return nil, err
	}
	rows, err := s.pool.Query(ctx, sqlSelectEvents, mid, inv)
	if err != nil {
		return nil, fmt.Errorf("museum: events: %w", err)
	}
	evs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (EventView, error) {
		var v EventView
		err := r.Scan(&v.N, &v.Type, &v.At, &v.Location, &v.Note, &v.Actor, &v.EntrySeq)
		v.At = v.At.UTC()
		return v, err
	})
	if err != nil {
		return nil, fmt.Errorf("museum: events: %w", err)
	}
	return evs, nil
}

func forEach(rows pgx.Rows, scans []any, fn func()) (int64, error) {
	ct, err := pgx.ForEachRow(rows, scans, func() error { fn(); return nil })
	return ct.RowsAffected(), err
}

func jsonUnmarshal(b []byte, v any) error {
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("museum: stored body: %w", err)
	}
	return nil
}
