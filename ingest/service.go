package ingest

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"

	"ecinema/ledger"
)

// clockSkew is how far a POS clock may run ahead: times up to this far
// ahead of the server's clock are accepted.
const clockSkew = 5 * time.Minute

// lateAfter is how long after sold_at a sale must arrive to be flagged late_report.
const lateAfter = 24 * time.Hour

// minIdempotencyRetention is the shortest time idempotency keys are kept.
const minIdempotencyRetention = 7 * 24 * time.Hour

// Anomaly flags recorded with sale entries.
const (
	flagLateReport         = "late_report"
	flagNightHighOccupancy = "night_high_occupancy"
	flagSoldAfterStart     = "sold_after_start"
)

// Config tunes a Service. Zero values take the defaults.
type Config struct {
	Now                  func() time.Time // default time.Now
	IdempotencyRetention time.Duration    // default 8 days; never less than 7 days
	Logger               *slog.Logger     // default slog.Default()
	// Metrics registers the counters of accepted tickets and anomaly flags
	// (none when nil).
	Metrics prometheus.Registerer
}

// Service records screenings, sales and refunds. Its three writes are
// ledger records on the writer's group path: each kind has one Batcher
// that decides a run of requests under the head lock and projects the
// accepted entries from their encoded bodies.
type Service struct {
	pool    *pgxpool.Pool
	app     ledger.Appender
	cfg     Config
	metrics *metrics
}

// The Batchers are shared by every Service of the process (they keep no
// state; a request carries its caller and clock), so that the writer
// gathers the requests of several services, like demo's workers with
// their own clocks, into one run.
var (
	salesRun      = &salesBatcher{}
	refundsRun    = &refundsBatcher{}
	screeningsRun = &screeningsBatcher{}
)

// NewService returns a service that reads projections from pool and writes
// every record through app.
func NewService(pool *pgxpool.Pool, app ledger.Appender, cfg Config) *Service {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.IdempotencyRetention < minIdempotencyRetention {
		if cfg.IdempotencyRetention != 0 {
			cfg.IdempotencyRetention = minIdempotencyRetention
		} else {
			cfg.IdempotencyRetention = 8 * 24 * time.Hour
		}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	s := &Service{pool: pool, app: app, cfg: cfg, metrics: newMetrics(cfg.Metrics)}
	return s
}

// Caller is the API key a request acts as: its id (the entry's actor and
// the idempotency scope) and the one cinema it may write for.
type Caller struct {
	KeyID    string
	CinemaID string
}

// EntryRef names a ledger entry in results.
type EntryRef struct {
	Seq      int64  `json:"seq"`
	LeafHash string `json:"leaf_hash"`
}

func entryRef(e ledger.Entry) EntryRef {
	return EntryRef{Seq: e.Seq, LeafHash: hex.EncodeToString(e.LeafHash[:])}
}

// screeningState is a screening as the sale and refund rules need it,
// read under the head lock; active is updated as a run of records is
// decided.
type screeningState struct {
	cinemaID, id, hallID, filmID string
	startsAt, endsAt, bod        time.Time
	seats, active                int
}

// sqlScreeningsFind reads the screenings of a run of requests in one
// statement (a primary-key probe each).
const sqlScreeningsFind = `SELECT u.cinema_id, u.id, s.hall_id, s.film_id, s.starts_at, s.ends_at, s.box_office_day, s.seats, s.tickets_active
FROM unnest($1::text[], $2::text[]) AS u(cinema_id, id)
CROSS JOIN LATERAL (SELECT * FROM screenings s WHERE s.cinema_id = u.cinema_id AND s.id = u.id LIMIT 1) s`

// sqlScreeningsElsewhere tells, for screenings not found in the key's
// cinema, which exist in another one (403 rather than 404).
const sqlScreeningsElsewhere = `SELECT DISTINCT u.cinema_id, u.id FROM unnest($1::text[], $2::text[]) AS u(cinema_id, id)
JOIN screenings s ON s.id = u.id AND s.cinema_id <> u.cinema_id`

type cinemaKey [2]string // cinema id, other id

// screeningSet collects the screenings a run of requests names and reads
// them with the run's other state.
type screeningSet struct {
	keys    []cinemaKey
	byKey   map[cinemaKey]*screeningState
	missing map[cinemaKey]bool // true: exists in another cinema
}

func newScreeningSet() *screeningSet {
	return &screeningSet{byKey: map[cinemaKey]*screeningState{}, missing: map[cinemaKey]bool{}}
}

func (ss *screeningSet) want(cinemaID, id string) {
	k := cinemaKey{cinemaID, id}
	if _, ok := ss.byKey[k]; !ok {
		ss.byKey[k] = nil
		ss.keys = append(ss.keys, k)
	}
}

func (ss *screeningSet) queue(b *pgx.Batch) {
	cs, ids := splitKeys(ss.keys)
	b.Queue(sqlScreeningsFind, cs, ids).Query(func(rows pgx.Rows) error {
		for rows.Next() {
			var s screeningState
			if err := rows.Scan(&s.cinemaID, &s.id, &s.hallID, &s.filmID, &s.startsAt, &s.endsAt, &s.bod, &s.seats, &s.active); err != nil {
				return err
			}
			ss.byKey[cinemaKey{s.cinemaID, s.id}] = &s
		}
		return rows.Err()
	})
}

// resolveMissing asks, for screenings not found, whether they exist in
// another cinema (one statement, only when some are missing).
func (ss *screeningSet) resolveMissing(ctx context.Context, tx pgx.Tx) error {
	var miss []cinemaKey
	for _, k := range ss.keys {
		if ss.byKey[k] == nil {
			miss = append(miss, k)
			ss.missing[k] = false
		}
	}
	if len(miss) == 0 {
		return nil
	}
	cs, ids := splitKeys(miss)
	rows, err := tx.Query(ctx, sqlScreeningsElsewhere, cs, ids)
	if err != nil {
		return fmt.Errorf("ingest: read screenings: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var k cinemaKey
		if err := rows.Scan(&k[0], &k[1]); err != nil {
			return fmt.Errorf("ingest: read screenings: %w", err)
		}
		ss.missing[k] = true
	}
	return rows.Err()
}

// get returns the screening, or the 404 or 403 rule error.
func (ss *screeningSet) get(cinemaID, id string) (*screeningState, error) {
	k := cinemaKey{cinemaID, id}
	if s := ss.byKey[k]; s != nil {
		return s, nil
	}
	if ss.missing[k] {
		return nil, newErr(ErrOtherCinema, "screening %q belongs to another cinema than this API key's", id)
	}
	return nil, newErr(ErrScreeningNotFound, "screening %q not found in cinema %q", id, cinemaID)
}

func splitKeys(keys []cinemaKey) ([]string, []string) {
	a, b := make([]string, len(keys)), make([]string, len(keys))
	for i, k := range keys {
		a[i], b[i] = k[0], k[1]
	}
	return a, b
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("ingest: marshal result: %v", err))
	}
	return b
}

const dateLayout = "2006-01-02"

func fmtTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000000Z") }
