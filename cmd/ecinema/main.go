// Command ecinema is the whole service in one binary: serve, migrate,
// apikey, logkey, verify, demo, dev (what `make run` starts) and bench.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "ecinema:", err)
		os.Exit(exitCode(err))
	}
}
