package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"golang.org/x/mod/sumdb/note"

	"ecinema/ledger"
	"ecinema/witness"
)

const witnessUsage = `usage:
  ecinema witness keygen FILE --name NAME
      writes a new witness signer key to FILE (mode 0600, never overwriting)
      and prints its cosignature/v1 verifier key on stdout.
  ecinema witness public FILE
      prints the verifier key of the witness key in FILE.
  ecinema witness serve
      runs a C2SP tlog-witness (POST /add-checkpoint, GET /metrics),
      configured by the environment:
        ECINEMA_WITNESS_ADDR      listen address (default 127.0.0.1:8090)
        ECINEMA_WITNESS_KEY_FILE  the witness signer key
        ECINEMA_WITNESS_STATE     state directory (what it cosigned, kept durably)
        ECINEMA_WITNESS_LOGS      comma-separated verifier keys of the logs it
                                  witnesses (each key's name is the log's origin)`

func cmdWitness(ctx context.Context, env *cmdEnv, args []string) error {
	if len(args) == 0 {
		return usagef("%s", witnessUsage)
	}
	switch args[0] {
	case "keygen":
		fs := flag.NewFlagSet("witness keygen", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		name := fs.String("name", "", "witness name, e.g. witness.kgd.gov.kz")
		// FILE may come before or after --name.
		rest := args[1:]
		var file string
		if len(rest) > 0 && !strings.HasPrefix(rest[0], "-") {
			file, rest = rest[0], rest[1:]
		}
		if err := fs.Parse(rest); err != nil {
			return usagef("%s", witnessUsage)
		}
		if file == "" && fs.NArg() == 1 {
			file = fs.Arg(0)
		} else if fs.NArg() != 0 || file == "" {
			return usagef("%s", witnessUsage)
		}
		if *name == "" {
			return usagef("witness keygen needs --name\n%s", witnessUsage)
		}
		skey, vkey, err := witness.GenerateKey(*name)
		if err != nil {
			return err
		}
		if err := writeKeyFile(file, skey); err != nil {
			return fmt.Errorf("witness: %w", err)
		}
		fmt.Fprintln(env.stdout, vkey)
		return nil
	case "public":
		if len(args) != 2 {
			return usagef("%s", witnessUsage)
		}
		b, err := os.ReadFile(args[1])
		if err != nil {
			return fmt.Errorf("witness: %w", err)
		}
		vkey, err := witness.VerifierKeyOf(string(b))
		if err != nil {
			return err
		}
		fmt.Fprintln(env.stdout, vkey)
		return nil
	case "serve":
		if len(args) != 1 {
			return usagef("witness serve takes no arguments; it is configured by the environment\n%s", witnessUsage)
		}
		return witnessServe(ctx, env, nil)
	}
	return usagef("%s", witnessUsage)
}

// writeKeyFile writes a secret key to a new file of mode 0600.
func writeKeyFile(file, key string) error {
	f, err := os.OpenFile(file, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return fmt.Errorf("%s exists; refusing to overwrite a signing key", file)
	}
	if err != nil {
		return err
	}
	if _, err := f.WriteString(key + "\n"); err != nil {
		f.Close()
		os.Remove(file)
		return fmt.Errorf("write %s: %w", file, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", file, err)
	}
	return f.Close()
}

// witnessServe runs a witness until ctx ends; ready, when not nil, gets the
// bound address.
func witnessServe(ctx context.Context, env *cmdEnv, ready func(addr string)) error {
	get := func(k string) string { return strings.TrimSpace(env.getenv(k)) }
	var problems []string
	addr := get("ECINEMA_WITNESS_ADDR")
	if addr == "" {
		addr = "127.0.0.1:8090"
	}
	keyFile, stateDir := get("ECINEMA_WITNESS_KEY_FILE"), get("ECINEMA_WITNESS_STATE")
	if keyFile == "" {
		problems = append(problems, "ECINEMA_WITNESS_KEY_FILE is not set: create a key with 'ecinema witness keygen FILE --name NAME'")
	}
	if stateDir == "" {
		problems = append(problems, "ECINEMA_WITNESS_STATE is not set: name the directory where the witness keeps what it cosigned")
	}
	var logs []note.Verifier
	for _, k := range strings.Split(get("ECINEMA_WITNESS_LOGS"), ",") {
		if k = strings.TrimSpace(k); k == "" {
			continue
		}
		v, err := ledger.NewVerifier(k)
		if err != nil {
			problems = append(problems, fmt.Sprintf("ECINEMA_WITNESS_LOGS: %v", err))
			continue
		}
		logs = append(logs, v)
	}
	if len(logs) == 0 {
		problems = append(problems, "ECINEMA_WITNESS_LOGS names no log: give the verifier key of each log to witness")
	}
	if len(problems) > 0 {
		return errors.New("configuration:\n  " + strings.Join(problems, "\n  "))
	}
	skey, err := os.ReadFile(keyFile)
	if err != nil {
		return fmt.Errorf("ECINEMA_WITNESS_KEY_FILE: %w", err)
	}
	w, err := witness.New(witness.Config{SignerKey: string(skey), Logs: logs, StateDir: stateDir})
	if err != nil {
		return err
	}
	defer w.Close()
	log := newLogger(env, "info")
	reg := prometheus.NewRegistry()
	mux := http.NewServeMux()
	mux.Handle("/add-checkpoint", w.Handler(log, reg))
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on ECINEMA_WITNESS_ADDR %s: %w", addr, err)
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second, WriteTimeout: 30 * time.Second,
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	log.Info("witness serving", "addr", ln.Addr().String(), "name", w.Name(), "logs", len(logs))
	if ready != nil {
		ready(ln.Addr().String())
	}
	select {
	case err := <-served:
		return fmt.Errorf("witness: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return srv.Shutdown(sctx)
}
