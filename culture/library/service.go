package library

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/shopspring/decimal"

	"ecinema/culture/blobstore"
	"ecinema/kztime"
	"ecinema/ledger"
	"ecinema/validate"
)

// Appender appends ledger entries; *ledger.Writer is the implementation.
type Appender interface {
	Append(ctx context.Context, r ledger.Record) (ledger.Entry, error)
}

// Config tunes the service. Zero values take the defaults.
type Config struct {
	Now          func() time.Time // default time.Now
	PasswordCost int              // bcrypt cost of reader passwords, default bcrypt.DefaultCost (10)
	LinkTTL      time.Duration    // lifetime of a signed download link, default 1 h (never past the loan's due time)
	MaxUpload    int64            // bytes per uploaded file; 0: the blob store's limit
}

// Service is the e-Library: catalogue, files, readers, loans and the
// public lending right.
type Service struct {
	pool  *pgxpool.Pool
	app   Appender
	blobs blobstore.Store
	cfg   Config

	auth      authCache
	dummyOnce sync.Once
	dummyHash []byte
	linkMu    sync.Mutex
	linkKey   []byte

	// gen counts this process's appends; cache holds facet counts and the
	// catalogue's last update for a few seconds or until the next append.
	gen     atomic.Uint64
	cacheMu sync.Mutex
	cache   map[string]cached
}

type cached struct {
	gen   uint64
	until time.Time
	value any
}

// cacheTTL bounds how stale facet counts and feed dates may be when another
// process wrote (this process's own writes clear the cache at once).
const cacheTTL = 10 * time.Second

// memo returns load's value for key, cached.
func memo[T any](s *Service, key string, load func() (T, error)) (T, error) {
	gen, now := s.gen.Load(), time.Now()
	s.cacheMu.Lock()
	c, ok := s.cache[key]
	s.cacheMu.Unlock()
	if ok && c.gen == gen && now.Before(c.until) {
		return c.value.(T), nil
	}
	v, err := load()
	if err != nil {
		return v, err
	}
	s.cacheMu.Lock()
	if s.cache == nil {
		s.cache = map[string]cached{}
	}
	s.cache[key] = cached{gen: gen, until: now.Add(cacheTTL), value: v}
	s.cacheMu.Unlock()
	return v, nil
}

// NewService returns the library on pool, writing through app and keeping
// files in blobs.
func NewService(pool *pgxpool.Pool, app Appender, blobs blobstore.Store, cfg Config) *Service {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.PasswordCost == 0 {
		cfg.PasswordCost = 10
	}
	if cfg.LinkTTL <= 0 {
		cfg.LinkTTL = time.Hour
	}
	return &Service{pool: pool, app: app, blobs: blobs, cfg: cfg}
}

func (s *Service) now() time.Time { return s.cfg.Now().UTC().Truncate(time.Microsecond) }

// appendRecord appends an entry of kind with body; check, when not nil,
// enforces state rules under the ledger head lock before the projection.
// It returns the entry and the version the projection recorded.
func (s *Service) appendRecord(ctx context.Context, actor, kind string, body any,
	check func(ctx context.Context, tx pgx.Tx) error) (ledger.Entry, int, error) {
	var version int
	rec := ledger.Record{Kind: kind, Actor: actor, Body: body,
		Project: func(ctx context.Context, tx pgx.Tx, e ledger.Entry) error {
			if check != nil {
				if err := check(ctx, tx); err != nil {
					return err
				}
			}
			p, err := ledger.ParseEntry(e.Bytes)
			if err != nil {
				return err
			}
			version, err = project(ctx, tx, kind, p.Body, e)
			return err
		}}
	e, err := s.app.Append(ctx, rec)
	s.gen.Add(1)
	if err != nil {
		return ledger.Entry{}, 0, err
	}
	return e, version, nil
}

// appendDecided appends a record decided under the head lock (on
// ledger.Serial): its rules and the facts its body copies are read there.
func (s *Service) appendDecided(ctx context.Context, actor, kind string, d ledger.Decider) (ledger.Entry, error) {
	e, err := s.app.Append(ctx, ledger.Record{Kind: kind, Actor: actor, Batch: ledger.Serial, Request: d})
	s.gen.Add(1)
	return e, err
}

// projectEntry writes the projection of a decided entry from its body.
func projectEntry(ctx context.Context, tx pgx.Tx, kind string, e ledger.Entry) error {
	body, err := ledger.EntryBody(e.Bytes)
	if err != nil {
		return err
	}
	_, err = project(ctx, tx, kind, body, e)
	return err
}

const (
	selectParties = `SELECT id FROM parties WHERE id = ANY($1)`
	workExists    = `SELECT EXISTS (SELECT 1 FROM library_works WHERE id = $1)`
	isbnTaken     = `SELECT id FROM library_editions WHERE isbn = $1 AND id <> $2`
)

// ErrISBNTaken is an ISBN another edition already has.
var ErrISBNTaken = errors.New("another edition has this ISBN")

// PutWork records a new version of a work.
func (s *Service) PutWork(ctx context.Context, actor, id string, w Work) (Work, error) {
	w, err := normaliseWork(id, w)
	if err != nil {
		return Work{}, err
	}
	if len(w.RightsHolders) > 0 {
		ids := make([]string, len(w.RightsHolders))
		for i, r := range w.RightsHolders {
			ids[i] = r.PartyID
		}
		rows, err := s.pool.Query(ctx, selectParties, ids)
		if err != nil {
			return Work{}, fmt.Errorf("library: check parties: %w", err)
		}
		found, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return Work{}, fmt.Errorf("library: check parties: %w", err)
		}
		have := map[string]bool{}
		for _, f := range found {
			have[f] = true
		}
		for i, r := range w.RightsHolders {
			if !have[r.PartyID] {
				f := fmt.Sprintf("rights_holders[%d].party_id", i)
				return Work{}, validate.Refuse(ErrUnknownReference, f, "%s: party %q is not registered", f, r.PartyID)
			}
		}
	}
	_, v, err := s.appendRecord(ctx, actor, kindWork, w, nil)
	if err != nil {
		return Work{}, err
	}
	w.Version = v
	return w, nil
}

// PutEdition records a new version of an edition.
func (s *Service) PutEdition(ctx context.Context, actor, id string, ed Edition) (Edition, error) {
	ed, err := normaliseEdition(id, ed, kztime.LocalDate(s.now()))
	if err != nil {
		return Edition{}, err
	}
	_, v, err := s.appendRecord(ctx, actor, kindEdition, ed, func(ctx context.Context, tx pgx.Tx) error {
		var ok bool
		if err := tx.QueryRow(ctx, workExists, ed.WorkID).Scan(&ok); err != nil {
			return err
		}
		if !ok {
			return validate.Refuse(ErrUnknownReference, "work_id", "work_id: work %q is not in the catalogue", ed.WorkID)
		}
		if ed.ISBN != "" {
			var other string
			err := tx.QueryRow(ctx, isbnTaken, ed.ISBN, ed.ID).Scan(&other)
			if err == nil {
				return fmt.Errorf("%w: %s (edition %q)", ErrISBNTaken, ed.ISBN, other)
			}
			if !errors.Is(err, pgx.ErrNoRows) {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return Edition{}, err
	}
	ed.Version = v
	return ed, nil
}

const (
	selectWork        = `SELECT id, version, title, authors, subjects, original_language FROM library_works WHERE id = $1`
	selectWorkHolders = `SELECT party_id, share_pct::text FROM library_work_rights_holders WHERE work_id = $1 ORDER BY party_id`
	selectEdition     = `SELECT id, version, work_id, language, COALESCE(isbn, ''), format, publisher, issued, translators,
  narrators, access, copies, loan_days FROM library_editions WHERE id = $1`
)

// Work returns the current version of a work.
func (s *Service) Work(ctx context.Context, id string) (Work, error) {
	var w Work
	var title, authors []byte
	err := s.pool.QueryRow(ctx, selectWork, id).Scan(&w.ID, &w.Version, &title, &authors, &w.Subjects, &w.OriginalLanguage)
	if errors.Is(err, pgx.ErrNoRows) {
		return Work{}, fmt.Errorf("%w: work %q", ErrNotFound, id)
	}
	if err != nil {
		return Work{}, fmt.Errorf("library: work: %w", err)
	}
	if err := json.Unmarshal(title, &w.Title); err != nil {
		return Work{}, err
	}
	if err := json.Unmarshal(authors, &w.Authors); err != nil {
		return Work{}, err
	}
	rows, err := s.pool.Query(ctx, selectWorkHolders, id)
	if err != nil {
		return Work{}, fmt.Errorf("library: work holders: %w", err)
	}
	w.RightsHolders, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (RightsHolder, error) {
		var h RightsHolder
		err := r.Scan(&h.PartyID, &h.SharePct)
		return h, err
	})
	if err != nil {
		return Work{}, fmt.Errorf("library: work holders: %w", err)
	}
	for i := range w.RightsHolders {
		w.RightsHolders[i].SharePct = trimZeros(w.RightsHolders[i].SharePct)
	}
	return w, nil
}

// Edition returns the current version of an edition.
func (s *Service) Edition(ctx context.Context, id string) (Edition, error) {
	return scanEdition(s.pool.QueryRow(ctx, selectEdition, id), id)
}

func scanEdition(row pgx.Row, id string) (Edition, error) {
	var e Edition
	err := row.Scan(&e.ID, &e.Version, &e.WorkID, &e.Language, &e.ISBN, &e.Format, &e.Publisher, &e.Issued,
		&e.Translators, &e.Narrators, &e.Access, &e.Copies, &e.LoanDays)
	if errors.Is(err, pgx.ErrNoRows) {
		return Edition{}, fmt.Errorf("%w: edition %q", ErrNotFound, id)
	}
	if err != nil {
		return Edition{}, fmt.Errorf("library: edition: %w", err)
	}
	return e, nil
}

// Version is one recorded version of a work or an edition.
type Version struct {
	Version    int             `json:"version"`
	EntrySeq   int64           `json:"entry_seq"`
	RecordedAt time.Time       `json:"recorded_at"`
	Body       json.RawMessage `json:"body"`
}

const selectVersions = `SELECT version, entry_seq, recorded_at, body FROM library_versions
WHERE kind = $1 AND id = $2 ORDER BY version`

// Versions returns every version of a work ("work") or edition ("edition"), oldest first.
func (s *Service) Versions(ctx context.Context, kind, id string) ([]Version, error) {
	rows, err := s.pool.Query(ctx, selectVersions, kind, id)
	if err != nil {
		return nil, fmt.Errorf("library: versions: %w", err)
	}
	vs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Version, error) {
		var v Version
		err := r.Scan(&v.Version, &v.EntrySeq, &v.RecordedAt, &v.Body)
		return v, err
	})
	if err != nil {
		return nil, fmt.Errorf("library: versions: %w", err)
	}
	if len(vs) == 0 {
		return nil, fmt.Errorf("%w: %s %q", ErrNotFound, kind, id)
	}
	return vs, nil
}

func trimZeros(s string) string {
	if d, err := decimal.NewFromString(s); err == nil {
		return d.String()
	}
	return s
}
