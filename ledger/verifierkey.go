package ledger

import (
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"strings"

	"golang.org/x/mod/sumdb/note"
)

// VerifierFromSigner derives the public verifier key of a note signer key
// ("PRIVATE+KEY+<name>+<hash>+<base64(0x01 || Ed25519 seed)>"), so that the
// server can publish its public key from the one file it holds.
func VerifierFromSigner(signerKey string) (string, error) {
	parts := strings.SplitN(strings.TrimSpace(signerKey), "+", 5)
	if len(parts) != 5 || parts[0] != "PRIVATE" || parts[1] != "KEY" {
		return "", errors.New("ledger: malformed signer key")
	}
	raw, err := base64.StdEncoding.DecodeString(parts[4])
	if err != nil || len(raw) != 1+ed25519.SeedSize || raw[0] != 1 {
		return "", errors.New("ledger: signer key is not an Ed25519 note key")
	}
	pub := ed25519.NewKeyFromSeed(raw[1:]).Public().(ed25519.PublicKey)
	vkey, err := note.NewEd25519VerifierKey(parts[2], pub)
	if err != nil {
		return "", err
	}
	if _, err := NewSigner(signerKey); err != nil {
		return "", err
	}
	return vkey, nil
}
