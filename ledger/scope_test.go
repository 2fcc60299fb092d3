package ledger_test

import (
	"errors"
	"testing"
	"time"

	"ecinema/internal/pgtest"
	"ecinema/ledger"
)

func TestReadScopes(t *testing.T) {
	t.Parallel()
	url := pgtest.NewDatabase(t)
	ctx := t.Context()
	pool := pgtest.Pool(t, url)
	w := startWriter(t, pool, ledger.WriterConfig{})
	// The ledger knows no parties: a scope is a list of grants the layer
	// above resolved (exhibitor exh1 operates c1 and c2, exh2 c3; prod1
	// produces f1, prod2 f2, dist1 distributes both).
	// seq: 0 party (no scope), 1 c1/f1, 2 c2/f2, 3 c3/f1, 4 film f2 (no cinema), 5 cinema c3;
	// the sales' business days are their bodies' box_office_day.
	days := []string{"", "2026-01-10", "2026-02-10", "2026-03-10", "", ""}
	recs := []ledger.Record{
		{Kind: "party"}, {Kind: "sale", CinemaID: "c1", FilmID: "f1", Flags: []string{"late_report", "sold_after_start"}}, {Kind: "sale", CinemaID: "c2", FilmID: "f2"},
		{Kind: "sale", CinemaID: "c3", FilmID: "f1"}, {Kind: "film", FilmID: "f2"}, {Kind: "cinema", CinemaID: "c3"},
	}
	for i, r := range recs {
		body := map[string]any{"i": i}
		if days[i] != "" {
			body["box_office_day"] = days[i]
		}
		r.Actor, r.Body = "system", body
		if e, err := w.Append(ctx, r); err != nil || e.Seq != int64(i) {
			t.Fatalf("append %d: %v", i, err)
		}
	}
	rd := ledger.NewReader(pool, "")
	g := func(ids ...string) []ledger.Grant {
		var gs []ledger.Grant
		for _, id := range ids {
			gs = append(gs, ledger.Grant{ID: id})
		}
		return gs
	}
	day := func(s string) time.Time { d, _ := time.Parse(time.DateOnly, s); return d }
	for _, tc := range []struct {
		name  string
		scope ledger.Scope
		want  []int64
	}{
		{"admin/auditor", ledger.Scope{All: true}, []int64{0, 1, 2, 3, 4, 5}},
		{"pos c1", ledger.Scope{Cinemas: g("c1")}, []int64{1}},
		{"exhibitor exh1", ledger.Scope{Cinemas: g("c1", "c2")}, []int64{1, 2}},
		{"exhibitor exh2", ledger.Scope{Cinemas: g("c3")}, []int64{3, 5}},
		{"producer prod1", ledger.Scope{Films: g("f1")}, []int64{1, 3}},
		{"distributor dist1", ledger.Scope{Films: g("f1", "f2")}, []int64{1, 2, 3, 4}},
		{"producer prod2", ledger.Scope{Films: g("f2")}, []int64{2, 4}},
		{"no grants (analyst)", ledger.Scope{}, nil},
		// Dated grants: the days are the sales' box-office days; an entry
		// without one (the cinema entry 5) is covered by any grant of its id.
		{"c3 until 2026-03-10", ledger.Scope{Cinemas: []ledger.Grant{{ID: "c3", To: day("2026-03-10")}}}, []int64{5}},
		{"c3 from 2026-03-11", ledger.Scope{Cinemas: []ledger.Grant{{ID: "c3", From: day("2026-03-11")}}}, []int64{5}},
		{"c3 on 2026-03-10 only", ledger.Scope{Cinemas: []ledger.Grant{{ID: "c3", From: day("2026-03-10"), To: day("2026-03-11")}}}, []int64{3, 5}},
		{"c1 and c3 before 2026-03-10", ledger.Scope{Cinemas: []ledger.Grant{{ID: "c1"}, {ID: "c3", To: day("2026-03-10")}}}, []int64{1, 5}},
		{"f1 in January, f2 from February", ledger.Scope{Films: []ledger.Grant{{ID: "f1", To: day("2026-02-01")}, {ID: "f2", From: day("2026-02-01")}}}, []int64{1, 2, 4}},
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

// TestChanges: the reader of what changed since a seq groups entries by
// kind, cinema and film, and with Days gives the earliest box-office day
// and whether some entry names none.
func TestChanges(t *testing.T) {
	t.Parallel()
	url := pgtest.NewDatabase(t)
	pool := pgtest.Pool(t, url)
	ctx := t.Context()
	w := startWriter(t, pool, ledger.WriterConfig{})
	recs := []ledger.Record{
		{Kind: "sale", CinemaID: "c1", FilmID: "f1", Body: map[string]any{"box_office_day": "2026-02-03"}},
		{Kind: "sale", CinemaID: "c1", FilmID: "f1", Body: map[string]any{"box_office_day": "2026-01-31"}},
		{Kind: "refund", CinemaID: "c2", FilmID: "f1", Body: map[string]any{}},
		{Kind: "film", FilmID: "f2", Body: map[string]any{}},
		{Kind: "sale", CinemaID: "c2", FilmID: "f2", Body: map[string]any{"box_office_day": "2026-03-01"}},
	}
	for i, r := range recs {
		r.Actor = "system"
		if _, err := w.Append(ctx, r); err != nil {
			t.Fatalf("append %d: %v", i, err)
		}
	}
	d := func(s string) time.Time { x, _ := time.Parse(time.DateOnly, s); return x }
	got, err := ledger.Changes(ctx, pool, ledger.ChangeQuery{From: 0, To: 4, Kinds: []string{"sale", "refund"}, Days: true})
	if err != nil {
		t.Fatal(err)
	}
	want := []ledger.Change{
		{Kind: "refund", CinemaID: "c2", FilmID: "f1", Entries: 1, Undated: true},
		{Kind: "sale", CinemaID: "c1", FilmID: "f1", Entries: 2, FirstDay: d("2026-01-31")},
	}
	if len(got) != len(want) {
		t.Fatalf("changes = %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("change %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	got, err = ledger.Changes(ctx, pool, ledger.ChangeQuery{From: 3})
	if err != nil || len(got) != 0 {
		t.Fatalf("empty range: %+v, %v", got, err)
	}
	got, err = ledger.Changes(ctx, pool, ledger.ChangeQuery{From: 2, To: 5})
	if err != nil || len(got) != 3 || got[0].Kind != "film" || got[0].FilmID != "f2" || got[0].CinemaID != "" || !got[0].FirstDay.IsZero() {
		t.Fatalf("every kind, no days: %+v, %v", got, err)
	}
}
