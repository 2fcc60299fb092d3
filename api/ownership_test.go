package api_test

import (
	"context"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"ecinema/apikey"
	"ecinema/ingest"
	"ecinema/internal/apptest"
	"ecinema/internal/pgtest"
	"ecinema/ledger"
	"ecinema/registry"
	"ecinema/settlement"
)

// ownedWorld is the settlement world with a second exhibitor, producer and
// distributor to hand a cinema and a film over to.
func ownedWorld(t *testing.T) *stWorld {
	t.Helper()
	w := newStWorld(t)
	for i, p := range []struct{ id, kind string }{{"exh2", "exhibitor"}, {"prod-c", "producer"}, {"dist2", "distributor"}} {
		w.bins[p.id] = stBIN(t, 20+i)
		if r := w.Do("PUT", "/v1/parties/"+p.id, w.AdminKey, map[string]any{"kind": p.kind, "name": "Party " + p.id, "bin": w.bins[p.id]}); r.Status != 200 {
			t.Fatalf("party %s: %d %s", p.id, r.Status, r.Body)
		}
	}
	return w
}

func cinemaBody(exhibitor, effectiveFrom string) map[string]any {
	b := map[string]any{"name": "Chaplin Mega", "exhibitor_id": exhibitor, "region": "KZ-75", "city": "Almaty", "vat_payer": true,
		"halls": []map[string]any{{"id": "h1", "name": "Зал 1", "seats": 150}}}
	if effectiveFrom != "" {
		b["effective_from"] = effectiveFrom
	}
	return b
}

func filmBody(id, producer, distributor, expenses, effectiveFrom string) map[string]any {
	b := map[string]any{
		"title":  map[string]string{"kk": "Қош бол, Гүлсары", "ru": "Прощай, Гульсары", "en": "Farewell, Gulsary"},
		"origin": "national", "countries": []string{"KZ"}, "release_date": "2026-01-08", "runtime_min": 110,
		"age_rating":  "12+",
		"certificate": map[string]string{"number": "KZ-" + id, "valid_from": "2025-01-01", "valid_to": "2027-12-31"},
		"producer_id": producer, "distributor_id": distributor,
		"distribution_fee_pct": "15", "recoupable_expenses": expenses, "royalty_pct": "1.0",
		"rights_holders": []map[string]string{{"party_id": "composer", "role": "composer", "share_pct": "60"}, {"party_id": "writer", "role": "screenplay", "share_pct": "40"}},
		"rental_terms":   []map[string]any{{"from_week": 1, "distributor_pct": "55"}, {"from_week": 3, "distributor_pct": "50"}},
	}
	if effectiveFrom != "" {
		b["effective_from"] = effectiveFrom
	}
	return b
}

// saleSeqs returns the seqs of the sale entries, oldest first.
func saleSeqs(t *testing.T, w *stWorld) []int64 {
	t.Helper()
	rows, err := pgtest.OwnerPool(t, w.DBURL).Query(context.Background(), `SELECT seq FROM ledger_entries WHERE kind = 'sale' ORDER BY seq`)
	if err != nil {
		t.Fatal(err)
	}
	var seqs []int64
	for rows.Next() {
		var s int64
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		seqs = append(seqs, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return seqs
}

// ownershipRows returns a history table's rows as "id party [party] from to seq" strings.
func ownershipRows(t *testing.T, w *stWorld, query string) []string {
	t.Helper()
	rows, err := pgtest.OwnerPool(t, w.DBURL).Query(context.Background(), query)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// stLines reads a statement's lines as "film cinema first_day party gross" strings,
// where party is the line's exhibitor_id.
func stLines(t *testing.T, w *stWorld, key, party string) (lines []string, totals map[string]any) {
	t.Helper()
	r := w.statement(t, key, party, "2026-01-01", "2026-02-28", "json")
	if r.Status != 200 {
		t.Fatalf("statement of %s: %d %s", party, r.Status, r.Body)
	}
	var st stStatement
	r.JSON(t, &st)
	for _, l := range st.Lines {
		lines = append(lines, strings.Join([]string{l["film_id"].(string), l["cinema_id"].(string), l["first_day"].(string),
			l["exhibitor_id"].(string), l["gross"].(string)}, " "))
	}
	return lines, st.Totals
}

func wantStatus(t *testing.T, w *stWorld, what, path, key string, status int) {
	t.Helper()
	if r := w.Do("GET", path, key, nil); r.Status != status {
		t.Errorf("%s: GET %s = %d %s, want %d", what, path, r.Status, r.Body, status)
	}
}

func wantFieldError(t *testing.T, r apptest.Response, field, code string) {
	t.Helper()
	if r.Status != 400 || !strings.Contains(string(r.Body), `"field":"`+field+`"`) || !strings.Contains(string(r.Body), `"code":"`+code+`"`) {
		t.Fatalf("got %d %s, want 400 with %s %s", r.Status, r.Body, field, code)
	}
}

// TestCinemaOwnershipIsDated (issue 13 D6): handing a cinema to another
// exhibitor from a date keeps its history with the old one. On main the PUT
// moved everything: the old exhibitor's January statement lost the cinema's
// revenue, the new one saw it and its January ledger entries, and the old
// one got 403 on entries it could read before.
func TestCinemaOwnershipIsDated(t *testing.T) {
	w := ownedWorld(t)
	w.screening(t, "s1", "film-b", w.at(2026, 1, 9, 19, 0))
	w.sell(t, "s1", stTicket("t1", w.at(2026, 1, 9, 12, 0), "2500.00", "A1"), stTicket("t2", w.at(2026, 1, 9, 12, 1), "2500.00", "A2"))
	exh, exh2 := w.Key(apikey.RoleExhibitor, "", "exh"), w.Key(apikey.RoleExhibitor, "", "exh2")
	before, beforeTotals := stLines(t, w, exh, "exh")
	if want := []string{"film-b cin 2026-01-09 exh 5000.00"}; !reflect.DeepEqual(before, want) {
		t.Fatalf("exh before the change: %q, want %q", before, want)
	}

	// The rule: a change of exhibitor carries effective_from.
	r := w.Do("PUT", "/v1/cinemas/cin", w.AdminKey, cinemaBody("exh2", ""))
	wantFieldError(t, r, "effective_from", "required")
	r = w.Do("PUT", "/v1/cinemas/cin", w.AdminKey, cinemaBody("exh2", "0000-01-01"))
	wantFieldError(t, r, "effective_from", "out_of_range")
	if r := w.Do("PUT", "/v1/cinemas/cin", w.AdminKey, cinemaBody("exh2", "2026-02-01")); r.Status != 200 {
		t.Fatalf("hand over: %d %s", r.Status, r.Body)
	}
	putSeq := int64(countRows(t, w.Env, `SELECT max(seq) FROM ledger_entries WHERE kind = 'cinema'`))
	r = w.Do("PUT", "/v1/cinemas/cin", w.AdminKey, cinemaBody("exh", "2026-02-01"))
	wantFieldError(t, r, "effective_from", "out_of_range") // not after the last change
	// A PUT that keeps the exhibitor needs no date, and records none.
	if r := w.Do("PUT", "/v1/cinemas/cin", w.AdminKey, cinemaBody("exh2", "2026-03-01")); r.Status != 200 {
		t.Fatalf("same exhibitor: %d %s", r.Status, r.Body)
	}
	if n := countRows(t, w.Env, `SELECT count(*) FROM registry_versions WHERE kind = 'cinema' AND body ? 'effective_from'`); n != 1 {
		t.Fatalf("%d cinema versions carry effective_from, want 1 (the change)", n)
	}
	if n := countRows(t, w.Env, `SELECT count(*) FROM registry_versions WHERE kind = 'cinema' AND entry_seq = $1 AND body->>'effective_from' = '2026-02-01' AND body->>'exhibitor_id' = 'exh2'`, putSeq); n != 1 {
		t.Fatalf("the change's entry body does not record it")
	}
	firstSeq := int64(countRows(t, w.Env, `SELECT min(seq) FROM ledger_entries WHERE kind = 'cinema'`))
	rows := ownershipRows(t, w, `SELECT concat_ws(' ', cinema_id, exhibitor_id, coalesce(valid_from::text, '-'), coalesce(valid_to::text, '-'), entry_seq)
FROM cinema_ownership ORDER BY entry_seq`)
	if want := []string{"cin exh - 2026-02-01 " + strconv.FormatInt(firstSeq, 10), "cin exh2 2026-02-01 - " + strconv.FormatInt(putSeq, 10)}; !reflect.DeepEqual(rows, want) {
		t.Fatalf("cinema_ownership = %q, want %q", rows, want)
	}

	w.screening(t, "s2", "film-b", w.at(2026, 2, 5, 19, 0))
	w.sell(t, "s2", stTicket("t3", w.at(2026, 2, 5, 12, 0), "1000.00", "B1"))

	after, afterTotals := stLines(t, w, exh, "exh")
	if !reflect.DeepEqual(after, before) || !reflect.DeepEqual(afterTotals, beforeTotals) {
		t.Errorf("exh after the change: %q %v, want %q %v (unchanged)", after, afterTotals, before, beforeTotals)
	}
	if got, want := mustLines(stLines(t, w, exh2, "exh2")), []string{"film-b cin 2026-02-05 exh2 1000.00"}; !reflect.DeepEqual(got, want) {
		t.Errorf("exh2: %q, want %q (February only)", got, want)
	}
	csv := w.statement(t, exh, "exh", "2026-01-01", "2026-02-28", "csv")
	if csv.Status != 200 || !strings.Contains(string(csv.Body), "2026-01-09") || strings.Contains(string(csv.Body), "2026-02-05") {
		t.Errorf("exh CSV: %d %s", csv.Status, csv.Body)
	}

	// The ledger: each reads the sales of its own days, and both the
	// cinema's registry entries.
	seqs := saleSeqs(t, w)
	jan, feb := "/v1/ledger/entries/"+strconv.FormatInt(seqs[0], 10), "/v1/ledger/entries/"+strconv.FormatInt(seqs[1], 10)
	wantStatus(t, w, "old exhibitor, January sale", jan, exh, 200)
	wantStatus(t, w, "old exhibitor, February sale", feb, exh, 403)
	wantStatus(t, w, "new exhibitor, January sale", jan, exh2, 403)
	wantStatus(t, w, "new exhibitor, February sale", feb, exh2, 200)
	wantStatus(t, w, "old exhibitor, the hand-over entry", "/v1/ledger/entries/"+strconv.FormatInt(putSeq, 10), exh, 200)
	if got := exportSeqs(t, w.Do("GET", "/v1/ledger/export", exh, nil).Body); !contains(got, seqs[0]) || contains(got, seqs[1]) {
		t.Errorf("old exhibitor's export %v: want sale %d, not %d", got, seqs[0], seqs[1])
	}
	if got := exportSeqs(t, w.Do("GET", "/v1/ledger/export", exh2, nil).Body); contains(got, seqs[0]) || !contains(got, seqs[1]) {
		t.Errorf("new exhibitor's export %v: want sale %d, not %d", got, seqs[1], seqs[0])
	}

	// Reconciliation puts each day's revenue under the BIN operating it.
	r = w.Do("GET", "/v1/tax/reconciliation?from=2026-01-01&to=2026-02-28", w.Key(apikey.RoleTax, "", ""), nil)
	var rec struct {
		Items []struct {
			BIN, Date   string
			LedgerGross string `json:"ledger_gross"`
		} `json:"items"`
	}
	r.JSON(t, &rec)
	var recRows []string
	for _, it := range rec.Items {
		recRows = append(recRows, it.Date+" "+it.BIN+" "+it.LedgerGross)
	}
	if want := []string{"2026-01-09 " + w.bins["exh"] + " 5000.00", "2026-02-05 " + w.bins["exh2"] + " 1000.00"}; !reflect.DeepEqual(recRows, want) {
		t.Errorf("reconciliation %q, want %q", recRows, want)
	}

	// Closing January freezes it with the old exhibitor; a change may not
	// reach into it.
	if r := w.Do("POST", "/v1/periods/2026-01/close", w.AdminKey, nil); r.Status != 201 {
		t.Fatalf("close: %d %s", r.Status, r.Body)
	}
	if n := countRows(t, w.Env, `SELECT count(*) FROM settlement_lines WHERE period = '2026-01-01' AND exhibitor_id = 'exh' AND gross = 5000`); n != 1 {
		t.Errorf("frozen January lines of exh: %d, want 1", n)
	}
	r = w.Do("PUT", "/v1/films/film-b", w.AdminKey, filmBody("film-b", "prod-c", "dist", "0.00", "2026-01-31"))
	wantFieldError(t, r, "effective_from", "out_of_range")
	if got := mustLines(stLines(t, w, exh, "exh")); !reflect.DeepEqual(got, before) {
		t.Errorf("exh after the close: %q, want %q", got, before)
	}
	deepVerifyOwnership(t, w, "cinema_ownership", `UPDATE cinema_ownership SET valid_from = '2026-01-15' WHERE valid_from = '2026-02-01'`)
}

// TestFilmOwnershipIsDated (issue 13 D6): the same for a film's producer and
// distributor.
func TestFilmOwnershipIsDated(t *testing.T) {
	w := ownedWorld(t)
	w.screening(t, "a1", "film-a", w.at(2026, 1, 10, 19, 0))
	w.sell(t, "a1", stTicket("t1", w.at(2026, 1, 10, 12, 0), "3000.00", "A1"))
	prodA, prodC := w.Key(apikey.RoleProducer, "", "prod-a"), w.Key(apikey.RoleProducer, "", "prod-c")
	dist, dist2 := w.Key(apikey.RoleDistributor, "", "dist"), w.Key(apikey.RoleDistributor, "", "dist2")
	before, beforeTotals := stLines(t, w, prodA, "prod-a")
	if want := []string{"film-a cin 2026-01-10 exh 3000.00"}; !reflect.DeepEqual(before, want) {
		t.Fatalf("prod-a before: %q, want %q", before, want)
	}
	r := w.Do("PUT", "/v1/films/film-a", w.AdminKey, filmBody("film-a", "prod-c", "dist2", "5000.00", ""))
	wantFieldError(t, r, "effective_from", "required")
	r = w.Do("PUT", "/v1/films/film-a", w.AdminKey, filmBody("film-a", "prod-a", "dist2", "5000.00", "2026-02-30"))
	wantFieldError(t, r, "effective_from", "invalid_date")
	if r := w.Do("PUT", "/v1/films/film-a", w.AdminKey, filmBody("film-a", "prod-c", "dist2", "5000.00", "2026-02-01")); r.Status != 200 {
		t.Fatalf("hand over: %d %s", r.Status, r.Body)
	}
	putSeq := countRows(t, w.Env, `SELECT max(seq) FROM ledger_entries WHERE kind = 'film' AND film_id = 'film-a'`)
	firstSeq := countRows(t, w.Env, `SELECT min(seq) FROM ledger_entries WHERE kind = 'film' AND film_id = 'film-a'`)
	rows := ownershipRows(t, w, `SELECT concat_ws(' ', film_id, producer_id, distributor_id, coalesce(valid_from::text, '-'), coalesce(valid_to::text, '-'), entry_seq)
FROM film_ownership WHERE film_id = 'film-a' ORDER BY entry_seq`)
	if want := []string{"film-a prod-a dist - 2026-02-01 " + strconv.Itoa(firstSeq), "film-a prod-c dist2 2026-02-01 - " + strconv.Itoa(putSeq)}; !reflect.DeepEqual(rows, want) {
		t.Fatalf("film_ownership = %q, want %q", rows, want)
	}
	w.screening(t, "a2", "film-a", w.at(2026, 2, 6, 19, 0))
	w.sell(t, "a2", stTicket("t2", w.at(2026, 2, 6, 12, 0), "2000.00", "B1"))

	after, afterTotals := stLines(t, w, prodA, "prod-a")
	if !reflect.DeepEqual(after, before) || !reflect.DeepEqual(afterTotals, beforeTotals) {
		t.Errorf("prod-a after: %q %v, want %q %v (unchanged)", after, afterTotals, before, beforeTotals)
	}
	if got, want := mustLines(stLines(t, w, prodC, "prod-c")), []string{"film-a cin 2026-02-06 exh 2000.00"}; !reflect.DeepEqual(got, want) {
		t.Errorf("prod-c: %q, want %q", got, want)
	}
	if got, want := mustLines(stLines(t, w, dist, "dist")), []string{"film-a cin 2026-01-10 exh 3000.00"}; !reflect.DeepEqual(got, want) {
		t.Errorf("dist: %q, want %q", got, want)
	}
	_, t2 := stLines(t, w, dist2, "dist2")
	if got := mustLines(stLines(t, w, dist2, "dist2")); len(got) != 1 || got[0] != "film-a cin 2026-02-06 exh 2000.00" || t2["gross"] != "2000.00" {
		t.Errorf("dist2: %q %v", got, t2)
	}
	seqs := saleSeqs(t, w)
	jan, feb := "/v1/ledger/entries/"+strconv.FormatInt(seqs[0], 10), "/v1/ledger/entries/"+strconv.FormatInt(seqs[1], 10)
	for _, c := range []struct {
		who, key string
		jan, feb int
	}{{"prod-a", prodA, 200, 403}, {"prod-c", prodC, 403, 200}, {"dist", dist, 200, 403}, {"dist2", dist2, 403, 200}} {
		wantStatus(t, w, c.who+" January", jan, c.key, c.jan)
		wantStatus(t, w, c.who+" February", feb, c.key, c.feb)
	}
	deepVerifyOwnership(t, w, "film_ownership", `UPDATE film_ownership SET producer_id = 'prod-b' WHERE producer_id = 'prod-c'`)
}

func mustLines(lines []string, _ map[string]any) []string { return lines }

func contains(xs []int64, x int64) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// deepVerifyOwnership runs verify --deep's registry, ingest and settlement
// rebuilds (they pass), then tampers with a history table and expects the
// rebuild to name it.
func deepVerifyOwnership(t *testing.T, w *stWorld, table, tamper string) {
	t.Helper()
	ctx := context.Background()
	if _, err := w.App.Publisher.Publish(ctx); err != nil {
		t.Fatal(err)
	}
	verifier, err := ledger.NewVerifier(w.Verifier)
	if err != nil {
		t.Fatal(err)
	}
	owner := pgtest.OwnerPool(t, w.DBURL)
	verify := func() error {
		_, err := ledger.VerifyDB(ctx, owner, ledger.VerifyOptions{Verifier: verifier, Origin: "ecinema.test/ledger",
			Deep: []ledger.DeepCheck{registry.NewDeepCheck(), ingest.NewDeepCheck(), settlement.NewDeepCheck()}})
		return err
	}
	if err := verify(); err != nil {
		t.Fatalf("verify --deep: %v", err)
	}
	if _, err := owner.Exec(ctx, tamper); err != nil {
		t.Fatal(err)
	}
	if err := verify(); err == nil || !strings.Contains(err.Error(), table) {
		t.Fatalf("verify --deep after tampering with %s: %v", table, err)
	}
}
