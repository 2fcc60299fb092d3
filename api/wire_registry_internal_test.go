package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"ecinema/apikey"
	"ecinema/registry"
	"ecinema/validate"
)

// TestRegistryWirePinned pins the JSON the API writes for the registry's
// objects (field names and order, version and effective_from left out when
// empty, a film's terms as each reader may see them) and what it reads
// from a request (testdata/registry_wire.txt).
func TestRegistryWirePinned(t *testing.T) {
	yes := true
	p := registry.Party{ID: "exh", Version: 3, Kind: "exhibitor", Name: "Kinopark <Astana> & Co", BIN: "100000000001"}
	cin := registry.Cinema{ID: "kp7", Version: 2, Name: "Kinopark 7", ExhibitorID: "exh", Region: "KZ-71", City: "Astana",
		VATPayer: &yes, Halls: []registry.Hall{{ID: "h1", Name: "Зал 1", Seats: 100}, {ID: "h2", Name: "2", Seats: 8}}}
	moved := cin
	moved.EffectiveFrom = "2026-04-01"
	f := registry.Film{ID: "amanat", Version: 4, Title: registry.Title{KK: "Аманат", RU: "Аманат", EN: "Amanat"}, Origin: "national",
		Countries: []string{"KZ", "FR"}, ReleaseDate: "2026-03-05", RuntimeMin: 120, AgeRating: "12+",
		Certificate: registry.Certificate{Number: "C-1", ValidFrom: "2026-03-01", ValidTo: "2027-03-01"},
		ProducerID:  "prod", DistributorID: "dist", DistributionFeePct: "15", RecoupableExpenses: "1000.00", RoyaltyPct: "1.5",
		RightsHolders: []registry.RightsShare{{PartyID: "rh-1", Role: "composer", SharePct: "60"}, {PartyID: "rh-2", Role: "writer", SharePct: "40"}},
		RentalTerms:   []registry.RentalStep{{FromWeek: 1, DistributorPct: "55"}, {FromWeek: 3, DistributorPct: "50"}}}
	bare := f
	bare.Version, bare.RightsHolders, bare.EffectiveFrom, bare.RoyaltyPct = 0, []registry.RightsShare{}, "2026-05-01", "0"
	var b strings.Builder
	out := func(name string, v any) {
		js, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "%s %s\n", name, js)
	}
	out("party", pinParty(p))
	out("party-new", pinParty(registry.Party{ID: "p", Kind: "producer", Name: "P", BIN: "1"}))
	out("parties", pinParties([]registry.Party{p}, "exh"))
	out("parties-last", pinParties([]registry.Party{}, ""))
	out("cinema", pinCinema(cin))
	out("cinema-moved", pinCinema(moved))
	out("cinema-empty", pinCinema(registry.Cinema{ID: "c"}))
	out("film", pinFilm(f))
	out("film-bare", pinFilm(bare))
	out("film-empty", pinFilm(registry.Film{ID: "x"}))
	for _, pr := range []struct {
		name string
		p    apikey.Principal
	}{
		{"admin", apikey.Principal{Role: apikey.RoleAdmin}},
		{"producer", apikey.Principal{Role: apikey.RoleProducer, PartyID: "prod"}},
		{"other-producer", apikey.Principal{Role: apikey.RoleProducer, PartyID: "prod-2"}},
		{"exhibitor", apikey.Principal{Role: apikey.RoleExhibitor, PartyID: "exh"}},
		{"rights-holder", apikey.Principal{Role: apikey.RoleRightsHolder, PartyID: "rh-2"}},
		{"other-rights-holder", apikey.Principal{Role: apikey.RoleRightsHolder, PartyID: "rh-9"}},
		{"analyst", apikey.Principal{Role: apikey.RoleAnalyst}},
	} {
		out("film-view-"+pr.name, pinFilmView(pr.p, f))
		out("film-view-bare-"+pr.name, pinFilmView(pr.p, bare))
	}
	out("rental-terms", pinRentalTerms([]registry.RentalTerms{{FilmID: "amanat", ExhibitorID: "exh", Version: 2, EffectiveFrom: "2026-04-02",
		Scale: []registry.RentalStep{{FromWeek: 1, DistributorPct: "60.5"}}}, {FilmID: "amanat", ExhibitorID: "exh", EffectiveFrom: "2026-05-01"}}))
	out("regions", pinRegions([]registry.Region{{Code: "KZ-71", Name: registry.Title{KK: "Астана", RU: "Астана", EN: "Astana"}}}))
	out("versions", pinVersions([]registry.Version{{Version: 1, EntrySeq: 17, RecordedAt: time.Date(2026, 11, 30, 6, 1, 2, 345000000, time.UTC),
		Body: json.RawMessage(`{"id":"exh","kind":"exhibitor"}`)}}))
	for _, req := range []struct{ kind, body string }{
		{"party", `{"id":"exh","version":7,"kind":"exhibitor","name":"N","bin":"1"}`},
		{"party", `{"ID":"exh","Kind":"exhibitor","NAME":"N","Bin":"1"}`},
		{"party", `{"kind":"exhibitor","extra":1}`},
		{"party", `{"kind":5}`},
		{"cinema", `{"name":"C","exhibitor_id":"e","region":"KZ-71","city":"A","vat_payer":false,"halls":[{"id":"h","name":"H","seats":3}],"effective_from":"2026-04-01"}`},
		{"cinema", `{"name":"C","halls":null}`},
		{"cinema", `{"halls":[{"id":"h","seats":"3"}]}`},
		{"cinema", `{"halls":[{"id":"h","rows":3}]}`},
		{"film", `{"title":{"kk":"a","ru":"b","en":"c"},"origin":"national","countries":["KZ"],"release_date":"2026-03-05","runtime_min":90,` +
			`"age_rating":"6+","certificate":{"number":"1","valid_from":"2026-01-01","valid_to":"2027-01-01"},"producer_id":"p",` +
			`"distributor_id":"d","distribution_fee_pct":"15","recoupable_expenses":"0","royalty_pct":"1",` +
			`"rights_holders":[{"party_id":"r","role":"x","share_pct":"100"}],"rental_terms":[{"from_week":1,"distributor_pct":"50"}],"effective_from":"2026-04-01"}`},
		{"film", `{"title":{"kk":"a","de":"b"}}`},
		{"film", `{"certificate":{"number":1}}`},
		{"rental_terms", `{"film_id":"f","exhibitor_id":"e","version":3,"effective_from":"2026-04-01","scale":[{"from_week":1,"distributor_pct":"50"}]}`},
		{"rental_terms", `{"scale":[{"from_week":"1"}]}`},
	} {
		var v any
		var err error
		switch req.kind {
		case "party":
			v, err = readParty([]byte(req.body))
		case "cinema":
			v, err = readCinema([]byte(req.body))
		case "film":
			v, err = readFilm([]byte(req.body))
		case "rental_terms":
			v, err = readRentalTerms([]byte(req.body))
		}
		if err != nil {
			var ve *validate.Errors // as the API answers it
			if !errors.As(decodeError(err), &ve) {
				t.Fatalf("%s: %v", req.body, err)
			}
			fmt.Fprintf(&b, "read %s %s: %s %+v\n", req.kind, req.body, ve.Message, ve.Fields)
			continue
		}
		fmt.Fprintf(&b, "read %s %s: %s\n", req.kind, req.body, render(reflect.ValueOf(v)))
	}
	got := []byte(b.String())
	p0 := filepath.Join("testdata", "registry_wire.txt")
	if *update {
		if err := os.WriteFile(p0, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(p0)
	if err != nil {
		t.Fatalf("%v (run go test ./api -run RegistryWirePinned -update)", err)
	}
	if string(got) != string(want) {
		t.Errorf("registry wire differs from %s:\n%s", p0, got)
	}
}

// render writes a struct's fields by Go name (no JSON tags involved) with
// pointers followed, so a request read before and after a change of types
// compares.
func render(v reflect.Value) string {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return "nil"
		}
		return "&" + render(v.Elem())
	case reflect.Struct:
		var parts []string
		for i := range v.NumField() {
			parts = append(parts, v.Type().Field(i).Name+":"+render(v.Field(i)))
		}
		return "{" + strings.Join(parts, " ") + "}"
	case reflect.Slice:
		if v.IsNil() {
			return "nil"
		}
		var parts []string
		for i := range v.Len() {
			parts = append(parts, render(v.Index(i)))
		}
		return "[" + strings.Join(parts, " ") + "]"
	}
	return fmt.Sprintf("%q", fmt.Sprint(v.Interface()))
}
