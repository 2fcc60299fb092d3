package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"ecinema/apikey"
	"ecinema/culture/fund"
	"ecinema/culture/hubs"
	"ecinema/culture/ngo"
	"ecinema/ledger"
)

// loadNGOFundHubsDemo loads CULTURE.md section 5's demo: 300 NGOs with
// their reports (some late, some returned), the fund's call with 40
// applications, reviews, 12 awards and their payments, and hubs in the
// eight named regions plus Astana and Almaty with events, investors,
// pitches and deals. Each part is skipped when it is already there.
func loadNGOFundHubsDemo(ctx context.Context, env *cmdEnv, pool *pgxpool.Pool, w *ledger.Writer) error {
	// One instant for every part: the NGO demo's eligible NGOs are those
	// at now, and the fund demo's applications are checked against the
	// register at now too, even when the clock has passed 00:00 local
	// time on 1 April (when the last due report turns to the next year's)
	// meanwhile.
	now := time.Now()
	ngoAt := ngo.NewService(pool, ngo.Config{Now: func() time.Time { return now }})
	ns, err := ngo.LoadDemo(ctx, pool, 300, now)
	switch {
	case errors.Is(err, ngo.ErrDemoLoaded):
		fmt.Fprintf(env.stderr, "%v; nothing loaded\n", err)
	case err != nil:
		return err
	default:
		fmt.Fprintf(env.stdout, "ngo demo loaded: %d NGOs, %d reports (%d accepted, %d late, %d returned, %d waiting), %d eligible in %s\n",
			ns.NGOs, ns.Reports, ns.Accepted, ns.Late, ns.Returned, ns.Pending, len(ns.Eligible), ns.Elapsed.Round(time.Millisecond))
	}
	if ns.Eligible == nil {
		rows, err := pool.Query(ctx, `SELECT bin FROM ngos ORDER BY bin`)
		if err != nil {
			return err
		}
		var bins []string
		for rows.Next() {
			var bin string
			if err := rows.Scan(&bin); err != nil {
				return err
			}
			bins = append(bins, bin)
		}
		rows.Close()
		for _, bin := range bins {
			if e, err := ngoAt.Eligibility(ctx, bin); err == nil && e.Eligible {
				ns.Eligible = append(ns.Eligible, bin)
			}
		}
	}
	fs, err := fund.LoadDemo(ctx, pool, w, ngoAt, ns.Eligible, now)
	switch {
	case errors.Is(err, fund.ErrDemoLoaded):
		fmt.Fprintf(env.stderr, "%v; nothing loaded\n", err)
	case err != nil:
		return err
	default:
		fmt.Fprintf(env.stdout, "fund demo loaded: %d applications, %d reviews (%d conflicts), %d awards (%s KZT), %d rejections, %d disbursements (%s KZT) in %s\n",
			fs.Applications, fs.Reviews, fs.Conflicts, fs.Awards, fs.Awarded, fs.Rejections, fs.Disbursements, fs.Disbursed, fs.Elapsed.Round(time.Millisecond))
	}
	hs, err := hubs.LoadDemo(ctx, pool, w, now)
	switch {
	case errors.Is(err, hubs.ErrDemoLoaded):
		fmt.Fprintf(env.stderr, "%v; nothing loaded\n", err)
	case err != nil:
		return err
	default:
		fmt.Fprintf(env.stdout, "hubs demo loaded: %d hubs, %d events, %d investors, %d pitches, %d introductions, %d deals in %s\n",
			hs.Hubs, hs.Events, hs.Investors, hs.Pitches, hs.Introductions, hs.Deals, hs.Elapsed.Round(time.Millisecond))
	}
	return nil
}

// demoNGOFundHubsKeys adds keys for the section 5 demo's roles: the fund
// officer, an expert, an eligible NGO (and its BIN) and the Astana hub's
// operator, when the demo data is there.
func demoNGOFundHubsKeys(ctx context.Context, pool *pgxpool.Pool, store *apikey.Store, b *strings.Builder) error {
	var ngoBIN string
	pool.QueryRow(ctx, `SELECT min(a.bin) FROM fund_applications a JOIN fund_grants g ON g.application_id = a.id WHERE a.applicant_kind = 'ngo'`).Scan(&ngoBIN)
	specs := []apikey.Spec{{Role: apikey.RoleFundOfficer}, {Role: apikey.RoleExpert, Scope: "e1"}}
	if ngoBIN != "" {
		specs = append(specs, apikey.Spec{Role: apikey.RoleNGO, Scope: ngoBIN})
	}
	if hubs.NewService(pool, nil, hubs.Config{}).Exists(ctx, "astana") == nil {
		specs = append(specs, apikey.Spec{Role: apikey.RoleHubOperator, Scope: "astana"})
	}
	for _, sp := range specs {
		sp.Name = "demo " + string(sp.Role)
		_, secret, err := store.Create(ctx, sp)
		if err != nil {
			return err
		}
		fmt.Fprintf(b, "  %-12s %-22s %s\n", sp.Role, sp.Scope, secret)
	}
	return nil
}
