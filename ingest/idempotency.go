package ingest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Idempotency: (API key id, Idempotency-Key) → SHA-256 of the endpoint and
// the exact request body, and the exact response. The row is inserted by
// the record's Project func, inside the writer's transaction, so the key
// and the entry commit together or not at all. Only accepted requests are
// stored: a rejected request stores nothing and may be sent again.

const (
	sqlIdemGet = `SELECT request_hash, status, body FROM idempotency_keys WHERE key_id = $1 AND idem_key = $2`

	sqlIdemInsert = `INSERT INTO idempotency_keys (key_id, idem_key, request_hash, status, body, entry_seq)
VALUES ($1, $2, $3, $4, $5, $6)`

	// sqlIdemInsertNew returns a row only when the key was new here.
	sqlIdemInsertNew = `INSERT INTO idempotency_keys (key_id, idem_key, request_hash, status, body, entry_seq)
VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING RETURNING 1`

	// sqlIdemWait inserts a placeholder that conflicts with a twin's row:
	// while the twin's transaction is open this blocks, so when it returns the
	// twin has committed or rolled back. The caller always rolls back.
	sqlIdemWait = `INSERT INTO idempotency_keys (key_id, idem_key, request_hash, status, body, entry_seq)
VALUES ($1, $2, '', 0, '', -1) ON CONFLICT DO NOTHING`

	sqlIdemPurge = `DELETE FROM idempotency_keys WHERE ctid = ANY (ARRAY(
  SELECT ctid FROM idempotency_keys WHERE created_at < $1 LIMIT 5000))`
)

// idem is one request's idempotency identity.
type idem struct {
	keyID string
	key   string
	hash  []byte
}

func newIdem(c Caller, endpoint, key string, body []byte) (idem, error) {
	if !ValidIdempotencyKey(key) {
		return idem{}, newErr(ErrIdempotencyKeyRequired, "the Idempotency-Key header is required: 1 to 255 printable ASCII characters without spaces")
	}
	h := sha256.New()
	h.Write([]byte(endpoint))
	h.Write([]byte{0})
	h.Write(body)
	return idem{keyID: c.KeyID, key: key, hash: h.Sum(nil)}, nil
}

// errTwin reports, from inside Project, that the key is already stored in
// the transaction's view: a twin request got there first.
var errTwin = errors.New("ingest: idempotency key already recorded")

// lookup returns the stored response for the key, ErrIdempotencyKeyReused
// when it was stored for another request, or nil, nil when it is new.
func (s *Service) lookup(ctx context.Context, q pgx.Tx, id idem) (*Response, error) {
	var row pgx.Row
	if q != nil {
		row = q.QueryRow(ctx, sqlIdemGet, id.keyID, id.key)
	} else {
		row = s.pool.QueryRow(ctx, sqlIdemGet, id.keyID, id.key)
	}
	var hash, body []byte
	var status int
	if err := row.Scan(&hash, &status, &body); err != nil {
		if errors.Is(err, pgx.ErrNoRows) {
			return nil, nil
		}
		return nil, fmt.Errorf("ingest: read idempotency key: %w", err)
	}
	return replay(id, hash, status, body)
}

func replay(id idem, hash []byte, status int, body []byte) (*Response, error) {
	if !bytes.Equal(hash, id.hash) {
		return nil, newErr(ErrIdempotencyKeyReused, "Idempotency-Key %q was already used with another request", id.key)
	}
	return &Response{Status: status, Body: body}, nil
}

// checkInTx is the Project-side check: a stored key with the same request
// is a twin (errTwin), with another request a reuse.
func checkInTx(hash []byte, found bool, id idem) error {
	if !found {
		return nil
	}
	if !bytes.Equal(hash, id.hash) {
		return newErr(ErrIdempotencyKeyReused, "Idempotency-Key %q was already used with another request", id.key)
	}
	return errTwin
}

// awaitTwin waits until the transaction that stored the key ends and
// returns its response. ok is false when the twin did not commit, so the
// caller should try to append itself.
func (s *Service) awaitTwin(ctx context.Context, id idem) (*Response, bool, error) {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return nil, false, fmt.Errorf("ingest: wait for idempotency twin: %w", err)
	}
	_, err = tx.Exec(ctx, sqlIdemWait, id.keyID, id.key)
	tx.Rollback(context.WithoutCancel(ctx))
	if err != nil {
		return nil, false, fmt.Errorf("ingest: wait for idempotency twin: %w", err)
	}
	resp, err := s.lookup(ctx, nil, id)
	if err != nil || resp == nil {
		return nil, false, err
	}
	return resp, true, nil
}

// appendFailed decides what a failed Append of an idempotent write means:
// retry when its premises changed (errStale) or when a twin request with
// the same key rolled back; else the twin's response, or err as the
// client should see it.
func (s *Service) appendFailed(ctx context.Context, id idem, err error) (resp *Response, retry bool, _ error) {
	switch {
	case isStale(err):
		return nil, true, nil
	case errors.Is(err, errTwin):
		resp, ok, err := s.awaitTwin(ctx, id)
		if err != nil || ok {
			return resp, false, err
		}
		return nil, true, nil
	}
	return nil, false, asRuleError(err)
}

// PurgeIdempotencyKeys deletes idempotency keys older than the configured
// retention (at least 7 days) and returns how many it deleted.
func (s *Service) PurgeIdempotencyKeys(ctx context.Context) (int64, error) {
	cutoff := s.cfg.Now().Add(-s.cfg.IdempotencyRetention)
	var total int64
	for {
		tag, err := s.pool.Exec(ctx, sqlIdemPurge, cutoff)
		if err != nil {
			return total, fmt.Errorf("ingest: purge idempotency keys: %w", err)
		}
		total += tag.RowsAffected()
		if tag.RowsAffected() < 5000 {
			return total, nil
		}
	}
}

// RunJanitor purges old idempotency keys every interval until ctx ends.
func (s *Service) RunJanitor(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if n, err := s.PurgeIdempotencyKeys(ctx); err != nil {
			if ctx.Err() != nil {
				return
			}
			s.cfg.Logger.ErrorContext(ctx, "ingest: purge idempotency keys", "err", err)
		} else if n > 0 {
			s.cfg.Logger.InfoContext(ctx, "ingest: purged idempotency keys", "deleted", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
