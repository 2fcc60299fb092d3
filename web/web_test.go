package web_test

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"ecinema/apikey"
	"ecinema/demo"
	"ecinema/internal/app"
	"ecinema/internal/apptest"
	"ecinema/internal/pgtest"
	"ecinema/kztime"
	"ecinema/ledger"
	"ecinema/web"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// fixture is a service with nine days of demo sales and a checkpoint.
type fixture struct {
	env      *apptest.Env
	producer string    // a producer party with sales
	cinema   string    // a cinema with sales
	ticket   string    // a ticket sold there
	now      time.Time // the instant of the fixture: the demo's and the pages' clock
	last     time.Time // the demo's last box-office day
}

func seed(t *testing.T, opts ...func(*app.Config)) *fixture {
	t.Helper()
	return seedAt(t, time.Now(), opts...)
}

// seedAt loads the demo as it would have been loaded at now: nine days
// ending with the last box-office day that had ended then
// (kztime.LastCompleteDay), which is not always yesterday's local date,
// nor in yesterday's month. The pages' clock stays at now.
func seedAt(t *testing.T, now time.Time, opts ...func(*app.Config)) *fixture {
	t.Helper()
	env := apptest.New(t, append([]func(*app.Config){func(c *app.Config) { c.Now = func() time.Time { return now } }}, opts...)...)
	ctx := context.Background()
	last := kztime.LastCompleteDay(now)
	if _, err := demo.Load(ctx, env.App.Pool, env.App.Writer, demo.Config{Days: 9, Scale: 0.004, Seed: 3, Workers: 4,
		Last: last, Now: func() time.Time { return now }}); err != nil {
		t.Fatal(err)
	}
	if _, err := env.App.Publisher.Publish(ctx); err != nil {
		t.Fatal(err)
	}
	f := &fixture{env: env, now: now, last: last}
	err := env.App.Pool.QueryRow(ctx, `SELECT f.producer_id, t.cinema_id, t.id FROM tickets t JOIN films f ON f.id = t.film_id
WHERE t.refunded_at IS NULL ORDER BY t.sale_seq LIMIT 1`).Scan(&f.producer, &f.cinema, &f.ticket)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// browserClient keeps cookies like a browser and does not follow redirects.
func browserClient(t testing.TB) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func get(t testing.TB, c *http.Client, u string) (int, string, http.Header) {
	t.Helper()
	res, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, string(b), res.Header
}

// signIn signs c in with key through the login form, CSRF token included.
func signIn(t testing.TB, c *http.Client, base, key string) {
	t.Helper()
	_, body, _ := get(t, c, base+"/login")
	m := csrfRE.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("login form has no CSRF token:\n%s", body)
	}
	res, err := c.PostForm(base+"/login", url.Values{"key": {key}, "csrf": {m[1]}, "next": {"/"}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("POST /login = %d, want 303", res.StatusCode)
	}
}

func TestCatalogHasEveryLanguage(t *testing.T) {
	for _, lang := range web.Langs {
		for _, key := range []string{"site.title", "verify.ok", "err.forbidden", "col.gross"} {
			if s := web.T(lang, key); s == "" || s == key {
				t.Errorf("T(%s, %s) = %q", lang, key, s)
			}
		}
	}
	if web.T("ru", "nav.home") == web.T("en", "nav.home") {
		t.Error("ru and en home labels are the same string")
	}
}

func TestLoginNeedsCSRFAndAValidKey(t *testing.T) {
	env := apptest.New(t)
	c := browserClient(t)
	get(t, c, env.URL+"/login")
	// A form without the token is refused and starts no session.
	res, err := c.PostForm(env.URL+"/login", url.Values{"key": {env.AdminKey}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusForbidden {
		t.Fatalf("login without CSRF = %d, want 403", res.StatusCode)
	}
	var n int
	if err := env.App.Pool.QueryRow(context.Background(), `SELECT count(*) FROM web_sessions`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("sessions after a refused login = %d, %v", n, err)
	}
	_, body, _ := get(t, c, env.URL+"/login")
	tok := csrfRE.FindStringSubmatch(body)[1]
	res, err = c.PostForm(env.URL+"/login", url.Values{"key": {"eck_wrong"}, "csrf": {tok}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("login with a wrong key = %d, want 401", res.StatusCode)
	}
	signIn(t, c, env.URL, env.AdminKey)
	var cookie *http.Cookie
	u, _ := url.Parse(env.URL)
	for _, ck := range c.Jar.Cookies(u) {
		if ck.Name == "ecinema_session" {
			cookie = ck
		}
	}
	if cookie == nil {
		t.Fatal("no session cookie after sign-in")
	}
	if err := env.App.Pool.QueryRow(context.Background(), `SELECT count(*) FROM web_sessions`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("sessions after sign-in = %d, %v", n, err)
	}
	// Security headers on every page.
	_, _, h := get(t, c, env.URL+"/")
	if csp := h.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || !strings.Contains(csp, "frame-ancestors 'none'") {
		t.Errorf("CSP = %q", csp)
	}
	// Logout needs the session's token; then the session is gone.
	_, body, _ = get(t, c, env.URL+"/")
	tok = csrfRE.FindStringSubmatch(body)[1]
	res, err = c.PostForm(env.URL+"/logout", url.Values{"csrf": {"forged"}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusForbidden {
		t.Fatalf("logout with a forged token = %d, want 403", res.StatusCode)
	}
	res, err = c.PostForm(env.URL+"/logout", url.Values{"csrf": {tok}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if err := env.App.Pool.QueryRow(context.Background(), `SELECT count(*) FROM web_sessions`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("sessions after logout = %d, %v", n, err)
	}
}

// TestPagesByRole opens every page as every core role and without a session.
func TestPagesByRole(t *testing.T) {
	f := seed(t)
	env := f.env
	var exhibitor string
	if err := env.App.Pool.QueryRow(context.Background(), `SELECT exhibitor_id FROM cinemas WHERE id = $1`, f.cinema).Scan(&exhibitor); err != nil {
		t.Fatal(err)
	}
	keys := map[string]string{
		"admin":         env.AdminKey,
		"analyst":       env.Key(apikey.RoleAnalyst, "", ""),
		"auditor":       env.Key(apikey.RoleAuditor, "", ""),
		"tax":           env.Key(apikey.RoleTax, "", ""),
		"producer":      env.Key(apikey.RoleProducer, "", f.producer),
		"exhibitor":     env.Key(apikey.RoleExhibitor, f.cinema, ""),
		"pos":           env.Key(apikey.RolePOS, f.cinema, ""),
		"rights_holder": env.Key(apikey.RoleRightsHolder, "", f.producer),
		"archivist":     env.Key(apikey.RoleArchivist, "", ""),
		"librarian":     env.Key(apikey.RoleLibrarian, "", ""),
		"fund_officer":  env.Key(apikey.RoleFundOfficer, "", ""),
	}
	month := f.last.Format("2006-01") // the demo's last day is not always in yesterday's month
	pages := []struct {
		path string
		ok   []string // roles that get 200; others 403; no session 303 to /login unless public
		pub  bool
	}{
		{"/", nil, true},
		{"/verify", nil, true},
		{"/login", nil, true},
		{"/boxoffice?period=week", []string{"admin", "analyst", "auditor", "producer"}, false},
		{"/statements?month=" + month, []string{"admin", "auditor", "tax", "producer", "exhibitor", "rights_holder"}, false},
	}
	for _, p := range pages {
		c := browserClient(t)
		status, _, h := get(t, c, env.URL+p.path)
		switch {
		case p.pub && status != 200:
			t.Errorf("%s without a session = %d, want 200", p.path, status)
		case !p.pub && (status != http.StatusSeeOther || !strings.HasPrefix(h.Get("Location"), "/login")):
			t.Errorf("%s without a session = %d %q, want 303 to /login", p.path, status, h.Get("Location"))
		}
		for role, key := range keys {
			c := browserClient(t)
			signIn(t, c, env.URL, key)
			status, body, _ := get(t, c, env.URL+p.path)
			want := 403
			if p.pub || contains(p.ok, role) {
				want = 200
			}
			if status != want {
				t.Errorf("%s as %s = %d, want %d\n%.300s", p.path, role, status, want, body)
			}
		}
	}

	// A producer sees exactly its own statement, with the API's totals.
	c := producerStatement(t, f, keys["producer"], month)
	// Another party's statement is refused as by the API.
	status, _, _ := get(t, c, env.URL+"/statements?party=someone-else&month="+month)
	if status != http.StatusForbidden {
		t.Errorf("producer opening another party's statement = %d, want 403", status)
	}
	// The PDF download is a PDF.
	status, pdf, h := get(t, c, env.URL+"/statements/download?format=pdf&party="+f.producer+"&month="+month)
	if status != 200 || !strings.HasPrefix(pdf, "%PDF") || !strings.Contains(h.Get("Content-Disposition"), "attachment") {
		t.Errorf("PDF download = %d %q %.8q", status, h.Get("Content-Disposition"), pdf)
	}
}

// producerStatement signs in as the producer's key and checks that
// /statements for month shows exactly its own statement, with the API's
// totals, which are not zero; it returns the signed-in client.
func producerStatement(t *testing.T, f *fixture, key, month string) *http.Client {
	t.Helper()
	env := f.env
	c := browserClient(t)
	signIn(t, c, env.URL, key)
	_, body, _ := get(t, c, env.URL+"/statements?lang=en&month="+month)
	if n := strings.Count(body, "<option value="); n != 1 {
		t.Errorf("producer's party picker has %d options, want 1", n)
	}
	from, err := time.Parse("2006-01", month)
	if err != nil {
		t.Fatal(err)
	}
	r := env.Do("GET", fmt.Sprintf("/v1/statements?party=%s&from=%s&to=%s", f.producer, from.Format("2006-01-02"), from.AddDate(0, 1, -1).Format("2006-01-02")), key, nil)
	var st struct {
		Totals struct {
			Gross string `json:"gross"`
			VAT   string `json:"vat"`
		} `json:"totals"`
	}
	r.JSON(t, &st)
	if st.Totals.Gross == "" || st.Totals.Gross == "0.00" {
		t.Fatalf("API statement gross for %s = %q (%s)", month, st.Totals.Gross, r.Body)
	}
	if got := between(body, `id="st-gross">`, "<"); got != enMoney(st.Totals.Gross) {
		t.Errorf("page gross %q, API %q", got, st.Totals.Gross)
	}
	if got := between(body, `id="st-vat">`, "<"); got != enMoney(st.Totals.VAT) {
		t.Errorf("page VAT %q, API %q", got, st.Totals.VAT)
	}
	return c
}

// TestStatementsJustAfterAMonthTurned: at 00:30 UTC on 2 November (05:30
// local) the box-office day of 1 November is still open, so the demo's
// nine days end on 31 October, and the month with the producer's sales is
// October, not the month of yesterday's date.
func TestStatementsJustAfterAMonthTurned(t *testing.T) {
	f := seedAt(t, time.Date(2026, 11, 2, 0, 30, 0, 0, time.UTC))
	if got := f.last.Format(time.DateOnly); got != "2026-10-31" {
		t.Fatalf("the demo ends %s, want 2026-10-31", got)
	}
	month := f.last.Format("2006-01")
	producerStatement(t, f, f.env.Key(apikey.RoleProducer, "", f.producer), month)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func between(s, start, end string) string {
	_, rest, ok := strings.Cut(s, start)
	if !ok {
		return ""
	}
	v, _, _ := strings.Cut(rest, end)
	return v
}

// enMoney formats "1234567.89" as the English pages do: "1,234,567.89".
func enMoney(s string) string {
	i, frac, _ := strings.Cut(s, ".")
	var b strings.Builder
	for k, c := range i {
		if k > 0 && (len(i)-k)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String() + "." + frac
}

// TestTicketLeafProves checks the public leaf of a ticket against the
// signed checkpoint with tlog, as an outside verifier would.
func TestTicketLeafProves(t *testing.T) {
	f := seed(t)
	env := f.env
	r := env.Do("GET", "/v1/ledger/tickets/"+f.cinema+"/"+f.ticket, "", nil)
	if r.Status != 200 {
		t.Fatalf("ticket leaf: %d %s", r.Status, r.Body)
	}
	var leaf struct {
		Seq            int64    `json:"seq"`
		LeafHash       string   `json:"leaf_hash"`
		TreeSize       int64    `json:"tree_size"`
		InclusionProof []string `json:"inclusion_proof"`
	}
	r.JSON(t, &leaf)
	cp := env.Do("GET", "/v1/ledger/checkpoint", "", nil)
	v, err := ledger.NewVerifier(env.Verifier)
	if err != nil {
		t.Fatal(err)
	}
	size, root, err := ledger.OpenCheckpoint(cp.Body, "ecinema.test/ledger", v)
	if err != nil {
		t.Fatal(err)
	}
	if size != leaf.TreeSize {
		t.Fatalf("leaf tree size %d, checkpoint %d", leaf.TreeSize, size)
	}
	var proof tlog.RecordProof
	for _, h := range leaf.InclusionProof {
		b, err := hex.DecodeString(h)
		if err != nil || len(b) != 32 {
			t.Fatalf("proof hash %q", h)
		}
		proof = append(proof, tlog.Hash(b))
	}
	lh, err := hex.DecodeString(leaf.LeafHash)
	if err != nil {
		t.Fatal(err)
	}
	if err := tlog.CheckRecord(proof, size, tlog.Hash(root), leaf.Seq, tlog.Hash(lh)); err != nil {
		t.Fatalf("inclusion proof does not verify: %v", err)
	}
	// The leaf hash is the hash of the entry's bytes.
	e := env.Do("GET", fmt.Sprintf("/v1/ledger/entries/%d", leaf.Seq), env.AdminKey, nil)
	var entry struct {
		Bytes string `json:"bytes"`
	}
	e.JSON(t, &entry)
	b, err := base64.StdEncoding.DecodeString(entry.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	if got := ledger.LeafHash(b); hex.EncodeToString(got[:]) != leaf.LeafHash {
		t.Fatalf("leaf hash %s is not the hash of entry %d's bytes", leaf.LeafHash, leaf.Seq)
	}
	for _, tc := range []struct {
		path, code string
		status     int
	}{
		{"/v1/ledger/tickets/" + f.cinema + "/no-such-ticket", "not_found", 404},
		{"/v1/ledger/tickets/" + f.cinema + "/" + f.ticket + "?size=abc", "invalid_query", 400},
		// No entry at the checkpoint's size here: none will ever be covered
		// (api.TestLeafPastTheLogIsNotFound has the 409 of a newer entry).
		{fmt.Sprintf("/v1/ledger/leaves/%d", size+1000), "not_found", 404},
		{"/v1/ledger/leaves/-1", "invalid_query", 400},
	} {
		r := env.Do("GET", tc.path, "", nil)
		if r.Status != tc.status || r.ErrorCode() != tc.code {
			t.Errorf("GET %s = %d %s, want %d %s", tc.path, r.Status, r.ErrorCode(), tc.status, tc.code)
		}
	}
}
