package ledger

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"strings"
	"syscall"
	"testing"
	"time"
)

// cpuTime is the process's user+system CPU time so far: on a machine
// shared with other work, the benchmarks report CPU ns an op beside the
// wall-clock ns.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportCPU reports the CPU ns an op since t0 (cpuTime at the start).
func reportCPU(b *testing.B, t0 time.Duration, ops int) {
	b.ReportMetric(float64(cpuTime()-t0)/float64(ops), "cpu-ns/op")
}

// demoLikeEntries builds n entries shaped like the demo's (sales of 1–20
// tickets, screenings, refunds; about 1.5 KB an entry on average) chained
// and hashed, for the verification benchmarks.
func demoLikeEntries(n int) (entries [][]byte, leaves [][32]byte, f *frontier) {
	r := rand.New(rand.NewPCG(1, 2))
	f = &frontier{}
	at := time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)
	for i := range n {
		var body string
		kind := "sale"
		switch k := r.IntN(20); {
		case k < 7:
			kind = "screening"
			body = fmt.Sprintf(`{"cinema_id":"cin-75-%02d","id":"s261030-h4-%d","version":1,"hall_id":"h4","film_id":"film-20261015-2","starts_at":"2026-10-30T15:25:00.000000Z","ends_at":"2026-10-30T16:52:00.000000Z","box_office_day":"2026-10-30","format":"2D","language":"ru","runtime_min":87,"seats":%d}`, i%64, i, 20+i%200)
		case k < 9:
			kind = "refund"
			body = fmt.Sprintf(`{"cinema_id":"cin-75-03","screening_id":"s261030-h1-5","film_id":"film-20261022-2","box_office_day":"2026-10-30","amount":"4200.00","tickets":[{"id":"s261030-h1-5-t%d","refunded_at":"2026-10-30T15:11:14.000000Z","price":"4200.00","sale_date":"2026-10-30"}]}`, i)
		default:
			var b strings.Builder
			fmt.Fprintf(&b, `{"cinema_id":"cin-75-01","screening_id":"s261030-h1-1","film_id":"film-20261022-2","box_office_day":"2026-10-30","tickets":[`)
			for t := range 1 + r.IntN(20) {
				if t > 0 {
					b.WriteByte(',')
				}
				fmt.Fprintf(&b, `{"id":"s261030-h1-1-t%d","sold_at":"2026-10-27T10:38:59.000000Z","sale_date":"2026-10-27","price":"2900.00","category":"adult","seat":"R12-%d","channel":"web"}`, i*16+t, t)
			}
			b.WriteString(`]}`)
			body = b.String()
		}
		e := encodeEntry(int64(i), f.last, at.Add(time.Duration(i)*time.Millisecond), kind, "demo-pos-cin-75-01", []byte(body))
		leaf := LeafHash(e)
		f.append(leaf)
		entries = append(entries, e)
		leaves = append(leaves, leaf)
	}
	return entries, leaves, f
}

// demoLikeExport is the NDJSON export of demoLikeEntries(n) and a
// checkpoint of its whole tree.
func demoLikeExport(tb testing.TB, n int) (export []byte, cp []byte, opts OfflineOptions, entries [][]byte) {
	tb.Helper()
	entries, leaves, f := demoLikeEntries(n)
	var buf bytes.Buffer
	for i, e := range entries {
		fmt.Fprintf(&buf, `{"seq":%d,"leaf_hash":"%s","bytes":"%s"}`+"\n", i, hex.EncodeToString(leaves[i][:]), base64.StdEncoding.EncodeToString(e))
	}
	skey, vkey, err := GenerateKey(DefaultOrigin)
	if err != nil {
		tb.Fatal(err)
	}
	s, err := NewSigner(skey)
	if err != nil {
		tb.Fatal(err)
	}
	v, err := NewVerifier(vkey)
	if err != nil {
		tb.Fatal(err)
	}
	if cp, err = signCheckpoint(DefaultOrigin, int64(n), f.root(), s); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes(), cp, OfflineOptions{Verifier: v}, entries
}

func entriesSize(es [][]byte) int64 {
	var n int64
	for _, e := range es {
		n += int64(len(e))
	}
	return n
}

// BenchmarkVerifyExport is the offline verification of a demo-like export
// held in memory (no file reads): entries/s over every core.
func BenchmarkVerifyExport(b *testing.B) {
	const n = 50000
	export, cp, opts, _ := demoLikeExport(b, n)
	b.SetBytes(int64(len(export)))
	b.ResetTimer()
	t0 := cpuTime()
	for range b.N {
		rep, err := VerifyExport(b.Context(), bytes.NewReader(export), cp, opts)
		if err != nil || rep.Entries != n {
			b.Fatal(rep, err)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "entries/s")
	b.ReportMetric(float64(cpuTime()-t0)/float64(n*b.N), "cpu-ns/entry")
}

// BenchmarkCheckOne is one core's per-entry work of every verification:
// the header scan, the body's validity and the leaf hash.
func BenchmarkCheckOne(b *testing.B) {
	es, _, _ := demoLikeEntries(4000)
	b.SetBytes(entriesSize(es) / int64(len(es)))
	b.ResetTimer()
	t0 := cpuTime()
	defer func() { reportCPU(b, t0, b.N) }()
	for i := range b.N {
		if c := checkOne(es[i%len(es)]); c.err != nil {
			b.Fatal(c.err)
		}
	}
}

// BenchmarkVerifyParts times each part of checkOne alone on one core.
func BenchmarkVerifyParts(b *testing.B) {
	es, leaves, _ := demoLikeEntries(4000)
	size := entriesSize(es) / int64(len(es))
	bodies := make([][]byte, len(es))
	for i, e := range es {
		p, _, ok := parseEntryFast(e)
		if !ok {
			b.Fatal("not canonical")
		}
		bodies[i] = p.Body
	}
	b.Run("leafhash", func(b *testing.B) {
		t0 := cpuTime()
		defer func() { reportCPU(b, t0, b.N) }()
		b.SetBytes(size)
		for i := range b.N {
			LeafHash(es[i%len(es)])
		}
	})
	b.Run("validJSON", func(b *testing.B) {
		t0 := cpuTime()
		defer func() { reportCPU(b, t0, b.N) }()
		b.SetBytes(size)
		for i := range b.N {
			if !validJSON(bodies[i%len(bodies)]) {
				b.Fatal("invalid")
			}
		}
	})
	b.Run("parseEntryFast", func(b *testing.B) {
		t0 := cpuTime()
		defer func() { reportCPU(b, t0, b.N) }()
		b.SetBytes(size)
		for i := range b.N {
			parseEntryFast(es[i%len(es)])
		}
	})
	b.Run("tree", func(b *testing.B) {
		t0 := cpuTime()
		defer func() { reportCPU(b, t0, b.N) }()
		f := &frontier{}
		for i := range b.N {
			f.append(leaves[i%len(leaves)])
		}
	})
	lines := make([][]byte, len(es))
	for i, e := range es {
		lines[i] = fmt.Appendf(nil, `{"seq":%d,"leaf_hash":"%s","bytes":"%s"}`, i, hex.EncodeToString(leaves[i][:]), base64.StdEncoding.EncodeToString(e))
	}
	b.Run("scanExportLine", func(b *testing.B) {
		t0 := cpuTime()
		defer func() { reportCPU(b, t0, b.N) }()
		b.SetBytes(size)
		arena := make([]byte, 0, 1<<20)
		for i := range b.N {
			arena = arena[:0]
			var ok bool
			if _, _, arena, _, ok = scanExportLine(lines[i%len(lines)], arena); !ok {
				b.Fatal("not canonical")
			}
		}
	})
}
