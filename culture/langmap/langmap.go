// Package langmap is the language map of the culture modules
// (CULTURE.md section 0): a human-readable name or title as
// {"kk":"…","ru":"…","en":"…"}, keyed by BCP 47 tags, served in the
// language the client asks for with the fallback kk → ru → en.
//
// Invariants: a valid map has at least one of kk (or kk-Latn) and ru, no
// empty value, and only the keys kk, kk-Latn, ru and en.
package langmap

import (
	"sort"
	"strings"

	"ecinema/validate"
)

// Map is a text in several languages.
type Map map[string]string

// allowed lists the keys a map may hold.
var allowed = map[string]bool{"kk": true, "kk-Latn": true, "ru": true, "en": true}

// Check records the problems of a required map under field.
func Check(errs *validate.Errors, field string, m Map) {
	if len(m) == 0 {
		errs.Add(field, "required", "is required: a language map like {\"kk\":\"…\",\"ru\":\"…\"}")
		return
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !allowed[k] {
			errs.Add(field+"."+k, "invalid_language", "language must be one of kk, kk-Latn, ru, en")
		} else if strings.TrimSpace(m[k]) == "" || len(m[k]) > 2000 {
			errs.Add(field+"."+k, "invalid_value", "must be 1..2000 characters")
		}
	}
	if m["kk"] == "" && m["kk-Latn"] == "" && m["ru"] == "" {
		errs.Add(field, "required", "needs at least one of kk and ru")
	}
}

// Optional is Check for a map that may be absent.
func Optional(errs *validate.Errors, field string, m Map) {
	if m != nil {
		Check(errs, field, m)
	}
}

// Pick returns the text in lang, else falling back kk → kk-Latn → ru → en.
func (m Map) Pick(lang string) string {
	if s := m[lang]; s != "" {
		return s
	}
	if base, _, ok := strings.Cut(lang, "-"); ok && m[base] != "" {
		return m[base]
	}
	for _, k := range []string{"kk", "kk-Latn", "ru", "en"} {
		if s := m[k]; s != "" {
			return s
		}
	}
	return ""
}

// Negotiate returns the language a request asks for: the query's lang
// wins over the first tag of Accept-Language; "" when neither names one.
func Negotiate(query, acceptLanguage string) string {
	if query != "" {
		return query
	}
	first, _, _ := strings.Cut(acceptLanguage, ",")
	first, _, _ = strings.Cut(first, ";")
	return strings.TrimSpace(first)
}
