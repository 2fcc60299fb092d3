// Package csvsafe protects CSV cells so that a spreadsheet opens them as
// data, never as formulas.
//
// A text cell starting with = + - @ (or a tab or carriage return, which
// some spreadsheets skip before looking) is run as a formula when the file
// is opened ("CSV injection"); a party or film name is typed by people, so
// such a cell gets a leading apostrophe, the OWASP mitigation. Numbers,
// negative ones included, are written unchanged so that they stay numbers.
package csvsafe

import "regexp"

var number = regexp.MustCompile(`^[+-]?[0-9]+(\.[0-9]+)?$`)

// Cell returns s as it should be written: with a leading apostrophe when it
// is text a spreadsheet would read as a formula.
func Cell(s string) string {
	if s == "" || number.MatchString(s) {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}
