package ticketing

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"ecinema/internal/each"
	"ecinema/kztime"
	"ecinema/ledger"
)

// The demo data set: a few theatres, concert halls and museums of
// Kazakhstan with a month of sessions (timed museum entries as slots),
// sales of 1–4 tickets through Sell, a few refunds, and the gates' check-ins
// uploaded as offline batches with an occasional duplicate_offline, all
// through the real write path on a moved clock (the sales happen before
// their sessions, as they did).

// DemoConfig says what LoadDemo loads.
type DemoConfig struct {
	Days    int       // days of sessions, default 30
	Last    time.Time // last day (a date, midnight UTC); default the last box-office day that has ended (kztime.LastCompleteDay)
	Seed    uint64    // default 1
	Workers int       // concurrent requests of a day, default 32
	// DayWorkers is how many days load at once, default 6.
	DayWorkers int
	Progress   io.Writer // a line per seven days loaded, with an ETA; nil for none
	// VenuesReady, when set, is called once the venues and their events
	// are written, before the sessions: what builds on the venues (the
	// museum demo) may start then.
	VenuesReady func()
}

// DemoStats count what LoadDemo wrote.
type DemoStats struct {
	Venues, Events, Sessions, Tickets, Refunds, Admitted, Duplicates int
	Elapsed                                                          time.Duration
}

// ErrDemoLoaded: the demo venues are there already; nothing was loaded.
var ErrDemoLoaded = errors.New("ticketing: the demo venues are already loaded")

type demoVenue struct {
	id, kind, kk, ru, en, region, city string
	bin                                string
	zone                               int
	events                             []demoEvent
}

type demoEvent struct {
	id, kind, kk, ru, en, age string
	national                  bool
	price                     string
}

var demoVenues = []demoVenue{
	{id: "abai-opera", kind: "theatre", kk: "Абай атындағы Қазақ ұлттық опера және балет театры", ru: "Казахский национальный театр оперы и балета имени Абая",
		en: "Abai Kazakh National Opera and Ballet Theatre", region: "KZ-75", city: "Алматы", bin: "180140000107", zone: 700,
		events: []demoEvent{
			{id: "abai-opera-kyz-zhibek", kind: "performance", kk: "Қыз Жібек", ru: "Кыз Жибек", en: "Kyz Zhibek", age: "6+", national: true, price: "6000.00"},
			{id: "abai-opera-abai", kind: "performance", kk: "Абай", ru: "Абай", en: "Abai", age: "12+", national: true, price: "7000.00"},
			{id: "abai-opera-giselle", kind: "performance", kk: "Жизель", ru: "Жизель", en: "Giselle", age: "6+", national: false, price: "8000.00"},
		}},
	{id: "astana-opera", kind: "theatre", kk: "Астана Опера", ru: "Астана Опера", en: "Astana Opera", region: "KZ-71", city: "Астана",
		bin: "180140000107", zone: 1250, events: []demoEvent{
			{id: "astana-opera-birzhan-sara", kind: "performance", kk: "Біржан – Сара", ru: "Биржан и Сара", en: "Birzhan and Sara", age: "12+", national: true, price: "9000.00"},
			{id: "astana-opera-tosca", kind: "performance", kk: "Тоска", ru: "Тоска", en: "Tosca", age: "16+", national: false, price: "12000.00"},
		}},
	{id: "auezov-theatre", kind: "theatre", kk: "М. Әуезов атындағы Қазақ ұлттық драма театры", ru: "Казахский национальный театр драмы имени М. Ауэзова",
		en: "Auezov Kazakh National Drama Theatre", region: "KZ-75", city: "Алматы", bin: "180140000107", zone: 400,
		events: []demoEvent{{id: "auezov-enlik-kebek", kind: "performance", kk: "Еңлік – Кебек", ru: "Енлик – Кебек", en: "Enlik and Kebek", age: "12+", national: true, price: "4000.00"}}},
	{id: "kazakh-concert-hall", kind: "concert_hall", kk: "Қазақстан орталық концерт залы", ru: "Центральный концертный зал «Казахстан»",
		en: "Kazakhstan Central Concert Hall", region: "KZ-71", city: "Астана", bin: "180140000107", zone: 1750,
		events: []demoEvent{{id: "kch-dombra-party", kind: "concert", kk: "Домбыра кеші", ru: "Вечер домбры", en: "Dombra evening", age: "0+", national: true, price: "5000.00"}}},
	{id: "zhambyl-philharmonic", kind: "philharmonic", kk: "Жамбыл атындағы Қазақ мемлекеттік филармониясы", ru: "Казахская государственная филармония имени Жамбыла",
		en: "Zhambyl Kazakh State Philharmonic", region: "KZ-75", city: "Алматы", bin: "180140000107", zone: 550,
		events: []demoEvent{{id: "zhambyl-kurmangazy", kind: "concert", kk: "Құрманғазы оркестрі", ru: "Оркестр имени Курмангазы", en: "Kurmangazy Orchestra", age: "0+", national: true, price: "3500.00"}}},
	{id: "central-state-museum", kind: "museum", kk: "Қазақстан Республикасының Орталық мемлекеттік музейі", ru: "Центральный государственный музей Республики Казахстан",
		en: "Central State Museum of Kazakhstan", region: "KZ-75", city: "Алматы", bin: "180140000107", zone: 120,
		events: []demoEvent{{id: "csm-entry", kind: "museum_entry", kk: "Кіру билеті", ru: "Входной билет", en: "Entry", age: "0+", national: true, price: "1500.00"}}},
	{id: "national-museum", kind: "museum", kk: "Қазақстан Республикасының Ұлттық музейі", ru: "Национальный музей Республики Казахстан",
		en: "National Museum of Kazakhstan", region: "KZ-71", city: "Астана", bin: "180140000107", zone: 200,
		events: []demoEvent{
			{id: "nm-entry", kind: "museum_entry", kk: "Кіру билеті", ru: "Входной билет", en: "Entry", age: "0+", national: true, price: "2000.00"},
			{id: "nm-gold-hall", kind: "exhibition", kk: "Алтын залы", ru: "Золотой зал", en: "Gold Hall", age: "0+", national: true, price: "3000.00"},
		}},
}

// LoadDemo loads the demo data set through a Service on pool and app with
// sealer, its clock moved to each sale's and scan's time.
//
// The data set is planned first, day by day from one random stream (so it
// depends only on the seed and the span), then the days load
// concurrently (DayWorkers at once), each on a Service of its own whose
// clock walks through that day: its sessions and sales three days before,
// its refunds in the morning, its gates' batches at night. Many requests
// are in flight at once, so the ledger writer groups them.
func LoadDemo(ctx context.Context, pool *pgxpool.Pool, app ledger.Appender, sealer *Sealer, cfg DemoConfig) (DemoStats, error) {
	start := time.Now()
	if cfg.Days <= 0 {
		cfg.Days = 30
	}
	if cfg.Last.IsZero() {
		cfg.Last = kztime.LastCompleteDay(time.Now())
	}
	if cfg.Seed == 0 {
		cfg.Seed = 1
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 32
	}
	if cfg.DayWorkers <= 0 {
		cfg.DayWorkers = 6
	}
	if err := VenueExists(ctx, pool, demoVenues[0].id); err == nil {
		return DemoStats{}, ErrDemoLoaded
	}
	first := cfg.Last.AddDate(0, 0, -(cfg.Days - 1))
	var st DemoStats
	admin := Caller{KeyID: "demo"}
	svc := NewService(pool, app, Config{Now: func() time.Time { return demoLocal(first, 9, 0).AddDate(0, 0, -20) }, Sealer: sealer})
	for _, v := range demoVenues {
		vat := v.kind != "museum"
		_, err := svc.PutVenue(ctx, admin, v.id, Venue{Kind: v.kind, Name: map[string]string{"kk": v.kk, "ru": v.ru, "en": v.en},
			OperatorBIN: v.bin, Region: v.region, City: v.city, VATPayer: &vat,
			Zones: []Zone{{ID: "main", Name: map[string]string{"kk": "Негізгі зал", "ru": "Основной зал", "en": "Main hall"}, Capacity: v.zone}}})
		if err != nil {
			return st, fmt.Errorf("demo venue %s: %w", v.id, err)
		}
		st.Venues++
	}
	// The events, all at once (one group).
	var events []struct {
		v demoVenue
		e demoEvent
	}
	for _, v := range demoVenues {
		for _, e := range v.events {
			events = append(events, struct {
				v demoVenue
				e demoEvent
			}{v, e})
		}
	}
	if err := each.Do(ctx, len(events), len(events), func(i int) error {
		v, e := events[i].v, events[i].e
		national := e.national
		if _, err := svc.PutEvent(ctx, Caller{KeyID: "demo-venue-" + v.id, VenueID: v.id}, e.id, Event{VenueID: v.id, Kind: e.kind,
			Title: map[string]string{"kk": e.kk, "ru": e.ru, "en": e.en}, AgeRating: e.age, National: &national}); err != nil {
			return fmt.Errorf("demo event %s: %w", e.id, err)
		}
		return nil
	}); err != nil {
		return st, err
	}
	st.Events = len(events)
	if cfg.VenuesReady != nil {
		cfg.VenuesReady()
	}
	days := planDemoDays(cfg.Seed, first, cfg.Days)
	var mu sync.Mutex // st and the progress
	done := 0
	err := each.Do(ctx, len(days), cfg.DayWorkers, func(i int) error {
		ds, err := loadDemoDay(ctx, pool, app, sealer, cfg, days[i])
		mu.Lock()
		defer mu.Unlock()
		st.Sessions += ds.Sessions
		st.Tickets += ds.Tickets
		st.Refunds += ds.Refunds
		st.Admitted += ds.Admitted
		st.Duplicates += ds.Duplicates
		if err != nil {
			return err
		}
		done++
		if cfg.Progress != nil && (done%7 == 0 || done == len(days)) {
			eta := time.Duration(float64(time.Since(start)) / float64(done) * float64(len(days)-done)).Round(time.Second)
			fmt.Fprintf(cfg.Progress, "ticketing demo: %d of %d days loaded (%d sessions, %d tickets so far), about %s left\n",
				done, len(days), st.Sessions, st.Tickets, eta)
		}
		return nil
	})
	if err != nil {
		return st, err
	}
	st.Elapsed = time.Since(start)
	return st, nil
}

// demoLocal is h:m on day in Kazakhstan.
func demoLocal(day time.Time, h, m int) time.Time {
	return time.Date(day.Year(), day.Month(), day.Day(), h, m, 0, 0, kztime.Location)
}

// demoDay is one planned day of the demo: its sessions and their sales,
// each sale marked when it is refunded.
type demoDay struct {
	d        int
	day      time.Time
	sessions []demoSession
	sales    []demoSale
}

type demoSession struct {
	venue  demoVenue
	event  demoEvent
	id     string
	start  time.Time
	places int
}

type demoSale struct {
	venue   demoVenue
	session string
	tickets []SaleTicket
	idem    string
	refund  bool
}

// planDemoDays plans every day from one random stream, drawing in the
// order the days were once loaded one after another: a day's sessions
// with their occupancy and sales, then which of its sales are refunded.
func planDemoDays(seed uint64, first time.Time, n int) []demoDay {
	rng := rand.New(rand.NewPCG(seed, 42))
	out := make([]demoDay, n)
	for d := range out {
		day := first.AddDate(0, 0, d)
		p := demoDay{d: d, day: day}
		for _, v := range demoVenues {
			switch v.kind {
			case "museum":
				if day.Weekday() == time.Monday {
					continue // museums close on Mondays
				}
				for slot := 0; slot < 4; slot++ {
					e := v.events[slot%len(v.events)]
					p.sessions = append(p.sessions, demoSession{v, e, fmt.Sprintf("%s-%s-%d", e.id, day.Format("20060102"), 10+2*slot),
						demoLocal(day, 10+2*slot, 0), v.zone / 4})
				}
			case "concert_hall", "philharmonic":
				if day.Weekday() != time.Friday && day.Weekday() != time.Saturday && day.Weekday() != time.Sunday {
					continue
				}
				e := v.events[0]
				p.sessions = append(p.sessions, demoSession{v, e, fmt.Sprintf("%s-%s", e.id, day.Format("20060102")), demoLocal(day, 19, 0), v.zone / 5})
			default:
				if day.Weekday() == time.Monday {
					continue
				}
				e := v.events[d%len(v.events)]
				p.sessions = append(p.sessions, demoSession{v, e, fmt.Sprintf("%s-%s", e.id, day.Format("20060102")), demoLocal(day, 19, 0), v.zone / 4})
			}
		}
		for _, s := range p.sessions {
			occupancy := 0.45 + 0.5*rng.Float64()
			if s.start.Weekday() == time.Saturday {
				occupancy = min(0.98, occupancy+0.2)
			}
			n := int(float64(s.places) * occupancy)
			seat := 0
			for k := 0; n > 0; k++ {
				m := min(n, 1+rng.IntN(4))
				n -= m
				ts := make([]SaleTicket, m)
				for i := range ts {
					seat++
					tariff, price := "adult", s.event.price
					switch r := rng.IntN(20); {
					case r < 3:
						tariff, price = "child", halfPrice(s.event.price)
					case r == 3:
						tariff, price = "veteran", "0.00"
					case r == 4 && s.venue.kind == "museum":
						tariff, price = "pass3", triplePrice(s.event.price)
					}
					ts[i] = SaleTicket{ID: fmt.Sprintf("%s-%d", s.id, seat), Tariff: tariff, Price: price}
					if s.venue.kind != "museum" {
						ts[i].Seat = fmt.Sprintf("R%d-%d", 1+(seat-1)/30, 1+(seat-1)%30)
					}
				}
				p.sales = append(p.sales, demoSale{venue: s.venue, session: s.id, tickets: ts, idem: fmt.Sprintf("demo-%s-%d", s.id, k)})
			}
		}
		// A few refunds: one sale in 40.
		for i := range p.sales {
			p.sales[i].refund = rng.IntN(40) == 0
		}
		out[d] = p
	}
	return out
}

// loadDemoDay writes one planned day through a Service of its own whose
// clock walks through the day: the sessions and their sales three days
// before, the refunds in the morning (before the sessions), the gates'
// offline batches after the last session.
func loadDemoDay(ctx context.Context, pool *pgxpool.Pool, app ledger.Appender, sealer *Sealer, cfg DemoConfig, p demoDay) (DemoStats, error) {
	var st DemoStats
	var clockMu sync.Mutex
	var now time.Time
	clock := func() time.Time { clockMu.Lock(); defer clockMu.Unlock(); return now }
	set := func(t time.Time) { clockMu.Lock(); now = t; clockMu.Unlock() }
	svc := NewService(pool, app, Config{Now: clock, Sealer: sealer})
	caller := func(v demoVenue) Caller { return Caller{KeyID: "demo-venue-" + v.id, VenueID: v.id} }
	set(demoLocal(p.day, 8, 0).AddDate(0, 0, -3))
	if err := each.Do(ctx, len(p.sessions), cfg.Workers, func(i int) error {
		s := p.sessions[i]
		dur := 2*time.Hour + 30*time.Minute
		if s.venue.kind == "museum" {
			dur = 2 * time.Hour
		}
		tariffs := []Tariff{
			{Code: "adult", Name: map[string]string{"kk": "Ересек", "ru": "Взрослый", "en": "Adult"}, Price: s.event.price, Admissions: 1},
			{Code: "child", Name: map[string]string{"kk": "Бала", "ru": "Детский", "en": "Child"}, Price: halfPrice(s.event.price), Admissions: 1},
			{Code: "veteran", Name: map[string]string{"kk": "Ардагер", "ru": "Ветеран", "en": "Veteran"}, Price: "0.00", Admissions: 1},
		}
		if s.venue.kind == "museum" {
			tariffs = append(tariffs, Tariff{Code: "pass3", Name: map[string]string{"kk": "3 рет", "ru": "Абонемент на 3 посещения", "en": "3-visit pass"},
				Price: triplePrice(s.event.price), Admissions: 3})
		}
		if _, err := svc.PutSession(ctx, caller(s.venue), s.event.id, s.id, Session{ZoneID: "main", StartsAt: s.start.Format(time.RFC3339),
			EndsAt: s.start.Add(dur).Format(time.RFC3339), Capacity: s.places, Tariffs: tariffs}); err != nil {
			return fmt.Errorf("demo session %s: %w", s.id, err)
		}
		return nil
	}); err != nil {
		return st, err
	}
	st.Sessions = len(p.sessions)
	sold := make([][]IssuedCode, len(p.sales))
	if err := each.Do(ctx, len(p.sales), cfg.Workers, func(i int) error {
		j := p.sales[i]
		resp, err := svc.Sell(ctx, caller(j.venue), j.idem, SaleRequest{SessionID: j.session, Tickets: j.tickets})
		if err != nil {
			return fmt.Errorf("demo sale %s: %w", j.idem, err)
		}
		var r SaleResult
		if err := jsonUnmarshal(resp.Body, &r); err != nil {
			return err
		}
		sold[i] = r.Tickets
		return nil
	}); err != nil {
		return st, err
	}
	// The refunds, before the sessions.
	set(demoLocal(p.day, 9, 0))
	bySession := map[string][]string{}
	var refunds []demoSale
	for i, j := range p.sales {
		st.Tickets += len(j.tickets)
		if j.refund {
			refunds = append(refunds, j)
			continue
		}
		for _, t := range sold[i] {
			bySession[j.session] = append(bySession[j.session], t.Code)
		}
	}
	if err := each.Do(ctx, len(refunds), cfg.Workers, func(i int) error {
		j := refunds[i]
		rt := make([]RefundTicket, len(j.tickets))
		for i, t := range j.tickets {
			rt[i] = RefundTicket{ID: t.ID, RefundedAt: demoLocal(p.day, 9, 0).Format(time.RFC3339)}
		}
		if _, err := svc.Refund(ctx, caller(j.venue), "r"+j.idem, RefundRequest{SessionID: j.session, Tickets: rt, Reason: "customer_request"}); err != nil {
			return fmt.Errorf("demo refund %s: %w", j.idem, err)
		}
		return nil
	}); err != nil {
		return st, err
	}
	for _, j := range refunds {
		st.Refunds += len(j.tickets)
	}
	// The gates: each session's scans uploaded as an offline batch,
	// 93% of holders come, a few codes shown twice at another gate.
	set(demoLocal(p.day, 23, 30))
	var mu sync.Mutex
	err := each.Do(ctx, len(p.sessions), cfg.Workers, func(i int) error {
		s := p.sessions[i]
		codes := bySession[s.id]
		var scans []BatchScan
		r := rand.New(rand.NewPCG(cfg.Seed, uint64(p.d*1000+i)))
		for k, code := range codes {
			if r.IntN(100) >= 93 {
				continue
			}
			at := s.start.Add(-time.Duration(5+r.IntN(40)) * time.Minute)
			scans = append(scans, BatchScan{Code: code, Gate: "main", ScannedAt: at.Format(time.RFC3339), Nonce: fmt.Sprintf("%s-%d", s.id, k)})
			if r.IntN(150) == 0 {
				scans = append(scans, BatchScan{Code: code, Gate: "side", ScannedAt: at.Add(3 * time.Minute).Format(time.RFC3339), Nonce: fmt.Sprintf("%s-%d-dup", s.id, k)})
			}
		}
		for len(scans) > 0 {
			part := scans[:min(len(scans), MaxScans)]
			scans = scans[len(part):]
			res, err := svc.CheckinBatch(ctx, caller(s.venue), BatchRequest{Device: "gate-" + s.venue.id, Scans: part})
			if err != nil {
				return fmt.Errorf("demo gate batch %s: %w", s.id, err)
			}
			mu.Lock()
			for _, r := range res.Results {
				switch r.Result {
				case ResultAdmitted:
					st.Admitted++
				case ResultDuplicateOffline:
					st.Duplicates++
				}
			}
			mu.Unlock()
		}
		return nil
	})
	return st, err
}

func halfPrice(p string) string {
	d, _ := parseMoney(p)
	return d.Div(decimalTwo).Round(0).StringFixed(2)
}

func triplePrice(p string) string {
	d, _ := parseMoney(p)
	return d.Mul(decimalTwo).Add(d.Div(decimalTwo)).Round(0).StringFixed(2)
}
