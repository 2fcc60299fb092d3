package ledger

import (
	"fmt"
	"math/bits"

	"golang.org/x/mod/sumdb/tlog"
)

// frontier is the right edge of an RFC 6962 tree: the roots of the perfect
// subtrees that make up a tree of size leaves, largest (leftmost) first. It
// is all an appender needs to compute the stored hashes of the next leaf and
// the root, without reading the database.
type frontier struct {
	size  int64
	last  tlog.Hash   // leaf hash of leaf size-1, zero when empty
	nodes []tlog.Hash // len(nodes) == popcount(size)
}

func (f *frontier) clone() *frontier {
	c := *f
	c.nodes = append([]tlog.Hash(nil), f.nodes...)
	return &c
}

// append adds a leaf and returns the stored hashes it creates in tlog's
// layout: the leaf hash, then the hashes of levels 1..m where m is the number
// of trailing one bits of the leaf's index. It matches tlog.StoredHashes.
func (f *frontier) append(leaf tlog.Hash) []tlog.Hash {
	m := bits.TrailingZeros64(^uint64(f.size))
	return f.appendTo(make([]tlog.Hash, 0, 1+m), leaf)
}

// appendTo is append writing the stored hashes into stored[:0] (reused
// by the verifier: no allocation a leaf).
func (f *frontier) appendTo(stored []tlog.Hash, leaf tlog.Hash) []tlog.Hash {
	m := bits.TrailingZeros64(^uint64(f.size))
	stored = append(stored[:0], leaf)
	h := leaf
	for i := 0; i < m; i++ {
		left := f.nodes[len(f.nodes)-1]
		f.nodes = f.nodes[:len(f.nodes)-1]
		h = tlog.NodeHash(left, h)
		stored = append(stored, h)
	}
	f.nodes = append(f.nodes, h)
	f.size++
	f.last = leaf
	return stored
}

// root returns the RFC 6962 root hash (SHA-256 of "" for the empty tree, as
// tlog.TreeHash).
func (f *frontier) root() tlog.Hash {
	if len(f.nodes) == 0 {
		return emptyRoot
	}
	h := f.nodes[len(f.nodes)-1]
	for i := len(f.nodes) - 2; i >= 0; i-- {
		h = tlog.NodeHash(f.nodes[i], h)
	}
	return h
}

var emptyRoot, _ = tlog.TreeHash(0, nil)

// frontierIndexes returns the tlog stored-hash indexes of the subtree roots
// that make up a tree of the given size, largest first.
func frontierIndexes(size int64) []int64 {
	var idx []int64
	var start int64
	for level := 62; level >= 0; level-- {
		if size&(1<<level) != 0 {
			idx = append(idx, tlog.StoredHashIndex(level, start>>level))
			start += 1 << level
		}
	}
	return idx
}

// loadFrontier reads the frontier of a tree of the given size through r.
func loadFrontier(size int64, r tlog.HashReader) (*frontier, error) {
	f := &frontier{size: size}
	if size == 0 {
		return f, nil
	}
	idx := frontierIndexes(size)
	idx = append(idx, tlog.StoredHashIndex(0, size-1))
	hs, err := r.ReadHashes(idx)
	if err != nil {
		return nil, err
	}
	if len(hs) != len(idx) {
		return nil, fmt.Errorf("ledger: read %d hashes, want %d", len(hs), len(idx))
	}
	f.nodes = hs[:len(hs)-1]
	f.last = hs[len(hs)-1]
	return f, nil
}

// storedIndexRow maps a tlog stored-hash index to the seq of the entry row
// that holds it and the level of the hash within that row.
func storedIndexRow(index int64) (seq int64, level int) {
	level, n := tlog.SplitStoredHashIndex(index)
	return ((n + 1) << level) - 1, level
}
