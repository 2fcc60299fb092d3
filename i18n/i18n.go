// Package i18n chooses the language of what people read — error messages,
// statement and export titles and headers, film titles — among the three
// the service speaks: Kazakh (kk), Russian (ru) and English (en).
//
// The choice is made once per request (Negotiate: ?lang= wins over
// Accept-Language; English when neither names one of the three) and passed
// down as a Lang value; domain packages never read headers. Field names,
// error codes and JSON keys are not translated: programs match on them.
// Number formats follow the language: en 1,234.56; kk and ru 1 234,56 with a
// no-break space, as Kazakh and Russian accountants write them.
package i18n

import (
	"strings"

	"golang.org/x/text/language"
)

// Lang is one of the three languages.
type Lang string

// The languages.
const (
	KK Lang = "kk"
	RU Lang = "ru"
	EN Lang = "en"
)

// Default is the language when the request names none of the three.
const Default = EN

var matcher = language.NewMatcher([]language.Tag{language.English, language.Kazakh, language.Russian})

// Parse returns the language named by s ("kk", "ru", "en", case-insensitive,
// with or without a region such as "ru-KZ") and whether s named one.
func Parse(s string) (Lang, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	if i := strings.IndexAny(s, "-_"); i > 0 {
		s = s[:i]
	}
	switch Lang(s) {
	case KK, RU, EN:
		return Lang(s), true
	}
	return Default, false
}

// Negotiate returns the language of a request: the lang query parameter
// when it names one of the three, else the best match of the
// Accept-Language header, else English.
func Negotiate(query, acceptLanguage string) Lang {
	if l, ok := Parse(query); ok {
		return l
	}
	l, _ := Match(acceptLanguage)
	return l
}

// Match returns the best of the three for an Accept-Language header (by
// quality, a regional or related language matching its language) and
// whether any matched; Default when none did.
func Match(acceptLanguage string) (Lang, bool) {
	if acceptLanguage == "" {
		return Default, false
	}
	tags, _, err := language.ParseAcceptLanguage(acceptLanguage)
	if err != nil || len(tags) == 0 {
		return Default, false
	}
	_, idx, conf := matcher.Match(tags...)
	if conf == language.No {
		return Default, false
	}
	return [...]Lang{EN, KK, RU}[idx], true
}

// Pick returns the text of l among the three (English when l's is empty).
func (l Lang) Pick(kk, ru, en string) string {
	switch l {
	case KK:
		if kk != "" {
			return kk
		}
	case RU:
		if ru != "" {
			return ru
		}
	}
	return en
}

// Text is a phrase in the three languages.
type Text struct{ KK, RU, EN string }

// In returns t in l.
func (t Text) In(l Lang) string { return l.Pick(t.KK, t.RU, t.EN) }

// FormatMoney writes a decimal string with two fraction digits ("-1234567.80")
// with thousands grouped as l writes them: "-1,234,567.80" in English,
// "-1 234 567,80" (no-break spaces) in Kazakh and Russian.
func (l Lang) FormatMoney(fixed2 string) string {
	return l.group(fixed2)
}

// FormatInt groups the digits of an integer's decimal text as FormatMoney.
func (l Lang) FormatInt(digits string) string { return l.group(digits) }

func (l Lang) group(s string) string {
	sep, dot := ",", "."
	if l == KK || l == RU {
		sep, dot = "\u00a0", ","
	}
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	intPart, frac, hasFrac := strings.Cut(s, ".")
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, c := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteString(sep)
		}
		b.WriteRune(c)
	}
	if hasFrac {
		b.WriteString(dot)
		b.WriteString(frac)
	}
	return b.String()
}
