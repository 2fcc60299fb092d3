package ledger

import (
	"context"
)

// The export_test.go idiom (that file name holds the export tests here): names
// the package's external tests need and nothing else outside the package does.

// SignCheckpoint lets a test forge a checkpoint signed by another key.
var SignCheckpoint = signCheckpoint

// TreeHash is treeHash, for the proof and tamper tests.
func (r *Reader) TreeHash(ctx context.Context, size int64) ([32]byte, error) {
	return r.treeHash(ctx, size)
}
