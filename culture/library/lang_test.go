package library

import "testing"

func TestCanonicalLanguage(t *testing.T) {
	for in, want := range map[string]string{"kk": "kk", "KK-latn": "kk-Latn", "kk-Cyrl-KZ": "kk-Cyrl-KZ", "ru-RU": "ru-RU", "en": "en"} {
		if got, err := CanonicalLanguage(in); err != nil || got != want {
			t.Errorf("CanonicalLanguage(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "kazakh language", "kk_KZ", "k", "12"} {
		if _, err := CanonicalLanguage(bad); err == nil {
			t.Errorf("CanonicalLanguage(%q) accepted", bad)
		}
	}
}
