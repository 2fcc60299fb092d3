package boxoffice

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"ecinema/internal/pgtest"
)

// The screenings rollups, bitmaps padded to the numbering's current length
// (a refresh pads to the length at its time, so a row written earlier may
// be shorter; the rankings unite bitmaps of any length), in one order.
var screensTables = []struct{ name, q string }{
	{"screens_daily", `SELECT film_id, box_office_day, screenings, boxoffice_pad(cinemas, (SELECT coalesce(max(no), -1) + 1 FROM boxoffice_cinema_numbers))::text,
  boxoffice_pad(halls, (SELECT coalesce(max(no), -1) + 1 FROM boxoffice_hall_numbers))::text FROM screens_daily ORDER BY 1, 2`},
	{"screens_weekly", `SELECT film_id, week, screenings, boxoffice_pad(cinemas, (SELECT coalesce(max(no), -1) + 1 FROM boxoffice_cinema_numbers))::text,
  boxoffice_pad(halls, (SELECT coalesce(max(no), -1) + 1 FROM boxoffice_hall_numbers))::text FROM screens_weekly ORDER BY 1, 2`},
	{"screens_monthly", `SELECT film_id, month, screenings, boxoffice_pad(cinemas, (SELECT coalesce(max(no), -1) + 1 FROM boxoffice_cinema_numbers))::text,
  boxoffice_pad(halls, (SELECT coalesce(max(no), -1) + 1 FROM boxoffice_hall_numbers))::text FROM screens_monthly ORDER BY 1, 2`},
	{"screenings_region_daily", `SELECT film_id, box_office_day, region, screenings FROM screenings_region_daily ORDER BY 1, 2, 3`},
	{"screenings_region_weekly", `SELECT film_id, week, region, screenings FROM screenings_region_weekly ORDER BY 1, 2, 3`},
	{"screenings_region_monthly", `SELECT film_id, month, region, screenings FROM screenings_region_monthly ORDER BY 1, 2, 3`},
}

// screensSnapshot returns every row of the screenings rollups as text.
func screensSnapshot(t *testing.T, q pgx.Tx) [][]string {
	t.Helper()
	out := make([][]string, len(screensTables))
	for i, tb := range screensTables {
		rows, err := q.Query(context.Background(), tb.q)
		if err != nil {
			t.Fatalf("%s: %v", tb.name, err)
		}
		for rows.Next() {
			vals, err := rows.Values()
			if err != nil {
				t.Fatal(err)
			}
			var b strings.Builder
			for _, v := range vals {
				if d, ok := v.(time.Time); ok {
					v = d.Format(DateLayout)
				}
				fmt.Fprintf(&b, "%v|", v)
			}
			out[i] = append(out[i], b.String())
		}
		if err := rows.Err(); err != nil {
			t.Fatalf("%s: %v", tb.name, err)
		}
	}
	return out
}

// checkScreensEqualRefresh compares the screenings rollups as the triggers
// left them with what boxoffice_screens_refresh_all() (the full
// recomputation from screenings_daily, screenings and cinemas) writes, row
// by row, in a transaction rolled back.
func checkScreensEqualRefresh(t *testing.T, owner *pgxpool.Pool, step string) {
	t.Helper()
	ctx := context.Background()
	tx, err := owner.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	kept := screensSnapshot(t, tx)
	if _, err := tx.Exec(ctx, `SELECT boxoffice_screens_refresh_all()`); err != nil {
		t.Fatal(err)
	}
	full := screensSnapshot(t, tx)
	for i, tb := range screensTables {
		if slices.Equal(kept[i], full[i]) {
			continue
		}
		a, b := kept[i], full[i]
		j := 0
		for j < len(a) && j < len(b) && a[j] == b[j] {
			j++
		}
		at := func(s []string) string {
			if j < len(s) {
				return s[j]
			}
			return "(none)"
		}
		t.Fatalf("after %s: %s differs from the full refresh (%d rows kept, %d recomputed); first difference at row %d: kept %s, recomputed %s",
			step, tb.name, len(a), len(b), j, at(a), at(b))
	}
}

// Ingest's registration statements (ingest/screenings.go: a run of
// screening entries), so that the common path is tested in its own shape.
const (
	qRegLeave = `UPDATE screenings_daily d SET screenings = d.screenings - x.n
FROM (SELECT s.cinema_id, s.film_id, s.box_office_day, count(*)::int AS n
      FROM unnest($1::text[], $2::text[]) AS u(cinema_id, id)
      JOIN screenings s ON s.cinema_id = u.cinema_id AND s.id = u.id
      GROUP BY 1, 2, 3) x
WHERE d.cinema_id = x.cinema_id AND d.film_id = x.film_id AND d.box_office_day = x.box_office_day`
	qRegUpsert = `INSERT INTO screenings AS s (cinema_id, id, hall_id, film_id, starts_at, ends_at, box_office_day, format, language, entry_seq, seats, version)
SELECT c, i, h, f, d + time '12:00', d + time '14:00', d, '2D', 'kk', 0, 100, 1
FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::date[]) AS u(c, i, h, f, d)
ON CONFLICT (cinema_id, id) DO UPDATE SET hall_id = EXCLUDED.hall_id, film_id = EXCLUDED.film_id,
  starts_at = EXCLUDED.starts_at, ends_at = EXCLUDED.ends_at, box_office_day = EXCLUDED.box_office_day, version = s.version + 1`
	qRegDailyUpdate = `UPDATE screenings_daily d SET screenings = d.screenings + u.n
FROM unnest($1::text[], $2::text[], $3::date[], $4::int[]) AS u(cinema_id, film_id, box_office_day, n)
WHERE d.cinema_id = u.cinema_id AND d.film_id = u.film_id AND d.box_office_day = u.box_office_day`
	qRegDailyInsert = `INSERT INTO screenings_daily (cinema_id, film_id, box_office_day, screenings)
SELECT u.cinema_id, u.film_id, u.box_office_day, u.n
FROM unnest($1::text[], $2::text[], $3::date[], $4::int[]) AS u(cinema_id, film_id, box_office_day, n)
WHERE NOT EXISTS (SELECT 1 FROM screenings_daily d
  WHERE d.cinema_id = u.cinema_id AND d.film_id = u.film_id AND d.box_office_day = u.box_office_day)`
)

// TestScreensIncrementalEqualsRefresh runs a random mix over several films,
// cinemas in three regions, days of three months (and their weeks, the
// short week 29..end included): registrations in ingest's four statements
// (new screenings, replacements in place and to another hall, film or day),
// sales and refunds (sales_daily and the screenings' totals), counts raised
// and lowered, set to zero, moved to another day, rows inserted and updated
// by one upsert, deletes of screenings and counts, a cinema moving region
// and a TRUNCATE; after every step each screenings rollup (migrations 0019,
// 0022, kept by deltas since 0023) equals, row for row, what
// boxoffice_screens_refresh_all() recomputes. A registration into a
// film-day with screenings runs no refresh, and the deep check finds every
// rollup equal to its rebuild at the end.
func TestScreensIncrementalEqualsRefresh(t *testing.T) {
	url := pgtest.NewDatabase(t)
	owner := pgtest.OwnerPool(t, url)
	ctx := t.Context()
	exec := func(q string, args ...any) error {
		t.Helper()
		_, err := owner.Exec(ctx, q, args...)
		return err
	}
	must := func(q string, args ...any) {
		t.Helper()
		if err := exec(q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	regions := []string{"KZ-75", "KZ-71", "KZ-35"}
	must(`INSERT INTO parties (id, version, kind, name, bin, entry_seq) VALUES
  ('ex', 1, 'exhibitor', 'Exhibitor', '000000000000', 0),
  ('pr', 1, 'producer', 'Producer', '000000000000', 0),
  ('di', 1, 'distributor', 'Distributor', '000000000000', 0)`)
	const nCinemas, nFilms, nHalls = 7, 4, 3
	for c := range nCinemas - 1 { // the last cinema is registered later
		must(`INSERT INTO cinemas (id, version, name, exhibitor_id, region, city, vat_payer, entry_seq)
VALUES ($1, 1, $1, 'ex', $2, 'City', true, 0)`, fmt.Sprintf("c%d", c), regions[c%len(regions)])
	}
	for f := range nFilms {
		must(`INSERT INTO films (id, version, title_kk, title_ru, title_en, origin, countries, release_date, runtime_min, age_rating,
  certificate_number, certificate_valid_from, certificate_valid_to, producer_id, distributor_id,
  distribution_fee_pct, recoupable_expenses, royalty_pct, entry_seq)
VALUES ($1, 1, $1, $1, $1, 'national', ARRAY['KZ'], '2025-10-01', 100, '12+', 'N', '2025-01-01', '2027-01-01', 'pr', 'di', 15, 0, 1, 0)`,
			fmt.Sprintf("f%d", f))
	}
	r := rand.New(rand.NewPCG(23, 10))
	first := d("2026-01-26")
	const days = 40 // to 2026-03-06
	day := func() time.Time { return first.AddDate(0, 0, r.IntN(days)) }
	film := func() string { return fmt.Sprintf("f%d", r.IntN(nFilms)) }
	cinema := func() string { return fmt.Sprintf("c%d", r.IntN(nCinemas)) }
	hall := func() string { return fmt.Sprintf("h%d", r.IntN(nHalls)) }
	type scr struct {
		cinema, id, hall, film string
		day                    time.Time
	}
	var screenings []scr // as registered (deletes and moves by other statements are not followed)
	pick := func() scr { return screenings[r.IntN(len(screenings))] }

	// register runs one run of screening entries as ingest does: the stored
	// versions replaced leave screenings_daily, the screenings are upserted,
	// the counts of the new versions added (updated, then inserted).
	register := func(in []scr) {
		t.Helper()
		var ci, ii, hi, fi []string
		var di []time.Time
		type key struct {
			c, f string
			d    time.Time
		}
		delta := map[key]int32{}
		var order []key
		for _, s := range in {
			ci, ii, hi, fi, di = append(ci, s.cinema), append(ii, s.id), append(hi, s.hall), append(fi, s.film), append(di, s.day)
			k := key{s.cinema, s.film, s.day}
			if _, ok := delta[k]; !ok {
				order = append(order, k)
			}
			delta[k]++
		}
		var dc, df []string
		var dd []time.Time
		var dn []int32
		for _, k := range order {
			dc, df, dd, dn = append(dc, k.c), append(df, k.f), append(dd, k.d), append(dn, delta[k])
		}
		tx, err := owner.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback(ctx)
		for _, st := range []struct {
			q    string
			args []any
		}{
			{qRegLeave, []any{ci, ii}},
			{qRegUpsert, []any{ci, ii, hi, fi, di}},
			{qRegDailyUpdate, []any{dc, df, dd, dn}},
			{qRegDailyInsert, []any{dc, df, dd, dn}},
		} {
			if _, err := tx.Exec(ctx, st.q, st.args...); err != nil {
				t.Fatalf("registration: %v", err)
			}
		}
		if err := tx.Commit(ctx); err != nil {
			t.Fatal(err)
		}
	}

	nextID := 0
	newScreening := func() scr {
		nextID++
		return scr{cinema(), fmt.Sprintf("s%d", nextID), hall(), film(), day()}
	}
	ops := []struct {
		name   string
		weight int
		run    func()
	}{
		{"registrations", 12, func() {
			var in []scr
			for range 1 + r.IntN(4) {
				s := newScreening()
				in = append(in, s)
				screenings = append(screenings, s)
			}
			register(in)
		}},
		{"registrations into one film-day", 4, func() {
			s := newScreening()
			in := []scr{s}
			for range r.IntN(3) {
				nextID++
				in = append(in, scr{s.cinema, fmt.Sprintf("s%d", nextID), hall(), s.film, s.day})
			}
			screenings = append(screenings, in...)
			register(in)
		}},
		{"a replacement in place", 2, func() {
			s := pick()
			register([]scr{s})
		}},
		{"a replacement to another hall, film or day", 3, func() {
			s := pick()
			switch r.IntN(3) {
			case 0:
				s.hall = hall()
			case 1:
				s.film = film()
			default:
				s.day = day()
			}
			register([]scr{s})
		}},
		{"sales", 4, func() {
			s := pick()
			n := 1 + r.IntN(4)
			must(`INSERT INTO sales_daily AS d (cinema_id, film_id, box_office_day, sale_date, gross, admissions) VALUES ($1, $2, $3, $3, $4, $5)
ON CONFLICT (cinema_id, film_id, box_office_day, sale_date) DO UPDATE SET gross = d.gross + EXCLUDED.gross, admissions = d.admissions + EXCLUDED.admissions`,
				s.cinema, s.film, s.day, n*1500, n)
			must(`UPDATE screenings SET tickets_sold = tickets_sold + $3, tickets_active = tickets_active + $3, gross = gross + $3 * 1500
WHERE cinema_id = $1 AND id = $2`, s.cinema, s.id, n)
		}},
		{"a refund", 2, func() {
			s := pick()
			must(`INSERT INTO sales_daily AS d (cinema_id, film_id, box_office_day, sale_date, gross, admissions) VALUES ($1, $2, $3, $3, -1500, -1)
ON CONFLICT (cinema_id, film_id, box_office_day, sale_date) DO UPDATE SET gross = d.gross + EXCLUDED.gross, admissions = d.admissions + EXCLUDED.admissions`,
				s.cinema, s.film, s.day)
			must(`UPDATE screenings SET tickets_active = tickets_active - 1, gross = gross - 1500
WHERE cinema_id = $1 AND id = $2 AND tickets_active > 0 AND gross >= 1500`, s.cinema, s.id)
		}},
		{"counts raised and lowered (none to zero)", 3, func() {
			must(`UPDATE screenings_daily SET screenings = CASE WHEN screenings > 1 AND (length(cinema_id) + extract(day FROM box_office_day)::int + $3) % 2 = 0
  THEN screenings - 1 ELSE screenings + 1 END
WHERE film_id = $1 AND box_office_day BETWEEN $2 AND $2 + 10`, film(), day(), r.IntN(2))
		}},
		{"a count set to zero", 2, func() {
			must(`UPDATE screenings_daily SET screenings = 0 WHERE cinema_id = $1 AND film_id = $2`, cinema(), film())
		}},
		{"zero counts raised", 1, func() {
			must(`UPDATE screenings_daily SET screenings = screenings + 2 WHERE screenings = 0 AND cinema_id = $1`, cinema())
		}},
		{"counts moved to another day", 1, func() {
			// Far from the other days, so no key is taken.
			err := exec(`UPDATE screenings_daily SET box_office_day = box_office_day + 45 WHERE cinema_id = $1 AND film_id = $2 AND box_office_day < $3`,
				cinema(), film(), first.AddDate(0, 0, days))
			var pe *pgconn.PgError
			if err != nil && !(errors.As(err, &pe) && pe.Code == "23505") {
				t.Fatal(err)
			}
		}},
		{"an upsert inserting and updating counts", 2, func() {
			var cs, fs []string
			var ds []time.Time
			for range 1 + r.IntN(6) {
				cs, fs, ds = append(cs, cinema()), append(fs, film()), append(ds, day())
			}
			must(`INSERT INTO screenings_daily AS s (cinema_id, film_id, box_office_day, screenings)
SELECT c, f, d, count(*) FILTER (WHERE c <> 'c1') FROM unnest($1::text[], $2::text[], $3::date[]) AS u(c, f, d) GROUP BY 1, 2, 3
ON CONFLICT (cinema_id, film_id, box_office_day) DO UPDATE SET screenings = s.screenings + EXCLUDED.screenings`, cs, fs, ds)
		}},
		{"a screening deleted", 1, func() {
			must(`DELETE FROM screenings WHERE id = $1`, pick().id)
		}},
		{"counts deleted", 1, func() {
			must(`DELETE FROM screenings_daily WHERE cinema_id = $1 AND box_office_day < $2`, cinema(), day())
		}},
		{"a screening moved by an update", 1, func() {
			must(`UPDATE screenings SET hall_id = $2, box_office_day = box_office_day + 1 WHERE id = $1`, pick().id, hall())
		}},
		{"a cinema moved region", 1, func() {
			must(`UPDATE cinemas SET region = $2 WHERE id = $1`, fmt.Sprintf("c%d", r.IntN(nCinemas-1)), regions[r.IntN(len(regions))])
		}},
	}
	total := 0
	for _, o := range ops {
		total += o.weight
	}
	counts := map[string]int{}
	for step := range 260 {
		name := "registrations"
		if step == 0 {
			ops[0].run()
		} else {
			x := r.IntN(total)
			for _, o := range ops {
				if x < o.weight {
					name = o.name
					o.run()
					break
				}
				x -= o.weight
			}
		}
		switch step {
		case 100:
			name = "the last cinema registered"
			must(`INSERT INTO cinemas (id, version, name, exhibitor_id, region, city, vat_payer, entry_seq)
VALUES ($1, 1, $1, 'ex', 'KZ-79', 'City', true, 0)`, fmt.Sprintf("c%d", nCinemas-1))
		case 180:
			name = "TRUNCATE screenings_daily"
			must(`TRUNCATE screenings_daily`)
		}
		counts[name]++
		checkScreensEqualRefresh(t, owner, fmt.Sprintf("step %d (%s)", step, name))
	}
	t.Logf("260 steps equal the full refresh: %v", counts)

	// A registration into a film-day that has screenings, and one into a new
	// film-day, in ingest's shape: no refresh runs, only the deltas.
	s := pick()
	for _, in := range [][]scr{
		{{s.cinema, "x1", s.hall, s.film, s.day}},
		{{s.cinema, "x2", "h9", s.film, first.AddDate(0, 0, 70)}},
	} {
		tx, err := owner.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tx.Exec(ctx, `SET LOCAL track_functions = 'pl'`); err != nil {
			tx.Rollback(ctx)
			t.Fatal(err)
		}
		// The calls so far (the backend's pending counts may hold earlier
		// transactions'), NULL when none.
		calls := func() (refreshes, adds int64) {
			err := tx.QueryRow(ctx, `SELECT coalesce(pg_stat_get_xact_function_calls('boxoffice_screens_refresh'::regproc), 0),
  coalesce(pg_stat_get_xact_function_calls('boxoffice_screens_add'::regproc), 0)`).Scan(&refreshes, &adds)
			if err != nil {
				tx.Rollback(ctx)
				t.Fatal(err)
			}
			return refreshes, adds
		}
		r0, a0 := calls()
		for _, st := range []struct {
			q    string
			args []any
		}{
			{qRegLeave, []any{[]string{in[0].cinema}, []string{in[0].id}}},
			{qRegUpsert, []any{[]string{in[0].cinema}, []string{in[0].id}, []string{in[0].hall}, []string{in[0].film}, []time.Time{in[0].day}}},
			{qRegDailyUpdate, []any{[]string{in[0].cinema}, []string{in[0].film}, []time.Time{in[0].day}, []int32{1}}},
			{qRegDailyInsert, []any{[]string{in[0].cinema}, []string{in[0].film}, []time.Time{in[0].day}, []int32{1}}},
		} {
			if _, err := tx.Exec(ctx, st.q, st.args...); err != nil {
				tx.Rollback(ctx)
				t.Fatal(err)
			}
		}
		r1, a1 := calls()
		refreshes, adds := r1-r0, a1-a0
		if refreshes != 0 || adds != 2 {
			t.Errorf("registration %s: %d refreshes, %d delta applications; want 0 and 2", in[0].id, refreshes, adds)
		}
		if err := tx.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		checkScreensEqualRefresh(t, owner, "registration "+in[0].id)
	}

	tx, err := owner.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	// The first check, boxoffice_daily against sales_daily with the current
	// regions, differs by design here: a cinema moved region after sales.
	if err := compareRollups(ctx, tx, deepChecks[1:]); err != nil {
		t.Fatalf("deep check: %v", err)
	}
}

// TestScreensIncrementalDown: the Down section of migration 0023 restores
// the trigger function of migration 0019 (a refresh for every statement)
// and its Up section applies again.
func TestScreensIncrementalDown(t *testing.T) {
	owner := pgtest.OwnerPool(t, pgtest.NewDatabase(t))
	ctx := t.Context()
	b, err := os.ReadFile("../migrations/0023_boxoffice_screens_incremental.sql")
	if err != nil {
		t.Fatal(err)
	}
	up, down, ok := strings.Cut(string(b), "-- +goose Down")
	if !ok {
		t.Fatal("0023: no Down section")
	}
	fn := func() string {
		var s string
		pgtest.Row(t, owner, `SELECT pg_get_functiondef('boxoffice_screens_apply'::regproc)`).Scan(&s)
		return s
	}
	now := fn()
	if _, err := owner.Exec(ctx, down); err != nil {
		t.Fatalf("0023 down: %v", err)
	}
	old := fn()
	if old == now || strings.Contains(old, "boxoffice_screens_add") {
		t.Fatalf("0023 down left boxoffice_screens_apply as it was:\n%s", old)
	}
	var n int
	pgtest.Row(t, owner, `SELECT count(*) FROM pg_proc WHERE proname = 'boxoffice_screens_add'`).Scan(&n)
	if n != 0 {
		t.Fatalf("0023 down kept boxoffice_screens_add")
	}
	if _, err := owner.Exec(ctx, up); err != nil {
		t.Fatalf("0023 up again: %v", err)
	}
	if fn() != now {
		t.Fatal("0023 up again: boxoffice_screens_apply differs")
	}
}
