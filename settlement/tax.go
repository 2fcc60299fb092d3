package settlement

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"
	"golang.org/x/text/encoding/charmap"

	"ecinema/ledger"
	"ecinema/registry"
	"ecinema/validate"
)

const (
	sqlUpsertFiscal = `INSERT INTO fiscal_totals AS f (bin, sale_date, amount, receipts, entry_seq)
VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (bin, sale_date) DO UPDATE
SET amount = EXCLUDED.amount, receipts = EXCLUDED.receipts, entry_seq = EXCLUDED.entry_seq, superseded_seq = f.entry_seq
RETURNING superseded_seq IS NOT NULL`

	// sqlLedgerByDay is ledger gross per exhibitor BIN, cinema and sale date.
	sqlLedgerByDay = `SELECT p.bin, p.id, p.name, sd.cinema_id, c.vat_payer, sd.sale_date, sum(sd.gross), sum(sd.admissions)
FROM sales_daily sd
JOIN cinemas c ON c.id = sd.cinema_id
JOIN parties p ON p.id = c.exhibitor_id
WHERE sd.sale_date BETWEEN $1 AND $2 AND ($3 = '' OR p.bin = $3) AND ($4 = '' OR p.id = $4) AND ($5 = '' OR sd.cinema_id = $5)
GROUP BY p.bin, p.id, p.name, sd.cinema_id, c.vat_payer, sd.sale_date`

	sqlFiscalRange = `SELECT bin, sale_date, amount, receipts, entry_seq FROM fiscal_totals
WHERE sale_date BETWEEN $1 AND $2 AND ($3 = '' OR bin = $3)`

	sqlExhibitorsByBIN = `SELECT bin, string_agg(id, ',' ORDER BY id), min(name) FROM parties
WHERE kind = 'exhibitor' AND ($1 = '' OR bin = $1) GROUP BY bin`
)

// MaxFiscalRecords bounds one fiscal-totals upload.
const MaxFiscalRecords = 10000

// MaxTaxDays bounds the sale dates of one reconciliation or VAT summary.
const MaxTaxDays = 366

// Reconciliation statuses (SPEC 7).
const (
	StatusMatch         = "match"
	StatusUnderReported = "under_reported"
	StatusOverReported  = "over_reported"
	StatusNoLedgerData  = "no_ledger_data"
	StatusNoFiscalData  = "no_fiscal_data"
)

// ErrTooManyRecords is returned for an upload over MaxFiscalRecords.
var ErrTooManyRecords = errors.New("settlement: too many fiscal records in one upload")

// FiscalRecord is one day's fiscal-receipt total of an exhibitor.
type FiscalRecord struct {
	BIN      string
	Date     time.Time
	Amount   decimal.Decimal
	Receipts int64
}

// FiscalRecordJSON is the wire form of a fiscal record.
type FiscalRecordJSON struct {
	BIN      string `json:"bin"`
	Date     string `json:"date"`
	Amount   string `json:"amount"`
	Receipts *int64 `json:"receipts"`
}

// ParseFiscalRecords validates wire records: BINs (check digit), dates,
// amounts with at most two decimals, receipts >= 0, one record per BIN
// and date.
func ParseFiscalRecords(in []FiscalRecordJSON) ([]FiscalRecord, error) {
	var errs validate.Errors
	if len(in) == 0 {
		errs.Add("records", "required", "at least one record is required")
		return nil, errs.Err()
	}
	if len(in) > MaxFiscalRecords {
		return nil, fmt.Errorf("%w: %d > %d", ErrTooManyRecords, len(in), MaxFiscalRecords)
	}
	out := make([]FiscalRecord, 0, len(in))
	seen := map[string]int{}
	maxAmount := decimal.New(1, 13)
	for i, r := range in {
		f := fmt.Sprintf("records[%d].", i)
		rec := FiscalRecord{BIN: r.BIN}
		if errs.Required(f+"bin", r.BIN) && !registry.ValidBIN(r.BIN) {
			errs.Add(f+"bin", "invalid_bin", "is not a valid 12-digit BIN (check digit)")
		}
		rec.Date = errs.OperationalDate(f+"date", r.Date)
		rec.Amount = errs.Money(f+"amount", r.Amount, maxAmount.Neg(), maxAmount)
		if r.Receipts == nil {
			errs.Add(f+"receipts", "required", "is required")
		} else if *r.Receipts < 0 {
			errs.Add(f+"receipts", "out_of_range", "must not be negative")
		} else {
			rec.Receipts = *r.Receipts
		}
		k := r.BIN + "|" + r.Date
		if j, dup := seen[k]; dup {
			errs.Add(f+"date", "duplicate", "records[%d] has the same bin and date", j)
		}
		seen[k] = i
		out = append(out, rec)
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// ParseFiscalCSV reads text/csv with the header bin,date,amount,receipts
// (columns in any order) and validates it like JSON records. It also takes
// what Excel in a Russian or Kazakh locale saves: Windows-1251 as well as
// UTF-8 (with or without BOM), semicolons (or tabs) as delimiters, decimal
// commas and grouped thousands ("1 234,50"), DD.MM.YYYY dates, Russian or
// Kazakh headers (БИН/БСН, Дата/Күні, Сумма/Сомасы, Чеки/Чектер), empty rows,
// and a BIN whose leading zero Excel dropped (11 digits are taken as the
// 12-digit BIN with a leading 0 when that passes the check digit).
func ParseFiscalCSV(r io.Reader) ([]FiscalRecord, error) {
	raw, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	text, comma := fiscalText(raw)
	cr := csv.NewReader(strings.NewReader(text))
	cr.Comma = comma
	cr.TrimLeadingSpace = true
	cr.FieldsPerRecord = -1
	recs, err := cr.ReadAll()
	if err != nil {
		var errs validate.Errors
		errs.Add("body", "invalid_csv", "%v", err)
		return nil, errs.Err()
	}
	kept := recs[:0]
	for _, rec := range recs {
		if strings.TrimSpace(strings.Join(rec, "")) != "" {
			kept = append(kept, rec)
		}
	}
	recs = kept
	var errs validate.Errors
	if len(recs) == 0 {
		errs.Add("body", "required", "a header line bin,date,amount,receipts and records are required")
		return nil, errs.Err()
	}
	idx := map[string]int{}
	for i, h := range recs[0] {
		h = strings.ToLower(strings.TrimSpace(h))
		if a, ok := fiscalHeaderAliases[h]; ok {
			h = a
		}
		idx[h] = i
	}
	for _, h := range []string{"bin", "date", "amount", "receipts"} {
		if _, ok := idx[h]; !ok {
			errs.Add("header", "missing_column", "column %q is missing", h)
		}
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	if len(recs)-1 > MaxFiscalRecords {
		return nil, fmt.Errorf("%w: %d > %d", ErrTooManyRecords, len(recs)-1, MaxFiscalRecords)
	}
	in := make([]FiscalRecordJSON, 0, len(recs)-1)
	for line, rec := range recs[1:] {
		get := func(h string) string {
			if i := idx[h]; i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		fr := FiscalRecordJSON{BIN: fiscalBIN(get("bin")), Date: fiscalDate(get("date")), Amount: fiscalNumber(get("amount"), comma)}
		if n, err := strconv.ParseInt(fiscalNumber(get("receipts"), comma), 10, 64); err == nil {
			fr.Receipts = &n
		} else {
			errs.Add(fmt.Sprintf("records[%d].receipts", line), "invalid_number", "must be a whole number")
			zero := int64(0)
			fr.Receipts = &zero
		}
		in = append(in, fr)
	}
	out, err := ParseFiscalRecords(in)
	var verrs *validate.Errors
	if errors.As(err, &verrs) {
		errs.Fields = append(errs.Fields, verrs.Fields...)
	} else if err != nil {
		return nil, err
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

var fiscalHeaderAliases = map[string]string{
	"бин": "bin", "бсн": "bin", "дата": "date", "күні": "date", "күн": "date",
	"сумма": "amount", "сомасы": "amount", "сома": "amount",
	"чеки": "receipts", "чеков": "receipts", "количество чеков": "receipts", "чектер": "receipts", "чек саны": "receipts",
}

// fiscalText decodes an upload (UTF-8, else Windows-1251), drops a BOM and
// picks the delimiter of its first line: ';' or tab when present, else ','.
func fiscalText(raw []byte) (string, rune) {
	raw = bytes.TrimPrefix(raw, []byte("\xef\xbb\xbf"))
	text := string(raw)
	if !utf8.Valid(raw) {
		if dec, err := charmap.Windows1251.NewDecoder().Bytes(raw); err == nil {
			text = string(dec)
		}
	}
	first, _, _ := strings.Cut(text, "\n")
	switch {
	case strings.Contains(first, ";"):
		return text, ';'
	case strings.Contains(first, "\t"):
		return text, '\t'
	}
	return text, ','
}

// fiscalNumber drops grouping spaces and, when the delimiter is not a
// comma, reads a decimal comma as a point: "1 234,50" → "1234.50".
func fiscalNumber(s string, comma rune) string {
	s = strings.Map(func(r rune) rune {
		if r == ' ' || r == '\u00a0' || r == '\u202f' {
			return -1
		}
		return r
	}, s)
	if comma != ',' && strings.Count(s, ",") == 1 && !strings.Contains(s, ".") {
		s = strings.Replace(s, ",", ".", 1)
	}
	return s
}

// fiscalDate turns D.M.YYYY or DD.MM.YYYY into YYYY-MM-DD; other text is
// left for the date check to name.
func fiscalDate(s string) string {
	if t, err := time.Parse("2.1.2006", s); err == nil {
		return t.Format(time.DateOnly)
	}
	return s
}

// fiscalBIN restores the leading zero that a spreadsheet drops from a BIN
// it took for a number, when the result is a valid BIN.
func fiscalBIN(s string) string {
	if len(s) == 11 && strings.Trim(s, "0123456789") == "" && registry.ValidBIN("0"+s) {
		return "0" + s
	}
	return s
}

// FiscalUpload is the answer to an upload.
type FiscalUpload struct {
	Entry      ledger.Entry
	Accepted   int
	Superseded int
}

// fiscalBody is the body of a fiscal_totals entry.
type fiscalBody struct {
	Records []FiscalRecordJSON `json:"records"`
}

// UploadFiscalTotals records the records as one fiscal_totals ledger
// entry. A record for a BIN and date already uploaded supersedes the old one.
func (s *Service) UploadFiscalTotals(ctx context.Context, actor string, recs []FiscalRecord) (*FiscalUpload, error) {
	body := fiscalBody{Records: make([]FiscalRecordJSON, len(recs))}
	for i, r := range recs {
		n := r.Receipts
		body.Records[i] = FiscalRecordJSON{BIN: r.BIN, Date: day(r.Date), Amount: money(r.Amount), Receipts: &n}
	}
	res := &FiscalUpload{Accepted: len(recs)}
	e, err := s.app.Append(ctx, ledger.Record{
		Kind: "fiscal_totals", Actor: actor, Body: body,
		Project: func(ctx context.Context, tx pgx.Tx, e ledger.Entry) error {
			res.Superseded = 0
			for _, r := range recs {
				var superseded bool
				if err := tx.QueryRow(ctx, sqlUpsertFiscal, r.BIN, r.Date, r.Amount, r.Receipts, e.Seq).Scan(&superseded); err != nil {
					return fmt.Errorf("settlement: fiscal totals: %w", err)
				}
				if superseded {
					res.Superseded++
				}
			}
			return nil
		},
	})
	if err != nil {
		return nil, err
	}
	res.Entry = e
	return res, nil
}

// TaxQuery selects sale dates (and optionally one BIN) for reconciliation
// and the VAT summary.
type TaxQuery struct {
	From, To    time.Time
	BIN         string
	ExhibitorID string // VAT summary only: one exhibitor party
	CinemaID    string // VAT summary only: one cinema (a key scoped to it)
	Tolerance   decimal.Decimal
}

// Validate checks the query.
func (q TaxQuery) Validate() error {
	var errs validate.Errors
	if q.From.IsZero() {
		errs.Add("from", "required", "is required")
	}
	if q.To.IsZero() {
		errs.Add("to", "required", "is required")
	}
	if !q.From.IsZero() && !q.To.IsZero() {
		if q.To.Before(q.From) {
			errs.Add("to", "out_of_range", "must not be before from")
		} else if q.To.Sub(q.From) > MaxTaxDays*24*time.Hour {
			errs.Add("to", "out_of_range", "at most %d days", MaxTaxDays)
		}
	}
	if q.BIN != "" && !registry.ValidBIN(q.BIN) {
		errs.Add("bin", "invalid_bin", "is not a valid 12-digit BIN (check digit)")
	}
	if q.Tolerance.IsNegative() {
		errs.Add("tolerance", "out_of_range", "must not be negative")
	}
	return errs.Err()
}

// ReconRow is one exhibitor (BIN) and sale date of a reconciliation.
type ReconRow struct {
	BIN              string
	ExhibitorIDs     string // comma-separated exhibitor parties with this BIN
	ExhibitorName    string
	Date             time.Time
	LedgerGross      decimal.Decimal
	LedgerVAT        decimal.Decimal
	LedgerAdmissions int64
	HasLedger        bool
	FiscalAmount     decimal.Decimal
	FiscalReceipts   int64
	FiscalEntrySeq   int64
	HasFiscal        bool
	Difference       decimal.Decimal // fiscal - ledger gross (missing side counts as 0)
	Status           string
}

// Reconciliation compares ledger gross per exhibitor BIN and sale date with
// the fiscal-receipt totals. Status: match when |fiscal - ledger| is within
// the tolerance, under_reported when fiscal is lower, over_reported when
// higher, no_ledger_data / no_fiscal_data when one side is missing.
func (s *Service) Reconciliation(ctx context.Context, q TaxQuery) ([]ReconRow, error) {
	if err := q.Validate(); err != nil {
		return nil, err
	}
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return nil, fmt.Errorf("settlement: begin: %w", err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY"); err != nil {
		return nil, err
	}
	days, err := ledgerDays(ctx, tx, q)
	if err != nil {
		return nil, err
	}
	type key struct {
		bin string
		d   time.Time
	}
	rows := map[key]*ReconRow{}
	for _, ld := range days {
		k := key{ld.bin, ld.day}
		r := rows[k]
		if r == nil {
			r = &ReconRow{BIN: ld.bin, Date: ld.day, LedgerGross: decimal.Zero, LedgerVAT: decimal.Zero, FiscalAmount: decimal.Zero}
			rows[k] = r
		}
		r.HasLedger = true
		r.LedgerGross = r.LedgerGross.Add(ld.gross)
		r.LedgerVAT = r.LedgerVAT.Add(ld.vat)
		r.LedgerAdmissions += ld.admissions
	}
	fr, err := tx.Query(ctx, sqlFiscalRange, q.From, q.To, q.BIN)
	if err != nil {
		return nil, fmt.Errorf("settlement: fiscal totals: %w", err)
	}
	for fr.Next() {
		var bin string
		var d time.Time
		var amt decimal.Decimal
		var receipts, seq int64
		if err := fr.Scan(&bin, &d, &amt, &receipts, &seq); err != nil {
			fr.Close()
			return nil, err
		}
		k := key{bin, dateOf(d)}
		r := rows[k]
		if r == nil {
			r = &ReconRow{BIN: bin, Date: k.d, LedgerGross: decimal.Zero, LedgerVAT: decimal.Zero}
			rows[k] = r
		}
		r.HasFiscal, r.FiscalAmount, r.FiscalReceipts, r.FiscalEntrySeq = true, amt, receipts, seq
	}
	fr.Close()
	if err := fr.Err(); err != nil {
		return nil, err
	}
	names := map[string][2]string{}
	nr, err := tx.Query(ctx, sqlExhibitorsByBIN, q.BIN)
	if err != nil {
		return nil, fmt.Errorf("settlement: exhibitors: %w", err)
	}
	for nr.Next() {
		var bin, ids, name string
		if err := nr.Scan(&bin, &ids, &name); err != nil {
			nr.Close()
			return nil, err
		}
		names[bin] = [2]string{ids, name}
	}
	nr.Close()
	out := make([]ReconRow, 0, len(rows))
	for _, r := range rows {
		r.ExhibitorIDs, r.ExhibitorName = names[r.BIN][0], names[r.BIN][1]
		r.Difference = r.FiscalAmount.Sub(r.LedgerGross)
		switch {
		case !r.HasLedger:
			r.Status = StatusNoLedgerData
		case !r.HasFiscal:
			r.Status = StatusNoFiscalData
		case r.Difference.Abs().LessThanOrEqual(q.Tolerance):
			r.Status = StatusMatch
		case r.Difference.IsNegative():
			r.Status = StatusUnderReported
		default:
			r.Status = StatusOverReported
		}
		out = append(out, *r)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].BIN != out[j].BIN {
			return out[i].BIN < out[j].BIN
		}
		return out[i].Date.Before(out[j].Date)
	})
	return out, nil
}

type ledgerDay struct {
	bin, exhibitorID, name, cinemaID string
	day                              time.Time
	gross, vat                       decimal.Decimal
	rate                             decimal.Decimal
	admissions                       int64
}

// ledgerDays reads ledger gross per exhibitor, cinema and sale date with its
// VAT: round half-up per cinema and day at the rate of the sale date.
func ledgerDays(ctx context.Context, q querier, tq TaxQuery) ([]ledgerDay, error) {
	rates, err := loadRates(ctx, q)
	if err != nil {
		return nil, err
	}
	rows, err := q.Query(ctx, sqlLedgerByDay, tq.From, tq.To, tq.BIN, tq.ExhibitorID, tq.CinemaID)
	if err != nil {
		return nil, fmt.Errorf("settlement: ledger by day: %w", err)
	}
	defer rows.Close()
	var out []ledgerDay
	for rows.Next() {
		var ld ledgerDay
		var payer bool
		if err := rows.Scan(&ld.bin, &ld.exhibitorID, &ld.name, &ld.cinemaID, &payer, &ld.day, &ld.gross, &ld.admissions); err != nil {
			return nil, err
		}
		ld.day = dateOf(ld.day)
		ld.rate = decimal.Zero
		if payer {
			if ld.rate, err = rates.RateOn(ld.day); err != nil {
				return nil, err
			}
		}
		ld.vat = VAT(ld.gross, ld.rate)
		out = append(out, ld)
	}
	return out, rows.Err()
}

// VATRateSum is an exhibitor's sales at one VAT rate.
type VATRateSum struct {
	Rate  decimal.Decimal
	Gross decimal.Decimal
	VAT   decimal.Decimal
}

// VATSummary is one exhibitor's revenue and VAT by sale date over a period.
type VATSummary struct {
	ExhibitorID string
	Name        string
	BIN         string
	Admissions  int64
	Gross       decimal.Decimal
	VAT         decimal.Decimal
	Net         decimal.Decimal
	ByRate      []VATRateSum
}

// VATSummaries returns the VAT summary per exhibitor for sale dates
// From..To (VAT rounded per cinema and day, as in the reconciliation).
func (s *Service) VATSummaries(ctx context.Context, q TaxQuery) ([]VATSummary, error) {
	if err := q.Validate(); err != nil {
		return nil, err
	}
	days, err := ledgerDays(ctx, s.pool, q)
	if err != nil {
		return nil, err
	}
	by := map[string]*VATSummary{}
	rates := map[string]map[string]*VATRateSum{}
	for _, ld := range days {
		v := by[ld.exhibitorID]
		if v == nil {
			v = &VATSummary{ExhibitorID: ld.exhibitorID, Name: ld.name, BIN: ld.bin, Gross: decimal.Zero, VAT: decimal.Zero}
			by[ld.exhibitorID] = v
			rates[ld.exhibitorID] = map[string]*VATRateSum{}
		}
		v.Admissions += ld.admissions
		v.Gross = v.Gross.Add(ld.gross)
		v.VAT = v.VAT.Add(ld.vat)
		rs := rates[ld.exhibitorID][ld.rate.String()]
		if rs == nil {
			rs = &VATRateSum{Rate: ld.rate, Gross: decimal.Zero, VAT: decimal.Zero}
			rates[ld.exhibitorID][ld.rate.String()] = rs
		}
		rs.Gross = rs.Gross.Add(ld.gross)
		rs.VAT = rs.VAT.Add(ld.vat)
	}
	out := make([]VATSummary, 0, len(by))
	for id, v := range by {
		v.Net = v.Gross.Sub(v.VAT)
		for _, rs := range rates[id] {
			v.ByRate = append(v.ByRate, *rs)
		}
		sort.Slice(v.ByRate, func(i, j int) bool { return v.ByRate[i].Rate.LessThan(v.ByRate[j].Rate) })
		out = append(out, *v)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ExhibitorID < out[j].ExhibitorID })
	return out, nil
}

// ---- wire forms ------------------------------------------------------------

// ReconRowJSON is a reconciliation row on the wire.
type ReconRowJSON struct {
	BIN              string  `json:"bin"`
	ExhibitorIDs     string  `json:"exhibitor_ids"`
	ExhibitorName    string  `json:"exhibitor_name"`
	Date             string  `json:"date"`
	LedgerGross      string  `json:"ledger_gross"`
	LedgerVAT        string  `json:"ledger_vat"`
	LedgerAdmissions int64   `json:"ledger_admissions"`
	FiscalAmount     *string `json:"fiscal_amount"`
	FiscalReceipts   *int64  `json:"fiscal_receipts"`
	Difference       string  `json:"difference"`
	Status           string  `json:"status"`
}

// JSON returns the wire form of a row (fiscal fields null when missing).
func (r ReconRow) JSON() ReconRowJSON {
	out := ReconRowJSON{BIN: r.BIN, ExhibitorIDs: r.ExhibitorIDs, ExhibitorName: r.ExhibitorName, Date: day(r.Date),
		LedgerGross: money(r.LedgerGross), LedgerVAT: money(r.LedgerVAT), LedgerAdmissions: r.LedgerAdmissions,
		Difference: money(r.Difference), Status: r.Status}
	if r.HasFiscal {
		a, n := money(r.FiscalAmount), r.FiscalReceipts
		out.FiscalAmount, out.FiscalReceipts = &a, &n
	}
	return out
}

// VATSummaryJSON is an exhibitor's VAT summary on the wire.
type VATSummaryJSON struct {
	ExhibitorID string           `json:"exhibitor_id"`
	Name        string           `json:"name"`
	BIN         string           `json:"bin"`
	Admissions  int64            `json:"admissions"`
	Gross       string           `json:"gross"`
	VAT         string           `json:"vat"`
	Net         string           `json:"net"`
	ByRate      []VATRateSumJSON `json:"by_rate"`
}

// VATRateSumJSON is the part of a summary at one rate.
type VATRateSumJSON struct {
	Rate  string `json:"rate"`
	Gross string `json:"gross"`
	VAT   string `json:"vat"`
}

// JSON returns the wire form.
func (v VATSummary) JSON() VATSummaryJSON {
	out := VATSummaryJSON{ExhibitorID: v.ExhibitorID, Name: v.Name, BIN: v.BIN, Admissions: v.Admissions,
		Gross: money(v.Gross), VAT: money(v.VAT), Net: money(v.Net), ByRate: []VATRateSumJSON{}}
	for _, r := range v.ByRate {
		out.ByRate = append(out.ByRate, VATRateSumJSON{Rate: r.Rate.String(), Gross: money(r.Gross), VAT: money(r.VAT)})
	}
	return out
}
