package web_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"ecinema/internal/apptest"
)

// archiveFixture is a service with a small slice of the e-Archive demo.
func archiveFixture(t *testing.T) *apptest.Env {
	t.Helper()
	env := apptest.New(t)
	if _, err := env.App.Archive.LoadDemo(context.Background(), 10, nil); err != nil {
		t.Fatal(err)
	}
	return env
}

// TestArchivePage: /archive is public, searches in kk and ru like the
// API, never shows restricted units, and links each unit's DIP.
func TestArchivePage(t *testing.T) {
	env := archiveFixture(t)
	c := browserClient(t)
	status, body, _ := get(t, c, env.URL+"/archive?lang=ru")
	if status != 200 {
		t.Fatalf("/archive = %d", status)
	}
	for _, want := range []string{"Электронный архив", "Наградные листы, связка 1", "CGA-RK, f. R-1487, inv. 1, file 1", `/v1/archive/units/R-1487-1-1/dip`} {
		if !strings.Contains(body, want) {
			t.Errorf("/archive?lang=ru lacks %q", want)
		}
	}
	if strings.Contains(body, "R-1487-4-1") {
		t.Error("the public page lists a restricted unit")
	}
	_, body, _ = get(t, c, env.URL+"/archive?lang=kk&q="+"%D1%85%D0%B0%D1%82%D1%82%D0%B0%D1%80%D1%8B") // "хаттары"
	if strings.Count(body, `class="unit-title"`) != 4 || !strings.Contains(body, "Майдан хаттары, 1") {
		t.Errorf("kk search for хаттары: %d units", strings.Count(body, `class="unit-title"`))
	}
	_, body, _ = get(t, c, env.URL+"/archive?q=nothing-like-this")
	if !strings.Contains(body, `id="ar-none"`) {
		t.Error("an empty search does not say so")
	}
}

// TestArchiveBrowser opens /archive in headless Chromium in Kazakh,
// searches in Russian through the form, downloads nothing but checks the
// DIP links, and runs axe-core.
func TestArchiveBrowser(t *testing.T) {
	chromium := chromiumPath(t)
	env := archiveFixture(t)
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(chromium), chromedp.NoSandbox,
		chromedp.Flag("disable-dev-shm-usage", true), chromedp.WindowSize(1280, 1000))
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(cancel)
	ctx, cancel = context.WithTimeout(ctx, 2*time.Minute)
	t.Cleanup(cancel)
	text := func(sel string) string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return strings.TrimSpace(v)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(env.URL+"/archive?lang=kk"), chromedp.WaitVisible(chromedp.CSS("#archive-units"))); err != nil {
		t.Fatal(err)
	}
	h1 := text("h1")
	if err := chromedp.Do(ctx, chromedp.SendKeys(chromedp.CSS("#q"), "призывные"), chromedp.Submit(chromedp.CSS("#q"))); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		loc, err := chromedp.Run(ctx, chromedp.Location())
		if err == nil && strings.Contains(loc, "q=") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the search form did not navigate (at %q, %v)", loc, err)
		}
	}
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS("#archive-units"))); err != nil {
		t.Fatal(err)
	}
	rows := text("#archive-units tbody")
	if h1 != "Электрондық мұрағат" || strings.Count(rows, "Әскерге шақырылғандар тізімі") != 4 || strings.Contains(rows, "Марапат") {
		t.Errorf("h1 %q, rows %q", h1, rows)
	}
	shots := os.Getenv("ECINEMA_SCREENSHOTS")
	if shots == "" {
		shots = t.TempDir()
	}
	os.MkdirAll(shots, 0o755)
	if png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)); err == nil {
		os.WriteFile(filepath.Join(shots, "archive.png"), png, 0o644)
	}
	axeChecker(t)(ctx, "/archive")
}
