package web

import (
	"testing"

	"github.com/shopspring/decimal"
)

func TestMoneyByLanguage(t *testing.T) {
	for _, tc := range []struct{ lang, in, want string }{
		{"en", "1234567.89", "1,234,567.89"},
		{"ru", "1234567.89", "1\u00a0234\u00a0567,89"},
		{"kk", "-0.01", "\u22120,01"},
		{"en", "100.00", "100.00"},
	} {
		if got := money(tc.lang, decimal.RequireFromString(tc.in)); got != tc.want {
			t.Errorf("money(%s, %s) = %q, want %q", tc.lang, tc.in, got, tc.want)
		}
	}
	if got := count("ru", 44287); got != "44\u00a0287" {
		t.Errorf("count = %q", got)
	}
}
