package main

import (
	"regexp"
	"strconv"
	"strings"
	"testing"

	"ecinema/internal/apptest"
	"ecinema/internal/pgtest"
)

// TestBenchCommand runs `ecinema bench` for a second against the wired
// service: the summary on stdout reports the tickets stored, no errors,
// and the pos keys the run made are revoked afterwards.
func TestBenchCommand(t *testing.T) {
	env := apptest.New(t)
	vars := map[string]string{"ECINEMA_URL": env.URL, "ECINEMA_ADMIN_KEY": env.AdminKey, "ECINEMA_DATABASE_URL": env.DBURL}
	out, errOut, err := runCmd(t, vars, "bench", "--duration", "1s", "--workers", "4", "--cinemas", "2", "--tickets", "5", "--prefix", "cmd1")
	if err != nil {
		t.Fatalf("bench: %v\n%s", err, errOut)
	}
	m := regexp.MustCompile(`^bench cmd1: 4 workers, 5 tickets/request, [0-9.]+s: (\d+) requests \([0-9.]+/s\), (\d+) tickets \([0-9]+/s\), (\d+) screenings; latency p50 [0-9.]+ms p95 [0-9.]+ms p99 [0-9.]+ms max [0-9.]+ms; 0 errors\n$`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("stdout %q\nstderr:\n%s", out, errOut)
	}
	reqs, _ := strconv.ParseInt(m[1], 10, 64)
	tickets, _ := strconv.ParseInt(m[2], 10, 64)
	if reqs == 0 || tickets != 5*reqs {
		t.Errorf("requests %d, tickets %d", reqs, tickets)
	}
	db := pgtest.OwnerPool(t, env.DBURL)
	var rows, live, revoked int64
	if err := db.QueryRow(t.Context(), `SELECT count(*) FROM tickets WHERE cinema_id LIKE 'cmd1-c%'`).Scan(&rows); err != nil {
		t.Fatal(err)
	}
	if rows != tickets {
		t.Errorf("tickets rows = %d, summary says %d", rows, tickets)
	}
	if err := db.QueryRow(t.Context(), `SELECT count(*) FILTER (WHERE revoked_at IS NULL), count(*) FILTER (WHERE revoked_at IS NOT NULL)
FROM api_keys WHERE role = 'pos'`).Scan(&live, &revoked); err != nil {
		t.Fatal(err)
	}
	if live != 0 || revoked != 2 {
		t.Errorf("pos keys after the run: %d live, %d revoked; want 0 and 2", live, revoked)
	}
	if !strings.Contains(errOut, "bench: fixture cmd1: 2 cinemas × 2 halls") {
		t.Errorf("stderr:\n%s", errOut)
	}
}

func TestBenchCommandNeedsKeys(t *testing.T) {
	_, _, err := runCmd(t, map[string]string{}, "bench")
	if err == nil || exitCode(err) != 2 || !strings.Contains(err.Error(), "ECINEMA_ADMIN_KEY") {
		t.Errorf("no admin key: %v", err)
	}
	_, _, err = runCmd(t, map[string]string{"ECINEMA_ADMIN_KEY": "x"}, "bench")
	if err == nil || exitCode(err) != 2 || !strings.Contains(err.Error(), "ECINEMA_DATABASE_URL") {
		t.Errorf("no database: %v", err)
	}
}
