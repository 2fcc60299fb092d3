package main

import (
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"ecinema/internal/pgtest"
	"ecinema/kztime"
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
	// The tickets in parts (forced, or from a small memory budget): the
	// same verdict, and a tampered ticket is found whichever part holds it.
	owner := pgtest.OwnerPool(t, env["ECINEMA_DATABASE_URL"])
	for _, args := range [][]string{{"--deep-parts", "3"}, {"--deep-memory", "1MiB"}} {
		out, errOut, err = runCmd(t, env, append([]string{"verify", "--deep", "--allow-unsigned-tail"}, args...)...)
		if err != nil || !strings.HasPrefix(out, "ok:") || !strings.Contains(errOut, "the tickets were rebuilt in ") {
			t.Fatalf("verify --deep %v = %q %q, %v", args, out, errOut, err)
		}
	}
	var cinemas []string
	rows, err := owner.Query(t.Context(), `SELECT DISTINCT ON (cinema_id) cinema_id FROM tickets ORDER BY cinema_id LIMIT 6`)
	if err == nil {
		cinemas, err = pgx.CollectRows(rows, pgx.RowTo[string])
	}
	if err != nil || len(cinemas) < 3 {
		t.Fatalf("cinemas with tickets: %v %v", cinemas, err)
	}
	for _, c := range cinemas {
		// One ticket, by its key: a LIMIT without ORDER BY could pick
		// another row for the repair once the update moved the first.
		var id string
		pgtest.Row(t, owner, `SELECT id FROM tickets WHERE cinema_id = $1 ORDER BY id LIMIT 1`, c).Scan(&id)
		tamper := `UPDATE tickets SET price = price + 1 WHERE cinema_id = $1 AND id = $2`
		if _, err := owner.Exec(t.Context(), tamper, c, id); err != nil {
			t.Fatal(err)
		}
		out, _, err = runCmd(t, env, "verify", "--deep", "--allow-unsigned-tail", "--deep-parts", "3")
		if exitCode(err) != 1 || !strings.Contains(err.Error(), "table tickets") {
			t.Errorf("verify --deep --deep-parts 3 after tampering a ticket of %s: %q, %v (exit %d)", c, out, err, exitCode(err))
		}
		if _, err := owner.Exec(t.Context(), strings.Replace(tamper, "+ 1", "- 1", 1), c, id); err != nil {
			t.Fatal(err)
		}
	}
	for _, args := range [][]string{{"--deep-memory", "lots"}, {"--deep-memory", "0"}, {"--deep-parts", "-1"}} {
		if _, _, err := runCmd(t, env, append([]string{"verify", "--deep"}, args...)...); exitCode(err) != 2 {
			t.Errorf("verify --deep %v: exit %d (%v), want 2", args, exitCode(err), err)
		}
	}
	// A tampered box-office rollup row is found.
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
	// Today's local date is never a box-office day that has ended.
	today := kztime.LocalDate(time.Now()).Format(time.DateOnly)
	for _, args := range [][]string{{"demo", "--days", "0"}, {"demo", "--scale", "-1"}, {"demo", "--last", "2026-13-01"}, {"demo", "--last", today}, {"demo", "extra"}} {
		if _, _, err := runCmd(t, env, args...); exitCode(err) != 2 {
			t.Errorf("%v: exit %d (%v), want 2", args, exitCode(err), err)
		}
	}
}
