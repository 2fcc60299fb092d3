package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"ecinema/culture/archive"
	"ecinema/culture/blobstore"
	"ecinema/internal/postgres"
	"ecinema/ledger"
	"ecinema/migrations"
)

// cmdArchive runs the e-Archive's maintenance commands:
//
//	ecinema archive fixity [--unit ID]
//
// fixity re-hashes every stored file of every AIP (or one unit's) against
// the digests recorded at ingest, appends a "fixity check" event per AIP
// with its outcome, prints each failure and exits 1 when there is any.
// It reads ECINEMA_DATABASE_URL and ECINEMA_BLOB_DIR.
func cmdArchive(ctx context.Context, env *cmdEnv, args []string) error {
	if len(args) == 0 || args[0] != "fixity" {
		return usagef("usage: ecinema archive fixity [--unit ID]")
	}
	fs := flag.NewFlagSet("archive fixity", flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	unit := fs.String("unit", "", "check only this unit's AIPs")
	if err := fs.Parse(args[1:]); err != nil {
		return usagef("%v", err)
	}
	if fs.NArg() > 0 {
		return usagef("archive fixity takes only flags")
	}
	url, err := databaseURL(env.getenv)
	if err != nil {
		return err
	}
	dir := strings.TrimSpace(env.getenv("ECINEMA_BLOB_DIR"))
	if dir == "" {
		dir = blobstore.DefaultDir
	}
	var maxUpload int64
	if s := strings.TrimSpace(env.getenv("ECINEMA_MAX_UPLOAD")); s != "" {
		if maxUpload, err = strconv.ParseInt(s, 10, 64); err != nil {
			return usagef("ECINEMA_MAX_UPLOAD=%q is not a byte count", s)
		}
	}
	blobs, err := blobstore.NewFS(dir, maxUpload)
	if err != nil {
		return err
	}
	if err := migrations.Up(ctx, url); err != nil {
		return err
	}
	pool, err := postgres.Open(ctx, url)
	if err != nil {
		return err
	}
	defer pool.Close()
	wctx, stop := context.WithCancel(context.WithoutCancel(ctx))
	w := ledger.NewWriter(pool, ledger.WriterConfig{})
	done := make(chan error, 1)
	go func() { done <- w.Run(wctx) }()
	defer func() { stop(); <-done }()
	svc := archive.NewService(pool, w, archive.Config{Blobs: blobs})
	start := time.Now()
	rep, err := svc.Fixity(ctx, "system", *unit, 0)
	if err != nil {
		return err
	}
	for _, f := range rep.Failures {
		fmt.Fprintf(env.stdout, "FAILED unit %s aip %d %s: %s\n", f.UnitID, f.AIPSeq, f.Path, f.Problem)
	}
	el := time.Since(start)
	mbs := float64(rep.Bytes) / (1 << 20) / max(el.Seconds(), 1e-9)
	fmt.Fprintf(env.stdout, "fixity: %d AIPs, %d files, %d bytes in %s (%.1f MB/s), %d failures\n",
		rep.AIPs, rep.Files, rep.Bytes, el.Round(time.Millisecond), mbs, len(rep.Failures))
	if len(rep.Failures) > 0 {
		return errFixity
	}
	return nil
}

// errFixity makes the command exit 1 after printing the failures.
var errFixity = errors.New("archive fixity: some files failed their check")

// loadArchiveDemo loads the e-Archive demo (a WWII fond as real bags and a
// few hundred persons) into the blob store of ECINEMA_BLOB_DIR.
func loadArchiveDemo(ctx context.Context, env *cmdEnv, pool *pgxpool.Pool, w *ledger.Writer) error {
	dir := strings.TrimSpace(env.getenv("ECINEMA_BLOB_DIR"))
	if dir == "" {
		dir = blobstore.DefaultDir
	}
	blobs, err := blobstore.NewFS(dir, 0)
	if err != nil {
		return err
	}
	st, err := archive.NewService(pool, w, archive.Config{Blobs: blobs}).LoadDemo(ctx, 300, env.stderr)
	if errors.Is(err, archive.ErrDemoLoaded) {
		fmt.Fprintf(env.stderr, "%v; nothing loaded\n", err)
		return nil
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "archive demo loaded: %d units in %d bags (%d files, %d bytes), %d persons (sync off unless ECINEMA_BATYRLAR_URL is set) in %s\n",
		st.Units, st.Bags, st.Files, st.Bytes, st.Persons, st.Elapsed.Round(time.Millisecond))
	return nil
}
