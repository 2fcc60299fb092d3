package validate

import (
	"regexp"

	"golang.org/x/text/language"
)

var countryPattern = regexp.MustCompile(`^[A-Z]{2}$`)

// Country reports whether c is an assigned ISO 3166-1 alpha-2 country code
// in capitals: not only its shape, so "XX" (user-assigned), "EU", "UN" or
// "UK" (reserved; the United Kingdom is GB) are refused, while SU is kept
// for Soviet-era films.
func Country(c string) bool {
	if !countryPattern.MatchString(c) {
		return false
	}
	r, err := language.ParseRegion(c)
	return err == nil && r.IsCountry() && r.ISO3() != "ZZZ"
}
