package settlement

import (
	"context"
	"fmt"
	"time"

	"github.com/shopspring/decimal"

	"ecinema/registry"
	"ecinema/validate"
)

const (
	// sqlLedgerByDay is ledger gross per exhibitor BIN, cinema and sale date;
	// the exhibitor is the one operating the cinema on the box-office day
	// (dated ownership, registry/ownership.go).
	sqlLedgerByDay = `SELECT p.bin, p.id, p.name, sd.cinema_id, c.vat_payer, sd.sale_date, sum(sd.gross), sum(sd.admissions)
FROM sales_daily sd
JOIN cinemas c ON c.id = sd.cinema_id
JOIN cinema_ownership o ON o.cinema_id = sd.cinema_id
  AND sd.box_office_day >= coalesce(o.valid_from, '-infinity') AND sd.box_office_day < coalesce(o.valid_to, 'infinity')
JOIN parties p ON p.id = o.exhibitor_id
WHERE sd.sale_date BETWEEN $1 AND $2 AND ($3 = '' OR p.bin = $3) AND ($4 = '' OR p.id = $4) AND ($5 = '' OR sd.cinema_id = $5)
GROUP BY p.bin, p.id, p.name, sd.cinema_id, c.vat_payer, sd.sale_date`
)

// maxTaxDays bounds the sale dates of one reconciliation or VAT summary.
const maxTaxDays = 366

// TaxQuery selects sale dates (and optionally one BIN) for reconciliation
// and the VAT summary.
type TaxQuery struct {
	From, To    time.Time
	BIN         string
	ExhibitorID string // VAT summary only: one exhibitor party
	CinemaID    string // VAT summary only: one cinema (a key scoped to it)
	Tolerance   decimal.Decimal
}

// validate checks the query.
func (q TaxQuery) validate() error {
	var errs validate.Errors
	if errs.Period(q.From, q.To) && q.To.Sub(q.From) > maxTaxDays*24*time.Hour {
		errs.Add("to", "out_of_range", "at most %d days", maxTaxDays)
	}
	if q.BIN != "" && !registry.ValidBIN(q.BIN) {
		errs.Add("bin", "invalid_bin", "is not a valid 12-digit BIN (check digit)")
	}
	if q.Tolerance.IsNegative() {
		errs.Add("tolerance", "out_of_range", "must not be negative")
	}
	return errs.Err()
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
			if ld.rate, err = rates.rateOn(ld.day); err != nil {
				return nil, err
			}
		}
		ld.vat = VAT(ld.gross, ld.rate)
		out = append(out, ld)
	}
	return out, rows.Err()
}
