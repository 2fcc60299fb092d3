package ngo

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"
)

// OpenNGO is one registered NGO as the open data publishes it, with its
// accepted reports. Founders' identity numbers are left out.
type OpenNGO struct {
	NGO
	Reports []OpenReport `json:"reports"`
}

// OpenFounder is a founder without the identity number.
type OpenFounder struct {
	Name     string `json:"name"`
	SharePct string `json:"share_pct"`
}

// OpenReport is an accepted annual report as published.
type OpenReport struct {
	Year          int           `json:"year"`
	SubmittedAt   time.Time     `json:"submitted_at"`
	Late          bool          `json:"late"`
	Founders      []OpenFounder `json:"founders"`
	Property      string        `json:"property"`
	Funding       []Funding     `json:"funding"`
	Spending      []Spending    `json:"spending"`
	FundingTotal  string        `json:"funding_total"`
	SpendingTotal string        `json:"spending_total"`
	Staff         int           `json:"staff"`
	Volunteers    int           `json:"volunteers"`
	Projects      []Project     `json:"projects"`
}

const (
	selectAllNGOs    = `SELECT ` + ngoColumns + ` FROM ngos ORDER BY bin`
	selectAccepted   = `SELECT ` + reportColumns + ` FROM ngo_reports WHERE status = 'accepted' ORDER BY bin, year`
	openDataLicence  = "CC-BY-4.0"
	openDataNGOsNote = "Registered non-commercial organisations of Kazakhstan and their accepted annual reports; founders' identity numbers are not published."
)

// OpenData returns every registered NGO with its accepted reports, ordered by BIN.
func (s *Service) OpenData(ctx context.Context) ([]OpenNGO, error) {
	rows, err := s.pool.Query(ctx, selectAllNGOs)
	if err != nil {
		return nil, fmt.Errorf("ngo: open data: %w", err)
	}
	ngos, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (OpenNGO, error) {
		n, err := scanNGO(r)
		return OpenNGO{NGO: n, Reports: []OpenReport{}}, err
	})
	if err != nil {
		return nil, fmt.Errorf("ngo: open data: %w", err)
	}
	idx := make(map[string]int, len(ngos))
	for i, n := range ngos {
		idx[n.BIN] = i
	}
	rows, err = s.pool.Query(ctx, selectAccepted)
	if err != nil {
		return nil, fmt.Errorf("ngo: open data: %w", err)
	}
	reps, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Report, error) { return scanReport(r) })
	if err != nil {
		return nil, fmt.Errorf("ngo: open data: %w", err)
	}
	for _, r := range reps {
		i, ok := idx[r.BIN]
		if !ok {
			continue
		}
		ngos[i].Reports = append(ngos[i].Reports, openReport(r))
	}
	return ngos, nil
}

func openReport(r Report) OpenReport {
	o := OpenReport{Year: r.Year, Late: r.Late, Property: r.Property, Funding: r.Funding, Spending: r.Spending,
		Projects: r.Projects, Founders: make([]OpenFounder, len(r.Founders))}
	if r.SubmittedAt != nil {
		o.SubmittedAt = r.SubmittedAt.UTC()
	}
	for i, f := range r.Founders {
		o.Founders[i] = OpenFounder{Name: f.Name, SharePct: f.SharePct}
	}
	fund, spend := decimal.Zero, decimal.Zero
	for _, f := range r.Funding {
		fund = fund.Add(decimal.RequireFromString(f.Amount))
	}
	for _, s := range r.Spending {
		spend = spend.Add(decimal.RequireFromString(s.Amount))
	}
	o.FundingTotal, o.SpendingTotal = fund.StringFixed(2), spend.StringFixed(2)
	if r.Staff != nil {
		o.Staff = *r.Staff
	}
	if r.Volunteers != nil {
		o.Volunteers = *r.Volunteers
	}
	return o
}

// WriteJSON writes the open data as one JSON document.
func WriteJSON(w io.Writer, ngos []OpenNGO, generated time.Time) error {
	doc := struct {
		Title     string    `json:"title"`
		License   string    `json:"license"`
		Generated time.Time `json:"generated_at"`
		NGOs      []OpenNGO `json:"ngos"`
	}{openDataNGOsNote, openDataLicence, generated.UTC().Truncate(time.Second), ngos}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(doc)
}

// csvHeader is the first row of the CSV open data: one row per accepted
// report, and one row with empty report columns for an NGO without any.
var csvHeader = []string{"bin", "name_kk", "name_ru", "name_en", "legal_form", "registered_on", "status", "region",
	"address", "activity_areas", "report_year", "submitted_at", "late", "staff", "volunteers", "funding_total",
	"spending_total", "projects", "beneficiaries"}

// WriteCSV writes the open data as RFC 4180 CSV.
func WriteCSV(w io.Writer, ngos []OpenNGO) error {
	cw := csv.NewWriter(w)
	cw.Write(csvHeader)
	for _, n := range ngos {
		base := []string{n.BIN, n.Name["kk"], n.Name["ru"], n.Name["en"], n.LegalForm, n.RegisteredOn, n.Status,
			n.Region, n.Address, strings.Join(n.ActivityAreas, "; ")}
		if len(n.Reports) == 0 {
			cw.Write(append(base, "", "", "", "", "", "", "", "", ""))
			continue
		}
		for _, r := range n.Reports {
			benef := 0
			for _, p := range r.Projects {
				benef += p.Beneficiaries
			}
			cw.Write(append(append([]string{}, base...), strconv.Itoa(r.Year), r.SubmittedAt.Format(time.RFC3339),
				strconv.FormatBool(r.Late), strconv.Itoa(r.Staff), strconv.Itoa(r.Volunteers), r.FundingTotal,
				r.SpendingTotal, strconv.Itoa(len(r.Projects)), strconv.Itoa(benef)))
		}
	}
	cw.Flush()
	return cw.Error()
}
