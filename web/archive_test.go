package web_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"ecinema/internal/apptest"
)

// archiveFixture is a service with a small slice of the e-Archive demo.
func archiveFixture(t *testing.T) *apptest.Env {
	t.Helper()
	return demoEnv(t, func(ctx context.Context, env *apptest.Env) error {
		_, err := env.App.Archive.LoadDemo(ctx, 10, nil)
		return err
	})
}

// TestArchivePage: /archive is public, searches in kk and ru like the
// API, never shows restricted units, and links each unit's DIP.
func TestArchivePage(t *testing.T) {
	env := archiveFixture(t)
	c := browserClient(t)
	body := pageHas(t, c, env.URL+"/archive?lang=ru",
		"Электронный архив", "Наградные листы, связка 1", "CGA-RK, f. R-1487, inv. 1, file 1", `/v1/archive/units/R-1487-1-1/dip`)
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
	ctx := chromeContext(t, chromium, 2*time.Minute)
	openPage(t, ctx, env.URL+"/archive?lang=kk", "#archive-units")
	h1 := tabText(t, ctx, "h1")
	searchFor(t, ctx, "призывные", "#archive-units")
	rows := tabText(t, ctx, "#archive-units tbody")
	if h1 != "Электрондық мұрағат" || strings.Count(rows, "Әскерге шақырылғандар тізімі") != 4 || strings.Contains(rows, "Марапат") {
		t.Errorf("h1 %q, rows %q", h1, rows)
	}
	screenshot(t, ctx, "archive.png")
	axeChecker(t)(ctx, "/archive")
}
