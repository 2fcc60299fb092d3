package ledger_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/mod/sumdb/tlog"

	"ecinema/ledger"
)

// startWriter runs a writer on pool until the test ends.
func startWriter(t testing.TB, pool *pgxpool.Pool, cfg ledger.WriterConfig) *ledger.Writer {
	t.Helper()
	w := ledger.NewWriter(pool, cfg)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); w.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	return w
}

func fixedClock() func() time.Time {
	var mu sync.Mutex
	at := time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC)
	return func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		at = at.Add(1500 * time.Microsecond)
		return at
	}
}

func TestAppendSequentialBytesChainAndRoot(t *testing.T) {
	t.Parallel()
	pool := pgtestNewPool(t)
	w := startWriter(t, pool, ledger.WriterConfig{Now: fixedClock()})
	ctx := t.Context()

	var prev [32]byte
	var leaves []tlog.Hash
	for i := 0; i < 20; i++ {
		e, err := w.Append(ctx, ledger.Record{Kind: "sale", Actor: "key-1", Body: map[string]any{"n": i, "price": "2500.00"}, CinemaID: "c1"})
		if err != nil {
			t.Fatal(err)
		}
		if e.Seq != int64(i) {
			t.Fatalf("seq = %d, want %d", e.Seq, i)
		}
		if e.Prev != prev {
			t.Fatalf("seq %d prev = %x, want %x", i, e.Prev, prev)
		}
		want := fmt.Sprintf(`{"v":1,"seq":%d,"prev":"%x","at":"%s","kind":"sale","actor":"key-1","body":{"n":%d,"price":"2500.00"}}`,
			i, prev, e.At.Format("2006-01-02T15:04:05.000000Z"), i)
		if string(e.Bytes) != want {
			t.Fatalf("bytes\n got %s\nwant %s", e.Bytes, want)
		}
		if e.LeafHash != ledger.LeafHash(e.Bytes) || e.LeafHash != [32]byte(tlog.RecordHash(e.Bytes)) {
			t.Fatalf("leaf hash mismatch at %d", i)
		}
		prev = e.LeafHash
		leaves = append(leaves, tlog.Hash(e.LeafHash))
	}
	r := ledger.NewReader(pool, "")
	h, err := ledger.ReadHead(ctx, pool, ledger.DefaultLogID)
	if err != nil {
		t.Fatal(err)
	}
	if h.Size != 20 || tlog.Hash(h.Root) != rootOf(t, leaves) {
		t.Fatalf("head = %d %x, want 20 %x", h.Size, h.Root, rootOf(t, leaves))
	}
	e7, err := r.Entry(ctx, 7)
	if err != nil {
		t.Fatal(err)
	}
	if tlog.Hash(e7.LeafHash) != leaves[7] || e7.Seq != 7 || e7.Kind != "sale" || e7.Actor != "key-1" {
		t.Fatalf("entry 7 = %+v", e7)
	}
	if _, err := r.Entry(ctx, 20); !errors.Is(err, ledger.ErrNotFound) {
		t.Fatalf("entry 20: err = %v, want ErrNotFound", err)
	}
}

// rootOf computes the RFC 6962 root with tlog's own stored hashes in memory.
func rootOf(t testing.TB, leaves []tlog.Hash) tlog.Hash {
	t.Helper()
	var stored []tlog.Hash
	r := tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(idx))
		for i, x := range idx {
			out[i] = stored[x]
		}
		return out, nil
	})
	for i, l := range leaves {
		hs, err := tlog.StoredHashesForRecordHash(int64(i), l, r)
		if err != nil {
			t.Fatal(err)
		}
		stored = append(stored, hs...)
	}
	h, err := tlog.TreeHash(int64(len(leaves)), r)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

var errRule = errors.New("rule broken")

func TestProjectFailureConsumesNoSeq(t *testing.T) {
	t.Parallel()
	pool := pgtestNewPool(t)
	reg := prometheus.NewRegistry()
	w := startWriter(t, pool, ledger.WriterConfig{Metrics: reg})
	ctx := t.Context()
	var wg sync.WaitGroup
	results := make([]error, 40)
	seqs := make([]int64, 40)
	for i := 0; i < 40; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			e, err := w.Append(ctx, ledger.Record{Kind: "sale", Actor: "system", Body: map[string]int{"i": i},
				Project: func(ctx context.Context, tx pgx.Tx, e ledger.Entry) error {
					if i%3 == 0 {
						// a statement error inside the savepoint must not poison the batch
						if _, err := tx.Exec(ctx, `SELECT 1/0`); err == nil {
							t.Error("division by zero succeeded")
						}
						return errRule
					}
					_, err := tx.Exec(ctx, `INSERT INTO ledger_projection_probe (seq) VALUES ($1)`, e.Seq)
					return err
				}})
			results[i], seqs[i] = err, e.Seq
		}()
	}
	wg.Wait()
	got := map[int64]bool{}
	for i, err := range results {
		if i%3 == 0 {
			if !errors.Is(err, errRule) {
				t.Fatalf("append %d: err = %v, want errRule", i, err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("append %d: %v", i, err)
		}
		got[seqs[i]] = true
	}
	if len(got) != 26 {
		t.Fatalf("%d distinct seqs, want 26", len(got))
	}
	for s := int64(0); s < 26; s++ {
		if !got[s] {
			t.Fatalf("seq %d missing: failed projections consumed seqs", s)
		}
	}
	var n, probe int64
	if err := pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM ledger_entries), (SELECT count(*) FROM ledger_projection_probe)`).Scan(&n, &probe); err != nil {
		t.Fatal(err)
	}
	if n != 26 || probe != 26 {
		t.Fatalf("entries = %d, projections = %d, want 26 and 26", n, probe)
	}
	for name, want := range map[string]float64{
		`ecinema_ledger_appends_total{result="ok"}`:       26,
		`ecinema_ledger_appends_total{result="rejected"}`: 14,
		`ecinema_ledger_entries{log="main"}`:              26,
	} {
		if got := metricValue(t, reg, name); got != want {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
}

func TestAppendRejectsBadRecords(t *testing.T) {
	t.Parallel()
	pool := pgtestNewPool(t)
	w := startWriter(t, pool, ledger.WriterConfig{})
	for _, r := range []ledger.Record{
		{Kind: "Sale", Actor: "k", Body: map[string]int{}},
		{Kind: "sale", Actor: "", Body: map[string]int{}},
		{Kind: "sale", Actor: "k", Body: []int{1}},
		{Kind: "sale", Actor: "k", Body: map[string]int{}, Flags: []string{"a,b"}},
		{Kind: "sale", Actor: "k", Body: map[string]int{}, CinemaID: "bad id"},
	} {
		if _, err := w.Append(t.Context(), r); !errors.Is(err, ledger.ErrBadRecord) {
			t.Errorf("%+v: err = %v, want ErrBadRecord", r, err)
		}
	}
}

func TestProjectPanicIsContained(t *testing.T) {
	t.Parallel()
	pool := pgtestNewPool(t)
	w := startWriter(t, pool, ledger.WriterConfig{})
	ctx := t.Context()
	var wg sync.WaitGroup
	errs := make([]error, 10)
	for i := 0; i < 10; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = w.Append(ctx, ledger.Record{Kind: "sale", Actor: "system", Body: map[string]int{"i": i},
				Project: func(ctx context.Context, tx pgx.Tx, e ledger.Entry) error {
					if i == 3 {
						panic("boom")
					}
					return nil
				}})
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if (i == 3) != errors.Is(err, ledger.ErrProjectPanic) || (i != 3 && err != nil) {
			t.Fatalf("append %d: %v", i, err)
		}
	}
	// The writer still works.
	e, err := w.Append(ctx, ledger.Record{Kind: "sale", Actor: "system", Body: map[string]int{}})
	if err != nil || e.Seq != 9 {
		t.Fatalf("after the panic: seq %d, %v", e.Seq, err)
	}
}

// metricValue returns the value of one counter or gauge series, written as
// name{label="value"}.
func metricValue(t *testing.T, reg *prometheus.Registry, series string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			var labels []string
			for _, l := range m.GetLabel() {
				labels = append(labels, fmt.Sprintf("%s=%q", l.GetName(), l.GetValue()))
			}
			if mf.GetName()+"{"+strings.Join(labels, ",")+"}" != series {
				continue
			}
			if c := m.GetCounter(); c != nil {
				return c.GetValue()
			}
			return m.GetGauge().GetValue()
		}
	}
	t.Fatalf("no series %s", series)
	return 0
}
