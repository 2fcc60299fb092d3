package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"runtime/debug"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"ecinema/culture/archive"
	"ecinema/culture/blobstore"
	"ecinema/internal/app"
	"ecinema/internal/postgres"
	"ecinema/ledger"
	"ecinema/migrations"
)

func cmdServe(ctx context.Context, env *cmdEnv, args []string) error {
	if len(args) > 0 {
		return usagef("serve takes no arguments; it is configured by the environment (see README.md)")
	}
	cfg, err := loadConfig(env.getenv)
	if err != nil {
		return err
	}
	ln, err := listen(cfg.Addr)
	if err != nil {
		return err
	}
	return serve(ctx, env, cfg, ln, nil)
}

// listen binds ECINEMA_ADDR before anything else starts, so that an address
// in use is told at once, with what to do about it.
func listen(addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if errors.Is(err, syscall.EADDRINUSE) {
		return nil, fmt.Errorf("listen on ECINEMA_ADDR %s: %w: another server (another make run?) is using it; stop it, or choose another address, e.g. ECINEMA_ADDR=127.0.0.1:8081 make run", addr, err)
	}
	if err != nil {
		return nil, fmt.Errorf("listen on ECINEMA_ADDR %s: %w", addr, err)
	}
	return ln, nil
}

// serve migrates, wires and serves on ln until ctx ends, then drains:
// /readyz turns 503, in-flight requests finish, the ledger writer commits
// what it holds, and the pool closes. ready, when not nil, receives the
// bound address once the server accepts connections.
func serve(ctx context.Context, env *cmdEnv, cfg config, ln net.Listener, ready func(addr string)) error {
	defer ln.Close() // Shutdown closes it too; this is for the returns before it
	log := newLogger(env, cfg.LogLevel)
	setServerGC()
	if err := migrations.Up(ctx, cfg.DatabaseURL); err != nil {
		return err
	}
	keyBytes, err := os.ReadFile(cfg.LogKeyFile)
	if err != nil {
		return fmt.Errorf("ECINEMA_LOG_KEY_FILE: %w", err)
	}
	signer, err := ledger.NewSigner(string(keyBytes))
	if err != nil {
		return fmt.Errorf("ECINEMA_LOG_KEY_FILE %s: %w", cfg.LogKeyFile, err)
	}
	verifier, err := ledger.VerifierFromSigner(string(keyBytes))
	if err != nil {
		return fmt.Errorf("ECINEMA_LOG_KEY_FILE %s: %w", cfg.LogKeyFile, err)
	}
	pool, err := postgres.Open(ctx, cfg.DatabaseURL, postgres.MaxConns(cfg.DBMaxConns))
	if err != nil {
		return err
	}
	defer pool.Close()
	sealer, err := loadTicketSealer(cfg.TicketKeyFile)
	if err != nil {
		return err
	}
	if sealer == nil {
		log.Warn("ECINEMA_TICKET_KEY_FILE is not set: venues cannot be created and tickets cannot be sold")
	}
	blobs, err := blobstore.NewFS(cfg.BlobDir, cfg.MaxUpload)
	if err != nil {
		return fmt.Errorf("ECINEMA_BLOB_DIR %s: %w", cfg.BlobDir, err)
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	a, err := app.New(pool, app.Config{
		Logger: log, Registry: reg, LogOrigin: cfg.LogOrigin, Signer: signer, Verifier: verifier,
		CheckpointEvery: cfg.CheckpointEvery, RateLimit: cfg.RateLimit, RateBurst: cfg.RateBurst,
		Blobs: blobs, OAIBaseURL: cfg.OAIBaseURL, TicketSealer: sealer, FixityInterval: cfg.FixityInterval,
		Archive:   archive.Config{MaxUpload: cfg.MaxUpload, PublicURL: cfg.PublicURL, SyncURL: cfg.BatyrlarURL, SyncToken: cfg.BatyrlarToken},
		DBTimeout: cfg.DBTimeout, BulkReaders: cfg.BulkReaders,
		Witnesses: cfg.Witnesses, WitnessQuorum: cfg.WitnessQuorum,
		Ready: func(ctx context.Context) error {
			n, err := migrations.Missing(ctx, pool)
			if err != nil {
				return errors.New("cannot read migration state")
			}
			if n > 0 {
				return fmt.Errorf("%d migrations pending", n)
			}
			return nil
		},
	})
	if err != nil {
		return err
	}
	// The background work outlives ctx until the HTTP server has drained,
	// so that requests still in flight can append.
	bgCtx, stopBG := context.WithCancel(context.WithoutCancel(ctx))
	bgDone := make(chan error, 1)
	go func() { bgDone <- a.Run(bgCtx) }()
	defer func() { stopBG(); <-bgDone }()

	if cfg.PprofAddr != "" {
		stopPprof, err := servePprof(cfg.PprofAddr, log)
		if err != nil {
			return err
		}
		defer stopPprof()
	}
	srv := &http.Server{
		Handler:           a.API,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      5 * time.Minute, // exports stream for a while
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	log.Info("serving", "addr", ln.Addr().String())
	if ready != nil {
		ready(ln.Addr().String())
	}
	select {
	case err := <-served:
		return fmt.Errorf("http server: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down: draining requests", "timeout", cfg.ShutdownTimeout)
	a.API.Drain()
	shutdownCtx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	log.Info("stopped")
	return nil
}

// serverGCPercent is the server's GOGC unless the environment sets GOGC:
// the live heap under the POS load is small (tens of MB: requests,
// the writer's group), so collecting at 4× it instead of 2× halves the
// collector's CPU on the write path (about a sixth of the server's CPU
// under the real-time load at the default 100) for a few tens of MB.
const serverGCPercent = 400

// setServerGC sets serverGCPercent when the process's environment has no
// GOGC (the runtime reads GOGC itself; it and GOMEMLIMIT keep their
// meaning for whoever sets them).
func setServerGC() {
	if _, set := os.LookupEnv("GOGC"); !set {
		debug.SetGCPercent(serverGCPercent)
	}
}

// servePprof serves the net/http/pprof handlers on addr, on their own
// mux (never on the API's), until the returned func is called.
func servePprof(addr string, log *slog.Logger) (func(), error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on ECINEMA_PPROF_ADDR %s: %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	log.Info("pprof serving", "addr", ln.Addr().String())
	return func() { srv.Close() }, nil
}

func newLogger(env *cmdEnv, level string) *slog.Logger {
	var l slog.Level
	l.UnmarshalText([]byte(level))
	return slog.New(slog.NewJSONHandler(env.stderr, &slog.HandlerOptions{Level: l}))
}
