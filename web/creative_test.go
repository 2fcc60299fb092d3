package web_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"ecinema/culture/fund"
	"ecinema/culture/hubs"
	"ecinema/culture/ngo"
	"ecinema/internal/apptest"
)

// creativeFixture is a service with a small section 5 demo: 40 NGOs, the
// fund's call with its awards and payments, the ten hubs.
func creativeFixture(t *testing.T) *apptest.Env {
	t.Helper()
	return demoEnv(t, func(ctx context.Context, env *apptest.Env) error {
		now := time.Now()
		ns, err := ngo.LoadDemo(ctx, env.App.Pool, 40, now)
		if err != nil {
			return err
		}
		ngoAt := ngo.NewService(env.App.Pool, ngo.Config{Now: func() time.Time { return now }}) // the register as at now, as ecinema demo checks it
		if _, err := fund.LoadDemo(ctx, env.App.Pool, env.App.Writer, ngoAt, ns.Eligible, now); err != nil {
			return err
		}
		_, err = hubs.LoadDemo(ctx, env.App.Pool, env.App.Writer, now)
		return err
	})
}

// TestCreativePage: /creative is public and shows the NGO counts, the 12
// awards with their totals and the ten hubs with their calendars, in the
// language asked for.
func TestCreativePage(t *testing.T) {
	env := creativeFixture(t)
	c := browserClient(t)
	body := pageHas(t, c, env.URL+"/creative?lang=ru", "Гранты Фонда развития креативных индустрий", "Креативный хаб Уральск", "/hubs/astana/events.ics?lang=ru",
		"/open-data/360giving.json", "/open-data/hubs.geojson", "/open-data/ngos.csv", "Зарегистрировано: <strong>40</strong>")
	if n := strings.Count(body, `class="hub-name"`); n != 10 {
		t.Errorf("%d hubs listed, want 10", n)
	}
	_, body, _ = get(t, c, env.URL+"/creative?lang=kk")
	awards, _, _ := strings.Cut(strings.Split(body, `id="cr-awards"`)[1], "</table>")
	if !strings.Contains(body, "Орал креативті хабы") || strings.Count(awards, "<tr>") != 13 {
		t.Errorf("/creative?lang=kk: hubs or the 12 awards missing: %s", body)
	}
}

// TestCreativeBrowser opens /creative in headless Chromium, checks the
// tables render and runs axe-core.
func TestCreativeBrowser(t *testing.T) {
	chromium := chromiumPath(t)
	env := creativeFixture(t)
	ctx := chromeContext(t, chromium, 2*time.Minute)
	openPage(t, ctx, env.URL+"/creative?lang=en", "#cr-hub-list")
	h1, hubsText, awards := tabText(t, ctx, "h1"), tabText(t, ctx, "#cr-hub-list tbody"), tabText(t, ctx, "#cr-awards tbody")
	if !strings.Contains(h1, "Creative Industry Development Fund") || !strings.Contains(hubsText, "Oral Creative Hub") || awards == "" {
		t.Errorf("h1 %q, hubs %q, awards %d chars", h1, hubsText, len(awards))
	}
	screenshot(t, ctx, "creative.png")
	axeChecker(t)(ctx, "/creative")
}
