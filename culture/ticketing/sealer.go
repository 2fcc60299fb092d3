package ticketing

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// The master key of ECINEMA_TICKET_KEY_FILE seals the venues' private
// signing keys in the database: AES-256-GCM, a random 12-byte nonce before
// the ciphertext, the kid as additional data (a sealed key moved to another
// kid's row does not open). The file holds one line,
// "ecinema-ticket-key:" + base64 of 32 random bytes.

const masterKeyPrefix = "ecinema-ticket-key:"

// Sealer seals and opens venue signing keys with the master key.
type Sealer struct{ aead cipher.AEAD }

// GenerateMasterKey returns the contents of a new ticket key file.
func GenerateMasterKey() (string, error) {
	k := make([]byte, 32)
	if _, err := rand.Read(k); err != nil {
		return "", fmt.Errorf("ticketing: generate master key: %w", err)
	}
	return masterKeyPrefix + base64.StdEncoding.EncodeToString(k) + "\n", nil
}

// NewSealer parses the contents of a ticket key file.
func NewSealer(file string) (*Sealer, error) {
	s, ok := strings.CutPrefix(strings.TrimSpace(file), masterKeyPrefix)
	if !ok {
		return nil, errors.New("ticketing: not a ticket key file (ecinema ticketkey generate FILE writes one)")
	}
	k, err := base64.StdEncoding.DecodeString(s)
	if err != nil || len(k) != 32 {
		return nil, errors.New("ticketing: the ticket key file does not hold 32 bytes of base64")
	}
	block, err := aes.NewCipher(k)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Sealer{aead: aead}, nil
}

// seal encrypts the seed of priv for the row of kid.
func (s *Sealer) seal(kid string, priv ed25519.PrivateKey) ([]byte, error) {
	nonce := make([]byte, s.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	return s.aead.Seal(nonce, nonce, priv.Seed(), []byte(kid)), nil
}

// Open decrypts the sealed key of kid.
func (s *Sealer) Open(kid string, sealed []byte) (ed25519.PrivateKey, error) {
	n := s.aead.NonceSize()
	if len(sealed) < n {
		return nil, errors.New("ticketing: sealed key too short")
	}
	seed, err := s.aead.Open(nil, sealed[:n], sealed[n:], []byte(kid))
	if err != nil {
		return nil, fmt.Errorf("ticketing: open signing key %s: wrong ECINEMA_TICKET_KEY_FILE or damaged row: %w", kid, err)
	}
	return ed25519.NewKeyFromSeed(seed), nil
}
