// Package ledger is ecinema's tamper-evident, append-only log: entries
// stored as exact bytes, chained by hash, with an RFC 6962 Merkle tree over
// them, signed checkpoints, proofs and verification.
//
// The full format specification for auditors is below (work in progress;
// see the entry format in EncodeEntry).
//
// Invariants:
//   - Every append goes through one Writer per log, which locks the log's
//     head row FOR UPDATE in the same transaction that inserts the entries,
//     their projections (Record.Project) and the tree hashes.
//   - seq starts at 0 and has no gaps; prev is the leaf hash of seq-1.
//   - leaf_hash = SHA-256(0x00 || bytes); the hash is computed in Go only.
package ledger
