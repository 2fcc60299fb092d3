package hubs

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"ecinema/culture/idempotency"
	"ecinema/culture/ngo"
	"ecinema/kztime"
	"ecinema/ledger"
)

// ErrDemoLoaded is LoadDemo's answer when hubs are already registered.
var ErrDemoLoaded = errors.New("hubs demo: hubs are already registered")

// DemoStats sums up a demo load.
type DemoStats struct {
	Hubs, Events, Investors, Pitches, Introductions, Deals int
	Elapsed                                                time.Duration
}

type demoHub struct {
	id, region, cityKK, cityRU, cityEN string
	lat, lon                           float64
}

// DemoHubs are the hubs in the eight regions the government named, plus
// Astana and Almaty.
var demoHubs = []demoHub{
	{"akmola-kokshetau", "KZ-11", "Көкшетау", "Кокшетау", "Kokshetau", 53.2833, 69.3833},
	{"almaty-region-konaev", "KZ-19", "Қонаев", "Конаев", "Konaev", 43.8667, 77.0667},
	{"zhetisu-taldykorgan", "KZ-33", "Талдықорған", "Талдыкорган", "Taldykorgan", 45.0167, 78.3833},
	{"west-kz-oral", "KZ-27", "Орал", "Уральск", "Oral", 51.2333, 51.3667},
	{"zhambyl-taraz", "KZ-31", "Тараз", "Тараз", "Taraz", 42.9000, 71.3667},
	{"karaganda", "KZ-35", "Қарағанды", "Караганда", "Karaganda", 49.8060, 73.0850},
	{"kostanay", "KZ-39", "Қостанай", "Костанай", "Kostanay", 53.2144, 63.6246},
	{"pavlodar", "KZ-55", "Павлодар", "Павлодар", "Pavlodar", 52.2873, 76.9674},
	{"astana", "KZ-71", "Астана", "Астана", "Astana", 51.1282, 71.4304},
	{"almaty", "KZ-75", "Алматы", "Алматы", "Almaty", 43.2380, 76.9458},
}

var (
	demoFacilities = []string{"coworking", "sound studio", "film studio", "maker space", "gallery", "stage", "classrooms", "VR lab"}
	demoSectors    = []string{"film", "music", "animation", "games", "design", "theatre", "crafts", "publishing"}
	demoEvents     = []struct{ kk, ru, en string }{
		{"Инвесторлармен питч-күн", "Питч-день с инвесторами", "Pitch day with investors"},
		{"Қысқаметражды фильмдер кеші", "Вечер короткометражного кино", "Short film night"},
		{"Дизайн-марафон", "Дизайн-марафон", "Design marathon"},
		{"Домбыра шеберханасы", "Мастерская домбры", "Dombra workshop"},
		{"Креативті экспорт: Орталық Азия нарықтары", "Креативный экспорт: рынки Центральной Азии", "Creative export: Central Asian markets"},
	}
	demoInvestors = []struct {
		id, kk, ru       string
		sectors, regions []string
		min, max         string
		instruments      []string
	}{
		{"steppe-ventures", "Steppe Ventures", "Steppe Ventures", []string{"games", "animation", "film"}, []string{"KZ-71", "KZ-75", "KZ-35", "KZ-55"}, "5000000.00", "60000000.00", []string{"equity"}},
		{"qazaq-media-fund", "Qazaq Media қоры", "Фонд Qazaq Media", []string{"film", "music", "theatre"}, []string{"KZ-11", "KZ-19", "KZ-33", "KZ-27", "KZ-31", "KZ-35", "KZ-39", "KZ-55", "KZ-71", "KZ-75"}, "2000000.00", "30000000.00", []string{"equity", "loan"}},
		{"silk-road-angels", "Silk Road Angels", "Silk Road Angels", []string{"design", "crafts", "publishing", "games"}, []string{"KZ-75", "KZ-19", "KZ-33", "KZ-31"}, "1000000.00", "10000000.00", []string{"equity"}},
		{"dala-capital", "Dala Capital", "Dala Capital", []string{"film", "animation", "music", "design"}, []string{"KZ-71", "KZ-11", "KZ-39", "KZ-27"}, "10000000.00", "120000000.00", []string{"equity", "loan"}},
		{"damu-creative-loans", "Даму креативті несиелері", "Даму: креативные займы", []string{"film", "music", "animation", "games", "design", "theatre", "crafts", "publishing"}, []string{"KZ-11", "KZ-19", "KZ-33", "KZ-27", "KZ-31", "KZ-35", "KZ-39", "KZ-55", "KZ-71", "KZ-75"}, "3000000.00", "50000000.00", []string{"loan"}},
		{"tengri-angels", "Tengri Angels", "Tengri Angels", []string{"games", "music"}, []string{"KZ-75", "KZ-71"}, "500000.00", "8000000.00", []string{"equity"}},
	}
)

// LoadDemo registers the demo hubs with events around now, investor
// profiles and two pitches per hub, introduces each pitch to its best
// match and records outcomes (every third a deal, a ledger entry; every
// fourth declined; the rest still waiting).
func LoadDemo(ctx context.Context, pool *pgxpool.Pool, app ledger.Appender, now time.Time) (DemoStats, error) {
	start := time.Now()
	var n int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM hubs`).Scan(&n); err != nil {
		return DemoStats{}, err
	}
	if n > 0 {
		return DemoStats{}, ErrDemoLoaded
	}
	clock := now.AddDate(0, 0, -30)
	s := NewService(pool, app, Config{Now: func() time.Time { return clock }})
	r := rand.New(rand.NewPCG(2026, 11))
	var st DemoStats
	for i, h := range demoHubs {
		lat, lon := h.lat, h.lon
		hub := Hub{Name: map[string]string{"kk": h.cityKK + " креативті хабы", "ru": "Креативный хаб " + h.cityRU, "en": h.cityEN + " Creative Hub"},
			OperatorBIN: ngo.DemoBIN(r, '4'), Region: h.region, City: h.cityEN, Address: fmt.Sprintf("%s, Abai avenue %d", h.cityEN, 1+r.IntN(90)),
			Location: Location{Lat: &lat, Lon: &lon}, Facilities: pick(r, demoFacilities, 3), Sectors: pick(r, demoSectors, 4),
			OpenedOn: fmt.Sprintf("%d-%02d-01", 2023+i%3, 1+r.IntN(12)), Status: "active"}
		if _, err := s.PutHub(ctx, "system", h.id, hub); err != nil {
			return DemoStats{}, fmt.Errorf("hubs demo: hub %s: %w", h.id, err)
		}
		st.Hubs++
		for k := range 4 {
			e := demoEvents[(i+k)%len(demoEvents)]
			day := now.In(kztime.Location).AddDate(0, 0, -14+k*14+r.IntN(7))
			startAt := time.Date(day.Year(), day.Month(), day.Day(), []int{11, 15, 18}[r.IntN(3)], 0, 0, 0, kztime.Location)
			in := EventInput{Title: map[string]string{"kk": e.kk, "ru": e.ru, "en": e.en},
				StartsAt: startAt.Format(time.RFC3339), EndsAt: startAt.Add(time.Duration(2+r.IntN(3)) * time.Hour).Format(time.RFC3339),
				Description: map[string]string{"kk": h.cityKK + " хабының резиденттері үшін", "ru": "Для резидентов хаба в городе " + h.cityRU}}
			if _, err := s.PutEvent(ctx, "system", h.id, fmt.Sprintf("e%d", k+1), in); err != nil {
				return DemoStats{}, fmt.Errorf("hubs demo: event: %w", err)
			}
			st.Events++
		}
	}
	for _, inv := range demoInvestors {
		if _, err := s.PutInvestor(ctx, "system", inv.id, Investor{Name: map[string]string{"kk": inv.kk, "ru": inv.ru},
			Sectors: inv.sectors, Regions: inv.regions, Ticket: Ticket{inv.min, inv.max}, Instruments: inv.instruments}); err != nil {
			return DemoStats{}, fmt.Errorf("hubs demo: investor: %w", err)
		}
		st.Investors++
	}
	for i, h := range demoHubs {
		for k := range 2 {
			clock = now.AddDate(0, 0, -25+i)
			pid := fmt.Sprintf("p%d", k+1)
			p := Pitch{BIN: ngo.DemoBIN(r, '4'), Title: map[string]string{"kk": fmt.Sprintf("%s жобасы %d", h.cityKK, k+1), "ru": fmt.Sprintf("Проект %s %d", h.cityRU, k+1)},
				Sector: demoSectors[(i+k*3)%len(demoSectors)], Region: h.region, Amount: fmt.Sprintf("%d000000.00", 3+r.IntN(25)),
				Instrument: []string{"equity", "loan"}[r.IntN(2)], ExportMarkets: pick(r, []string{"UZ", "KG", "TR", "RU", "CN", "AE", "DE"}, 2)}
			if _, err := s.PutPitch(ctx, "system", h.id, pid, p); err != nil {
				return DemoStats{}, fmt.Errorf("hubs demo: pitch: %w", err)
			}
			st.Pitches++
			ms, err := s.Matches(ctx, h.id, pid)
			if err != nil {
				return DemoStats{}, err
			}
			if len(ms) == 0 {
				continue
			}
			intro, err := s.Introduce(ctx, "system", h.id, pid, ms[0].InvestorID, idempotency.Key{})
			if err != nil {
				return DemoStats{}, fmt.Errorf("hubs demo: introduction: %w", err)
			}
			st.Introductions++
			clock = clock.AddDate(0, 0, 10)
			switch (i*2 + k) % 4 {
			case 0, 3:
				amount := decimalText(p.Amount, 60+r.IntN(41))
				if _, err := s.Outcome(ctx, "system", h.id, pid, intro.ID, OutcomeInput{Status: "deal", Amount: amount, Instrument: p.Instrument}, idempotency.Key{}); err != nil {
					return DemoStats{}, fmt.Errorf("hubs demo: deal: %w", err)
				}
				st.Deals++
			case 1:
				if _, err := s.Outcome(ctx, "system", h.id, pid, intro.ID, OutcomeInput{Status: "declined"}, idempotency.Key{}); err != nil {
					return DemoStats{}, fmt.Errorf("hubs demo: declined: %w", err)
				}
			}
		}
	}
	st.Elapsed = time.Since(start)
	return st, nil
}

// pick returns k distinct items of list.
func pick(r *rand.Rand, list []string, k int) []string {
	idx := r.Perm(len(list))[:k]
	out := make([]string, k)
	for i, j := range idx {
		out[i] = list[j]
	}
	return out
}

// decimalText is pct percent of a whole-tenge amount "N.00", in thousands.
func decimalText(amount string, pct int) string {
	var whole int64
	fmt.Sscanf(amount, "%d", &whole)
	return fmt.Sprintf("%d.00", whole*int64(pct)/100/1000*1000)
}
