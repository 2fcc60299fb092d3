package ticketing

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/shopspring/decimal"

	"ecinema/ledger"
	"ecinema/validate"
)

// Ledger kinds written by this package (listed in ledger/doc.go).
const (
	KindVenue     = "ticketing_venue"
	KindEvent     = "ticketing_event"
	KindSession   = "ticketing_session"
	KindKey       = "ticketing_key"
	KindSale      = "ticketing_sale"
	KindRefund    = "ticketing_refund"
	KindCheckin   = "ticketing_checkin"
	KindGateBatch = "ticketing_gate_batch"
)

// clockSkew is how far a client clock (refunded_at, scanned_at) may run ahead.
const clockSkew = 5 * time.Minute

// Config tunes a Service. Zero values take the defaults.
type Config struct {
	Now    func() time.Time // default time.Now
	Logger *slog.Logger     // default slog.Default()
	// Sealer opens the venues' signing keys; nil leaves venue creation,
	// rotation and sales answering ErrNoSigningKey.
	Sealer *Sealer
	// Metrics, when set, receives ecinema_ticketing_tickets_sold_total,
	// ecinema_ticketing_sales_total, ecinema_ticketing_refunds_total and
	// ecinema_ticketing_checkins_total{result,mode}.
	Metrics prometheus.Registerer
	// IdempotencyRetention is how long sale and refund keys are kept, default 8 days.
	IdempotencyRetention time.Duration
}

// Service is the national register of culture tickets.
type Service struct {
	pool     *pgxpool.Pool
	app      ledger.Appender
	cfg      Config
	metrics  *metrics
	keyCache sync.Map // "venue:<id>" → its current signingKey
	trust    atomic.Pointer[trustCache]
}

// NewService returns a service that reads projections from pool and writes
// every fact through app.
func NewService(pool *pgxpool.Pool, app ledger.Appender, cfg Config) *Service {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.IdempotencyRetention < 7*24*time.Hour {
		cfg.IdempotencyRetention = 8 * 24 * time.Hour
	}
	return &Service{pool: pool, app: app, cfg: cfg, metrics: newMetrics(cfg.Metrics)}
}

// Caller is the API key a request acts as: its id (the entry's actor and
// the idempotency scope) and, for a venue key, its venue ("" for a
// national key such as admin).
type Caller struct {
	KeyID   string
	VenueID string
}

// EntryRef names a ledger entry in responses.
type EntryRef struct {
	Seq      int64  `json:"seq"`
	LeafHash string `json:"leaf_hash"`
}

func entryRef(e ledger.Entry) EntryRef {
	return EntryRef{Seq: e.Seq, LeafHash: hex.EncodeToString(e.LeafHash[:])}
}

// Response is an answer to send exactly as it is; for idempotent requests
// it is what a replay returns, byte for byte.
type Response struct {
	Status int
	Body   []byte
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("ticketing: marshal: %v", err))
	}
	return b
}

const (
	timeLayout = "2006-01-02T15:04:05Z07:00"
	dateLayout = "2006-01-02"
)

func fmtTime(t time.Time) string { return t.UTC().Format(timeLayout) }

// --- versions -------------------------------------------------------------

const (
	sqlNextVersion   = `SELECT COALESCE(max(version), 0) + 1 FROM ticketing_versions WHERE kind = $1 AND id = $2`
	sqlInsertVersion = `INSERT INTO ticketing_versions (kind, id, version, entry_seq, body, recorded_at) VALUES ($1, $2, $3, $4, $5, $6)`
	sqlVersions      = `SELECT version, entry_seq, recorded_at, body FROM ticketing_versions WHERE kind = $1 AND id = $2 ORDER BY version`
	sqlLatestSame    = `SELECT version FROM ticketing_versions WHERE kind = $1 AND id = $2 AND body = $3::jsonb
  AND version = (SELECT max(version) FROM ticketing_versions WHERE kind = $1 AND id = $2)`
)

// Version is one recorded version of a venue, event or session.
type Version struct {
	Version    int             `json:"version"`
	EntrySeq   int64           `json:"entry_seq"`
	RecordedAt time.Time       `json:"recorded_at"`
	Body       json.RawMessage `json:"body"`
}

// recordVersion stores the body of entry e as the next version of (kind, id).
func recordVersion(ctx context.Context, tx pgx.Tx, kind, id string, e ledger.Entry, body []byte) (int, error) {
	var v int
	if err := tx.QueryRow(ctx, sqlNextVersion, kind, id).Scan(&v); err != nil {
		return 0, fmt.Errorf("next version: %w", err)
	}
	if _, err := tx.Exec(ctx, sqlInsertVersion, kind, id, v, e.Seq, body, e.At); err != nil {
		return 0, fmt.Errorf("record version: %w", err)
	}
	return v, nil
}

// latestSame returns the current version of (kind, id) when its body
// equals body (as jsonb), so that repeating a PUT writes no new entry.
func latestSame(ctx context.Context, tx pgx.Tx, kind, id string, body any) (int, bool, error) {
	var v int
	err := tx.QueryRow(ctx, sqlLatestSame, kind, id, mustJSON(body)).Scan(&v)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("ticketing: compare version: %w", err)
	}
	return v, true, nil
}

// Versions returns every version of a venue ("venue"), event ("event") or
// session ("session"), oldest first.
func (s *Service) Versions(ctx context.Context, kind, id string) ([]Version, error) {
	rows, err := s.pool.Query(ctx, sqlVersions, kind, id)
	if err != nil {
		return nil, fmt.Errorf("ticketing: versions: %w", err)
	}
	vs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Version, error) {
		var v Version
		err := r.Scan(&v.Version, &v.EntrySeq, &v.RecordedAt, &v.Body)
		return v, err
	})
	if err != nil {
		return nil, fmt.Errorf("ticketing: versions: %w", err)
	}
	if len(vs) == 0 {
		return nil, newErr(ErrNotFound, "%s %q not found", kind, id)
	}
	return vs, nil
}

// --- idempotency ----------------------------------------------------------

// Idempotency of sales and refunds as in package ingest: (key id,
// Idempotency-Key) → SHA-256 of the endpoint and the exact body, and the
// exact response, stored by the kind's Batcher with its entry (batch.go).

const (
	sqlIdemGet   = `SELECT request_hash, status, body FROM ticketing_idempotency WHERE key_id = $1 AND idem_key = $2`
	sqlIdemPurge = `DELETE FROM ticketing_idempotency WHERE created_at < $1`
)

type idem struct {
	keyID, key string
	hash       []byte
}

func newIdem(c Caller, endpoint, key string, body []byte) (idem, error) {
	if !validate.IdempotencyKey(key) {
		return idem{}, newErr(ErrIdempotencyKeyRequired, "the Idempotency-Key header is required: 1 to 255 printable ASCII characters without spaces")
	}
	h := sha256.New()
	h.Write([]byte(endpoint))
	h.Write([]byte{0})
	h.Write(body)
	return idem{keyID: c.KeyID, key: key, hash: h.Sum(nil)}, nil
}

func (s *Service) idemLookup(ctx context.Context, id idem) (*Response, error) {
	var hash, body []byte
	var status int
	err := s.pool.QueryRow(ctx, sqlIdemGet, id.keyID, id.key).Scan(&hash, &status, &body)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("ticketing: read idempotency key: %w", err)
	}
	if !bytes.Equal(hash, id.hash) {
		return nil, newErr(ErrIdempotencyKeyReused, "Idempotency-Key %q was already used with another request", id.key)
	}
	return &Response{Status: status, Body: body}, nil
}

// RunJanitor purges idempotency keys older than the retention every
// interval until ctx ends.
func (s *Service) RunJanitor(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if _, err := s.pool.Exec(ctx, sqlIdemPurge, s.cfg.Now().Add(-s.cfg.IdempotencyRetention)); err != nil && ctx.Err() == nil {
			s.cfg.Logger.ErrorContext(ctx, "ticketing: purge idempotency keys", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// --- metrics --------------------------------------------------------------

type metrics struct {
	sold     prometheus.Counter
	sales    prometheus.Counter
	refunds  prometheus.Counter
	checkins *prometheus.CounterVec
}

func newMetrics(r prometheus.Registerer) *metrics {
	m := &metrics{
		sold: prometheus.NewCounter(prometheus.CounterOpts{Name: "ecinema_ticketing_tickets_sold_total",
			Help: "Culture tickets sold (accepted sales, replays not counted)."}),
		sales: prometheus.NewCounter(prometheus.CounterOpts{Name: "ecinema_ticketing_sales_total",
			Help: "Accepted culture ticket sales requests."}),
		refunds: prometheus.NewCounter(prometheus.CounterOpts{Name: "ecinema_ticketing_refunds_total",
			Help: "Culture tickets refunded (and so revoked)."}),
		checkins: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "ecinema_ticketing_checkins_total",
			Help: "Gate scans by result (admitted or the refusal code) and mode (online, offline)."}, []string{"result", "mode"}),
	}
	if r != nil {
		r.MustRegister(m.sold, m.sales, m.refunds, m.checkins)
	}
	return m
}

var decimalTwo = decimal.NewFromInt(2)

func parseMoney(s string) (decimal.Decimal, error) { return decimal.NewFromString(s) }

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }
