package archive_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"ecinema/culture/archive"
	"ecinema/culture/archive/archivetest"
	"ecinema/culture/archive/bagit"
	"ecinema/culture/idempotency"
	"ecinema/internal/apptest"
)

// BenchmarkIngestFixity deposits one bag of ECINEMA_ARCHIVE_BENCH_MB
// megabytes (64 by default; 500 for the figure the issue asks for) as a
// tar stream from disk, then re-hashes it with Fixity, and reports both
// rates and the peak resident memory of each phase (VmHWM, reset before
// each phase), which must stay far below the bag's size since nothing is
// held in memory. The bag: 20 payload files of equal size plus the tag
// files, SHA-256 and SHA-512 manifests.
//
//	ECINEMA_ARCHIVE_BENCH_MB=500 go run ./internal/pgtest/withpg \
//	  go test -run '^$' -bench IngestFixity -benchtime 1x ./culture/archive/
func BenchmarkIngestFixity(b *testing.B) {
	mb := 64
	if s := os.Getenv("ECINEMA_ARCHIVE_BENCH_MB"); s != "" {
		var err error
		if mb, err = strconv.Atoi(s); err != nil || mb < 1 {
			b.Fatalf("ECINEMA_ARCHIVE_BENCH_MB=%q", s)
		}
	}
	env := apptest.New(b)
	svc := env.App.Archive
	const files = 20
	size := int64(mb) << 20
	var payload []bagit.PayloadFile
	for i := 0; i < files; i++ {
		payload = append(payload, archivetest.Stream(fmt.Sprintf("scans/sheet-%02d.tif", i), size/files, byte(i)))
	}
	bagPath := filepath.Join(b.TempDir(), "bag.tar")
	f, err := os.Create(bagPath)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	info := bagit.Info{{Label: "Source-Organization", Value: "bench"}, {Label: "External-Identifier", Value: "bench"}, {Label: "Bagging-Date", Value: "2026-11-29"}}
	if err := bagit.Write(w, bagit.Tar, "bench", info, payload, nil, time.Now(), "sha256", "sha512"); err != nil {
		b.Fatal(err)
	}
	w.Flush()
	f.Close()
	st, _ := os.Stat(bagPath)
	bagMB := float64(st.Size()) / (1 << 20)
	b.ResetTimer()
	var ingest, fixity time.Duration
	var ingestRSS, fixityRSS int64
	for i := 0; i < b.N; i++ {
		unit := fmt.Sprintf("bench-%d", i)
		if _, err := svc.PutUnit(context.Background(), "bench", unit, archive.UnitRecord{Title: map[string]string{"kk": "bench"},
			Citation: archive.Citation{Archive: "A", Fond: "B"}, Access: "open"}); err != nil {
			b.Fatal(err)
		}
		in, err := os.Open(bagPath)
		if err != nil {
			b.Fatal(err)
		}
		resetPeakRSS()
		t0 := time.Now()
		if _, err := svc.Deposit(context.Background(), "bench", unit, bagit.Tar, in, idempotency.Pending{}); err != nil {
			b.Fatal(err)
		}
		ingest += time.Since(t0)
		ingestRSS = max(ingestRSS, peakRSS())
		in.Close()
		resetPeakRSS()
		t0 = time.Now()
		rep, err := svc.Fixity(context.Background(), "bench", unit, 0)
		if err != nil || len(rep.Failures) > 0 {
			b.Fatalf("fixity %+v, %v", rep, err)
		}
		fixity += time.Since(t0)
		fixityRSS = max(fixityRSS, peakRSS())
	}
	b.StopTimer()
	n := float64(b.N)
	b.ReportMetric(bagMB, "bag_MB")
	b.ReportMetric(bagMB*n/ingest.Seconds(), "ingest_MB/s")
	b.ReportMetric(bagMB*n/fixity.Seconds(), "fixity_MB/s")
	b.ReportMetric(float64(ingestRSS)/(1<<20), "ingest_peak_RSS_MB")
	b.ReportMetric(float64(fixityRSS)/(1<<20), "fixity_peak_RSS_MB")
}

// resetPeakRSS resets the kernel's high-water mark of this process's
// resident set (Linux: writing 5 to /proc/self/clear_refs).
func resetPeakRSS() { os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }

// peakRSS reads VmHWM from /proc/self/status in bytes (0 off Linux).
func peakRSS() int64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}
