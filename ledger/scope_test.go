package ledger_test

import (
	"errors"
	"testing"

	"ecinema/internal/pgtest"
	"ecinema/ledger"
)

func TestReadScopes(t *testing.T) {
	t.Parallel()
	url := pgtest.NewDatabase(t)
	owner := pgtest.OwnerPool(t, url)
	ctx := t.Context()
	for _, s := range []string{
		`INSERT INTO parties (id, version, kind, name, bin, entry_seq) VALUES
		  ('exh1', 1, 'exhibitor', 'Kinopark', '000000000000', 0), ('exh2', 1, 'exhibitor', 'Chaplin', '000000000000', 0),
		  ('prod1', 1, 'producer', 'Qazaqfilm', '000000000000', 0), ('dist1', 1, 'distributor', 'Dist', '000000000000', 0),
		  ('prod2', 1, 'producer', 'Other', '000000000000', 0)`,
		`INSERT INTO cinemas (id, version, name, exhibitor_id, region, city, vat_payer, entry_seq) VALUES
		  ('c1', 1, 'A', 'exh1', 'KZ-75', 'Almaty', true, 0), ('c2', 1, 'B', 'exh1', 'KZ-71', 'Astana', true, 0),
		  ('c3', 1, 'C', 'exh2', 'KZ-79', 'Shymkent', true, 0)`,
		`INSERT INTO films (id, version, title_kk, title_ru, title_en, origin, countries, release_date, runtime_min, age_rating,
		  certificate_number, certificate_valid_from, certificate_valid_to, producer_id, distributor_id,
		  distribution_fee_pct, recoupable_expenses, royalty_pct, entry_seq) VALUES
		  ('f1', 1, 'a', 'a', 'a', 'national', '{KZ}', '2026-01-01', 90, '12+', 'N1', '2026-01-01', '2027-01-01', 'prod1', 'dist1', 15, 0, 1, 0),
		  ('f2', 1, 'b', 'b', 'b', 'foreign', '{US}', '2026-01-01', 90, '12+', 'N2', '2026-01-01', '2027-01-01', 'prod2', 'dist1', 15, 0, 1, 0)`,
	} {
		if _, err := owner.Exec(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	pool := pgtest.Pool(t, url)
	w := startWriter(t, pool, ledger.WriterConfig{})
	// seq: 0 party (no scope), 1 c1/f1, 2 c2/f2, 3 c3/f1, 4 film f2 (no cinema), 5 cinema c3
	recs := []ledger.Record{
		{Kind: "party"}, {Kind: "sale", CinemaID: "c1", FilmID: "f1", Flags: []string{"late_report", "sold_after_start"}}, {Kind: "sale", CinemaID: "c2", FilmID: "f2"},
		{Kind: "sale", CinemaID: "c3", FilmID: "f1"}, {Kind: "film", FilmID: "f2"}, {Kind: "cinema", CinemaID: "c3"},
	}
	for i, r := range recs {
		r.Actor, r.Body = "system", map[string]int{"i": i}
		if e, err := w.Append(ctx, r); err != nil || e.Seq != int64(i) {
			t.Fatalf("append %d: %v", i, err)
		}
	}
	rd := ledger.NewReader(pool, "")
	for _, tc := range []struct {
		name  string
		scope ledger.Scope
		want  []int64
	}{
		{"admin/auditor", ledger.Scope{All: true}, []int64{0, 1, 2, 3, 4, 5}},
		{"pos c1", ledger.Scope{CinemaID: "c1"}, []int64{1}},
		{"exhibitor exh1", ledger.Scope{ExhibitorID: "exh1"}, []int64{1, 2}},
		{"exhibitor exh2", ledger.Scope{ExhibitorID: "exh2"}, []int64{3, 5}},
		{"producer prod1", ledger.Scope{FilmPartyID: "prod1"}, []int64{1, 3}},
		{"distributor dist1", ledger.Scope{FilmPartyID: "dist1"}, []int64{1, 2, 3, 4}},
		{"producer prod2", ledger.Scope{FilmPartyID: "prod2"}, []int64{2, 4}},
		{"exhibitor exh1 as producer", ledger.Scope{FilmPartyID: "exh1"}, nil},
		{"analyst (none)", ledger.Scope{}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []int64
			if err := rd.Export(ctx, 0, -1, tc.scope, func(e ledger.Entry) error { got = append(got, e.Seq); return nil }); err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("export = %v, want %v", got, tc.want)
			}
			in := map[int64]bool{}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Fatalf("export = %v, want %v", got, tc.want)
				}
				in[got[i]] = true
			}
			for seq := int64(0); seq < 6; seq++ {
				_, err := rd.EntryIn(ctx, seq, tc.scope)
				switch {
				case in[seq] && err != nil:
					t.Errorf("entry %d: %v", seq, err)
				case !in[seq] && !errors.Is(err, ledger.ErrOutOfScope):
					t.Errorf("entry %d: err = %v, want ErrOutOfScope", seq, err)
				}
			}
		})
	}
	e1, err := rd.EntryIn(ctx, 1, ledger.Scope{All: true})
	if err != nil || len(e1.Flags) != 2 || e1.Flags[0] != "late_report" || e1.Flags[1] != "sold_after_start" || e1.CinemaID != "c1" || e1.FilmID != "f1" {
		t.Fatalf("entry 1 = %+v, %v", e1, err)
	}
	e0, err := rd.EntryIn(ctx, 0, ledger.Scope{All: true})
	if err != nil || e0.Flags == nil || len(e0.Flags) != 0 || e0.CinemaID != "" {
		t.Fatalf("entry 0 flags = %#v, cinema %q, %v", e0.Flags, e0.CinemaID, err)
	}
	if _, err := rd.EntryIn(ctx, 6, ledger.Scope{All: true}); !errors.Is(err, ledger.ErrNotFound) {
		t.Fatalf("entry 6: %v", err)
	}
	var got []int64
	rd.Export(ctx, 2, 4, ledger.Scope{All: true}, func(e ledger.Entry) error { got = append(got, e.Seq); return nil })
	if len(got) != 2 || got[0] != 2 || got[1] != 3 {
		t.Fatalf("export 2..4 = %v", got)
	}
	if err := rd.Export(ctx, 7, -1, ledger.Scope{All: true}, func(ledger.Entry) error { return nil }); !errors.Is(err, ledger.ErrBadRange) {
		t.Fatalf("export from 7: %v", err)
	}
}
