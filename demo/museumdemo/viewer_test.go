package museumdemo_test

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"ecinema/culture/blobstore"
	"ecinema/culture/ticketing"
	"ecinema/demo/museumdemo"
	"ecinema/internal/app"
	"ecinema/internal/apptest"
	"ecinema/internal/tooltest"
)

// TestMiradorScreenshot opens a demo object's manifest in Mirador in
// headless Chromium and writes a screenshot to $ECINEMA_MIRADOR_SCREENSHOT
// once the viewer's canvas shows the image. It runs only when that
// variable is set (Mirador is installed by hand: testdata/museum/viewer).
func TestMiradorScreenshot(t *testing.T) {
	out := os.Getenv("ECINEMA_MIRADOR_SCREENSHOT")
	if out == "" {
		t.Skip("set ECINEMA_MIRADOR_SCREENSHOT=FILE.png (and npm ci in testdata/museum/viewer) to take the Mirador screenshot")
	}
	viewer := filepath.Join(tooltest.Root(t), "testdata", "museum", "viewer")
	if _, err := os.Stat(filepath.Join(viewer, "node_modules", "mirador", "dist", "mirador.min.js")); err != nil {
		t.Fatalf("Mirador is not installed: cd testdata/museum/viewer && npm ci (%v)", err)
	}
	chromium, err := exec.LookPath("chromium")
	if err != nil {
		t.Fatal("chromium is not installed")
	}
	blobs, err := blobstore.NewFS(t.TempDir(), 0)
	if err != nil {
		t.Fatal(err)
	}
	var sealer *ticketing.Sealer
	env := apptest.New(t, func(c *app.Config) { c.Blobs = blobs; sealer = c.TicketSealer })
	if _, err := museumdemo.Load(context.Background(), env.App.Pool, env.App.Writer, museumdemo.Config{Blobs: blobs, Sealer: sealer,
		Seed: 1, Days: 1, Last: time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC), Scale: 0.03}); err != nil {
		t.Fatal(err)
	}
	var mid, inv string
	if err := env.App.Pool.QueryRow(context.Background(), `SELECT o.museum_id, o.id FROM museum_objects o
JOIN museum_images i ON i.museum_id = o.museum_id AND i.object_id = o.id
WHERE o.published AND o.museum_id = 'national-museum' ORDER BY o.id LIMIT 1`).Scan(&mid, &inv); err != nil {
		t.Fatal(err)
	}
	manifest := env.URL + "/iiif/3/manifests/" + mid + "/" + inv
	page := "file://" + filepath.Join(viewer, "index.html") + "?manifest=" + url.QueryEscape(manifest)

	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(chromium), chromedp.NoSandbox,
		chromedp.Flag("disable-dev-shm-usage", true), chromedp.Flag("allow-file-access-from-files", true), chromedp.WindowSize(1400, 900))
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancel = context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Navigate(page), chromedp.WaitVisible(chromedp.CSS(".openseadragon-canvas canvas"))); err != nil {
		t.Fatalf("Mirador did not open %s: %v", manifest, err)
	}
	// Wait until the image is drawn: the canvas's part of a screenshot is
	// no longer one colour. (The canvas itself cannot be read: the viewer
	// loads images without CORS mode, so it is tainted.)
	const rect = `(() => { const r = document.querySelector('.openseadragon-canvas').getBoundingClientRect();
		return [r.x * devicePixelRatio, r.y * devicePixelRatio, r.width * devicePixelRatio, r.height * devicePixelRatio]; })()`
	var png []byte
	colours := 0
	for deadline := time.Now().Add(90 * time.Second); time.Now().Before(deadline) && colours <= 64; time.Sleep(time.Second) {
		r, err := chromedp.Run(ctx, chromedp.Evaluate[[]float64](rect))
		if err != nil {
			t.Fatal(err)
		}
		if png, err = chromedp.Run(ctx, chromedp.CaptureScreenshot()); err != nil {
			t.Fatal(err)
		}
		colours = coloursIn(t, png, image.Rect(int(r[0]), int(r[1]), int(r[0]+r[2]), int(r[1]+r[3])))
	}
	if colours <= 64 {
		t.Fatalf("the viewer's canvas shows %d colours: the image was not drawn", colours)
	}
	if err := os.WriteFile(out, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("Mirador showed %s (%d colours on its canvas); screenshot in %s", manifest, colours, out)
}

// coloursIn counts the distinct colours (4 bits a channel) of a PNG
// screenshot inside r.
func coloursIn(t *testing.T, b []byte, r image.Rectangle) int {
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	seen := map[uint32]bool{}
	r = r.Intersect(img.Bounds())
	for y := r.Min.Y; y < r.Max.Y; y += 3 {
		for x := r.Min.X; x < r.Max.X; x += 3 {
			cr, cg, cb, _ := img.At(x, y).RGBA()
			seen[cr>>12<<8|cg>>12<<4|cb>>12] = true
		}
	}
	return len(seen)
}
