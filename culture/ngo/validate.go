package ngo

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"ecinema/culture/langmap"
	"ecinema/kztime"
	"ecinema/validate"
)

// ValidBIN reports whether s is a valid BIN: the core's check, reused.
func ValidBIN(s string) bool { return validate.BIN(s) }

// dueDate is the last day an annual report for year may be submitted
// without being late: 31 March of the next year.
func dueDate(year int) time.Time {
	return time.Date(year+1, time.March, 31, 0, 0, 0, 0, kztime.Location)
}

// isLate reports whether a report for year submitted at t is late: its
// Kazakhstan date is after 31 March of the next year.
func isLate(year int, t time.Time) bool {
	y, m, d := t.In(kztime.Location).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, kztime.Location).After(dueDate(year))
}

// LastDueYear is the year of the last report due at t: on 31 March of
// year+1 and before, the report of year-1 of that is the last one due.
func LastDueYear(t time.Time) int {
	y := t.In(kztime.Location).Year()
	if isLate(y-1, t) {
		return y - 1
	}
	return y - 2
}

var (
	maxMoney = decimal.RequireFromString("999999999999.99")
	hundred  = decimal.NewFromInt(100)
)

// checkBIN records an invalid BIN.
func checkBIN(v *validate.Errors, field, bin string) {
	if v.Required(field, bin) && !ValidBIN(bin) {
		v.Add(field, "invalid_bin", "must be 12 digits with a valid check digit")
	}
}

// normaliseNGO checks an NGO and returns it in canonical form.
func normaliseNGO(bin string, n NGO) (NGO, error) {
	var v validate.Errors
	checkBIN(&v, "bin", bin)
	if n.BIN != "" && n.BIN != bin {
		v.Add("bin", "path_mismatch", "must equal the BIN of the path, %q", bin)
	}
	n.BIN, n.Version = bin, 0
	langmap.Check(&v, "name", n.Name)
	v.OneOf("legal_form", n.LegalForm, legalForms...)
	if d := v.Date("registered_on", n.RegisteredOn); !d.IsZero() && d.Year() < 1900 {
		v.Add("registered_on", "out_of_range", "must be after 1900")
	}
	v.OneOf("status", n.Status, Statuses...)
	v.Required("region", n.Region)
	n.Address = strings.TrimSpace(n.Address)
	v.Required("address", n.Address)
	areas := []string{}
	for i, a := range n.ActivityAreas {
		a = strings.TrimSpace(a)
		if a == "" || len(a) > 200 {
			v.Add(fmt.Sprintf("activity_areas[%d]", i), "invalid_value", "must be 1..200 characters")
		} else if !slices.Contains(areas, a) {
			areas = append(areas, a)
		}
	}
	n.ActivityAreas = areas
	return n, v.Err()
}

// normaliseReport checks a report body.
func normaliseReport(year, thisYear int, r ReportInput) (ReportInput, error) {
	var v validate.Errors
	if year < 1991 || year > thisYear {
		v.Add("year", "out_of_range", "must be between 1991 and %d", thisYear)
	}
	shares := decimal.Zero
	for i, f := range r.Founders {
		p := fmt.Sprintf("founders[%d]", i)
		r.Founders[i].Name = strings.TrimSpace(f.Name)
		v.Required(p+".name", r.Founders[i].Name)
		checkBIN(&v, p+".id_number", f.IDNumber)
		shares = shares.Add(v.Percent(p+".share_pct", f.SharePct))
	}
	if shares.GreaterThan(hundred) {
		v.Add("founders", "out_of_range", "founders' shares add up to %s%%, over 100", shares)
	}
	r.Property = strings.TrimSpace(r.Property)
	for i, f := range r.Funding {
		p := fmt.Sprintf("funding[%d]", i)
		v.OneOf(p+".source", f.Source, fundingSources...)
		v.Money(p+".amount", f.Amount, decimal.Zero, maxMoney)
	}
	for i, s := range r.Spending {
		p := fmt.Sprintf("spending[%d]", i)
		r.Spending[i].Direction = strings.TrimSpace(s.Direction)
		v.Required(p+".direction", r.Spending[i].Direction)
		v.Money(p+".amount", s.Amount, decimal.Zero, maxMoney)
	}
	count := func(field string, n *int) {
		switch {
		case n == nil:
			v.Add(field, "required", "is required (0 or more)")
		case *n < 0 || *n > 1000000:
			v.Add(field, "out_of_range", "must be between 0 and 1000000")
		}
	}
	count("staff", r.Staff)
	count("volunteers", r.Volunteers)
	for i, pr := range r.Projects {
		p := fmt.Sprintf("projects[%d]", i)
		r.Projects[i].Title = strings.TrimSpace(pr.Title)
		v.Required(p+".title", r.Projects[i].Title)
		v.Money(p+".amount", pr.Amount, decimal.Zero, maxMoney)
		if pr.Beneficiaries < 0 {
			v.Add(p+".beneficiaries", "out_of_range", "must be 0 or more")
		}
	}
	if r.Founders == nil {
		r.Founders = []Founder{}
	}
	if r.Funding == nil {
		r.Funding = []Funding{}
	}
	if r.Spending == nil {
		r.Spending = []Spending{}
	}
	if r.Projects == nil {
		r.Projects = []Project{}
	}
	return r, v.Err()
}
