package settlement

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"

	"ecinema/registry"
	"ecinema/validate"
)

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
	if len(recs)-1 > maxFiscalRecords {
		return nil, fmt.Errorf("%w: %d > %d", ErrTooManyRecords, len(recs)-1, maxFiscalRecords)
	}
	in := make([]FiscalRecordBody, 0, len(recs)-1)
	for line, rec := range recs[1:] {
		get := func(h string) string {
			if i := idx[h]; i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		fr := FiscalRecordBody{BIN: fiscalBIN(get("bin")), Date: fiscalDate(get("date")), Amount: fiscalNumber(get("amount"), comma)}
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
