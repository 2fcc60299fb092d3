package web_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestLibraryAudiobookPlayer: /library plays an open-access audiobook's
// tracks in the page (<audio controls>, each track served by the public
// track route), and sends a loaned audiobook's reader to OPDS instead —
// no track of it is in the page.
func TestLibraryAudiobookPlayer(t *testing.T) {
	env := libraryFixture(t)
	c := browserClient(t)
	body := pageHas(t, c, env.URL+"/library?lang=en", `<source src="/library/editions/abai-olender-kk-audio/tracks/1" type="audio/mpeg">`,
		`/library/editions/abai-olender-kk-audio/tracks/3`, `href="/opds/books/zhumabayev-batyr-bayan-kk-audio"`, "borrow the audiobook")
	if n := strings.Count(body, "<audio controls"); n != 3 {
		t.Errorf("%d audio players, want the open audiobook's 3 tracks", n)
	}
	if strings.Contains(body, "zhumabayev-batyr-bayan-kk-audio/tracks/") {
		t.Error("a loaned audiobook's tracks are in the public page")
	}
	res, err := c.Get(env.URL + "/library/editions/abai-olender-kk-audio/tracks/1")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "audio/mpeg" {
		t.Errorf("track 1: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
}

// TestLibraryAudiobookBrowser opens the open audiobook in headless
// Chromium: its first track's player loads the track's metadata (the
// browser reads its duration), and axe-core finds no violation.
func TestLibraryAudiobookBrowser(t *testing.T) {
	chromium := chromiumPath(t)
	env := libraryFixture(t)
	ctx := chromeContext(t, chromium, 2*time.Minute)
	openPage(t, ctx, env.URL+"/library?lang=en&q=poems", "ol.tracks audio")
	dur, err := chromedp.Run(ctx, chromedp.Evaluate[float64](`new Promise((ok, fail) => {
		const a = document.querySelector("ol.tracks audio");
		a.addEventListener("loadedmetadata", () => ok(a.duration));
		a.addEventListener("error", () => fail(new Error("audio error " + (a.error && a.error.code))));
		a.preload = "metadata"; a.load();
	})`, chromedp.EvalAwaitPromise))
	if err != nil || dur < 10 {
		t.Errorf("track 1's duration in the browser: %v (%v), want about 20 s", dur, err)
	}
	screenshot(t, ctx, "library-audiobook.png")
	axeChecker(t)(ctx, "/library?q=poems")
}
