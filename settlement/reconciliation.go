package settlement

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/shopspring/decimal"
)

const (
	sqlFiscalRange = `SELECT bin, sale_date, amount, receipts, entry_seq FROM fiscal_totals
WHERE sale_date BETWEEN $1 AND $2 AND ($3 = '' OR bin = $3)`

	sqlExhibitorsByBIN = `SELECT bin, string_agg(id, ',' ORDER BY id), min(name) FROM parties
WHERE kind = 'exhibitor' AND ($1 = '' OR bin = $1) GROUP BY bin`
)

// Reconciliation statuses (SPEC 7).
const (
	statusMatch         = "match"
	statusUnderReported = "under_reported"
	statusOverReported  = "over_reported"
	statusNoLedgerData  = "no_ledger_data"
	statusNoFiscalData  = "no_fiscal_data"
)

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
func (s *Service) Reconciliation(ctx context.Context, q TaxQuery) (Reconciliation, error) {
	rows, err := s.reconRows(ctx, q)
	if err != nil {
		return Reconciliation{}, err
	}
	return Reconciliation{Rows: rows, Totals: reconTotals(rows)}, nil
}

// Reconciliation is the rows of a reconciliation, by BIN and date, with
// their totals.
type Reconciliation struct {
	Rows   []ReconRow
	Totals ReconTotals
}

// ReconTotals sums a reconciliation: the ledger's gross and VAT, the fiscal
// amount, their difference (fiscal − ledger gross) and the number of rows
// of each status (every status present, zeros included).
type ReconTotals struct {
	LedgerGross  decimal.Decimal
	LedgerVAT    decimal.Decimal
	FiscalAmount decimal.Decimal
	Difference   decimal.Decimal
	Statuses     map[string]int
}

func reconTotals(rows []ReconRow) ReconTotals {
	t := ReconTotals{LedgerGross: decimal.Zero, LedgerVAT: decimal.Zero, FiscalAmount: decimal.Zero,
		Statuses: map[string]int{statusMatch: 0, statusUnderReported: 0, statusOverReported: 0, statusNoLedgerData: 0, statusNoFiscalData: 0}}
	for _, r := range rows {
		t.LedgerGross, t.LedgerVAT, t.FiscalAmount = t.LedgerGross.Add(r.LedgerGross), t.LedgerVAT.Add(r.LedgerVAT), t.FiscalAmount.Add(r.FiscalAmount)
		t.Statuses[r.Status]++
	}
	t.Difference = t.FiscalAmount.Sub(t.LedgerGross)
	return t
}

func (s *Service) reconRows(ctx context.Context, q TaxQuery) ([]ReconRow, error) {
	if err := q.validate(); err != nil {
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
			r.Status = statusNoLedgerData
		case !r.HasFiscal:
			r.Status = statusNoFiscalData
		case r.Difference.Abs().LessThanOrEqual(q.Tolerance):
			r.Status = statusMatch
		case r.Difference.IsNegative():
			r.Status = statusUnderReported
		default:
			r.Status = statusOverReported
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
