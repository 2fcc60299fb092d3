package hubs_test

import (
	"context"
	"testing"
	"time"

	"ecinema/culture/fund"
	"ecinema/culture/hubs"
	"ecinema/culture/ngo"
	"ecinema/internal/pgtest"
	"ecinema/kztime"
	"ecinema/ledger"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// TestNGOFundHubsDemo loads the section 5 demo as `ecinema demo` does and
// checks its shape: 300 NGOs with late and returned reports, one call with
// 40 applications and 12 awards within the budget, payments, hubs in the
// eight named regions plus Astana and Almaty with events, deals — and that
// verify --deep rebuilds the fund's and the hubs' projections from it.
func TestNGOFundHubsDemo(t *testing.T) {
	t.Run("now", func(t *testing.T) { ngoFundHubsDemo(t, time.Now()) })
	// The last due NGO report turns to the next year's at 00:00 local time
	// on 1 April: every part of the demo is loaded as at one instant.
	t.Run("1 April", func(t *testing.T) { ngoFundHubsDemo(t, time.Date(2027, 4, 1, 0, 0, 1, 0, kztime.Location)) })
}

func ngoFundHubsDemo(t *testing.T, now time.Time) {
	ctx := context.Background()
	dbURL := pgtest.NewDatabase(t)
	pool := pgtest.Pool(t, dbURL)
	w := ledger.NewWriter(pool, ledger.WriterConfig{})
	wctx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); w.Run(wctx) }()
	t.Cleanup(func() { stop(); <-done })

	start := time.Now()
	ns, err := ngo.LoadDemo(ctx, pool, 300, now)
	if err != nil {
		t.Fatal(err)
	}
	// The fund checks its applicants against the NGO register at the demo's instant, as ecinema demo does.
	fs, err := fund.LoadDemo(ctx, pool, w, ngo.NewService(pool, ngo.Config{Now: func() time.Time { return now }}), ns.Eligible, now)
	if err != nil {
		t.Fatal(err)
	}
	hs, err := hubs.LoadDemo(ctx, pool, w, now)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("ngo: %d NGOs, %d reports, %d accepted, %d late, %d returned, %d waiting, %d eligible in %s", ns.NGOs, ns.Reports, ns.Accepted, ns.Late, ns.Returned, ns.Pending, len(ns.Eligible), ns.Elapsed)
	t.Logf("fund %+v", fs)
	t.Logf("hubs %+v; all in %s", hs, time.Since(start))
	if ns.NGOs != 300 || ns.Late == 0 || ns.Returned == 0 || len(ns.Eligible) < 24 {
		t.Errorf("ngo demo %+v", ns)
	}
	if fs.Applications != 40 || fs.Awards != 12 || fs.Rejections != 14 || fs.Conflicts == 0 || fs.Disbursements == 0 {
		t.Errorf("fund demo %+v", fs)
	}
	if hs.Hubs != 10 || hs.Events != 40 || hs.Deals == 0 {
		t.Errorf("hubs demo %+v", hs)
	}
	var regions []string
	pgtest.Row(t, pool, `SELECT array_agg(region ORDER BY region) FROM hubs`).Scan(&regions)
	want := []string{"KZ-11", "KZ-19", "KZ-27", "KZ-31", "KZ-33", "KZ-35", "KZ-39", "KZ-55", "KZ-71", "KZ-75"}
	if len(regions) != len(want) {
		t.Fatalf("hub regions %v", regions)
	}
	for i := range want {
		if regions[i] != want[i] {
			t.Fatalf("hub regions %v, want %v", regions, want)
		}
	}
	var overBudget, overAward int
	pgtest.Row(t, pool, `SELECT count(*) FROM fund_calls c WHERE (SELECT sum(amount) FROM fund_grants g WHERE g.call_id = c.id) > c.budget`).Scan(&overBudget)
	pgtest.Row(t, pool, `SELECT count(*) FROM fund_grants g WHERE (SELECT sum(amount) FROM fund_disbursements d WHERE d.grant_id = g.id) > g.amount`).Scan(&overAward)
	if overBudget != 0 || overAward != 0 {
		t.Fatalf("demo broke a budget (%d) or an award (%d)", overBudget, overAward)
	}
	if _, err := ngo.LoadDemo(ctx, pool, 300, now); err != ngo.ErrDemoLoaded {
		t.Errorf("second ngo load: %v", err)
	}

	signer, verifier, _ := ledger.GenerateKey("demo-test")
	sg, _ := ledger.NewSigner(signer)
	pub := ledger.NewPublisher(pool, ledger.PublisherConfig{Origin: "demo.test", Signer: sg})
	if _, err := pub.Publish(ctx); err != nil {
		t.Fatal(err)
	}
	v, _ := ledger.NewVerifier(verifier)
	owner := pgtest.OwnerPool(t, dbURL)
	if _, err := ledger.VerifyDB(ctx, owner, ledger.VerifyOptions{Verifier: v, Origin: "demo.test",
		Deep: []ledger.DeepCheck{fund.NewDeepCheck(), hubs.NewDeepCheck()}}); err != nil {
		t.Fatalf("deep verify of the demo: %v", err)
	}
}
