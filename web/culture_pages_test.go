package web_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"ecinema/internal/pgtest"
)

// TestNGOsGrantsHubsPages: /ngos, /grants and /hubs are public (no
// session) and show the seeded register, the fund's awards with their
// totals, and the hubs on the server-drawn map with their calendars.
func TestNGOsGrantsHubsPages(t *testing.T) {
	env := creativeFixture(t)
	c := browserClient(t)

	status, body, _ := get(t, c, env.URL+"/ngos?lang=en")
	if status != 200 {
		t.Fatalf("/ngos = %d", status)
	}
	if n := strings.Count(body, `class="ngo-name"`); n != 40 {
		t.Errorf("/ngos lists %d NGOs, want the 40 seeded", n)
	}
	var bin string
	var year int
	pgtest.Row(t, env.App.Pool, `SELECT bin, max(year) FROM ngo_reports WHERE status = 'accepted' GROUP BY bin ORDER BY bin LIMIT 1`).Scan(&bin, &year)
	row, _, _ := strings.Cut(strings.Split(body, "<code>"+bin+"</code>")[1], "</tr>")
	if !strings.Contains(row, `<td class="num">`+strconv.Itoa(year)+`</td>`) {
		t.Errorf("/ngos: %s's last accepted report %d not shown: %s", bin, year, row)
	}
	if status, _, _ := get(t, c, env.URL+"/ngos?after=0123456789012345"); status != 400 {
		t.Errorf("/ngos with a bad cursor = %d, want 400", status)
	}

	status, body, _ = get(t, c, env.URL+"/grants?lang=ru")
	if status != 200 {
		t.Fatalf("/grants = %d", status)
	}
	awards, _, _ := strings.Cut(strings.Split(body, `id="gr-awards"`)[1], "</tbody>")
	if n := strings.Count(awards, "<tr>"); n != 13 {
		t.Errorf("/grants: %d rows, want a header and the 12 awards", n)
	}
	if !strings.Contains(body, "Итого") || !strings.Contains(body, "Грантов: <strong>12</strong>") {
		t.Errorf("/grants?lang=ru lacks the totals")
	}

	status, body, _ = get(t, c, env.URL+"/hubs?lang=kk")
	if status != 200 {
		t.Fatalf("/hubs = %d", status)
	}
	if n := strings.Count(body, `<g class="hub-point">`); n != 10 {
		t.Errorf("/hubs map has %d points, want 10", n)
	}
	for _, want := range []string{"Орал креативті хабы", "/hubs/astana/events.ics?lang=kk", "/open-data/hubs.geojson", `role="img"`} {
		if !strings.Contains(body, want) {
			t.Errorf("/hubs lacks %q", want)
		}
	}
	_, home, _ := get(t, c, env.URL+"/?lang=en")
	for _, link := range []string{`href="/ngos"`, `href="/grants"`, `href="/hubs"`} {
		if !strings.Contains(home, link) {
			t.Errorf("home lacks %s", link)
		}
	}
}

// TestNGOsGrantsHubsBrowser opens /ngos, /grants and /hubs in headless
// Chromium, checks their tables and the map render, and runs axe-core on
// each.
func TestNGOsGrantsHubsBrowser(t *testing.T) {
	chromium := chromiumPath(t)
	env := creativeFixture(t)
	ctx := chromeContext(t, chromium, 2*time.Minute)
	axe := axeChecker(t)
	for _, pg := range []struct{ path, sel string }{
		{"/ngos?lang=en", "#ngo-list tbody tr"},
		{"/grants?lang=en", "#gr-awards tbody tr"},
		{"/hubs?lang=en", "#hub-list tbody tr"},
	} {
		if err := chromedp.Do(ctx, chromedp.Navigate(env.URL+pg.path), chromedp.WaitVisible(chromedp.CSS(pg.sel))); err != nil {
			t.Fatalf("%s: %v", pg.path, err)
		}
		txt, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(pg.sel)))
		if err != nil || strings.TrimSpace(txt) == "" {
			t.Errorf("%s: %s text %q, %v", pg.path, pg.sel, txt, err)
		}
		axe(ctx, pg.path)
	}
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS("#hub-map circle"))); err != nil {
		t.Errorf("/hubs: no point visible on the map: %v", err)
	}
	screenshot(t, ctx, "hubs.png")
	if txt, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#hub-list tbody"))); err != nil || !strings.Contains(txt, "Oral Creative Hub") {
		t.Errorf("/hubs table %q, %v", txt, err)
	}
}
