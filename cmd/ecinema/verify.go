package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"

	"ecinema/boxoffice"
	"ecinema/culture/archive"
	"ecinema/culture/fund"
	"ecinema/culture/hubs"
	"ecinema/culture/library"
	"ecinema/culture/museum"
	"ecinema/culture/ticketing"
	"ecinema/ingest"
	"ecinema/internal/postgres"
	"ecinema/ledger"
	"ecinema/registry"
	"ecinema/settlement"
	"ecinema/witness"
)

const verifyUsage = `usage:
  ecinema verify [--deep [--deep-memory SIZE] [--deep-parts N]] [--checkpoint FILE]... [--public-key KEY|FILE] [--log ID]
                 [--origin ORIGIN] [--witness KEY|FILE]... [--quorum N] [--allow-unsigned-tail] [--cpuprofile FILE]
      online: streams every entry of the database at ECINEMA_DATABASE_URL and
      checks bytes, leaf hashes, chain, tree hashes, the root against every
      stored signed checkpoint (and each --checkpoint you hold), consistency
      between consecutive checkpoints, the head row; --deep also rebuilds the
      projections. The public key defaults to the one of ECINEMA_LOG_KEY_FILE.
  ecinema verify --export FILE --checkpoint FILE --public-key KEY|FILE [--origin ORIGIN]
                 [--witness KEY|FILE]... [--quorum N] [--allow-unsigned-tail]
      offline: checks a full NDJSON export (GET /v1/ledger/export) against a
      signed checkpoint (GET /v1/ledger/checkpoint); no database needed.
options:
  --origin ORIGIN        the checkpoint origin every checkpoint must carry; default
                         ECINEMA_LOG_ORIGIN, else the public key's name (pinned:
                         a checkpoint of another origin fails)
  --witness KEY|FILE     a witness's cosignature/v1 verifier key (repeatable); the
                         latest checkpoint (online) or the first --checkpoint
                         (offline) must carry --quorum valid cosignatures of them
  --quorum N             cosignatures required (default: every --witness)
  --allow-unsigned-tail  exit 0 even when entries after the latest signed
                         checkpoint exist (they are checked, but no signature
                         covers them)
  --cpuprofile FILE      write a CPU profile of the verification (go tool pprof)
  --deep-memory SIZE     the memory --deep may use (default 1GiB; e.g. 512MiB, 4GiB,
                         or bytes): the rebuilt tickets are kept in memory, in as
                         many parts (sets of cinemas, the sale and refund entries
                         read again for each part after the first) as they need
                         to fit; it also sets the Go runtime's memory limit
                         unless GOMEMLIMIT does
  --deep-parts N         rebuild the tickets in N parts whatever the memory
exit status: 0 verified; 1 the ledger failed verification (the first failing
seq and the reason are printed) or lacks the witness quorum; 2 usage; 3
verification could not run; 4 verified, but entries after the latest signed
checkpoint are covered by no signature (see --allow-unsigned-tail).`

// deepChecks are the projection rebuilds verify --deep runs, one constructor
// per domain package.
// The ingest check is made with the options of the command line.
var deepChecks = []func(ingest.DeepOptions) ledger.DeepCheck{ignore(registry.NewDeepCheck), ignore(settlement.NewDeepCheck), ingest.NewDeepCheckWith, ignore(boxoffice.NewDeepCheck), ignore(ticketing.NewDeepCheck), ignore(museum.NewDeepCheck), ignore(fund.NewDeepCheck), ignore(archive.NewDeepCheck),
	ignore(library.NewDeepCheck), ignore(hubs.NewDeepCheck)}

func ignore(mk func() ledger.DeepCheck) func(ingest.DeepOptions) ledger.DeepCheck {
	return func(ingest.DeepOptions) ledger.DeepCheck { return mk() }
}

// parseSize reads a size in bytes: a number, optionally followed by
// KiB, MiB, GiB (or K, M, G, KB, MB, GB: powers of 1024 alike).
func parseSize(s string) (int64, error) {
	t := strings.ToUpper(strings.TrimSpace(s))
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		m      int64
	}{{"KIB", 1 << 10}, {"MIB", 1 << 20}, {"GIB", 1 << 30}, {"KB", 1 << 10}, {"MB", 1 << 20}, {"GB", 1 << 30}, {"K", 1 << 10}, {"M", 1 << 20}, {"G", 1 << 30}, {"B", 1}} {
		if strings.HasSuffix(t, u.suffix) {
			t, mult = strings.TrimSpace(strings.TrimSuffix(t, u.suffix)), u.m
			break
		}
	}
	n, err := strconv.ParseFloat(t, 64)
	if err != nil || n <= 0 || n*float64(mult) > 1<<50 {
		return 0, fmt.Errorf("size %q: want a number of bytes, or e.g. 512MiB, 2GiB", s)
	}
	return int64(n * float64(mult)), nil
}

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
	origin := fs.String("origin", "", "expected checkpoint origin (default ECINEMA_LOG_ORIGIN, else the public key's name)")
	allowTail := fs.Bool("allow-unsigned-tail", false, "exit 0 although entries after the latest checkpoint are unsigned")
	quorum := fs.Int("quorum", 0, "witness cosignatures required (default all --witness)")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the verification to FILE")
	deepMemory := fs.String("deep-memory", "1GiB", "memory --deep may use")
	deepParts := fs.Int("deep-parts", 0, "rebuild the tickets in N parts (0: from --deep-memory)")
	var cps, witnessKeys stringsFlag
	fs.Var(&cps, "checkpoint", "signed checkpoint file (repeatable)")
	fs.Var(&witnessKeys, "witness", "witness verifier key or file (repeatable)")
	if err := fs.Parse(args); err != nil || fs.NArg() != 0 {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(env.stdout, verifyUsage)
			return nil
		}
		return usagef("%s", verifyUsage)
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return &verifyBroken{fmt.Errorf("--cpuprofile: %w", err)}
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return &verifyBroken{fmt.Errorf("--cpuprofile: %w", err)}
		}
		defer pprof.StopCPUProfile()
	}
	var witnesses []note.Verifier
	for _, k := range witnessKeys {
		v, err := loadWitnessVerifier(k)
		if err != nil {
			return usagef("--witness %s: %v", k, err)
		}
		witnesses = append(witnesses, v)
	}
	if *quorum == 0 {
		*quorum = len(witnesses)
	}
	if *quorum < 0 || *quorum > len(witnesses) {
		return usagef("--quorum %d needs at least that many --witness keys (%d given)", *quorum, len(witnesses))
	}
	if *origin == "" {
		*origin = strings.TrimSpace(env.getenv("ECINEMA_LOG_ORIGIN"))
	}
	finish := func(rep ledger.VerifyReport, err error, served []byte, v note.Verifier) error {
		if err == nil && len(witnesses) > 0 {
			n, werr := ledger.CheckWitnesses(served, v, witnesses, *quorum)
			if werr != nil {
				return &verifyFailed{werr}
			}
			rep.Witnessed = n
		}
		return verifyResult(env, rep, err, *allowTail)
	}
	var notes [][]byte
	for _, f := range cps {
		b, err := os.ReadFile(f)
		if err != nil {
			return &verifyBroken{fmt.Errorf("--checkpoint: %w", err)}
		}
		notes = append(notes, b)
	}
	// progress prints done/total, the rate so far and, when the total is
	// known, the time left at that rate.
	started := time.Now()
	progress := func(done, total int64) {
		el := time.Since(started).Seconds()
		rate := float64(done) / max(el, 1e-9)
		switch {
		case total > 0 && *deep:
			// The total includes the rebuild's work after the entries
			// (the tickets compared, entries read again for the later
			// parts), counted in entries' worth.
			eta := time.Duration(float64(total-done) / max(rate, 1e-9) * float64(time.Second)).Round(time.Second)
			fmt.Fprintf(env.stderr, "verify: %.0f%% (%d of %d entries' worth, the rebuild after the entries included), %.0f entries/s, about %s left\n",
				100*float64(done)/float64(total), done, total, rate, eta)
		case total > 0:
			eta := time.Duration(float64(total-done) / max(rate, 1e-9) * float64(time.Second)).Round(time.Second)
			fmt.Fprintf(env.stderr, "verify: %d/%d entries (%.0f%%), %.0f entries/s, about %s left\n", done, total, 100*float64(done)/float64(total), rate, eta)
		default:
			fmt.Fprintf(env.stderr, "verify: %d entries, %.0f entries/s\n", done, rate)
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
		if *origin == "" {
			*origin = v.Name()
		}
		f, err := os.Open(*export)
		if err != nil {
			return &verifyBroken{fmt.Errorf("--export: %w", err)}
		}
		defer f.Close()
		var size int64
		if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
			size = st.Size()
		}
		rep, err := ledger.VerifyExport(ctx, f, notes[0], ledger.OfflineOptions{
			Verifier: v, Origin: *origin, Extra: notes[1:],
			Progress: func(n, read int64) {
				if size <= 0 || read <= 0 {
					progress(n, 0)
					return
				}
				// The entries in the whole file, estimated from the bytes
				// read so far, give the rate's ETA.
				progress(n, max(n, int64(float64(n)*float64(size)/float64(read))))
			},
		})
		return finish(rep, err, notes[0], v)
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
	if *origin == "" {
		*origin = v.Name()
	}
	pool, err := postgres.Open(ctx, url)
	if err != nil {
		return &verifyBroken{err}
	}
	defer pool.Close()
	opts := ledger.VerifyOptions{LogID: *logID, Verifier: v, Origin: *origin, Extra: notes, Progress: progress}
	if *deep {
		memory, err := parseSize(*deepMemory)
		if err != nil || *deepParts < 0 {
			return usagef("--deep-memory %s / --deep-parts %d: %v\n%s", *deepMemory, *deepParts, err, verifyUsage)
		}
		// The rebuilt tickets are sized to the budget; the runtime's
		// limit keeps the garbage collector's headroom within it too.
		if _, set := os.LookupEnv("GOMEMLIMIT"); !set {
			defer debug.SetMemoryLimit(debug.SetMemoryLimit(memory))
		}
		for _, mk := range deepChecks {
			opts.Deep = append(opts.Deep, mk(ingest.DeepOptions{Memory: memory, Parts: *deepParts}))
		}
		if len(opts.Deep) == 0 {
			fmt.Fprintln(env.stderr, "verify: --deep: no projection checks are registered in this build")
		}
	}
	rep, err := ledger.VerifyDB(ctx, pool, opts)
	for _, d := range opts.Deep {
		if p, ok := d.(interface{ Parts() int }); ok && err == nil && p.Parts() > 1 {
			fmt.Fprintf(env.stderr, "verify: --deep: the tickets were rebuilt in %d parts within --deep-memory %s (the sale and refund entries of each part after the first read again)\n", p.Parts(), *deepMemory)
		}
	}
	var served []byte
	if err == nil && len(witnesses) > 0 {
		cp, cerr := ledger.NewReader(pool, *logID).LatestCheckpoint(ctx)
		if cerr != nil {
			return &verifyFailed{fmt.Errorf("witnesses: %w", cerr)}
		}
		served = cp.Signed()
	}
	return finish(rep, err, served, v)
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

// loadWitnessVerifier accepts a witness verifier key or a file holding one.
func loadWitnessVerifier(s string) (note.Verifier, error) {
	if v, err := witness.NewVerifier(s); err == nil {
		return v, nil
	}
	b, err := os.ReadFile(s)
	if err != nil {
		return nil, fmt.Errorf("neither a witness verifier key nor a readable file: %w", err)
	}
	return witness.NewVerifier(string(b))
}

// unsignedTail is a verified ledger with entries no signed checkpoint
// covers: exit status 4 unless --allow-unsigned-tail.
type unsignedTail struct{ n, signed int64 }

func (e *unsignedTail) Error() string {
	return fmt.Sprintf("verification incomplete: %d entries after the latest signed checkpoint (size %d) are covered by no signature; publish a checkpoint, or pass --allow-unsigned-tail", e.n, e.signed)
}
func (e *unsignedTail) ExitCode() int { return 4 }

func verifyResult(env *cmdEnv, rep ledger.VerifyReport, err error, allowTail bool) error {
	var ve *ledger.VerifyError
	switch {
	case errors.As(err, &ve):
		return &verifyFailed{err}
	case err != nil:
		return &verifyBroken{err}
	}
	fmt.Fprintln(env.stdout, rep.String())
	if len(rep.DeepTime) == len(rep.Deep) && len(rep.Deep) > 0 {
		var b strings.Builder
		for i, n := range rep.Deep {
			fmt.Fprintf(&b, " %s %.1fs", n, rep.DeepTime[i].Seconds())
		}
		fmt.Fprintf(env.stderr, "verify: time of each projection check:%s\n", b.String())
	}
	if tail := rep.Entries - rep.CheckpointSize; tail > 0 && !allowTail {
		return &unsignedTail{tail, rep.CheckpointSize}
	}
	return nil
}
