package boxoffice

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/shopspring/decimal"

	"ecinema/ingest"
	"ecinema/internal/pgtest"
	"ecinema/kztime"
	"ecinema/ledger"
	"ecinema/registry"
)

// startWriter runs a ledger writer on pool for the test.
func startWriter(t testing.TB, pool *pgxpool.Pool) *ledger.Writer {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	w := ledger.NewWriter(pool, ledger.WriterConfig{})
	done := make(chan struct{})
	go func() { w.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return w
}

func almaty(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, kztime.Location)
	if err != nil {
		panic(err)
	}
	return t
}

// posClient posts through ingest.Service with a settable clock.
type posClient struct {
	t      *testing.T
	svc    *ingest.Service
	caller ingest.Caller
	now    time.Time
}

func (p *posClient) do(what string, err error) {
	p.t.Helper()
	if err != nil {
		p.t.Fatalf("%s: %v", what, err)
	}
}

func (p *posClient) screening(id, hall, film string, start time.Time) {
	p.t.Helper()
	p.now = start.Add(-72 * time.Hour)
	_, err := p.svc.PutScreening(context.Background(), p.caller, &ingest.Screening{ID: id, HallID: hall, FilmID: film,
		StartsAt: start.UTC().Truncate(time.Second), Format: "2D", Language: "kk"})
	p.do("screening "+id, err)
}

// sell sells n tickets at price, sold at soldAt, and returns their ids.
func (p *posClient) sell(screening string, n int, price string, soldAt time.Time) []string {
	p.t.Helper()
	var ids []string
	sale := &ingest.Sale{ScreeningID: screening}
	for i := 0; i < n; i++ {
		id := fmt.Sprintf("%s-%s-%d", screening, soldAt.Format("0102150405"), i)
		ids = append(ids, id)
		sale.Tickets = append(sale.Tickets, ingest.Ticket{ID: id, SoldAt: soldAt.UTC().Truncate(time.Second), Price: decimal.RequireFromString(price),
			Category: "adult", Seat: fmt.Sprintf("%s-%d", soldAt.Format("150405"), i), Channel: "web"})
	}
	p.now = soldAt.Add(time.Minute)
	_, err := p.svc.Sell(context.Background(), p.caller, ingest.Idem{Key: "k-" + ids[0], Hash: ingest.RequestHash("test", []byte(ids[0]))}, sale)
	p.do("sale "+screening, err)
	return ids
}

func (p *posClient) refund(screening string, ids []string, at time.Time) {
	p.t.Helper()
	ref := &ingest.Refund{ScreeningID: screening}
	for _, id := range ids {
		ref.Tickets = append(ref.Tickets, ingest.RefundTicket{ID: id, RefundedAt: at.UTC().Truncate(time.Second)})
	}
	p.now = at.Add(time.Minute)
	_, err := p.svc.Refund(context.Background(), p.caller, ingest.Idem{Key: "r-" + ids[0], Hash: ingest.RequestHash("test", []byte(ids[0]))}, ref)
	p.do("refund "+screening, err)
}

// TestThroughIngest writes screenings, sales and refunds through the real
// ingest path and checks that the box office sees the 06:00 rule, presales
// and refunds as SPEC 2 and 6 say.
func TestThroughIngest(t *testing.T) {
	ctx := t.Context()
	pool := pgtest.NewPool(t)
	w := startWriter(t, pool)
	reg := registry.NewService(pool, w)
	vat := true
	for _, p := range []registry.Party{
		{ID: "ex", Kind: registry.KindExhibitor, Name: "Exhibitor", BIN: "180140000107"},
		{ID: "pr", Kind: registry.KindProducer, Name: "Producer", BIN: "180140000107"},
		{ID: "di", Kind: registry.KindDistributor, Name: "Distributor", BIN: "180140000107"},
	} {
		if !registry.ValidBIN(p.BIN) {
			t.Fatalf("fixture BIN %s invalid", p.BIN)
		}
		if _, err := reg.PutParty(ctx, "test", p.ID, p); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := reg.PutCinema(ctx, "test", "c1", registry.Cinema{Name: "Almaty One", ExhibitorID: "ex", Region: "KZ-75", City: "Almaty",
		VATPayer: &vat, Halls: []registry.Hall{{ID: "h1", Name: "Hall 1", Seats: 100}, {ID: "h2", Name: "Hall 2", Seats: 100}}}); err != nil {
		t.Fatal(err)
	}
	for _, f := range []struct{ id, origin string }{{"nat", "national"}, {"for", "foreign"}} {
		_, err := reg.PutFilm(ctx, "test", f.id, registry.Film{
			Title: registry.Title{KK: f.id + " kk", RU: f.id + " ru", EN: f.id + " en"}, Origin: f.origin, Countries: []string{"KZ"},
			ReleaseDate: "2026-01-08", RuntimeMin: 90, AgeRating: "12+",
			Certificate: registry.Certificate{Number: "N-" + f.id, ValidFrom: "2026-01-01", ValidTo: "2026-12-31"},
			ProducerID:  "pr", DistributorID: "di", DistributionFeePct: "15", RecoupableExpenses: "0.00", RoyaltyPct: "0",
			RentalTerms: []registry.RentalStep{{FromWeek: 1, DistributorPct: "55"}},
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	pos := &posClient{t: t, caller: ingest.Caller{KeyID: "pos-c1", CinemaID: "c1"}}
	pos.svc = ingest.NewService(pool, w, ingest.Config{Now: func() time.Time { return pos.now }})

	// Friday 2026-01-09 05:59 local belongs to box-office day Thursday 01-08;
	// 06:00 to Friday 01-09.
	pos.screening("night", "h1", "for", almaty("2026-01-09 05:59"))
	pos.screening("morning", "h2", "nat", almaty("2026-01-09 06:00"))
	// Thursday evening show with a presale two days before.
	pos.screening("eve", "h1", "nat", almaty("2026-01-08 20:00"))

	pos.sell("night", 3, "2000.00", almaty("2026-01-09 05:30"))   // sold after local midnight
	pos.sell("morning", 2, "1500.00", almaty("2026-01-09 05:50")) // bought before 06:00 for the 06:00 show
	pos.sell("eve", 4, "2500.00", almaty("2026-01-06 12:00"))     // presale on Tuesday
	eve := pos.sell("eve", 2, "2500.00", almaty("2026-01-08 19:00"))
	pos.refund("eve", eve[:1], almaty("2026-01-08 19:30"))

	svc := NewService(pool)
	check := func(name string, q RankingsQuery, totals string, want ...string) {
		t.Helper()
		r, err := svc.Rankings(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		got := fmt.Sprintf("%s %d %d", r.Totals.Gross.StringFixed(2), r.Totals.Admissions, r.Totals.Screenings)
		if got != totals {
			t.Errorf("%s: totals %s, want %s", name, got, totals)
		}
		if len(r.Items) != len(want) {
			t.Fatalf("%s: %d items, want %d", name, len(r.Items), len(want))
		}
		for i, it := range r.Items {
			if g := row(it); g != want[i] {
				t.Errorf("%s item %d = %q, want %q", name, i, g, want[i])
			}
		}
	}
	// Thursday 01-08: eve (4 presold + 2 − 1 refunded = 5 × 2500) and the 05:59 Friday show (3 × 2000).
	check("thursday", RankingsQuery{Period: mustPeriod(t, Day, "2026-01-08")}, "18500.00 8 2",
		"nat 1 - new 12500.00 67.57 5 1 1 12500.00 5",
		"for 2 - new 6000.00 32.43 3 1 1 6000.00 3")
	// Friday 01-09: only the 06:00 show.
	check("friday", RankingsQuery{Period: mustPeriod(t, Day, "2026-01-09")}, "3000.00 2 1",
		"nat 1 0 old 3000.00 100.00 2 1 1 15500.00 7")
	// Tuesday 01-06 (the presale's sale date) has nothing: attribution is by box-office day.
	check("tuesday", RankingsQuery{Period: mustPeriod(t, Day, "2026-01-06")}, "0.00 0 0")
	check("week", RankingsQuery{Period: mustPeriod(t, Week, "2026-01-08"), Origin: "foreign"}, "6000.00 3 1",
		"for 1 - new 6000.00 100.00 3 1 1 6000.00 3")

	// The refund left the ticket's row and the rollup agree.
	var g string
	var n int64
	if err := pool.QueryRow(ctx, `SELECT sum(gross)::text, sum(admissions) FROM sales_daily WHERE film_id = 'nat' AND box_office_day = '2026-01-08'`).Scan(&g, &n); err != nil {
		t.Fatal(err)
	}
	if g != "12500.00" || n != 5 {
		t.Errorf("sales_daily nat 01-08: %s %d", g, n)
	}
}
