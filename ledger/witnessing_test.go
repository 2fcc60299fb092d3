package ledger_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	tnote "github.com/transparency-dev/formats/note"
	"golang.org/x/mod/sumdb/note"

	"ecinema/internal/pgtest"
	"ecinema/ledger"
	"ecinema/witness"
)

// TestWitnessedCheckpoints (SPEC 12): the publisher sends each checkpoint
// to two witnesses, stores their cosignatures and serves them after the
// log's signature; they verify with transparency-dev/formats/note and meet
// a quorum of 2. A fork — a restored copy of the database that diverges,
// signed with the same key — gets no cosignature from either witness, and
// CheckWitnesses fails for its checkpoint.
func TestWitnessedCheckpoints(t *testing.T) {
	ctx := context.Background()
	skey, vkey, err := ledger.GenerateKey("ecinema.test/ledger")
	if err != nil {
		t.Fatal(err)
	}
	signer, _ := ledger.NewSigner(skey)
	logV, _ := ledger.NewVerifier(vkey)

	type wit struct {
		vkey string
		v    note.Verifier
		srv  *httptest.Server
	}
	var wits []wit
	for _, name := range []string{"witness.test/tax", "witness.test/producers"} {
		wskey, wvkey, err := witness.GenerateKey(name)
		if err != nil {
			t.Fatal(err)
		}
		w, err := witness.New(witness.Config{SignerKey: wskey, Logs: []note.Verifier{logV}, StateDir: t.TempDir()})
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(w.Handler(quiet, nil))
		t.Cleanup(func() { srv.Close(); w.Close() })
		v, err := tnote.NewVerifierForCosignatureV1(wvkey)
		if err != nil {
			t.Fatal(err)
		}
		wits = append(wits, wit{wvkey, v, srv})
	}
	clients := func() []*witness.Client {
		var cs []*witness.Client
		for _, w := range wits {
			c, err := witness.ParseWitnessSpec(w.srv.URL + "|" + w.vkey)
			if err != nil {
				t.Fatal(err)
			}
			cs = append(cs, c)
		}
		return cs
	}
	verifiers := []note.Verifier{wits[0].v, wits[1].v}

	// The log and its "restored copy": the same first 3 entries (same clock,
	// same bodies), then different ones.
	clock := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	now := func() time.Time { return clock }
	type logDB struct {
		w   *ledger.Writer
		pub *ledger.Publisher
		reg *prometheus.Registry
	}
	open := func() logDB {
		pool := pgtest.Pool(t, pgtest.NewDatabase(t))
		w := ledger.NewWriter(pool, ledger.WriterConfig{Now: now, Logger: quiet})
		wctx, stop := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() { defer close(done); w.Run(wctx) }()
		t.Cleanup(func() { stop(); <-done })
		reg := prometheus.NewRegistry()
		pub := ledger.NewPublisher(pool, ledger.PublisherConfig{Origin: "ecinema.test/ledger", Signer: signer, Logger: quiet,
			Witnesses: clients(), Metrics: reg})
		return logDB{w, pub, reg}
	}
	appendN := func(l logDB, prefix string, n int) {
		for i := range n {
			if _, err := l.w.Append(ctx, ledger.Record{Kind: "fiscal_totals", Actor: "system", Body: map[string]any{"p": prefix, "i": i}}); err != nil {
				t.Fatal(err)
			}
		}
	}
	publish := func(l logDB) ledger.Checkpoint {
		t.Helper()
		if _, err := l.pub.Publish(ctx); err != nil {
			t.Fatal(err)
		}
		cp, err := l.pub.GatherCosignatures(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return cp
	}

	real, fork := open(), open()
	appendN(real, "same", 3)
	appendN(fork, "same", 3)
	appendN(real, "real", 5)
	cp := publish(real)
	if len(cp.Cosignatures) != 2 {
		t.Fatalf("real checkpoint at %d has %d cosignatures", cp.Size, len(cp.Cosignatures))
	}
	served := cp.Signed()
	if n, err := ledger.CheckWitnesses(served, logV, verifiers, 2); err != nil || n != 2 {
		t.Fatalf("CheckWitnesses = %d, %v\n%s", n, err, served)
	}
	// Independently, with transparency-dev/formats/note alone.
	for _, v := range verifiers {
		n, err := note.Open(served, note.VerifierList(v))
		if err != nil || len(n.Sigs) != 1 {
			t.Fatalf("formats/note: %v", err)
		}
		if _, err := tnote.CoSigV1Timestamp(n.Sigs[0]); err != nil {
			t.Fatal(err)
		}
	}
	// The log grows; the witnesses follow with consistency proofs.
	appendN(real, "real2", 4)
	cp = publish(real)
	if cp.Size != 12 || len(cp.Cosignatures) != 2 {
		t.Fatalf("second checkpoint: size %d, %d cosignatures", cp.Size, len(cp.Cosignatures))
	}
	if n := counterSum(t, real.reg, "ecinema_ledger_cosignatures_total"); n != 4 {
		t.Fatalf("ecinema_ledger_cosignatures_total = %v, want 4", n)
	}

	// The fork: diverged after 3 entries, grew past the witnesses' size.
	appendN(fork, "fork", 14)
	fcp := publish(fork)
	if len(fcp.Cosignatures) != 0 {
		t.Fatalf("the fork's checkpoint gathered %d cosignatures", len(fcp.Cosignatures))
	}
	if n := counterSum(t, fork.reg, "ecinema_ledger_witness_errors_total"); n != 2 {
		t.Fatalf("ecinema_ledger_witness_errors_total on the fork = %v, want 2", n)
	}
	if _, err := ledger.CheckWitnesses(fcp.Signed(), logV, verifiers, 1); !errors.Is(err, ledger.ErrQuorum) {
		t.Fatalf("CheckWitnesses(fork) = %v, want ErrQuorum", err)
	}
	// A fork's checkpoint carrying a cosignature copied from the real one
	// does not verify either: the cosignature signs another tree.
	forged := append(fcp.Signed(), cp.Cosignatures[0]...)
	if _, err := ledger.CheckWitnesses(forged, logV, verifiers, 1); err == nil {
		t.Fatal("a copied cosignature verified on the fork")
	}
}

func counterSum(t *testing.T, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	sum := 0.0
	for _, mf := range mfs {
		if mf.GetName() == name {
			for _, m := range mf.GetMetric() {
				sum += m.GetCounter().GetValue()
			}
		}
	}
	return sum
}

// TestHungWitnessDelaysNothing (SPEC 12): a witness that never answers
// delays only its own cosignature; checkpoints go on being published on
// time and carry the other witness's cosignature.
func TestHungWitnessDelaysNothing(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	skey, vkey, _ := ledger.GenerateKey("ecinema.test/ledger")
	signer, _ := ledger.NewSigner(skey)
	logV, _ := ledger.NewVerifier(vkey)
	release := make(chan struct{})
	hung := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-release }))
	defer hung.Close()
	defer close(release)
	_, hungKey, _ := witness.GenerateKey("witness.test/hung")
	wskey, wvkey, _ := witness.GenerateKey("witness.test/ok")
	w, err := witness.New(witness.Config{SignerKey: wskey, Logs: []note.Verifier{logV}, StateDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	ok := httptest.NewServer(w.Handler(quiet, nil))
	defer ok.Close()
	var clients []*witness.Client
	for _, spec := range []string{hung.URL + "|" + hungKey, ok.URL + "|" + wvkey} {
		c, err := witness.ParseWitnessSpec(spec)
		if err != nil {
			t.Fatal(err)
		}
		clients = append(clients, c)
	}
	pool := pgtest.Pool(t, pgtest.NewDatabase(t))
	wr := ledger.NewWriter(pool, ledger.WriterConfig{Logger: quiet})
	go wr.Run(ctx)
	pub := ledger.NewPublisher(pool, ledger.PublisherConfig{Origin: "ecinema.test/ledger", Signer: signer, Logger: quiet,
		Witnesses: clients, Interval: 50 * time.Millisecond, WitnessTimeout: time.Minute})
	go pub.Run(ctx)
	r := ledger.NewReader(pool, "")
	for i := range 3 {
		if _, err := wr.Append(ctx, ledger.Record{Kind: "fiscal_totals", Actor: "system", Body: map[string]int{"i": i}}); err != nil {
			t.Fatal(err)
		}
		want := int64(i + 1)
		deadline := time.Now().Add(3 * time.Second)
		for {
			cp, err := r.LatestCheckpoint(ctx)
			if err == nil && cp.Size == want {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("checkpoint of size %d not published within 3 s while a witness hangs", want)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	// The responsive witness keeps cosigning, up to the latest checkpoint.
	wv, _ := witness.NewVerifier(wvkey)
	deadline := time.Now().Add(3 * time.Second)
	for {
		cp, err := r.LatestCheckpoint(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n, err := ledger.CheckWitnesses(cp.Signed(), logV, []note.Verifier{wv}, 1); err == nil && n == 1 && cp.Size == 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the responsive witness did not cosign size 3 within 3 s while the other hangs:\n%s", cp.Signed())
		}
		time.Sleep(20 * time.Millisecond)
	}
}
