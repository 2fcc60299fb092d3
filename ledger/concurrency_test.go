package ledger_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"ecinema/internal/pgtest"
	"ecinema/ledger"
)

// hammer runs goroutines × per appends through w and returns every
// acknowledged entry by seq, failing on a duplicate seq.
func hammer(t testing.TB, w *ledger.Writer, goroutines, per int, tag string, acked *sync.Map) {
	t.Helper()
	var wg sync.WaitGroup
	var failed atomic.Int64
	for g := 0; g < goroutines; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < per; i++ {
				e, err := w.Append(context.Background(), ledger.Record{Kind: "sale", Actor: "system", CinemaID: "c1",
					Body: map[string]any{"w": tag, "g": g, "i": i}})
				if err != nil {
					t.Error(err)
					failed.Add(1)
					return
				}
				if _, dup := acked.LoadOrStore(e.Seq, e.LeafHash); dup {
					t.Errorf("seq %d acknowledged twice", e.Seq)
				}
			}
		}()
	}
	wg.Wait()
	if failed.Load() > 0 {
		t.FailNow()
	}
}

// checkAcked verifies the whole log and that every acknowledged entry is
// stored with its leaf hash, seqs 0..want-1 without gap or duplicate.
func checkAcked(t *testing.T, pool *pgxpool.Pool, acked *sync.Map, want int64, vkey string) {
	t.Helper()
	ctx := t.Context()
	var n, maxSeq, distinct int64
	if err := pool.QueryRow(ctx, `SELECT count(*), coalesce(max(seq), -1), count(DISTINCT seq) FROM ledger_entries`).Scan(&n, &maxSeq, &distinct); err != nil {
		t.Fatal(err)
	}
	if n != want || maxSeq != want-1 || distinct != want {
		t.Fatalf("entries = %d, max seq = %d, distinct = %d; want %d, %d, %d", n, maxSeq, distinct, want, want-1, want)
	}
	stored := map[int64][]byte{}
	rows, _ := pool.Query(ctx, `SELECT seq, leaf_hash FROM ledger_entries`)
	for rows.Next() {
		var s int64
		var h []byte
		rows.Scan(&s, &h)
		stored[s] = h
	}
	if rows.Err() != nil {
		t.Fatal(rows.Err())
	}
	count := int64(0)
	acked.Range(func(k, v any) bool {
		count++
		h := v.([32]byte)
		if string(stored[k.(int64)]) != string(h[:]) {
			t.Errorf("acknowledged seq %d has another leaf hash in the store", k)
		}
		return true
	})
	if count != want {
		t.Fatalf("%d acknowledged, want %d", count, want)
	}
	v, _ := ledger.NewVerifier(vkey)
	rep, err := ledger.VerifyDB(ctx, pool, ledger.VerifyOptions{Verifier: v})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Entries != want {
		t.Fatalf("verified %d entries", rep.Entries)
	}
}

func TestConcurrentAppends(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	url := pgtest.NewDatabase(t)
	skey, vkey, _ := ledger.GenerateKey(ledger.DefaultOrigin)
	signer, _ := ledger.NewSigner(skey)

	// 64 goroutines × 200 appends through one writer.
	pool := pgtest.Pool(t, url)
	w := startWriter(t, pool, ledger.WriterConfig{})
	var acked sync.Map
	hammer(t, w, 64, 200, "a", &acked)
	checkAcked(t, pool, &acked, 64*200, vkey)
	pub := ledger.NewPublisher(pool, ledger.PublisherConfig{Signer: signer, Logger: quiet})
	if _, err := pub.Publish(t.Context()); err != nil {
		t.Fatal(err)
	}

	// Then two writers on separate pools (as two server processes would
	// be), appending to the same log at once, with checkpoints published
	// from both sides meanwhile.
	pool2 := pgtest.Pool(t, url)
	w2 := startWriter(t, pool2, ledger.WriterConfig{})
	pub2 := ledger.NewPublisher(pool2, ledger.PublisherConfig{Signer: signer, Logger: quiet})
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for _, p := range []*ledger.Publisher{pub, pub2} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				if _, err := p.Publish(context.Background()); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	var hw sync.WaitGroup
	for i, wr := range []*ledger.Writer{w, w2} {
		hw.Add(1)
		go func() { defer hw.Done(); hammer(t, wr, 32, 100, fmt.Sprint(i), &acked) }()
	}
	hw.Wait()
	close(stop)
	wg.Wait()
	checkAcked(t, pool, &acked, 64*200+2*32*100, vkey)
	var cps int
	pgtest.Row(t, pool, `SELECT count(*) FROM ledger_checkpoints`).Scan(&cps)
	t.Logf("%d checkpoints published during the two-writer run, all consistent", cps)
}
