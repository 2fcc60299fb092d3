package ngo

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sort"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"golang.org/x/sync/errgroup"

	"ecinema/kztime"
	"ecinema/validate"
)

// ErrDemoLoaded is LoadDemo's answer when the register already holds NGOs.
var ErrDemoLoaded = errors.New("ngo demo: the NGO register is not empty")

// DemoStats sums up a demo load; Eligible lists the BINs eligible for
// state grants at now (the fund's demo applies with them).
type DemoStats struct {
	NGOs, Reports, Accepted, Late, Returned, Pending int
	Eligible                                         []string
	Elapsed                                          time.Duration
}

var (
	demoWords = [][2]string{{"Болашақ", "Болашак"}, {"Шаңырақ", "Шанырак"}, {"Жастар", "Жастар"}, {"Мұра", "Мура"},
		{"Өнер әлемі", "Мир искусства"}, {"Сарыарқа", "Сарыарка"}, {"Ақ жол", "Ак жол"}, {"Жібек жолы", "Жибек жолы"},
		{"Қамқор", "Камкор"}, {"Нұр", "Нур"}, {"Тұмар", "Тумар"}, {"Көкжиек", "Кокжиек"}, {"Арман", "Арман"},
		{"Мейірім", "Мейирим"}, {"Достық", "Достык"}, {"Дала үні", "Голос степи"}, {"Сахна", "Сахна"}, {"Кітап әлемі", "Мир книги"},
		{"Жас режиссер", "Молодой режиссер"}, {"Күй", "Кюй"}, {"Домбыра", "Домбыра"}, {"Ою-өрнек", "Орнамент"}}
	demoForms = []struct{ form, kk, ru string }{
		{"public_association", "қоғамдық бірлестігі", "Общественное объединение"},
		{"foundation", "қоры", "Фонд"},
		{"association", "қауымдастығы", "Ассоциация"},
		{"institution", "мекемесі", "Учреждение"},
	}
	demoAreas   = []string{"culture", "youth", "education", "film", "music", "theatre", "literature", "heritage", "social support", "ecology"}
	demoRegions = []struct{ code, city string }{{"KZ-11", "Kokshetau"}, {"KZ-19", "Konaev"}, {"KZ-33", "Taldykorgan"},
		{"KZ-27", "Oral"}, {"KZ-31", "Taraz"}, {"KZ-35", "Karaganda"}, {"KZ-39", "Kostanay"}, {"KZ-55", "Pavlodar"},
		{"KZ-71", "Astana"}, {"KZ-75", "Almaty"}, {"KZ-61", "Turkistan"}, {"KZ-63", "Oskemen"}}
	demoPeople = []string{"Айгүл Серікқызы", "Ерлан Төлегенұлы", "Динара Әбілқызы", "Марат Жұмабаев", "Сәуле Ахметова",
		"Нұрлан Оспанов", "Жанар Қасымова", "Бауыржан Ермеков", "Гүлнар Смағұлова", "Асқар Омаров"}
	demoStreets        = []string{"Abai avenue", "Dostyk street", "Kabanbay batyr avenue", "Tole bi street", "Respublika avenue", "Satpayev street"}
	demoReturnComments = []string{"spending lines do not add up to the funding total", "founders' shares are missing",
		"the property section is empty", "projects lack beneficiary counts"}
)

// DemoBIN returns a valid BIN (or, with iin, an IIN) from r: a
// registration year and month, the type digit and a serial, with the check
// digit of validate.BIN.
func DemoBIN(r *rand.Rand, typ byte) string {
	for {
		if b, ok := validate.CompleteBIN(fmt.Sprintf("%02d%02d%c%06d", 3+r.IntN(22), 1+r.IntN(12), typ, r.IntN(1000000))); ok {
			return b
		}
	}
}

// LoadDemo registers n NGOs across the regions with their 2024 and 2025
// reports (due by 31 March of the next year), submitted on a clock that
// runs through the reporting season before now: most accepted on time,
// some late, some returned with a comment (a few of those redrafted and
// accepted), some still waiting. Eight workers share the load.
func LoadDemo(ctx context.Context, pool *pgxpool.Pool, n int, now time.Time) (DemoStats, error) {
	start := time.Now()
	var count int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM ngos`).Scan(&count); err != nil {
		return DemoStats{}, err
	}
	if count > 0 {
		return DemoStats{}, ErrDemoLoaded
	}
	due := LastDueYear(now)
	var mu sync.Mutex
	st := DemoStats{}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(8)
	for i := range n {
		g.Go(func() error {
			r := rand.New(rand.NewPCG(2026, uint64(i)))
			clock := now
			svc := NewService(pool, Config{Now: func() time.Time { return clock }})
			bin := DemoBIN(r, '4')
			w, f, reg := demoWords[i%len(demoWords)], demoForms[r.IntN(len(demoForms))], demoRegions[r.IntN(len(demoRegions))]
			status := "active"
			if x := r.IntN(100); x >= 94 {
				status = []string{"inactive", "liquidating", "suspended"}[x%3]
			}
			suffix := fmt.Sprintf(" (%s, %d)", reg.city, i+1)
			ngo := NGO{Name: map[string]string{"kk": fmt.Sprintf("«%s» %s%s", w[0], f.kk, suffix), "ru": fmt.Sprintf("%s «%s»%s", f.ru, w[1], suffix)},
				LegalForm: f.form, RegisteredOn: fmt.Sprintf("%d-%02d-%02d", 2005+r.IntN(18), 1+r.IntN(12), 1+r.IntN(28)),
				Status: status, Region: reg.code, Address: fmt.Sprintf("%s, %s %d", reg.city, demoStreets[r.IntN(len(demoStreets))], 1+r.IntN(120)),
				ActivityAreas: []string{demoAreas[r.IntN(len(demoAreas))], demoAreas[r.IntN(len(demoAreas))]}}
			clock = time.Date(2023, 1, 10, 10, 0, 0, 0, kztime.Location)
			if _, err := svc.PutNGO(gctx, "system", bin, ngo); err != nil {
				return err
			}
			var local DemoStats
			for _, year := range []int{due - 1, due} {
				// The season: 10 February .. 31 May of the next year; 15% after 31 March.
				day := r.IntN(49) // up to 31 March
				if r.IntN(100) < 15 {
					day = 49 + r.IntN(61)
				}
				clock = time.Date(year+1, 2, 10, 9+r.IntN(8), r.IntN(60), 0, 0, kztime.Location).AddDate(0, 0, day)
				if year == due && r.IntN(100) < 5 {
					continue // never filed
				}
				staff, vol := r.IntN(30), r.IntN(200)
				funding := int64(500000 + r.IntN(40000000))
				in := ReportInput{
					Founders: []Founder{{Name: demoPeople[r.IntN(len(demoPeople))], IDNumber: DemoBIN(r, '4'), SharePct: "100"}},
					Property: "office lease; equipment", Staff: &staff, Volunteers: &vol,
					Funding: []Funding{{Source: []string{"state_order", "grant", "donation", "own", "foreign"}[r.IntN(5)], Amount: fmt.Sprintf("%d.00", funding)}},
					Spending: []Spending{{Direction: "programmes", Amount: fmt.Sprintf("%d.00", funding*7/10)},
						{Direction: "administration", Amount: fmt.Sprintf("%d.00", funding*2/10)}},
					Projects: []Project{{Title: fmt.Sprintf("%s %d", demoAreas[r.IntN(len(demoAreas))], year), Amount: fmt.Sprintf("%d.00", funding/2), Beneficiaries: 20 + r.IntN(2000)}},
				}
				if _, err := svc.PutReport(gctx, "system", bin, year, in); err != nil {
					return err
				}
				local.Reports++
				if year == due && r.IntN(100) < 4 {
					continue // a draft, not submitted
				}
				rep, err := svc.Submit(gctx, "system", bin, year)
				if err != nil {
					return err
				}
				if rep.Late {
					local.Late++
				}
				clock = clock.AddDate(0, 0, 3+r.IntN(20))
				switch x := r.IntN(100); {
				case year == due && x < 6:
					local.Pending++
					continue
				case x < 16:
					if _, err := svc.Decide(gctx, "system", bin, year, false, demoReturnComments[r.IntN(len(demoReturnComments))]); err != nil {
						return err
					}
					local.Returned++
					if x < 10 {
						continue // still returned
					}
					clock = clock.AddDate(0, 0, 5)
					if _, err := svc.PutReport(gctx, "system", bin, year, in); err != nil {
						return err
					}
					if _, err := svc.Submit(gctx, "system", bin, year); err != nil {
						return err
					}
					clock = clock.AddDate(0, 0, 4)
				}
				if _, err := svc.Decide(gctx, "system", bin, year, true, ""); err != nil {
					return err
				}
				local.Accepted++
			}
			e, err := svc.eligibilityAt(gctx, bin, now)
			if err != nil {
				return err
			}
			mu.Lock()
			defer mu.Unlock()
			st.NGOs++
			st.Reports += local.Reports
			st.Accepted += local.Accepted
			st.Late += local.Late
			st.Returned += local.Returned
			st.Pending += local.Pending
			if e.Eligible {
				st.Eligible = append(st.Eligible, bin)
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return DemoStats{}, fmt.Errorf("ngo demo: %w", err)
	}
	sort.Strings(st.Eligible)
	st.Elapsed = time.Since(start)
	return st, nil
}
