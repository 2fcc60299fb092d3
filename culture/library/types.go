package library

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"ecinema/validate"
)

// Domain errors; api/errors.go maps them.
var (
	ErrNotFound         = errors.New("not found")
	ErrUnknownReference = errors.New("unknown reference")
	ErrNoCopies         = errors.New("every copy of this edition is on loan; place a hold to be next")
	ErrNotOpen          = errors.New("this edition is lent, not open access: borrow it")
	ErrNotLoanable      = errors.New("this edition is open access: there is nothing to borrow")
	ErrLoanClosed       = errors.New("the loan is already returned")
	ErrOtherReader      = errors.New("the loan belongs to another reader")
	ErrBadLink          = errors.New("the download link is invalid or has expired")
	ErrNoFile           = errors.New("the edition has no such file")
	ErrBadMedia         = errors.New("unsupported media type for this upload")
	ErrTooLarge         = errors.New("the upload is over the size limit")
	ErrAlreadyHeld      = errors.New("the reader already holds or has borrowed this edition")
	ErrInvalidQuery     = errors.New("invalid query")
)

// Contributor is a person with a role in a work.
type Contributor struct {
	Name LangMap `json:"name"`
	Role string  `json:"role"`
}

// RightsHolder is a party entitled to a share of a work's lending right.
type RightsHolder struct {
	PartyID  string `json:"party_id"`
	SharePct string `json:"share_pct"`
}

// Work is a book as written, in whatever editions it appears.
type Work struct {
	ID               string         `json:"id"`
	Title            LangMap        `json:"title"`
	Authors          []Contributor  `json:"authors"`
	Subjects         []string       `json:"subjects"`
	OriginalLanguage string         `json:"original_language"`
	RightsHolders    []RightsHolder `json:"rights_holders"`
	Version          int            `json:"version,omitempty"`
}

// Edition formats and access modes.
const (
	formatEPUB      = "epub"
	formatPDF       = "pdf"
	FormatAudiobook = "audiobook"
	AccessOpen      = "open"
	accessLoan      = "loan"
)

// Edition is one published form of a work: a language, a format, an ISBN.
type Edition struct {
	ID          string   `json:"id"`
	WorkID      string   `json:"work_id"`
	Language    string   `json:"language"`
	ISBN        string   `json:"isbn,omitempty"`
	Format      string   `json:"format"`
	Publisher   string   `json:"publisher"`
	Issued      string   `json:"issued"`
	Translators []string `json:"translators"`
	Narrators   []string `json:"narrators"`
	Access      string   `json:"access"`
	Copies      int      `json:"copies"`
	LoanDays    int      `json:"loan_days"`
	Version     int      `json:"version,omitempty"`
}

// contributorRoles are the roles a work's contributor may have (MARC
// relator terms that OPDS 2.0 has a metadata field for).
var contributorRoles = []string{"author", "editor", "illustrator", "translator", "narrator", "compiler"}

var (
	subjectRE = regexp.MustCompile(`^[\p{L}\p{N}][\p{L}\p{N} '’,.&()-]{0,79}$`)
)

func checkLangMap(v *validate.Errors, field string, m LangMap, required bool) LangMap {
	if len(m) == 0 {
		if required {
			v.Add(field, "required", "is required: a language map such as {\"kk\":\"…\",\"ru\":\"…\"}")
		}
		return m
	}
	out := LangMap{}
	for k, s := range m {
		tag, err := CanonicalLanguage(k)
		if err != nil {
			v.Add(field+"."+k, "invalid_language", "%v", err)
			continue
		}
		s = strings.TrimSpace(s)
		if s == "" || len(s) > 500 {
			v.Add(field+"."+k, "invalid", "must be 1..500 characters")
			continue
		}
		out[tag] = s
	}
	if out["kk"] == "" && out["ru"] == "" && out["kk-Latn"] == "" {
		v.Add(field, "kk_or_ru_required", "needs a kk or ru text")
	}
	return out
}

// normaliseWork checks a work and returns it in canonical form.
func normaliseWork(id string, w Work) (Work, error) {
	var v validate.Errors
	v.ID("id", id)
	if w.ID != "" && w.ID != id {
		v.Add("id", "path_mismatch", "must equal the id in the path")
	}
	w.ID, w.Version = id, 0
	w.Title = checkLangMap(&v, "title", w.Title, true)
	if len(w.Authors) == 0 || len(w.Authors) > 50 {
		v.Add("authors", "required", "a work has 1..50 contributors")
	}
	for i, a := range w.Authors {
		f := "authors[" + strconv.Itoa(i) + "]"
		w.Authors[i].Name = checkLangMap(&v, f+".name", a.Name, true)
		if a.Role == "" {
			w.Authors[i].Role = "author"
		} else {
			v.OneOf(f+".role", a.Role, contributorRoles...)
		}
	}
	if w.Subjects == nil {
		w.Subjects = []string{}
	}
	for i, s := range w.Subjects {
		w.Subjects[i] = strings.ToLower(strings.TrimSpace(s))
		if !subjectRE.MatchString(w.Subjects[i]) {
			v.Add("subjects["+strconv.Itoa(i)+"]", "invalid", "a subject is 1..80 letters, digits and spaces")
		}
	}
	if lang, err := CanonicalLanguage(w.OriginalLanguage); err != nil {
		v.Add("original_language", "invalid_language", "%v", err)
	} else {
		w.OriginalLanguage = lang
	}
	if w.RightsHolders == nil {
		w.RightsHolders = []RightsHolder{}
	}
	total, seen := decimal.Zero, map[string]bool{}
	for i, r := range w.RightsHolders {
		f := "rights_holders[" + strconv.Itoa(i) + "]"
		v.ID(f+".party_id", r.PartyID)
		if seen[r.PartyID] {
			v.Add(f+".party_id", "duplicate", "party %q appears twice", r.PartyID)
		}
		seen[r.PartyID] = true
		p := v.Percent(f+".share_pct", r.SharePct)
		if p.Sign() <= 0 && r.SharePct != "" {
			v.Add(f+".share_pct", "out_of_range", "must be more than 0")
		}
		w.RightsHolders[i].SharePct = p.String()
		total = total.Add(p)
	}
	if len(w.RightsHolders) > 0 && !total.Equal(decimal.NewFromInt(100)) {
		v.Add("rights_holders", "shares_not_100", "share_pct must add up to 100 (got %s)", total)
	}
	return w, v.Err()
}

// normaliseEdition checks an edition and returns it in canonical form;
// today is the local date in Kazakhstan, after which it cannot be issued.
func normaliseEdition(id string, e Edition, today time.Time) (Edition, error) {
	var v validate.Errors
	v.ID("id", id)
	if e.ID != "" && e.ID != id {
		v.Add("id", "path_mismatch", "must equal the id in the path")
	}
	e.ID, e.Version = id, 0
	v.ID("work_id", e.WorkID)
	if lang, err := CanonicalLanguage(e.Language); err != nil {
		v.Add("language", "invalid_language", "%v", err)
	} else {
		e.Language = lang
	}
	if e.ISBN != "" {
		isbn, err := normaliseISBN(e.ISBN)
		if err != nil {
			v.Add("isbn", "invalid_isbn", "%v", err)
		}
		e.ISBN = isbn
	}
	v.OneOf("format", e.Format, formatEPUB, formatPDF, FormatAudiobook)
	e.Publisher = strings.TrimSpace(e.Publisher)
	v.Required("publisher", e.Publisher)
	if e.Issued == "" {
		v.Add("issued", "invalid", "must be YYYY, YYYY-MM or YYYY-MM-DD")
	}
	v.PastPartialDate("issued", e.Issued, "invalid", today)
	e.Translators = trimNames(&v, "translators", e.Translators)
	e.Narrators = trimNames(&v, "narrators", e.Narrators)
	v.OneOf("access", e.Access, AccessOpen, accessLoan)
	if e.LoanDays == 0 {
		e.LoanDays = 14
	}
	if e.LoanDays < 1 || e.LoanDays > 90 {
		v.Add("loan_days", "out_of_range", "must be between 1 and 90")
	}
	switch {
	case e.Access == AccessOpen && e.Copies != 0:
		v.Add("copies", "not_applicable", "an open-access edition has no copies to lend (omit or 0)")
	case e.Access == accessLoan && (e.Copies < 1 || e.Copies > 10000):
		v.Add("copies", "out_of_range", "a lent edition has 1..10000 copies")
	}
	return e, v.Err()
}

func trimNames(v *validate.Errors, field string, names []string) []string {
	out := []string{}
	for i, n := range names {
		n = strings.TrimSpace(n)
		if n == "" || len(n) > 200 {
			v.Add(fmt.Sprintf("%s[%d]", field, i), "invalid", "a name is 1..200 characters")
			continue
		}
		out = append(out, n)
	}
	return out
}

// Loan is one lending of a copy to a reader.
type Loan struct {
	ID          string     `json:"loan_id"`
	EditionID   string     `json:"edition_id"`
	CardNumber  string     `json:"card_number"`
	BorrowedAt  time.Time  `json:"borrowed_at"`
	Due         time.Time  `json:"due"`
	ReturnedAt  *time.Time `json:"returned_at,omitempty"`
	DownloadURL string     `json:"download_url,omitempty"`
	EntrySeq    int64      `json:"entry_seq"`
}
