package library

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"ecinema/ledger"
)

// Ledger kinds of this package (ledger/doc.go lists them).
const (
	kindWork    = "library_work"
	kindEdition = "library_edition"
	kindFile    = "library_file"
	kindLoan    = "library_loan"
	kindReturn  = "library_return"
	kindHold    = "library_hold"
	kindPLRRate = "library_plr_rate"
)

const (
	nextVersion   = `SELECT COALESCE(max(version), 0) + 1 FROM library_versions WHERE kind = $1 AND id = $2`
	insertVersion = `INSERT INTO library_versions (kind, id, version, entry_seq, body, recorded_at) VALUES ($1, $2, $3, $4, $5, $6)`
	upsertWork    = `INSERT INTO library_works (id, version, title, authors, subjects, original_language, search, entry_seq)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
ON CONFLICT (id) DO UPDATE SET version = EXCLUDED.version, title = EXCLUDED.title, authors = EXCLUDED.authors,
  subjects = EXCLUDED.subjects, original_language = EXCLUDED.original_language, search = EXCLUDED.search,
  entry_seq = EXCLUDED.entry_seq`
	deleteWorkHolders = `DELETE FROM library_work_rights_holders WHERE work_id = $1`
	insertWorkHolders = `INSERT INTO library_work_rights_holders (work_id, party_id, share_pct)
SELECT $1, p, s::numeric FROM unnest($2::text[], $3::text[]) AS u(p, s)`
	upsertEdition = `INSERT INTO library_editions (id, version, work_id, language, isbn, format, publisher, issued,
  translators, narrators, access, copies, loan_days, created_at, updated_at, entry_seq)
VALUES ($1, $2, $3, $4, NULLIF($5, ''), $6, $7, $8, $9, $10, $11, $12, $13, $14, $14, $15)
ON CONFLICT (id) DO UPDATE SET version = EXCLUDED.version, work_id = EXCLUDED.work_id, language = EXCLUDED.language,
  isbn = EXCLUDED.isbn, format = EXCLUDED.format, publisher = EXCLUDED.publisher, issued = EXCLUDED.issued,
  translators = EXCLUDED.translators, narrators = EXCLUDED.narrators, access = EXCLUDED.access,
  copies = EXCLUDED.copies, loan_days = EXCLUDED.loan_days, updated_at = EXCLUDED.updated_at,
  entry_seq = EXCLUDED.entry_seq`
	upsertFile = `INSERT INTO library_files (edition_id, role, n, sha256, size, media_type, title, duration, bitrate, entry_seq)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
ON CONFLICT (edition_id, role, n) DO UPDATE SET sha256 = EXCLUDED.sha256, size = EXCLUDED.size,
  media_type = EXCLUDED.media_type, title = EXCLUDED.title, duration = EXCLUDED.duration,
  bitrate = EXCLUDED.bitrate, entry_seq = EXCLUDED.entry_seq`
	touchEdition = `UPDATE library_editions SET updated_at = $2 WHERE id = $1`
	insertLoan   = `INSERT INTO library_loans (id, edition_id, card_number, borrowed_at, due_at, entry_seq)
VALUES ($1, $2, $3, $4, $5, $6)`
	closeHolds = `UPDATE library_holds SET closed_seq = $3
WHERE edition_id = $1 AND card_number = $2 AND closed_seq IS NULL`
	returnLoan = `UPDATE library_loans SET returned_at = $2, return_seq = $3 WHERE id = $1 AND returned_at IS NULL`
	insertHold = `INSERT INTO library_holds (edition_id, card_number, placed_at, entry_seq) VALUES ($1, $2, $3, $4)`
	upsertRate = `INSERT INTO library_plr_rates (valid_from, per_loan, entry_seq) VALUES ($1, $2::numeric, $3)
ON CONFLICT (valid_from) DO UPDATE SET per_loan = EXCLUDED.per_loan, entry_seq = EXCLUDED.entry_seq`
)

// FileBody is the body of a library_file entry: a blob attached to an
// edition as its book file, cover, thumbnail or audio track n.
type FileBody struct {
	EditionID string  `json:"edition_id"`
	Role      string  `json:"role"`
	N         int     `json:"n"`
	SHA256    string  `json:"sha256"`
	Size      int64   `json:"size"`
	MediaType string  `json:"media_type"`
	Title     string  `json:"title,omitempty"`
	Duration  float64 `json:"duration,omitempty"`
	Bitrate   int     `json:"bitrate,omitempty"`
}

// loanBody is the body of a library_loan entry.
type loanBody struct {
	LoanID     string    `json:"loan_id"`
	EditionID  string    `json:"edition_id"`
	WorkID     string    `json:"work_id"`
	CardNumber string    `json:"card_number"`
	BorrowedAt time.Time `json:"borrowed_at"`
	Due        time.Time `json:"due"`
}

// returnBody is the body of a library_return entry.
type returnBody struct {
	LoanID     string    `json:"loan_id"`
	EditionID  string    `json:"edition_id"`
	CardNumber string    `json:"card_number"`
	ReturnedAt time.Time `json:"returned_at"`
}

// holdBody is the body of a library_hold entry.
type holdBody struct {
	EditionID  string    `json:"edition_id"`
	CardNumber string    `json:"card_number"`
	PlacedAt   time.Time `json:"placed_at"`
}

// RateBody is the body of a library_plr_rate entry.
type RateBody struct {
	ValidFrom string `json:"valid_from"`
	PerLoan   string `json:"per_loan"`
}

// project writes the projection rows of one library entry from its body
// and returns the version it recorded (works and editions; 0 otherwise).
// The live write and the rebuild of verify --deep both run it.
func project(ctx context.Context, tx pgx.Tx, kind string, body json.RawMessage, e ledger.Entry) (int, error) {
	switch kind {
	case kindWork:
		var w Work
		if err := json.Unmarshal(body, &w); err != nil {
			return 0, fmt.Errorf("library: work body: %w", err)
		}
		v, err := recordVersion(ctx, tx, "work", w.ID, body, e)
		if err != nil {
			return 0, err
		}
		return v, writeWork(ctx, tx, w, v, e.Seq)
	case kindEdition:
		var ed Edition
		if err := json.Unmarshal(body, &ed); err != nil {
			return 0, fmt.Errorf("library: edition body: %w", err)
		}
		v, err := recordVersion(ctx, tx, "edition", ed.ID, body, e)
		if err != nil {
			return 0, err
		}
		_, err = tx.Exec(ctx, upsertEdition, ed.ID, v, ed.WorkID, ed.Language, ed.ISBN, ed.Format, ed.Publisher,
			ed.Issued, ed.Translators, ed.Narrators, ed.Access, ed.Copies, ed.LoanDays, e.At, e.Seq)
		if err != nil {
			return 0, fmt.Errorf("library: project edition %s: %w", ed.ID, err)
		}
		return v, nil
	case kindFile:
		var f FileBody
		if err := json.Unmarshal(body, &f); err != nil {
			return 0, fmt.Errorf("library: file body: %w", err)
		}
		if _, err := tx.Exec(ctx, upsertFile, f.EditionID, f.Role, f.N, f.SHA256, f.Size, f.MediaType, f.Title,
			f.Duration, f.Bitrate, e.Seq); err != nil {
			return 0, fmt.Errorf("library: project file: %w", err)
		}
		_, err := tx.Exec(ctx, touchEdition, f.EditionID, e.At)
		return 0, err
	case kindLoan:
		var l loanBody
		if err := json.Unmarshal(body, &l); err != nil {
			return 0, fmt.Errorf("library: loan body: %w", err)
		}
		if _, err := tx.Exec(ctx, insertLoan, l.LoanID, l.EditionID, l.CardNumber, l.BorrowedAt, l.Due, e.Seq); err != nil {
			return 0, fmt.Errorf("library: project loan: %w", err)
		}
		_, err := tx.Exec(ctx, closeHolds, l.EditionID, l.CardNumber, e.Seq)
		return 0, err
	case kindReturn:
		var r returnBody
		if err := json.Unmarshal(body, &r); err != nil {
			return 0, fmt.Errorf("library: return body: %w", err)
		}
		_, err := tx.Exec(ctx, returnLoan, r.LoanID, r.ReturnedAt, e.Seq)
		return 0, err
	case kindHold:
		var h holdBody
		if err := json.Unmarshal(body, &h); err != nil {
			return 0, fmt.Errorf("library: hold body: %w", err)
		}
		_, err := tx.Exec(ctx, insertHold, h.EditionID, h.CardNumber, h.PlacedAt, e.Seq)
		return 0, err
	case kindPLRRate:
		var r RateBody
		if err := json.Unmarshal(body, &r); err != nil {
			return 0, fmt.Errorf("library: rate body: %w", err)
		}
		d, err := time.Parse(time.DateOnly, r.ValidFrom)
		if err != nil {
			return 0, fmt.Errorf("library: rate body: %w", err)
		}
		_, err = tx.Exec(ctx, upsertRate, d, r.PerLoan, e.Seq)
		return 0, err
	}
	return 0, fmt.Errorf("library: %q is not a library kind", kind)
}

func recordVersion(ctx context.Context, tx pgx.Tx, kind, id string, body json.RawMessage, e ledger.Entry) (int, error) {
	var v int
	if err := tx.QueryRow(ctx, nextVersion, kind, id).Scan(&v); err != nil {
		return 0, fmt.Errorf("library: next version: %w", err)
	}
	if _, err := tx.Exec(ctx, insertVersion, kind, id, v, e.Seq, []byte(body), e.At); err != nil {
		return 0, fmt.Errorf("library: record version: %w", err)
	}
	return v, nil
}

func writeWork(ctx context.Context, tx pgx.Tx, w Work, version int, seq int64) error {
	title, _ := json.Marshal(w.Title)
	authors, _ := json.Marshal(w.Authors)
	if _, err := tx.Exec(ctx, upsertWork, w.ID, version, title, authors, w.Subjects, w.OriginalLanguage,
		searchText(w), seq); err != nil {
		return fmt.Errorf("library: project work %s: %w", w.ID, err)
	}
	parties, shares := make([]string, len(w.RightsHolders)), make([]string, len(w.RightsHolders))
	for i, r := range w.RightsHolders {
		parties[i], shares[i] = r.PartyID, r.SharePct
	}
	if _, err := tx.Exec(ctx, deleteWorkHolders, w.ID); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, insertWorkHolders, w.ID, parties, shares)
	return err
}

// searchText is what search matches: every title and contributor name,
// lower-cased, one per line.
// Maps are walked in key order so that the rebuild writes the same text.
func searchText(w Work) string {
	var b strings.Builder
	add := func(m LangMap) {
		for _, k := range slices.Sorted(maps.Keys(m)) {
			b.WriteString(strings.ToLower(m[k]))
			b.WriteByte('\n')
		}
	}
	add(w.Title)
	for _, a := range w.Authors {
		add(a.Name)
	}
	return b.String()
}

// libraryTables are the projections deepCheck rebuilds, with the columns
// it compares.
var libraryTables = []ledger.ShadowTable{
	{Name: "library_versions", Columns: "kind, id, version, entry_seq, body, recorded_at", SeqColumn: "entry_seq"},
	{Name: "library_works", Columns: "id, version, title, authors, subjects, original_language, search, entry_seq", SeqColumn: "entry_seq"},
	{Name: "library_work_rights_holders", Columns: "work_id, party_id, share_pct"},
	{Name: "library_editions", Columns: "id, version, work_id, language, isbn, format, publisher, issued, translators, narrators, access, copies, loan_days, created_at, updated_at, entry_seq", SeqColumn: "entry_seq"},
	{Name: "library_files", Columns: "edition_id, role, n, sha256, size, media_type, title, duration, bitrate, entry_seq", SeqColumn: "entry_seq"},
	{Name: "library_loans", Columns: "id, edition_id, card_number, borrowed_at, due_at, returned_at, entry_seq, return_seq", SeqColumn: "entry_seq"},
	{Name: "library_holds", Columns: "edition_id, card_number, placed_at, entry_seq, closed_seq", SeqColumn: "entry_seq"},
	{Name: "library_plr_rates", Columns: "valid_from, per_loan, entry_seq", SeqColumn: "entry_seq"},
}

// deepCheck rebuilds the library's projections from its entries for
// `ecinema verify --deep`, through the same project function the live
// write runs, and compares them with the stored tables. Before it replays
// an entry it re-decides the entry's rules from the entries before it
// (deepState), so an entry written while a row was changed and put back
// is a mismatch at that entry.
type deepCheck struct{ st *deepState }

// NewDeepCheck returns the library's projection rebuild.
func NewDeepCheck() ledger.DeepCheck { return &deepCheck{} }

// Name names the check.
func (*deepCheck) Name() string { return "library" }

// Begin creates the temporary tables.
func (d *deepCheck) Begin(ctx context.Context, tx pgx.Tx) error {
	d.st = newDeepState()
	if err := ledger.CreateShadows(ctx, tx, libraryTables); err != nil {
		return fmt.Errorf("library: deep check: %w", err)
	}
	return nil
}

// Entry checks a library entry against the rules, then replays it into
// the temporary tables.
func (d *deepCheck) Entry(ctx context.Context, tx pgx.Tx, e ledger.Entry, p ledger.ParsedEntry) error {
	if !strings.HasPrefix(p.Kind, "library_") {
		return nil
	}
	if err := d.check(e, p); err != nil {
		return err
	}
	_, err := project(ctx, tx, p.Kind, p.Body, e)
	return err
}

// check re-decides the rules of a work, edition, loan, return or hold
// entry (a body that does not decode is left to project).
func (d *deepCheck) check(e ledger.Entry, p ledger.ParsedEntry) error {
	switch p.Kind {
	case kindWork:
		var w Work
		if json.Unmarshal(p.Body, &w) == nil {
			d.st.works[w.ID] = true
		}
	case kindEdition:
		var ed Edition
		if json.Unmarshal(p.Body, &ed) == nil {
			return d.st.edition(e, ed)
		}
	case kindLoan:
		var l loanBody
		if json.Unmarshal(p.Body, &l) == nil {
			return d.st.loan(e, l)
		}
	case kindReturn:
		var r returnBody
		if json.Unmarshal(p.Body, &r) == nil {
			return d.st.ret(e, r)
		}
	case kindHold:
		var h holdBody
		if json.Unmarshal(p.Body, &h) == nil {
			return d.st.hold(e, h)
		}
	}
	return nil
}

// Compare compares every rebuilt table with the stored one.
func (*deepCheck) Compare(ctx context.Context, tx pgx.Tx) error {
	return ledger.CompareShadows(ctx, tx, libraryTables)
}
