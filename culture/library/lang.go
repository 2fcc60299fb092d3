package library

import (
	"errors"
	"slices"
	"strings"

	"golang.org/x/text/language"
)

// ErrLanguage is a language tag that is not well-formed BCP 47.
var ErrLanguage = errors.New("not a well-formed BCP 47 language tag")

// CanonicalLanguage returns the canonical form of a BCP 47 tag ("KK-latn"
// → "kk-Latn"), or ErrLanguage.
func CanonicalLanguage(s string) (string, error) {
	if s == "" || strings.ContainsAny(s, " _") {
		return "", ErrLanguage
	}
	t, err := language.Parse(s)
	if err != nil {
		return "", ErrLanguage
	}
	return t.String(), nil
}

// Display languages the catalogue is written in, in fallback order (kk →
// ru → en, CULTURE.md section 0); kk-Latn is Kazakh in Latin script.
var displayTags = []language.Tag{language.MustParse("kk"), language.MustParse("kk-Latn"), language.MustParse("ru"), language.MustParse("en")}

var displayMatcher = language.NewMatcher(displayTags)

// Fallback is the order in which a language map is searched after the
// asked language.
var Fallback = []string{"kk", "ru", "en"}

// Negotiate picks the display language: the lang query parameter wins over
// the Accept-Language header; anything the catalogue does not speak falls
// back to kk. It returns one of kk, kk-Latn, ru, en.
func Negotiate(langParam, acceptLanguage string) string {
	var want []language.Tag
	if langParam != "" {
		if t, err := language.Parse(langParam); err == nil {
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

// LangMap is a human-readable text in several languages, keyed by BCP 47
// tag: {"kk":"…","ru":"…","en":"…"}.
type LangMap map[string]string

// In returns the text in lang, else in lang's base language (kk for
// kk-Latn), else in kk, ru, en, else in the first language by tag order;
// and the tag it chose. An empty map gives "", "".
func (m LangMap) In(lang string) (text, tag string) {
	try := []string{lang}
	if base, _, ok := strings.Cut(lang, "-"); ok {
		try = append(try, base)
	}
	try = append(try, Fallback...)
	for _, k := range try {
		if v, ok := m[k]; ok && v != "" {
			return v, k
		}
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if m[k] != "" {
			return m[k], k
		}
	}
	return "", ""
}
