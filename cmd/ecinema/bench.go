package main

import (
	"context"
	"flag"
	"fmt"
	"time"

	"ecinema/apikey"
	"ecinema/internal/app"
	"ecinema/internal/postgres"
	"ecinema/loadgen"
)

// cmdBench measures the POS write path of a running server:
//
//	ecinema bench [--url URL] [--admin-key KEY] [--duration 30s] [--workers 32]
//	              [--tickets 10] [--cinemas 4] [--prefix P] [--max-requests 0] [--retries 0]
//
// It registers its own fixture with the admin key (ECINEMA_ADMIN_KEY) and
// makes one pos key per fixture cinema with the apikey package in the
// database ECINEMA_DATABASE_URL names, because the API has no endpoint for
// keys; the keys are revoked when the run ends. Progress goes to stderr,
// the one-line summary to stdout; the exit status is 1 when any request
// failed (the summary still names them by code).
func cmdBench(ctx context.Context, env *cmdEnv, args []string) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	defURL := env.getenv("ECINEMA_URL")
	if defURL == "" {
		defURL = "http://127.0.0.1:8080"
	}
	cfg := loadgen.Config{Progress: env.stderr}
	fs.StringVar(&cfg.URL, "url", defURL, "server to load ($ECINEMA_URL sets the default)")
	fs.StringVar(&cfg.AdminKey, "admin-key", "", "admin API key for the fixture (default $ECINEMA_ADMIN_KEY)")
	fs.DurationVar(&cfg.Duration, "duration", 30*time.Second, "how long to post sales")
	fs.IntVar(&cfg.Workers, "workers", 32, "concurrent senders (each owns one hall)")
	fs.IntVar(&cfg.Tickets, "tickets", 10, "tickets per sales request")
	fs.IntVar(&cfg.Cinemas, "cinemas", 4, "fixture cinemas (one pos key each)")
	fs.StringVar(&cfg.Prefix, "prefix", loadgen.DefaultPrefix(time.Now()), "prefix of every id the run creates")
	fs.Int64Var(&cfg.MaxRequests, "max-requests", 0, "stop after this many sales requests (0: only --duration)")
	fs.IntVar(&cfg.Retries, "retries", 0, "posclient retries per request (0: count failures instead)")
	if err := fs.Parse(args); err != nil {
		return usagef("%v", err)
	}
	if fs.NArg() > 0 {
		return usagef("bench takes only flags")
	}
	if cfg.AdminKey == "" {
		cfg.AdminKey = env.getenv("ECINEMA_ADMIN_KEY")
	}
	if cfg.AdminKey == "" {
		return usagef("bench needs an admin key: --admin-key or ECINEMA_ADMIN_KEY")
	}
	dbURL := env.getenv("ECINEMA_DATABASE_URL")
	if dbURL == "" {
		return usagef("bench needs ECINEMA_DATABASE_URL (the server's database) to create the pos keys of its fixture: the API has no endpoint for keys")
	}
	pool, err := postgres.Open(ctx, dbURL)
	if err != nil {
		return err
	}
	defer pool.Close()
	store := app.NewKeyStore(pool)
	var keyIDs []string
	defer func() {
		for _, id := range keyIDs {
			if err := store.Revoke(context.WithoutCancel(ctx), id); err != nil {
				fmt.Fprintf(env.stderr, "bench: revoke key %s: %v\n", id, err)
			}
		}
	}()
	cfg.NewPOSKey = func(ctx context.Context, cinemaID string) (string, error) {
		k, secret, err := store.Create(ctx, apikey.Spec{Name: "bench " + cfg.Prefix, Role: apikey.RolePOS, CinemaID: cinemaID})
		if err != nil {
			return "", err
		}
		keyIDs = append(keyIDs, k.ID)
		return secret, nil
	}
	res, err := loadgen.Run(ctx, cfg)
	if err != nil {
		return err
	}
	fmt.Fprintln(env.stdout, res.Summary(cfg))
	if n := res.ErrorCount(); n > 0 {
		return fmt.Errorf("bench: %d requests failed", n)
	}
	return nil
}
