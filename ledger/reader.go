package ledger

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

const (
	sqlEntryBySeq = `SELECT seq, leaf_hash, bytes, kind, actor, at FROM ledger_entries WHERE log_id = $1 AND seq = $2`
	sqlHead       = `SELECT size, root_hash FROM ledger_heads WHERE log_id = $1`
)

// ErrNotFound reports an entry, checkpoint or log that does not exist.
var ErrNotFound = errors.New("ledger: not found")

// Reader reads one log. It needs only SELECT.
type Reader struct {
	pool  *pgxpool.Pool
	logID string
}

// NewReader returns a reader of log logID ("" for DefaultLogID).
func NewReader(pool *pgxpool.Pool, logID string) *Reader {
	if logID == "" {
		logID = DefaultLogID
	}
	return &Reader{pool: pool, logID: logID}
}

// Head is the committed state of a log.
type Head struct {
	Size int64
	Root [32]byte
}

// head returns the number of committed entries and the current root hash.
func (r *Reader) head(ctx context.Context) (Head, error) {
	return ReadHead(ctx, r.pool, r.logID)
}

// ReadHead is Head through q, a pool or a transaction, so that a package
// reading in its own snapshot (settlement's statements and closes) names the
// tree it read without querying the ledger's tables. A log without a head
// row (nothing ever appended) is ErrNotFound.
func ReadHead(ctx context.Context, q interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}, logID string) (Head, error) {
	var h Head
	var root []byte
	err := q.QueryRow(ctx, sqlHead, logID).Scan(&h.Size, &root)
	if errors.Is(err, pgx.ErrNoRows) {
		return h, fmt.Errorf("ledger: log %q: %w", logID, ErrNotFound)
	}
	if err != nil {
		return h, fmt.Errorf("ledger: read head: %w", err)
	}
	copy(h.Root[:], root)
	return h, nil
}

// Entry returns the entry at seq. Prev is taken from the stored bytes'
// chain position: it is the leaf hash of seq-1 as recorded in the bytes.
func (r *Reader) Entry(ctx context.Context, seq int64) (Entry, error) {
	var e Entry
	var leaf []byte
	err := r.pool.QueryRow(ctx, sqlEntryBySeq, r.logID, seq).Scan(&e.Seq, &leaf, &e.Bytes, &e.Kind, &e.Actor, &e.At)
	if errors.Is(err, pgx.ErrNoRows) {
		return Entry{}, fmt.Errorf("ledger: entry %d: %w", seq, ErrNotFound)
	}
	if err != nil {
		return Entry{}, fmt.Errorf("ledger: read entry %d: %w", seq, err)
	}
	e.complete(leaf)
	return e, nil
}

// complete finishes an entry scanned from a row: the leaf hash from its
// column, At in UTC, and Prev from the stored bytes' chain position.
func (e *Entry) complete(leaf []byte) {
	copy(e.LeafHash[:], leaf)
	e.At = e.At.UTC()
	if p, err := ParseEntry(e.Bytes); err == nil {
		e.Prev, _ = parseHex32(p.Prev)
	}
}

func parseHex32(s string) ([32]byte, error) {
	var h [32]byte
	if len(s) != 64 {
		return h, fmt.Errorf("hash %q is not 64 hex digits", s)
	}
	for i := 0; i < 32; i++ {
		hi, ok1 := unhex(s[2*i])
		lo, ok2 := unhex(s[2*i+1])
		if !ok1 || !ok2 {
			return h, fmt.Errorf("hash %q is not lowercase hex", s)
		}
		h[i] = hi<<4 | lo
	}
	return h, nil
}

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	}
	return 0, false
}
