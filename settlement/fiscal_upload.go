package settlement

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"ecinema/kztime"
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
)

// maxFiscalRecords bounds one fiscal-totals upload.
const maxFiscalRecords = 10000

// ErrTooManyRecords is returned for an upload over maxFiscalRecords.
var ErrTooManyRecords = errors.New("settlement: too many fiscal records in one upload")

// FiscalRecord is one day's fiscal-receipt total of an exhibitor.
type FiscalRecord struct {
	BIN      string
	Date     time.Time
	Amount   decimal.Decimal
	Receipts int64
}

// FiscalRecordBody is a fiscal record as written: a record of a
// fiscal_totals entry's body (canonical JSON hashed into the chain, its
// encoding fixed), and the unparsed fields of an upload, which the API
// decodes into its own request type and ParseFiscalRecords checks.
type FiscalRecordBody struct {
	BIN      string `json:"bin"`
	Date     string `json:"date"`
	Amount   string `json:"amount"`
	Receipts *int64 `json:"receipts"`
}

// ParseFiscalRecords validates wire records: BINs (check digit), dates,
// amounts with at most two decimals, receipts >= 0, one record per BIN
// and date.
func ParseFiscalRecords(in []FiscalRecordBody) ([]FiscalRecord, error) {
	var errs validate.Errors
	if len(in) == 0 {
		errs.Add("records", "required", "at least one record is required")
		return nil, errs.Err()
	}
	if len(in) > maxFiscalRecords {
		return nil, fmt.Errorf("%w: %d > %d", ErrTooManyRecords, len(in), maxFiscalRecords)
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

// FiscalUpload is the answer to an upload.
type FiscalUpload struct {
	Entry      ledger.Entry
	Accepted   int
	Superseded int
}

// fiscalBody is the body of a fiscal_totals entry.
type fiscalBody struct {
	Records []FiscalRecordBody `json:"records"`
}

// UploadFiscalTotals records the records as one fiscal_totals ledger
// entry. A record for a BIN and date already uploaded supersedes the old one.
// A record for a day after today (Kazakhstan time) is refused: no receipts
// of that day exist yet, so it can only be a mistyped date.
func (s *Service) UploadFiscalTotals(ctx context.Context, actor string, recs []FiscalRecord) (*FiscalUpload, error) {
	today := kztime.LocalDate(s.now())
	var errs validate.Errors
	for i, r := range recs {
		if r.Date.After(today) {
			errs.Add(fmt.Sprintf("records[%d].date", i), "in_future",
				"%s is after today (%s in Kazakhstan): a day's fiscal total exists only once the day has begun", day(r.Date), day(today))
		}
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	body := fiscalBody{Records: make([]FiscalRecordBody, len(recs))}
	for i, r := range recs {
		n := r.Receipts
		body.Records[i] = FiscalRecordBody{BIN: r.BIN, Date: day(r.Date), Amount: money(r.Amount), Receipts: &n}
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
