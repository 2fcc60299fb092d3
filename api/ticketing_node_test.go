package api_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestTicketCodeNodeVerifier: a program that is not this Go code
// (testdata/ticketing/verify.mjs: npm base45, cbor and @noble/ed25519)
// verifies a code the server issued against /v1/tickets/keys, and refuses
// the same code with one byte changed. Skipped without node or its
// node_modules (npm ci in testdata/ticketing) unless CI is set.
func TestTicketCodeNodeVerifier(t *testing.T) {
	dir, _ := filepath.Abs("../testdata/ticketing")
	node, err := exec.LookPath("node")
	if err == nil {
		_, err = os.Stat(filepath.Join(dir, "node_modules", "cbor"))
	}
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI: node and testdata/ticketing/node_modules are required (.ci/run runs npm ci): %v", err)
		}
		t.Skipf("node verifier not available (install node, run npm ci in testdata/ticketing): %v", err)
	}
	w := newTicketWorld(t)
	sold := w.sell(t, "s1", 201, "", tk("n1", "pass", "9000.00", "A1"), tk("n2", "free", "0.00", ""))
	code := sold[0].Code
	i := len(code) - 10
	c := byte('A')
	if code[i] == 'A' {
		c = 'B'
	}
	tampered := code[:i] + string(c) + code[i+1:]
	cmd := exec.Command(node, "verify.mjs", w.env.URL, "abai", sold[0].Code, sold[1].Code, tampered)
	cmd.Dir = dir
	out, err := cmd.Output()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
		t.Fatalf("node verify: %v (want exit 1 for the tampered code)\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != 3 {
		t.Fatalf("node printed %q", out)
	}
	type result struct {
		OK     bool
		Error  string
		KID    string
		Claims struct {
			TicketID   string  `json:"ticket_id"`
			VenueID    string  `json:"venue_id"`
			SessionID  string  `json:"session_id"`
			Seat       *string `json:"seat"`
			Tariff     string
			Admissions int
			Expires    int64
		}
	}
	var r [3]result
	for i, l := range lines {
		if err := json.Unmarshal([]byte(l), &r[i]); err != nil {
			t.Fatalf("line %q: %v", l, err)
		}
	}
	if !r[0].OK || r[0].Claims.TicketID != "n1" || r[0].Claims.VenueID != "abai" || r[0].Claims.SessionID != "s1" ||
		r[0].Claims.Seat == nil || *r[0].Claims.Seat != "A1" || r[0].Claims.Tariff != "pass" || r[0].Claims.Admissions != 3 ||
		r[0].Claims.Expires != w.start.Unix()+7200 {
		t.Fatalf("node verified %s", lines[0])
	}
	if !r[1].OK || r[1].Claims.Seat != nil || r[1].Claims.Tariff != "free" {
		t.Fatalf("node verified %s", lines[1])
	}
	if r[2].OK || r[2].Error == "" {
		t.Fatalf("node accepted a tampered code: %s", lines[2])
	}
	t.Logf("node: %s | tampered: %s", lines[0], r[2].Error)
}
