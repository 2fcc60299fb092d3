package archive

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/go-retryablehttp"
	"github.com/jackc/pgx/v5"
)

// SyncClientConfig shapes the HTTP client of the Batyrlarga tagzym sync.
type SyncClientConfig struct {
	RetryMax     int           // retries within one send (4 when 0)
	RetryWaitMin time.Duration // first backoff (1 s when 0)
	RetryWaitMax time.Duration // backoff cap (30 s when 0)
	AttemptLimit time.Duration // one HTTP attempt's timeout (20 s when 0)
	Logger       *slog.Logger
}

// NewSyncClient returns the sync's HTTP client: go-retryablehttp retrying
// 429 and 5xx (not 501) and connection errors with jittered exponential
// backoff, honouring Retry-After on 429 and 503; when the retries are
// spent the last response is returned (not an error), so the worker can
// record its status and body.
func NewSyncClient(cfg SyncClientConfig) *http.Client {
	c := retryablehttp.NewClient()
	c.RetryMax = cmp0(cfg.RetryMax, 4)
	c.RetryWaitMin = cmp0(cfg.RetryWaitMin, time.Second)
	c.RetryWaitMax = cmp0(cfg.RetryWaitMax, 30*time.Second)
	c.HTTPClient.Timeout = cmp0(cfg.AttemptLimit, 20*time.Second)
	c.Backoff = syncBackoff
	c.ErrorHandler = retryablehttp.PassthroughErrorHandler
	c.Logger = nil
	if cfg.Logger != nil {
		c.Logger = cfg.Logger
	}
	return c.StandardClient()
}

func cmp0[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// syncBackoff waits the server's Retry-After on 429 and 503 when it sent
// one, else "equal jitter": a random time in [d/2, d], d = min·2^attempt
// capped at max, so that many rows failing together do not retry together.
func syncBackoff(min, max time.Duration, attempt int, resp *http.Response) time.Duration {
	if resp != nil && (resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable) {
		if d, ok := parseRetryAfter(resp.Header.Get("Retry-After"), time.Now()); ok {
			return d
		}
	}
	d := min
	for i := 0; i < attempt && d < max; i++ {
		d *= 2
	}
	if d > max || d <= 0 {
		d = max
	}
	half := d / 2
	return half + rand.N(d-half+1)
}

func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil && secs >= 0 {
		return time.Duration(secs) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return d, true
		}
		return 0, true
	}
	return 0, false
}

// Outbox SQL. A worker claims due rows with FOR UPDATE SKIP LOCKED and
// leases them by moving next_at forward in the same statement, so two
// server processes never send the same row at once; a row whose sender
// died is due again when the lease ends and is resent with the same
// Idempotency-Key. A version waits while an earlier version of the same
// person is pending, so versions arrive in order.
const (
	claimRows = `WITH c AS (
  SELECT o.id FROM archive_sync_outbox o
  WHERE o.state = 'pending' AND o.next_at <= now()
    AND NOT EXISTS (SELECT 1 FROM archive_sync_outbox p
                    WHERE p.person_id = o.person_id AND p.version < o.version AND p.state = 'pending')
  ORDER BY o.next_at, o.created_at
  LIMIT $1
  FOR UPDATE SKIP LOCKED)
UPDATE archive_sync_outbox o SET next_at = now() + $2 * interval '1 millisecond', attempts = o.attempts + 1, updated_at = now()
FROM c WHERE o.id = c.id
RETURNING o.id, o.person_id, o.version, o.payload, o.attempts,
  (SELECT max(d.version) FROM archive_sync_outbox d WHERE d.person_id = o.person_id AND d.version < o.version AND d.state = 'done')`
	finishRow = `UPDATE archive_sync_outbox SET state = $2, last_status = $3, last_body = $4, remote_body = COALESCE($5, remote_body),
  next_at = now() + $6 * interval '1 millisecond', updated_at = now()
WHERE id = $1 AND state = 'pending'`
	countRows = `SELECT state, count(*) FROM archive_sync_outbox GROUP BY state`
	listRows  = `SELECT id, person_id, version, state, attempts, next_at, last_status, last_body, remote_body
FROM archive_sync_outbox WHERE state = $1 AND ($2 = '' OR id::text > $2) ORDER BY id LIMIT $3`
	retryRow = `UPDATE archive_sync_outbox SET state = 'pending', next_at = now(), updated_at = now()
WHERE id::text = $1 AND state IN ('dead', 'reconcile')
RETURNING id, person_id, version, state, attempts, next_at, last_status, last_body, remote_body`
	rowExists = `SELECT state FROM archive_sync_outbox WHERE id::text = $1`
)

// SyncSettings are the worker's timing knobs; zero values take defaults.
type SyncSettings struct {
	Batch     int           // rows claimed per round (10)
	Lease     time.Duration // how long a claimed row is ours (5 min; longer than a send)
	BaseDelay time.Duration // first reschedule after a failed send (30 s)
	MaxDelay  time.Duration // reschedule cap (6 h)
}

func (st SyncSettings) withDefaults() SyncSettings {
	st.Batch = cmp0(st.Batch, 10)
	st.Lease = cmp0(st.Lease, 5*time.Minute)
	st.BaseDelay = cmp0(st.BaseDelay, 30*time.Second)
	st.MaxDelay = cmp0(st.MaxDelay, 6*time.Hour)
	return st
}

// syncEnabled reports whether a platform URL is configured.
func (s *Service) syncEnabled() bool { return s.cfg.SyncURL != "" && s.cfg.SyncClient != nil }

type claimed struct {
	id, personID string
	version      int
	payload      []byte
	attempts     int
	prev         *int
}

// SyncOnce claims due outbox rows and sends each; it returns how many it
// handled. It is safe to run in several processes at once.
func (s *Service) SyncOnce(ctx context.Context, st SyncSettings) (int, error) {
	if !s.syncEnabled() {
		return 0, nil
	}
	st = st.withDefaults()
	rows, err := s.pool.Query(ctx, claimRows, st.Batch, st.Lease.Milliseconds())
	if err != nil {
		return 0, fmt.Errorf("archive: sync claim: %w", err)
	}
	batch, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (claimed, error) {
		var c claimed
		return c, r.Scan(&c.id, &c.personID, &c.version, &c.payload, &c.attempts, &c.prev)
	})
	if err != nil {
		return 0, fmt.Errorf("archive: sync claim: %w", err)
	}
	for _, c := range batch {
		if err := s.send(ctx, c, st); err != nil {
			return 0, err
		}
	}
	s.updateSyncGauge(ctx)
	return len(batch), nil
}

// send delivers one row and records the outcome.
func (s *Service) send(ctx context.Context, c claimed, st SyncSettings) error {
	s.metrics.syncAttempts.Inc()
	url := strings.TrimSuffix(s.cfg.SyncURL, "/") + "/persons/" + c.personID
	cctx, cancel := context.WithTimeout(ctx, s.cfg.SyncTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(cctx, http.MethodPut, url, bytes.NewReader(c.payload))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+s.cfg.SyncToken)
	req.Header.Set("Idempotency-Key", c.id)
	if c.prev != nil {
		req.Header.Set("If-Match", `"`+strconv.Itoa(*c.prev)+`"`)
	}
	resp, err := s.cfg.SyncClient.Do(req)
	if ctx.Err() != nil {
		// Shutting down: leave the row leased; it is due again after the
		// lease and resent with the same Idempotency-Key.
		return ctx.Err()
	}
	var status *int
	var body string
	if err == nil {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 16<<10))
		resp.Body.Close()
		code := resp.StatusCode
		status, body = &code, string(b)
	} else {
		body = err.Error()
	}
	state, delay := SyncPending, growingDelay(st, c.attempts)
	var remote *string
	switch {
	case status != nil && *status >= 200 && *status < 300:
		state, delay = SyncDone, 0
	case status != nil && *status == http.StatusPreconditionFailed:
		state, delay = SyncReconcile, 0
		r := s.fetchRemote(ctx, c.personID)
		remote = &r
		s.log.WarnContext(ctx, "batyrlar sync: version conflict, row in reconcile", "person", c.personID, "version", c.version)
	case status != nil && *status >= 400 && *status < 500 && *status != http.StatusTooManyRequests && *status != http.StatusRequestTimeout:
		state, delay = SyncDead, 0
		s.log.ErrorContext(ctx, "batyrlar sync: refused, row dead", "person", c.personID, "version", c.version, "status", *status)
	default:
		s.log.WarnContext(ctx, "batyrlar sync: send failed, rescheduled", "person", c.personID, "version", c.version,
			"attempts", c.attempts, "retry_in", delay, "status", status, "err", err)
	}
	if _, err := s.pool.Exec(ctx, finishRow, c.id, state, status, body, remote, delay.Milliseconds()); err != nil {
		return fmt.Errorf("archive: sync record: %w", err)
	}
	return nil
}

// growingDelay doubles from BaseDelay per failed round, capped at
// MaxDelay, with ±10% jitter.
func growingDelay(st SyncSettings, attempts int) time.Duration {
	d := st.BaseDelay
	for i := 1; i < attempts && d < st.MaxDelay; i++ {
		d *= 2
	}
	if d > st.MaxDelay {
		d = st.MaxDelay
	}
	j := d / 10
	return d - j + rand.N(2*j+1)
}

// fetchRemote GETs the platform's copy of a person for reconciliation.
func (s *Service) fetchRemote(ctx context.Context, personID string) string {
	cctx, cancel := context.WithTimeout(ctx, s.cfg.SyncTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(cctx, http.MethodGet, strings.TrimSuffix(s.cfg.SyncURL, "/")+"/persons/"+personID, nil)
	if err != nil {
		return err.Error()
	}
	req.Header.Set("Authorization", "Bearer "+s.cfg.SyncToken)
	resp, err := s.cfg.SyncClient.Do(req)
	if err != nil {
		return "GET failed: " + err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	return string(b)
}

// RunSync sends due rows every interval until ctx ends.
func (s *Service) RunSync(ctx context.Context, every time.Duration, st SyncSettings) {
	if !s.syncEnabled() {
		return
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		for {
			n, err := s.SyncOnce(ctx, st)
			if err != nil && ctx.Err() == nil {
				s.log.ErrorContext(ctx, "batyrlar sync round failed", "err", err)
			}
			if n == 0 || err != nil {
				break
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// SyncStatus is GET /v1/archive/sync.
type SyncStatus struct {
	Counts     map[string]int `json:"counts"`
	Items      []SyncRow      `json:"items"`
	NextCursor string         `json:"next_cursor,omitempty"`
}

// Status counts outbox rows by state and lists those in state (dead when "").
func (s *Service) Status(ctx context.Context, state, cursor string, limit int) (SyncStatus, error) {
	if state == "" {
		state = SyncDead
	}
	switch state {
	case SyncPending, SyncDone, SyncDead, SyncReconcile:
	default:
		return SyncStatus{}, fmt.Errorf("%w: state must be pending, done, dead or reconcile", ErrBadQuery)
	}
	if limit == 0 {
		limit = 100
	}
	if limit < 1 || limit > 500 {
		return SyncStatus{}, fmt.Errorf("%w: limit must be 1..500", ErrBadQuery)
	}
	st := SyncStatus{Counts: map[string]int{SyncPending: 0, SyncDone: 0, SyncDead: 0, SyncReconcile: 0}, Items: []SyncRow{}}
	rows, err := s.pool.Query(ctx, countRows)
	if err != nil {
		return st, err
	}
	for rows.Next() {
		var k string
		var n int
		if err := rows.Scan(&k, &n); err != nil {
			return st, err
		}
		st.Counts[k] = n
	}
	if err := rows.Err(); err != nil {
		return st, err
	}
	rows, err = s.pool.Query(ctx, listRows, state, cursor, limit+1)
	if err != nil {
		return st, err
	}
	items, err := pgx.CollectRows(rows, scanSyncRow)
	if err != nil {
		return st, err
	}
	if len(items) > limit {
		items = items[:limit]
		st.NextCursor = items[len(items)-1].ID
	}
	st.Items = append(st.Items, items...)
	return st, nil
}

func scanSyncRow(r pgx.CollectableRow) (SyncRow, error) {
	var x SyncRow
	err := r.Scan(&x.ID, &x.PersonID, &x.Version, &x.State, &x.Attempts, &x.NextAt, &x.LastStatus, &x.LastBody, &x.RemoteBody)
	x.NextAt = x.NextAt.UTC()
	return x, err
}

// Retry puts a dead or reconcile row back to pending, due now.
func (s *Service) Retry(ctx context.Context, id string) (SyncRow, error) {
	rows, err := s.pool.Query(ctx, retryRow, id)
	if err != nil {
		return SyncRow{}, err
	}
	items, err := pgx.CollectRows(rows, scanSyncRow)
	if err != nil {
		return SyncRow{}, err
	}
	if len(items) == 1 {
		s.updateSyncGauge(ctx)
		return items[0], nil
	}
	var state string
	if err := s.pool.QueryRow(ctx, rowExists, id).Scan(&state); errors.Is(err, pgx.ErrNoRows) {
		return SyncRow{}, fmt.Errorf("%w: %s", ErrSyncNotFound, id)
	} else if err != nil {
		return SyncRow{}, err
	}
	return SyncRow{}, fmt.Errorf("%w: row %s is %s", ErrSyncState, id, state)
}

func (s *Service) updateSyncGauge(ctx context.Context) {
	st, err := s.Status(ctx, SyncDead, "", 1)
	if err != nil {
		return
	}
	for k, n := range st.Counts {
		s.metrics.syncRows.WithLabelValues(k).Set(float64(n))
	}
}
