package main

import (
	"strings"
	"testing"

	"ecinema/internal/pgtest"
)

// TestDemoCommand loads a tiny demo set with the subcommand, checks that
// verify --deep finds every projection (ingest's and the box-office rollup)
// equal to its rebuild from the log, that a second load is a no-op and
// that a load with other flags is refused with the ones to use.
func TestDemoCommand(t *testing.T) {
	env := testEnv(t)
	out, errOut, err := runCmd(t, env, "demo", "--days", "2", "--scale", "0.01", "--seed", "3", "--last", "2026-03-19")
	if err != nil {
		t.Fatalf("demo: %v\n%s", err, errOut)
	}
	if !strings.HasPrefix(out, "demo loaded: 112 cinemas") || !strings.Contains(errOut, "demo: days 1-2/2 2026-03-18..2026-03-19") {
		t.Errorf("demo stdout %q stderr %q", out, errOut)
	}
	for _, want := range []string{"ngo demo loaded: 300 NGOs", "fund demo loaded: 40 applications", "12 awards", "hubs demo loaded: 10 hubs, 40 events"} {
		if !strings.Contains(out, want) {
			t.Errorf("demo stdout lacks %q: %q", want, out)
		}
	}
	out, errOut, err = runCmd(t, env, "verify", "--deep", "--allow-unsigned-tail")
	if err != nil || !strings.HasPrefix(out, "ok:") {
		t.Fatalf("verify --deep = %q %q, %v", out, errOut, err)
	}
	// A tampered box-office rollup row is found.
	owner := pgtest.OwnerPool(t, env["ECINEMA_DATABASE_URL"])
	if _, err := owner.Exec(t.Context(), `UPDATE boxoffice_daily SET admissions = admissions + 1
WHERE (film_id, box_office_day, region) IN (SELECT film_id, box_office_day, region FROM boxoffice_daily LIMIT 1)`); err != nil {
		t.Fatal(err)
	}
	out, _, err = runCmd(t, env, "verify", "--deep", "--allow-unsigned-tail")
	if exitCode(err) != 1 || !strings.Contains(out+err.Error(), "boxoffice_daily") {
		t.Errorf("verify --deep after tampering: %q, %v (exit %d)", out, err, exitCode(err))
	}
	out, errOut, err = runCmd(t, env, "demo", "--days", "2", "--scale", "0.01", "--seed", "3", "--last", "2026-03-19")
	if err != nil || out != "" || !strings.Contains(errOut, "already holds this demo data set") {
		t.Errorf("second demo: %q %q %v", out, errOut, err)
	}
	_, _, err = runCmd(t, env, "demo", "--days", "2")
	if exitCode(err) != 1 || !strings.Contains(err.Error(), "--seed 3 --scale 0.01, 2026-03-18..2026-03-19") {
		t.Errorf("demo with other flags: %v (exit %d), want exit 1 naming the loaded data set", err, exitCode(err))
	}
	for _, args := range [][]string{{"demo", "--days", "0"}, {"demo", "--scale", "-1"}, {"demo", "--last", "2026-13-01"}, {"demo", "extra"}} {
		if _, _, err := runCmd(t, env, args...); exitCode(err) != 2 {
			t.Errorf("%v: exit %d (%v), want 2", args, exitCode(err), err)
		}
	}
}
