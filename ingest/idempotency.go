package ingest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Idempotency: (API key id, Idempotency-Key) → SHA-256 of the endpoint and
// the exact request body, and the result as JSON. The keys of a run of
// requests are read under the head lock by the run's Batcher, and the rows
// of the accepted ones are inserted by its Project, inside the writer's
// transaction, so the key and the entry commit together or not at all.
// Only accepted requests are stored: a rejected request stores nothing and
// may be sent again.

const (
	sqlIdemGet = `SELECT request_hash, status, body FROM idempotency_keys WHERE key_id = $1 AND idem_key = $2`

	// sqlIdemFind reads the stored keys of a run of requests.
	// (A LATERAL probe per key: a plain join was planned as a hash join.)
	sqlIdemFind = `SELECT u.key_id, u.idem_key, i.request_hash, i.body
FROM unnest($1::text[], $2::text[]) AS u(key_id, idem_key)
CROSS JOIN LATERAL (SELECT request_hash, body FROM idempotency_keys k
  WHERE k.key_id = u.key_id AND k.idem_key = u.idem_key LIMIT 1) i`

	// sqlIdemInsertMany stores the keys of a run's accepted requests.
	sqlIdemInsertMany = `INSERT INTO idempotency_keys (key_id, idem_key, request_hash, status, body, entry_seq)
SELECT * FROM unnest($1::text[], $2::text[], $3::bytea[], $4::int[], $5::bytea[], $6::bigint[])`

	sqlIdemPurge = `DELETE FROM idempotency_keys WHERE ctid = ANY (ARRAY(
  SELECT ctid FROM idempotency_keys WHERE created_at < $1 LIMIT 5000))`
)

// Idem is a request's idempotency identity: its Idempotency-Key and the
// SHA-256 of the endpoint and the exact request bytes (RequestHash).
type Idem struct {
	Key  string
	Hash []byte
}

// RequestHash is the hash an idempotency key is stored with: SHA-256 of the
// endpoint ("POST /v1/sales"), a zero byte and the exact request body.
func RequestHash(endpoint string, body []byte) []byte {
	h := sha256.New()
	h.Write([]byte(endpoint))
	h.Write([]byte{0})
	h.Write(body)
	return h.Sum(nil)
}

func checkIdem(id Idem) error {
	if !ValidIdempotencyKey(id.Key) || len(id.Hash) != sha256.Size {
		return newErr(ErrIdempotencyKeyRequired, "the Idempotency-Key header is required: 1 to 255 printable ASCII characters without spaces")
	}
	return nil
}

type idemKey [2]string // API key id, Idempotency-Key

// replayErr carries the stored result of an accepted request whose key
// came again with the same request: the Batcher rejects the record with it
// and the service answers the stored result.
type replayErr struct{ body []byte }

func (*replayErr) Error() string { return "ingest: idempotent replay" }

// errTwin reports that a request with the same key and bytes was accepted
// earlier in the same group: its result is readable once the group
// committed, which it has when Append returns.
var errTwin = errors.New("ingest: idempotency key recorded earlier in the same group")

// idemSet is the idempotency state of a run of requests: the keys stored
// before it, and those accepted in it so far.
type idemSet struct {
	stored map[idemKey]storedIdem
	seen   map[idemKey][]byte
}

type storedIdem struct{ hash, body []byte }

func newIdemSet() *idemSet {
	return &idemSet{stored: map[idemKey]storedIdem{}, seen: map[idemKey][]byte{}}
}

func (is *idemSet) queue(b *pgx.Batch, keyIDs, keys []string) {
	b.Queue(sqlIdemFind, keyIDs, keys).Query(func(rows pgx.Rows) error {
		for rows.Next() {
			var k idemKey
			var st storedIdem
			if err := rows.Scan(&k[0], &k[1], &st.hash, &st.body); err != nil {
				return err
			}
			is.stored[k] = st
		}
		return rows.Err()
	})
}

// check decides a request's key: a replay (same request stored), a twin
// (same request accepted earlier in the run), a reuse (another request),
// or nil when it is new.
func (is *idemSet) check(keyID string, id Idem) error {
	k := idemKey{keyID, id.Key}
	if st, ok := is.stored[k]; ok {
		if !bytes.Equal(st.hash, id.Hash) {
			return reused(id)
		}
		return &replayErr{body: st.body}
	}
	if h, ok := is.seen[k]; ok {
		if !bytes.Equal(h, id.Hash) {
			return reused(id)
		}
		return errTwin
	}
	return nil
}

func (is *idemSet) accept(keyID string, id Idem) { is.seen[idemKey{keyID, id.Key}] = id.Hash }

func reused(id Idem) error {
	return newErr(ErrIdempotencyKeyReused, "Idempotency-Key %q was already used with another request", id.Key)
}

// idemRows are the idempotency rows of a run's accepted requests.
type idemRows struct {
	keyIDs, keys  []string
	hashes, props [][]byte
	statuses      []int32
	seqs          []int64
}

func (r *idemRows) add(keyID string, id Idem, status int, result []byte, seq int64) {
	r.keyIDs = append(r.keyIDs, keyID)
	r.keys = append(r.keys, id.Key)
	r.hashes = append(r.hashes, id.Hash)
	r.statuses = append(r.statuses, int32(status))
	r.props = append(r.props, result)
	r.seqs = append(r.seqs, seq)
}

func (r *idemRows) queue(b *pgx.Batch) {
	if len(r.keys) > 0 {
		b.Queue(sqlIdemInsertMany, r.keyIDs, r.keys, r.hashes, r.statuses, r.props, r.seqs)
	}
}

// settle turns a failed Append of an idempotent write into what the caller
// gets: the stored result of a replay or of a twin accepted in the same
// group, or the rule error without the ledger's wrapping.
func settle[T any](ctx context.Context, s *Service, keyID string, id Idem, err error) (*T, error) {
	var rp *replayErr
	switch {
	case errors.As(err, &rp):
		return decodeResult[T](rp.body)
	case errors.Is(err, errTwin):
		var hash, body []byte
		var status int
		if err := s.pool.QueryRow(ctx, sqlIdemGet, keyID, id.Key).Scan(&hash, &status, &body); err != nil {
			return nil, fmt.Errorf("ingest: read the result of an idempotent twin: %w", err)
		}
		if !bytes.Equal(hash, id.Hash) {
			return nil, reused(id)
		}
		return decodeResult[T](body)
	}
	return nil, asRuleError(err)
}

func decodeResult[T any](body []byte) (*T, error) {
	v := new(T)
	if err := json.Unmarshal(body, v); err != nil {
		return nil, fmt.Errorf("ingest: stored result: %w", err)
	}
	return v, nil
}

// purgeIdempotencyKeys deletes idempotency keys older than the configured
// retention (at least 7 days) and returns how many it deleted.
func (s *Service) purgeIdempotencyKeys(ctx context.Context) (int64, error) {
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
		if n, err := s.purgeIdempotencyKeys(ctx); err != nil {
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
