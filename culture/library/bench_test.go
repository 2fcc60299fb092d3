package library_test

import (
	"context"
	"io"
	"net/http"
	"slices"
	"testing"
	"time"

	"ecinema/internal/apptest"
	"ecinema/internal/pgtest"
)

// BenchmarkOPDSFeeds measures OPDS feed latency over HTTP on a catalogue of
// 100,000 editions (25,000 works × kk, ru, en, kk-Latn) with 20,000 loans,
// and reports p50 and p95 per feed. The catalogue rows are written with
// SQL straight into the projections (no ledger entries): only the read
// path is measured.
//
//	go run ./internal/pgtest/withpg go test -run '^$' -bench OPDSFeeds -benchtime 200x ./culture/library/
func BenchmarkOPDSFeeds(b *testing.B) {
	env := apptest.New(b)
	owner := pgtest.OwnerPool(b, env.DBURL)
	ctx := context.Background()
	start := time.Now()
	for _, q := range []string{
		`INSERT INTO library_works (id, version, title, authors, subjects, original_language, search, entry_seq)
SELECT 'w' || i, 1,
  jsonb_build_object('kk', 'Шығарма ' || i, 'ru', 'Произведение ' || i, 'en', 'Work ' || i),
  jsonb_build_array(jsonb_build_object('name', jsonb_build_object('kk', 'Автор ' || (i % 5000), 'en', 'Author ' || (i % 5000)), 'role', 'author')),
  ARRAY[(ARRAY['poetry','novel','history','philosophy','classics'])[1 + i % 5]], 'kk',
  lower('шығарма ' || i || E'\nпроизведение ' || i || E'\nwork ' || i || E'\nавтор ' || (i % 5000) || E'\nauthor ' || (i % 5000)), i
FROM generate_series(1, 25000) AS i`,
		`INSERT INTO library_editions (id, version, work_id, language, isbn, format, publisher, issued, translators, narrators,
  access, copies, loan_days, created_at, updated_at, entry_seq)
SELECT 'e' || i || '-' || l, 1, 'w' || i, l, NULL, CASE WHEN i % 10 = 0 THEN 'audiobook' ELSE 'epub' END, 'Publisher', '2020',
  '{}', '{}', CASE WHEN i % 2 = 0 THEN 'loan' ELSE 'open' END, CASE WHEN i % 2 = 0 THEN 3 ELSE 0 END, 14,
  now() - (i || ' minutes')::interval, now() - (i || ' minutes')::interval, i
FROM generate_series(1, 25000) AS i, unnest(ARRAY['kk','ru','en','kk-Latn']) AS l`,
		`INSERT INTO library_loans (id, edition_id, card_number, borrowed_at, due_at, entry_seq)
SELECT 'ln' || i, 'e' || (2 * (1 + i % 5000)) || '-kk', '7' || i, now() - ((i % 600) || ' minutes')::interval,
  now() + interval '14 days', i FROM generate_series(1, 20000) AS i`,
		`ANALYZE library_works, library_editions, library_loans, library_files, library_holds`,
	} {
		if _, err := owner.Exec(ctx, q); err != nil {
			b.Fatal(err)
		}
	}
	b.Logf("catalogue of 100,000 editions written in %s", time.Since(start).Round(time.Millisecond))
	for _, f := range []struct{ name, path string }{
		{"v1-root", "/opds"},
		{"v1-new-page1", "/opds/new"},
		{"v1-new-page1000", "/opds/new?page=1000"},
		{"v1-popular", "/opds/popular"},
		{"v1-facet-ru", "/opds/new?language=ru"},
		{"v1-subject", "/opds/subjects/poetry"},
		{"v1-search", "/opds/search?q=author+4321"},
		{"v1-entry", "/opds/books/e4242-kk"},
		{"v2-new-page1", "/opds/v2/new"},
		{"v2-root", "/opds/v2"},
	} {
		b.Run(f.name, func(b *testing.B) {
			lat := make([]time.Duration, 0, b.N)
			for b.Loop() {
				t0 := time.Now()
				res, err := http.Get(env.URL + f.path)
				if err != nil {
					b.Fatal(err)
				}
				io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if res.StatusCode != 200 {
					b.Fatalf("%s: %d", f.path, res.StatusCode)
				}
				lat = append(lat, time.Since(t0))
			}
			slices.Sort(lat)
			p := func(q float64) float64 { return float64(lat[int(q*float64(len(lat)-1))].Microseconds()) / 1000 }
			b.ReportMetric(p(0.50), "p50_ms")
			b.ReportMetric(p(0.95), "p95_ms")
			b.ReportMetric(0, "ns/op")
		})
	}
}
