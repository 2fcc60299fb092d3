package ledger

import (
	"context"
	"errors"
	"fmt"

	"golang.org/x/mod/sumdb/tlog"
)

// ErrBadRange reports proof or export bounds outside the committed tree
// (for example seq >= size, size > the current tree size, from > to).
var ErrBadRange = errors.New("ledger: range outside the tree")

// InclusionProof returns the RFC 6962 audit path proving that entry seq is
// in the tree of the given size (0 <= seq < size <= current size), in the
// order of RFC 6962 section 2.1.1 (leaf to root), as tlog.ProveRecord.
func (r *Reader) InclusionProof(ctx context.Context, seq, size int64) ([][32]byte, error) {
	h, err := r.head(ctx)
	if err != nil {
		return nil, err
	}
	if seq < 0 || size <= seq || size > h.Size {
		return nil, fmt.Errorf("%w: inclusion of seq %d in size %d (tree size %d)", ErrBadRange, seq, size, h.Size)
	}
	p, err := tlog.ProveRecord(size, seq, &dbHashReader{ctx: ctx, q: r.pool, logID: r.logID})
	if err != nil {
		return nil, fmt.Errorf("ledger: inclusion proof %d/%d: %w", seq, size, err)
	}
	return hashes32(p), nil
}

// ConsistencyProof returns the RFC 6962 consistency proof between the trees
// of sizes from and to (1 <= from <= to <= current size), as tlog.ProveTree.
// It is empty when from == to.
func (r *Reader) ConsistencyProof(ctx context.Context, from, to int64) ([][32]byte, error) {
	h, err := r.head(ctx)
	if err != nil {
		return nil, err
	}
	if from < 1 || to < from || to > h.Size {
		return nil, fmt.Errorf("%w: consistency from %d to %d (tree size %d)", ErrBadRange, from, to, h.Size)
	}
	p, err := tlog.ProveTree(to, from, &dbHashReader{ctx: ctx, q: r.pool, logID: r.logID})
	if err != nil {
		return nil, fmt.Errorf("ledger: consistency proof %d..%d: %w", from, to, err)
	}
	return hashes32(p), nil
}

// treeHash returns the root hash of the tree of the given size
// (0 <= size <= current size), computed from the stored hashes.
func (r *Reader) treeHash(ctx context.Context, size int64) ([32]byte, error) {
	h, err := r.head(ctx)
	if err != nil {
		return [32]byte{}, err
	}
	if size < 0 || size > h.Size {
		return [32]byte{}, fmt.Errorf("%w: size %d (tree size %d)", ErrBadRange, size, h.Size)
	}
	th, err := tlog.TreeHash(size, &dbHashReader{ctx: ctx, q: r.pool, logID: r.logID})
	if err != nil {
		return [32]byte{}, fmt.Errorf("ledger: tree hash %d: %w", size, err)
	}
	return th, nil
}

func hashes32(hs []tlog.Hash) [][32]byte {
	out := make([][32]byte, len(hs))
	for i, h := range hs {
		out[i] = h
	}
	return out
}
