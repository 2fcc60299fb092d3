package main

import (
	"context"
	"fmt"

	"ecinema/migrations"
)

func cmdMigrate(ctx context.Context, env *cmdEnv, args []string) error {
	if len(args) > 0 {
		return usagef("migrate takes no arguments")
	}
	url, err := databaseURL(env.getenv)
	if err != nil {
		return err
	}
	if err := migrations.Up(ctx, url); err != nil {
		return err
	}
	fmt.Fprintln(env.stdout, "migrations applied")
	return nil
}
