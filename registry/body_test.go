package registry_test

import (
	"context"
	"strings"
	"testing"

	"ecinema/internal/apptest"
	"ecinema/internal/pgtest"
	"ecinema/ledger"
	"ecinema/registry"
)

// TestEntryBodiesPinned pins the bytes of the registry's ledger entries
// (party, cinema, film, rental_terms) written through the real write path
// for fixed input: normalised values, field order, omitted version, an
// effective_from only with a change of holder, no HTML escaping. These
// bytes are hashed into the ledger and never change.
func TestEntryBodiesPinned(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	reg := env.App.Registry
	vat := false
	for _, p := range []registry.Party{
		{ID: "exh", Version: 9, Kind: "exhibitor", Name: "  Kinopark <Astana> & Co ", BIN: "100000000001"},
		{Kind: "exhibitor", Name: "Арман ТОО", BIN: "070440000096"},
		{Kind: "producer", Name: "Қазақфильм", BIN: "000000000101"},
		{Kind: "producer", Name: "Shaken", BIN: "100100000045"},
		{Kind: "distributor", Name: "Meloman", BIN: "100100000065"},
		{Kind: "rights_holder", Name: "Әлия", BIN: "100000000001"},
	} {
		id := p.ID
		if id == "" {
			id = strings.ToLower(p.Kind[:3]) + "-" + p.BIN[len(p.BIN)-2:]
		}
		if _, err := reg.PutParty(ctx, "test", id, p); err != nil {
			t.Fatal(err)
		}
	}
	cin := registry.Cinema{ID: "kp7", Version: 3, Name: " Kinopark 7 ", ExhibitorID: "exh", Region: "KZ-71", City: "Astana ",
		VATPayer: &vat, Halls: []registry.Hall{{ID: "h1", Name: " Зал 1", Seats: 100}}, EffectiveFrom: "2026-03-01"}
	if _, err := reg.PutCinema(ctx, "test", "kp7", cin); err != nil {
		t.Fatal(err)
	}
	cin.ExhibitorID, cin.EffectiveFrom = "exh-96", "2026-04-01"
	if _, err := reg.PutCinema(ctx, "test", "kp7", cin); err != nil {
		t.Fatal(err)
	}
	f := registry.Film{Title: registry.Title{KK: " Аманат ", RU: "Аманат", EN: "Amanat"}, Origin: "national", Countries: []string{"KZ", "FR"},
		ReleaseDate: "2026-03-05", RuntimeMin: 120, AgeRating: "12+",
		Certificate: registry.Certificate{Number: " C-1 ", ValidFrom: "2026-03-01", ValidTo: "2027-03-01"},
		ProducerID:  "pro-01", DistributorID: "dis-65", DistributionFeePct: "15.00", RecoupableExpenses: "1000", RoyaltyPct: "1.50",
		RightsHolders: []registry.RightsShare{{PartyID: "rig-01", Role: " composer ", SharePct: "100.0"}},
		RentalTerms:   []registry.RentalStep{{FromWeek: 1, DistributorPct: "55.0"}, {FromWeek: 3, DistributorPct: "50"}}}
	if _, err := reg.PutFilm(ctx, "test", "amanat", f); err != nil {
		t.Fatal(err)
	}
	f.ProducerID, f.EffectiveFrom, f.RoyaltyPct, f.RightsHolders = "pro-45", "2026-05-01", "0", nil
	if _, err := reg.PutFilm(ctx, "test", "amanat", f); err != nil {
		t.Fatal(err)
	}
	if _, err := reg.PutRentalTerms(ctx, "test", "amanat", "exh-96", registry.RentalTerms{Version: 2, EffectiveFrom: "2026-04-02",
		Scale: []registry.RentalStep{{FromWeek: 1, DistributorPct: "60.50"}}}); err != nil {
		t.Fatal(err)
	}
	want := []string{
		`party {"id":"exh","kind":"exhibitor","name":"Kinopark <Astana> & Co","bin":"100000000001"}`,
		`party {"id":"exh-96","kind":"exhibitor","name":"Арман ТОО","bin":"070440000096"}`,
		`party {"id":"pro-01","kind":"producer","name":"Қазақфильм","bin":"000000000101"}`,
		`party {"id":"pro-45","kind":"producer","name":"Shaken","bin":"100100000045"}`,
		`party {"id":"dis-65","kind":"distributor","name":"Meloman","bin":"100100000065"}`,
		`party {"id":"rig-01","kind":"rights_holder","name":"Әлия","bin":"100000000001"}`,
		`cinema {"id":"kp7","name":"Kinopark 7","exhibitor_id":"exh","region":"KZ-71","city":"Astana","vat_payer":false,` +
			`"halls":[{"id":"h1","name":"Зал 1","seats":100}]}`,
		`cinema {"id":"kp7","name":"Kinopark 7","exhibitor_id":"exh-96","region":"KZ-71","city":"Astana","vat_payer":false,` +
			`"halls":[{"id":"h1","name":"Зал 1","seats":100}],"effective_from":"2026-04-01"}`,
		`film {"id":"amanat","title":{"kk":"Аманат","ru":"Аманат","en":"Amanat"},"origin":"national","countries":["KZ","FR"],` +
			`"release_date":"2026-03-05","runtime_min":120,"age_rating":"12+","certificate":{"number":"C-1","valid_from":"2026-03-01",` +
			`"valid_to":"2027-03-01"},"producer_id":"pro-01","distributor_id":"dis-65","distribution_fee_pct":"15",` +
			`"recoupable_expenses":"1000.00","royalty_pct":"1.5","rights_holders":[{"party_id":"rig-01","role":"composer","share_pct":"100"}],` +
			`"rental_terms":[{"from_week":1,"distributor_pct":"55"},{"from_week":3,"distributor_pct":"50"}]}`,
		`film {"id":"amanat","title":{"kk":"Аманат","ru":"Аманат","en":"Amanat"},"origin":"national","countries":["KZ","FR"],` +
			`"release_date":"2026-03-05","runtime_min":120,"age_rating":"12+","certificate":{"number":"C-1","valid_from":"2026-03-01",` +
			`"valid_to":"2027-03-01"},"producer_id":"pro-45","distributor_id":"dis-65","distribution_fee_pct":"15",` +
			`"recoupable_expenses":"1000.00","royalty_pct":"0","rights_holders":[],` +
			`"rental_terms":[{"from_week":1,"distributor_pct":"55"},{"from_week":3,"distributor_pct":"50"}],"effective_from":"2026-05-01"}`,
		`rental_terms {"film_id":"amanat","exhibitor_id":"exh-96","effective_from":"2026-04-02","scale":[{"from_week":1,"distributor_pct":"60.5"}]}`,
	}
	rows, err := pgtest.OwnerPool(t, env.DBURL).Query(ctx, `SELECT kind, bytes FROM ledger_entries ORDER BY seq`)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	var kind string
	var b []byte
	for rows.Next() {
		if err := rows.Scan(&kind, &b); err != nil {
			t.Fatal(err)
		}
		body, err := ledger.EntryBody(b)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, kind+" "+string(body))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("%d entries, want %d:\n%s", len(got), len(want), strings.Join(got, "\n"))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("entry %d:\n got %s\nwant %s", i+1, got[i], want[i])
		}
	}
}
