// Package langmap is the language map of the culture modules
// (CULTURE.md section 0): a human-readable name or title as
// {"kk":"…","ru":"…","en":"…"}, keyed by BCP 47 tags, served in the
// language the client asks for with the fallback kk → ru → en.
//
// Invariants: a valid map has at least one of kk (or kk-Latn) and ru, no
// empty value, and only the keys kk, kk-Latn, ru and en.
package langmap

import (
	"maps"
	"slices"
	"sort"
	"strings"

	"golang.org/x/text/language"

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

// Pick returns the text in lang (In without the tag).
func (m Map) Pick(lang string) string {
	text, _ := m.In(lang)
	return text
}

// fallback is the order in which a map is searched after the asked
// language and its base language: Kazakh (Cyrillic, then Latin), Russian,
// English (CULTURE.md section 0).
var fallback = []string{"kk", "kk-Latn", "ru", "en"}

// In returns the text in lang, else in lang's base language (kk for
// kk-Latn), else the first of fallback, else in the first language by tag
// order; and the tag it chose. An empty map gives "", "".
func (m Map) In(lang string) (text, tag string) {
	try := []string{lang}
	if base, _, ok := strings.Cut(lang, "-"); ok {
		try = append(try, base)
	}
	for _, k := range append(try, fallback...) {
		if v := m[k]; v != "" {
			return v, k
		}
	}
	for _, k := range slices.Sorted(maps.Keys(m)) {
		if m[k] != "" {
			return m[k], k
		}
	}
	return "", ""
}

// The display languages, in fallback order.
var displayTags = []language.Tag{language.MustParse("kk"), language.MustParse("kk-Latn"), language.MustParse("ru"), language.MustParse("en")}

var displayMatcher = language.NewMatcher(displayTags)

// Negotiate picks the display language of a request: the lang query
// parameter wins over the Accept-Language header (its best supported tag,
// by quality); anything not spoken falls back to kk. It returns one of kk,
// kk-Latn, ru, en.
func Negotiate(query, acceptLanguage string) string {
	var want []language.Tag
	if query != "" {
		if t, err := language.Parse(query); err == nil {
			want = []language.Tag{t}
		}
	}
	if want == nil && acceptLanguage != "" {
		want, _, _ = language.ParseAcceptLanguage(acceptLanguage)
	}
	if len(want) == 0 {
		return "kk"
	}
	_, i, conf := displayMatcher.Match(want...)
	if conf == language.No {
		return "kk"
	}
	return displayTags[i].String()
}
