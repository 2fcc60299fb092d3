package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"ecinema/ledger"
)

const logkeyUsage = `usage:
  ecinema logkey generate [--name NAME] FILE
writes a new Ed25519 checkpoint signer key to FILE (mode 0600, never
overwriting) and prints its verifier (public) key on stdout. NAME defaults
to ECINEMA_LOG_ORIGIN, else ` + ledger.DefaultOrigin + `.
  ecinema logkey public FILE
prints the verifier key of the signer key in FILE.`

func cmdLogKey(ctx context.Context, env *cmdEnv, args []string) error {
	if len(args) == 0 {
		return usagef("%s", logkeyUsage)
	}
	switch args[0] {
	case "generate":
		fs := flag.NewFlagSet("logkey generate", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		def := strings.TrimSpace(env.getenv("ECINEMA_LOG_ORIGIN"))
		if def == "" {
			def = ledger.DefaultOrigin
		}
		name := fs.String("name", def, "key name (the log origin)")
		if err := fs.Parse(args[1:]); err != nil || fs.NArg() != 1 {
			return usagef("%s", logkeyUsage)
		}
		file := fs.Arg(0)
		skey, vkey, err := ledger.GenerateKey(*name)
		if err != nil {
			return err
		}
		f, err := os.OpenFile(file, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, os.ErrExist) {
			return fmt.Errorf("logkey: %s exists; refusing to overwrite a signing key", file)
		}
		if err != nil {
			return fmt.Errorf("logkey: %w", err)
		}
		if _, err := f.WriteString(skey + "\n"); err != nil {
			f.Close()
			os.Remove(file)
			return fmt.Errorf("logkey: write %s: %w", file, err)
		}
		if err := f.Close(); err != nil {
			return fmt.Errorf("logkey: write %s: %w", file, err)
		}
		fmt.Fprintln(env.stdout, vkey)
		return nil
	case "public":
		if len(args) != 2 {
			return usagef("%s", logkeyUsage)
		}
		b, err := os.ReadFile(args[1])
		if err != nil {
			return fmt.Errorf("logkey: %w", err)
		}
		vkey, err := ledger.VerifierFromSigner(string(b))
		if err != nil {
			return err
		}
		fmt.Fprintln(env.stdout, vkey)
		return nil
	}
	return usagef("%s", logkeyUsage)
}
