package settlement

import (
	"errors"
	"fmt"
	"math/big"
	"sort"
	"time"

	"github.com/shopspring/decimal"
)

// ErrNoVATRate is returned when the rate table has no rate for a sale date.
var ErrNoVATRate = errors.New("settlement: no VAT rate for the sale date")

// ErrNoRentalTerms is returned when a film has no rental step for a week.
var ErrNoRentalTerms = errors.New("settlement: no rental terms for the release week")

// vatRate is the VAT rate in percent in force from From to To inclusive
// (To zero means open-ended). Dates are calendar dates at UTC midnight.
type vatRate struct {
	From time.Time
	To   time.Time
	Rate decimal.Decimal
}

// rateTable is the dated VAT rate table, read from the vat_rates table.
type rateTable []vatRate

// rateOn returns the rate in force on the local sale date d.
func (t rateTable) rateOn(d time.Time) (decimal.Decimal, error) {
	d = dateOf(d)
	for _, r := range t {
		if !d.Before(r.From) && (r.To.IsZero() || !d.After(r.To)) {
			return r.Rate, nil
		}
	}
	return decimal.Zero, fmt.Errorf("%w: %s", ErrNoVATRate, d.Format(time.DateOnly))
}

// defaultRates is the Kazakh VAT rate table as seeded by the migration
// (12% until 2025-12-31, 16% from 2026-01-01), for tests and tools; the
// service reads the table from the database.
func defaultRates() rateTable {
	return rateTable{
		{From: date(2009, 1, 1), To: date(2025, 12, 31), Rate: decimal.NewFromInt(12)},
		{From: date(2026, 1, 1), Rate: decimal.NewFromInt(16)},
	}
}

// VAT returns the VAT included in gross at rate percent:
// round half-up to tiyn of gross × rate / (100 + rate), computed exactly.
// Negative amounts (refund adjustments) round symmetrically, so VAT(-x) = -VAT(x).
//
// Two implementations give the same answer: vatTiyn in int64 for the
// amounts and rates that occur (rates with at most two decimals, amounts
// below 9·10^12 KZT), vatExact with big.Rat for everything else.
// TestVATPathsAgree holds them to each other on random input; the integer
// path is kept because statements compute VAT per rate and day on every
// line (BenchmarkSplitLine: about 3× faster than the exact path alone).
func VAT(gross, rate decimal.Decimal) decimal.Decimal {
	if rate.IsZero() || gross.IsZero() {
		return decimal.Zero
	}
	if q, ok := vatTiyn(gross, rate); ok {
		return fromTiyn(q)
	}
	return vatExact(gross, rate)
}

// vatTiyn is VAT in integer tiyn, when the operands fit (ok false otherwise).
func vatTiyn(gross, rate decimal.Decimal) (int64, bool) {
	g, r := gross.Shift(2), rate.Shift(2)
	if !g.IsInteger() || !r.IsInteger() || r.IsNegative() || !g.Abs().LessThan(decimal.New(9, 14)) || !r.LessThan(decimal.NewFromInt(10000)) {
		return 0, false
	}
	gi, ri := g.IntPart(), r.IntPart()
	neg := gi < 0
	if neg {
		gi = -gi
	}
	num, den := gi*ri, 10000+ri
	q := num / den
	if 2*(num%den) >= den {
		q++
	}
	if neg {
		q = -q
	}
	return q, true
}

// vatExact is VAT with exact rationals, for any operands.
func vatExact(gross, rate decimal.Decimal) decimal.Decimal {
	num := new(big.Rat).Mul(tiynRat(gross), rate.Rat())
	den := new(big.Rat).Add(big.NewRat(100, 1), rate.Rat())
	q := new(big.Rat).Quo(num, den)
	return fromTiyn(roundHalfAwayFromZero(q))
}

// VATPart is the part of a line's gross sold at one VAT rate.
type VATPart struct {
	Rate  decimal.Decimal
	Gross decimal.Decimal
	VAT   decimal.Decimal
}

// Terms are the percentages applied to one line.
type Terms struct {
	RoyaltyPct         decimal.Decimal
	DistributorPct     decimal.Decimal
	DistributionFeePct decimal.Decimal
}

// Split is the division of one line's gross. VAT + Royalty + ExhibitorShare +
// DistributionFee + ProducerGross = Gross exactly, and Net = Gross - VAT.
type Split struct {
	Gross           decimal.Decimal
	VAT             decimal.Decimal
	Net             decimal.Decimal
	Royalty         decimal.Decimal
	ExhibitorShare  decimal.Decimal
	DistributionFee decimal.Decimal
	ProducerGross   decimal.Decimal
	VATParts        []VATPart
}

// Rentable is net − royalty after rounding (SPEC 5 step 3).
func (s Split) Rentable() decimal.Decimal {
	return s.ExhibitorShare.Add(s.DistributionFee).Add(s.ProducerGross)
}

// Rental is the distributor's rental after rounding: fee + producer gross.
func (s Split) Rental() decimal.Decimal { return s.DistributionFee.Add(s.ProducerGross) }

// Tie order of the rounding rule: producer, distribution fee, exhibitor, royalty.
const (
	partRoyalty = iota
	partExhibitor
	partFee
	partProducer
)

var splitTiePriority = []int{partRoyalty: 3, partExhibitor: 2, partFee: 1, partProducer: 0}

// splitLine splits a line whose gross was sold at the given rates. Each rate's
// part has its VAT rounded on its own (SPEC 5.2); the net is then divided
// exactly and the four parts rounded together by the largest-remainder rule.
// A non-VAT-payer exhibitor passes parts with a zero rate.
func splitLine(parts []VATPart, t Terms) Split {
	var s Split
	s.Gross, s.VAT = decimal.Zero, decimal.Zero
	for _, p := range parts {
		p.VAT = VAT(p.Gross, p.Rate)
		s.Gross = s.Gross.Add(p.Gross)
		s.VAT = s.VAT.Add(p.VAT)
		s.VATParts = append(s.VATParts, p)
	}
	s.Net = s.Gross.Sub(s.VAT)
	got, ok := splitFast(s.Net, t)
	if !ok {
		got = splitExact(s.Net, t)
	}
	s.Royalty = fromTiyn(got[partRoyalty])
	s.ExhibitorShare = fromTiyn(got[partExhibitor])
	s.DistributionFee = fromTiyn(got[partFee])
	s.ProducerGross = fromTiyn(got[partProducer])
	return s
}

// splitExact divides net (SPEC 5 step 3) with exact rationals and rounds
// the four parts together by the largest-remainder rule. It takes any
// percentages; splitFast gives the same answer in integers for the
// percentages that are stored (four decimals), and TestSplitPathsAgree holds
// the two to each other on random input. The integer path is kept for
// speed (BenchmarkSplitLine: about 3× faster).
func splitExact(net decimal.Decimal, t Terms) [4]int64 {
	n := tiynRat(net)
	hundred := big.NewRat(100, 1)
	pct := func(x *big.Rat, p decimal.Decimal) *big.Rat {
		r := new(big.Rat).Mul(x, p.Rat())
		return r.Quo(r, hundred)
	}
	royalty := pct(n, t.RoyaltyPct)
	rentable := new(big.Rat).Sub(n, royalty)
	rental := pct(rentable, t.DistributorPct)
	exhibitor := new(big.Rat).Sub(rentable, rental)
	fee := pct(rental, t.DistributionFeePct)
	producer := new(big.Rat).Sub(rental, fee)
	exact := make([]*big.Rat, 4)
	exact[partRoyalty], exact[partExhibitor], exact[partFee], exact[partProducer] = royalty, exhibitor, fee, producer
	var out [4]int64
	copy(out[:], largestRemainder(exact, splitTiePriority))
	return out
}

// Holder is one rights holder's share of a film's royalty pool.
type Holder struct {
	PartyID  string
	Role     string
	SharePct decimal.Decimal
}

// RoyaltyShare is a rights holder's part of one line's royalty pool.
type RoyaltyShare struct {
	PartyID  string
	Role     string
	SharePct decimal.Decimal
	Amount   decimal.Decimal
}

// SplitRoyalty divides a line's royalty pool among the film's rights holders
// in proportion to share_pct (normalised by the sum of shares, so shares that
// add up to 100 mean exactly share_pct percent), floored to tiyn with the
// missing tiyn going to the largest remainders, ties by party id then role.
// The amounts add up to pool exactly. With no holders (or zero shares) it
// returns nil: the pool is then unallocated.
func SplitRoyalty(pool decimal.Decimal, holders []Holder) []RoyaltyShare {
	hs := append([]Holder(nil), holders...)
	sort.Slice(hs, func(i, j int) bool {
		if hs[i].PartyID != hs[j].PartyID {
			return hs[i].PartyID < hs[j].PartyID
		}
		return hs[i].Role < hs[j].Role
	})
	total := new(big.Rat)
	for _, h := range hs {
		total.Add(total, h.SharePct.Rat())
	}
	if len(hs) == 0 || total.Sign() <= 0 {
		return nil
	}
	p := tiynRat(pool)
	exact := make([]*big.Rat, len(hs))
	prio := make([]int, len(hs))
	for i, h := range hs {
		r := new(big.Rat).Mul(p, h.SharePct.Rat())
		exact[i] = r.Quo(r, total)
		prio[i] = i
	}
	got := largestRemainder(exact, prio)
	out := make([]RoyaltyShare, len(hs))
	for i, h := range hs {
		out[i] = RoyaltyShare{PartyID: h.PartyID, Role: h.Role, SharePct: h.SharePct, Amount: fromTiyn(got[i])}
	}
	return out
}

// largestRemainder floors each exact tiyn amount and hands the tiyn missing
// from the exact (integral) total to the largest fractional remainders; ties
// go to the lowest priority value. The exact amounts must add up to an
// integer number of tiyn. A negative total (a refund adjustment) is divided
// as its magnitude and negated, so that it mirrors the sale it reverses to
// the tiyn: rounding is symmetric about zero.
func largestRemainder(exact []*big.Rat, priority []int) []int64 {
	sum := new(big.Rat)
	for _, x := range exact {
		sum.Add(sum, x)
	}
	if sum.Sign() < 0 {
		neg := make([]*big.Rat, len(exact))
		for i, x := range exact {
			neg[i] = new(big.Rat).Neg(x)
		}
		out := largestRemainder(neg, priority)
		for i := range out {
			out[i] = -out[i]
		}
		return out
	}
	out := make([]int64, len(exact))
	rem := make([]*big.Rat, len(exact))
	var floors int64
	for i, x := range exact {
		f := floorRat(x)
		out[i] = f
		floors += f
		rem[i] = new(big.Rat).Sub(x, new(big.Rat).SetInt64(f))
	}
	if !sum.IsInt() {
		panic("settlement: exact parts do not add up to whole tiyn")
	}
	missing := sum.Num().Int64() - floors
	idx := make([]int, len(exact))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool {
		c := rem[idx[a]].Cmp(rem[idx[b]])
		if c != 0 {
			return c > 0
		}
		return priority[idx[a]] < priority[idx[b]]
	})
	for k := int64(0); k < missing; k++ {
		out[idx[k]]++
	}
	return out
}

// recouper tracks the recovery of one film's recoupable expenses by the
// distributor out of producer_gross, cumulatively across lines in date
// order and across periods.
type recouper struct {
	Expenses      decimal.Decimal // recoupable_expenses of the film
	ProducerGross decimal.Decimal // sum of producer_gross of the lines seen so far
	Recovered     decimal.Decimal // sum of recoupment of the lines seen so far
}

// apply returns the recoupment of the next line with producer gross pg and
// records it. The amount recovered after the line is the cumulative
// producer gross clamped to [0, Expenses]; a negative adjustment therefore
// first reduces the producer's surplus and only then gives recovery back.
func (r *recouper) apply(pg decimal.Decimal) decimal.Decimal {
	r.ProducerGross = r.ProducerGross.Add(pg)
	target := r.ProducerGross
	limit := decimal.Max(r.Expenses, decimal.Zero)
	if target.IsNegative() {
		target = decimal.Zero
	}
	if target.GreaterThan(limit) {
		target = limit
	}
	rec := target.Sub(r.Recovered)
	r.Recovered = target
	return rec
}

// releaseWeek returns the release week of a box-office day: week 1 is the
// seven days starting on the release date, and previews before the release
// count as week 1.
func releaseWeek(release, boxOfficeDay time.Time) int {
	r, d := dateOf(release), dateOf(boxOfficeDay)
	if d.Before(r) {
		return 1
	}
	days := int(d.Sub(r).Hours()/24 + 0.5)
	return days/7 + 1
}

// step is one step of a rental scale: from release week FromWeek on, the
// distributor takes DistributorPct percent of the rentable net.
type step struct {
	FromWeek       int
	DistributorPct decimal.Decimal
}

// scale is a rental scale (any order).
type scale []step

// pctFor returns the distributor percentage of the step in force in week.
func (s scale) pctFor(week int) (decimal.Decimal, error) {
	best := -1
	for i, st := range s {
		if st.FromWeek <= week && (best < 0 || st.FromWeek > s[best].FromWeek) {
			best = i
		}
	}
	if best < 0 {
		return decimal.Zero, fmt.Errorf("%w: week %d", ErrNoRentalTerms, week)
	}
	return s[best].DistributorPct, nil
}

// override is an exhibitor's own rental scale for a film, in force from
// EffectiveFrom (a box-office day) until the next override.
type override struct {
	ExhibitorID   string
	EffectiveFrom time.Time
	Scale         scale
}

// scaleFor returns the scale in force for exhibitor on box-office day: the
// latest override with EffectiveFrom on or before the day, else the film's
// default scale.
func scaleFor(def scale, overrides []override, exhibitorID string, day time.Time) scale {
	day = dateOf(day)
	var best *override
	for i := range overrides {
		o := &overrides[i]
		if o.ExhibitorID != exhibitorID || dateOf(o.EffectiveFrom).After(day) {
			continue
		}
		if best == nil || o.EffectiveFrom.After(best.EffectiveFrom) {
			best = o
		}
	}
	if best != nil {
		return best.Scale
	}
	return def
}

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// dateOf drops the clock of a calendar date read from anywhere, keeping its
// year, month and day as written.
func dateOf(t time.Time) time.Time {
	y, m, d := t.Date()
	return date(y, m, d)
}

func tiynRat(d decimal.Decimal) *big.Rat {
	return new(big.Rat).Mul(d.Rat(), big.NewRat(100, 1))
}

func fromTiyn(n int64) decimal.Decimal { return decimal.New(n, -2) }

func floorRat(x *big.Rat) int64 {
	q, m := new(big.Int).DivMod(x.Num(), x.Denom(), new(big.Int))
	_ = m // Euclidean division with a positive denominator floors.
	return q.Int64()
}

func roundHalfAwayFromZero(x *big.Rat) int64 {
	abs := new(big.Rat).Abs(x)
	abs.Add(abs, big.NewRat(1, 2))
	n := floorRat(abs)
	if x.Sign() < 0 {
		return -n
	}
	return n
}

// splitFast is splitLine's division with integers when every percentage has
// at most four decimals (as stored, numeric(7,4)): with percentages scaled to
// millionths (p% = P/10^6), the four exact parts are numerators over the
// common denominator 10^18 and add up to net × 10^18 exactly. It gives the
// same result as splitExact (TestSplitPathsAgree).
func splitFast(net decimal.Decimal, t Terms) ([4]int64, bool) {
	var out [4]int64
	rp, ok1 := millionths(t.RoyaltyPct)
	dp, ok2 := millionths(t.DistributorPct)
	fp, ok3 := millionths(t.DistributionFeePct)
	nt := net.Shift(2)
	if !ok1 || !ok2 || !ok3 || !nt.IsInteger() || !nt.BigInt().IsInt64() {
		return out, false
	}
	e6 := big.NewInt(1_000_000)
	e12 := big.NewInt(1_000_000_000_000)
	N := nt.BigInt()
	neg := N.Sign() < 0 // symmetric rounding, as in largestRemainder
	if neg {
		N.Neg(N)
	}
	R, D, F := big.NewInt(rp), big.NewInt(dp), big.NewInt(fp)
	oneMinus := func(x *big.Int) *big.Int { return new(big.Int).Sub(e6, x) }
	mul := func(xs ...*big.Int) *big.Int {
		r := new(big.Int).Set(xs[0])
		for _, x := range xs[1:] {
			r.Mul(r, x)
		}
		return r
	}
	num := [4]*big.Int{}
	num[partRoyalty] = mul(N, R, e12)
	num[partExhibitor] = mul(N, oneMinus(R), oneMinus(D), e6)
	num[partFee] = mul(N, oneMinus(R), D, F)
	num[partProducer] = mul(N, oneMinus(R), D, oneMinus(F))
	den := new(big.Int).Mul(e12, e6)
	rem := [4]*big.Int{}
	var floors int64
	for i, x := range num {
		q, m := new(big.Int).DivMod(x, den, new(big.Int)) // Euclidean: floor for a positive divisor
		out[i], rem[i] = q.Int64(), m
		floors += out[i]
	}
	idx := []int{0, 1, 2, 3}
	sort.SliceStable(idx, func(a, b int) bool {
		if c := rem[idx[a]].Cmp(rem[idx[b]]); c != 0 {
			return c > 0
		}
		return splitTiePriority[idx[a]] < splitTiePriority[idx[b]]
	})
	for k := int64(0); k < N.Int64()-floors; k++ {
		out[idx[k]]++
	}
	if neg {
		for i := range out {
			out[i] = -out[i]
		}
	}
	return out, true
}

// millionths returns p (a percentage) in millionths of the whole when it has
// at most four decimals and lies in [0, 100].
func millionths(p decimal.Decimal) (int64, bool) {
	x := p.Shift(4)
	if !x.IsInteger() || p.IsNegative() || p.GreaterThan(decimal.NewFromInt(100)) {
		return 0, false
	}
	return x.IntPart(), true
}
