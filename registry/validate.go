package registry

import (
	"strconv"
	"strings"

	"github.com/shopspring/decimal"

	"ecinema/validate"
)

var maxExpenses = decimal.RequireFromString("999999999999.99")

// normaliseParty checks a party and returns it in canonical form.
func normaliseParty(id string, p Party) (Party, error) {
	var v validate.Errors
	v.ID("id", id)
	samePath(&v, "id", p.ID, id)
	p.ID, p.Version = id, 0
	v.OneOf("kind", p.Kind, KindProducer, KindDistributor, KindExhibitor, KindRightsHolder)
	p.Name = strings.TrimSpace(p.Name)
	v.Required("name", p.Name)
	if v.Required("bin", p.BIN) && !ValidBIN(p.BIN) {
		v.Add("bin", "invalid_bin", "must be 12 digits with a valid check digit")
	}
	return p, v.Err()
}

// normaliseCinema checks a cinema and returns it in canonical form.
func normaliseCinema(id string, c Cinema) (Cinema, error) {
	var v validate.Errors
	v.ID("id", id)
	samePath(&v, "id", c.ID, id)
	c.ID, c.Version = id, 0
	c.Name, c.City = strings.TrimSpace(c.Name), strings.TrimSpace(c.City)
	v.Required("name", c.Name)
	v.ID("exhibitor_id", c.ExhibitorID)
	v.Required("region", c.Region)
	v.Required("city", c.City)
	if c.VATPayer == nil {
		v.Add("vat_payer", "required", "is required (true or false)")
	}
	if c.EffectiveFrom != "" {
		v.OperationalDate("effective_from", c.EffectiveFrom)
	}
	if len(c.Halls) == 0 {
		v.Add("halls", "required", "a cinema has at least one hall")
	}
	seen := map[string]bool{}
	for i, h := range c.Halls {
		f := "halls[" + strconv.Itoa(i) + "]"
		v.ID(f+".id", h.ID)
		if seen[h.ID] {
			v.Add(f+".id", "duplicate", "hall %q appears twice", h.ID)
		}
		seen[h.ID] = true
		c.Halls[i].Name = strings.TrimSpace(h.Name)
		v.Required(f+".name", c.Halls[i].Name)
		if h.Seats <= 0 || h.Seats > 10000 {
			v.Add(f+".seats", "out_of_range", "must be between 1 and 10000")
		}
	}
	return c, v.Err()
}

// normaliseFilm checks a film and returns it in canonical form: trimmed
// text, percentages without trailing zeros, amounts with two decimals.
func normaliseFilm(id string, f Film) (Film, error) {
	var v validate.Errors
	v.ID("id", id)
	samePath(&v, "id", f.ID, id)
	f.ID, f.Version = id, 0
	f.Title = Title{KK: strings.TrimSpace(f.Title.KK), RU: strings.TrimSpace(f.Title.RU), EN: strings.TrimSpace(f.Title.EN)}
	v.Required("title.kk", f.Title.KK)
	v.Required("title.ru", f.Title.RU)
	v.Required("title.en", f.Title.EN)
	v.OneOf("origin", f.Origin, origins...)
	if f.EffectiveFrom != "" {
		v.OperationalDate("effective_from", f.EffectiveFrom)
	}
	if len(f.Countries) == 0 {
		v.Add("countries", "required", "at least one ISO 3166-1 alpha-2 country code")
	}
	for i, c := range f.Countries {
		if !isCountry(c) {
			v.Add("countries["+strconv.Itoa(i)+"]", "invalid_country", "%q is not an ISO 3166-1 alpha-2 country code like KZ, RU or GB", c)
		}
	}
	v.Date("release_date", f.ReleaseDate)
	if f.RuntimeMin <= 0 || f.RuntimeMin > 1000 {
		v.Add("runtime_min", "out_of_range", "must be between 1 and 1000 minutes")
	}
	v.OneOf("age_rating", f.AgeRating, ageRatings...)
	f.Certificate.Number = strings.TrimSpace(f.Certificate.Number)
	v.Required("certificate.number", f.Certificate.Number)
	from := v.Date("certificate.valid_from", f.Certificate.ValidFrom)
	to := v.Date("certificate.valid_to", f.Certificate.ValidTo)
	if !from.IsZero() && !to.IsZero() && to.Before(from) {
		v.Add("certificate.valid_to", "before_valid_from", "must not be before valid_from")
	}
	v.ID("producer_id", f.ProducerID)
	v.ID("distributor_id", f.DistributorID)
	f.DistributionFeePct = v.Percent("distribution_fee_pct", f.DistributionFeePct).String()
	f.RecoupableExpenses = v.Money("recoupable_expenses", f.RecoupableExpenses, decimal.Zero, maxExpenses).StringFixed(2)
	royalty := v.Percent("royalty_pct", f.RoyaltyPct)
	f.RoyaltyPct = royalty.String()
	if f.RightsHolders == nil {
		f.RightsHolders = []RightsShare{}
	}
	if royalty.IsPositive() && len(f.RightsHolders) == 0 {
		v.Add("rights_holders", "required", "a film with a royalty needs rights holders to receive it")
	}
	sum := decimal.Zero
	seen := map[string]bool{}
	for i, r := range f.RightsHolders {
		p := "rights_holders[" + strconv.Itoa(i) + "]"
		v.ID(p+".party_id", r.PartyID)
		f.RightsHolders[i].Role = strings.TrimSpace(r.Role)
		v.Required(p+".role", f.RightsHolders[i].Role)
		if seen[r.PartyID+"\x00"+f.RightsHolders[i].Role] {
			v.Add(p, "duplicate", "party %q appears twice in role %q", r.PartyID, r.Role)
		}
		seen[r.PartyID+"\x00"+f.RightsHolders[i].Role] = true
		share := v.Percent(p+".share_pct", r.SharePct)
		f.RightsHolders[i].SharePct = share.String()
		sum = sum.Add(share)
	}
	if len(f.RightsHolders) > 0 && !sum.Equal(decimal.NewFromInt(100)) {
		v.Add("rights_holders", "shares_not_100", "share_pct must sum to 100, not %s", sum)
	}
	f.RentalTerms = normaliseScale(&v, "rental_terms", f.RentalTerms)
	return f, v.Err()
}

// normaliseRentalTerms checks a per-exhibitor override.
func normaliseRentalTerms(filmID, exhibitorID string, t RentalTerms) (RentalTerms, error) {
	var v validate.Errors
	v.ID("film_id", filmID)
	v.ID("exhibitor_id", exhibitorID)
	samePath(&v, "film_id", t.FilmID, filmID)
	samePath(&v, "exhibitor_id", t.ExhibitorID, exhibitorID)
	t.FilmID, t.ExhibitorID, t.Version = filmID, exhibitorID, 0
	v.OperationalDate("effective_from", t.EffectiveFrom)
	t.Scale = normaliseScale(&v, "scale", t.Scale)
	return t, v.Err()
}

// samePath refuses a body that names another resource than its path. The
// read-only fields a GET returns (id, version) may be sent back unchanged,
// so a client can GET, edit and PUT; version is ignored.
func samePath(v *validate.Errors, field, body, path string) {
	if body != "" && body != path {
		v.Add(field, "path_mismatch", "the body says %q but the path says %q", body, path)
	}
}

// normaliseScale checks a rental scale: it starts at week 1, from_week
// ascends strictly and every percentage is within 0..100.
// maxFromWeek is the latest release week a rental step may start: ten
// years of weeks, beyond any theatrical run (and within PostgreSQL's int,
// which a larger number overflowed with a 500).
const maxFromWeek = 520

func normaliseScale(v *validate.Errors, field string, scale []RentalStep) []RentalStep {
	if len(scale) == 0 {
		v.Add(field, "required", "at least one step, starting at from_week 1")
		return []RentalStep{}
	}
	for i, s := range scale {
		p := field + "[" + strconv.Itoa(i) + "]"
		switch {
		case i == 0 && s.FromWeek != 1:
			v.Add(p+".from_week", "must_start_at_1", "the first step starts at week 1")
		case s.FromWeek < 1 || s.FromWeek > maxFromWeek:
			v.Add(p+".from_week", "out_of_range", "must be between 1 and %d", maxFromWeek)
		case i > 0 && s.FromWeek <= scale[i-1].FromWeek:
			v.Add(p+".from_week", "not_ascending", "must be greater than the previous step's from_week")
		}
		scale[i].DistributorPct = v.Percent(p+".distributor_pct", s.DistributorPct).String()
	}
	return scale
}

// ValidBIN is validate.BIN, the SPEC 2 check-digit rule, under the name
// the core's callers use.
var ValidBIN = validate.BIN

// isCountry is validate.Country: an assigned ISO 3166-1 alpha-2 code.
var isCountry = validate.Country
