package api_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"
	"time"

	"ecinema/apikey"
	"ecinema/boxoffice"
	"ecinema/ingest"
	"ecinema/internal/pgtest"
	"ecinema/ledger"
	"ecinema/registry"
	"ecinema/settlement"
)

// TestReplayIsTotal (issue 13 D1): whatever the service accepts must replay.
// Random requests — mostly valid, with dates and numbers at and beyond the
// edges of what is allowed (year 0, 9999, the first and last day of each
// bound, from_week 520 and 521, prices 0 and 1,000,000.00, Unicode names)
// — go through the API; then verify --deep (registry, settlement, ingest
// and box-office rebuilds) must pass on whatever was stored. A verifier
// that cannot run (the year-0 fiscal total made it exit 3) fails this test.
// ECINEMA_PROPERTY_SEED replays one run.
func TestReplayIsTotal(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("ECINEMA_PROPERTY_SEED"); s != "" {
		seed, _ = strconv.ParseUint(s, 10, 64)
	}
	t.Logf("seed %d (ECINEMA_PROPERTY_SEED=%d replays it)", seed, seed)
	r := rand.New(rand.NewPCG(seed, 13))
	w := newStWorld(t)
	tax := w.Key(apikey.RoleTax, "", "")
	pick := func(xs ...string) string { return xs[r.IntN(len(xs))] }
	dates := []string{"0000-01-01", "0001-01-01", "1895-12-27", "1895-12-28", "1938-03-01", "1991-12-16", "1999-12-31",
		"2000-01-01", "2026-01-08", "2026-02-29", "2028-02-29", "2099-12-31", "2100-01-01", "2199-12-31", "2200-01-01", "9999-12-31"}
	names := []string{"Қазақфильм", "Ёлка 🎄", "A&B <x>", "\u202eRTL", "x", "Ğ̈", "名前"}
	accepted := map[string]int{}
	did := func(kind string, status int) {
		if status/100 == 2 {
			accepted[kind]++
		} else if status >= 500 {
			t.Fatalf("%s: %d (a request must never be a 500)", kind, status)
		}
	}
	films := []string{"film-a", "film-b"}
	screenings := []string{}
	ticket := 0
	for i := range 160 {
		switch r.IntN(7) {
		case 0: // a film with random dates
			id := fmt.Sprintf("pf-%d", i)
			res := w.Do("PUT", "/v1/films/"+id, w.AdminKey, map[string]any{
				"title":  map[string]string{"kk": pick(names...), "ru": pick(names...), "en": pick(names...)},
				"origin": pick("national", "foreign"), "countries": []string{"KZ"}, "release_date": pick(dates...), "runtime_min": 1 + r.IntN(300),
				"age_rating":  pick("0+", "6+", "12+", "16+", "18+", "21+"),
				"certificate": map[string]string{"number": "KZ-" + id, "valid_from": pick(dates...), "valid_to": pick(dates...)},
				"producer_id": "prod-a", "distributor_id": "dist",
				"distribution_fee_pct": pick("0", "15", "100"), "recoupable_expenses": pick("0.00", "1.00", "999999999.99"), "royalty_pct": "0",
				"rental_terms": []map[string]any{{"from_week": 1, "distributor_pct": "55"}, {"from_week": 519 + r.IntN(3), "distributor_pct": "40"}},
			})
			did("film", res.Status)
			if res.Status == 200 {
				films = append(films, id)
			}
		case 1: // rental terms
			res := w.Do("PUT", "/v1/films/"+pick(films...)+"/rental-terms/exh", w.AdminKey, map[string]any{"effective_from": pick(dates...),
				"scale": []map[string]any{{"from_week": 1, "distributor_pct": pick("0", "50", "100")}}})
			did("rental_terms", res.Status)
		case 2: // a screening at a random time
			id := fmt.Sprintf("ps-%d", i)
			start := time.Date(2000+r.IntN(101)-1, time.Month(1+r.IntN(12)), 1+r.IntN(28), r.IntN(24), 0, 0, 0, w.local)
			if r.IntN(3) == 0 {
				start = time.Date(2026, 1, 9+r.IntN(40), 10+r.IntN(12), 0, 0, 0, w.local)
			}
			res := w.Do("PUT", "/v1/screenings/"+id, w.pos, map[string]string{"hall_id": "h1", "film_id": pick(films...),
				"starts_at": start.Format(time.RFC3339), "format": "2D", "language": "kk"})
			did("screening", res.Status)
			if res.Status/100 == 2 {
				screenings = append(screenings, id)
			}
		case 3, 4: // sales
			if len(screenings) == 0 {
				continue
			}
			ticket++
			sold := time.Date(2000+r.IntN(28), time.Month(1+r.IntN(12)), 1+r.IntN(28), r.IntN(24), r.IntN(60), 0, 0, w.local)
			w.idem++
			res := w.Do("POST", "/v1/sales", w.pos, map[string]any{"screening_id": screenings[r.IntN(len(screenings))],
				"tickets": []map[string]string{stTicket(fmt.Sprintf("pt-%d", ticket), sold.Format(time.RFC3339), pick("0", "0.01", "2500.00", "1000000.00"), fmt.Sprintf("R%d", ticket))}},
				"Idempotency-Key", "p"+strconv.Itoa(w.idem))
			did("sale", res.Status)
		case 5: // refunds
			if ticket == 0 || len(screenings) == 0 {
				continue
			}
			w.idem++
			res := w.Do("POST", "/v1/refunds", w.pos, map[string]any{"screening_id": screenings[r.IntN(len(screenings))],
				"tickets": []map[string]string{{"id": fmt.Sprintf("pt-%d", 1+r.IntN(ticket)), "refunded_at": time.Now().Add(-time.Hour).Format(time.RFC3339)}},
				"reason":  pick("screening_cancelled", "customer_request")}, "Idempotency-Key", "p"+strconv.Itoa(w.idem))
			did("refund", res.Status)
		case 6: // fiscal totals
			res := w.Do("POST", "/v1/tax/fiscal-totals", tax, map[string]any{"records": []map[string]any{
				{"bin": w.bins["exh"], "date": pick(dates...), "amount": pick("0.00", "-1.00", "2500.00", "9999999999999.99"), "receipts": r.IntN(1000)}}})
			did("fiscal_totals", res.Status)
		}
	}
	t.Logf("accepted: %v", accepted)
	if len(accepted) < 4 {
		t.Fatalf("too few kinds of entry accepted to test replay: %v", accepted)
	}
	ctx := context.Background()
	if _, err := w.App.Publisher.Publish(ctx); err != nil {
		t.Fatal(err)
	}
	v, err := ledger.NewVerifier(w.Verifier)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := ledger.VerifyDB(ctx, pgtest.OwnerPool(t, w.DBURL), ledger.VerifyOptions{Verifier: v, Origin: "ecinema.test/ledger",
		Deep: []ledger.DeepCheck{registry.NewDeepCheck(), settlement.NewDeepCheck(), ingest.NewDeepCheck(), boxoffice.NewDeepCheck()}})
	if err != nil {
		t.Fatalf("verify --deep after random accepted requests (seed %d): %v", seed, err)
	}
	t.Logf("%s", rep)
}
