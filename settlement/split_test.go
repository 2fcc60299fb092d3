package settlement

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

func d(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// TestWorkedExample is the golden test of SPEC 5's worked example at both rates.
func TestWorkedExample(t *testing.T) {
	release := date(2026, 1, 8)
	scale := scale{{FromWeek: 1, DistributorPct: d("55")}, {FromWeek: 3, DistributorPct: d("50")}}
	cases := []struct {
		name                                 string
		saleDate                             time.Time
		vat, net, roy, exh, fee, pg, royPool string
	}{
		{"16pct", date(2026, 1, 9), "1282.76", "8017.24", "80.17", "3571.68", "654.81", "3710.58", "80.17"},
		{"12pct", date(2025, 12, 20), "996.43", "8303.57", "83.04", "3699.24", "678.19", "3843.10", "83.04"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			week := releaseWeek(release, date(2026, 1, 9))
			if week != 1 {
				t.Fatalf("week = %d", week)
			}
			pct, err := scale.pctFor(week)
			if err != nil {
				t.Fatal(err)
			}
			rate, err := defaultRates().rateOn(c.saleDate)
			if err != nil {
				t.Fatal(err)
			}
			gross := d("2500.00").Mul(d("3")).Add(d("1800.00"))
			s := splitLine([]VATPart{{Rate: rate, Gross: gross}},
				Terms{RoyaltyPct: d("1.0"), DistributorPct: pct, DistributionFeePct: d("15")})
			want := map[string][2]decimal.Decimal{
				"gross":            {s.Gross, d("9300.00")},
				"vat":              {s.VAT, d(c.vat)},
				"net":              {s.Net, d(c.net)},
				"royalty":          {s.Royalty, d(c.roy)},
				"exhibitor_share":  {s.ExhibitorShare, d(c.exh)},
				"distribution_fee": {s.DistributionFee, d(c.fee)},
				"producer_gross":   {s.ProducerGross, d(c.pg)},
			}
			for k, v := range want {
				if !v[0].Equal(v[1]) {
					t.Errorf("%s = %s, want %s", k, v[0].StringFixed(2), v[1].StringFixed(2))
				}
			}
			assertAddsUp(t, s)
		})
	}
}

func assertAddsUp(t *testing.T, s Split) {
	t.Helper()
	sum := s.VAT.Add(s.Royalty).Add(s.ExhibitorShare).Add(s.DistributionFee).Add(s.ProducerGross)
	if !sum.Equal(s.Gross) {
		t.Fatalf("parts %s != gross %s (%+v)", sum, s.Gross, s)
	}
	if !s.Net.Equal(s.Gross.Sub(s.VAT)) {
		t.Fatalf("net %s != gross-vat", s.Net)
	}
	for _, p := range []decimal.Decimal{s.VAT, s.Royalty, s.ExhibitorShare, s.DistributionFee, s.ProducerGross} {
		if p.Exponent() < -2 && !p.Equal(p.Round(2)) {
			t.Fatalf("part %s is not whole tiyn", p)
		}
	}
}

// TestSplitProperty checks over 20,000 random lines (both signs, two rates,
// non-VAT-payers, odd percentages) that the parts add up exactly.
func TestSplitProperty(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	pct := func(max int64, places int32) decimal.Decimal {
		return decimal.New(rng.Int64N(max*pow10(places)+1), -places)
	}
	var total Split
	total.Gross, total.VAT = decimal.Zero, decimal.Zero
	for i := 0; i < 20000; i++ {
		var parts []VATPart
		for k := 0; k < 1+rng.IntN(2); k++ {
			g := decimal.New(rng.Int64N(100_000_000_00), -2)
			if rng.IntN(10) == 0 {
				g = g.Neg()
			}
			rate := []decimal.Decimal{d("12"), d("16"), decimal.Zero, d("12.5")}[rng.IntN(4)]
			parts = append(parts, VATPart{Rate: rate, Gross: g})
		}
		terms := Terms{RoyaltyPct: pct(10, 4), DistributorPct: pct(100, 4), DistributionFeePct: pct(100, 4)}
		s := splitLine(parts, terms)
		assertAddsUp(t, s)
		pool := SplitRoyalty(s.Royalty, []Holder{
			{PartyID: "b", Role: "composer", SharePct: pct(50, 4)},
			{PartyID: "a", Role: "writer", SharePct: pct(50, 4).Add(d("0.0001"))},
			{PartyID: "c", Role: "director", SharePct: d("33.3333")},
		})
		sum := decimal.Zero
		for _, p := range pool {
			sum = sum.Add(p.Amount)
		}
		if !sum.Equal(s.Royalty) {
			t.Fatalf("royalty shares %s != pool %s", sum, s.Royalty)
		}
		total.Gross = total.Gross.Add(s.Gross)
		total.VAT = total.VAT.Add(s.VAT)
		total.Net = total.Net.Add(s.Net)
		total.Royalty = total.Royalty.Add(s.Royalty)
		total.ExhibitorShare = total.ExhibitorShare.Add(s.ExhibitorShare)
		total.DistributionFee = total.DistributionFee.Add(s.DistributionFee)
		total.ProducerGross = total.ProducerGross.Add(s.ProducerGross)
	}
	assertAddsUp(t, total)
}

func pow10(n int32) int64 {
	p := int64(1)
	for ; n > 0; n-- {
		p *= 10
	}
	return p
}

func TestVATRounding(t *testing.T) {
	cases := []struct{ gross, rate, want string }{
		{"9300.00", "16", "1282.76"},
		{"9300.00", "12", "996.43"},
		{"-9300.00", "16", "-1282.76"},
		{"0.29", "16", "0.04"},   // 0.04 exactly
		{"0.01", "12", "0.00"},   // 0.00107
		{"2500.00", "0", "0.00"}, // non-VAT-payer
		{"1.12", "12", "0.12"},   // exact
		{"0.145", "0", "0.00"},
		{"28.00", "12", "3.00"},
		{"0.58", "16", "0.08"},
	}
	for _, c := range cases {
		if got := VAT(d(c.gross), d(c.rate)); !got.Equal(d(c.want)) {
			t.Errorf("VAT(%s,%s) = %s want %s", c.gross, c.rate, got, c.want)
		}
	}
}

func TestRoundingTieOrder(t *testing.T) {
	// net 0.03 with royalty 25%, distributor 50% of rentable, fee 50%:
	// royalty 0.75, exhibitor 1.125, fee 0.5625, producer 0.5625 tiyn.
	// floors 0,1,0,0 = 1; missing 2 go to the largest remainders:
	// royalty .75, then fee/producer tie .5625 -> producer first.
	s := splitLine([]VATPart{{Rate: decimal.Zero, Gross: d("0.03")}},
		Terms{RoyaltyPct: d("25"), DistributorPct: d("50"), DistributionFeePct: d("50")})
	if !s.Royalty.Equal(d("0.01")) || !s.ExhibitorShare.Equal(d("0.01")) ||
		!s.ProducerGross.Equal(d("0.01")) || !s.DistributionFee.Equal(d("0")) {
		t.Fatalf("tie order: %+v", s)
	}
	// Equal remainders everywhere: net 0.01, royalty 0, distributor 50%, fee 0 ->
	// exhibitor 0.5, producer 0.5: producer wins the tiyn.
	s = splitLine([]VATPart{{Rate: decimal.Zero, Gross: d("0.01")}},
		Terms{RoyaltyPct: d("0"), DistributorPct: d("50"), DistributionFeePct: d("0")})
	if !s.ProducerGross.Equal(d("0.01")) || !s.ExhibitorShare.IsZero() {
		t.Fatalf("producer before exhibitor: %+v", s)
	}
	// Fee and exhibitor tie (0.5 tiyn each, all rental to the fee): the fee wins.
	s = splitLine([]VATPart{{Rate: decimal.Zero, Gross: d("0.01")}},
		Terms{RoyaltyPct: d("0"), DistributorPct: d("50"), DistributionFeePct: d("100")})
	if !s.DistributionFee.Equal(d("0.01")) || !s.ExhibitorShare.IsZero() {
		t.Fatalf("fee before exhibitor: %+v", s)
	}
	// royalty holders tie: by party id.
	sh := SplitRoyalty(d("0.01"), []Holder{{PartyID: "z", SharePct: d("50")}, {PartyID: "a", SharePct: d("50")}})
	if sh[0].PartyID != "a" || !sh[0].Amount.Equal(d("0.01")) || !sh[1].Amount.IsZero() {
		t.Fatalf("holder ties: %+v", sh)
	}
	sh = SplitRoyalty(d("80.17"), []Holder{{PartyID: "composer", SharePct: d("60")}, {PartyID: "writer", SharePct: d("40")}})
	if !sh[0].Amount.Equal(d("48.10")) || !sh[1].Amount.Equal(d("32.07")) {
		t.Fatalf("60/40 of 80.17: %+v", sh)
	}
}

func TestMixedRateLine(t *testing.T) {
	// A December 2025 presale (12%) and a January 2026 sale (16%) in one line:
	// each part's VAT rounded on its own and added.
	s := splitLine([]VATPart{{Rate: d("12"), Gross: d("2500.00")}, {Rate: d("16"), Gross: d("2500.00")}},
		Terms{RoyaltyPct: d("1"), DistributorPct: d("55"), DistributionFeePct: d("15")})
	want := VAT(d("2500.00"), d("12")).Add(VAT(d("2500.00"), d("16")))
	if !s.VAT.Equal(want) || !want.Equal(d("267.86").Add(d("344.83"))) {
		t.Fatalf("vat %s want %s", s.VAT, want)
	}
	assertAddsUp(t, s)
}

// TestRecoupmentTwoMonths recovers 5000.00 across lines of two months:
// producer_share is 0 until it is recovered, then the remainder.
func TestRecoupmentTwoMonths(t *testing.T) {
	r := recouper{Expenses: d("5000.00"), ProducerGross: decimal.Zero, Recovered: decimal.Zero}
	lines := []struct{ period, pg, rec, share string }{
		{"2026-01", "1500.00", "1500.00", "0.00"},
		{"2026-01", "2210.58", "2210.58", "0.00"},
		{"2026-02", "1000.00", "1000.00", "0.00"},
		{"2026-02", "3710.58", "289.42", "3421.16"},
		{"2026-02", "500.00", "0.00", "500.00"},
		{"2026-03", "-100.00", "0.00", "-100.00"}, // a refund adjustment after recovery reduces the share
	}
	for i, l := range lines {
		rec := r.apply(d(l.pg))
		share := d(l.pg).Sub(rec)
		if !rec.Equal(d(l.rec)) || !share.Equal(d(l.share)) {
			t.Fatalf("line %d (%s): recoupment %s share %s, want %s %s", i, l.period, rec, share, l.rec, l.share)
		}
	}
	if !r.Recovered.Equal(d("5000.00")) {
		t.Fatalf("recovered %s", r.Recovered)
	}
	// A refund before recovery is complete gives recovery back.
	r2 := recouper{Expenses: d("5000.00")}
	r2.apply(d("3000.00"))
	if rec := r2.apply(d("-500.00")); !rec.Equal(d("-500.00")) {
		t.Fatalf("negative adjustment: %s", rec)
	}
}

func TestReleaseWeekAndScale(t *testing.T) {
	rel := date(2026, 1, 8)
	cases := []struct {
		day  time.Time
		week int
	}{
		{date(2026, 1, 1), 1}, // preview
		{date(2026, 1, 8), 1},
		{date(2026, 1, 14), 1},
		{date(2026, 1, 15), 2},
		{date(2026, 1, 22), 3},
		{date(2026, 3, 31), 12},
	}
	for _, c := range cases {
		if w := releaseWeek(rel, c.day); w != c.week {
			t.Errorf("week of %s = %d want %d", c.day.Format(time.DateOnly), w, c.week)
		}
	}
	def := scale{{1, d("55")}, {3, d("50")}, {5, d("40")}}
	for week, want := range map[int]string{1: "55", 2: "55", 3: "50", 4: "50", 9: "40"} {
		if p, _ := def.pctFor(week); !p.Equal(d(want)) {
			t.Errorf("week %d pct %s want %s", week, p, want)
		}
	}
	if _, err := (scale{{2, d("50")}}).pctFor(1); err == nil {
		t.Error("want ErrNoRentalTerms")
	}
	ovs := []override{
		{ExhibitorID: "ex1", EffectiveFrom: date(2026, 1, 15), Scale: scale{{1, d("60")}}},
		{ExhibitorID: "ex1", EffectiveFrom: date(2026, 2, 1), Scale: scale{{1, d("45")}}},
		{ExhibitorID: "ex2", EffectiveFrom: date(2026, 1, 1), Scale: scale{{1, d("70")}}},
	}
	for _, c := range []struct {
		ex   string
		day  time.Time
		want string
	}{
		{"ex1", date(2026, 1, 14), "55"},
		{"ex1", date(2026, 1, 15), "60"},
		{"ex1", date(2026, 2, 3), "45"},
		{"ex3", date(2026, 2, 3), "50"}, // week 4
		{"ex2", date(2026, 1, 8), "70"},
	} {
		p, _ := scaleFor(def, ovs, c.ex, c.day).pctFor(releaseWeek(rel, c.day))
		if !p.Equal(d(c.want)) {
			t.Errorf("%s on %s: %s want %s", c.ex, c.day.Format(time.DateOnly), p, c.want)
		}
	}
	if r, _ := defaultRates().rateOn(date(2025, 12, 31)); !r.Equal(d("12")) {
		t.Error("2025-12-31 rate")
	}
	if r, _ := defaultRates().rateOn(date(2026, 1, 1)); !r.Equal(d("16")) {
		t.Error("2026-01-01 rate")
	}
	if _, err := defaultRates().rateOn(date(2000, 1, 1)); err == nil {
		t.Error("want ErrNoVATRate")
	}
}

// TestSplitPathsAgree holds the integer split to the exact one on random
// lines (both production code, neither a copy of the other).
func TestSplitPathsAgree(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for i := 0; i < 20000; i++ {
		net := decimal.New(rng.Int64N(2_000_000_000_00)-1_000_000_000_00, -2)
		terms := Terms{RoyaltyPct: decimal.New(rng.Int64N(100_0000+1), -4), DistributorPct: decimal.New(rng.Int64N(100_0000+1), -4),
			DistributionFeePct: decimal.New(rng.Int64N(100_0000+1), -4)}
		fast, ok := splitFast(net, terms)
		if !ok {
			t.Fatalf("fast path refused %s %+v", net, terms)
		}
		if exact := splitExact(net, terms); fast != exact {
			t.Fatalf("net %s terms %+v: integer %v, exact %v", net, terms, fast, exact)
		}
		if sum := fast[0] + fast[1] + fast[2] + fast[3]; sum != net.Shift(2).IntPart() {
			t.Fatalf("net %s: parts %v add up to %d tiyn", net, fast, sum)
		}
	}
	if _, ok := splitFast(d("1.00"), Terms{RoyaltyPct: d("1.00001"), DistributorPct: d("50"), DistributionFeePct: d("0")}); ok {
		t.Fatal("five decimals must take the exact path")
	}
}

// TestVATPathsAgree holds VAT's integer path to the exact one on random
// input, and checks that VAT takes the exact path where integers do not fit.
func TestVATPathsAgree(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for i := 0; i < 20000; i++ {
		g := decimal.New(rng.Int64N(2_000_000_000_00)-1_000_000_000_00, -2)
		rate := decimal.New(rng.Int64N(5000), -2)
		q, ok := vatTiyn(g, rate)
		if !ok {
			t.Fatalf("integer path refused %s at %s", g, rate)
		}
		if exact := vatExact(g, rate); !fromTiyn(q).Equal(exact) {
			t.Fatalf("VAT(%s, %s): integer %s, exact %s", g, rate, fromTiyn(q), exact)
		}
	}
	big := d("10000000000000.00") // 10^13 KZT: past the integer path
	if _, ok := vatTiyn(big, d("16")); ok {
		t.Fatal("the integer path took an amount it cannot hold")
	}
	if got := VAT(big, d("16")); !got.Equal(d("1379310344827.59")) {
		t.Fatalf("VAT(10^13, 16) = %s, want 1379310344827.59", got)
	}
}

// TestNegativeLinesMirrorSales: a refund adjustment line splits exactly as
// the negation of the sale it reverses (rounding symmetric about zero), so a
// fully refunded line leaves every party, and every rights holder, at zero.
func TestNegativeLinesMirrorSales(t *testing.T) {
	terms := Terms{RoyaltyPct: d("1"), DistributorPct: d("55"), DistributionFeePct: d("15")}
	sale := splitLine([]VATPart{{Rate: d("16"), Gross: d("232.00")}}, terms)
	refund := splitLine([]VATPart{{Rate: d("16"), Gross: d("-232.00")}}, terms)
	if sale.DistributionFee.String() != "16.33" || sale.ProducerGross.String() != "92.57" ||
		refund.DistributionFee.String() != "-16.33" || refund.ProducerGross.String() != "-92.57" {
		t.Errorf("232.00: sale fee %s producer %s, refund fee %s producer %s; want 16.33 92.57 and their negations",
			sale.DistributionFee, sale.ProducerGross, refund.DistributionFee, refund.ProducerGross)
	}
	holders := []Holder{{PartyID: "rh-a", Role: "composer", SharePct: d("50")}, {PartyID: "rh-b", Role: "writer", SharePct: d("50")}}
	up, down := SplitRoyalty(d("80.17"), holders), SplitRoyalty(d("-80.17"), holders)
	if up[0].Amount.String() != "40.09" || up[1].Amount.String() != "40.08" || down[0].Amount.String() != "-40.09" || down[1].Amount.String() != "-40.08" {
		t.Errorf("royalty 80.17 split %s/%s, -80.17 split %s/%s", up[0].Amount, up[1].Amount, down[0].Amount, down[1].Amount)
	}

	rng := rand.New(rand.NewPCG(5, 6))
	for i := 0; i < 10000; i++ {
		g := decimal.New(rng.Int64N(10_000_000_00)+1, -2)
		rate := []decimal.Decimal{d("12"), d("16"), decimal.Zero}[rng.IntN(3)]
		tm := Terms{RoyaltyPct: decimal.New(rng.Int64N(10_0000+1), -4), DistributorPct: decimal.New(rng.Int64N(100_0000+1), -4),
			DistributionFeePct: decimal.New(rng.Int64N(100_0000+1), -4)}
		if rng.IntN(4) == 0 { // five decimals: the exact big.Rat path
			tm.RoyaltyPct = tm.RoyaltyPct.Add(d("0.00001"))
		}
		pos, neg := splitLine([]VATPart{{Rate: rate, Gross: g}}, tm), splitLine([]VATPart{{Rate: rate, Gross: g.Neg()}}, tm)
		for _, pair := range [][2]decimal.Decimal{{pos.VAT, neg.VAT}, {pos.Royalty, neg.Royalty}, {pos.ExhibitorShare, neg.ExhibitorShare},
			{pos.DistributionFee, neg.DistributionFee}, {pos.ProducerGross, neg.ProducerGross}} {
			if !pair[0].Neg().Equal(pair[1]) {
				t.Fatalf("gross %s terms %+v: sale %+v, refund %+v", g, tm, pos, neg)
			}
		}
		a, b := SplitRoyalty(pos.Royalty, holders), SplitRoyalty(neg.Royalty, holders)
		for k := range a {
			if !a[k].Amount.Neg().Equal(b[k].Amount) {
				t.Fatalf("royalty %s: %s vs %s", pos.Royalty, a[k].Amount, b[k].Amount)
			}
		}
	}
}
