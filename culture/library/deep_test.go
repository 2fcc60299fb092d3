package library_test

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"

	"ecinema/culture/library"
	"ecinema/internal/pgtest"
	"ecinema/ledger"
)

// TestDeepCheckFindsTamperingUndone: a loan is decided under the head lock
// from the edition's copies, the loans active, the reader's own loan and
// the holds ahead, and copies the edition's work (whose rights holders the
// lending right pays) and loan period; a return that the loan is open; a
// hold that the reader holds nothing yet; an edition that its ISBN is
// free. A row changed for one such write and put back leaves every table
// equal to its rebuild; verify --deep reports the entry that breaks the
// rule as a mismatch at it (exit status 1).
func TestDeepCheckFindsTamperingUndone(t *testing.T) {
	const a, b, c = "700000000001", "700000000002", "700000000003"
	ctx := context.Background()
	type fixture struct {
		*world
		l1 library.Loan // a's loan of e1 (1 copy)
	}
	borrow := func(f *fixture, t *testing.T, card, ed string) {
		if _, created, err := f.svc.Borrow(ctx, card, ed); err != nil || !created {
			t.Fatalf("borrow %s by %s: %v %v", ed, card, created, err)
		}
	}
	returned := func(f *fixture, t *testing.T) {
		if _, err := f.svc.Return(ctx, a, a, f.l1.ID); err != nil {
			t.Fatal(err)
		}
	}
	hold := func(f *fixture, t *testing.T, card, ed string) {
		if _, err := f.svc.PlaceHold(ctx, card, ed); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		name                string
		setup               func(f *fixture, t *testing.T)
		tamper, saved, undo string // undo's %s: what saved (a query run before tamper) gave
		write               func(f *fixture, t *testing.T)
		table, detail       string
	}{
		{name: "the copies of an edition", tamper: `UPDATE library_editions SET copies = 2 WHERE id = 'e1'`, undo: `UPDATE library_editions SET copies = 1 WHERE id = 'e1'`,
			write: func(f *fixture, t *testing.T) { borrow(f, t, b, "e1") },
			table: "library_loans", detail: `^loan entry \d+: edition "e1" has 1 copies, 1 lent and 0 holds ahead of reader ` + b + `$`},
		{name: "a loan left out of the count", saved: `SELECT due_at::text FROM library_loans WHERE edition_id = 'e1'`,
			tamper: `UPDATE library_loans SET due_at = borrowed_at WHERE edition_id = 'e1'`, undo: `UPDATE library_loans SET due_at = '%s' WHERE edition_id = 'e1'`,
			write: func(f *fixture, t *testing.T) { borrow(f, t, b, "e1") },
			table: "library_loans", detail: `^loan entry \d+: edition "e1" has 1 copies, 1 lent and 0 holds ahead of reader ` + b + `$`},
		{name: "a reader's own loan", setup: func(f *fixture, t *testing.T) { borrow(f, t, a, "e2") },
			saved:  `SELECT due_at::text FROM library_loans WHERE edition_id = 'e2'`,
			tamper: `UPDATE library_loans SET due_at = borrowed_at WHERE edition_id = 'e2'`, undo: `UPDATE library_loans SET due_at = '%s' WHERE edition_id = 'e2' AND due_at = borrowed_at`,
			write: func(f *fixture, t *testing.T) { borrow(f, t, a, "e2") },
			table: "library_loans", detail: `^loan entry \d+: reader ` + a + ` borrows edition "e2" while loan "ln_\w+" \(entry \d+\) is active$`},
		{name: "a hold ahead", setup: func(f *fixture, t *testing.T) { hold(f, t, c, "e1"); returned(f, t) },
			tamper: `UPDATE library_holds SET closed_seq = entry_seq WHERE card_number = '` + c + `'`, undo: `UPDATE library_holds SET closed_seq = NULL WHERE card_number = '` + c + `'`,
			write: func(f *fixture, t *testing.T) { borrow(f, t, b, "e1") },
			table: "library_loans", detail: `^loan entry \d+: edition "e1" has 1 copies, 0 lent and 1 holds ahead of reader ` + b + `$`},
		{name: "the loan period of an edition", tamper: `UPDATE library_editions SET loan_days = 60 WHERE id = 'e2'`, undo: `UPDATE library_editions SET loan_days = 14 WHERE id = 'e2'`,
			write: func(f *fixture, t *testing.T) { borrow(f, t, b, "e2") },
			table: "library_editions", detail: `^loan entry \d+: loan "ln_\w+" of edition "e2" states work "w1", due \S+; the edition is loan, of work "w1", lent for 14 days$`},
		{name: "the work of an edition, paid by the lending right", tamper: `UPDATE library_editions SET work_id = 'w2' WHERE id = 'e2'`, undo: `UPDATE library_editions SET work_id = 'w1' WHERE id = 'e2'`,
			write: func(f *fixture, t *testing.T) { borrow(f, t, b, "e2") },
			table: "library_editions", detail: `^loan entry \d+: loan "ln_\w+" of edition "e2" states work "w2", due \S+; the edition is loan, of work "w1", lent for 14 days$`},
		{name: "a loan returned twice", setup: returned,
			saved:  `SELECT returned_at::text || '|' || return_seq FROM library_loans WHERE edition_id = 'e1'`,
			tamper: `UPDATE library_loans SET returned_at = NULL, return_seq = NULL WHERE edition_id = 'e1'`,
			undo:   `UPDATE library_loans SET returned_at = split_part('%[1]s', '|', 1)::timestamptz, return_seq = split_part('%[1]s', '|', 2)::bigint WHERE edition_id = 'e1'`,
			write:  returned,
			table:  "library_loans", detail: `^return entry \d+: loan "ln_\w+" was returned before, by entry \d+$`},
		{name: "a reader holding twice", setup: func(f *fixture, t *testing.T) { hold(f, t, c, "e1") },
			tamper: `UPDATE library_holds SET closed_seq = entry_seq WHERE card_number = '` + c + `'`, undo: `UPDATE library_holds SET closed_seq = NULL WHERE card_number = '` + c + `'`,
			write: func(f *fixture, t *testing.T) { hold(f, t, c, "e1") },
			table: "library_holds", detail: `^hold entry \d+: reader ` + c + ` holds edition "e1" since entry \d+$`},
		{name: "an ISBN taken", tamper: `UPDATE library_editions SET isbn = NULL WHERE id = 'e2'`,
			undo: `DROP INDEX library_editions_isbn; UPDATE library_editions SET isbn = '9786017151133' WHERE id = 'e2'`,
			write: func(f *fixture, t *testing.T) {
				ed := library.Edition{WorkID: "w2", Language: "ru", Format: "epub", Publisher: "Фолиант", Issued: "2021", ISBN: "9786017151133",
					Access: "loan", Copies: 1, LoanDays: 14}
				if _, err := f.svc.PutEdition(ctx, "test", "e3", ed); err != nil {
					t.Fatal(err)
				}
			},
			table: "library_editions", detail: `^edition entry \d+: edition "e3" has ISBN 9786017151133, which edition "e2" has$`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := &fixture{world: newWorld(t)}
			f.work(t, "w1")
			f.work(t, "w2")
			f.edition(t, "e1", "w1", 1)
			ed := library.Edition{WorkID: "w1", Language: "kk", Format: "epub", Publisher: "Фолиант", Issued: "2020", ISBN: "978-601-7151-13-3",
				Access: "loan", Copies: 2, LoanDays: 14}
			if _, err := f.svc.PutEdition(ctx, "test", "e2", ed); err != nil {
				t.Fatal(err)
			}
			l, _, err := f.svc.Borrow(ctx, a, "e1")
			if err != nil {
				t.Fatal(err)
			}
			f.l1 = l
			if tc.setup != nil {
				tc.setup(f, t)
			}
			owner := pgtest.OwnerPool(t, f.DBURL)
			undo := tc.undo
			if tc.saved != "" {
				var v string
				pgtest.Row(t, owner, tc.saved).Scan(&v)
				undo = strings.ReplaceAll(strings.ReplaceAll(undo, "%[1]s", v), "%s", v)
			}
			if _, err := owner.Exec(ctx, tc.tamper); err != nil {
				t.Fatal(err)
			}
			tc.write(f, t)
			var seq int64
			pgtest.Row(t, owner, `SELECT max(seq) FROM ledger_entries`).Scan(&seq)
			if undo != "" {
				if _, err := owner.Exec(ctx, undo); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := f.App.Publisher.Publish(ctx); err != nil {
				t.Fatal(err)
			}
			verifier, err := ledger.NewVerifier(f.Verifier)
			if err != nil {
				t.Fatal(err)
			}
			_, err = ledger.VerifyDB(ctx, owner, ledger.VerifyOptions{Verifier: verifier, Origin: "ecinema.test/ledger",
				Deep: []ledger.DeepCheck{library.NewDeepCheck()}})
			var ve *ledger.VerifyError
			prefix := "library: table " + tc.table + ": "
			if !errors.As(err, &ve) || ve.Reason != ledger.ReasonProjection || ve.Seq != seq || !strings.HasPrefix(ve.Detail, prefix) ||
				!regexp.MustCompile(tc.detail).MatchString(strings.TrimPrefix(ve.Detail, prefix)) {
				t.Fatalf("verify = %v, want a mismatch of %s at entry %d matching %s", err, tc.table, seq, tc.detail)
			}
		})
	}
}
