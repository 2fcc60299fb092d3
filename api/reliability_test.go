package api_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/note"
	"gopkg.in/yaml.v3"

	"ecinema/apikey"
	"ecinema/internal/apptest"
	"ecinema/ledger"
	"ecinema/witness"
)

// TestDateBounds (issue 13 D1): dates PostgreSQL or the replay cannot carry
// (year 0 was stored as 0001-01-01 BC and broke verify --deep for good) are
// refused with 400 naming the field, in fiscal totals, films and rental terms.
func TestDateBounds(t *testing.T) {
	w := newStWorld(t)
	tax := w.Key(apikey.RoleTax, "", "")
	for _, d := range []string{"0000-01-01", "9999-12-31", "1999-12-31", "2100-01-01"} {
		r := w.Do("POST", "/v1/tax/fiscal-totals", tax, map[string]any{"records": []map[string]any{
			{"bin": w.bins["exh"], "date": d, "amount": "100.00", "receipts": 1}}})
		if r.Status != 400 || !strings.Contains(string(r.Body), "records[0].date") {
			t.Errorf("fiscal date %s: %d %s", d, r.Status, r.Body)
		}
	}
	if r := w.Do("POST", "/v1/tax/fiscal-totals", tax, "bin,date,amount,receipts\n"+w.bins["exh"]+",0000-01-01,1.00,1\n",
		"Content-Type", "text/csv"); r.Status != 400 {
		t.Errorf("fiscal CSV year 0: %d %s", r.Status, r.Body)
	}
	film := func(release, from, to string) map[string]any {
		return map[string]any{
			"title":  map[string]string{"kk": "Ф", "ru": "Ф", "en": "F"},
			"origin": "national", "countries": []string{"KZ"}, "release_date": release, "runtime_min": 90,
			"age_rating":  "12+",
			"certificate": map[string]string{"number": "KZ-1", "valid_from": from, "valid_to": to},
			"producer_id": "prod-a", "distributor_id": "dist",
			"distribution_fee_pct": "15", "recoupable_expenses": "0.00", "royalty_pct": "0",
			"rental_terms": []map[string]any{{"from_week": 1, "distributor_pct": "55"}},
		}
	}
	for _, tc := range []struct{ release, from, to, field string }{
		{"0000-01-01", "2025-01-01", "2027-01-01", "release_date"},
		{"2026-01-01", "0000-01-01", "2027-01-01", "certificate.valid_from"},
		{"2026-01-01", "2025-01-01", "9999-12-31", "certificate.valid_to"},
	} {
		r := w.Do("PUT", "/v1/films/f-bad", w.AdminKey, film(tc.release, tc.from, tc.to))
		if r.Status != 400 || !strings.Contains(string(r.Body), tc.field) {
			t.Errorf("film %s: %d %s", tc.field, r.Status, r.Body)
		}
	}
	if r := w.Do("PUT", "/v1/films/f-old", w.AdminKey, film("1938-03-01", "1995-01-01", "2199-12-31")); r.Status != 200 {
		t.Errorf("an old film with a long certificate: %d %s", r.Status, r.Body)
	}
	r := w.Do("PUT", "/v1/films/film-a/rental-terms/exh", w.AdminKey, map[string]any{"effective_from": "0000-01-01",
		"scale": []map[string]any{{"from_week": 1, "distributor_pct": "50"}}})
	if r.Status != 400 || !strings.Contains(string(r.Body), "effective_from") {
		t.Errorf("rental terms year 0: %d %s", r.Status, r.Body)
	}
}

// TestFromWeekBound (D8): a huge from_week was a 500 from a check constraint.
func TestFromWeekBound(t *testing.T) {
	w := newStWorld(t)
	r := w.Do("PUT", "/v1/films/film-a/rental-terms/exh", w.AdminKey, map[string]any{"effective_from": "2026-01-01",
		"scale": []map[string]any{{"from_week": 1, "distributor_pct": "50"}, {"from_week": 99999999999, "distributor_pct": "40"}}})
	if r.Status != 400 || !strings.Contains(string(r.Body), "scale[1].from_week") {
		t.Fatalf("huge from_week: %d %s", r.Status, r.Body)
	}
}

// TestControlCharacters (D7, D10): NUL anywhere was a 500; other control
// characters were stored. Both are 400 naming the field.
func TestControlCharacters(t *testing.T) {
	w := newStWorld(t)
	for _, tc := range []struct{ name, body, field string }{
		{"NUL escape", `{"kind":"producer","name":"A\u0000B","bin":"` + w.bins["prod-a"] + `"}`, "name"},
		{"ESC escape", `{"kind":"producer","name":"A\u001b[31mB","bin":"` + w.bins["prod-a"] + `"}`, "name"},
		{"raw NUL", "{\"kind\":\"producer\",\"name\":\"A\x00B\",\"bin\":\"" + w.bins["prod-a"] + "\"}", "body"},
		{"NUL in key", `{"kind\u0000":"producer"}`, "kind\x00"},
	} {
		r := w.Do("PUT", "/v1/parties/prod-a", w.AdminKey, tc.body)
		if r.Status != 400 || r.ErrorCode() != "invalid_request" {
			t.Errorf("%s: %d %s", tc.name, r.Status, r.Body)
		}
	}
	// A screening id with NUL in the path, and in a query parameter.
	if r := w.Do("GET", "/v1/parties/a%00b", w.AdminKey, nil); r.Status != 400 {
		t.Errorf("NUL in path: %d %s", r.Status, r.Body)
	}
	if r := w.Do("GET", "/v1/parties?cursor=a%00b", w.AdminKey, nil); r.Status != 400 {
		t.Errorf("NUL in query: %d %s", r.Status, r.Body)
	}
	w.idem++
	r := w.Do("POST", "/v1/sales", w.pos, `{"screening_id":"s\u0000","tickets":[]}`, "Idempotency-Key", "nul")
	if r.Status != 400 || !strings.Contains(string(r.Body), `"screening_id"`) {
		t.Errorf("NUL in a sale: %d %s", r.Status, r.Body)
	}
	tax := w.Key(apikey.RoleTax, "", "")
	if r := w.Do("POST", "/v1/tax/fiscal-totals", tax, "bin,date,amount,receipts\n"+w.bins["exh"]+",2026-01-09,1.00\x00,1\n",
		"Content-Type", "text/csv"); r.Status != 400 {
		t.Errorf("NUL in CSV: %d %s", r.Status, r.Body)
	}
	// Text with ordinary Unicode and an escaped quote passes.
	if r := w.Do("PUT", "/v1/parties/prod-a", w.AdminKey, `{"kind":"producer","name":"Қазақфильм \"АҚ\"\ttab","bin":"`+w.bins["prod-a"]+`"}`); r.Status != 200 {
		t.Errorf("clean text: %d %s", r.Status, r.Body)
	}
}

// TestRFC3339Profile (D10): offsets like +24:00 and comma fractions were
// accepted; only the RFC 3339 profile is.
func TestRFC3339Profile(t *testing.T) {
	w := newStWorld(t)
	for _, start := range []string{"2026-01-09T19:00:00+24:00", "2026-01-09T19:00:00,5+05:00", "2026-01-09t19:00:00Z", "2026-01-09T19:00+05:00"} {
		r := w.Do("PUT", "/v1/screenings/s-bad", w.pos, map[string]string{"hall_id": "h1", "film_id": "film-a", "starts_at": start, "format": "2D", "language": "kk"})
		if r.Status != 400 || !strings.Contains(string(r.Body), "starts_at") {
			t.Errorf("starts_at %s: %d %s", start, r.Status, r.Body)
		}
	}
	w.screening(t, "s1", "film-a", "2026-01-09T19:00:00.5+05:00")
}

// TestChunkedOverLimit (D9): a chunked CSV upload over 1 MiB was a 400.
func TestChunkedOverLimit(t *testing.T) {
	w := newStWorld(t)
	tax := w.Key(apikey.RoleTax, "", "")
	big := "bin,date,amount,receipts\n" + strings.Repeat(w.bins["exh"]+",2026-01-09,1.00,1\n", 40000)
	// An io.Reader that is not a *bytes.Reader makes the client send it chunked.
	req, _ := http.NewRequest("POST", w.URL+"/v1/tax/fiscal-totals", io.MultiReader(strings.NewReader(big)))
	req.Header.Set("Authorization", "Bearer "+tax)
	req.Header.Set("Content-Type", "text/csv")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != 413 || len(req.TransferEncoding) == 0 && req.ContentLength > 0 {
		t.Fatalf("chunked %d bytes: %d %s (transfer %v)", len(big), res.StatusCode, b, req.TransferEncoding)
	}
}

// TestMethodNotAllowed (405): a wrong method on a known path was 404.
func TestMethodNotAllowed(t *testing.T) {
	e := apptest.New(t)
	for _, tc := range []struct{ method, path, allow string }{
		{"DELETE", "/v1/films/x", "GET"},
		{"POST", "/v1/ledger/checkpoint", "GET"},
		{"GET", "/v1/sales", "POST"},
	} {
		r := e.Do(tc.method, tc.path, e.AdminKey, nil)
		if r.Status != 405 || !strings.Contains(r.Header.Get("Allow"), tc.allow) || r.ErrorCode() != "method_not_allowed" {
			t.Errorf("%s %s: %d Allow=%q %s", tc.method, tc.path, r.Status, r.Header.Get("Allow"), r.Body)
		}
	}
	if r := e.Do("GET", "/v1/no-such-thing", e.AdminKey, nil); r.Status != 404 {
		t.Errorf("unknown path: %d", r.Status)
	}
}

// TestBearerCaseInsensitive: the auth scheme is case-insensitive (RFC 9110).
func TestBearerCaseInsensitive(t *testing.T) {
	e := apptest.New(t)
	for _, scheme := range []string{"bearer", "BEARER", "Bearer"} {
		r := e.Do("GET", "/v1/regions", "", nil, "Authorization", scheme+" "+e.AdminKey)
		if r.Status != 200 {
			t.Errorf("%s: %d %s", scheme, r.Status, r.Body)
		}
	}
	if r := e.Do("GET", "/v1/regions", "", nil, "Authorization", "Basic "+e.AdminKey); r.Status != 401 {
		t.Errorf("Basic: %d", r.Status)
	}
}

// TestCSVFormulaInjection (D10): text cells starting with = + - @ are
// protected; numbers, negative ones included, stay numbers.
func TestCSVFormulaInjection(t *testing.T) {
	w := newStWorld(t)
	if r := w.Do("PUT", "/v1/parties/exh", w.AdminKey, map[string]any{"kind": "exhibitor", "name": "=HYPERLINK(\"http://evil\")", "bin": w.bins["exh"]}); r.Status != 200 {
		t.Fatalf("party: %d %s", r.Status, r.Body)
	}
	tax := w.Key(apikey.RoleTax, "", "")
	if r := w.Do("POST", "/v1/tax/fiscal-totals", tax, "bin,date,amount,receipts\n"+w.bins["exh"]+",2026-01-09,-2500.00,1\n",
		"Content-Type", "text/csv"); r.Status != 201 {
		t.Fatalf("fiscal: %d %s", r.Status, r.Body)
	}
	r := w.Do("GET", "/v1/tax/reconciliation?from=2026-01-09&to=2026-01-09&format=csv", tax, nil)
	if r.Status != 200 {
		t.Fatalf("reconciliation: %d %s", r.Status, r.Body)
	}
	if !bytes.Contains(r.Body, []byte(`"'=HYPERLINK(""http://evil"")"`)) || !bytes.Contains(r.Body, []byte(",-2500.00,")) {
		t.Fatalf("CSV:\n%s", r.Body)
	}
}

// TestOpenAPICheckpointExample: the example checkpoint of the OpenAPI
// document is a real one (right origin, blank line before the signatures)
// that verifies with the keys its description names, log and witness.
func TestOpenAPICheckpointExample(t *testing.T) {
	var doc struct {
		Paths map[string]any `yaml:"paths"`
	}
	e := apptest.New(t)
	if err := yaml.Unmarshal(e.Do("GET", "/openapi.yaml", "", nil).Body, &doc); err != nil {
		t.Fatal(err)
	}
	var node any = doc.Paths
	for _, k := range []string{"/v1/ledger/checkpoint", "get", "responses", "200", "content", "text/plain", "example"} {
		m, _ := node.(map[string]any)
		node = m[k]
	}
	ex, _ := node.(string)
	logV, err := ledger.NewVerifier("ecinema.kz/ledger/main+22532135+AfegSpaWAQ0vt5meRN3IJDEDZTZ6zIwT9fmQuymmQN+6")
	if err != nil {
		t.Fatal(err)
	}
	wV, err := witness.NewVerifier("witness.example.kz+6ba088ff+BEJbO6ue2OSNor6al/lPKT6WfIzChK4ae3EATL6H+HBb")
	if err != nil {
		t.Fatal(err)
	}
	if size, _, err := ledger.OpenCheckpoint([]byte(ex), ledger.DefaultOrigin, logV); err != nil || size != 1043 {
		t.Fatalf("example checkpoint: size %d, %v\n%q", size, err, ex)
	}
	if n, err := ledger.CheckWitnesses([]byte(ex), logV, []note.Verifier{wV}, 1); err != nil || n != 1 {
		t.Fatalf("example cosignature: %d, %v", n, err)
	}
}

// TestCheckpointAtSize: GET /v1/ledger/checkpoints?size=N serves an older
// checkpoint (every one is kept).
func TestCheckpointAtSize(t *testing.T) {
	w := newStWorld(t)
	first, err := w.App.Publisher.Publish(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	w.screening(t, "s1", "film-a", w.at(2026, 1, 9, 19, 0))
	if _, err := w.App.Publisher.Publish(context.Background()); err != nil {
		t.Fatal(err)
	}
	r := w.Do("GET", "/v1/ledger/checkpoints?size="+strconv.FormatInt(first.Size, 10), "", nil)
	if r.Status != 200 || string(r.Body) != string(first.Note) {
		t.Fatalf("checkpoint at %d: %d %q", first.Size, r.Status, r.Body)
	}
	if r := w.Do("GET", "/v1/ledger/checkpoints?size=99999", "", nil); r.Status != 404 {
		t.Fatalf("no such size: %d", r.Status)
	}
	if r := w.Do("GET", "/v1/ledger/checkpoints?size=x", "", nil); r.Status != 400 {
		t.Fatalf("bad size: %d", r.Status)
	}
}

// TestPeriodsScopedToTheParty (D12): GET /v1/periods showed the national
// monthly gross and every party's totals hash to any party key; a party
// sees its own totals hash only, admin/tax/auditor the whole close.
func TestPeriodsScopedToTheParty(t *testing.T) {
	w := newStWorld(t)
	w.screening(t, "s1", "film-a", w.at(2026, 1, 9, 19, 0))
	w.sell(t, "s1", stTicket("t1", w.at(2026, 1, 9, 12, 0), "2500.00", "A1"))
	if r := w.Do("POST", "/v1/periods/2026-01/close", w.AdminKey, nil); r.Status != 201 {
		t.Fatalf("close: %d %s", r.Status, r.Body)
	}
	type periods struct {
		Items []struct {
			Gross   string `json:"gross"`
			Lines   *int   `json:"lines"`
			Parties []struct {
				PartyID string `json:"party_id"`
			} `json:"parties"`
		} `json:"items"`
	}
	get := func(key string) periods {
		t.Helper()
		r := w.Do("GET", "/v1/periods", key, nil)
		if r.Status != 200 {
			t.Fatalf("periods: %d %s", r.Status, r.Body)
		}
		var p periods
		r.JSON(t, &p)
		if len(p.Items) != 1 {
			t.Fatalf("periods: %s", r.Body)
		}
		return p
	}
	if p := get(w.AdminKey); p.Items[0].Gross == "" || len(p.Items[0].Parties) < 3 {
		t.Fatalf("admin sees %+v", p)
	}
	for _, tc := range []struct{ key, party string }{
		{w.Key(apikey.RoleProducer, "", "prod-a"), "prod-a"},
		{w.Key(apikey.RoleExhibitor, "cin", ""), "exh"},
		{w.Key(apikey.RoleRightsHolder, "", "composer"), "composer"},
	} {
		p := get(tc.key)
		it := p.Items[0]
		if it.Gross != "" || it.Lines != nil || len(it.Parties) != 1 || it.Parties[0].PartyID != tc.party {
			t.Errorf("%s sees %+v", tc.party, it)
		}
	}
}
