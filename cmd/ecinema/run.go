package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
)

// cmdEnv is what every subcommand gets.
type cmdEnv struct {
	getenv func(string) string
	stdout io.Writer
	stderr io.Writer
}

// subcommand runs one subcommand with its own arguments.
type subcommand struct {
	summary string
	run     func(ctx context.Context, env *cmdEnv, args []string) error
}

// subcommands lists every subcommand.
var subcommands = map[string]subcommand{
	"serve":   {"run the HTTP API (migrates first)", cmdServe},
	"migrate": {"apply pending database migrations", cmdMigrate},
	"apikey": {"create, list or revoke API keys", func(ctx context.Context, env *cmdEnv, args []string) error {
		return cmdAPIKey(ctx, checkoutEnv(env), args)
	}},
	"logkey":    {"generate the checkpoint signing key (logkey generate FILE)", cmdLogKey},
	"gate":      {"an offline ticket gate: check codes without the network, upload the scans later (gate --url URL --venue ID; gate upload)", cmdGate},
	"ticketkey": {"generate the key that seals venues' ticket signing keys (ticketkey generate FILE)", cmdTicketKey},
	"verify": {"verify the ledger online or an export offline", func(ctx context.Context, env *cmdEnv, args []string) error {
		return cmdVerify(ctx, checkoutEnv(env), args)
	}},
	"demo":    {"load a realistic demo data set through the real write path", cmdDemo},
	"dev":     {"start a private PostgreSQL under ./.data, load demo data once, serve (make run)", cmdDev},
	"bench":   {"measure the POS write path of a running server (sales per second, latency)", cmdBench},
	"perf":    {"make bench: own durable cluster and server, the write-path table of docs/PERFORMANCE.md", cmdPerf},
	"archive": {"e-Archive maintenance: archive fixity [--unit ID] re-hashes every stored file", cmdArchive},
	"witness": {"run a C2SP tlog-witness (witness keygen FILE --name NAME | public FILE | serve)", cmdWitness},
}

// usageError is a mistake in the command line; main exits 2 for it.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return &usageError{fmt.Sprintf(format, args...)} }

// exitCoder lets a subcommand choose its exit status (verify does).
type exitCoder interface{ ExitCode() int }

func exitCode(err error) int {
	var u *usageError
	if errors.As(err, &u) {
		return 2
	}
	var c exitCoder
	if errors.As(err, &c) {
		return c.ExitCode()
	}
	return 1
}

// run is the whole program; main only calls it, tests call it too.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	env := &cmdEnv{getenv: getenv, stdout: stdout, stderr: stderr}
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprint(stdout, usage())
		if len(args) == 0 {
			return usagef("a subcommand is required")
		}
		return nil
	}
	sc, ok := subcommands[args[0]]
	if !ok {
		return usagef("unknown subcommand %q\n%s", args[0], usage())
	}
	return sc.run(ctx, env, args[1:])
}

func usage() string {
	var b strings.Builder
	b.WriteString("usage: ecinema <subcommand> [flags]\n\nsubcommands:\n")
	names := make([]string, 0, len(subcommands))
	for n := range subcommands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(&b, "  %-8s %s\n", n, subcommands[n].summary)
	}
	b.WriteString("\nconfiguration comes from the environment; see README.md\n")
	return b.String()
}
