package library

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/bcrypt"

	"ecinema/validate"
)

// errBadCredentials is an unknown card number or a wrong password.
var errBadCredentials = errors.New("unknown card number or wrong password")

// Reader is a library card holder.
type Reader struct {
	CardNumber string `json:"card_number"`
	Name       string `json:"name"`
}

// NewReader is a created card with its password, shown once.
type NewReader struct {
	CardNumber string `json:"card_number"`
	Name       string `json:"name"`
	Password   string `json:"password"`
}

const (
	insertReader = `INSERT INTO library_readers (card_number, name, password_hash) VALUES ($1, $2, $3)`
	selectReader = `SELECT name, password_hash FROM library_readers WHERE card_number = $1`
)

// passwordAlphabet avoids look-alike characters (0/o, 1/l/i).
const passwordAlphabet = "abcdefghjkmnpqrstuvwxyz23456789"

// CreateReader issues a card: a 12-digit card number and a 16-character
// password, stored only as a bcrypt hash.
func (s *Service) CreateReader(ctx context.Context, name string) (NewReader, error) {
	var v validate.Errors
	name = strings.TrimSpace(name)
	if v.Required("name", name) && len(name) > 200 {
		v.Add("name", "invalid", "a name is 1..200 characters")
	}
	if err := v.Err(); err != nil {
		return NewReader{}, err
	}
	pw, err := randomString(passwordAlphabet, 16)
	if err != nil {
		return NewReader{}, err
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(pw), s.cfg.PasswordCost)
	if err != nil {
		return NewReader{}, fmt.Errorf("library: hash password: %w", err)
	}
	for range 5 {
		card, err := randomString("0123456789", 11)
		if err != nil {
			return NewReader{}, err
		}
		card = "7" + card // cards start with 7, so none has a leading zero
		_, err = s.pool.Exec(ctx, insertReader, card, name, string(hash))
		if err == nil {
			return NewReader{CardNumber: card, Name: name, Password: pw}, nil
		}
		if !strings.Contains(err.Error(), "library_readers_pkey") {
			return NewReader{}, fmt.Errorf("library: create reader: %w", err)
		}
	}
	return NewReader{}, errors.New("library: could not find a free card number")
}

// authCache remembers recent successful sign-ins so that a reading app
// sending HTTP Basic with every request does not pay a bcrypt each time.
// Keys are SHA-256 of card and password; entries live five minutes.
type authCache struct {
	mu sync.Mutex
	m  map[[32]byte]authHit
}

type authHit struct {
	reader Reader
	until  time.Time
}

// Authenticate checks a card number and password.
func (s *Service) Authenticate(ctx context.Context, card, password string) (Reader, error) {
	key := sha256.Sum256([]byte(card + "\x00" + password))
	now := time.Now()
	cache := &s.auth
	cache.mu.Lock()
	hit, ok := cache.m[key]
	cache.mu.Unlock()
	if ok && now.Before(hit.until) {
		return hit.reader, nil
	}
	var name, hash string
	err := s.pool.QueryRow(ctx, selectReader, card).Scan(&name, &hash)
	if err != nil {
		// Spend the same time as a wrong password, so card numbers cannot be probed by timing.
		s.dummyOnce.Do(func() { s.dummyHash, _ = bcrypt.GenerateFromPassword([]byte("not a password"), s.cfg.PasswordCost) })
		bcrypt.CompareHashAndPassword(s.dummyHash, []byte(password))
		return Reader{}, errBadCredentials
	}
	if bcrypt.CompareHashAndPassword([]byte(hash), []byte(password)) != nil {
		return Reader{}, errBadCredentials
	}
	r := Reader{CardNumber: card, Name: name}
	cache.mu.Lock()
	if cache.m == nil || len(cache.m) > 10000 {
		cache.m = map[[32]byte]authHit{}
	}
	cache.m[key] = authHit{reader: r, until: now.Add(5 * time.Minute)}
	cache.mu.Unlock()
	return r, nil
}

func randomString(alphabet string, n int) (string, error) {
	b := make([]byte, n)
	max := big.NewInt(int64(len(alphabet)))
	for i := range b {
		k, err := rand.Int(rand.Reader, max)
		if err != nil {
			return "", fmt.Errorf("library: random: %w", err)
		}
		b[i] = alphabet[k.Int64()]
	}
	return string(b), nil
}
