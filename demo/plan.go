package demo

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"ecinema/kztime"
	"ecinema/registry"
	"ecinema/validate"
)

// World is the registry part of a demo data set: parties, cinemas with
// halls and films. It depends only on the seed and the span.
type World struct {
	Parties []registry.Party
	Cinemas []registry.Cinema
	Films   []Film
}

// Film is a registry film with what the demo needs to program it.
type Film struct {
	registry.Film
	Release  time.Time // local release date (a Thursday)
	Strength float64   // relative audience pull in its first week
	Decay    float64   // audience kept from one week to the next
	Preview  bool      // previews on the Wednesday before release
	Has3D    bool
	Adult21  bool
}

// makeBIN generates a valid BIN: YYMM of registration, 4 = legal entity,
// 0 = head office, a serial, and the SPEC 2 check digit.
func makeBIN(r *rand.Rand) string {
	for {
		yy, mm := (95+r.IntN(30))%100, 1+r.IntN(12)
		serial := []byte(fmt.Sprintf("%02d%02d40", yy, mm))
		for range 5 {
			serial = append(serial, byte('0'+r.IntN(10)))
		}
		if b, ok := validate.CompleteBIN(string(serial)); ok {
			return b
		}
	}
}

func seededRand(seed uint64, parts ...uint64) *rand.Rand {
	s2 := uint64(0x9e3779b97f4a7c15)
	for _, p := range parts {
		s2 = s2*0x100000001b3 ^ (p + 0x632be59bd9b4e019)
	}
	return rand.New(rand.NewPCG(seed, s2))
}

// firstThursdayOnOrAfter returns the Thursday on or after d.
func thursdayOnOrAfter(d time.Time) time.Time {
	return d.AddDate(0, 0, (int(time.Thursday)-int(d.Weekday())+7)%7)
}

// NewWorld builds the registry for a span of box-office days first..last
// (local dates as midnight UTC). Films are released on Thursdays from ten
// weeks before first up to last, about 2.9 a week (about 150 a year):
// about half national, about a tenth coproductions.
func NewWorld(seed uint64, first, last time.Time) World {
	r := seededRand(seed, 1)
	var w World
	party := func(id, kind, name string) string {
		w.Parties = append(w.Parties, registry.Party{ID: id, Kind: kind, Name: name, BIN: makeBIN(r)})
		return id
	}
	for i, n := range chains {
		party(fmt.Sprintf("ex-chain-%d", i+1), registry.KindExhibitor, n+" LLP")
	}
	for i, n := range distributorNames {
		party(fmt.Sprintf("dist-%d", i+1), registry.KindDistributor, n+" LLP")
	}
	for i, n := range producerNames {
		party(fmt.Sprintf("prod-%d", i+1), registry.KindProducer, n)
	}
	for i, n := range foreignProducerNames {
		party(fmt.Sprintf("prod-f%d", i+1), registry.KindProducer, n)
	}
	for i, n := range rightsHolderNames {
		party(fmt.Sprintf("rh-%d", i+1), registry.KindRightsHolder, n)
	}

	// Cinemas and halls.
	local := 0
	for _, rc := range regionCities {
		for k := 0; k < rc.cinemas; k++ {
			city := rc.cities[k%len(rc.cities)]
			big := rc.code == "KZ-75" || rc.code == "KZ-71" || rc.code == "KZ-79"
			id := fmt.Sprintf("cin-%s-%02d", strings.ToLower(strings.TrimPrefix(rc.code, "KZ-")), k+1)
			var exhibitor, name string
			vat := true
			if (big && r.Float64() < 0.8) || (!big && r.Float64() < 0.35) {
				ci := r.IntN(len(chains))
				exhibitor = fmt.Sprintf("ex-chain-%d", ci+1)
				name = fmt.Sprintf("%s %s %d", chains[ci], city, k+1)
			} else {
				local++
				n := localCinemaNames[local%len(localCinemaNames)]
				name = fmt.Sprintf("%s (%s)", n, city)
				exhibitor = party(fmt.Sprintf("ex-%03d", local), registry.KindExhibitor, "Kinoteatr "+n+" "+city+" LLP")
				vat = r.Float64() < 0.6
			}
			halls := 1 + r.IntN(3)
			if big {
				halls = 3 + r.IntN(4)
			} else if rc.cinemas >= 4 {
				halls = 2 + r.IntN(3)
			}
			c := registry.Cinema{ID: id, Name: name, ExhibitorID: exhibitor, Region: rc.code, City: city, VATPayer: &vat}
			for h := 1; h <= halls; h++ {
				seats := 60 + r.IntN(200)
				hn := fmt.Sprintf("Hall %d", h)
				if h == 1 && big && r.Float64() < 0.3 {
					hn, seats = "IMAX", 300+r.IntN(150)
				} else if h == halls && halls >= 4 {
					hn, seats = "VIP", 24+r.IntN(20)
				}
				c.Halls = append(c.Halls, registry.Hall{ID: fmt.Sprintf("h%d", h), Name: hn, Seats: seats})
			}
			w.Cinemas = append(w.Cinemas, c)
		}
	}

	// Films.
	start := thursdayOnOrAfter(first.AddDate(0, 0, -70))
	ni, ci, fi := 0, 0, 0
	n := 0
	for rel := start; !rel.After(last); rel = rel.AddDate(0, 0, 7) {
		count := 2 + r.IntN(3) // 2..4, mean 3
		if r.Float64() < 0.1 {
			count--
		}
		for k := 0; k < count; k++ {
			n++
			var f Film
			u := r.Float64()
			var t title
			switch {
			case u < 0.45:
				f.Origin = "national"
				t = pickTitle(nationalTitles, &ni)
				f.Countries = []string{"KZ"}
				f.ProducerID = fmt.Sprintf("prod-%d", 1+r.IntN(len(producerNames)))
				f.RecoupableExpenses = strconv.Itoa(5+r.IntN(40)) + "000000.00"
			case u < 0.55:
				f.Origin = "coproduction"
				t = pickTitle(coproductionTitles, &ci)
				f.Countries = coproductionCountries[r.IntN(len(coproductionCountries))]
				f.ProducerID = fmt.Sprintf("prod-%d", 1+r.IntN(len(producerNames)))
				f.RecoupableExpenses = strconv.Itoa(10+r.IntN(60)) + "000000.00"
			default:
				f.Origin = "foreign"
				t = pickTitle(foreignTitles, &fi)
				f.Countries = foreignCountries[r.IntN(len(foreignCountries))]
				f.ProducerID = fmt.Sprintf("prod-f%d", 1+r.IntN(len(foreignProducerNames)))
				f.RecoupableExpenses = "0.00"
				f.Has3D = r.Float64() < 0.35
			}
			f.ID = fmt.Sprintf("film-%s-%d", rel.Format("20060102"), k+1)
			f.Title = registry.Title{KK: t.kk, RU: t.ru, EN: t.en}
			f.Release = rel
			f.ReleaseDate = rel.Format("2006-01-02")
			f.RuntimeMin = 85 + r.IntN(70)
			f.AgeRating = []string{"0+", "6+", "6+", "12+", "12+", "12+", "14+", "16+", "16+", "18+"}[r.IntN(10)]
			if r.Float64() < 0.02 {
				f.AgeRating, f.Adult21 = "21+", true
			}
			f.Certificate = registry.Certificate{
				Number:    fmt.Sprintf("KZ-PU-%s-%04d", rel.Format("2006"), n),
				ValidFrom: rel.AddDate(0, 0, -14).Format("2006-01-02"),
				ValidTo:   rel.AddDate(1, 0, 0).Format("2006-01-02"),
			}
			f.DistributorID = fmt.Sprintf("dist-%d", 1+r.IntN(len(distributorNames)))
			f.DistributionFeePct = []string{"10", "12.5", "15"}[r.IntN(3)]
			f.RoyaltyPct = "1.0"
			a, b := 1+r.IntN(len(rightsHolderNames)), 0
			b = 1 + (a % len(rightsHolderNames))
			f.RightsHolders = []registry.RightsShare{
				{PartyID: fmt.Sprintf("rh-%d", a), Role: "composer", SharePct: "60"},
				{PartyID: fmt.Sprintf("rh-%d", b), Role: "screenwriter", SharePct: "40"},
			}
			f.RentalTerms = []registry.RentalStep{{FromWeek: 1, DistributorPct: "55"}, {FromWeek: 3, DistributorPct: "50"}, {FromWeek: 5, DistributorPct: "45"}}
			// Audience pull: a few hits, many small films (log-normal).
			f.Strength = math.Exp(r.NormFloat64() * 1.0)
			if f.Origin == "national" {
				f.Decay = 0.62 + r.Float64()*0.2 // word of mouth: national films hold longer
			} else {
				f.Decay = 0.5 + r.Float64()*0.2
			}
			f.Preview = r.Float64() < 0.25
			w.Films = append(w.Films, f)
		}
	}
	return w
}

func pickTitle(list []title, i *int) title {
	t := list[*i%len(list)]
	if round := *i / len(list); round > 0 {
		s := " " + strconv.Itoa(round+1)
		t = title{t.kk + s, t.ru + s, t.en + s}
	}
	*i++
	return t
}

// Screening is one planned show with its tickets and refunds.
type Screening struct {
	CinemaID string
	ID       string
	HallID   string
	FilmID   string
	StartsAt time.Time // UTC
	EndsAt   time.Time
	Format   string
	Language string
	Tickets  []Ticket // in order of sale
	Refunds  []Refund
	// Batches are the sales requests the POS sends, in order.
	Batches []Batch
}

// Batch is one sales request: Tickets[From:To], posted at ReportAt (a few
// minutes after its last sale, or one to three days after the show for an
// offline cinema: a late batch).
type Batch struct {
	From, To int
	ReportAt time.Time
}

// batchWindow is the longest span of sale times one POS batch holds: under
// ingest.LateAfter, so that a batch posted minutes after its last sale is
// not late_report.
const batchWindow = 23 * time.Hour

// Ticket is one planned ticket.
type Ticket struct {
	ID       string
	SoldAt   time.Time
	Price    decimal.Decimal
	Category string
	Seat     string
	Channel  string
}

// Refund is one planned full refund, before the show starts.
type Refund struct {
	TicketID   string
	RefundedAt time.Time
}

// attraction is a film's pull on a box-office day (0 when not showing).
func (f *Film) attraction(day time.Time) float64 {
	d := int(day.Sub(f.Release).Hours() / 24)
	if d < 0 {
		if f.Preview && d == -1 {
			return f.Strength * 0.6
		}
		return 0
	}
	week := d / 7
	if week > 10 {
		return 0
	}
	return f.Strength * math.Pow(f.Decay, float64(week))
}

var dowFactor = map[time.Weekday]float64{
	time.Monday: 0.7, time.Tuesday: 0.75, time.Wednesday: 0.75, time.Thursday: 0.85,
	time.Friday: 1.2, time.Saturday: 1.65, time.Sunday: 1.5,
}

// todFactor: audiences peak in the evening.
func todFactor(hour int) float64 {
	switch {
	case hour < 6:
		return 0.5
	case hour < 13:
		return 0.45
	case hour < 17:
		return 0.8
	case hour < 21:
		return 1.5
	case hour < 23:
		return 1.2
	}
	return 0.7
}

// baseOccupancy calibrates the whole market to about 22 tickets per
// screening and 60 thousand tickets a day at scale 1.
const baseOccupancy = 0.05

// PlanDay plans the screenings, tickets and refunds of one cinema on one
// box-office day. It depends only on the seed, the world, the cinema's index
// and the day, so the data set is the same whatever order days are loaded in.
func PlanDay(seed uint64, w *World, ci int, day time.Time, scale float64, late bool) []Screening {
	c := w.Cinemas[ci]
	r := seededRand(seed, 2, uint64(ci), uint64(day.Unix()/86400))
	// Films on show and their weights.
	type cand struct {
		f *Film
		a float64
	}
	var cands []cand
	var sum float64
	for i := range w.Films {
		if a := w.Films[i].attraction(day); a > 0.02 {
			cands = append(cands, cand{&w.Films[i], a})
			sum += a
		}
	}
	if len(cands) == 0 {
		return nil
	}
	mean := sum / float64(len(cands))
	pick := func(adultOK bool) *Film {
		for tries := 0; tries < 8; tries++ {
			x := r.Float64() * sum
			for _, c := range cands {
				x -= c.a
				if x <= 0 {
					if c.f.Adult21 && !adultOK {
						break
					}
					return c.f
				}
			}
		}
		for _, c := range cands {
			if !c.f.Adult21 {
				return c.f
			}
		}
		return nil
	}
	prob := min(scale, 1.0)
	over := max(scale, 1.0)
	dayPrefix := day.Format("060102")
	var out []Screening
	for _, h := range c.Halls {
		// Shows from about 10:00 to after midnight local time.
		t := time.Date(day.Year(), day.Month(), day.Day(), 9, 30+5*r.IntN(12), 0, 0, kztime.Location)
		endOfDay := time.Date(day.Year(), day.Month(), day.Day()+1, 1, 0, 0, 0, kztime.Location)
		n := 0
		for t.Before(endOfDay) {
			local := t.In(kztime.Location)
			late21 := local.Hour() >= 22 || local.Hour() < 6
			f := pick(late21)
			if f == nil {
				break
			}
			runtime := time.Duration(f.RuntimeMin) * time.Minute
			next := t.Add(runtime + time.Duration(15+5*r.IntN(4))*time.Minute)
			next = next.Truncate(5 * time.Minute)
			if r.Float64() >= prob {
				t = next
				continue
			}
			n++
			s := Screening{
				CinemaID: c.ID,
				ID:       fmt.Sprintf("s%s-%s-%d", dayPrefix, h.ID, n),
				HallID:   h.ID, FilmID: f.ID,
				StartsAt: t.UTC(), EndsAt: t.Add(runtime).UTC(),
				Format: "2D", Language: "ru",
			}
			switch {
			case h.Name == "IMAX":
				s.Format = "IMAX"
			case f.Has3D && r.Float64() < 0.5:
				s.Format = "3D"
			}
			if f.Origin == "national" || f.Origin == "coproduction" {
				if r.Float64() < 0.6 {
					s.Language = "kk"
				}
			} else if r.Float64() < 0.2 {
				s.Language = "kk"
			}
			// Audience.
			occ := baseOccupancy * (f.attraction(day) / mean) * dowFactor[day.Weekday()] * todFactor(local.Hour())
			occ = math.Min(occ, 0.97)
			expected := occ * float64(h.Seats) * over
			nt := int(math.Round(expected * math.Exp(r.NormFloat64()*0.35)))
			nt = max(0, min(nt, h.Seats))
			planTickets(r, &s, h, nt, local, day)
			planBatches(r, &s, late)
			if len(s.Tickets) > 0 {
				out = append(out, s)
			} else if r.Float64() < 0.5 {
				out = append(out, s) // an empty show is still a screening
			}
			t = next
		}
	}
	return out
}

func planBatches(r *rand.Rand, s *Screening, late bool) {
	sort.SliceStable(s.Tickets, func(i, j int) bool { return s.Tickets[i].SoldAt.Before(s.Tickets[j].SoldAt) })
	lateAt := s.StartsAt.Add(time.Duration(26+r.IntN(46)) * time.Hour)
	for i := 0; i < len(s.Tickets); {
		j := i + 1
		for j < len(s.Tickets) && s.Tickets[j].SoldAt.Sub(s.Tickets[i].SoldAt) < batchWindow {
			j++
		}
		at := s.Tickets[j-1].SoldAt.Add(time.Duration(60+r.IntN(240)) * time.Second)
		if late {
			at = lateAt
		}
		s.Batches = append(s.Batches, Batch{From: i, To: j, ReportAt: at})
		i = j
	}
}

var categories = []struct {
	name   string
	weight float64
	factor float64
}{
	{"adult", 0.62, 1.0}, {"child", 0.14, 0.7}, {"student", 0.12, 0.8}, {"senior", 0.04, 0.7},
	{"discount", 0.075, 0.75}, {"complimentary", 0.005, 0},
}

var channels = []struct {
	name   string
	weight float64
}{{"box_office", 0.5}, {"web", 0.3}, {"mobile_app", 0.15}, {"kiosk", 0.05}}

func planTickets(r *rand.Rand, s *Screening, h registry.Hall, n int, local time.Time, day time.Time) {
	if n == 0 {
		return
	}
	// Base price by format, hall, time and day, in tenge.
	base := 2000.0
	switch s.Format {
	case "3D":
		base = 2500
	case "IMAX":
		base = 3200
	}
	if h.Name == "VIP" {
		base *= 1.5
	}
	switch hr := local.Hour(); {
	case hr >= 6 && hr < 13:
		base *= 0.8
	case hr >= 18:
		base *= 1.15
	}
	if wd := day.Weekday(); wd == time.Friday || wd == time.Saturday || wd == time.Sunday {
		base *= 1.15
	}
	rowLen := 12 + len(h.ID)%3*2
	seats := r.Perm(h.Seats)[:n]
	for k := 0; k < n; k++ {
		cat := categories[0]
		x := r.Float64()
		for _, c := range categories {
			x -= c.weight
			if x <= 0 {
				cat = c
				break
			}
		}
		price := decimal.Zero
		if cat.factor > 0 {
			p := base * cat.factor
			p = math.Max(1500, math.Min(4500, math.Round(p/100)*100))
			price = decimal.NewFromInt(int64(p))
		}
		ch := channels[0].name
		x = r.Float64()
		for _, c := range channels {
			x -= c.weight
			if x <= 0 {
				ch = c.name
				break
			}
		}
		// Most tickets sell in the hours before the show; online ones up to
		// three days ahead; box office up to ten minutes after the start is
		// not modelled (no sold_after_start noise).
		var ahead time.Duration
		if ch == "box_office" || ch == "kiosk" {
			ahead = time.Duration(5+r.IntN(180)) * time.Minute
		} else {
			ahead = time.Duration(10+r.IntN(12*60)) * time.Minute
			if r.Float64() < 0.3 {
				ahead = time.Duration(10+r.IntN(72*60)) * time.Minute
			}
		}
		seat := seats[k]
		t := Ticket{
			ID:       fmt.Sprintf("%s-t%d", s.ID, k+1),
			SoldAt:   s.StartsAt.Add(-ahead - time.Duration(r.IntN(60))*time.Second),
			Price:    price,
			Category: cat.name,
			Seat:     fmt.Sprintf("R%d-%d", seat/rowLen+1, seat%rowLen+1),
			Channel:  ch,
		}
		s.Tickets = append(s.Tickets, t)
		// About 2 % are refunded before the show.
		if r.Float64() < 0.02 {
			gap := s.StartsAt.Sub(t.SoldAt)
			at := t.SoldAt.Add(time.Duration(r.Int64N(int64(gap-time.Minute)) + int64(30*time.Second)))
			s.Refunds = append(s.Refunds, Refund{TicketID: t.ID, RefundedAt: at.Truncate(time.Second)})
		}
	}
}
