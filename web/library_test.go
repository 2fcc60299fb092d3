package web_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"ecinema/internal/app"
	"ecinema/internal/apptest"
)

// libraryFixture is a service with the e-Library demo loaded.
func libraryFixture(t *testing.T) *apptest.Env {
	t.Helper()
	return demoEnv(t, func(ctx context.Context, env *apptest.Env) error {
		_, err := env.App.Library.LoadDemo(ctx, env.App.Registry, time.Now().UTC(), nil)
		return err
	}, func(c *app.Config) { c.LibraryPasswordCost = 4 })
}

// TestLibraryPage: /library is public, tells how to add the catalogue to
// a reading app, lists editions with their covers in the asked language,
// searches titles and authors, and filters by edition language.
func TestLibraryPage(t *testing.T) {
	env := libraryFixture(t)
	c := browserClient(t)
	pageHas(t, c, env.URL+"/library?lang=ru", "Электронная библиотека", "Добавьте этот адрес", env.URL+"/opds", env.URL+"/opds/v2",
		"Путь Абая", "Мухтар Ауэзов", "/library/editions/abai-kara-sozder-kk/thumbnail", `href="/library/editions/abai-kara-sozder-kk/file"`)
	_, body, _ := get(t, c, env.URL+"/library?lang=en&q=auezov")
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
	ctx := chromeContext(t, chromium, 2*time.Minute)
	openPage(t, ctx, env.URL+"/library?lang=kk", "#library-books")
	if h1, url := tabText(t, ctx, "h1"), tabText(t, ctx, "#opds-url"); h1 != "Электрондық кітапхана" || url != env.URL+"/opds" {
		t.Errorf("h1 %q, OPDS URL %q", h1, url)
	}
	searchFor(t, ctx, "Жұмабаев", "#library-books")
	if books := tabText(t, ctx, "#library-books"); strings.Count(books, "Батыр Баян") != 3 || strings.Contains(books, "Абай жолы") {
		t.Errorf("search Жұмабаев: %q", books)
	}
	screenshot(t, ctx, "library.png")
	axeChecker(t)(ctx, "/library")
}
