// Package idempotency makes the culture modules' create requests — the
// POSTs that make a record with an id the server chooses, or move money (a
// fund application, decision or payment, a hub introduction or its
// outcome, a museum object's event, a venue key rotation, an archive
// deposit) — safe to retry after a lost answer, as SPEC section 4 makes
// cinema and ticket sales: the same Idempotency-Key with the same request
// answers the first answer again and creates nothing; the same key with
// another request is refused (ErrKeyReused, 409 idempotency_key_reused).
//
// The header is optional here (these endpoints took none before, and a
// request without it creates a record each time, as it did); when sent it
// must be 1 to 255 printable ASCII characters without spaces
// (ErrKeyInvalid, 400 idempotency_key_required, the sales' code).
//
// Invariants:
//   - A key is scoped to the API key that sent it: (key id,
//     Idempotency-Key) → SHA-256 of the endpoint with its path, a zero byte
//     and the request as decoded and encoded again as JSON (so spacing and
//     member order do not make another request), and the answer as JSON.
//     A streamed upload's request is known only once read (Pending): an
//     archive deposit's is its bag's files (paths, sizes, SHA-256), so
//     the same bag packed again is the same request.
//   - The answer is stored by Save inside the transaction that creates the
//     record (the ledger append's, for a record that is an entry), so the
//     two commit together or not at all; a refused request stores nothing
//     and may be sent again.
//   - Of two concurrent requests with one key, one creates the record;
//     the other's Save finds the key taken (the unique key waits for the
//     first to commit), its transaction is rolled back, and Do answers the
//     stored answer.
//   - Keys are purged after Retention (RunJanitor); a retry later than that
//     creates a record again.
package idempotency

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"ecinema/validate"
)

// Header is the request header that carries the key.
const Header = "Idempotency-Key"

// Retention is how long a key is kept: a week and a day, as for sales.
const Retention = 8 * 24 * time.Hour

var (
	// ErrKeyReused: the key was used with another request (409
	// idempotency_key_reused).
	ErrKeyReused = errors.New("idempotency key reused with another request")
	// ErrKeyInvalid: the header is not 1 to 255 printable ASCII characters
	// without spaces (400 idempotency_key_required).
	ErrKeyInvalid = errors.New("invalid Idempotency-Key")
)

// errTaken: Save found the key stored by a request that committed first.
var errTaken = errors.New("idempotency: key stored by a concurrent request")

// Key is a create request's idempotency identity. The zero Key (no
// header) makes the request not idempotent.
type Key struct {
	keyID, key string
	hash       []byte
}

// New returns the Key of a request: the id of the API key that sent it,
// its Idempotency-Key header ("": the zero Key), the endpoint with its path
// ("POST /v1/fund/calls/c1/applications") and the decoded request.
func New(keyID, header, endpoint string, request any) (Key, error) {
	p, err := NewPending(keyID, header, endpoint)
	if err != nil {
		return Key{}, err
	}
	return p.Key(request)
}

// Pending is the Key of a request whose identity is known only once its
// body has been read: a streamed upload (an archive deposit), whose
// request is the content it carries. The header is checked, and a
// malformed one refused, before the body is read.
type Pending struct{ keyID, key, endpoint string }

// NewPending returns the Pending key of a request: the id of the API key
// that sent it, its Idempotency-Key header ("": the zero Pending) and the
// endpoint with its path.
func NewPending(keyID, header, endpoint string) (Pending, error) {
	if header == "" {
		return Pending{}, nil
	}
	if !validate.IdempotencyKey(header) {
		return Pending{}, validate.Refuse(ErrKeyInvalid, Header, "the Idempotency-Key header, when sent, must be 1 to 255 printable ASCII characters without spaces")
	}
	return Pending{keyID: keyID, key: header, endpoint: endpoint}, nil
}

// IsZero reports whether p makes its request not idempotent.
func (p Pending) IsZero() bool { return p.key == "" }

// Key returns the Key of p's request once read: request is what makes it
// this request (for a deposit, its bag's files and their hashes), encoded
// as JSON.
func (p Pending) Key(request any) (Key, error) {
	if p.IsZero() {
		return Key{}, nil
	}
	body, err := json.Marshal(request)
	if err != nil {
		return Key{}, fmt.Errorf("idempotency: encode request: %w", err)
	}
	h := sha256.New()
	h.Write([]byte(p.endpoint))
	h.Write([]byte{0})
	h.Write(body)
	return Key{keyID: p.keyID, key: p.key, hash: h.Sum(nil)}, nil
}

// IsZero reports whether k makes its request not idempotent.
func (k Key) IsZero() bool { return k.key == "" }

const (
	sqlGet = `SELECT request_hash, answer FROM culture_idempotency WHERE key_id = $1 AND idem_key = $2`
	sqlPut = `INSERT INTO culture_idempotency (key_id, idem_key, request_hash, answer) VALUES ($1, $2, $3, $4)
ON CONFLICT (key_id, idem_key) DO NOTHING`
	sqlPurge = `DELETE FROM culture_idempotency WHERE created_at < $1`
	sqlTaken = `SELECT 1 FROM culture_idempotency WHERE key_id = $1 AND idem_key = $2`
)

// Querier reads a stored key: a pool or a transaction.
type Querier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// Lookup returns the stored answer of k: ok is false when k is zero or not
// stored; a key stored for another request is ErrKeyReused.
func Lookup[T any](ctx context.Context, q Querier, k Key) (answer T, ok bool, err error) {
	if k.IsZero() {
		return answer, false, nil
	}
	var hash, body []byte
	err = q.QueryRow(ctx, sqlGet, k.keyID, k.key).Scan(&hash, &body)
	if errors.Is(err, pgx.ErrNoRows) {
		return answer, false, nil
	}
	if err != nil {
		return answer, false, fmt.Errorf("idempotency: read key: %w", err)
	}
	if string(hash) != string(k.hash) {
		return answer, false, validate.Refuse(ErrKeyReused, Header, "Idempotency-Key %q was already used with another request", k.key)
	}
	if err := json.Unmarshal(body, &answer); err != nil {
		return answer, false, fmt.Errorf("idempotency: stored answer: %w", err)
	}
	return answer, true, nil
}

// Save stores answer under k in tx, the transaction that creates the
// record it answers (nothing when k is zero). When a request with k
// committed first, Save returns an error that fails that transaction's
// record, and Do answers the stored answer.
func Save(ctx context.Context, tx pgx.Tx, k Key, answer any) error {
	if k.IsZero() {
		return nil
	}
	body, err := json.Marshal(answer)
	if err != nil {
		return fmt.Errorf("idempotency: encode answer: %w", err)
	}
	tag, err := tx.Exec(ctx, sqlPut, k.keyID, k.key, k.hash, body)
	if err != nil {
		return fmt.Errorf("idempotency: store key: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return errTaken
	}
	return nil
}

// Check is for a record decided under the ledger head lock (a
// ledger.Decider): it returns an error, to reject the record with, when k
// is stored already (by a request that committed, or earlier in the same
// group); Do then answers the stored answer, or ErrKeyReused.
func Check(ctx context.Context, q Querier, k Key) error {
	if k.IsZero() {
		return nil
	}
	var one int
	err := q.QueryRow(ctx, sqlTaken, k.keyID, k.key).Scan(&one)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return nil
	case err != nil:
		return fmt.Errorf("idempotency: read key: %w", err)
	}
	return errTaken
}

// SaveChecked is Save for a record whose key Check found free under the
// head lock, in a projection that must not fail (ledger.Decider's
// Project): a key stored meanwhile can only be a plain transaction's
// request under the same key (a client's mistake), which keeps it; the
// record stands and its answer is not stored.
func SaveChecked(ctx context.Context, tx pgx.Tx, k Key, answer any) error {
	if err := Save(ctx, tx, k, answer); err != nil && !errors.Is(err, errTaken) {
		return err
	}
	return nil
}

// Do answers a create request under k: the stored answer when k is stored
// (ErrKeyReused when for another request); otherwise create, which stores
// its answer with Save inside the transaction that creates the record;
// when a concurrent request with k committed first, its stored answer.
func Do[T any](ctx context.Context, q Querier, k Key, create func() (T, error)) (T, error) {
	if a, ok, err := Lookup[T](ctx, q, k); ok || err != nil {
		return a, err
	}
	a, err := create()
	if errors.Is(err, errTaken) {
		var ok bool
		if a, ok, err = Lookup[T](ctx, q, k); err == nil && !ok {
			err = fmt.Errorf("idempotency: key %q: stored answer not found", k.key)
		}
	}
	return a, err
}

// Executor runs a statement: a pool.
type Executor interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

// RunJanitor deletes the keys older than Retention every interval until
// ctx ends.
func RunJanitor(ctx context.Context, db Executor, logger *slog.Logger, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if _, err := db.Exec(ctx, sqlPurge, time.Now().Add(-Retention)); err != nil && ctx.Err() == nil {
			logger.ErrorContext(ctx, "culture: purge idempotency keys", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
