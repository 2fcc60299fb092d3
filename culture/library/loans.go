package library

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"ecinema/ledger"
)

const (
	selectActiveLoan = `SELECT id, edition_id, card_number, borrowed_at, due_at, returned_at, entry_seq FROM library_loans
WHERE edition_id = $1 AND card_number = $2 AND returned_at IS NULL AND due_at > $3
ORDER BY borrowed_at DESC LIMIT 1`
	selectLoan       = `SELECT id, edition_id, card_number, borrowed_at, due_at, returned_at, entry_seq FROM library_loans WHERE id = $1`
	countActiveLoans = `SELECT count(*) FROM library_loans WHERE edition_id = $1 AND returned_at IS NULL AND due_at > $2`
	// holdsAhead counts the open holds that come before the reader: all of
	// them when the reader holds none, else those placed earlier.
	holdsAhead = `SELECT count(*) FROM library_holds h WHERE h.edition_id = $1 AND h.closed_seq IS NULL
  AND h.card_number <> $2
  AND NOT EXISTS (SELECT 1 FROM library_holds m WHERE m.edition_id = $1 AND m.card_number = $2
                  AND m.closed_seq IS NULL AND m.entry_seq < h.entry_seq)`
	openHold    = `SELECT EXISTS (SELECT 1 FROM library_holds WHERE edition_id = $1 AND card_number = $2 AND closed_seq IS NULL)`
	selectShelf = `SELECT id, edition_id, card_number, borrowed_at, due_at, returned_at, entry_seq FROM library_loans
WHERE card_number = $1 AND returned_at IS NULL AND due_at > $2 ORDER BY borrowed_at DESC, id`
	selectLinkKey = `SELECT key FROM library_link_keys WHERE id = 1`
	insertLinkKey = `INSERT INTO library_link_keys (id, key) VALUES (1, $1) ON CONFLICT (id) DO NOTHING`
)

// heldCopies is ErrNoCopies when copies are free but kept for the readers
// whose holds came first: the message says so (no copy is on loan).
type heldCopies struct{ free, ahead int }

func (h *heldCopies) Error() string {
	return fmt.Sprintf("%d of this edition's copies free now are kept for the %d readers whose holds came first; place a hold to be next", h.free, h.ahead)
}

func (h *heldCopies) Unwrap() error { return ErrNoCopies }

// errHasLoan stops a second concurrent borrow by the same reader; Borrow
// answers it with the loan that won.
var errHasLoan = errors.New("library: the reader already has this edition on loan")

func scanLoan(row pgx.Row) (Loan, error) {
	var l Loan
	err := row.Scan(&l.ID, &l.EditionID, &l.CardNumber, &l.BorrowedAt, &l.Due, &l.ReturnedAt, &l.EntrySeq)
	return l, err
}

// Borrow lends a copy of a loan edition to a reader, or returns the
// reader's current loan of it (created false). The loan is decided under
// the ledger head lock (loanReq): the edition's access, copies, work and
// loan period, the reader's own loan, the loans active and the holds ahead
// are read there, so at no moment are more copies on loan than the
// edition has, open holds placed earlier are served first (ErrNoCopies
// otherwise), and the loan entry copies the edition as it stands.
func (s *Service) Borrow(ctx context.Context, card, editionID string) (Loan, bool, error) {
	now := s.now()
	if l, err := scanLoan(s.pool.QueryRow(ctx, selectActiveLoan, editionID, card, now)); err == nil {
		return l, false, nil
	} else if !errors.Is(err, pgx.ErrNoRows) {
		return Loan{}, false, fmt.Errorf("library: borrow: %w", err)
	}
	id, err := newID("ln_")
	if err != nil {
		return Loan{}, false, err
	}
	r := &loanReq{body: loanBody{LoanID: id, EditionID: editionID, CardNumber: card, BorrowedAt: now}}
	e, err := s.appendDecided(ctx, card, kindLoan, r)
	if errors.Is(err, errHasLoan) {
		l, err := scanLoan(s.pool.QueryRow(ctx, selectActiveLoan, editionID, card, now))
		return l, false, err
	}
	if err != nil {
		return Loan{}, false, err
	}
	return Loan{ID: id, EditionID: editionID, CardNumber: card, BorrowedAt: now, Due: r.body.Due, EntrySeq: e.Seq}, true, nil
}

// loanReq is a loan on its way through the writer.
type loanReq struct {
	body loanBody // WorkID and Due set by Decide
}

const selectEditionTerms = `SELECT access, work_id, copies, loan_days FROM library_editions WHERE id = $1`

// loanTerms are what a loan or a hold is decided from: the edition's work,
// copies and loan period.
type loanTerms struct {
	work         string
	copies, days int
}

// readLoanTerms reads edition id's loan terms in tx, under the head lock:
// refused is the rejection (ErrNotFound, ErrNotLoanable), err a failed
// read.
func readLoanTerms(ctx context.Context, tx pgx.Tx, id string) (t loanTerms, refused, err error) {
	var access string
	err = tx.QueryRow(ctx, selectEditionTerms, id).Scan(&access, &t.work, &t.copies, &t.days)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return t, fmt.Errorf("%w: edition %q", ErrNotFound, id), nil
	case err != nil:
		return t, nil, fmt.Errorf("library: edition: %w", err)
	case access != accessLoan:
		return t, ErrNotLoanable, nil
	}
	return t, nil, nil
}

func (r *loanReq) Decide(ctx context.Context, tx pgx.Tx) (ledger.Prepared, error) {
	reject := func(err error) (ledger.Prepared, error) { return ledger.Prepared{Err: err}, nil }
	b := r.body
	terms, refused, err := readLoanTerms(ctx, tx, b.EditionID)
	if err != nil {
		return ledger.Prepared{}, err
	}
	if refused != nil {
		return reject(refused)
	}
	b.WorkID = terms.work
	if _, err := scanLoan(tx.QueryRow(ctx, selectActiveLoan, b.EditionID, b.CardNumber, b.BorrowedAt)); err == nil {
		return reject(errHasLoan)
	} else if !errors.Is(err, pgx.ErrNoRows) {
		return ledger.Prepared{}, fmt.Errorf("library: borrow: %w", err)
	}
	var active, ahead int
	if err := tx.QueryRow(ctx, countActiveLoans, b.EditionID, b.BorrowedAt).Scan(&active); err != nil {
		return ledger.Prepared{}, fmt.Errorf("library: borrow: %w", err)
	}
	if err := tx.QueryRow(ctx, holdsAhead, b.EditionID, b.CardNumber).Scan(&ahead); err != nil {
		return ledger.Prepared{}, fmt.Errorf("library: borrow: %w", err)
	}
	if active >= terms.copies {
		return reject(ErrNoCopies)
	}
	if active+ahead >= terms.copies {
		return reject(&heldCopies{free: terms.copies - active, ahead: ahead})
	}
	b.Due = b.BorrowedAt.Add(time.Duration(terms.days) * 24 * time.Hour)
	r.body = b
	return ledger.Prepared{Body: b}, nil
}

func (r *loanReq) Project(ctx context.Context, tx pgx.Tx, e ledger.Entry) error {
	return projectEntry(ctx, tx, kindLoan, e)
}

// loan returns a loan by id.
func (s *Service) loan(ctx context.Context, id string) (Loan, error) {
	l, err := scanLoan(s.pool.QueryRow(ctx, selectLoan, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return Loan{}, fmt.Errorf("%w: loan %q", ErrNotFound, id)
	}
	if err != nil {
		return Loan{}, fmt.Errorf("library: loan: %w", err)
	}
	return l, nil
}

// Return ends a loan and frees its copy. card, when not empty, must be the
// borrower (a reader returning their own loan); librarians pass "".
func (s *Service) Return(ctx context.Context, actor, card, loanID string) (Loan, error) {
	l, err := s.loan(ctx, loanID)
	if err != nil {
		return Loan{}, err
	}
	if card != "" && l.CardNumber != card {
		return Loan{}, ErrOtherReader
	}
	now := s.now()
	body := returnBody{LoanID: l.ID, EditionID: l.EditionID, CardNumber: l.CardNumber, ReturnedAt: now}
	_, _, err = s.appendRecord(ctx, actor, kindReturn, body, func(ctx context.Context, tx pgx.Tx) error {
		var returned *time.Time
		if err := tx.QueryRow(ctx, `SELECT returned_at FROM library_loans WHERE id = $1`, l.ID).Scan(&returned); err != nil {
			return err
		}
		if returned != nil {
			return ErrLoanClosed
		}
		return nil
	})
	if err != nil {
		return Loan{}, err
	}
	l.ReturnedAt = &now
	return l, nil
}

// Hold is a reader's place in the queue for a lent edition.
type Hold struct {
	EditionID  string    `json:"edition_id"`
	CardNumber string    `json:"card_number"`
	PlacedAt   time.Time `json:"placed_at"`
	Position   int       `json:"position"` // 1 is next
}

// PlaceHold queues a reader for an edition. The hold is decided under the
// ledger head lock (holdReq): the edition's access, the reader's open hold
// and loan and the holds ahead are read there.
func (s *Service) PlaceHold(ctx context.Context, card, editionID string) (Hold, error) {
	r := &holdReq{body: holdBody{EditionID: editionID, CardNumber: card, PlacedAt: s.now()}}
	if _, err := s.appendDecided(ctx, card, kindHold, r); err != nil {
		return Hold{}, err
	}
	return Hold{EditionID: editionID, CardNumber: card, PlacedAt: r.body.PlacedAt, Position: r.ahead + 1}, nil
}

// holdReq is a hold on its way through the writer.
type holdReq struct {
	body  holdBody
	ahead int // set by Decide
}

func (r *holdReq) Decide(ctx context.Context, tx pgx.Tx) (ledger.Prepared, error) {
	reject := func(err error) (ledger.Prepared, error) { return ledger.Prepared{Err: err}, nil }
	b := r.body
	_, refused, err := readLoanTerms(ctx, tx, b.EditionID)
	if err != nil {
		return ledger.Prepared{}, err
	}
	if refused != nil {
		return reject(refused)
	}
	var held bool
	if err := tx.QueryRow(ctx, openHold, b.EditionID, b.CardNumber).Scan(&held); err != nil {
		return ledger.Prepared{}, fmt.Errorf("library: hold: %w", err)
	}
	_, err = scanLoan(tx.QueryRow(ctx, selectActiveLoan, b.EditionID, b.CardNumber, b.PlacedAt))
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return ledger.Prepared{}, fmt.Errorf("library: hold: %w", err)
	}
	if err == nil || held {
		return reject(ErrAlreadyHeld)
	}
	if err := tx.QueryRow(ctx, holdsAhead, b.EditionID, b.CardNumber).Scan(&r.ahead); err != nil {
		return ledger.Prepared{}, fmt.Errorf("library: hold: %w", err)
	}
	return ledger.Prepared{Body: b}, nil
}

func (r *holdReq) Project(ctx context.Context, tx pgx.Tx, e ledger.Entry) error {
	return projectEntry(ctx, tx, kindHold, e)
}

// shelf returns a reader's current loans, newest first.
func (s *Service) shelf(ctx context.Context, card string) ([]Loan, error) {
	rows, err := s.pool.Query(ctx, selectShelf, card, s.now())
	if err != nil {
		return nil, fmt.Errorf("library: shelf: %w", err)
	}
	ls, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Loan, error) { return scanLoan(r) })
	if err != nil {
		return nil, fmt.Errorf("library: shelf: %w", err)
	}
	return ls, nil
}

// linkKeyBytes returns the HMAC key of download links, made on first use
// and shared by every process through the database.
func (s *Service) linkKeyBytes(ctx context.Context) ([]byte, error) {
	s.linkMu.Lock()
	defer s.linkMu.Unlock()
	if s.linkKey != nil {
		return s.linkKey, nil
	}
	k := make([]byte, 32)
	if _, err := rand.Read(k); err != nil {
		return nil, err
	}
	if _, err := s.pool.Exec(ctx, insertLinkKey, k); err != nil {
		return nil, fmt.Errorf("library: link key: %w", err)
	}
	if err := s.pool.QueryRow(ctx, selectLinkKey).Scan(&k); err != nil {
		return nil, fmt.Errorf("library: link key: %w", err)
	}
	s.linkKey = k
	return k, nil
}

func linkMAC(key []byte, loanID, what string, exp int64) string {
	m := hmac.New(sha256.New, key)
	fmt.Fprintf(m, "%s\n%s\n%d", loanID, what, exp)
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// DownloadURL returns the signed, time-limited path of a loan's resource
// what ("file", "manifest.json" or "tracks/N"): valid for LinkTTL, never
// beyond the loan's due time.
func (s *Service) DownloadURL(ctx context.Context, l Loan, what string) (string, error) {
	exp := s.now().Add(s.cfg.LinkTTL)
	if l.Due.Before(exp) {
		exp = l.Due
	}
	return s.signedURL(ctx, l.ID, what, exp)
}

// signedURL signs the path of a loan's resource what until exp.
func (s *Service) signedURL(ctx context.Context, loanID, what string, exp time.Time) (string, error) {
	key, err := s.linkKeyBytes(ctx)
	if err != nil {
		return "", err
	}
	q := url.Values{"exp": {strconv.FormatInt(exp.Unix(), 10)}, "sig": {linkMAC(key, loanID, what, exp.Unix())}}
	return "/library/loans/" + url.PathEscape(loanID) + "/" + what + "?" + q.Encode(), nil
}

// CheckLink verifies a signed link: the signature, the expiry, and that
// the loan is still current. It returns the loan.
func (s *Service) CheckLink(ctx context.Context, loanID, what, exp, sig string) (Loan, error) {
	key, err := s.linkKeyBytes(ctx)
	if err != nil {
		return Loan{}, err
	}
	e, err := strconv.ParseInt(exp, 10, 64)
	if err != nil || !hmac.Equal([]byte(sig), []byte(linkMAC(key, loanID, what, e))) {
		return Loan{}, ErrBadLink
	}
	now := s.now()
	if now.Unix() >= e {
		return Loan{}, ErrBadLink
	}
	l, err := s.loan(ctx, loanID)
	if err != nil {
		return Loan{}, ErrBadLink
	}
	if l.ReturnedAt != nil || !now.Before(l.Due) {
		return Loan{}, ErrBadLink
	}
	return l, nil
}

func newID(prefix string) (string, error) {
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("library: random: %w", err)
	}
	return prefix + hex.EncodeToString(b), nil
}
