package api_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/xuri/excelize/v2"

	"ecinema/apikey"
	"ecinema/i18n"
	"ecinema/internal/app"
	"ecinema/internal/apptest"
	"ecinema/internal/pgtest"
	"ecinema/registry"
)

// stWorld is a registered market for the settlement scenario, built only
// through the HTTP API.
type stWorld struct {
	*apptest.Env
	pos   string
	bins  map[string]string
	idem  int
	local *time.Location
}

func stBIN(t *testing.T, n int) string {
	t.Helper()
	prefix := fmt.Sprintf("%011d", 20000000000+n*7907)
	for c := '0'; c <= '9'; c++ {
		if b := prefix + string(c); registry.ValidBIN(b) {
			return b
		}
	}
	return stBIN(t, n+100)
}

func newStWorld(t *testing.T) *stWorld {
	t.Helper()
	return newStWorldWith(t)
}

// newStWorldWith is newStWorld on a service configured by opts.
func newStWorldWith(t *testing.T, opts ...func(*app.Config)) *stWorld {
	t.Helper()
	w := &stWorld{Env: apptest.New(t, opts...), bins: map[string]string{}, local: time.FixedZone("UTC+5", 5*3600)}
	parties := []struct{ id, kind, name string }{
		{"prod-a", "producer", "Қазақфильм АҚ"},
		{"prod-b", "producer", "Продюсер Б"},
		{"dist", "distributor", "Меломан Дистрибуция"},
		{"exh", "exhibitor", "Chaplin Cinemas"},
		{"composer", "rights_holder", "Ерлан Төлеген"},
		{"writer", "rights_holder", "Writer LLP"},
	}
	for i, p := range parties {
		w.bins[p.id] = stBIN(t, i+1)
		if r := w.Do("PUT", "/v1/parties/"+p.id, w.AdminKey, map[string]any{"kind": p.kind, "name": p.name, "bin": w.bins[p.id]}); r.Status != 200 {
			t.Fatalf("party %s: %d %s", p.id, r.Status, r.Body)
		}
	}
	if r := w.Do("PUT", "/v1/cinemas/cin", w.AdminKey, map[string]any{"name": "Chaplin Mega", "exhibitor_id": "exh",
		"region": "KZ-75", "city": "Almaty", "vat_payer": true,
		"halls": []map[string]any{{"id": "h1", "name": "Зал 1", "seats": 150}}}); r.Status != 200 {
		t.Fatalf("cinema: %d %s", r.Status, r.Body)
	}
	for _, f := range []struct{ id, producer, expenses string }{{"film-a", "prod-a", "5000.00"}, {"film-b", "prod-b", "0.00"}} {
		body := map[string]any{
			"title":  map[string]string{"kk": "Қош бол, Гүлсары", "ru": "Прощай, Гульсары", "en": "Farewell, Gulsary"},
			"origin": "national", "countries": []string{"KZ"}, "release_date": "2026-01-08", "runtime_min": 110,
			"age_rating":  "12+",
			"certificate": map[string]string{"number": "KZ-" + f.id, "valid_from": "2025-01-01", "valid_to": "2027-12-31"},
			"producer_id": f.producer, "distributor_id": "dist",
			"distribution_fee_pct": "15", "recoupable_expenses": f.expenses, "royalty_pct": "1.0",
			"rights_holders": []map[string]string{{"party_id": "composer", "role": "composer", "share_pct": "60"}, {"party_id": "writer", "role": "screenplay", "share_pct": "40"}},
			"rental_terms":   []map[string]any{{"from_week": 1, "distributor_pct": "55"}, {"from_week": 3, "distributor_pct": "50"}},
		}
		if r := w.Do("PUT", "/v1/films/"+f.id, w.AdminKey, body); r.Status != 200 {
			t.Fatalf("film %s: %d %s", f.id, r.Status, r.Body)
		}
	}
	w.pos = w.Key(apikey.RolePOS, "cin", "")
	return w
}

func (w *stWorld) at(y int, m time.Month, d, hh, mm int) string {
	return time.Date(y, m, d, hh, mm, 0, 0, w.local).Format(time.RFC3339)
}

func (w *stWorld) screening(t *testing.T, id, film, start string) {
	t.Helper()
	r := w.Do("PUT", "/v1/screenings/"+id, w.pos, map[string]string{"hall_id": "h1", "film_id": film, "starts_at": start, "format": "2D", "language": "kk"})
	if r.Status != 201 && r.Status != 200 {
		t.Fatalf("screening %s: %d %s", id, r.Status, r.Body)
	}
}

func (w *stWorld) sell(t *testing.T, screening string, tickets ...map[string]string) {
	t.Helper()
	w.idem++
	r := w.Do("POST", "/v1/sales", w.pos, map[string]any{"screening_id": screening, "tickets": tickets}, "Idempotency-Key", "k"+strconv.Itoa(w.idem))
	if r.Status != 201 {
		t.Fatalf("sale: %d %s", r.Status, r.Body)
	}
}

func stTicket(id, soldAt, price, seat string) map[string]string {
	return map[string]string{"id": id, "sold_at": soldAt, "price": price, "category": "adult", "seat": seat, "channel": "box_office"}
}

type stStatement struct {
	Party   struct{ ID, Name string }
	Kind    string `json:"kind"`
	Periods []struct {
		Period        string `json:"period"`
		Status        string `json:"status"`
		CloseEntrySeq *int64 `json:"close_entry_seq"`
	} `json:"periods"`
	Lines  []map[string]any `json:"lines"`
	Totals map[string]any   `json:"totals"`
}

func (w *stWorld) statement(t *testing.T, key, party, from, to, format string) apptest.Response {
	t.Helper()
	return w.Do("GET", "/v1/statements?party="+party+"&from="+from+"&to="+to+"&format="+format, key, nil)
}

// TestSettlementScenario: register, sell, refund, close January, post a late
// January sale; February carries the adjustment and January's statement is
// byte-for-byte unchanged. Then scope, exports and reconciliation.
func TestSettlementScenario(t *testing.T) {
	w := newStWorld(t)
	// Worked example: 3 × 2500.00 + 1 × 1800.00 in week 1 (sold on the day), plus one
	// more 2500.00 ticket that is refunded before the show.
	w.screening(t, "s1", "film-a", w.at(2026, 1, 9, 19, 0))
	w.sell(t, "s1",
		stTicket("t1", w.at(2026, 1, 9, 12, 0), "2500.00", "A1"),
		stTicket("t2", w.at(2026, 1, 9, 12, 1), "2500.00", "A2"),
		stTicket("t3", w.at(2026, 1, 9, 12, 2), "2500.00", "A3"),
		stTicket("t4", w.at(2026, 1, 9, 12, 3), "1800.00", "A4"),
		stTicket("t5", w.at(2026, 1, 9, 12, 4), "2500.00", "A5"))
	w.idem++
	if r := w.Do("POST", "/v1/refunds", w.pos, map[string]any{"screening_id": "s1",
		"tickets": []map[string]string{{"id": "t5", "refunded_at": w.at(2026, 1, 9, 13, 0)}}}, "Idempotency-Key", "k"+strconv.Itoa(w.idem)); r.Status != 201 {
		t.Fatalf("refund: %d %s", r.Status, r.Body)
	}
	w.screening(t, "sb", "film-b", w.at(2026, 1, 10, 15, 0))
	w.sell(t, "sb", stTicket("b1", w.at(2026, 1, 10, 10, 0), "1000.00", "B1"))

	prodA := w.Key(apikey.RoleProducer, "", "prod-a")
	t.Run("january statement: the worked example split into its parts", func(t *testing.T) {
		r := w.statement(t, prodA, "prod-a", "2026-01-01", "2026-01-31", "json")
		if r.Status != 200 {
			t.Fatalf("statement: %d %s", r.Status, r.Body)
		}
		var jan stStatement
		r.JSON(t, &jan)
		if len(jan.Lines) != 1 {
			t.Fatalf("january lines: %s", r.Body)
		}
		want := map[string]string{"gross": "9300.00", "vat": "1282.76", "net": "8017.24", "royalty": "80.17",
			"exhibitor_share": "3571.68", "distribution_fee": "654.81", "producer_gross": "3710.58",
			"recoupment": "3710.58", "producer_share": "0.00"}
		for k, v := range want {
			if jan.Lines[0][k] != v || jan.Totals[k] != v {
				t.Errorf("%s: line %v total %v, want %s", k, jan.Lines[0][k], jan.Totals[k], v)
			}
		}
		if jan.Lines[0]["rentable"] != "7937.07" || jan.Lines[0]["rental"] != "4365.39" {
			t.Errorf("rentable %v rental %v, want 7937.07 (net − royalty) and 4365.39 (fee + producer gross)", jan.Lines[0]["rentable"], jan.Lines[0]["rental"])
		}
		if jan.Periods[0].Status != "open" {
			t.Errorf("period status %s", jan.Periods[0].Status)
		}
	})

	var closed struct {
		Period string `json:"period"`
		Entry  struct {
			Seq int64 `json:"seq"`
		} `json:"entry"`
		Lines   int    `json:"lines"`
		Gross   string `json:"gross"`
		Parties []struct {
			PartyID    string `json:"party_id"`
			TotalsHash string `json:"totals_hash"`
		} `json:"parties"`
	}
	t.Run("close: admin only, once, a month that has ended", func(t *testing.T) {
		// Close January.
		if r := w.Do("POST", "/v1/periods/2026-01/close", prodA, nil); r.Status != 403 {
			t.Fatalf("producer closing: %d", r.Status)
		}
		r := w.Do("POST", "/v1/periods/2026-01/close", w.AdminKey, nil)
		if r.Status != 201 {
			t.Fatalf("close: %d %s", r.Status, r.Body)
		}
		r.JSON(t, &closed)
		if closed.Period != "2026-01" || closed.Lines != 2 || closed.Gross != "10300.00" || len(closed.Parties) != 6 {
			t.Fatalf("close answer: %s", r.Body)
		}
		if r := w.Do("POST", "/v1/periods/2026-01/close", w.AdminKey, nil); r.Status != 409 || r.ErrorCode() != "period_closed" {
			t.Fatalf("second close: %d %s", r.Status, r.Body)
		}
		if r := w.Do("POST", "/v1/periods/2099-01/close", w.AdminKey, nil); r.Status != 422 || r.ErrorCode() != "period_not_ended" {
			t.Fatalf("future close: %d %s", r.Status, r.Body)
		}
		if r := w.Do("POST", "/v1/periods/2026-13/close", w.AdminKey, nil); r.Status != 400 {
			t.Fatalf("bad period: %d %s", r.Status, r.Body)
		}
	})
	var janClosed, janCSV apptest.Response
	t.Run("close entry: a period_close with the totals hash of each party", func(t *testing.T) {
		// The entry is a period_close ledger entry.
		var kind string
		pgtest.Row(t, w.App.Pool, `SELECT kind FROM ledger_entries WHERE seq = $1`, closed.Entry.Seq).Scan(&kind)
		if kind != "period_close" {
			t.Fatalf("entry kind %q", kind)
		}
		janClosed = w.statement(t, prodA, "prod-a", "2026-01-01", "2026-01-31", "json")
		// Anyone holding the statement can recompute its totals hash from the entry.
		var janDoc stStatement
		janClosed.JSON(t, &janDoc)
		canon, _ := json.Marshal(janDoc.Totals)
		sum := sha256.Sum256(canon)
		found := false
		for _, p := range closed.Parties {
			if p.PartyID == "prod-a" {
				found = p.TotalsHash == hex.EncodeToString(sum[:])
			}
		}
		if !found || janDoc.Periods[0].Status != "closed" || *janDoc.Periods[0].CloseEntrySeq != closed.Entry.Seq {
			t.Fatalf("totals hash of %s not in the close entry %+v", canon, closed.Parties)
		}
		janCSV = w.statement(t, prodA, "prod-a", "2026-01-01", "2026-01-31", "csv")
	})

	// A late January sale (POS was offline) for the January 9 show, and a
	// February show.
	w.sell(t, "s1", stTicket("t6", w.at(2026, 1, 9, 18, 30), "1800.00", "A6"))
	w.screening(t, "s2", "film-a", w.at(2026, 2, 2, 19, 0))
	w.sell(t, "s2", stTicket("f1", w.at(2026, 2, 2, 12, 0), "2500.00", "C1"))

	t.Run("closed january: a late sale changes neither its JSON nor its CSV", func(t *testing.T) {
		janAfter := w.statement(t, prodA, "prod-a", "2026-01-01", "2026-01-31", "json")
		if !bytes.Equal(janAfter.Body, janClosed.Body) {
			t.Fatalf("closed January changed:\n%s\n%s", janClosed.Body, janAfter.Body)
		}
		if c := w.statement(t, prodA, "prod-a", "2026-01-01", "2026-01-31", "csv"); !bytes.Equal(c.Body, janCSV.Body) {
			t.Fatal("closed January CSV changed")
		}
	})
	t.Run("february: the late sale is an adjustment line", func(t *testing.T) {
		r := w.statement(t, prodA, "prod-a", "2026-02-01", "2026-02-28", "json")
		var feb stStatement
		r.JSON(t, &feb)
		if len(feb.Lines) != 2 {
			t.Fatalf("february: %s", r.Body)
		}
		adj := feb.Lines[0]
		if adj["adjustment"] != true || adj["first_day"] != "2026-01-09" || adj["period"] != "2026-02" || adj["gross"] != "1800.00" || adj["week"] != float64(1) {
			t.Errorf("adjustment line: %v", adj)
		}
		if feb.Lines[1]["adjustment"] != false || feb.Lines[1]["first_day"] != "2026-02-02" || feb.Lines[1]["week"] != float64(4) {
			t.Errorf("february line: %v", feb.Lines[1])
		}
		if feb.Periods[0].Status != "open" {
			t.Errorf("feb status %v", feb.Periods)
		}
	})

	t.Run("scope: a producer reads only its own statement", func(t *testing.T) {
		// Scope: producer A reading producer B is refused; B's own key works.
		if r := w.statement(t, prodA, "prod-b", "2026-01-01", "2026-01-31", "json"); r.Status != 403 || r.ErrorCode() != "forbidden" {
			t.Fatalf("producer A reading B: %d %s", r.Status, r.Body)
		}
		prodB := w.Key(apikey.RoleProducer, "", "prod-b")
		if r := w.statement(t, prodB, "prod-b", "2026-01-01", "2026-01-31", "json"); r.Status != 200 {
			t.Fatalf("producer B: %d %s", r.Status, r.Body)
		}
	})
	t.Run("scope: a rights holder reads only its royalty lines", func(t *testing.T) {
		// A rights holder sees only its royalty lines.
		comp := w.Key(apikey.RoleRightsHolder, "", "composer")
		if r := w.statement(t, comp, "prod-a", "2026-01-01", "2026-01-31", "json"); r.Status != 403 {
			t.Fatalf("rights holder reading producer: %d", r.Status)
		}
		r := w.statement(t, comp, "composer", "2026-01-01", "2026-02-28", "json")
		var roy stStatement
		r.JSON(t, &roy)
		if r.Status != 200 || roy.Kind != "royalty_statement" || len(roy.Lines) != 4 {
			t.Fatalf("royalty statement: %d %s", r.Status, r.Body)
		}
		for _, l := range roy.Lines {
			for _, k := range []string{"gross", "exhibitor_share", "producer_gross", "distribution_fee", "vat"} {
				if _, ok := l[k]; ok {
					t.Errorf("royalty line shows %s: %v", k, l)
				}
			}
			if l["role"] != "composer" {
				t.Errorf("role %v", l["role"])
			}
		}
		if roy.Lines[0]["film_id"] != "film-a" || roy.Lines[0]["royalty_pool"] != "80.17" || roy.Lines[0]["amount"] != "48.10" {
			t.Errorf("first royalty line: %v", roy.Lines[0])
		}
	})
	t.Run("scope: exhibitor and pos keys; unknown party and bad dates", func(t *testing.T) {
		// An exhibitor key scoped to the cinema reads its owner's statement.
		exh := w.Key(apikey.RoleExhibitor, "cin", "")
		if r := w.statement(t, exh, "exh", "2026-01-01", "2026-01-31", "json"); r.Status != 200 {
			t.Fatalf("exhibitor: %d %s", r.Status, r.Body)
		}
		if r := w.statement(t, exh, "prod-a", "2026-01-01", "2026-01-31", "json"); r.Status != 403 {
			t.Fatalf("exhibitor reading producer: %d", r.Status)
		}
		pos := w.statement(t, w.pos, "exh", "2026-01-01", "2026-01-31", "json")
		if pos.Status != 403 {
			t.Fatalf("pos reading statements: %d", pos.Status)
		}
		if r := w.statement(t, w.AdminKey, "nobody", "2026-01-01", "2026-01-31", "json"); r.Status != 404 {
			t.Fatalf("unknown party: %d %s", r.Status, r.Body)
		}
		if r := w.statement(t, w.AdminKey, "prod-a", "2026-01-01", "x", "json"); r.Status != 400 {
			t.Fatalf("bad date: %d %s", r.Status, r.Body)
		}
	})

	// Exports over January + February: totals equal the JSON's.
	r := w.statement(t, prodA, "prod-a", "2026-01-01", "2026-02-28", "json")
	var both stStatement
	r.JSON(t, &both)
	t.Run("csv export: lines, and the totals equal the JSON's", func(t *testing.T) {
		c := w.statement(t, prodA, "prod-a", "2026-01-01", "2026-02-28", "csv")
		if c.Status != 200 || !strings.HasPrefix(c.Header.Get("Content-Type"), "text/csv") ||
			c.Header.Get("Content-Disposition") != `attachment; filename="statement_prod-a_2026-01-01_2026-02-28.csv"` {
			t.Fatalf("csv headers: %d %v", c.Status, c.Header)
		}
		if !bytes.HasPrefix(c.Body, []byte("\ufeff")) {
			t.Error("csv without a BOM")
		}
		recs, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(c.Body, []byte("\ufeff")))).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if recs[0][0] != "period" || len(recs) != 1+len(both.Lines) {
			t.Errorf("csv rows (lines only, no total row): %v", recs)
		}
		// The totals CSV, semicolon-separated, names the party and period.
		tc := w.Do("GET", "/v1/statements?party=prod-a&from=2026-01-01&to=2026-02-28&format=csv&part=totals&delimiter=semicolon", prodA, nil)
		if tc.Status != 200 || !strings.Contains(tc.Header.Get("Content-Disposition"), "_totals.csv") {
			t.Fatalf("totals csv: %d %v %s", tc.Status, tc.Header, tc.Body)
		}
		cr := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(tc.Body, []byte("\ufeff"))))
		cr.Comma = ';'
		trecs, err := cr.ReadAll()
		if err != nil || len(trecs) != 2 {
			t.Fatalf("totals csv: %v %v", trecs, err)
		}
		checked := 0
		for i, h := range trecs[0] {
			if v, ok := both.Totals[h].(string); ok {
				if trecs[1][i] != v {
					t.Errorf("csv total %s = %s, json %s", h, trecs[1][i], v)
				}
				checked++
			}
			if h == "party_id" && trecs[1][i] != "prod-a" || h == "from" && trecs[1][i] != "2026-01-01" || h == "to" && trecs[1][i] != "2026-02-28" {
				t.Errorf("totals csv %s = %s", h, trecs[1][i])
			}
		}
		if checked < 9 {
			t.Errorf("csv totals compared: %d", checked)
		}
		if r := w.Do("GET", "/v1/statements?party=prod-a&from=2026-01-01&to=2026-02-28&format=csv&delimiter=tab", prodA, nil); r.Status != 400 {
			t.Errorf("delimiter=tab: %d", r.Status)
		}
	})
	t.Run("xlsx export: the totals equal the JSON's", func(t *testing.T) {
		x := w.statement(t, prodA, "prod-a", "2026-01-01", "2026-02-28", "xlsx")
		if x.Header.Get("Content-Type") != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" ||
			!strings.Contains(x.Header.Get("Content-Disposition"), ".xlsx") {
			t.Fatalf("xlsx headers: %v", x.Header)
		}
		book, err := excelize.OpenReader(bytes.NewReader(x.Body), excelize.Options{RawCellValue: true})
		if err != nil {
			t.Fatal(err)
		}
		// English labels on the first sheet; the lines on the second.
		rows, _ := book.GetRows("Statement", excelize.Options{RawCellValue: true})
		got := map[string]string{}
		for _, row := range rows {
			if len(row) == 2 {
				got[row[0]] = row[1]
			}
		}
		checked := 0
		for k, label := range map[string]string{"gross": "Gross", "vat": "VAT", "producer_share": "Producer share",
			"royalty": "Royalty", "exhibitor_share": "Exhibitor share", "distribution_fee": "Distribution fee",
			"producer_gross": "Producer gross", "recoupment": "Recoupment", "net": "Net"} {
			want, _ := both.Totals[k].(string)
			if g, err := decimal.NewFromString(got[label]); err != nil || !g.Equal(decimal.RequireFromString(want)) {
				t.Errorf("xlsx total %s = %q, json %s", k, got[label], want)
			}
			checked++
		}
		if lines, _ := book.GetRows("Lines"); len(lines) != 1+len(both.Lines) {
			t.Errorf("xlsx lines sheet: %d rows", len(lines))
		}
		if checked < 9 {
			t.Errorf("xlsx totals compared: %d", checked)
		}
	})
	t.Run("pdf export: the party and grouped totals in its text", func(t *testing.T) {
		p := w.statement(t, prodA, "prod-a", "2026-01-01", "2026-02-28", "pdf")
		if p.Header.Get("Content-Type") != "application/pdf" || !bytes.HasPrefix(p.Body, []byte("%PDF")) {
			t.Fatalf("pdf: %v", p.Header)
		}
		if _, err := exec.LookPath("pdftotext"); err == nil {
			f := filepath.Join(t.TempDir(), "s.pdf")
			os.WriteFile(f, p.Body, 0o644)
			out, err := exec.Command("pdftotext", "-layout", f, "-").Output()
			if err != nil {
				t.Fatal(err)
			}
			// Figures are grouped as the language writes them (English by default).
			for _, s := range []string{"Қазақфильм АҚ", i18n.EN.FormatMoney(both.Totals["gross"].(string)),
				i18n.EN.FormatMoney(both.Totals["producer_share"].(string))} {
				if !strings.Contains(string(out), s) {
					t.Errorf("pdf text lacks %q", s)
				}
			}
		} else {
			t.Log("pdftotext not installed; PDF text not checked")
		}
	})
	t.Run("an unknown format is 400", func(t *testing.T) {
		if r := w.statement(t, prodA, "prod-a", "2026-01-01", "2026-02-28", "doc"); r.Status != 400 {
			t.Fatalf("bad format: %d", r.Status)
		}
	})
	t.Run("periods list: January is closed", func(t *testing.T) {
		// Periods list.
		r := w.Do("GET", "/v1/periods", w.AdminKey, nil)
		if r.Status != 200 || !strings.Contains(string(r.Body), `"period":"2026-01"`) {
			t.Fatalf("periods: %d %s", r.Status, r.Body)
		}
	})
}

// TestTaxReconciliationAPI uploads fiscal totals as CSV and JSON and reads
// the reconciliation with all five statuses and the VAT summary.
func TestTaxReconciliationAPI(t *testing.T) {
	w := newStWorld(t)
	w.screening(t, "s1", "film-a", w.at(2026, 1, 9, 19, 0))
	w.sell(t, "s1", stTicket("t1", w.at(2026, 1, 9, 12, 0), "2500.00", "A1"))   // Jan 9: 2500
	w.sell(t, "s1", stTicket("t2", w.at(2026, 1, 8, 12, 0), "2000.00", "A2"))   // Jan 8: 2000 (presale)
	w.sell(t, "s1", stTicket("t3", w.at(2026, 1, 7, 12, 0), "1000.00", "A3"))   // Jan 7: 1000
	w.sell(t, "s1", stTicket("t4", w.at(2025, 12, 31, 12, 0), "1120.00", "A4")) // Dec 31: 12% VAT
	tax := w.Key(apikey.RoleTax, "", "")
	bin := w.bins["exh"]
	otherBIN := stBIN(t, 50)

	if r := w.Do("POST", "/v1/tax/fiscal-totals", tax, map[string]any{"records": []map[string]any{
		{"bin": "123456789012", "date": "2026-01-09", "amount": "1.00", "receipts": 1}}}); r.Status != 400 || !strings.Contains(string(r.Body), "invalid_bin") {
		t.Fatalf("bad BIN: %d %s", r.Status, r.Body)
	}
	for name, key := range map[string]string{"pos": w.pos, "admin": w.AdminKey} {
		if r := w.Do("POST", "/v1/tax/fiscal-totals", key, map[string]any{"records": []any{}}); r.Status != 403 {
			t.Fatalf("%s uploading fiscal totals: %d, want 403 (tax only)", name, r.Status)
		}
	}
	csvBody := "bin,date,amount,receipts\n" + bin + ",2026-01-09,2500.00,1\n" + bin + ",2026-01-08,1500.00,1\n" +
		bin + ",2026-01-07,1000.50,1\n" + otherBIN + ",2026-01-09,700.00,2\n"
	r := w.Do("POST", "/v1/tax/fiscal-totals", tax, csvBody, "Content-Type", "text/csv")
	if r.Status != 201 {
		t.Fatalf("csv upload: %d %s", r.Status, r.Body)
	}
	// JSON upload superseding Jan 7 with 1001.00 (over-reported by 1.00).
	r = w.Do("POST", "/v1/tax/fiscal-totals", tax, map[string]any{"records": []map[string]any{
		{"bin": bin, "date": "2026-01-07", "amount": "1001.00", "receipts": 1}}})
	var up struct {
		Accepted, Superseded int
	}
	r.JSON(t, &up)
	if r.Status != 201 || up.Accepted != 1 || up.Superseded != 1 {
		t.Fatalf("json upload: %d %s", r.Status, r.Body)
	}
	r = w.Do("GET", "/v1/tax/reconciliation?from=2025-12-01&to=2026-01-31", tax, nil)
	if r.Status != 200 {
		t.Fatalf("reconciliation: %d %s", r.Status, r.Body)
	}
	var rec struct {
		Items []struct {
			BIN, Date, Status, Difference string
			LedgerGross                   string `json:"ledger_gross"`
			LedgerVAT                     string `json:"ledger_vat"`
		} `json:"items"`
		Totals struct {
			Statuses map[string]int `json:"statuses"`
		} `json:"totals"`
	}
	r.JSON(t, &rec)
	got := map[string]string{}
	for _, it := range rec.Items {
		got[it.BIN+" "+it.Date] = it.Status + " " + it.Difference + " " + it.LedgerVAT
	}
	want := map[string]string{
		bin + " 2025-12-31":      "no_fiscal_data -1120.00 120.00",
		bin + " 2026-01-07":      "over_reported 1.00 137.93",
		bin + " 2026-01-08":      "under_reported -500.00 275.86",
		bin + " 2026-01-09":      "match 0.00 344.83",
		otherBIN + " 2026-01-09": "no_ledger_data 700.00 0.00",
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %q want %q", k, got[k], v)
		}
	}
	if len(rec.Items) != 5 || len(rec.Totals.Statuses) != 5 {
		t.Errorf("items %d statuses %v", len(rec.Items), rec.Totals.Statuses)
	}
	for s, n := range rec.Totals.Statuses {
		if n != 1 {
			t.Errorf("status %s count %d", s, n)
		}
	}
	// Tolerance 1.00 makes Jan 7 a match; CSV format.
	r = w.Do("GET", "/v1/tax/reconciliation?from=2026-01-07&to=2026-01-07&tolerance=1.00&format=csv&bin="+bin, tax, nil)
	if r.Status != 200 || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/csv") || !strings.Contains(string(r.Body), `,"match"`+"\r\n") {
		t.Fatalf("csv reconciliation: %d %s", r.Status, r.Body)
	}
	if r := w.Do("GET", "/v1/tax/reconciliation?from=2026-01-07&to=2026-01-07", w.Key(apikey.RoleProducer, "", "prod-a"), nil); r.Status != 403 {
		t.Fatalf("producer reading reconciliation: %d", r.Status)
	}
	// VAT summary for January: 2500+2000+1000 at 16%.
	r = w.Do("GET", "/v1/tax/vat-summary?period=2026-01", tax, nil)
	var vs struct {
		Items []struct {
			ExhibitorID string `json:"exhibitor_id"`
			Gross, VAT  string
		} `json:"items"`
	}
	r.JSON(t, &vs)
	if r.Status != 200 || len(vs.Items) != 1 || vs.Items[0].Gross != "5500.00" || vs.Items[0].VAT != "758.62" {
		t.Fatalf("vat summary: %d %s", r.Status, r.Body)
	}
	exh := w.Key(apikey.RoleExhibitor, "", "exh")
	if r := w.Do("GET", "/v1/tax/vat-summary?from=2025-12-01&to=2026-01-31", exh, nil); r.Status != 200 || !strings.Contains(string(r.Body), `"rate":"12"`) {
		t.Fatalf("exhibitor vat summary: %d %s", r.Status, r.Body)
	}
	// A key scoped to one cinema sees that cinema only, not its owner's other cinemas.
	if r := w.Do("PUT", "/v1/cinemas/cin2", w.AdminKey, map[string]any{"name": "Chaplin Khan Shatyr", "exhibitor_id": "exh",
		"region": "KZ-71", "city": "Astana", "vat_payer": true,
		"halls": []map[string]any{{"id": "h1", "name": "Зал 1", "seats": 90}}}); r.Status != 200 {
		t.Fatalf("cinema 2: %d %s", r.Status, r.Body)
	}
	for cinema, want := range map[string]int{"cin": 1, "cin2": 0} {
		vs.Items = nil
		r := w.Do("GET", "/v1/tax/vat-summary?period=2026-01", w.Key(apikey.RoleExhibitor, cinema, ""), nil)
		r.JSON(t, &vs)
		if r.Status != 200 || len(vs.Items) != want || (want == 1 && vs.Items[0].Gross != "5500.00") {
			t.Errorf("vat summary for a key scoped to %s: %d %s, want %d items", cinema, r.Status, r.Body, want)
		}
	}
	// Likewise a cinema-scoped key reads its owner's statement for that
	// cinema only: cin2 sold nothing, so its key sees no line of cin's.
	for cinema, wantLines := range map[string]bool{"cin": true, "cin2": false} {
		r := w.statement(t, w.Key(apikey.RoleExhibitor, cinema, ""), "exh", "2026-01-01", "2026-01-31", "json")
		var st stStatement
		r.JSON(t, &st)
		if r.Status != 200 || (len(st.Lines) > 0) != wantLines {
			t.Errorf("statement for a key scoped to %s: %d, %d lines, want lines=%v", cinema, r.Status, len(st.Lines), wantLines)
		}
		for _, l := range st.Lines {
			if l["cinema_id"] != cinema {
				t.Errorf("statement for a key scoped to %s has a line of %v", cinema, l["cinema_id"])
			}
		}
	}
}

// TestScopeLookupFailureIsNotForbidden (issue 11): a cinema-scoped exhibitor
// key's statement and VAT summary look up the cinema's owner; when that
// read failed (here the service's role lost SELECT on cinemas) the answer
// was 403 forbidden, as if the key were out of scope. A database failure
// is a 500 that names no internals; another party is still 403.
func TestScopeLookupFailureIsNotForbidden(t *testing.T) {
	e := apptest.New(t)
	if r := e.Do("PUT", "/v1/parties/exh", e.AdminKey, map[string]any{"kind": "exhibitor", "name": "Chaplin Cinemas", "bin": stBIN(t, 4)}); r.Status != 200 {
		t.Fatalf("party: %d %s", r.Status, r.Body)
	}
	if r := e.Do("PUT", "/v1/cinemas/cin", e.AdminKey, map[string]any{"name": "Chaplin Mega", "exhibitor_id": "exh",
		"region": "KZ-75", "city": "Almaty", "vat_payer": true,
		"halls": []map[string]any{{"id": "h1", "name": "Зал 1", "seats": 150}}}); r.Status != 200 {
		t.Fatalf("cinema: %d %s", r.Status, r.Body)
	}
	exh := e.Key(apikey.RoleExhibitor, "cin", "")
	paths := []string{"/v1/statements?party=exh&from=2026-01-01&to=2026-01-31", "/v1/tax/vat-summary?period=2026-01"}
	for _, p := range paths {
		if r := e.Do("GET", p, exh, nil); r.Status != 200 {
			t.Fatalf("%s before the failure: %d %s", p, r.Status, r.Body)
		}
		if r := e.Do("GET", strings.Replace(p, "party=exh", "party=other", 1), exh, nil); strings.Contains(p, "party=") && r.Status != 403 {
			t.Errorf("%s for another party: %d %s, want 403", p, r.Status, r.Body)
		}
	}
	owner := pgtest.OwnerPool(t, e.DBURL)
	if _, err := owner.Exec(t.Context(), "REVOKE SELECT ON cinemas FROM ecinema_app"); err != nil {
		t.Fatal(err)
	}
	for _, p := range paths {
		r := e.Do("GET", p, exh, nil)
		if r.Status != 500 || r.ErrorCode() != "internal" || strings.Contains(string(r.Body), "permission") {
			t.Errorf("%s with cinemas unreadable: %d %s, want 500 internal", p, r.Status, r.Body)
		}
	}
}
