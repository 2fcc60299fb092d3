package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"ecinema/apikey"
	"ecinema/culture/ticketing"
	"ecinema/internal/app"
	"ecinema/internal/pgcluster"
	"ecinema/internal/postgres"
	"ecinema/kztime"
	"ecinema/ledger"
	"ecinema/migrations"
)

// cmdDev is what `make run` starts: with ECINEMA_DATABASE_URL unset it runs
// a private PostgreSQL cluster under ./.data (kept between runs), creates
// the checkpoint signing key and an admin API key once (files of mode 0600
// under ./.data), loads the demo data set once, and serves until Ctrl-C,
// after which it stops the server and then the cluster.
func cmdDev(ctx context.Context, env *cmdEnv, args []string) error {
	dataDir := ".data"
	if len(args) > 0 {
		return usagef("dev takes no arguments")
	}
	// The address first: when it is taken, say so before a cluster starts
	// and a demo loads for nothing.
	ln, err := listen(configValue(env.getenv, "ECINEMA_ADDR"))
	if err != nil {
		return err
	}
	defer ln.Close()
	abs, err := filepath.Abs(dataDir)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(abs, 0o755); err != nil {
		return err
	}
	vars := map[string]string{}
	getenv := func(k string) string {
		if v, ok := vars[k]; ok {
			return v
		}
		return env.getenv(k)
	}
	if env.getenv("ECINEMA_DATABASE_URL") == "" {
		c, err := pgcluster.Start(ctx, pgcluster.Options{
			DataDir:   filepath.Join(abs, "pg"),
			SocketDir: devSocketDir(abs),
			LogFile:   filepath.Join(abs, "log", "postgres.log"),
		})
		if err != nil {
			return err
		}
		defer func() {
			fmt.Fprintln(env.stderr, "stopping PostgreSQL")
			if err := c.Stop(); err != nil {
				fmt.Fprintln(env.stderr, err)
			}
		}()
		url := c.URL("postgres")
		if err := ensureDatabase(ctx, url, "ecinema"); err != nil {
			return err
		}
		vars["ECINEMA_DATABASE_URL"] = c.URL("ecinema")
		fmt.Fprintf(env.stderr, "PostgreSQL running with data in %s\n", filepath.Join(abs, "pg"))
	}
	if env.getenv("ECINEMA_LOG_KEY_FILE") == "" {
		keyFile := filepath.Join(abs, "log.key")
		if _, err := os.Stat(keyFile); errors.Is(err, os.ErrNotExist) {
			// C2SP: the key's name is the checkpoint origin.
			origin := env.getenv("ECINEMA_LOG_ORIGIN")
			if origin == "" {
				origin = ledger.DefaultOrigin
			}
			skey, _, err := ledger.GenerateKey(origin)
			if err != nil {
				return err
			}
			if err := os.WriteFile(keyFile, []byte(skey+"\n"), 0o600); err != nil {
				return err
			}
		}
		vars["ECINEMA_LOG_KEY_FILE"] = keyFile
	}
	if env.getenv("ECINEMA_TICKET_KEY_FILE") == "" {
		keyFile := filepath.Join(abs, "ticket.key")
		if _, err := os.Stat(keyFile); errors.Is(err, os.ErrNotExist) {
			if err := writeTicketKey(keyFile); err != nil {
				return err
			}
		}
		vars["ECINEMA_TICKET_KEY_FILE"] = keyFile
	}
	cfg, err := loadConfig(getenv)
	if err != nil {
		return err
	}
	if err := migrations.Up(ctx, cfg.DatabaseURL); err != nil {
		return err
	}
	adminKey, err := ensureAdminKey(ctx, cfg.DatabaseURL, filepath.Join(abs, "admin.key"))
	if err != nil {
		return err
	}
	// The demo loads beside the running server, through the same database
	// (two ledger writers on one log are safe), so the API answers at once
	// and the data grows while you watch.
	// When serve fails, the demo stops too (the next make run finishes it).
	demoDone := make(chan struct{})
	demoCtx, stopDemo := context.WithCancel(ctx)
	go func() {
		defer close(demoDone)
		loadDemoOnce(demoCtx, env, getenv, abs, cfg.DatabaseURL)
	}()
	defer func() { stopDemo(); <-demoDone }()
	verifier, _ := os.ReadFile(cfg.LogKeyFile)
	vkey, _ := ledger.VerifierFromSigner(string(verifier))
	return serve(ctx, env, cfg, ln, func(addr string) {
		fmt.Fprintf(env.stdout, "\necinema is running at http://%s\n", addr)
		fmt.Fprintf(env.stdout, "admin API key:   %s\n", adminKey)
		if b, err := os.ReadFile(filepath.Join(abs, "demo-keys.txt")); err == nil {
			fmt.Fprintf(env.stdout, "demo API keys (%s):\n%s", filepath.Join(dataDir, "demo-keys.txt"), b)
		}
		fmt.Fprintf(env.stdout, "checkpoint key:  %s\n", vkey)
		fmt.Fprintf(env.stdout, "try: curl -s -H 'Authorization: Bearer %s' http://%s/v1/regions\n", adminKey, addr)
		fmt.Fprintf(env.stdout, "database:        %s\nCtrl-C stops the server and the database.\n\n", cfg.DatabaseURL)
	})
}

// devSocketDir is where make run's cluster under dataDir (an absolute
// path) puts its socket: short, because socket paths are limited to ~100 bytes.
func devSocketDir(dataDir string) string {
	sum := sha256.Sum256([]byte(dataDir))
	return "/tmp/ecinema-" + hex.EncodeToString(sum[:4])
}

// checkoutEnv lets the commands that talk to the database (verify, apikey)
// run from the checkout as the README writes them: when
// ECINEMA_DATABASE_URL is unset and ./.data holds make run's cluster, its
// URL (the cluster must be running), and .data/log.key for
// ECINEMA_LOG_KEY_FILE. It says so on stderr.
func checkoutEnv(env *cmdEnv) *cmdEnv {
	if env.getenv("ECINEMA_DATABASE_URL") != "" {
		return env
	}
	abs, err := filepath.Abs(".data")
	if err != nil {
		return env
	}
	if _, err := os.Stat(filepath.Join(abs, "pg", "PG_VERSION")); err != nil {
		return env
	}
	url := "postgres://postgres@/ecinema?host=" + devSocketDir(abs) + "&port=5432&sslmode=disable"
	keyFile := filepath.Join(abs, "log.key")
	fmt.Fprintf(env.stderr, "using make run's database under .data (%s)\n", url)
	get := env.getenv
	return &cmdEnv{stdout: env.stdout, stderr: env.stderr, getenv: func(k string) string {
		switch k {
		case "ECINEMA_DATABASE_URL":
			return url
		case "ECINEMA_LOG_KEY_FILE":
			if v := get(k); v != "" {
				return v
			}
			if _, err := os.Stat(keyFile); err == nil {
				return keyFile
			}
		}
		return get(k)
	}}
}

// ensureDatabase creates database name when it does not exist.
func ensureDatabase(ctx context.Context, maintenanceURL, name string) error {
	pool, err := postgres.OpenOwner(ctx, maintenanceURL)
	if err != nil {
		return err
	}
	defer pool.Close()
	var exists bool
	if err := pool.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		return err
	}
	if exists {
		return nil
	}
	_, err = pool.Exec(ctx, "CREATE DATABASE "+name)
	return err
}

// ensureAdminKey returns the admin key kept in file, creating both once.
func ensureAdminKey(ctx context.Context, url, file string) (string, error) {
	if b, err := os.ReadFile(file); err == nil {
		return strings.TrimSpace(string(b)), nil
	}
	pool, err := postgres.Open(ctx, url)
	if err != nil {
		return "", err
	}
	defer pool.Close()
	_, secret, err := app.NewKeyStore(pool).Create(ctx, apikey.Spec{Name: "make run admin", Role: apikey.RoleAdmin})
	if err != nil {
		return "", err
	}
	return secret, os.WriteFile(file, []byte(secret+"\n"), 0o600)
}

// loadDemoOnce loads the 30-day demo data set unless an earlier run did,
// then creates API keys for the demo's roles and prints them.
func loadDemoOnce(ctx context.Context, env *cmdEnv, getenv func(string) string, dataDir, dbURL string) {
	marker := filepath.Join(dataDir, "demo.loaded")
	if _, err := os.Stat(marker); err == nil {
		return
	}
	// The span is fixed on the first start, so that a load interrupted by
	// Ctrl-C is finished by the next make run, whatever day that is.
	lastFile := filepath.Join(dataDir, "demo.last")
	last := kztime.LastCompleteDay(time.Now()).Format(time.DateOnly)
	if b, err := os.ReadFile(lastFile); err == nil {
		last = strings.TrimSpace(string(b))
	} else if err := os.WriteFile(lastFile, []byte(last+"\n"), 0o644); err != nil {
		fmt.Fprintf(env.stderr, "demo data not loaded: %v\n", err)
		return
	}
	fmt.Fprintf(env.stderr, "loading the 30-day demo data set up to %s in the background (Ctrl-C is safe: the next make run finishes it; delete .data to start over)\n", last)
	denv := &cmdEnv{getenv: getenv, stdout: env.stderr, stderr: env.stderr}
	if err := cmdDemo(ctx, denv, []string{"--days", "30", "--last", last}); err != nil {
		if ctx.Err() == nil {
			fmt.Fprintf(env.stderr, "demo data not loaded: %v\n", err)
		}
		return
	}
	if ctx.Err() != nil {
		return
	}
	keys, err := createDemoKeys(ctx, dbURL)
	if err != nil {
		fmt.Fprintf(env.stderr, "demo keys not created: %v\n", err)
		return
	}
	if err := os.WriteFile(filepath.Join(dataDir, "demo-keys.txt"), []byte(keys), 0o600); err != nil {
		fmt.Fprintln(env.stderr, err)
		return
	}
	os.WriteFile(marker, nil, 0o644)
	fmt.Fprintf(env.stdout, "\ndemo API keys (also in .data/demo-keys.txt):\n%s\n", keys)
}

// createDemoKeys makes one key per reading role of the demo data set.
func createDemoKeys(ctx context.Context, url string) (string, error) {
	pool, err := postgres.Open(ctx, url)
	if err != nil {
		return "", err
	}
	defer pool.Close()
	var cinema, producer, distributor string
	if err := pool.QueryRow(ctx, `SELECT (SELECT min(id) FROM cinemas), (SELECT min(producer_id) FROM films), (SELECT min(distributor_id) FROM films)`).
		Scan(&cinema, &producer, &distributor); err != nil {
		return "", fmt.Errorf("demo keys: %w", err)
	}
	store := app.NewKeyStore(pool)
	var b strings.Builder
	for _, k := range []struct {
		role          apikey.Role
		cinema, party string
	}{
		{apikey.RoleAnalyst, "", ""}, {apikey.RoleAuditor, "", ""}, {apikey.RoleTax, "", ""},
		{apikey.RolePOS, cinema, ""}, {apikey.RoleProducer, "", producer}, {apikey.RoleDistributor, "", distributor},
	} {
		_, secret, err := store.Create(ctx, apikey.Spec{Name: "demo " + string(k.role), Role: k.role, CinemaID: k.cinema, PartyID: k.party})
		if err != nil {
			return "", err
		}
		fmt.Fprintf(&b, "  %-12s %-22s %s\n", k.role, k.cinema+k.party, secret)
	}
	if ticketing.VenueExists(ctx, pool, "abai-opera") == nil {
		_, secret, err := store.Create(ctx, apikey.Spec{Name: "demo venue", Role: apikey.RoleVenue, Scope: "abai-opera"})
		if err != nil {
			return "", err
		}
		fmt.Fprintf(&b, "  %-12s %-22s %s\n", apikey.RoleVenue, "abai-opera", secret)
	}
	if err := demoNGOFundHubsKeys(ctx, pool, store, &b); err != nil {
		return "", err
	}
	return b.String(), nil
}
