package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"ecinema/internal/pgtest"
	"ecinema/internal/postgres"
	"ecinema/ledger"
)

func TestLogKeyGenerate(t *testing.T) {
	file := filepath.Join(t.TempDir(), "signer.key")
	out, _, err := runCmd(t, map[string]string{"ECINEMA_LOG_ORIGIN": "ecinema.test/ledger"}, "logkey", "generate", file)
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(file)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %v, %v", st.Mode(), err)
	}
	b, _ := os.ReadFile(file)
	vkey, err := ledger.VerifierFromSigner(string(b))
	if err != nil || strings.TrimSpace(out) != vkey || !strings.HasPrefix(vkey, "ecinema.test/ledger+") {
		t.Fatalf("printed %q, key file gives %q (%v)", out, vkey, err)
	}
	if _, _, err := runCmd(t, nil, "logkey", "generate", file); err == nil || !strings.Contains(err.Error(), "refusing") {
		t.Fatalf("overwrite: %v", err)
	}
	if pub, _, err := runCmd(t, nil, "logkey", "public", file); err != nil || strings.TrimSpace(pub) != vkey {
		t.Fatalf("logkey public = %q %v", pub, err)
	}
}

func TestVerifyCommand(t *testing.T) {
	env := testEnv(t)
	if _, _, err := runCmd(t, env, "migrate"); err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	pool, err := postgres.Open(ctx, env["ECINEMA_DATABASE_URL"])
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	w := ledger.NewWriter(pool, ledger.WriterConfig{})
	wctx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); w.Run(wctx) }()
	for i := 0; i < 25; i++ {
		if _, err := w.Append(ctx, ledger.Record{Kind: "fiscal_totals", Actor: "system", Body: map[string]int{"n": i}}); err != nil {
			t.Fatal(err)
		}
	}
	stop()
	<-done
	// No checkpoint yet: every entry is checked but no signature covers
	// them, which is exit 4 unless --allow-unsigned-tail (issue 13).
	out, _, err := runCmd(t, env, "verify")
	if exitCode(err) != 4 || !strings.Contains(out, "25 entries after the latest checkpoint are UNSIGNED") ||
		!strings.Contains(err.Error(), "--allow-unsigned-tail") {
		t.Fatalf("verify of an unsigned tail: exit %d, %q, %v", exitCode(err), out, err)
	}
	if _, _, err := runCmd(t, env, "verify", "--allow-unsigned-tail"); err != nil {
		t.Fatalf("verify --allow-unsigned-tail: %v", err)
	}
	skey, _ := os.ReadFile(env["ECINEMA_LOG_KEY_FILE"])
	signer, _ := ledger.NewSigner(string(skey))
	// The key's name is the origin (verify pins it).
	cp, err := ledger.NewPublisher(pool, ledger.PublisherConfig{Origin: "ecinema-test", Signer: signer, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}).Publish(ctx)
	if err != nil {
		t.Fatal(err)
	}

	out, _, err = runCmd(t, env, "verify")
	if err != nil || !strings.HasPrefix(out, "ok: 25 entries") {
		t.Fatalf("verify = %q, %v", out, err)
	}

	// Offline, from an export and the checkpoint.
	dir := t.TempDir()
	exportFile, cpFile := filepath.Join(dir, "export.ndjson"), filepath.Join(dir, "checkpoint")
	f, _ := os.Create(exportFile)
	enc := json.NewEncoder(f)
	if err := ledger.NewReader(pool, "").Export(ctx, 0, -1, ledger.Scope{All: true}, func(e ledger.Entry) error {
		return enc.Encode(ledger.NewExportLine(e))
	}); err != nil {
		t.Fatal(err)
	}
	f.Close()
	os.WriteFile(cpFile, cp.Note, 0o644)
	vkey, _ := ledger.VerifierFromSigner(string(skey))
	offline := map[string]string{} // no database
	out, _, err = runCmd(t, offline, "verify", "--export", exportFile, "--checkpoint", cpFile, "--public-key", vkey)
	if err != nil || !strings.HasPrefix(out, "ok: 25 entries") {
		t.Fatalf("offline verify = %q, %v", out, err)
	}
	if _, _, err := runCmd(t, offline, "verify", "--export", exportFile); exitCode(err) != 2 {
		t.Fatalf("offline without checkpoint: exit %d (%v)", exitCode(err), err)
	}

	// Tampered: exit 1 naming the seq and the reason.
	owner := pgtest.OwnerPool(t, env["ECINEMA_DATABASE_URL"])
	if _, err := owner.Exec(ctx, `ALTER TABLE ledger_entries DISABLE TRIGGER ledger_entries_no_update;
DELETE FROM ledger_entries WHERE seq = 17;
ALTER TABLE ledger_entries ENABLE ALWAYS TRIGGER ledger_entries_no_update`); err != nil {
		t.Fatal(err)
	}
	_, _, err = runCmd(t, env, "verify")
	if exitCode(err) != 1 || !strings.Contains(err.Error(), "seq 17: missing_seq") {
		t.Fatalf("verify after deletion: exit %d, %v", exitCode(err), err)
	}
	t.Logf("ecinema: %v", err)
}
