package idempotency

import (
	"bytes"
	"errors"
	"testing"
)

// TestNew: no header is the zero Key; a malformed one is ErrKeyInvalid; the
// hash covers the endpoint and the request, not the API key's id, which
// scopes the key.
func TestNew(t *testing.T) {
	type req struct{ A, B string }
	if k, err := New("k1", "", "POST /x", req{}); err != nil || !k.IsZero() {
		t.Fatalf("no header: %+v %v", k, err)
	}
	for _, bad := range []string{"a b", "ключ", string(bytes.Repeat([]byte("a"), 256)), "a\tb"} {
		if _, err := New("k1", bad, "POST /x", req{}); !errors.Is(err, ErrKeyInvalid) {
			t.Errorf("header %q: %v, want ErrKeyInvalid", bad, err)
		}
	}
	a, _ := New("k1", "retry-1", "POST /x", req{"1", "2"})
	b, _ := New("k2", "retry-1", "POST /x", req{"1", "2"})
	c, _ := New("k1", "retry-1", "POST /y", req{"1", "2"})
	d, _ := New("k1", "retry-1", "POST /x", req{"1", "3"})
	if !bytes.Equal(a.hash, b.hash) || a.keyID == b.keyID || bytes.Equal(a.hash, c.hash) || bytes.Equal(a.hash, d.hash) {
		t.Fatalf("hashes: same request %x %x, other path %x, other body %x", a.hash, b.hash, c.hash, d.hash)
	}
}
