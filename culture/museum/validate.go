package museum

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"ecinema/validate"
)

var (
	langRE = regexp.MustCompile(`^[a-z]{2,3}(-[A-Za-z0-9]{1,8})*$`)
	// rightsRE are the rights URIs IIIF Presentation 3 accepts (the http
	// forms of Creative Commons and RightsStatements.org).
	rightsRE = regexp.MustCompile(`^http://(creativecommons\.org/(licenses|publicdomain)/|rightsstatements\.org/vocab/)[A-Za-z0-9./_-]+$`)
)

const (
	maxText     = 500
	maxLongText = 10000
	maxList     = 50
	minYear     = -100000
	maxYear     = 2100
)

// normaliseObject checks an object and returns it in canonical form: text
// trimmed, lists never null, the path ids filled in.
func normaliseObject(mid, id string, o Object, today time.Time) (Object, error) {
	var v validate.Errors
	v.ID("museum_id", mid)
	v.ID("id", id)
	if o.MuseumID != "" && o.MuseumID != mid {
		v.Add("museum_id", "path_mismatch", "differs from the museum in the path")
	}
	if o.ID != "" && o.ID != id {
		v.Add("id", "path_mismatch", "differs from the object id in the path")
	}
	o.MuseumID, o.ID = mid, id
	o.InventoryNumber = text(&v, "inventory_number", o.InventoryNumber, true, 64)
	o.ObjectName = text(&v, "object_name", o.ObjectName, true, maxText)
	o.Title = langMap(&v, "title", o.Title, true, maxText)
	o.Description = langMap(&v, "description", o.Description, false, maxLongText)
	o.Maker = text(&v, "maker", o.Maker, false, maxText)
	o.Place = text(&v, "place", o.Place, false, maxText)
	o.Dimensions = text(&v, "dimensions", o.Dimensions, false, maxText)
	o.StateRegisterNo = text(&v, "state_register_no", o.StateRegisterNo, false, 64)
	o.Materials = textList(&v, "materials", o.Materials)
	o.Techniques = textList(&v, "techniques", o.Techniques)
	if o.Date != nil {
		o.Date.Display = text(&v, "date.display", o.Date.Display, true, maxText)
		for _, y := range []struct {
			f string
			p *int
		}{{"date.earliest", o.Date.Earliest}, {"date.latest", o.Date.Latest}} {
			if y.p != nil && (*y.p < minYear || *y.p > maxYear) {
				v.Add(y.f, "out_of_range", "must be a year between %d and %d", minYear, maxYear)
			}
		}
		if o.Date.Earliest != nil && o.Date.Latest != nil && *o.Date.Earliest > *o.Date.Latest {
			v.Add("date.latest", "out_of_range", "must not be before date.earliest")
		}
	}
	switch {
	case o.NumberOfObjects == 0:
		o.NumberOfObjects = 1
	case o.NumberOfObjects < 0 || o.NumberOfObjects > 1000000:
		v.Add("number_of_objects", "out_of_range", "must be between 1 and 1000000")
	}
	if a := o.Acquisition; a != nil {
		a.Method = text(&v, "acquisition.method", a.Method, false, maxText)
		a.Source = text(&v, "acquisition.source", a.Source, false, maxText)
		v.PastPartialDate("acquisition.date", a.Date, "invalid_date", today)
		if *a == (Acquisition{}) {
			o.Acquisition = nil
		}
	}
	if v.Required("rights", o.Rights) && !rightsRE.MatchString(o.Rights) {
		v.Add("rights", "invalid_rights", "must be an http://creativecommons.org/licenses/…, http://creativecommons.org/publicdomain/… or http://rightsstatements.org/vocab/… URI")
	}
	o.CreditLine = langMap(&v, "credit_line", o.CreditLine, false, maxText)
	if o.Published == nil {
		f := false
		o.Published = &f
	}
	return o, v.Err()
}

// normaliseEvent checks an event request.
func normaliseEvent(mid, inv string, e Event) (Event, error) {
	var v validate.Errors
	e.MuseumID, e.ObjectID = mid, inv
	v.OneOf("type", e.Type, eventTypes...)
	if e.At.IsZero() {
		v.Add("at", "required", "is required (RFC 3339)")
	}
	e.At = e.At.UTC()
	e.Location = text(&v, "location", e.Location, false, maxText)
	if slices.Contains([]string{EventObjectEntry, EventLocationChange, EventLoanOut}, e.Type) && e.Location == "" {
		v.Add("location", "required", "is required for %s", e.Type)
	}
	e.Note = text(&v, "note", e.Note, false, maxLongText)
	return e, v.Err()
}

func text(v *validate.Errors, field, s string, required bool, max int) string {
	s = strings.TrimSpace(s)
	if required && !v.Required(field, s) {
		return s
	}
	if utf8.RuneCountInString(s) > max {
		v.Add(field, "too_long", "must be at most %d characters", max)
	}
	return s
}

func textList(v *validate.Errors, field string, xs []string) []string {
	out := make([]string, 0, len(xs))
	if len(xs) > maxList {
		v.Add(field, "too_many", "at most %d entries", maxList)
		return out
	}
	for i, x := range xs {
		out = append(out, text(v, field+"["+strconv.Itoa(i)+"]", x, true, maxText))
	}
	return out
}

// langMap checks a language map: BCP 47 keys, non-empty values, and when
// required at least a Kazakh or Russian text.
func langMap(v *validate.Errors, field string, m LangMap, required bool, max int) LangMap {
	if len(m) == 0 {
		if required {
			v.Add(field, "required", `is required: {"kk":"…","ru":"…","en":"…"}`)
		}
		return nil
	}
	out := LangMap{}
	for k, s := range m {
		if !langRE.MatchString(k) {
			v.Add(field+"."+k, "invalid_language", "is not a BCP 47 language tag")
			continue
		}
		out[k] = text(v, field+"."+k, s, true, max)
	}
	if out["kk"] == "" && out["ru"] == "" && out["kk-Latn"] == "" {
		v.Add(field, "required", "needs a kk or ru text")
	}
	return out
}

// fieldError is a 400 naming one field.
func fieldError(field, code, msg string) error {
	var v validate.Errors
	v.Add(field, code, "%s", msg)
	return v.Err()
}
