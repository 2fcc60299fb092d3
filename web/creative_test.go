package web_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"ecinema/culture/fund"
	"ecinema/culture/hubs"
	"ecinema/culture/ngo"
	"ecinema/internal/apptest"
)

// creativeFixture is a service with a small section 5 demo: 40 NGOs, the
// fund's call with its awards and payments, the ten hubs.
func creativeFixture(t *testing.T) *apptest.Env {
	t.Helper()
	env := apptest.New(t)
	ctx, now := context.Background(), time.Now()
	ns, err := ngo.LoadDemo(ctx, env.App.Pool, 40, now)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fund.LoadDemo(ctx, env.App.Pool, env.App.Writer, env.App.NGO, ns.Eligible, now); err != nil {
		t.Fatal(err)
	}
	if _, err := hubs.LoadDemo(ctx, env.App.Pool, env.App.Writer, now); err != nil {
		t.Fatal(err)
	}
	return env
}

// TestCreativePage: /creative is public and shows the NGO counts, the 12
// awards with their totals and the ten hubs with their calendars, in the
// language asked for.
func TestCreativePage(t *testing.T) {
	env := creativeFixture(t)
	c := browserClient(t)
	status, body, _ := get(t, c, env.URL+"/creative?lang=ru")
	if status != 200 {
		t.Fatalf("/creative = %d", status)
	}
	for _, want := range []string{"Гранты Фонда развития креативных индустрий", "Креативный хаб Уральск", "/hubs/astana/events.ics?lang=ru",
		"/open-data/360giving.json", "/open-data/hubs.geojson", "/open-data/ngos.csv", "Зарегистрировано: <strong>40</strong>"} {
		if !strings.Contains(body, want) {
			t.Errorf("/creative?lang=ru lacks %q", want)
		}
	}
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
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(chromium), chromedp.NoSandbox,
		chromedp.Flag("disable-dev-shm-usage", true), chromedp.WindowSize(1280, 1000))
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(cancel)
	ctx, cancel = context.WithTimeout(ctx, 2*time.Minute)
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx, chromedp.Navigate(env.URL+"/creative?lang=en"), chromedp.WaitVisible(chromedp.CSS("#cr-hub-list"))); err != nil {
		t.Fatal(err)
	}
	text := func(sel string) string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return strings.TrimSpace(v)
	}
	h1, hubsText, awards := text("h1"), text("#cr-hub-list tbody"), text("#cr-awards tbody")
	if !strings.Contains(h1, "Creative Industry Development Fund") || !strings.Contains(hubsText, "Oral Creative Hub") || awards == "" {
		t.Errorf("h1 %q, hubs %q, awards %d chars", h1, hubsText, len(awards))
	}
	shots := os.Getenv("ECINEMA_SCREENSHOTS")
	if shots == "" {
		shots = t.TempDir()
	}
	os.MkdirAll(shots, 0o755)
	if png, err := chromedp.Run(ctx, chromedp.FullScreenshot(90)); err == nil {
		os.WriteFile(filepath.Join(shots, "creative.png"), png, 0o644)
	}
	axeChecker(t)(ctx, "/creative")
}
