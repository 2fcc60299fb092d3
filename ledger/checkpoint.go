package ledger

import (
	"crypto/rand"
	"errors"
	"fmt"
	"strings"

	"github.com/transparency-dev/formats/log"
	"golang.org/x/mod/sumdb/note"
)

// DefaultOrigin is the checkpoint origin line of the main log when
// ECINEMA_LOG_ORIGIN is not set. By convention the signing key carries the
// same name.
const DefaultOrigin = "ecinema.kz/ledger/main"

// errBadSignature reports a checkpoint whose note signature does not verify
// with the given public key, or whose body is not a checkpoint of the
// expected origin.
var errBadSignature = errors.New("ledger: checkpoint signature or origin invalid")

// GenerateKey returns a new Ed25519 note signer key and its verifier key,
// both named name (use the log origin).
func GenerateKey(name string) (signerKey, verifierKey string, err error) {
	skey, vkey, err := note.GenerateKey(rand.Reader, name)
	if err != nil {
		return "", "", fmt.Errorf("ledger: generate key: %w", err)
	}
	return skey, vkey, nil
}

// NewSigner parses a note signer key (as written by GenerateKey; surrounding
// white space is ignored).
func NewSigner(signerKey string) (note.Signer, error) {
	s, err := note.NewSigner(strings.TrimSpace(signerKey))
	if err != nil {
		return nil, fmt.Errorf("ledger: signer key: %w", err)
	}
	return s, nil
}

// NewVerifier parses a note verifier key.
func NewVerifier(verifierKey string) (note.Verifier, error) {
	v, err := note.NewVerifier(strings.TrimSpace(verifierKey))
	if err != nil {
		return nil, fmt.Errorf("ledger: verifier key: %w", err)
	}
	return v, nil
}

// signCheckpoint returns the signed note of a C2SP tlog-checkpoint:
//
//	<origin>\n<size>\n<base64 root>\n\n— <key name> <base64 signature>\n
func signCheckpoint(origin string, size int64, root [32]byte, s note.Signer) ([]byte, error) {
	body := log.Checkpoint{Origin: origin, Size: uint64(size), Hash: root[:]}.Marshal()
	msg, err := note.Sign(&note.Note{Text: string(body)}, s)
	if err != nil {
		return nil, fmt.Errorf("ledger: sign checkpoint: %w", err)
	}
	return msg, nil
}

// OpenCheckpoint checks a signed checkpoint note with v and returns its
// size and root. origin "" accepts the origin line the checkpoint carries
// (the key is the trust anchor); otherwise it must equal origin.
func OpenCheckpoint(msg []byte, origin string, v note.Verifier) (size int64, root [32]byte, err error) {
	if origin == "" {
		origin, _, _ = strings.Cut(string(msg), "\n")
	}
	cp, _, _, err := log.ParseCheckpoint(msg, origin, v)
	if err != nil {
		return 0, root, fmt.Errorf("%w: %v", errBadSignature, err)
	}
	if len(cp.Hash) != 32 || cp.Size > 1<<62 {
		return 0, root, fmt.Errorf("%w: root hash of %d bytes", errBadSignature, len(cp.Hash))
	}
	copy(root[:], cp.Hash)
	return int64(cp.Size), root, nil
}
