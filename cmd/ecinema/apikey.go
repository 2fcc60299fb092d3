package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"ecinema/apikey"
	"ecinema/internal/app"
	"ecinema/internal/postgres"
)

const apikeyUsage = `usage:
  ecinema apikey create --role ROLE [--cinema ID | --party ID | --venue ID | --museum ID |
                        --bin BIN | --expert ID | --hub ID] --name NAME [--expires RFC3339]
  ecinema apikey list
  ecinema apikey revoke ID
roles: admin pos exhibitor distributor producer rights_holder analyst tax auditor
culture roles: venue (--venue) archivist librarian curator (--museum) ngo (--bin)
  applicant (--bin) fund_officer expert (--expert) hub_operator (--hub)`

func cmdAPIKey(ctx context.Context, env *cmdEnv, args []string) error {
	if len(args) == 0 {
		return usagef("%s", apikeyUsage)
	}
	var role, cinema, party, name, expires string
	culture := map[string]*string{}
	var spec apikey.Spec
	switch args[0] {
	case "create":
		fs := flag.NewFlagSet("apikey create", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		fs.StringVar(&role, "role", "", "role of the key")
		fs.StringVar(&cinema, "cinema", "", "cinema the key acts for (pos, exhibitor)")
		fs.StringVar(&party, "party", "", "party the key acts for (producer, distributor, rights_holder, exhibitor)")
		fs.StringVar(&name, "name", "", "who holds the key")
		fs.StringVar(&expires, "expires", "", "when the key stops working (RFC 3339), default never")
		for _, kind := range []string{"venue", "museum", "bin", "expert", "hub"} {
			culture[kind] = fs.String(kind, "", "the "+kind+" a culture key acts for")
		}
		if err := fs.Parse(args[1:]); err != nil || fs.NArg() > 0 {
			return usagef("%s", apikeyUsage)
		}
		spec.Name, spec.Role, spec.CinemaID, spec.PartyID = name, apikey.Role(role), cinema, party
		for kind, v := range culture {
			if *v == "" {
				continue
			}
			if spec.Scope != "" || apikey.ScopeKind[spec.Role] != kind {
				return usagef("--%s does not fit a %s key\n%s", kind, role, apikeyUsage)
			}
			spec.Scope = *v
		}
		if expires != "" {
			t, err := time.Parse(time.RFC3339, expires)
			if err != nil {
				return usagef("--expires %q is not an RFC 3339 time\n%s", expires, apikeyUsage)
			}
			spec.ExpiresAt = &t
		}
		if err := apikey.CheckScope(spec); err != nil {
			// The rule names the scope (cinema, party…); the usage names its flag.
			return usagef("%v\n%s", err, apikeyUsage)
		}
	case "list":
	case "revoke":
		if len(args) != 2 {
			return usagef("%s", apikeyUsage)
		}
	default:
		return usagef("%s", apikeyUsage)
	}
	url, err := databaseURL(env.getenv)
	if err != nil {
		return err
	}
	pool, err := postgres.Open(ctx, url)
	if err != nil {
		return err
	}
	defer pool.Close()
	store := app.NewKeyStore(pool)
	switch args[0] {
	case "create":
		k, secret, err := store.Create(ctx, spec)
		if err != nil {
			return err
		}
		fmt.Fprintln(env.stdout, secret)
		fmt.Fprintf(env.stderr, "created %s (%s) — the secret above is shown only once\n", k.ID, k.Role)
		return nil
	case "list":
		keys, err := store.List(ctx)
		if err != nil {
			return err
		}
		w := tabwriter.NewWriter(env.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "ID\tROLE\tSCOPE\tNAME\tCREATED\tLAST USED\tEXPIRES\tREVOKED")
		at := func(t *time.Time) string {
			if t == nil {
				return "-"
			}
			return t.UTC().Format(time.RFC3339)
		}
		for _, k := range keys {
			scope := k.CinemaID + k.PartyID + k.Scope
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", k.ID, k.Role, scope, k.Name, k.CreatedAt.UTC().Format(time.RFC3339),
				at(k.LastUsedAt), at(k.ExpiresAt), at(k.RevokedAt))
		}
		return w.Flush()
	case "revoke":
		if err := store.Revoke(ctx, args[1]); err != nil {
			return err
		}
		fmt.Fprintf(env.stdout, "revoked %s\n", args[1])
		return nil
	}
	return usagef("%s", apikeyUsage)
}
