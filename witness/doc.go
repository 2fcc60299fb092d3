// Package witness is a transparency-log witness and its client: it speaks
// C2SP tlog-witness (POST /add-checkpoint) and signs C2SP tlog-cosignature
// (cosignature/v1, Ed25519 with a timestamp), so that this witness can
// witness any C2SP log and the ecosystem's witnesses can witness ecinema's.
//
// Invariants:
//
//   - A witness cosigns a checkpoint of a log only when the log's signature
//     verifies with a key it was configured with (the key's name is the
//     origin) and the checkpoint is consistent with the latest checkpoint
//     it cosigned for that origin: old must equal the size it holds (409
//     text/x.tlog.size with its size otherwise), the size may not shrink
//     (400), a same-size checkpoint must carry the same root (409), and the
//     RFC 6962 consistency proof from its root to the new one must verify
//     (422). So two different trees of one log can never both be cosigned
//     by one witness, and two can never both gather a quorum that shares an
//     honest witness.
//   - State is durable before a cosignature leaves: each log's latest
//     cosigned checkpoint is written to a file in the state directory
//     (temporary file, fsync, rename, fsync of the directory) while the
//     check-and-update lock is held. A restarted witness reads it back and
//     refuses older or inconsistent trees as before. A lock file keeps a
//     second process off the same directory.
//   - Keys: the witness signs with an ordinary note signer key (Ed25519,
//     algorithm 0x01, as ecinema witness keygen writes it); its verifier
//     key is published in the cosignature/v1 form (algorithm 0x04), which
//     transparency-dev/formats/note verifies.
package witness
