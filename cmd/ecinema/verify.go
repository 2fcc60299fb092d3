package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/mod/sumdb/note"

	"ecinema/boxoffice"
	"ecinema/culture/museum"
	"ecinema/culture/ticketing"
	"ecinema/ingest"
	"ecinema/internal/postgres"
	"ecinema/ledger"
	"ecinema/registry"
	"ecinema/settlement"
)

const verifyUsage = `usage:
  ecinema verify [--deep] [--checkpoint FILE]... [--public-key KEY|FILE] [--log ID]
      online: streams every entry of the database at ECINEMA_DATABASE_URL and
      checks bytes, leaf hashes, chain, tree hashes, the root against every
      stored signed checkpoint (and each --checkpoint you hold), consistency
      between consecutive checkpoints, the head row; --deep also rebuilds the
      projections. The public key defaults to the one of ECINEMA_LOG_KEY_FILE.
  ecinema verify --export FILE --checkpoint FILE --public-key KEY|FILE
      offline: checks a full NDJSON export (GET /v1/ledger/export) against a
      signed checkpoint; no database needed.
exit status: 0 verified; 1 the ledger failed verification (the first failing
seq and the reason are printed); 2 usage; 3 verification could not run.`

// deepChecks are the projection rebuilds verify --deep runs, one constructor
// per domain package. DEEPCHECKS-MARKER: add yours to the list.
var deepChecks = []func() ledger.DeepCheck{registry.NewDeepCheck, settlement.NewDeepCheck, ingest.NewDeepCheck, boxoffice.NewDeepCheck, ticketing.NewDeepCheck, museum.NewDeepCheck}

// verifyFailed is a ledger that failed verification: exit status 1.
type verifyFailed struct{ err error }

func (e *verifyFailed) Error() string { return "verification FAILED: " + e.err.Error() }
func (e *verifyFailed) Unwrap() error { return e.err }
func (e *verifyFailed) ExitCode() int { return 1 }

// verifyBroken is a verification that could not run: exit status 3.
type verifyBroken struct{ err error }

func (e *verifyBroken) Error() string { return "verification could not run: " + e.err.Error() }
func (e *verifyBroken) Unwrap() error { return e.err }
func (e *verifyBroken) ExitCode() int { return 3 }

type stringsFlag []string

func (s *stringsFlag) String() string     { return strings.Join(*s, ",") }
func (s *stringsFlag) Set(v string) error { *s = append(*s, v); return nil }

func cmdVerify(ctx context.Context, env *cmdEnv, args []string) error {
	fs := flag.NewFlagSet("verify", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	deep := fs.Bool("deep", false, "rebuild projections from the entries and compare")
	export := fs.String("export", "", "offline: NDJSON export file")
	pubKey := fs.String("public-key", "", "verifier key, or a file holding it")
	logID := fs.String("log", "", "log id (default main)")
	origin := fs.String("origin", "", "expected checkpoint origin (default ECINEMA_LOG_ORIGIN, else the checkpoint's own)")
	var cps stringsFlag
	fs.Var(&cps, "checkpoint", "signed checkpoint file (repeatable)")
	if err := fs.Parse(args); err != nil || fs.NArg() != 0 {
		return usagef("%s", verifyUsage)
	}
	if *origin == "" {
		*origin = strings.TrimSpace(env.getenv("ECINEMA_LOG_ORIGIN"))
	}
	var notes [][]byte
	for _, f := range cps {
		b, err := os.ReadFile(f)
		if err != nil {
			return &verifyBroken{fmt.Errorf("--checkpoint: %w", err)}
		}
		notes = append(notes, b)
	}
	progress := func(done, total int64) {
		if total > 0 {
			fmt.Fprintf(env.stderr, "verify: %d/%d entries\n", done, total)
		} else {
			fmt.Fprintf(env.stderr, "verify: %d entries\n", done)
		}
	}

	if *export != "" {
		if len(notes) == 0 || *pubKey == "" {
			return usagef("offline verification needs --checkpoint and --public-key\n%s", verifyUsage)
		}
		if *deep {
			return usagef("--deep needs the database; it cannot run on an export")
		}
		v, err := loadVerifier(*pubKey)
		if err != nil {
			return &verifyBroken{err}
		}
		f, err := os.Open(*export)
		if err != nil {
			return &verifyBroken{fmt.Errorf("--export: %w", err)}
		}
		defer f.Close()
		rep, err := ledger.VerifyExport(ctx, f, notes[0], ledger.OfflineOptions{
			Verifier: v, Origin: *origin, Extra: notes[1:],
			Progress: func(n int64) { progress(n, 0) },
		})
		return verifyResult(env, rep, err)
	}

	url, err := databaseURL(env.getenv)
	if err != nil {
		return &verifyBroken{err}
	}
	key := *pubKey
	if key == "" {
		kf := strings.TrimSpace(env.getenv("ECINEMA_LOG_KEY_FILE"))
		if kf == "" {
			return usagef("give --public-key, or set ECINEMA_LOG_KEY_FILE")
		}
		b, err := os.ReadFile(kf)
		if err != nil {
			return &verifyBroken{fmt.Errorf("ECINEMA_LOG_KEY_FILE: %w", err)}
		}
		if key, err = ledger.VerifierFromSigner(string(b)); err != nil {
			return &verifyBroken{err}
		}
	}
	v, err := loadVerifier(key)
	if err != nil {
		return &verifyBroken{err}
	}
	pool, err := postgres.Open(ctx, url)
	if err != nil {
		return &verifyBroken{err}
	}
	defer pool.Close()
	opts := ledger.VerifyOptions{LogID: *logID, Verifier: v, Origin: *origin, Extra: notes, Progress: progress}
	if *deep {
		for _, mk := range deepChecks {
			opts.Deep = append(opts.Deep, mk())
		}
		if len(opts.Deep) == 0 {
			fmt.Fprintln(env.stderr, "verify: --deep: no projection checks are registered in this build")
		}
	}
	rep, err := ledger.VerifyDB(ctx, pool, opts)
	return verifyResult(env, rep, err)
}

// loadVerifier accepts a verifier key or the name of a file holding one.
func loadVerifier(s string) (note.Verifier, error) {
	if v, err := ledger.NewVerifier(s); err == nil {
		return v, nil
	}
	b, err := os.ReadFile(s)
	if err != nil {
		return nil, fmt.Errorf("--public-key is neither a verifier key nor a readable file: %w", err)
	}
	return ledger.NewVerifier(string(b))
}

func verifyResult(env *cmdEnv, rep ledger.VerifyReport, err error) error {
	var ve *ledger.VerifyError
	switch {
	case errors.As(err, &ve):
		return &verifyFailed{err}
	case err != nil:
		return &verifyBroken{err}
	}
	fmt.Fprintln(env.stdout, rep.String())
	return nil
}
