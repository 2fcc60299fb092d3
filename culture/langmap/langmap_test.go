package langmap

import "testing"

func TestNegotiate(t *testing.T) {
	for _, c := range []struct{ param, accept, want string }{
		{"", "", "kk"},                        // nothing asked: Kazakh
		{"ru", "", "ru"},                      // ?lang=
		{"en", "ru-RU,ru;q=0.9", "en"},        // ?lang= wins over Accept-Language
		{"", "ru-RU,ru;q=0.9,en;q=0.8", "ru"}, // regional variant matches its language
		{"", "en-GB", "en"},                   //
		{"", "kk-Latn", "kk-Latn"},            // Latin-script Kazakh
		{"kk-latn", "", "kk-Latn"},            // case-insensitive
		{"", "kk-KZ", "kk"},                   // region
		{"", "de-DE,fr;q=0.5", "kk"},          // nothing spoken: fallback kk
		{"de", "ru", "kk"},                    // ?lang= wins even when unsupported (fallback)
		{"", "de;q=1, ru;q=0.5", "ru"},        // the best supported language among several
		{"", "*", "kk"},                       // wildcard
		{"!!", "en", "en"},                    // a malformed ?lang= is ignored here (the API refuses it)
		{"", "uz-Cyrl-UZ,ru;q=0.3", "ru"},     //
	} {
		if got := Negotiate(c.param, c.accept); got != c.want {
			t.Errorf("Negotiate(%q, %q) = %q, want %q", c.param, c.accept, got, c.want)
		}
	}
}

func TestMapIn(t *testing.T) {
	full := Map{"kk": "Абай жолы", "kk-Latn": "Abai joly", "ru": "Путь Абая", "en": "The Path of Abai"}
	for _, c := range []struct {
		m              Map
		lang, want, at string
	}{
		{full, "kk", "Абай жолы", "kk"},
		{full, "kk-Latn", "Abai joly", "kk-Latn"},
		{full, "ru", "Путь Абая", "ru"},
		{full, "en", "The Path of Abai", "en"},
		{Map{"kk": "Қан мен тер", "ru": "Кровь и пот"}, "kk-Latn", "Қан мен тер", "kk"},      // script falls back to the language
		{Map{"kk": "Қан мен тер", "ru": "Кровь и пот"}, "en", "Қан мен тер", "kk"},           // fallback kk → ru → en
		{Map{"kk-Latn": "Qan men ter", "ru": "Кровь и пот"}, "en", "Qan men ter", "kk-Latn"}, // Kazakh in either script before ru
		{Map{"ru": "Кровь и пот", "en": "Blood and Sweat"}, "kk", "Кровь и пот", "ru"},       // no kk: ru
		{Map{"en": "Blood and Sweat", "de": "Blut und Schweiß"}, "kk", "Blood and Sweat", "en"},
		{Map{"de": "Blut und Schweiß", "fr": "Sang et sueur"}, "kk", "Blut und Schweiß", "de"}, // first tag
		{Map{}, "kk", "", ""},
	} {
		got, at := c.m.In(c.lang)
		if got != c.want || at != c.at {
			t.Errorf("%v.In(%q) = %q (%s), want %q (%s)", c.m, c.lang, got, at, c.want, c.at)
		}
	}
}
