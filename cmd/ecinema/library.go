package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"ecinema/culture/blobstore"
	"ecinema/culture/library"
	"ecinema/ledger"
	"ecinema/registry"
)

// loadLibraryDemo loads the e-Library demo (Kazakh classics in kk, ru and
// en, two audiobooks, readers and a month of loans ending on last) into
// the blob store of ECINEMA_BLOB_DIR, and prints one reader's card number
// and password for trying the shelf in a reading app.
func loadLibraryDemo(ctx context.Context, env *cmdEnv, pool *pgxpool.Pool, w *ledger.Writer, last time.Time) error {
	dir := strings.TrimSpace(env.getenv("ECINEMA_BLOB_DIR"))
	if dir == "" {
		dir = blobstore.DefaultDir
	}
	blobs, err := blobstore.NewFS(dir, 0)
	if err != nil {
		return err
	}
	if last.IsZero() {
		last = time.Now().UTC()
	}
	svc := library.NewService(pool, w, blobs, library.Config{})
	st, err := svc.LoadDemo(ctx, registry.NewService(pool, w), last, env.stderr)
	if errors.Is(err, library.ErrDemoLoaded) {
		fmt.Fprintf(env.stderr, "%v; nothing loaded\n", err)
		return nil
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "library demo loaded: %d works, %d editions, %d files, %d readers, %d loans (%d returned), %d holds in %s; "+
		"reader card %s password %s (OPDS: /opds, /opds/v2)\n",
		st.Works, st.Editions, st.Files, st.Readers, st.Loans, st.Returns, st.Holds, st.Elapsed.Round(time.Millisecond), st.Card, st.Password)
	return nil
}
