package library

import (
	"errors"
	"strings"

	"golang.org/x/text/language"

	"ecinema/culture/langmap"
)

// errLanguage is a language tag that is not well-formed BCP 47.
var errLanguage = errors.New("not a well-formed BCP 47 language tag")

// CanonicalLanguage returns the canonical form of a BCP 47 tag ("KK-latn"
// → "kk-Latn"), or errLanguage.
func CanonicalLanguage(s string) (string, error) {
	if s == "" || strings.ContainsAny(s, " _") {
		return "", errLanguage
	}
	t, err := language.Parse(s)
	if err != nil {
		return "", errLanguage
	}
	return t.String(), nil
}

// LangMap is a human-readable text in several languages, keyed by BCP 47
// tag: {"kk":"…","ru":"…","en":"…"}; the culture modules' langmap.Map.
type LangMap = langmap.Map
