package main

import (
	"bytes"
	"io"
	"os"
	"regexp"
	"testing"

	"ecinema/internal/apptest"
)

// TestPerfOfflineRow runs the offline verify row of `ecinema perf` against
// the wired service: the export, a fresh checkpoint and the public key come
// through HTTP, `verify --export` of them passes and reports entries/s,
// and an export changed in one entry fails.
func TestPerfOfflineRow(t *testing.T) {
	env := apptest.New(t)
	for _, id := range []string{"perf-a", "perf-b", "perf-c"} {
		putParty(t, env.URL, env.AdminKey, id)
	}
	p := &perfServer{url: env.URL, adminKey: env.AdminKey, dir: t.TempDir()}
	x, err := p.export(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var size int64
	if err := env.App.Pool.QueryRow(t.Context(), "SELECT size FROM ledger_heads WHERE log_id = 'main'").Scan(&size); err != nil {
		t.Fatal(err)
	}
	if x.entries != size || size < 3 {
		t.Fatalf("export of %d entries, ledger of %d", x.entries, size)
	}
	venv := &cmdEnv{stdout: io.Discard, stderr: io.Discard}
	s, err := p.verifyOffline(t.Context(), venv, x)
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^\d+ entries in [0-9.]+ s: \d+ entries/s \(\d+ MB/s of export\)$`).MatchString(s) {
		t.Errorf("row %q", s)
	}
	b, err := os.ReadFile(x.file)
	if err != nil {
		t.Fatal(err)
	}
	// The last entry's leaf hash, one hex digit changed.
	i := bytes.LastIndex(b, []byte(`"leaf_hash":"`)) + len(`"leaf_hash":"`)
	if b[i] == '0' {
		b[i] = '1'
	} else {
		b[i] = '0'
	}
	if err := os.WriteFile(x.file, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := p.verifyOffline(t.Context(), venv, x); err == nil || exitCode(err) != 1 {
		t.Errorf("changed export: %v", err)
	}
}
