package ticketing

import (
	"crypto/ed25519"
	"crypto/rand"
	"strings"
	"testing"
	"time"

	"github.com/fxamacker/cbor/v2"
	"github.com/veraison/go-cose"
)

func testKey(t *testing.T, venue string, from time.Time, to *time.Time) (ed25519.PrivateKey, func(string) (TrustedKey, bool)) {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tk := TrustedKey{KID: keyIDHex(pub), VenueID: venue, PublicKey: pub, ValidFrom: from, ValidTo: to}
	return priv, func(kid string) (TrustedKey, bool) { return tk, kid == tk.KID }
}

// TestVerifyRefusals: each way a code can be wrong is refused with its
// result code, and a good code round-trips its claims.
func TestVerifyRefusals(t *testing.T) {
	sold := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	end := sold.Add(48 * time.Hour)
	priv, lookup := testKey(t, "v1", sold.Add(-time.Hour), nil)
	seat := "A1"
	good := Claims{Version: 1, TicketID: "t1", VenueID: "v1", SessionID: "s1", Seat: &seat, NotBefore: sold.Unix(), Expires: end.Unix(), Tariff: "adult", Admissions: 1}
	code, err := Sign(good, priv)
	if err != nil {
		t.Fatal(err)
	}
	if again, _ := Sign(good, priv); again != code {
		t.Fatal("signing is not deterministic")
	}
	c, err := Verify(code, "v1", sold.Add(time.Hour), lookup)
	if err != nil || c.TicketID != "t1" || *c.Seat != "A1" || c.Expires != end.Unix() {
		t.Fatalf("good code: %+v %v", c, err)
	}
	retired := sold.Add(-time.Minute)
	privOld, lookupOld := testKey(t, "v1", sold.Add(-time.Hour), &retired)
	afterRetire, _ := Sign(good, privOld)
	other, _ := Sign(Claims{Version: 1, TicketID: "t2", VenueID: "v2", SessionID: "s", NotBefore: sold.Unix(), Expires: end.Unix(), Tariff: "a", Admissions: 1}, priv)

	// A payload that is not deterministic CBOR (keys out of order), signed properly.
	nonCanon, _ := cbor.Marshal(orderedMap{{9, 1}, {1, 1}, {2, "t1"}, {3, "v1"}, {4, "s1"}, {5, nil}, {6, sold.Unix()}, {7, end.Unix()}, {8, "adult"}})
	signer, _ := cose.NewSigner(cose.AlgorithmEdDSA, priv)
	msg := cose.NewSign1Message()
	msg.Headers.Protected.SetAlgorithm(cose.AlgorithmEdDSA)
	msg.Headers.Protected[cose.HeaderLabelKeyID] = keyID(priv.Public().(ed25519.PublicKey))
	msg.Payload = nonCanon
	msg.Sign(nil, nil, signer)
	b, _ := msg.MarshalCBOR()
	nonDet := codePrefix + base45Encode(b)

	for _, tc := range []struct {
		name, code, venue string
		at                time.Time
		lookup            func(string) (TrustedKey, bool)
		want              string
	}{
		{"no prefix", strings.TrimPrefix(code, codePrefix), "v1", sold, lookup, ResultInvalidCode},
		{"lowercase Base45", strings.ToLower(code), "v1", sold, lookup, ResultInvalidCode},
		{"truncated", code[:len(code)-3], "v1", sold, lookup, ResultInvalidCode},
		{"unknown kid", code, "v1", sold, func(string) (TrustedKey, bool) { return TrustedKey{}, false }, ResultInvalidCode},
		{"not COSE", codePrefix + base45Encode([]byte("hello")), "v1", sold, lookup, ResultInvalidCode},
		{"non-deterministic payload", nonDet, "v1", sold.Add(time.Hour), lookup, ResultInvalidCode},
		{"signed after its key retired", afterRetire, "v1", sold.Add(time.Hour), lookupOld, ResultInvalidCode},
		{"other venue", other, "v1", sold.Add(time.Hour), func(kid string) (TrustedKey, bool) {
			k, ok := lookup(kid)
			k.VenueID = "v2"
			return k, ok
		}, ResultWrongVenue},
		{"before not-before", code, "v1", sold.Add(-time.Second), lookup, ResultNotYetValid},
		{"an hour after the end", code, "v1", end.Add(expiryGrace), lookup, ""},
		{"just over an hour after the end", code, "v1", end.Add(expiryGrace + time.Second), lookup, ResultExpired},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Verify(tc.code, tc.venue, tc.at, tc.lookup)
			if tc.want == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if !IsRefusal(err, tc.want) {
				t.Fatalf("got %v, want %s", err, tc.want)
			}
		})
	}
	// Every single changed character of the Base45 text is refused.
	for i := len(codePrefix); i < len(code); i++ {
		r := base45Alphabet[(strings.IndexByte(base45Alphabet, code[i])+1)%45]
		bad := code[:i] + string(r) + code[i+1:]
		if _, err := Verify(bad, "v1", sold.Add(time.Hour), lookup); !IsRefusal(err, ResultInvalidCode) {
			t.Fatalf("changed character %d: %v", i, err)
		}
	}
}

// orderedMap encodes a CBOR map in the given key order.
type orderedMap []struct {
	k int
	v any
}

func (o orderedMap) MarshalCBOR() ([]byte, error) {
	out := []byte{0xa0 | byte(len(o))}
	for _, kv := range o {
		k, _ := cbor.Marshal(kv.k)
		v, _ := cbor.Marshal(kv.v)
		out = append(append(out, k...), v...)
	}
	return out, nil
}
