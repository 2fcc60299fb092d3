package ticketing

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/fxamacker/cbor/v2"
	"github.com/veraison/go-cose"
)

// codePrefix starts every ticket code: the format's name and version.
const codePrefix = "KZT1:"

// expiryGrace is how long after a code's expiry (the session's end) a gate
// still admits it.
const expiryGrace = time.Hour

// Claims is the payload of a ticket code: a CBOR map with integer keys
// 1..9, deterministically encoded (RFC 8949 section 4.2).
type Claims struct {
	Version    int     `cbor:"1,keyasint"`
	TicketID   string  `cbor:"2,keyasint"`
	VenueID    string  `cbor:"3,keyasint"`
	SessionID  string  `cbor:"4,keyasint"`
	Seat       *string `cbor:"5,keyasint"` // null for unseated tickets
	NotBefore  int64   `cbor:"6,keyasint"` // the sale time, unix seconds
	Expires    int64   `cbor:"7,keyasint"` // the session's end, unix seconds
	Tariff     string  `cbor:"8,keyasint"`
	Admissions int     `cbor:"9,keyasint"`
}

var (
	cborEnc = func() cbor.EncMode {
		m, err := cbor.CoreDetEncOptions().EncMode()
		if err != nil {
			panic(err)
		}
		return m
	}()
	cborDec = func() cbor.DecMode {
		m, err := cbor.DecOptions{
			DupMapKey:         cbor.DupMapKeyEnforcedAPF,
			IndefLength:       cbor.IndefLengthForbidden,
			TagsMd:            cbor.TagsForbidden,
			ExtraReturnErrors: cbor.ExtraDecErrorUnknownField,
		}.DecMode()
		if err != nil {
			panic(err)
		}
		return m
	}()
)

// keyID is the kid of an Ed25519 public key: the first 8 bytes of SHA-256
// of the raw 32-byte key (lowercase hex wherever JSON shows it).
func keyID(pub ed25519.PublicKey) []byte {
	h := sha256.Sum256(pub)
	return h[:8]
}

// keyIDHex is keyID in lowercase hex.
func keyIDHex(pub ed25519.PublicKey) string { return hex.EncodeToString(keyID(pub)) }

// Sign returns the ticket code of c signed with priv: "KZT1:" + Base45 of
// a tagged COSE_Sign1 (CBOR tag 18) whose protected header holds alg EdDSA
// (-8) and the kid, with no external data. Ed25519 is deterministic, so
// the same claims and key always give the same code.
func Sign(c Claims, priv ed25519.PrivateKey) (string, error) {
	payload, err := cborEnc.Marshal(c)
	if err != nil {
		return "", fmt.Errorf("ticketing: encode claims: %w", err)
	}
	signer, err := cose.NewSigner(cose.AlgorithmEdDSA, priv)
	if err != nil {
		return "", fmt.Errorf("ticketing: signer: %w", err)
	}
	msg := cose.NewSign1Message()
	msg.Headers.Protected.SetAlgorithm(cose.AlgorithmEdDSA)
	msg.Headers.Protected[cose.HeaderLabelKeyID] = keyID(priv.Public().(ed25519.PublicKey))
	msg.Payload = payload
	if err := msg.Sign(nil, nil, signer); err != nil {
		return "", fmt.Errorf("ticketing: sign: %w", err)
	}
	b, err := msg.MarshalCBOR()
	if err != nil {
		return "", fmt.Errorf("ticketing: encode COSE_Sign1: %w", err)
	}
	return codePrefix + base45Encode(b), nil
}

// TrustedKey is a public key of the trust list with its signing window.
type TrustedKey struct {
	KID       string // lowercase hex
	VenueID   string
	PublicKey ed25519.PublicKey
	ValidFrom time.Time
	ValidTo   *time.Time // nil: the venue's current key
}

// Verify checks a code without any server: the prefix, Base45, the tagged
// COSE_Sign1, a known kid (lookup), the EdDSA signature, the payload, that
// the key was in force at the code's not-before, then the venue and
// the time window at scannedAt (not before 6, not after 7 + expiryGrace).
// It returns the claims, or a *Refusal with the result code; the claims
// are returned with a wrong_venue, not_yet_valid or expired refusal.
func Verify(code, venueID string, scannedAt time.Time, lookup func(kid string) (TrustedKey, bool)) (Claims, error) {
	c, err := decode(code, lookup)
	if err != nil {
		return c, err
	}
	switch {
	case c.VenueID != venueID:
		return c, refuse(ResultWrongVenue, c.TicketID, "ticket %q is for venue %q, not %q", c.TicketID, c.VenueID, venueID)
	case scannedAt.Unix() < c.NotBefore:
		return c, refuse(ResultNotYetValid, c.TicketID, "ticket %q is valid from %s", c.TicketID, time.Unix(c.NotBefore, 0).UTC().Format(time.RFC3339))
	case scannedAt.After(time.Unix(c.Expires, 0).Add(expiryGrace)):
		return c, refuse(ResultExpired, c.TicketID, "ticket %q expired at %s", c.TicketID, time.Unix(c.Expires, 0).UTC().Format(time.RFC3339))
	}
	return c, nil
}

// decode checks a code's format and signature and returns its claims (the
// first half of Verify, without the venue and time checks).
func decode(code string, lookup func(kid string) (TrustedKey, bool)) (Claims, error) {
	bad := func(format string, args ...any) (Claims, error) {
		return Claims{}, refuse(ResultInvalidCode, "", "invalid code: "+format, args...)
	}
	rest, ok := strings.CutPrefix(code, codePrefix)
	if !ok {
		return bad("it does not start with %s", codePrefix)
	}
	raw, err := base45Decode(rest)
	if err != nil {
		return bad("%v", err)
	}
	var msg cose.Sign1Message
	if err := msg.UnmarshalCBOR(raw); err != nil {
		return bad("not a tagged COSE_Sign1: %v", err)
	}
	alg, err := msg.Headers.Protected.Algorithm()
	if err != nil || alg != cose.AlgorithmEdDSA {
		return bad("the protected header's alg is not EdDSA")
	}
	kidBytes, ok := msg.Headers.Protected[cose.HeaderLabelKeyID].([]byte)
	if !ok || len(kidBytes) != 8 {
		return bad("the protected header has no 8-byte kid")
	}
	kid := hex.EncodeToString(kidBytes)
	key, ok := lookup(kid)
	if !ok {
		return bad("unknown key id %s", kid)
	}
	verifier, err := cose.NewVerifier(cose.AlgorithmEdDSA, key.PublicKey)
	if err != nil {
		return bad("key %s: %v", kid, err)
	}
	if err := msg.Verify(nil, verifier); err != nil {
		return bad("the signature does not verify with key %s", kid)
	}
	var c Claims
	if err := cborDec.Unmarshal(msg.Payload, &c); err != nil {
		return bad("payload: %v", err)
	}
	if again, err := cborEnc.Marshal(c); err != nil || !bytes.Equal(again, msg.Payload) {
		return bad("payload is not deterministic CBOR with keys 1..9")
	}
	if c.Version != 1 || c.TicketID == "" || c.VenueID == "" || c.Admissions < 1 {
		return bad("payload version, ticket, venue or admissions missing")
	}
	if c.VenueID != key.VenueID {
		return bad("key %s is not a key of venue %q", kid, c.VenueID)
	}
	nbf := time.Unix(c.NotBefore, 0)
	if nbf.Before(key.ValidFrom) || (key.ValidTo != nil && nbf.After(*key.ValidTo)) {
		return Claims{}, refuse(ResultInvalidCode, c.TicketID,
			"invalid code: ticket %q was signed with key %s outside the key's validity", c.TicketID, kid)
	}
	return c, nil
}

// IsRefusal reports whether err is a scan refusal with the given result.
func IsRefusal(err error, result string) bool {
	var r *Refusal
	return errors.As(err, &r) && r.Result == result
}
