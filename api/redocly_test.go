package api_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestRedoclyLint lints the OpenAPI document the server serves
// (api/openapi.yaml, embedded as is) with Redocly CLI's recommended rules,
// installed under testdata/openapi by npm ci: no error, and no warning
// beyond the ones testdata/openapi/.redocly.lint-ignore.yaml explains.
func TestRedoclyLint(t *testing.T) {
	dir, err := filepath.Abs("../testdata/openapi")
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "node_modules", ".bin", "redocly")
	if _, err := os.Stat(bin); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("redocly is not installed (cd testdata/openapi && npm ci): %v", err)
		}
		t.Skip("redocly not installed: cd testdata/openapi && npm ci")
	}
	spec, err := filepath.Abs("openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "lint", "--format=json", spec)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "REDOCLY_TELEMETRY=off", "REDOCLY_SUPPRESS_UPDATE_NOTICE=true")
	out, _ := cmd.Output() // exits non-zero on errors; the JSON says which
	var res struct {
		Totals struct {
			Errors   int `json:"errors"`
			Warnings int `json:"warnings"`
			Ignored  int `json:"ignored"`
		} `json:"totals"`
		Problems []struct {
			RuleID   string `json:"ruleId"`
			Severity string `json:"severity"`
			Message  string `json:"message"`
			Location []struct {
				Pointer string `json:"pointer"`
			} `json:"location"`
		} `json:"problems"`
	}
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("redocly output: %v\n%s", err, out)
	}
	for _, p := range res.Problems {
		if p.Severity == "error" || p.Severity == "warn" {
			loc := ""
			if len(p.Location) > 0 {
				loc = p.Location[0].Pointer
			}
			t.Errorf("%s %s at %s: %s", p.Severity, p.RuleID, loc, p.Message)
		}
	}
	if res.Totals.Errors != 0 || res.Totals.Warnings != 0 {
		t.Errorf("redocly lint: %d errors, %d warnings (%d ignored as explained)", res.Totals.Errors, res.Totals.Warnings, res.Totals.Ignored)
	}
	t.Logf("redocly lint: %d errors, %d warnings, %d ignored (explained in testdata/openapi/.redocly.lint-ignore.yaml)",
		res.Totals.Errors, res.Totals.Warnings, res.Totals.Ignored)
}
