package main

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"

	"ecinema/culture/archive"
	"ecinema/culture/archive/archivetest"
	"ecinema/culture/archive/bagit"
	"ecinema/culture/blobstore"
	"ecinema/culture/idempotency"
	"ecinema/internal/postgres"
	"ecinema/ledger"
	"ecinema/migrations"
)

// TestArchiveFixityCommand: ecinema archive fixity passes on intact AIPs
// and exits 1 naming the file when a blob was changed.
func TestArchiveFixityCommand(t *testing.T) {
	env := testEnv(t)
	ctx := context.Background()
	if err := migrations.Up(ctx, env["ECINEMA_DATABASE_URL"]); err != nil {
		t.Fatal(err)
	}
	pool, err := postgres.Open(ctx, env["ECINEMA_DATABASE_URL"])
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	w := ledger.NewWriter(pool, ledger.WriterConfig{})
	wctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- w.Run(wctx) }()
	blobs, err := blobstore.NewFS(env["ECINEMA_BLOB_DIR"], 0)
	if err != nil {
		t.Fatal(err)
	}
	svc := archive.NewService(pool, w, archive.Config{Blobs: blobs})
	if _, err := svc.PutUnit(ctx, "test", "u1", archive.UnitRecord{Title: map[string]string{"kk": "Хат"},
		Citation: archive.Citation{Archive: "CGA-RK", Fond: "R-1"}, Access: "open"}); err != nil {
		t.Fatal(err)
	}
	res, err := svc.Deposit(ctx, "test", "u1", bagit.Zip, bytes.NewReader(archivetest.Bag(bagit.Zip, "b", "e1",
		map[string][]byte{"хат.txt": []byte("Сәлем!"), "scan.tif": bytes.Repeat([]byte{1, 2, 3}, 1000)})), idempotency.Pending{})
	if err != nil {
		t.Fatal(err)
	}
	stop()
	<-done

	out, _, err := runCmd(t, env, "archive", "fixity")
	if err != nil || !strings.Contains(out, "fixity: 1 AIPs, 8 files") || !strings.Contains(out, "0 failures") {
		t.Fatalf("intact: %v\n%s", err, out)
	}
	var h string
	for _, f := range res.Files {
		if f.Path == "data/scan.tif" {
			h = f.SHA256
		}
	}
	p := blobs.Path(h)
	data, _ := os.ReadFile(p)
	data[0] ^= 1
	os.WriteFile(p, data, 0o600)
	out, _, err = runCmd(t, env, "archive", "fixity", "--unit", "u1")
	if err == nil || exitCode(err) != 1 || !strings.Contains(out, "FAILED unit u1") || !strings.Contains(out, "data/scan.tif: SHA-256 differs") {
		t.Fatalf("damaged: %v (exit %d)\n%s", err, exitCode(err), out)
	}
	if _, _, err := runCmd(t, env, "archive", "nope"); exitCode(err) != 2 {
		t.Fatalf("bad subcommand: %v", err)
	}
}
