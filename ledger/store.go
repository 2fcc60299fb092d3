package ledger

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"golang.org/x/mod/sumdb/tlog"
)

const sqlReadHashRows = `SELECT seq, leaf_hash, tree_hashes FROM ledger_entries WHERE log_id = $1 AND seq = ANY($2)`

// querier is what both a pool and a transaction offer.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// dbHashReader is a tlog.HashReader over the tree hashes stored in the
// entry rows (see migrations/0002_ledger.sql for the layout).
type dbHashReader struct {
	ctx   context.Context
	q     querier
	logID string
}

// ReadHashes implements tlog.HashReader with one query.
func (r *dbHashReader) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	seqs := make([]int64, len(indexes))
	for i, idx := range indexes {
		seqs[i], _ = storedIndexRow(idx)
	}
	rows, err := r.q.Query(r.ctx, sqlReadHashRows, r.logID, seqs)
	if err != nil {
		return nil, fmt.Errorf("ledger: read tree hashes: %w", err)
	}
	type row struct{ leaf, tree []byte }
	got := make(map[int64]row, len(seqs))
	for rows.Next() {
		var seq int64
		var rw row
		if err := rows.Scan(&seq, &rw.leaf, &rw.tree); err != nil {
			rows.Close()
			return nil, fmt.Errorf("ledger: read tree hashes: %w", err)
		}
		got[seq] = rw
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("ledger: read tree hashes: %w", err)
	}
	out := make([]tlog.Hash, len(indexes))
	for i, idx := range indexes {
		seq, level := storedIndexRow(idx)
		rw, ok := got[seq]
		if !ok {
			return nil, fmt.Errorf("%w: entry %d is missing", errCorrupt, seq)
		}
		var b []byte
		if level == 0 {
			b = rw.leaf
		} else if len(rw.tree) >= 32*level {
			b = rw.tree[32*(level-1) : 32*level]
		}
		if len(b) != 32 {
			return nil, fmt.Errorf("%w: entry %d lacks its level-%d tree hash", errCorrupt, seq, level)
		}
		copy(out[i][:], b)
	}
	return out, nil
}
