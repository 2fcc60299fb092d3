package each

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
)

func TestDoRunsEveryIndexWithinTheLimit(t *testing.T) {
	var seen [100]atomic.Int32
	var running, peak atomic.Int32
	err := Do(t.Context(), len(seen), 4, func(i int) error {
		n := running.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		seen[i].Add(1)
		running.Add(-1)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for i := range seen {
		if got := seen[i].Load(); got != 1 {
			t.Errorf("index %d ran %d times, want 1", i, got)
		}
	}
	if p := peak.Load(); p > 4 || p < 1 {
		t.Errorf("peak concurrency %d, want 1..4", p)
	}
}

func TestDoStopsAtTheFirstError(t *testing.T) {
	boom := errors.New("boom")
	var calls atomic.Int32
	err := Do(t.Context(), 1000, 1, func(i int) error {
		calls.Add(1)
		if i == 3 {
			return boom
		}
		return nil
	})
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v, want boom", err)
	}
	// One goroutine at a time: index 4 may already be waiting for the
	// slot when 3 fails, nothing after it starts.
	if c := calls.Load(); c < 4 || c > 5 {
		t.Errorf("%d calls, want 4 or 5", c)
	}
}

func TestDoReportsACancelledContext(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	var calls atomic.Int32
	err := Do(ctx, 10, 2, func(int) error { calls.Add(1); return nil })
	if !errors.Is(err, context.Canceled) || calls.Load() != 0 {
		t.Errorf("err %v after %d calls, want context.Canceled and none", err, calls.Load())
	}
}
