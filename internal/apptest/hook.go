package apptest

import (
	"context"
	"sync/atomic"

	"ecinema/ledger"
)

// HookAppender forwards appends to App and runs a hook once, just before
// it forwards the first append of a kind after Arm: another write lands
// between what a request read before its append and the append itself,
// deterministically (the race tests of the rules decided under the head
// lock).
type HookAppender struct {
	App   ledger.Appender
	kind  string
	hook  func()
	armed atomic.Bool
}

// Arm runs hook before the next append of kind.
func (a *HookAppender) Arm(kind string, hook func()) {
	a.kind, a.hook = kind, hook
	a.armed.Store(true)
}

func (a *HookAppender) Append(ctx context.Context, r ledger.Record) (ledger.Entry, error) {
	if r.Kind == a.kind && a.armed.CompareAndSwap(true, false) {
		a.hook()
	}
	return a.App.Append(ctx, r)
}
