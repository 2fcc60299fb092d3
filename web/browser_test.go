package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"ecinema/apikey"
	"ecinema/internal/tooltest"
	"ecinema/kztime"
)

// chromiumPath finds Debian's chromium; without it the browser tests skip,
// except under CI where they must run (.ci/run installs it).
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, p := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if path, err := exec.LookPath(p); err == nil {
			return path
		}
	}
	tooltest.Missing(t, "chromium is not installed (Debian package chromium; .ci/run installs it)")
	return ""
}

// tamperer sits in front of the service and, when asked, flips one hex
// digit of the first inclusion-proof hash or of the checkpoint's root, as
// a lying server or a man in the middle would.
type tamperer struct {
	next  http.Handler
	proof atomic.Bool
	root  atomic.Bool
}

func (tp *tamperer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	tamperProof := tp.proof.Load() && strings.HasPrefix(r.URL.Path, "/v1/ledger/tickets/")
	tamperRoot := tp.root.Load() && r.URL.Path == "/v1/ledger/checkpoint"
	if !tamperProof && !tamperRoot {
		tp.next.ServeHTTP(w, r)
		return
	}
	rec := httptest.NewRecorder()
	tp.next.ServeHTTP(rec, r)
	body := rec.Body.Bytes()
	if tamperProof {
		var leaf map[string]any
		if json.Unmarshal(body, &leaf) == nil {
			if p, ok := leaf["inclusion_proof"].([]any); ok && len(p) > 0 {
				h := []byte(p[0].(string))
				if h[0] == '0' { // change the first digit, whatever it is
					h[0] = '1'
				} else {
					h[0] = '0'
				}
				p[0] = string(h)
				body, _ = json.Marshal(leaf)
			}
		}
	}
	if tamperRoot {
		lines := bytes.SplitN(body, []byte("\n"), 4)
		root := []byte(string(lines[2]))
		if root[0] == 'A' {
			root[0] = 'B'
		} else {
			root[0] = 'A'
		}
		lines[2] = root
		body = bytes.Join(lines, []byte("\n"))
	}
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.Header().Del("Content-Length")
	w.WriteHeader(rec.Code)
	w.Write(body)
}

// TestBrowser drives headless Chromium through the pages: the home page's
// numbers against the API, sign-in, /boxoffice, a statement, /verify green
// for a real ticket and red after tampering, sign-out, and an axe-core
// accessibility check of every page. Screenshots go to the test's temp dir
// (or ECINEMA_SCREENSHOTS when set).
func TestBrowser(t *testing.T) {
	chromium := chromiumPath(t)
	f := seed(t)
	env := f.env
	tp := &tamperer{next: env.App.API}
	srv := httptest.NewServer(tp)
	t.Cleanup(srv.Close)
	ctx := chromeContext(t, chromium, 3*time.Minute)

	axe := axeChecker(t)

	// Home, in English: the weekend's number one is the API's.
	openPage(t, ctx, srv.URL+"/?lang=en", "#weekend")
	screenshot(t, ctx, "home.png")
	axe(ctx, "/")
	var weekend struct {
		Items []struct {
			Title struct {
				EN string `json:"en"`
			} `json:"title"`
			Gross string `json:"gross"`
		} `json:"items"`
	}
	analyst := env.Key(apikey.RoleAnalyst, "", "")
	env.Do("GET", "/v1/boxoffice/rankings?period=weekend&limit=10&date="+lastSunday(f.now).Format("2006-01-02"), analyst, nil).JSON(t, &weekend)
	if len(weekend.Items) == 0 {
		t.Fatal("the API ranks no film for the last weekend; the fixture is too small")
	}
	row := tabText(t, ctx, "section[aria-labelledby=weekend] tbody tr:first-child")
	if !strings.Contains(row, weekend.Items[0].Title.EN) || !strings.Contains(row, enMoney(weekend.Items[0].Gross)) {
		t.Errorf("home weekend #1 row %q, API: %q %s", row, weekend.Items[0].Title.EN, weekend.Items[0].Gross)
	}
	if h1 := tabText(t, ctx, "h1"); h1 != "National e-cinema ledger" {
		t.Errorf("home h1 = %q", h1)
	}
	// The language switch keeps the choice.
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/?lang=ru"), chromedp.WaitVisible(chromedp.CSS("#weekend")),
		chromedp.Navigate(srv.URL+"/verify")); err != nil {
		t.Fatal(err)
	}
	if h1 := tabText(t, ctx, "h1"); h1 != "Проверка билета в реестре" {
		t.Errorf("/verify after choosing ru: h1 = %q", h1)
	}

	// /verify without a session: green for a real ticket, content not checked.
	verify := func(wantOK bool) string {
		t.Helper()
		u := fmt.Sprintf("%s/verify?lang=en&cinema=%s&ticket=%s", srv.URL, f.cinema, f.ticket)
		if err := chromedp.Do(ctx, chromedp.Navigate(u), chromedp.WaitVisible(chromedp.CSS("#result.ok, #result.bad"))); err != nil {
			t.Fatal(err)
		}
		res := tabText(t, ctx, "#result")
		if got := strings.HasPrefix(res, "Verified"); got != wantOK {
			t.Errorf("verify result %q, want ok=%v; steps: %s", res, wantOK, tabText(t, ctx, "#steps"))
		}
		return tabText(t, ctx, "#steps")
	}
	steps := verify(true)
	if !strings.Contains(steps, "Content not checked") {
		t.Errorf("anonymous verify steps do not say the content was not checked: %s", steps)
	}
	screenshot(t, ctx, "verify-public.png")
	axe(ctx, "/verify")
	tp.proof.Store(true)
	verify(false)
	screenshot(t, ctx, "verify-tampered-proof.png")
	tp.proof.Store(false)
	tp.root.Store(true)
	verify(false)
	tp.root.Store(false)

	// Sign in as the film's producer: /verify hashes the entry bytes too.
	producer := env.Key(apikey.RoleProducer, "", f.producer)
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/login?lang=en"), chromedp.WaitVisible(chromedp.CSS("#key")),
		chromedp.SendKeys(chromedp.CSS("#key"), producer), chromedp.Submit(chromedp.CSS("#key")), chromedp.WaitVisible(chromedp.CSS("form[action='/logout']"))); err != nil {
		t.Fatal(err)
	}
	axe(ctx, "/ (signed in)")
	steps = verify(true)
	if !strings.Contains(steps, "Hash of the entry bytes") || !strings.Contains(steps, `"kind":"sale"`) {
		t.Errorf("signed-in verify did not hash the entry: %s", steps)
	}
	screenshot(t, ctx, "verify.png")

	// /boxoffice and /statements as the producer.
	openPage(t, ctx, srv.URL+"/boxoffice?lang=en&period=week", "#total-gross")
	screenshot(t, ctx, "boxoffice.png")
	axe(ctx, "/boxoffice")
	month := f.last.Format("2006-01")
	openPage(t, ctx, srv.URL+"/statements?lang=en&month="+month, "#st-gross")
	screenshot(t, ctx, "statements.png")
	axe(ctx, "/statements")
	from := month + "-01"
	first, _ := time.Parse("2006-01-02", from)
	var st struct {
		Totals struct {
			Gross string `json:"gross"`
		} `json:"totals"`
	}
	env.Do("GET", fmt.Sprintf("/v1/statements?party=%s&from=%s&to=%s", f.producer, from, first.AddDate(0, 1, -1).Format("2006-01-02")), producer, nil).JSON(t, &st)
	if got := tabText(t, ctx, "#st-gross"); got != enMoney(st.Totals.Gross) {
		t.Errorf("statement page gross %q, API %q", got, st.Totals.Gross)
	}
	// The XLSX download link answers with a spreadsheet (fetched by the page itself, with its session).
	status, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(async () => { const a = [...document.querySelectorAll("a.download")].find(x => x.textContent === "XLSX");
		const r = await fetch(a.href); const b = new Uint8Array(await r.arrayBuffer()); return r.status + " " + r.headers.get("content-type") + " " + String.fromCharCode(b[0], b[1]); })()`,
		chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(status, "200 application/vnd.openxmlformats") || !strings.HasSuffix(status, "PK") {
		t.Errorf("XLSX download from the page: %q", status)
	}

	// Sign out: /statements asks for a key again.
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("form[action='/logout'] button")), chromedp.WaitVisible(chromedp.CSS("a[href='/login'].button")),
		chromedp.Navigate(srv.URL+"/statements"), chromedp.WaitVisible(chromedp.CSS("#key"))); err != nil {
		t.Fatal(err)
	}
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(loc, "/login") {
		t.Errorf("after sign-out /statements went to %s, want /login", loc)
	}
	axe(ctx, "/login")
}

// lastSunday is the Sunday of the last complete weekend at now, as the
// home page picks it: the last Sunday before the box-office day that is
// open (until 06:00 local time, the day before the local date).
func lastSunday(now time.Time) time.Time {
	day := kztime.BoxOfficeDay(now)
	back := (int(day.Weekday()) + 7) % 7
	if back == 0 {
		back = 7
	}
	return day.AddDate(0, 0, -back)
}

// axeChecker loads axe-core (testdata/web, installed by npm ci) and returns
// a check that runs it on the current page for WCAG 2.1 A and AA rules and
// reports every violation.
func axeChecker(t *testing.T) func(ctx context.Context, page string) {
	t.Helper()
	src, err := os.ReadFile("../testdata/web/node_modules/axe-core/axe.min.js")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("axe-core is missing (.ci/run runs npm ci in testdata/web): %v", err)
		}
		t.Logf("axe-core not installed (cd testdata/web && npm ci); accessibility not checked")
		return func(context.Context, string) {}
	}
	return func(ctx context.Context, page string) {
		t.Helper()
		run := string(src) + `; axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}})
			.then(r => r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n => ({target: n.target.map(String)}))})))`
		out, err := chromedp.Run(ctx, chromedp.Evaluate[[]axeViolation](run, chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatalf("axe on %s: %v", page, err)
		}
		for _, v := range out {
			var where []string
			for _, n := range v.Nodes {
				where = append(where, strings.Join(n.Target, " "))
			}
			t.Errorf("accessibility, %s: %s (%s) %s at %s", page, v.ID, v.Impact, v.Help, strings.Join(where, ", "))
		}
	}
}

type axeViolation struct {
	ID     string `json:"id"`
	Impact string `json:"impact"`
	Help   string `json:"help"`
	Nodes  []struct {
		Target []string `json:"target"`
	} `json:"nodes"`
}
