package web_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"ecinema/internal/app"
	"ecinema/internal/apptest"
)

// libraryFixture is a service with the e-Library demo loaded.
func libraryFixture(t *testing.T) *apptest.Env {
	t.Helper()
	env := apptest.New(t, func(c *app.Config) { c.LibraryPasswordCost = 4 })
	if _, err := env.App.Library.LoadDemo(context.Background(), env.App.Registry, time.Now().UTC(), nil); err != nil {
		t.Fatal(err)
	}
	return env
}

// TestLibraryPage: /library is public, tells how to add the catalogue to
// a reading app, lists editions with their covers in the asked language,
// searches titles and authors, and filters by edition language.
func TestLibraryPage(t *testing.T) {
	env := libraryFixture(t)
	c := browserClient(t)
	status, body, _ := get(t, c, env.URL+"/library?lang=ru")
	if status != 200 {
		t.Fatalf("/library = %d", status)
	}
	for _, want := range []string{"Электронная библиотека", "Добавьте этот адрес", env.URL + "/opds", env.URL + "/opds/v2",
		"Путь Абая", "Мухтар Ауэзов", "/library/editions/abai-kara-sozder-kk/thumbnail", `href="/library/editions/abai-kara-sozder-kk/file"`} {
		if !strings.Contains(body, want) {
			t.Errorf("/library?lang=ru lacks %q", want)
		}
	}
	_, body, _ = get(t, c, env.URL+"/library?lang=en&q=auezov")
	if n := strings.Count(body, `class="book-title"`); n != 4 || !strings.Contains(body, "The Path of Abai") {
		t.Errorf("search auezov: %d books", n)
	}
	_, body, _ = get(t, c, env.URL+"/library?lang=kk&language=kk-Latn")
	if n := strings.Count(body, `class="book-title"`); n != 2 || !strings.Contains(body, "Қара сөздер") {
		t.Errorf("kk-Latn editions: %d", n)
	}
	_, body, _ = get(t, c, env.URL+"/library?q=nothing-like-this")
	if !strings.Contains(body, `id="lib-none"`) {
		t.Error("an empty search does not say so")
	}
}

// TestLibraryBrowser opens /library in headless Chromium in Kazakh,
// searches through the form, and runs axe-core.
func TestLibraryBrowser(t *testing.T) {
	chromium := chromiumPath(t)
	env := libraryFixture(t)
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
	if err := chromedp.Do(ctx, chromedp.Navigate(env.URL+"/library?lang=kk"), chromedp.WaitVisible(chromedp.CSS("#library-books"))); err != nil {
		t.Fatal(err)
	}
	if h1, url := text("h1"), text("#opds-url"); h1 != "Электрондық кітапхана" || url != env.URL+"/opds" {
		t.Errorf("h1 %q, OPDS URL %q", h1, url)
	}
	if err := chromedp.Do(ctx, chromedp.SendKeys(chromedp.CSS("#q"), "Жұмабаев"), chromedp.Submit(chromedp.CSS("#q"))); err != nil {
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
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS("#library-books"))); err != nil {
		t.Fatal(err)
	}
	if books := text("#library-books"); strings.Count(books, "Батыр Баян") != 3 || strings.Contains(books, "Абай жолы") {
		t.Errorf("search Жұмабаев: %q", books)
	}
	shots := os.Getenv("ECINEMA_SCREENSHOTS")
	if shots == "" {
		shots = t.TempDir()
	}
	os.MkdirAll(shots, 0o755)
	if png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)); err == nil {
		os.WriteFile(filepath.Join(shots, "library.png"), png, 0o644)
	}
	axeChecker(t)(ctx, "/library")
}
