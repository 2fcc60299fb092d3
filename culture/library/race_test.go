package library_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"ecinema/culture/library"
	"ecinema/internal/apptest"
	"ecinema/internal/pgtest"
)

func newHookedWorld(t *testing.T) (*world, *apptest.HookAppender) {
	t.Helper()
	w := &world{Env: apptest.New(t), now: time.Date(2026, 10, 10, 9, 0, 0, 0, time.UTC)}
	app := &apptest.HookAppender{App: w.App.Writer}
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

	app.Arm("library_loan", func() { put("e1", "w2", "loan", 30) })
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

	app.Arm("library_loan", func() { put("e2", "w1", library.AccessOpen, 0) })
	if _, _, err := w.svc.Borrow(ctx, "700000000002", "e2"); !errors.Is(err, library.ErrNotLoanable) {
		t.Errorf("borrow of an edition made open meanwhile: %v, want not_loanable", err)
	}
	app.Arm("library_hold", func() { put("e1", "w2", library.AccessOpen, 0) })
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
