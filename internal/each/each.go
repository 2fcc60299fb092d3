// Package each runs a function over the indexes 0..n-1 with a bounded
// number of goroutines: the demo loaders' one worker pool.
//
// Invariant: after the first error (or once ctx is done) no new call
// starts; Do returns that first error, else ctx's error.
package each

import (
	"context"

	"golang.org/x/sync/errgroup"
)

// Do runs fn(0..n-1) on at most limit goroutines (at least one).
func Do(ctx context.Context, n, limit int, fn func(i int) error) error {
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(max(limit, 1))
	for i := range n {
		if gctx.Err() != nil {
			break
		}
		g.Go(func() error { return fn(i) })
	}
	if err := g.Wait(); err != nil {
		return err
	}
	return ctx.Err()
}
