package i18n

import "testing"

func TestNegotiate(t *testing.T) {
	for _, c := range []struct {
		query, accept string
		want          Lang
	}{
		{"", "", EN},
		{"ru", "kk", RU},
		{"KK", "", KK},
		{"xx", "ru-RU,ru;q=0.9,en;q=0.8", RU},
		{"", "kk-KZ", KK},
		{"", "de-DE,kk;q=0.5", KK},
		{"", "de-DE", EN},
		{"", "en-GB,ru;q=0.3", EN},
		{"", "garbage;;;", EN},
	} {
		if got := Negotiate(c.query, c.accept); got != c.want {
			t.Errorf("Negotiate(%q, %q) = %s, want %s", c.query, c.accept, got, c.want)
		}
	}
}

// TestMatch: the header alone, and whether it named a language the
// service speaks (the pages fall back to kk, the API to en).
func TestMatch(t *testing.T) {
	for _, c := range []struct {
		accept string
		want   Lang
		ok     bool
	}{
		{"", EN, false},
		{"de-DE", EN, false},
		{"*", EN, false},
		{"de-DE,kk;q=0.5", KK, true},
		{"en-US", EN, true},
		{"be", RU, true}, // Belarusian readers read Russian
	} {
		if got, ok := Match(c.accept); got != c.want || ok != c.ok {
			t.Errorf("Match(%q) = %s, %v; want %s, %v", c.accept, got, ok, c.want, c.ok)
		}
	}
}

func TestFormatMoney(t *testing.T) {
	for _, c := range []struct {
		l       Lang
		in, out string
	}{
		{EN, "272909100.00", "272,909,100.00"},
		{RU, "272909100.00", "272\u00a0909\u00a0100,00"},
		{KK, "-1234.50", "-1\u00a0234,50"},
		{EN, "999.99", "999.99"},
		{EN, "-100.00", "-100.00"},
		{EN, "0.00", "0.00"},
	} {
		if got := c.l.FormatMoney(c.in); got != c.out {
			t.Errorf("%s FormatMoney(%s) = %q, want %q", c.l, c.in, got, c.out)
		}
	}
	if got := RU.FormatInt("1465"); got != "1\u00a0465" {
		t.Errorf("FormatInt = %q", got)
	}
}
