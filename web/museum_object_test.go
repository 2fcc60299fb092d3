package web_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestMuseumObjectPage: a published object's page is public and shows its
// record, its image through the IIIF Image API (a srcset over every
// listed size, the default at most 800 px) and its manifest; /museums
// links to it; an unpublished object's page is 404 and never shows it.
func TestMuseumObjectPage(t *testing.T) {
	env := museumsFixture(t)
	c := browserClient(t)
	_, list, _ := get(t, c, env.URL+"/museums?lang=en")
	if !strings.Contains(list, `href="/museums/national-museum/kp-1?lang=en"`) {
		t.Error("/museums does not link to the object page")
	}
	pageHas(t, c, env.URL+"/museums/national-museum/kp-1?lang=ru", "<h1>Домбра Курмангазы</h1>", "XIX век", "Национальный музей Республики Казахстан",
		`srcset="/iiif/3/national-museum~kp-1~1/full/200,/0/default.jpg 200w,`, `/iiif/3/national-museum~kp-1~1/full/480,/0/default.jpg 480w"`,
		`src="/iiif/3/national-museum~kp-1~1/full/480,/0/default.jpg"`, `href="/iiif/3/manifests/national-museum/kp-1"`,
		`href="/iiif/3/national-museum~kp-1~1/info.json"`)
	status, body, _ := get(t, c, env.URL+"/museums/national-museum/kp-2?lang=ru")
	if status != 404 || strings.Contains(body, "Секретная") || strings.Contains(body, "kp-2~1") {
		t.Errorf("unpublished object page = %d, shows it: %v", status, strings.Contains(body, "Секретная"))
	}
}

// TestMuseumObjectBrowser opens the object page in headless Chromium: the
// image is decoded from the IIIF Image service, and axe-core finds no
// violation.
func TestMuseumObjectBrowser(t *testing.T) {
	chromium := chromiumPath(t)
	env := museumsFixture(t)
	ctx := chromeContext(t, chromium, 2*time.Minute)
	openPage(t, ctx, env.URL+"/museums/national-museum/kp-1?lang=en", ".iiif-image img")
	src, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(async () => { const i = document.querySelector(".iiif-image img"); await i.decode(); return i.naturalWidth > 0 ? i.currentSrc : ""; })()`, chromedp.EvalAwaitPromise))
	if err != nil || !strings.Contains(src, "/iiif/3/national-museum~kp-1~1/full/") {
		t.Fatalf("image not decoded from the IIIF service: %q (%v)", src, err)
	}
	h1, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("h1")))
	if err != nil || strings.TrimSpace(h1) != "Dombra of Kurmangazy" {
		t.Errorf("h1 %q (%v)", h1, err)
	}
	screenshot(t, ctx, "museum-object.png")
	axeChecker(t)(ctx, "/museums/national-museum/kp-1")
}
