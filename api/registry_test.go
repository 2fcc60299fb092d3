package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"ecinema/apikey"
	"ecinema/internal/apptest"
)

// countRows counts rows of a table as the owner, to check what was stored.
func countRows(t *testing.T, env *apptest.Env, query string, args ...any) int {
	t.Helper()
	var n int
	if err := env.App.Pool.QueryRow(context.Background(), query, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func entries(t *testing.T, env *apptest.Env) int {
	return countRows(t, env, "SELECT count(*) FROM ledger_entries")
}

func party(kind, name, bin string) map[string]any {
	return map[string]any{"kind": kind, "name": name, "bin": bin}
}

func film() map[string]any {
	return map[string]any{
		"title":  map[string]string{"kk": "Қош бол, Гүлсары", "ru": "Прощай, Гульсары", "en": "Farewell, Gulsary"},
		"origin": "national", "countries": []string{"KZ"}, "release_date": "2026-01-08", "runtime_min": 110,
		"age_rating":  "12+",
		"certificate": map[string]string{"number": "KZ-2026-001", "valid_from": "2026-01-01", "valid_to": "2099-12-31"},
		"producer_id": "prod", "distributor_id": "dist",
		"distribution_fee_pct": "15", "recoupable_expenses": "5000.00", "royalty_pct": "1.0",
		"rights_holders": []map[string]string{{"party_id": "composer", "role": "composer", "share_pct": "60"}, {"party_id": "prod", "role": "screenplay", "share_pct": "40"}},
		"rental_terms":   []map[string]any{{"from_week": 1, "distributor_pct": "55"}, {"from_week": 3, "distributor_pct": "50"}},
	}
}

func cinema() map[string]any {
	return map[string]any{"name": "Chaplin Mega Alma-Ata", "exhibitor_id": "exh", "region": "KZ-75", "city": "Almaty",
		"vat_payer": true, "halls": []map[string]any{{"id": "h1", "name": "Зал 1", "seats": 150}, {"id": "h2", "name": "IMAX", "seats": 320}}}
}

// registered returns an environment with the parties film() and cinema() need.
func registered(t *testing.T) *apptest.Env {
	t.Helper()
	env := apptest.New(t)
	for id, p := range map[string]map[string]any{
		"prod":     party("producer", "Kazakhfilm", "100000000001"),
		"dist":     party("distributor", "Меломан Дистрибуция", "070440000096"),
		"exh":      party("exhibitor", "Chaplin Cinemas", "000000000101"),
		"composer": party("rights_holder", "Ерлан Төлеген", "100000000001"),
	} {
		if r := env.Do("PUT", "/v1/parties/"+id, env.AdminKey, p); r.Status != 200 {
			t.Fatalf("PUT party %s: %d %s", id, r.Status, r.Body)
		}
	}
	return env
}

func TestRegistryRoundTrip(t *testing.T) {
	env := registered(t)
	r := env.Do("PUT", "/v1/cinemas/chaplin-mega", env.AdminKey, cinema())
	if r.Status != 200 {
		t.Fatalf("PUT cinema: %d %s", r.Status, r.Body)
	}
	r = env.Do("PUT", "/v1/films/gulsary", env.AdminKey, film())
	if r.Status != 200 {
		t.Fatalf("PUT film: %d %s", r.Status, r.Body)
	}
	var f struct {
		Version            int    `json:"version"`
		RoyaltyPct         string `json:"royalty_pct"`
		RecoupableExpenses string `json:"recoupable_expenses"`
		Title              struct{ KK string }
		RightsHolders      []struct{ PartyID, SharePct string } `json:"rights_holders"`
	}
	env.Do("GET", "/v1/films/gulsary", env.AdminKey, nil).JSON(t, &f)
	if f.Version != 1 || f.RoyaltyPct != "1" || f.RecoupableExpenses != "5000.00" || f.Title.KK != "Қош бол, Гүлсары" || len(f.RightsHolders) != 2 {
		t.Fatalf("GET film = %+v", f)
	}
	var c struct {
		Region string
		Halls  []struct {
			ID    string
			Seats int
		}
	}
	env.Do("GET", "/v1/cinemas/chaplin-mega", env.AdminKey, nil).JSON(t, &c)
	if c.Region != "KZ-75" || len(c.Halls) != 2 || c.Halls[1].Seats != 320 {
		t.Fatalf("GET cinema = %+v", c)
	}
	// Four parties, a cinema and a film: six ledger entries of the registry kinds.
	if n := countRows(t, env, "SELECT count(*) FROM ledger_entries WHERE kind IN ('party','cinema','film')"); n != 6 {
		t.Fatalf("registry entries = %d, want 6", n)
	}
	var regions struct {
		Items []struct {
			Code string
			Name struct{ KK, RU, EN string }
		}
	}
	env.Do("GET", "/v1/regions", env.AdminKey, nil).JSON(t, &regions)
	if len(regions.Items) != 20 {
		t.Fatalf("regions = %d, want 20", len(regions.Items))
	}
	found := false
	for _, g := range regions.Items {
		found = found || (g.Code == "KZ-75" && g.Name.EN == "Almaty" && g.Name.RU == "Алматы")
	}
	if !found {
		t.Fatal("KZ-75 Almaty missing from regions")
	}
}

func TestFilmReplacementKeepsEarlierVersion(t *testing.T) {
	env := registered(t)
	if r := env.Do("PUT", "/v1/films/gulsary", env.AdminKey, film()); r.Status != 200 {
		t.Fatalf("PUT: %d %s", r.Status, r.Body)
	}
	f2 := film()
	f2["royalty_pct"] = "2.5"
	f2["rental_terms"] = []map[string]any{{"from_week": 1, "distributor_pct": "60"}}
	r := env.Do("PUT", "/v1/films/gulsary", env.AdminKey, f2)
	if r.Status != 200 {
		t.Fatalf("PUT v2: %d %s", r.Status, r.Body)
	}
	var cur struct {
		Version     int
		RoyaltyPct  string `json:"royalty_pct"`
		RentalTerms []any  `json:"rental_terms"`
	}
	env.Do("GET", "/v1/films/gulsary", env.AdminKey, nil).JSON(t, &cur)
	if cur.Version != 2 || cur.RoyaltyPct != "2.5" || len(cur.RentalTerms) != 1 {
		t.Fatalf("current = %+v", cur)
	}
	var vs struct {
		Items []struct {
			Version int
			Body    struct {
				RoyaltyPct string `json:"royalty_pct"`
			}
		}
	}
	env.Do("GET", "/v1/films/gulsary/versions", env.AdminKey, nil).JSON(t, &vs)
	if len(vs.Items) != 2 || vs.Items[0].Version != 1 || vs.Items[0].Body.RoyaltyPct != "1" || vs.Items[1].Body.RoyaltyPct != "2.5" {
		t.Fatalf("versions = %+v", vs)
	}
	if n := countRows(t, env, "SELECT count(*) FROM ledger_entries WHERE kind = 'film'"); n != 2 {
		t.Fatalf("film entries = %d, want 2", n)
	}
}

func TestRegistryRules(t *testing.T) {
	env := registered(t)
	with := func(base map[string]any, k string, v any) map[string]any {
		out := map[string]any{}
		for kk, vv := range base {
			out[kk] = vv
		}
		if v == nil {
			delete(out, k)
		} else {
			out[k] = v
		}
		return out
	}
	for _, tc := range []struct {
		name, path string
		body       any
		status     int
		code       string
		field      string // a field named in details
	}{
		{"party bad BIN check digit", "/v1/parties/p1", party("producer", "X", "070440000097"), 400, "invalid_request", "bin"},
		{"party BIN too short", "/v1/parties/p1", party("producer", "X", "07044000009"), 400, "invalid_request", "bin"},
		{"party unknown kind", "/v1/parties/p1", party("studio", "X", "100000000001"), 400, "invalid_request", "kind"},
		{"party bad id", "/v1/parties/-bad", party("producer", "X", "100000000001"), 400, "invalid_request", "id"},
		{"party unknown field", "/v1/parties/p1", with(party("producer", "X", "100000000001"), "iban", "KZ00"), 400, "invalid_request", "iban"},
		{"party malformed JSON", "/v1/parties/p1", `{"kind":`, 400, "malformed_json", ""},
		{"party trailing value", "/v1/parties/p1", `{"kind":"producer","name":"X","bin":"100000000001"} {}`, 400, "malformed_json", ""},
		{"party trailing brace", "/v1/parties/p1", `{"kind":"producer","name":"X","bin":"100000000001"}}`, 400, "malformed_json", ""},
		{"party trailing bracket", "/v1/parties/p1", `{"kind":"producer","name":"X","bin":"100000000001"}]`, 400, "malformed_json", ""},
		{"party wrong type", "/v1/parties/p1", `{"kind":"producer","name":"X","bin":100000000001}`, 400, "invalid_request", "bin"},
		{"cinema zero seats", "/v1/cinemas/c1", with(cinema(), "halls", []map[string]any{{"id": "h1", "name": "A", "seats": 0}}), 400, "invalid_request", "halls[0].seats"},
		{"cinema no halls", "/v1/cinemas/c1", with(cinema(), "halls", []any{}), 400, "invalid_request", "halls"},
		{"cinema unknown region", "/v1/cinemas/c1", with(cinema(), "region", "KZ-99"), 400, "invalid_request", "region"},
		{"cinema missing vat_payer", "/v1/cinemas/c1", with(cinema(), "vat_payer", nil), 400, "invalid_request", "vat_payer"},
		{"cinema exhibitor not registered", "/v1/cinemas/c1", with(cinema(), "exhibitor_id", "nobody"), 422, "unknown_reference", "exhibitor_id"},
		{"cinema exhibitor is a producer", "/v1/cinemas/c1", with(cinema(), "exhibitor_id", "prod"), 422, "unknown_reference", "exhibitor_id"},
		{"cinema id differs from the path", "/v1/cinemas/c1", with(cinema(), "id", "c2"), 400, "invalid_request", "id"},
		{"film id differs from the path", "/v1/films/f1", with(film(), "id", "f2"), 400, "invalid_request", "id"},
		{"film shares not 100", "/v1/films/f1", with(film(), "rights_holders", []map[string]string{{"party_id": "composer", "role": "composer", "share_pct": "60"}}), 400, "invalid_request", "rights_holders"},
		{"film terms not from week 1", "/v1/films/f1", with(film(), "rental_terms", []map[string]any{{"from_week": 2, "distributor_pct": "55"}}), 400, "invalid_request", "rental_terms[0].from_week"},
		{"film terms not ascending", "/v1/films/f1", with(film(), "rental_terms", []map[string]any{{"from_week": 1, "distributor_pct": "55"}, {"from_week": 1, "distributor_pct": "50"}}), 400, "invalid_request", "rental_terms[1].from_week"},
		{"film percent over 100", "/v1/films/f1", with(film(), "rental_terms", []map[string]any{{"from_week": 1, "distributor_pct": "100.5"}}), 400, "invalid_request", "rental_terms[0].distributor_pct"},
		{"film negative fee", "/v1/films/f1", with(film(), "distribution_fee_pct", "-1"), 400, "invalid_request", "distribution_fee_pct"},
		{"film expenses 3 decimals", "/v1/films/f1", with(film(), "recoupable_expenses", "1.005"), 400, "invalid_request", "recoupable_expenses"},
		{"film bad age rating", "/v1/films/f1", with(film(), "age_rating", "13+"), 400, "invalid_request", "age_rating"},
		{"film bad origin", "/v1/films/f1", with(film(), "origin", "local"), 400, "invalid_request", "origin"},
		{"film certificate reversed", "/v1/films/f1", with(film(), "certificate", map[string]string{"number": "X", "valid_from": "2026-02-01", "valid_to": "2026-01-01"}), 400, "invalid_request", "certificate.valid_to"},
		{"film bad release date", "/v1/films/f1", with(film(), "release_date", "2026-13-01"), 400, "invalid_request", "release_date"},
		{"film zero runtime", "/v1/films/f1", with(film(), "runtime_min", 0), 400, "invalid_request", "runtime_min"},
		{"film bad country", "/v1/films/f1", with(film(), "countries", []string{"kz"}), 400, "invalid_request", "countries[0]"},
		{"film unassigned country", "/v1/films/f1", with(film(), "countries", []string{"KZ", "XX"}), 400, "invalid_request", "countries[1]"},
		{"film reserved country UK", "/v1/films/f1", with(film(), "countries", []string{"UK"}), 400, "invalid_request", "countries[0]"},
		{"film producer is a distributor", "/v1/films/f1", with(film(), "producer_id", "dist"), 422, "unknown_reference", "producer_id"},
		{"film unknown rights holder", "/v1/films/f1", with(film(), "rights_holders", []map[string]string{{"party_id": "ghost", "role": "composer", "share_pct": "100"}}), 422, "unknown_reference", "rights_holders[0].party_id"},
		{"rental terms for unknown film", "/v1/films/nofilm/rental-terms/exh", map[string]any{"effective_from": "2026-01-01", "scale": []map[string]any{{"from_week": 1, "distributor_pct": "50"}}}, 404, "not_found", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := entries(t, env)
			r := env.Do("PUT", tc.path, env.AdminKey, tc.body)
			if r.Status != tc.status || r.ErrorCode() != tc.code {
				t.Fatalf("status %d code %q, want %d %q: %s", r.Status, r.ErrorCode(), tc.status, tc.code, r.Body)
			}
			if tc.field != "" && !strings.Contains(string(r.Body), `"field":"`+tc.field+`"`) {
				t.Fatalf("details do not name %s: %s", tc.field, r.Body)
			}
			if after := entries(t, env); after != before {
				t.Fatalf("ledger grew from %d to %d on a rejected request", before, after)
			}
			if n := countRows(t, env, "SELECT count(*) FROM registry_versions WHERE kind NOT IN ('party')"); n != 0 {
				t.Fatalf("%d registry versions stored", n)
			}
		})
	}
	for _, tbl := range []string{"films", "cinemas", "halls", "film_rights_holders", "film_rental_terms"} {
		if n := countRows(t, env, "SELECT count(*) FROM "+tbl); n != 0 {
			t.Errorf("%s has %d rows after only rejected requests", tbl, n)
		}
	}
}

func TestPartyKindKeptWhileReferenced(t *testing.T) {
	env := registered(t)
	if r := env.Do("PUT", "/v1/cinemas/chaplin-mega", env.AdminKey, cinema()); r.Status != 200 {
		t.Fatalf("PUT cinema: %d %s", r.Status, r.Body)
	}
	before := entries(t, env)
	r := env.Do("PUT", "/v1/parties/exh", env.AdminKey, party("producer", "Chaplin Cinemas", "000000000101"))
	if r.Status != 409 || r.ErrorCode() != "party_in_use" {
		t.Fatalf("exhibitor of a cinema turned producer: %d %s", r.Status, r.Body)
	}
	if entries(t, env) != before || countRows(t, env, "SELECT count(*) FROM parties WHERE id = 'exh' AND kind = 'exhibitor'") != 1 {
		t.Fatal("the rejected change was stored")
	}
	// Renaming keeps the kind and is fine; an unreferenced party may change kind.
	if r := env.Do("PUT", "/v1/parties/exh", env.AdminKey, party("exhibitor", "Chaplin Cinemas LLP", "000000000101")); r.Status != 200 {
		t.Fatalf("rename: %d %s", r.Status, r.Body)
	}
	if r := env.Do("PUT", "/v1/parties/composer", env.AdminKey, party("producer", "Ерлан Төлеген", "100000000001")); r.Status != 200 {
		t.Fatalf("unreferenced kind change: %d %s", r.Status, r.Body)
	}
}

func TestRentalTermsOverride(t *testing.T) {
	env := registered(t)
	env.Do("PUT", "/v1/films/gulsary", env.AdminKey, film())
	body := map[string]any{"effective_from": "2026-02-01", "scale": []map[string]any{{"from_week": 1, "distributor_pct": "50"}, {"from_week": 2, "distributor_pct": "45"}}}
	if r := env.Do("PUT", "/v1/films/gulsary/rental-terms/exh", env.AdminKey, body); r.Status != 200 {
		t.Fatalf("PUT: %d %s", r.Status, r.Body)
	}
	var got struct {
		Items []struct {
			EffectiveFrom string `json:"effective_from"`
			Scale         []struct {
				FromWeek       int    `json:"from_week"`
				DistributorPct string `json:"distributor_pct"`
			}
		}
	}
	env.Do("GET", "/v1/films/gulsary/rental-terms/exh", env.AdminKey, nil).JSON(t, &got)
	if len(got.Items) != 1 || got.Items[0].EffectiveFrom != "2026-02-01" || len(got.Items[0].Scale) != 2 || got.Items[0].Scale[1].DistributorPct != "45" {
		t.Fatalf("override = %+v", got)
	}
	if r := env.Do("PUT", "/v1/films/gulsary/rental-terms/prod", env.AdminKey, body); r.Status != 422 || r.ErrorCode() != "unknown_reference" {
		t.Fatalf("override for a producer: %d %s", r.Status, r.Body)
	}
	env.Do("PUT", "/v1/cinemas/chaplin-mega", env.AdminKey, cinema())
	for _, tc := range []struct {
		key    string
		status int
	}{
		{env.Key(apikey.RoleExhibitor, "", "exh"), 200},
		{env.Key(apikey.RoleExhibitor, "chaplin-mega", ""), 200},
		{env.Key(apikey.RoleDistributor, "", "dist"), 200},
		{env.Key(apikey.RoleProducer, "", "prod"), 200},
		{env.Key(apikey.RoleAuditor, "", ""), 200},
		{env.Key(apikey.RolePOS, "chaplin-mega", ""), 403},
		{env.Key(apikey.RoleAnalyst, "", ""), 403},
		{env.Key(apikey.RoleRightsHolder, "", "composer"), 403},
	} {
		if r := env.Do("GET", "/v1/films/gulsary/rental-terms/exh", tc.key, nil); r.Status != tc.status {
			t.Errorf("GET rental terms: %d, want %d: %s", r.Status, tc.status, r.Body)
		}
	}
}

// TestFilmTermsByReader: a film's commercial terms reach the parties of its
// contract only; other readers get the catalogue fields, with the hidden
// terms left out (not blank), in GET, in lists and in versions.
func TestFilmTermsByReader(t *testing.T) {
	env := registered(t)
	if r := env.Do("PUT", "/v1/films/gulsary", env.AdminKey, film()); r.Status != 200 {
		t.Fatalf("PUT film: %d %s", r.Status, r.Body)
	}
	if r := env.Do("PUT", "/v1/parties/dist2", env.AdminKey, party("distributor", "Other Distribution", "070440000096")); r.Status != 200 {
		t.Fatalf("PUT party: %d %s", r.Status, r.Body)
	}
	terms := []string{"distribution_fee_pct", "recoupable_expenses", "royalty_pct", "rights_holders", "rental_terms"}
	for _, tc := range []struct {
		name     string
		key      string
		visible  []string
		versions int
	}{
		{"admin", env.AdminKey, terms, 200},
		{"auditor", env.Key(apikey.RoleAuditor, "", ""), terms, 200},
		{"its producer", env.Key(apikey.RoleProducer, "", "prod"), terms, 200},
		{"its distributor", env.Key(apikey.RoleDistributor, "", "dist"), terms, 200},
		{"an exhibitor", env.Key(apikey.RoleExhibitor, "", "exh"), []string{"rental_terms"}, 403},
		{"its composer", env.Key(apikey.RoleRightsHolder, "", "composer"), []string{"royalty_pct", "rights_holders"}, 403},
		{"an analyst", env.Key(apikey.RoleAnalyst, "", ""), nil, 403},
		{"another distributor", env.Key(apikey.RoleDistributor, "", "dist2"), nil, 403},
	} {
		var one map[string]any
		var list struct{ Items []map[string]any }
		env.Do("GET", "/v1/films/gulsary", tc.key, nil).JSON(t, &one)
		env.Do("GET", "/v1/films", tc.key, nil).JSON(t, &list)
		if len(list.Items) != 1 {
			t.Fatalf("%s: list %v", tc.name, list.Items)
		}
		for _, got := range []map[string]any{one, list.Items[0]} {
			if got["title"] == nil || got["runtime_min"] == nil || got["producer_id"] != "prod" {
				t.Errorf("%s: catalogue fields missing: %v", tc.name, got)
			}
			for _, k := range terms {
				_, present := got[k]
				if present != slices.Contains(tc.visible, k) {
					t.Errorf("%s: %s present=%v, want %v", tc.name, k, present, !present)
				}
			}
		}
		if tc.name == "its composer" {
			if rh := one["rights_holders"].([]any); len(rh) != 1 || rh[0].(map[string]any)["party_id"] != "composer" {
				t.Errorf("composer sees rights holders %v, want its own share only", rh)
			}
		}
		if r := env.Do("GET", "/v1/films/gulsary/versions", tc.key, nil); r.Status != tc.versions {
			t.Errorf("%s: versions %d, want %d", tc.name, r.Status, tc.versions)
		}
	}
}

func TestAccess(t *testing.T) {
	env := registered(t)
	env.Do("PUT", "/v1/cinemas/chaplin-mega", env.AdminKey, cinema())
	pos := env.Key(apikey.RolePOS, "chaplin-mega", "")
	if r := env.Do("PUT", "/v1/films/gulsary", pos, film()); r.Status != 403 || r.ErrorCode() != "forbidden" {
		t.Fatalf("pos PUT film: %d %s", r.Status, r.Body)
	}
	if n := countRows(t, env, "SELECT count(*) FROM films"); n != 0 {
		t.Fatalf("films = %d after a forbidden PUT", n)
	}
	if r := env.Do("GET", "/v1/films", "", nil); r.Status != 401 || r.ErrorCode() != "unauthenticated" {
		t.Fatalf("no key: %d %s", r.Status, r.Body)
	}
	if r := env.Do("GET", "/v1/films", "eck_not-a-key", nil); r.Status != 401 {
		t.Fatalf("unknown key: %d %s", r.Status, r.Body)
	}
	k, secret, err := env.App.Keys.Create(context.Background(), apikey.Spec{Name: "analyst", Role: apikey.RoleAnalyst})
	if err != nil {
		t.Fatal(err)
	}
	if r := env.Do("GET", "/v1/films", secret, nil); r.Status != 200 {
		t.Fatalf("analyst before revoke: %d %s", r.Status, r.Body)
	}
	if err := env.App.Keys.Revoke(context.Background(), k.ID); err != nil {
		t.Fatal(err)
	}
	if r := env.Do("GET", "/v1/films", secret, nil); r.Status != 401 || r.ErrorCode() != "unauthenticated" {
		t.Fatalf("revoked key: %d %s", r.Status, r.Body)
	}
}

func TestBodyLimit(t *testing.T) {
	env := registered(t)
	big := `{"kind":"producer","name":"` + strings.Repeat("x", 1<<20) + `","bin":"100000000001"}`
	r := env.Do("PUT", "/v1/parties/big", env.AdminKey, big)
	if r.Status != http.StatusRequestEntityTooLarge || r.ErrorCode() != "body_too_large" {
		t.Fatalf("1 MiB body: %d %s", r.Status, r.Body)
	}
	if n := countRows(t, env, "SELECT count(*) FROM parties WHERE id = 'big'"); n != 0 {
		t.Fatal("an oversized party was stored")
	}
}

func TestListPaging(t *testing.T) {
	env := registered(t)
	var ids []string
	cursor := ""
	for range 10 {
		var page struct {
			Items      []struct{ ID string }
			NextCursor string `json:"next_cursor"`
		}
		r := env.Do("GET", "/v1/parties?limit=3&cursor="+cursor, env.AdminKey, nil)
		if r.Status != 200 {
			t.Fatalf("list: %d %s", r.Status, r.Body)
		}
		if err := json.Unmarshal(r.Body, &page); err != nil {
			t.Fatal(err)
		}
		for _, it := range page.Items {
			ids = append(ids, it.ID)
		}
		if page.NextCursor == "" {
			break
		}
		cursor = page.NextCursor
	}
	if strings.Join(ids, ",") != "composer,dist,exh,prod" {
		t.Fatalf("paged ids = %v", ids)
	}
	if r := env.Do("GET", "/v1/parties?limit=0", env.AdminKey, nil); r.Status != 400 || r.ErrorCode() != "invalid_query" {
		t.Fatalf("limit=0: %d %s", r.Status, r.Body)
	}
}
