package ticketing

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"ecinema/culture/idempotency"
	"ecinema/ledger"
)

const (
	sqlTrustList = `SELECT kid, venue_id, public_key, valid_from, valid_to FROM ticketing_keys
WHERE ($1 = '' OR venue_id = $1) ORDER BY venue_id, valid_from, kid`
	sqlCurrentKey = `SELECT k.kid, k.valid_from, s.sealed FROM ticketing_keys k JOIN ticketing_key_secrets s USING (kid)
WHERE k.venue_id = $1 AND k.valid_to IS NULL`
)

// PublicKey is an entry of the public trust list (GET /v1/tickets/keys).
type PublicKey struct {
	KID       string     `json:"kid"`
	VenueID   string     `json:"venue_id"`
	Alg       string     `json:"alg"`
	PublicKey string     `json:"public_key"`
	ValidFrom time.Time  `json:"valid_from"`
	ValidTo   *time.Time `json:"valid_to"`
}

// Trusted converts a trust list entry for Verify.
func (k PublicKey) Trusted() (TrustedKey, error) {
	pub, err := base64.StdEncoding.DecodeString(k.PublicKey)
	if err != nil || len(pub) != ed25519.PublicKeySize {
		return TrustedKey{}, fmt.Errorf("ticketing: key %s: public_key is not 32 bytes of base64", k.KID)
	}
	return TrustedKey{KID: k.KID, VenueID: k.VenueID, PublicKey: pub, ValidFrom: k.ValidFrom, ValidTo: k.ValidTo}, nil
}

// TrustList returns every venue's public keys, current and retired (venueID
// narrows it to one venue): what a gate needs to check codes offline.
func (s *Service) TrustList(ctx context.Context, venueID string) ([]PublicKey, error) {
	rows, err := s.pool.Query(ctx, sqlTrustList, venueID)
	if err != nil {
		return nil, fmt.Errorf("ticketing: trust list: %w", err)
	}
	ks, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (PublicKey, error) {
		var k PublicKey
		var pub []byte
		err := r.Scan(&k.KID, &k.VenueID, &pub, &k.ValidFrom, &k.ValidTo)
		k.Alg, k.PublicKey = "EdDSA", base64.StdEncoding.EncodeToString(pub)
		k.ValidFrom = k.ValidFrom.UTC()
		if k.ValidTo != nil {
			t := k.ValidTo.UTC()
			k.ValidTo = &t
		}
		return k, err
	})
	if err != nil {
		return nil, fmt.Errorf("ticketing: trust list: %w", err)
	}
	return ks, nil
}

// lookupFunc returns a kid lookup over a trust list.
func lookupFunc(ks []PublicKey) func(string) (TrustedKey, bool) {
	m := make(map[string]TrustedKey, len(ks))
	for _, k := range ks {
		if t, err := k.Trusted(); err == nil {
			m[k.KID] = t
		}
	}
	return func(kid string) (TrustedKey, bool) { t, ok := m[kid]; return t, ok }
}

// RotateKey gives a venue a new signing key (a ticketing_key entry). The old
// key stops signing at the new key's valid_from; codes it signed before
// stay valid until they expire. Under an idempotency key (k not zero) a
// repeated request answers the first new key and rotates nothing
// (idempotency.Do); the key is checked and stored under the head lock.
func (s *Service) RotateKey(ctx context.Context, c Caller, venueID string, k idempotency.Key) (PublicKey, error) {
	return idempotency.Do(ctx, s.pool, k, func() (PublicKey, error) { return s.rotateKey(ctx, c, venueID, k) })
}

func (s *Service) rotateKey(ctx context.Context, c Caller, venueID string, k idempotency.Key) (PublicKey, error) {
	if s.cfg.Sealer == nil {
		return PublicKey{}, ErrNoSigningKey
	}
	kb, sealed, err := s.newKey(venueID)
	if err != nil {
		return PublicKey{}, err
	}
	from, _ := time.Parse(time.RFC3339, kb.ValidFrom)
	r := &keyReq{venueID: venueID, body: kb, sealed: sealed, key: k,
		answer: PublicKey{KID: kb.KID, VenueID: venueID, Alg: "EdDSA", PublicKey: kb.PublicKey, ValidFrom: from}}
	if _, err := s.app.Append(ctx, ledger.Record{Kind: KindKey, Actor: c.KeyID, Batch: ledger.Serial, Request: r}); err != nil {
		return PublicKey{}, asRuleError(err)
	}
	s.keyCache.Delete("venue:" + venueID)
	s.trust.Store(nil)
	return r.answer, nil
}

// keyReq is a key rotation on its way through the writer: the key it
// retires is the venue's current one under the head lock.
type keyReq struct {
	venueID string
	body    keyBody
	sealed  []byte
	key     idempotency.Key // checked in Decide, stored with answer in Project
	answer  PublicKey
}

func (r *keyReq) Decide(ctx context.Context, tx pgx.Tx) (ledger.Prepared, error) {
	if err := idempotency.Check(ctx, tx, r.key); err != nil {
		return ledger.Prepared{Err: err}, nil // a copy of this request (or another under its key) came first
	}
	var cur string
	err := tx.QueryRow(ctx, sqlVenueKeyOf, r.venueID).Scan(&cur)
	if errors.Is(err, pgx.ErrNoRows) { // every venue is created with a key
		return ledger.Prepared{Err: newErr(ErrNotFound, "venue %q not found", r.venueID)}, nil
	}
	if err != nil {
		return ledger.Prepared{}, fmt.Errorf("ticketing: current key of %s: %w", r.venueID, err)
	}
	r.body.Retires = cur
	return ledger.Prepared{Body: r.body}, nil
}

func (r *keyReq) Project(ctx context.Context, tx pgx.Tx, e ledger.Entry) error {
	var body keyBody
	if err := decodeEntryBody(e, &body); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, sqlKeySecret, body.KID, r.sealed); err != nil {
		return fmt.Errorf("store sealed key: %w", err)
	}
	if err := applyKey(ctx, tx, e, body); err != nil {
		return err
	}
	return idempotency.SaveChecked(ctx, tx, r.key, r.answer)
}

// signingKey is a venue's current private key, opened once and cached.
type signingKey struct {
	kid       string
	validFrom time.Time
	priv      ed25519.PrivateKey
}

func (s *Service) currentKey(ctx context.Context, venueID string) (signingKey, error) {
	if s.cfg.Sealer == nil {
		return signingKey{}, ErrNoSigningKey
	}
	// The venue's current key is cached; the sales Batcher keeps a code
	// presigned with it only when it is still the current key under the
	// head lock, and signs again otherwise.
	if k, ok := s.keyCache.Load("venue:" + venueID); ok {
		return k.(signingKey), nil
	}
	var k signingKey
	var sealed []byte
	err := s.pool.QueryRow(ctx, sqlCurrentKey, venueID).Scan(&k.kid, &k.validFrom, &sealed)
	if errors.Is(err, pgx.ErrNoRows) {
		return signingKey{}, fmt.Errorf("ticketing: venue %s has no current signing key", venueID)
	}
	if err != nil {
		return signingKey{}, fmt.Errorf("ticketing: read signing key of %s: %w", venueID, err)
	}
	k.priv, err = s.cfg.Sealer.Open(k.kid, sealed)
	if err != nil {
		return signingKey{}, err
	}
	s.keyCache.Store("venue:"+venueID, k)
	return k, nil
}
