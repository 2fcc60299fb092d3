package witness

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/transparency-dev/formats/log"
	tnote "github.com/transparency-dev/formats/note"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// memTree is an RFC 6962 tree in memory (tlog stored hashes).
type memTree struct{ hashes []tlog.Hash }

func (m *memTree) ReadHashes(idx []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(idx))
	for i, x := range idx {
		out[i] = m.hashes[x]
	}
	return out, nil
}

func newTree(t *testing.T, leaves ...string) *memTree {
	m := &memTree{}
	for i, l := range leaves {
		hs, err := tlog.StoredHashes(int64(i), []byte(l), m)
		if err != nil {
			t.Fatal(err)
		}
		m.hashes = append(m.hashes, hs...)
	}
	return m
}

func (m *memTree) root(t *testing.T, n int64) tlog.Hash {
	h, err := tlog.TreeHash(n, m)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func (m *memTree) proof(t *testing.T, from, to int64) [][32]byte {
	p, err := tlog.ProveTree(to, from, m)
	if err != nil {
		t.Fatal(err)
	}
	out := make([][32]byte, len(p))
	for i := range p {
		out[i] = p[i]
	}
	return out
}

const origin = "ecinema.test/ledger"

func leaves(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s-%d", prefix, i)
	}
	return out
}

type logKey struct {
	signer   note.Signer
	verifier note.Verifier
}

func newLogKey(t *testing.T) logKey {
	skey, vkey, err := note.GenerateKey(rand.Reader, origin)
	if err != nil {
		t.Fatal(err)
	}
	s, _ := note.NewSigner(skey)
	v, _ := note.NewVerifier(vkey)
	return logKey{s, v}
}

func (k logKey) checkpoint(t *testing.T, m *memTree, n int64) []byte {
	r := m.root(t, n)
	msg, err := note.Sign(&note.Note{Text: string(log.Checkpoint{Origin: origin, Size: uint64(n), Hash: r[:]}.Marshal())}, k.signer)
	if err != nil {
		t.Fatal(err)
	}
	return msg
}

func post(t *testing.T, url string, body []byte) (int, string, string) {
	t.Helper()
	res, err := http.Post(url+"/add-checkpoint", "text/plain", strings.NewReader(string(body)))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Header.Get("Content-Type"), string(b)
}

// TestWitnessProtocol drives a witness through C2SP tlog-witness over HTTP:
// cosignatures verified with transparency-dev/formats/note, 409 with the
// size, 422 for a fork's proof, 409 for a same-size fork, 403, 404, 400;
// then a restart from its state directory refuses older and inconsistent
// trees as before.
func TestWitnessProtocol(t *testing.T) {
	lk := newLogKey(t)
	skey, vkey, err := GenerateKey("witness.test/tax")
	if err != nil {
		t.Fatal(err)
	}
	if got, err := VerifierKeyOf(skey); err != nil || got != vkey {
		t.Fatalf("VerifierKeyOf = %q, %v; GenerateKey gave %q", got, err, vkey)
	}
	cosigV, err := tnote.NewVerifierForCosignatureV1(vkey)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	open := func() (*Witness, *httptest.Server) {
		w, err := New(Config{SignerKey: skey, Logs: []note.Verifier{lk.verifier}, StateDir: dir})
		if err != nil {
			t.Fatal(err)
		}
		return w, httptest.NewServer(w.Handler(slog.New(slog.NewTextHandler(io.Discard, nil)), nil))
	}
	w, srv := open()

	real := newTree(t, leaves("real", 12)...)
	fork := newTree(t, append(leaves("real", 3), leaves("fork", 12)...)...)

	// First checkpoint, from 0.
	cp5 := lk.checkpoint(t, real, 5)
	status, _, body := post(t, srv.URL, formatRequest(0, nil, cp5))
	if status != 200 {
		t.Fatalf("first: %d %s", status, body)
	}
	n, err := note.Open(append(append([]byte{}, cp5...), body...), note.VerifierList(lk.verifier, cosigV))
	if err != nil || len(n.Sigs) != 2 {
		t.Fatalf("cosigned note does not verify with formats/note: %v (%d sigs)", err, len(n.Sigs))
	}
	ts, err := tnote.CoSigV1Timestamp(n.Sigs[1])
	if err != nil || time.Since(ts) > time.Minute {
		t.Fatalf("cosignature timestamp %v, %v", ts, err)
	}

	// Stale old: 409 with the witness's size.
	cp10 := lk.checkpoint(t, real, 10)
	status, ctype, body := post(t, srv.URL, formatRequest(0, nil, cp10))
	if status != 409 || ctype != "text/x.tlog.size" || body != "5\n" {
		t.Fatalf("stale old: %d %q %q", status, ctype, body)
	}
	// With the right old and proof: cosigned.
	if status, _, body := post(t, srv.URL, formatRequest(5, real.proof(t, 5, 10), cp10)); status != 200 {
		t.Fatalf("5→10: %d %s", status, body)
	}
	// A fork (a restored copy that diverged after 3 entries, signed with the
	// same key): its proof from 10 does not verify against the real root.
	fork12 := lk.checkpoint(t, fork, 12)
	if status, _, body := post(t, srv.URL, formatRequest(10, fork.proof(t, 10, 12), fork12)); status != 422 {
		t.Fatalf("fork 10→12: %d %s", status, body)
	}
	// The fork at the witness's own size: another root, 409.
	if status, _, body := post(t, srv.URL, formatRequest(10, nil, lk.checkpoint(t, fork, 10))); status != 409 || body != "10\n" {
		t.Fatalf("fork at 10: %d %s", status, body)
	}
	// Smaller than old: 400. Unknown origin: 404. Wrong key: 403.
	if status, _, _ := post(t, srv.URL, formatRequest(10, nil, lk.checkpoint(t, real, 8))); status != 400 {
		t.Fatalf("shrink: %d", status)
	}
	other := newLogKey(t)
	if status, _, _ := post(t, srv.URL, formatRequest(10, real.proof(t, 10, 11), other.checkpoint(t, real, 11))); status != 403 {
		t.Fatalf("wrong log key: %d", status)
	}
	bad := []byte(strings.Replace(string(cp10), origin, "other.example/log", 1))
	if status, _, _ := post(t, srv.URL, formatRequest(10, nil, bad)); status != 404 {
		t.Fatalf("unknown origin: %d", status)
	}
	if status, _, _ := post(t, srv.URL, []byte("old x\n\n"+string(cp10))); status != 400 {
		t.Fatalf("malformed: %d", status)
	}

	// A second process may not share the state directory.
	if _, err := New(Config{SignerKey: skey, Logs: []note.Verifier{lk.verifier}, StateDir: dir}); err == nil {
		t.Fatal("a second witness opened the same state directory")
	}

	// Restart from the state: it remembers 10 and refuses what it refused.
	srv.Close()
	w.Close()
	w, srv = open()
	defer func() { srv.Close(); w.Close() }()
	if w.size(origin) != 10 {
		t.Fatalf("restarted witness holds %d", w.size(origin))
	}
	if status, _, body := post(t, srv.URL, formatRequest(10, fork.proof(t, 10, 12), fork12)); status != 422 {
		t.Fatalf("fork after restart: %d %s", status, body)
	}
	if status, _, _ := post(t, srv.URL, formatRequest(5, real.proof(t, 5, 8), lk.checkpoint(t, real, 8))); status != 409 {
		t.Fatalf("older tree after restart: %d", status)
	}
	// The client learns the size from a 409 and sends the proof from it.
	c := &Client{URL: srv.URL, Verifier: cosigV}
	cp12 := lk.checkpoint(t, real, 12)
	line, err := c.Cosign(context.Background(), cp12, 12, func(_ context.Context, from int64) ([][32]byte, error) {
		return real.proof(t, from, 12), nil
	})
	if err != nil || !strings.HasPrefix(string(line), "— witness.test/tax ") {
		t.Fatalf("client: %q %v", line, err)
	}
	// The client of a fork gets no cosignature.
	fc := &Client{URL: srv.URL, Verifier: cosigV}
	if _, err := fc.Cosign(context.Background(), lk.checkpoint(t, fork, 14), 14, func(_ context.Context, from int64) ([][32]byte, error) {
		return fork.proof(t, from, 14), nil
	}); err == nil {
		t.Fatal("the fork was cosigned")
	}
}
