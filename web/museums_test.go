package web_test

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"ecinema/apikey"
	"ecinema/internal/apptest"
)

// museumsFixture is a service with one museum venue, a published object
// with a picture and an unpublished one.
func museumsFixture(t *testing.T) *apptest.Env {
	t.Helper()
	env := apptest.New(t)
	must := func(r apptest.Response, what string) {
		t.Helper()
		if r.Status != 200 {
			t.Fatalf("%s: %d %s", what, r.Status, r.Body)
		}
	}
	must(env.Do("PUT", "/v1/venues/national-museum", env.AdminKey, map[string]any{"kind": "museum",
		"name":         map[string]string{"kk": "Қазақстан Республикасының Ұлттық музейі", "ru": "Национальный музей Республики Казахстан", "en": "National Museum of Kazakhstan"},
		"operator_bin": "180140000107", "region": "KZ-71", "city": "Astana", "vat_payer": false,
		"zones": []map[string]any{{"id": "main", "name": map[string]string{"ru": "Экспозиция"}, "capacity": 100}}}), "venue")
	_, curator, err := env.App.Keys.Create(context.Background(), apikey.Spec{Name: "curator", Role: apikey.RoleCurator, Scope: "national-museum"})
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range []struct {
		id, inv, ru, en string
		published       bool
	}{{"kp-1", "КП-1", "Домбра Курмангазы", "Dombra of Kurmangazy", true}, {"kp-2", "КП-2", "Секретная домбра", "Secret dombra", false}} {
		must(env.Do("PUT", "/v1/museums/national-museum/objects/"+o.id, curator, map[string]any{
			"inventory_number": o.inv, "object_name": "домбыра", "title": map[string]string{"kk": "Домбыра", "ru": o.ru, "en": o.en},
			"date":   map[string]any{"display": "XIX век", "earliest": 1850, "latest": 1880},
			"rights": "http://creativecommons.org/licenses/by/4.0/", "published": o.published}), "object "+o.id)
		img := image.NewRGBA(image.Rect(0, 0, 480, 360))
		for i := range img.Pix {
			img.Pix[i] = byte(i % 251)
		}
		img.Set(0, 0, color.RGBA{255, 0, 0, 255})
		var b bytes.Buffer
		png.Encode(&b, img)
		must(env.Do("PUT", "/v1/museums/national-museum/objects/"+o.id+"/images/1", curator, b.Bytes(), "Content-Type", "image/png"), "image "+o.id)
	}
	return env
}

// TestMuseumsPage: /museums is public, in the language asked, lists the
// published object with its IIIF thumbnail, manifest and LIDO links, and
// never the unpublished one.
func TestMuseumsPage(t *testing.T) {
	env := museumsFixture(t)
	c := browserClient(t)
	body := pageHas(t, c, env.URL+"/museums?lang=ru&q=домбра", "Музейные собрания", "Домбра Курмангазы", "Национальный музей Республики Казахстан",
		`src="/iiif/3/national-museum~kp-1~1/full/200,/0/default.jpg"`, `href="/iiif/3/manifests/national-museum/kp-1"`, `href="/lido/national-museum/kp-1"`)
	if strings.Contains(body, "Секретная") || strings.Contains(body, "kp-2") {
		t.Error("the public page shows an unpublished object")
	}
	if _, body, _ := get(t, c, env.URL+"/museums?lang=en&from_year=1900"); strings.Contains(body, "Dombra of Kurmangazy") {
		t.Error("from_year after the object's date still lists it")
	}
	if status, _, _ := get(t, c, env.URL+"/museums?from_year=abc"); status != 400 {
		t.Errorf("bad year = %d, want 400", status)
	}
}

// TestMuseumsBrowser opens /museums in headless Chromium in English: the
// thumbnail is loaded from the IIIF Image service at its listed width, and
// axe-core finds no accessibility violation.
func TestMuseumsBrowser(t *testing.T) {
	chromium := chromiumPath(t)
	env := museumsFixture(t)
	ctx := chromeContext(t, chromium, 2*time.Minute)
	openPage(t, ctx, env.URL+"/museums?lang=en", "#museum-objects img")
	width, err := chromedp.Run(ctx, chromedp.Evaluate[int](`(async () => { const i = document.querySelector("#museum-objects img"); await i.decode(); return i.naturalWidth; })()`, chromedp.EvalAwaitPromise))
	if err != nil || width != 200 {
		t.Fatalf("thumbnail natural width %d (%v), want 200", width, err)
	}
	title, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#museum-objects .object-title")))
	if err != nil || strings.TrimSpace(title) != "Dombra of Kurmangazy" {
		t.Fatalf("object title %q (%v)", title, err)
	}
	screenshot(t, ctx, "museums.png")
	axeChecker(t)(ctx, "/museums")
}
