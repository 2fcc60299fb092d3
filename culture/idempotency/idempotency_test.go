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

// TestPending: a Pending key checks its header at once and names its
// request later, with the hash New gives the same endpoint and request.
func TestPending(t *testing.T) {
	type req struct{ A, B string }
	if p, err := NewPending("k1", "", "POST /x"); err != nil || !p.IsZero() {
		t.Fatalf("no header: %+v %v", p, err)
	}
	if k, err := (Pending{}).Key(req{}); err != nil || !k.IsZero() {
		t.Fatalf("zero Pending: %+v %v", k, err)
	}
	if _, err := NewPending("k1", "a b", "POST /x"); !errors.Is(err, ErrKeyInvalid) {
		t.Fatalf("header with a space: %v, want ErrKeyInvalid", err)
	}
	p, err := NewPending("k1", "retry-1", "POST /x")
	if err != nil {
		t.Fatal(err)
	}
	got, _ := p.Key(req{"1", "2"})
	want, _ := New("k1", "retry-1", "POST /x", req{"1", "2"})
	other, _ := p.Key(req{"1", "3"})
	if got.keyID != want.keyID || got.key != want.key || !bytes.Equal(got.hash, want.hash) || bytes.Equal(got.hash, other.hash) {
		t.Fatalf("Pending.Key %+v, New %+v, another request %x", got, want, other.hash)
	}
}
