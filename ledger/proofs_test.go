package ledger_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/transparency-dev/formats/log"
	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
	"golang.org/x/mod/sumdb/note"

	"ecinema/ledger"
)

// appendN appends n records concurrently and returns the leaf hashes by seq.
func appendN(t testing.TB, w *ledger.Writer, n int) [][32]byte {
	t.Helper()
	leaves := make([][32]byte, n)
	var mu sync.Mutex
	seen := map[int64]bool{}
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			e, err := w.Append(context.Background(), ledger.Record{Kind: "sale", Actor: "system", Body: map[string]int{"i": i}})
			if err != nil {
				errs <- err
				return
			}
			mu.Lock()
			defer mu.Unlock()
			if seen[e.Seq] || e.Seq >= int64(n) {
				errs <- fmt.Errorf("seq %d duplicated or out of range", e.Seq)
				return
			}
			seen[e.Seq] = true
			leaves[e.Seq] = e.LeafHash
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	return leaves
}

// TestProofsInteropWithTransparencyDev checks every inclusion proof (seq,
// size) and every consistency proof (from, to) of a 70-entry log — which
// covers size 1, seq = size-1, and the powers of two 1..64 with their
// neighbours — with github.com/transparency-dev/merkle/proof, an
// implementation independent of the tlog code that built them.
func TestProofsInteropWithTransparencyDev(t *testing.T) {
	t.Parallel()
	pool := pgtestNewPool(t)
	w := startWriter(t, pool, ledger.WriterConfig{})
	const n = 70
	leaves := appendN(t, w, n)
	r := ledger.NewReader(pool, "")
	ctx := t.Context()
	h := rfc6962.DefaultHasher

	roots := make([][]byte, n+1)
	for size := int64(1); size <= n; size++ {
		root, err := r.TreeHash(ctx, size)
		if err != nil {
			t.Fatal(err)
		}
		roots[size] = root[:]
		// independent root: rfc6962 over the leaf hashes
		if want := refRoot(leaves[:size]); string(want) != string(root[:]) {
			t.Fatalf("root(%d) = %x, reference %x", size, root, want)
		}
	}
	checked := 0
	for size := int64(1); size <= n; size++ {
		for seq := int64(0); seq < size; seq++ {
			p, err := r.InclusionProof(ctx, seq, size)
			if err != nil {
				t.Fatal(err)
			}
			if err := proof.VerifyInclusion(h, uint64(seq), uint64(size), leaves[seq][:], bs(p), roots[size]); err != nil {
				t.Fatalf("inclusion seq %d size %d: %v", seq, size, err)
			}
			checked++
		}
		for from := int64(1); from <= size; from++ {
			p, err := r.ConsistencyProof(ctx, from, size)
			if err != nil {
				t.Fatal(err)
			}
			if err := proof.VerifyConsistency(h, uint64(from), uint64(size), bs(p), roots[from], roots[size]); err != nil {
				t.Fatalf("consistency %d -> %d: %v", from, size, err)
			}
			checked++
		}
	}
	if checked != 2*n*(n+1)/2 {
		t.Fatalf("checked %d proofs", checked)
	}
	// A proof for a wrong leaf must fail with the independent verifier.
	p, _ := r.InclusionProof(ctx, 5, 64)
	if err := proof.VerifyInclusion(h, 6, 64, leaves[5][:], bs(p), roots[64]); err == nil {
		t.Fatal("proof of seq 5 verified as seq 6")
	}
	for _, bad := range [][2]int64{{0, 0}, {70, 70}, {3, 71}, {-1, 5}} {
		if _, err := r.InclusionProof(ctx, bad[0], bad[1]); err == nil || !strings.Contains(err.Error(), "range") {
			t.Errorf("inclusion %v: err = %v, want ErrBadRange", bad, err)
		}
	}
	for _, bad := range [][2]int64{{0, 5}, {6, 5}, {5, 71}} {
		if _, err := r.ConsistencyProof(ctx, bad[0], bad[1]); err == nil || !strings.Contains(err.Error(), "range") {
			t.Errorf("consistency %v: err = %v, want ErrBadRange", bad, err)
		}
	}
}

func bs(p [][32]byte) [][]byte {
	out := make([][]byte, len(p))
	for i := range p {
		out[i] = p[i][:]
	}
	return out
}

// refRoot is the RFC 6962 MTH written straight from the RFC's recursion.
func refRoot(leaves [][32]byte) []byte {
	h := rfc6962.DefaultHasher
	if len(leaves) == 1 {
		return leaves[0][:]
	}
	k := 1
	for k*2 < len(leaves) {
		k *= 2
	}
	return h.HashChildren(refRoot(leaves[:k]), refRoot(leaves[k:]))
}

func TestCheckpointInterop(t *testing.T) {
	t.Parallel()
	pool := pgtestNewPool(t)
	w := startWriter(t, pool, ledger.WriterConfig{})
	skey, vkey, err := ledger.GenerateKey(ledger.DefaultOrigin)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := ledger.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	pub := ledger.NewPublisher(pool, ledger.PublisherConfig{Signer: signer, Logger: quiet})
	ctx := t.Context()
	if _, err := pub.Publish(ctx); err == nil {
		t.Fatal("publish on an empty log succeeded")
	}
	leaves := appendN(t, w, 13)
	cp, err := pub.Publish(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if cp.Size != 13 {
		t.Fatalf("size = %d", cp.Size)
	}
	// Same tree: publishing again returns the same checkpoint, stores no new one.
	cp2, err := pub.Publish(ctx)
	if err != nil || cp2.Size != 13 || string(cp2.Note) != string(cp.Note) {
		t.Fatalf("republish = %d %v", cp2.Size, err)
	}

	// golang.org/x/mod/sumdb/note alone.
	v, err := note.NewVerifier(vkey)
	if err != nil {
		t.Fatal(err)
	}
	n, err := note.Open(cp.Note, note.VerifierList(v))
	if err != nil {
		t.Fatal(err)
	}
	wantBody := fmt.Sprintf("%s\n13\n%s\n", ledger.DefaultOrigin, base64.StdEncoding.EncodeToString(refRoot(leaves)))
	if n.Text != wantBody {
		t.Fatalf("note text %q, want %q", n.Text, wantBody)
	}
	// transparency-dev/formats/log.
	c, _, _, err := log.ParseCheckpoint(cp.Note, ledger.DefaultOrigin, v)
	if err != nil {
		t.Fatal(err)
	}
	if c.Size != 13 || string(c.Hash) != string(refRoot(leaves)) {
		t.Fatalf("checkpoint = %d %x", c.Size, c.Hash)
	}
	// Another key does not verify it.
	_, vkey2, _ := ledger.GenerateKey(ledger.DefaultOrigin)
	v2, _ := note.NewVerifier(vkey2)
	if _, err := note.Open(cp.Note, note.VerifierList(v2)); err == nil {
		t.Fatal("note verified with another key")
	}
	var count int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM ledger_checkpoints`).Scan(&count); err != nil || count != 1 {
		t.Fatalf("stored checkpoints = %d %v", count, err)
	}
	appendN2(t, w, 3)
	cp3, err := pub.Publish(ctx)
	if err != nil || cp3.Size != 16 {
		t.Fatalf("publish after growth = %d %v", cp3.Size, err)
	}
	latest, err := ledger.NewReader(pool, "").LatestCheckpoint(ctx)
	if err != nil || latest.Size != 16 || string(latest.Note) != string(cp3.Note) {
		t.Fatalf("latest = %d %v", latest.Size, err)
	}
}

func appendN2(t testing.TB, w *ledger.Writer, n int) {
	t.Helper()
	for i := 0; i < n; i++ {
		if _, err := w.Append(context.Background(), ledger.Record{Kind: "film", Actor: "system", Body: map[string]int{"x": i}}); err != nil {
			t.Fatal(err)
		}
	}
}
