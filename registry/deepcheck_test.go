package registry_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"ecinema/internal/apptest"
	"ecinema/internal/pgtest"
	"ecinema/ledger"
	"ecinema/registry"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func TestDeepCheckFindsTamperedRegistryRows(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	reg := env.App.Registry
	vat := true
	for _, p := range []registry.Party{
		{ID: "exh", Kind: "exhibitor", Name: "Kinopark", BIN: "100000000001"},
		{ID: "prod", Kind: "producer", Name: "Kazakhfilm", BIN: "070440000096"},
		{ID: "dist", Kind: "distributor", Name: "Meloman", BIN: "000000000101"},
	} {
		if _, err := reg.PutParty(ctx, "test", p.ID, p); err != nil {
			t.Fatal(err)
		}
	}
	cin := registry.Cinema{Name: "Kinopark 7", ExhibitorID: "exh", Region: "KZ-71", City: "Astana", VATPayer: &vat,
		Halls: []registry.Hall{{ID: "h1", Name: "1", Seats: 100}, {ID: "h2", Name: "2", Seats: 80}}}
	if _, err := reg.PutCinema(ctx, "test", "kp7", cin); err != nil {
		t.Fatal(err)
	}
	cin.Halls = cin.Halls[:1]
	if _, err := reg.PutCinema(ctx, "test", "kp7", cin); err != nil {
		t.Fatal(err)
	}
	f := registry.Film{Title: registry.Title{KK: "Аманат", RU: "Аманат", EN: "Amanat"}, Origin: "national", Countries: []string{"KZ"},
		ReleaseDate: "2026-03-05", RuntimeMin: 120, AgeRating: "12+",
		Certificate: registry.Certificate{Number: "C-1", ValidFrom: "2026-03-01", ValidTo: "2027-03-01"},
		ProducerID:  "prod", DistributorID: "dist", DistributionFeePct: "15", RecoupableExpenses: "0", RoyaltyPct: "0",
		RentalTerms: []registry.RentalStep{{FromWeek: 1, DistributorPct: "55"}}}
	if _, err := reg.PutFilm(ctx, "test", "amanat", f); err != nil {
		t.Fatal(err)
	}
	if _, err := env.App.Publisher.Publish(ctx); err != nil {
		t.Fatal(err)
	}
	verifier, err := ledger.NewVerifier(env.Verifier)
	if err != nil {
		t.Fatal(err)
	}
	owner := pgtest.OwnerPool(t, env.DBURL)
	verify := func() error {
		_, err := ledger.VerifyDB(ctx, owner, ledger.VerifyOptions{Verifier: verifier, Origin: "ecinema.test/ledger",
			Deep: []ledger.DeepCheck{registry.NewDeepCheck()}})
		return err
	}
	if err := verify(); err != nil {
		t.Fatalf("untouched registry: %v", err)
	}
	for _, tc := range []struct{ table, tamper, undo string }{
		{"parties", "UPDATE parties SET name = 'Someone else' WHERE id = 'prod'", "UPDATE parties SET name = 'Kazakhfilm' WHERE id = 'prod'"},
		{"halls", "UPDATE halls SET seats = 500 WHERE cinema_id = 'kp7'", "UPDATE halls SET seats = 100 WHERE cinema_id = 'kp7'"},
		{"films", "UPDATE films SET royalty_pct = 5 WHERE id = 'amanat'", "UPDATE films SET royalty_pct = 0 WHERE id = 'amanat'"},
		{"film_rental_terms", "UPDATE film_rental_terms SET distributor_pct = 40", "UPDATE film_rental_terms SET distributor_pct = 55"},
	} {
		if _, err := owner.Exec(ctx, tc.tamper); err != nil {
			t.Fatal(err)
		}
		err := verify()
		var ve *ledger.VerifyError
		if !errors.As(err, &ve) || ve.Reason != ledger.ReasonProjection || !strings.Contains(ve.Detail, "table "+tc.table+":") {
			t.Fatalf("after %q: verify = %v, want a mismatch in %s", tc.tamper, err, tc.table)
		}
		if _, err := owner.Exec(ctx, tc.undo); err != nil {
			t.Fatal(err)
		}
	}
	if err := verify(); err != nil {
		t.Fatalf("after undoing every change: %v", err)
	}
}
