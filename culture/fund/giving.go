package fund

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/jackc/pgx/v5"

	"ecinema/culture/langmap"
)

// givingPrefix is the start of every 360Giving grant id the fund publishes:
// the standard's "360G-" and the fund's own prefix.
const givingPrefix = "360G-kzcidf-"

// givingVersion is the 360Giving schema version the export follows.
const givingVersion = "1.4"

// GivingPackage is a 360Giving data package.
type GivingPackage struct {
	Version string        `json:"version"`
	Grants  []GivingGrant `json:"grants"`
}

// GivingOrg is a 360Giving Organization.
type GivingOrg struct {
	ID             string `json:"id"`
	Name           string `json:"name"`
	AddressRegion  string `json:"addressRegion,omitempty"`
	AddressCountry string `json:"addressCountry,omitempty"`
}

// GivingGrant is one award as a 360Giving grant.
type GivingGrant struct {
	ID                    string           `json:"id"`
	Title                 string           `json:"title"`
	Description           string           `json:"description"`
	Currency              string           `json:"currency"`
	AmountAppliedFor      json.Number      `json:"amountAppliedFor"`
	AmountAwarded         json.Number      `json:"amountAwarded"`
	AmountDisbursed       json.Number      `json:"amountDisbursed"`
	AwardDate             string           `json:"awardDate"`
	PlannedDates          []GivingDates    `json:"plannedDates"`
	RecipientOrganization []GivingOrg      `json:"recipientOrganization"`
	FundingOrganization   []GivingOrg      `json:"fundingOrganization"`
	BeneficiaryLocation   []GivingLocation `json:"beneficiaryLocation"`
	GrantProgramme        []GivingCode     `json:"grantProgramme"`
	Classifications       []GivingClass    `json:"classifications,omitempty"`
	FromOpenCall          string           `json:"fromOpenCall"`
	DateModified          string           `json:"dateModified"`
}

// GivingDates is a 360Giving Event (a date range).
type GivingDates struct {
	StartDate string `json:"startDate"`
	EndDate   string `json:"endDate,omitempty"`
}

// GivingLocation is a 360Giving Location: the region the project serves,
// by its ISO 3166-2:KZ code.
type GivingLocation struct {
	Name        string `json:"name"`
	CountryCode string `json:"countryCode"`
	GeoCode     string `json:"geoCode"`
}

// GivingCode is a 360Giving GrantProgramme: the call.
type GivingCode struct {
	Code  string `json:"code"`
	Title string `json:"title"`
}

// GivingClass is a 360Giving Classification: the project's sector.
type GivingClass struct {
	Vocabulary string `json:"vocabulary"`
	Code       string `json:"code"`
	Title      string `json:"title"`
}

// orgID is the 360Giving org-id of a Kazakhstan organisation by its BIN.
func orgID(bin string) string { return "KZ-BIN-" + bin }

const selectGiving = `SELECT g.id, a.title, a.summary, a.amount_requested::text, g.amount::text,
  (SELECT COALESCE(sum(d.amount), 0) FROM fund_disbursements d WHERE d.grant_id = g.id)::numeric(16,2)::text,
  g.awarded_on::text, c.closes::text, g.bin, a.applicant_name, r.code, r.name_en, c.id, c.title, a.sector,
  GREATEST(g.recorded_at, (SELECT max(d.recorded_at) FROM fund_disbursements d WHERE d.grant_id = g.id))
FROM fund_grants g JOIN fund_applications a ON a.id = g.application_id JOIN fund_calls c ON c.id = g.call_id
JOIN regions r ON r.code = a.region ORDER BY g.awarded_on, g.id`

// Giving returns every award as a 360Giving data package.
func (s *Service) Giving(ctx context.Context) (GivingPackage, error) {
	rows, err := s.pool.Query(ctx, selectGiving)
	if err != nil {
		return GivingPackage{}, fmt.Errorf("fund: 360giving: %w", err)
	}
	funder := []GivingOrg{{ID: orgID(s.cfg.Funder.BIN), Name: s.cfg.Funder.Name, AddressCountry: "KZ"}}
	grants, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (GivingGrant, error) {
		var g GivingGrant
		var id, applied, awarded, paid, closes, bin, name, region, regionName, callID, sector string
		var title langmap.Map
		var modified time.Time
		if err := r.Scan(&id, &g.Title, &g.Description, &applied, &awarded, &paid, &g.AwardDate, &closes, &bin, &name,
			&region, &regionName, &callID, &title, &sector, &modified); err != nil {
			return g, err
		}
		if name == "" {
			name = "BIN " + bin
		}
		g.ID, g.Currency, g.FromOpenCall = givingPrefix+id, "KZT", "Yes"
		g.AmountAppliedFor, g.AmountAwarded, g.AmountDisbursed = json.Number(applied), json.Number(awarded), json.Number(paid)
		g.PlannedDates = []GivingDates{{StartDate: g.AwardDate}}
		g.RecipientOrganization = []GivingOrg{{ID: orgID(bin), Name: name, AddressRegion: regionName, AddressCountry: "KZ"}}
		g.FundingOrganization = funder
		g.BeneficiaryLocation = []GivingLocation{{Name: regionName, CountryCode: "KZ", GeoCode: region}}
		g.GrantProgramme = []GivingCode{{Code: callID, Title: title.Pick("en")}}
		g.Classifications = []GivingClass{{Vocabulary: "KZ-CIDF-sector", Code: sector, Title: sector}}
		g.DateModified = modified.UTC().Format(time.RFC3339)
		return g, nil
	})
	if err != nil {
		return GivingPackage{}, fmt.Errorf("fund: 360giving: %w", err)
	}
	return GivingPackage{Version: givingVersion, Grants: grants}, nil
}

// WriteGiving writes a 360Giving package as JSON.
func WriteGiving(w io.Writer, p GivingPackage) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(p)
}
