package fund

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"sort"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/shopspring/decimal"

	"ecinema/culture/idempotency"
	"ecinema/culture/ngo"
	"ecinema/kztime"
	"ecinema/ledger"
)

// ErrDemoLoaded is LoadDemo's answer when the fund already has calls.
var ErrDemoLoaded = errors.New("fund demo: the fund already has calls")

// DemoStats sums up a demo load.
type DemoStats struct {
	Applications, Reviews, Conflicts, Awards, Rejections, Disbursements int
	Awarded, Disbursed                                                  string
	Elapsed                                                             time.Duration
}

// demoCallID is the demo's call.
const demoCallID = "cidf-2026-1"

var (
	demoSectors  = []string{"film", "animation", "music", "theatre", "games", "design", "crafts", "publishing"}
	demoRegions  = []string{"KZ-11", "KZ-19", "KZ-33", "KZ-27", "KZ-31", "KZ-35", "KZ-39", "KZ-55", "KZ-71", "KZ-75"}
	demoProjects = []string{"Documentary «Ұлы дала»", "Animated series «Алдар Көсе»", "Ethno-jazz album «Көшпенділер»",
		"Touring production «Абай жолы»", "Mobile game «Tumar Quest»", "Felt design studio «Киіз»", "Publishing Kazakh comics",
		"Film festival of the steppe", "Sound archive of küi", "Theatre for children in Kazakh", "Craft market «Шебер»",
		"Podcast studio for young authors", "Costume design lab", "Kazakh-language dubbing studio", "Street art festival",
		"VR museum of the Silk Road", "Music school for dombra", "Screenwriting residency", "Animation courses in the regions",
		"Audio books of Kazakh classics"}
	demoCompanies = []string{"Қазақфильм", "Salem Media", "Steppe Sound", "Nomad Games", "Шебер Дизайн", "Kino Lab", "Аспан Продакшн",
		"Tumar Studio", "Алтын Сапа", "Дала Медиа", "Ұлы Дала Продакшн", "Sarmat Art", "Қызыл Жолақ", "Baiterek Pictures", "Kök Media", "Аққу"}
)

// LoadDemo publishes one call, brings in 40 applications (NGOs from
// eligible, companies and individual entrepreneurs), has eight experts
// review each with four (some declaring a conflict of interest), awards
// the 12 best within the budget, rejects the next 14 and pays the awards
// in one to three milestones with the export revenue grantees report —
// all through the service, on a clock that runs from the call's opening
// to now, so every award and payment is a ledger entry.
func LoadDemo(ctx context.Context, pool *pgxpool.Pool, app ledger.Appender, ngos NGOs, eligible []string, now time.Time) (DemoStats, error) {
	start := time.Now()
	var n int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM fund_calls`).Scan(&n); err != nil {
		return DemoStats{}, err
	}
	if n > 0 {
		return DemoStats{}, ErrDemoLoaded
	}
	clock := now
	s := NewService(pool, app, ngos, Config{Now: func() time.Time { return clock }})
	r := rand.New(rand.NewPCG(2026, 5))
	opens := now.AddDate(0, 0, -120)
	closes := now.AddDate(0, 0, -60)
	clock = opens.AddDate(0, 0, -7)
	call := Call{Title: map[string]string{"kk": "Креативті индустрияларды дамыту қоры: 2026 жылғы гранттар",
		"ru": "Фонд развития креативных индустрий: гранты 2026 года", "en": "Creative Industry Development Fund: 2026 grants"},
		Budget: "150000000.00", Opens: opens.In(kztime.Location).Format(time.DateOnly), Closes: closes.In(kztime.Location).Format(time.DateOnly),
		Instrument: "grant", Eligible: kinds, Criteria: []Criterion{{ID: "quality", Name: "Artistic and technical quality", Weight: json.RawMessage("40")},
			{ID: "impact", Name: "Audience, regions and jobs", Weight: json.RawMessage("30")}, {ID: "export", Name: "Export potential", Weight: json.RawMessage("30")}}}
	if _, err := s.PutCall(ctx, "system", demoCallID, call); err != nil {
		return DemoStats{}, fmt.Errorf("fund demo: call: %w", err)
	}
	var st DemoStats
	apps := make([]Application, 0, 40)
	for i := range 40 {
		clock = opens.AddDate(0, 0, 1+i*3/2).Add(time.Duration(r.IntN(8)) * time.Hour)
		in := ApplicationInput{Title: demoProjects[i%len(demoProjects)], AmountRequested: fmt.Sprintf("%d000.00", 3000+r.IntN(9000)),
			Region: demoRegions[r.IntN(len(demoRegions))], Sector: demoSectors[r.IntN(len(demoSectors))]}
		in.Summary = fmt.Sprintf("%s: production, release in Kazakhstan and abroad, %d jobs in the region.", in.Title, 3+r.IntN(40))
		var bin, kind string
		switch {
		case i < 24 && len(eligible) > 0:
			bin, kind = eligible[(i*7)%len(eligible)], kindNGO
		case i%3 == 0:
			bin, kind = ngo.DemoBIN(r, '0'+byte(r.IntN(3))), kindEntrepreneur // an IIN: born on the 0x..2x of a month
			in.ApplicantName = "IE " + demoCompanies[i%len(demoCompanies)]
		default:
			bin, kind = ngo.DemoBIN(r, '4'), kindCompany
			in.ApplicantName = "ТОО «" + demoCompanies[i%len(demoCompanies)] + "»"
		}
		a, err := s.Apply(ctx, "system", demoCallID, bin, kind, in, idempotency.Key{})
		if err != nil {
			return DemoStats{}, fmt.Errorf("fund demo: application %d: %w", i, err)
		}
		apps = append(apps, a)
	}
	st.Applications = len(apps)
	f := false
	t := true
	for i, a := range apps {
		clock = closes.AddDate(0, 0, 2+i%10)
		for k := range 4 {
			expert := fmt.Sprintf("e%d", 1+(i+k)%8)
			in := ReviewInput{ConflictOfInterest: &f, Comment: "reviewed against the call's criteria"}
			if k == 3 && i%6 == 0 {
				in = ReviewInput{ConflictOfInterest: &t, Comment: "I have worked with the applicant"}
				st.Conflicts++
			} else {
				base := 4 + r.IntN(5)
				in.Scores = map[string]json.RawMessage{"quality": num(base + r.IntN(3)), "impact": num(base + r.IntN(2)), "export": num(max(0, base-2+r.IntN(5)))}
			}
			if _, err := s.PutReview(ctx, expert, a.ID, expert, in); err != nil {
				return DemoStats{}, fmt.Errorf("fund demo: review: %w", err)
			}
			st.Reviews++
		}
	}
	for i := range apps {
		if apps[i], _ = s.Application(ctx, apps[i].ID); apps[i].ID == "" {
			return DemoStats{}, errors.New("fund demo: application vanished")
		}
	}
	sort.SliceStable(apps, func(i, j int) bool {
		return decimal.RequireFromString(apps[i].Score).GreaterThan(decimal.RequireFromString(apps[j].Score))
	})
	awarded, paid := decimal.Zero, decimal.Zero
	for i, a := range apps[:26] {
		clock = closes.AddDate(0, 0, 15+i/4)
		award := i < 12
		in := DecisionInput{Award: &award}
		if award {
			req := decimal.RequireFromString(a.AmountRequested)
			in.Amount = req.Mul(decimal.NewFromInt(int64(85 + r.IntN(16)))).Div(decimal.NewFromInt(100)).Round(-3).StringFixed(2)
		}
		d, err := s.Decide(ctx, "system", a.ID, in, idempotency.Key{})
		if err != nil {
			return DemoStats{}, fmt.Errorf("fund demo: decision: %w", err)
		}
		if !award {
			st.Rejections++
			continue
		}
		st.Awards++
		amount := decimal.RequireFromString(d.Amount)
		awarded = awarded.Add(amount)
		decided := clock
		left := amount
		for k, share := range []int64{40, 35, 25}[:1+r.IntN(3)] {
			clock = decided.AddDate(0, 0, 7+k*14)
			if clock.After(now) {
				break
			}
			part := amount.Mul(decimal.NewFromInt(share)).Div(decimal.NewFromInt(100)).Round(2)
			if part.GreaterThan(left) {
				part = left
			}
			export := "0.00"
			if (a.Sector == "film" || a.Sector == "music" || a.Sector == "animation" || a.Sector == "games") && k > 0 {
				export = fmt.Sprintf("%d.00", 100000+r.IntN(5000000))
			}
			if _, err := s.Disburse(ctx, "system", d.GrantID, DisbursementInput{Amount: part.StringFixed(2),
				Date: clock.In(kztime.Location).Format(time.DateOnly), Milestone: []string{"start of production", "first cut", "release"}[k],
				ExportRevenue: export}, idempotency.Key{}); err != nil {
				return DemoStats{}, fmt.Errorf("fund demo: disbursement: %w", err)
			}
			left = left.Sub(part)
			paid = paid.Add(part)
			st.Disbursements++
		}
	}
	st.Awarded, st.Disbursed = awarded.StringFixed(2), paid.StringFixed(2)
	st.Elapsed = time.Since(start)
	return st, nil
}

func num(n int) json.RawMessage { return json.RawMessage(fmt.Sprint(min(n, 10))) }
