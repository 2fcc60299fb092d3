package library

import (
	"fmt"
	"time"

	"ecinema/ledger"
)

// deepState is the catalogue and the loans as the entries before the one
// being replayed made them, kept by deepCheck. A loan is decided under the
// head lock from the tables (the edition's copies, the reader's active
// loan, the loans active and the holds ahead) and copies the edition's
// work and loan period; a return, that the loan is open; a hold, that the
// reader holds and borrows nothing of the edition; an edition, that its
// work exists and its ISBN is no other's. A row changed for one write and
// put back leaves every table equal to its rebuild; deepState re-decides
// each rule from the entries and reports the entry that breaks one.
type deepState struct {
	works    map[string]bool
	editions map[string]Edition
	isbns    map[string]string      // ISBN → edition
	loans    map[string]*deepLoan   // loan id → loan
	open     map[string][]*deepLoan // edition → its loans not returned
	holds    map[string][]deepHold  // edition → its open holds, oldest first
}

type deepLoan struct {
	id, edition, card string
	due               time.Time
	seq, returnSeq    int64 // returnSeq -1 while open
}

type deepHold struct {
	card string
	seq  int64
}

func newDeepState() *deepState {
	return &deepState{works: map[string]bool{}, editions: map[string]Edition{}, isbns: map[string]string{},
		loans: map[string]*deepLoan{}, open: map[string][]*deepLoan{}, holds: map[string][]deepHold{}}
}

func mismatch(table string, e ledger.Entry, format string, args ...any) error {
	return &ledger.ProjectionMismatch{Table: table, Seq: e.Seq, Detail: fmt.Sprintf(format, args...)}
}

// edition checks an edition version: its work exists, its ISBN is no
// other edition's.
func (st *deepState) edition(e ledger.Entry, ed Edition) error {
	if !st.works[ed.WorkID] {
		return mismatch("library_works", e, "edition entry %d: edition %q names work %q, which no work entry made", e.Seq, ed.ID, ed.WorkID)
	}
	if other, ok := st.isbns[ed.ISBN]; ok && ed.ISBN != "" && other != ed.ID {
		return mismatch("library_editions", e, "edition entry %d: edition %q has ISBN %s, which edition %q has", e.Seq, ed.ID, ed.ISBN, other)
	}
	if old, ok := st.editions[ed.ID]; ok && old.ISBN != "" {
		delete(st.isbns, old.ISBN)
	}
	if ed.ISBN != "" {
		st.isbns[ed.ISBN] = ed.ID
	}
	st.editions[ed.ID] = ed
	return nil
}

// activeLoan returns the reader's loan of an edition not returned and due
// after at, or nil.
func (st *deepState) activeLoan(edition, card string, at time.Time) *deepLoan {
	for _, l := range st.open[edition] {
		if l.card == card && l.due.After(at) {
			return l
		}
	}
	return nil
}

// loan checks a loan against the rules of Borrow, then applies it.
func (st *deepState) loan(e ledger.Entry, l loanBody) error {
	ed, ok := st.editions[l.EditionID]
	switch {
	case !ok:
		return mismatch("library_editions", e, "loan entry %d: edition %q was never made", e.Seq, l.EditionID)
	case ed.Access != accessLoan || ed.WorkID != l.WorkID || !l.Due.Equal(l.BorrowedAt.Add(time.Duration(ed.LoanDays)*24*time.Hour)):
		return mismatch("library_editions", e, "loan entry %d: loan %q of edition %q states work %q, due %s; the edition is %s, of work %q, lent for %d days",
			e.Seq, l.LoanID, l.EditionID, l.WorkID, l.Due.Format(time.RFC3339), ed.Access, ed.WorkID, ed.LoanDays)
	case st.loans[l.LoanID] != nil:
		return mismatch("library_loans", e, "loan entry %d: loan %q was made before, by entry %d", e.Seq, l.LoanID, st.loans[l.LoanID].seq)
	}
	if old := st.activeLoan(l.EditionID, l.CardNumber, l.BorrowedAt); old != nil {
		return mismatch("library_loans", e, "loan entry %d: reader %s borrows edition %q while loan %q (entry %d) is active", e.Seq, l.CardNumber, l.EditionID, old.id, old.seq)
	}
	active := 0
	for _, o := range st.open[l.EditionID] {
		if o.due.After(l.BorrowedAt) {
			active++
		}
	}
	ahead := st.holdsAhead(l.EditionID, l.CardNumber)
	if active+ahead >= ed.Copies {
		return mismatch("library_loans", e, "loan entry %d: edition %q has %d copies, %d lent and %d holds ahead of reader %s", e.Seq, l.EditionID, ed.Copies, active, ahead, l.CardNumber)
	}
	nl := &deepLoan{id: l.LoanID, edition: l.EditionID, card: l.CardNumber, due: l.Due, seq: e.Seq, returnSeq: -1}
	st.loans[l.LoanID] = nl
	st.open[l.EditionID] = append(st.open[l.EditionID], nl)
	hs := st.holds[l.EditionID][:0]
	for _, h := range st.holds[l.EditionID] {
		if h.card != l.CardNumber {
			hs = append(hs, h)
		}
	}
	st.holds[l.EditionID] = hs
	return nil
}

// holdsAhead is the query holdsAhead: the open holds of others placed
// before the reader's own open hold (all of them when it has none).
func (st *deepState) holdsAhead(edition, card string) int {
	n := 0
	for _, h := range st.holds[edition] {
		if h.card == card {
			break
		}
		n++
	}
	return n
}

// ret checks a return against the rules of Return, then applies it.
func (st *deepState) ret(e ledger.Entry, r returnBody) error {
	l := st.loans[r.LoanID]
	switch {
	case l == nil:
		return mismatch("library_loans", e, "return entry %d: loan %q was never made", e.Seq, r.LoanID)
	case l.returnSeq >= 0:
		return mismatch("library_loans", e, "return entry %d: loan %q was returned before, by entry %d", e.Seq, r.LoanID, l.returnSeq)
	case l.edition != r.EditionID || l.card != r.CardNumber:
		return mismatch("library_loans", e, "return entry %d: loan %q states edition %q and reader %s; its loan entry %d made edition %q and reader %s",
			e.Seq, r.LoanID, r.EditionID, r.CardNumber, l.seq, l.edition, l.card)
	}
	l.returnSeq = e.Seq
	os := st.open[l.edition][:0]
	for _, o := range st.open[l.edition] {
		if o != l {
			os = append(os, o)
		}
	}
	st.open[l.edition] = os
	return nil
}

// hold checks a hold against the rules of PlaceHold, then applies it.
func (st *deepState) hold(e ledger.Entry, h holdBody) error {
	ed, ok := st.editions[h.EditionID]
	if !ok || ed.Access != accessLoan {
		return mismatch("library_editions", e, "hold entry %d: edition %q is not lent (%s)", e.Seq, h.EditionID, ed.Access)
	}
	for _, o := range st.holds[h.EditionID] {
		if o.card == h.CardNumber {
			return mismatch("library_holds", e, "hold entry %d: reader %s holds edition %q since entry %d", e.Seq, h.CardNumber, h.EditionID, o.seq)
		}
	}
	if l := st.activeLoan(h.EditionID, h.CardNumber, h.PlacedAt); l != nil {
		return mismatch("library_loans", e, "hold entry %d: reader %s holds edition %q while loan %q (entry %d) is active", e.Seq, h.CardNumber, h.EditionID, l.id, l.seq)
	}
	st.holds[h.EditionID] = append(st.holds[h.EditionID], deepHold{card: h.CardNumber, seq: e.Seq})
	return nil
}
