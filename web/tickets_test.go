package web_test

import (
	"context"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"ecinema/culture/ticketing"
	"ecinema/internal/app"
	"ecinema/internal/apptest"
)

// ticketsFixture is a service with two days of the e-ticketing demo and
// the public figures the API gives for the page's default span.
func ticketsFixture(t *testing.T) (*apptest.Env, ticketing.PublicStats) {
	t.Helper()
	mk, _ := ticketing.GenerateMasterKey()
	sealer, _ := ticketing.NewSealer(mk)
	env := apptest.New(t, func(c *app.Config) { c.TicketSealer = sealer })
	loc, _ := time.LoadLocation("Asia/Almaty")
	now := time.Now().In(loc)
	yesterday := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC).AddDate(0, 0, -1)
	if _, err := ticketing.LoadDemo(context.Background(), env.App.Pool, env.App.Writer, sealer, ticketing.DemoConfig{Days: 2, Last: yesterday}); err != nil {
		t.Fatal(err)
	}
	to := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	var st ticketing.PublicStats
	r := env.Do("GET", "/v1/tickets/stats?from="+to.AddDate(0, -2, 0).Format(time.DateOnly)+"&to="+to.AddDate(0, 1, -1).Format(time.DateOnly), "", nil)
	r.JSON(t, &st)
	if st.Totals.Sold == 0 {
		t.Fatalf("no public figures: %s", r.Body)
	}
	return env, st
}

var nonDigits = regexp.MustCompile(`[^0-9]`)

// TestTicketsPage: /tickets is public, in the language asked, with the
// API's public totals and the venues' names in that language.
func TestTicketsPage(t *testing.T) {
	env, st := ticketsFixture(t)
	c := browserClient(t)
	body := pageHas(t, c, env.URL+"/tickets?lang=ru", "Единый электронный билет организаций культуры", "Казахский национальный театр оперы и балета имени Абая", "Спектакль")
	m := regexp.MustCompile(`id="tk-total-sold">([^<]*)<`).FindStringSubmatch(body)
	if m == nil || nonDigits.ReplaceAllString(m[1], "") != strconv.FormatInt(st.Totals.Sold, 10) {
		t.Errorf("page total sold %v, API %d", m, st.Totals.Sold)
	}
	if strings.Contains(body, "gross") {
		t.Error("the public page shows money")
	}
	if status, _, _ := get(t, c, env.URL+"/tickets?from=2026-13"); status != 400 {
		t.Errorf("bad month = %d, want 400", status)
	}
}

// TestTicketsBrowser opens /tickets in headless Chromium in English: the
// totals are the API's, the venue list is in English, and axe-core finds
// no accessibility violation.
func TestTicketsBrowser(t *testing.T) {
	chromium := chromiumPath(t)
	env, st := ticketsFixture(t)
	ctx := chromeContext(t, chromium, 2*time.Minute)
	openPage(t, ctx, env.URL+"/tickets?lang=en", "#ticket-stats")
	sold, admitted, venues, h1 := tabText(t, ctx, "#tk-total-sold"), tabText(t, ctx, "#tk-total-admitted"), tabText(t, ctx, "ul.venues"), tabText(t, ctx, "h1")
	if nonDigits.ReplaceAllString(sold, "") != strconv.FormatInt(st.Totals.Sold, 10) ||
		nonDigits.ReplaceAllString(admitted, "") != strconv.FormatInt(st.Totals.Admitted, 10) {
		t.Errorf("page totals sold %q admitted %q, API %d %d", sold, admitted, st.Totals.Sold, st.Totals.Admitted)
	}
	if h1 != "Unified e-ticketing for culture" || !strings.Contains(venues, "Astana Opera") || !strings.Contains(venues, "National Museum of Kazakhstan") {
		t.Errorf("h1 %q, venues %q", h1, venues)
	}
	screenshot(t, ctx, "tickets.png")
	axeChecker(t)(ctx, "/tickets")
}
