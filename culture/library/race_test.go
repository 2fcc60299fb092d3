package library_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"ecinema/culture/library"
	"ecinema/internal/apptest"
	"ecinema/internal/pgtest"
	"ecinema/ledger"
)

// hookAppender runs hook once, just before it forwards the first append of
// kind after arm: another write lands between what a request read before
// its append and the append itself, deterministically.
type hookAppender struct {
	app   ledger.Appender
	kind  string
	hook  func()
	armed atomic.Bool
}

func (a *hookAppender) arm(kind string, hook func()) {
	a.kind, a.hook = kind, hook
	a.armed.Store(true)
}

func (a *hookAppender) Append(ctx context.Context, r ledger.Record) (ledger.Entry, error) {
	if r.Kind == a.kind && a.armed.CompareAndSwap(true, false) {
		a.hook()
	}
	return a.app.Append(ctx, r)
}

func newHookedWorld(t *testing.T) (*world, *hookAppender) {
	t.Helper()
	w := &world{Env: apptest.New(t), now: time.Date(2026, 10, 10, 9, 0, 0, 0, time.UTC)}
	app := &hookAppender{app: w.App.Writer}
	w.svc = library.NewService(w.App.Pool, app, w.App.Blobs, library.Config{PasswordCost: 4, Now: func() time.Time {
		w.mu.Lock()
		defer w.mu.Unlock()
		return w.now
	}})
	return w, app
}

// TestLoanRacesEditionVersion: an edition version lands between the
// moment a loan would have read the edition outside the lock and its
// append. The edition is read under the head lock, so the loan copies the
// edition as it stands (its new work, whose rights holders the lending
// right pays, and its new loan period), a loan or hold of an edition no
// longer lent is refused with not_loanable and stores nothing, and
// verify --deep finds the log honest.
func TestLoanRacesEditionVersion(t *testing.T) {
	w, app := newHookedWorld(t)
	ctx := context.Background()
	w.work(t, "w1")
	w.work(t, "w2")
	w.edition(t, "e1", "w1", 2)
	w.edition(t, "e2", "w1", 2)
	put := func(id, work, access string, days int) {
		ed := library.Edition{WorkID: work, Language: "kk", Format: "epub", Publisher: "Фолиант", Issued: "2020",
			Access: access, Copies: 2, LoanDays: days}
		if access != "loan" {
			ed.Copies, ed.LoanDays = 0, 0
		}
		if _, err := w.svc.PutEdition(ctx, "test", id, ed); err != nil {
			t.Error(err)
		}
	}

	app.arm("library_loan", func() { put("e1", "w2", "loan", 30) })
	l, created, err := w.svc.Borrow(ctx, "700000000001", "e1")
	if err != nil || !created {
		t.Fatalf("borrow: %v %v", created, err)
	}
	var work string
	var days float64
	pgtest.Row(t, w.App.Pool, `SELECT convert_from(bytes, 'UTF8')::jsonb->'body'->>'work_id' FROM ledger_entries WHERE kind = 'library_loan'`).Scan(&work)
	pgtest.Row(t, w.App.Pool, `SELECT extract(epoch FROM due_at - borrowed_at) / 86400 FROM library_loans WHERE id = $1`, l.ID).Scan(&days)
	if work != "w2" || days != 30 || !l.Due.Equal(l.BorrowedAt.Add(30*24*time.Hour)) {
		t.Errorf("loan of e1 copies work %q, lent for %v days (answer due %s), want the version under the lock: w2, 30 days", work, days, l.Due)
	}

	app.arm("library_loan", func() { put("e2", "w1", library.AccessOpen, 0) })
	if _, _, err := w.svc.Borrow(ctx, "700000000002", "e2"); !errors.Is(err, library.ErrNotLoanable) {
		t.Errorf("borrow of an edition made open meanwhile: %v, want not_loanable", err)
	}
	app.arm("library_hold", func() { put("e1", "w2", library.AccessOpen, 0) })
	if _, err := w.svc.PlaceHold(ctx, "700000000003", "e1"); !errors.Is(err, library.ErrNotLoanable) {
		t.Errorf("hold of an edition made open meanwhile: %v, want not_loanable", err)
	}
	var loans, holds int
	pgtest.Row(t, w.App.Pool, `SELECT count(*) FROM ledger_entries WHERE kind = 'library_loan'`).Scan(&loans)
	pgtest.Row(t, w.App.Pool, `SELECT count(*) FROM ledger_entries WHERE kind = 'library_hold'`).Scan(&holds)
	if loans != 1 || holds != 0 {
		t.Errorf("%d loan and %d hold entries, want 1 and 0", loans, holds)
	}
	w.deepVerify(t)
}
