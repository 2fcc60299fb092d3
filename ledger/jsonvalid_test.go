package ledger

import (
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"
)

var jsonSamples = []string{
	`{}`, `[]`, `{"a":1}`, ` {"a" : [1, 2.5, -0, 1e10, 1E-2, -3.25e+7, true, false, null, "x\"\\\/\b\f\n\r\t\u00e9\uD83D"]} `,
	`{"cinema_id":"c1","n":[1,2,{"x":"\u0041"}],"e":{},"l":[]}`, `"s"`, `0`, `-1.5`, `true`, `null`,
	`{"a":01}`, `{"a":1.}`, `{"a":.5}`, `{"a":-}`, `{"a":1e}`, `{"a":+1}`, `{"a":"\x"}`, `{"a":"\u12"}`,
	`{"a":"` + "\x01" + `"}`, `{"a":"é"}`, `{"a":"` + "\xff" + `"}`, `{a:1}`, `{"a":1,}`, `[1,]`, `[,1]`,
	`{"a" 1}`, `{"a":1 "b":2}`, `{"a":[}`, `{"a":{]}`, `{"a":1}}`, `{"a":1}{}`, `[[]`, `tru`, `nul`, `falsey`,
	`{"note":"` + strings.Repeat("abcdefgh", 5) + `\"` + strings.Repeat("é", 9) + `\\xyz\u00e9` + strings.Repeat("ijklmnop", 3) + `","b":"` + strings.Repeat("q", 17) + `"}`,
	`{"a":1}` + "\n", "\t[1]\r", ``, ` `, `{"a":NaN}`, `{"a":"unterminated`, `["\`, `{"":""}`,
	strings.Repeat("[", 10000) + strings.Repeat("]", 10000), strings.Repeat("[", 10001) + strings.Repeat("]", 10001),
}

// TestValidJSONAgreesWithEncodingJSON checks validJSON against json.Valid
// on edge cases and on many random mutations of them.
func TestValidJSONAgreesWithEncodingJSON(t *testing.T) {
	for _, s := range jsonSamples {
		if got, want := validJSON([]byte(s)), json.Valid([]byte(s)); got != want {
			t.Errorf("validJSON(%.80q) = %v, json.Valid %v", s, got, want)
		}
	}
	r := rand.New(rand.NewPCG(3, 4))
	alphabet := []byte(`{}[]":,.-+eE0123456789 tfnalsru\/bx` + "\x00\x1f\n\xc3\xa9")
	for i := 0; i < 200000; i++ {
		m := []byte(jsonSamples[r.IntN(len(jsonSamples)-2)])
		for k := 0; k <= r.IntN(3); k++ {
			switch {
			case len(m) > 0 && r.IntN(3) == 0:
				m[r.IntN(len(m))] = alphabet[r.IntN(len(alphabet))]
			case len(m) > 0 && r.IntN(2) == 0:
				j := r.IntN(len(m))
				m = append(m[:j], m[j+1:]...)
			default:
				j := r.IntN(len(m) + 1)
				m = append(m[:j], append([]byte{alphabet[r.IntN(len(alphabet))]}, m[j:]...)...)
			}
		}
		if got, want := validJSON(m), json.Valid(m); got != want {
			t.Fatalf("validJSON(%q) = %v, json.Valid %v", m, got, want)
		}
	}
}

func FuzzValidJSON(f *testing.F) {
	for _, s := range jsonSamples {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if got, want := validJSON(b), json.Valid(b); got != want {
			t.Fatalf("validJSON(%q) = %v, json.Valid %v", b, got, want)
		}
	})
}
