package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCheckoutEnv: run from a checkout where make run keeps its cluster,
// verify and apikey find the database and the log key without variables.
func TestCheckoutEnv(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	none := func(string) string { return "" }
	var stderr bytes.Buffer
	env := &cmdEnv{getenv: none, stderr: &stderr}
	if got := checkoutEnv(env); got != env {
		t.Fatal("no .data: the environment must stay as it is")
	}
	os.MkdirAll(filepath.Join(dir, ".data", "pg"), 0o755)
	os.WriteFile(filepath.Join(dir, ".data", "pg", "PG_VERSION"), []byte("16\n"), 0o644)
	os.WriteFile(filepath.Join(dir, ".data", "log.key"), []byte("k\n"), 0o600)
	got := checkoutEnv(env)
	abs, _ := filepath.Abs(".data")
	url := got.getenv("ECINEMA_DATABASE_URL")
	if !strings.Contains(url, "host="+devSocketDir(abs)) || !strings.HasPrefix(url, "postgres://postgres@/ecinema?") {
		t.Errorf("url %q", url)
	}
	if kf := got.getenv("ECINEMA_LOG_KEY_FILE"); kf != filepath.Join(abs, "log.key") {
		t.Errorf("key file %q", kf)
	}
	if !strings.Contains(stderr.String(), "make run's database") {
		t.Errorf("stderr %q", stderr.String())
	}
	set := &cmdEnv{getenv: func(k string) string {
		if k == "ECINEMA_DATABASE_URL" {
			return "postgres://elsewhere/db"
		}
		return ""
	}, stderr: &stderr}
	if checkoutEnv(set) != set {
		t.Error("a set ECINEMA_DATABASE_URL must win")
	}
}
