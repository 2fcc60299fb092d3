package web_test

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"golang.org/x/mod/sumdb/note"

	"ecinema/internal/app"
	"ecinema/ledger"
	"ecinema/witness"
)

// TestBrowserWitnesses: with witnesses configured, /verify requires the
// quorum of valid cosignatures on the checkpoint, checked in the browser
// against the witness keys the page embeds. Two live witnesses and a
// quorum of 2 verify green; a third configured witness that never answers
// with a quorum of 3 turns it red.
func TestBrowserWitnesses(t *testing.T) {
	chromium := chromiumPath(t)
	const origin = "ecinema.test/ledger"
	logSigner, logVerifier, err := ledger.GenerateKey(origin)
	if err != nil {
		t.Fatal(err)
	}
	logV, err := ledger.NewVerifier(logVerifier)
	if err != nil {
		t.Fatal(err)
	}
	// Fresh witnesses for each log: a witness that cosigned another tree of
	// the same origin would rightly refuse this one as a fork.
	startWitnesses := func(t *testing.T) []string {
		quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
		var specs []string
		for _, name := range []string{"tax.witness.kz", "producers.witness.kz", "down.witness.kz"} {
			skey, vkey, err := witness.GenerateKey(name)
			if err != nil {
				t.Fatal(err)
			}
			url := "http://127.0.0.1:1" // nothing listens: a witness that is down
			if name != "down.witness.kz" {
				w, err := witness.New(witness.Config{SignerKey: skey, Logs: []note.Verifier{logV}, StateDir: t.TempDir()})
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { w.Close() })
				srv := httptest.NewServer(w.Handler(quiet, nil))
				t.Cleanup(srv.Close)
				url = srv.URL
			}
			specs = append(specs, url+"|"+vkey)
		}
		return specs
	}
	withWitnesses := func(specs []string, n, quorum int) func(*app.Config) {
		return func(c *app.Config) {
			s, err := ledger.NewSigner(logSigner)
			if err != nil {
				t.Fatal(err)
			}
			c.Signer, c.Verifier, c.LogOrigin = s, logVerifier, origin
			c.Witnesses = nil
			for _, spec := range specs[:n] {
				wc, err := witness.ParseWitnessSpec(spec)
				if err != nil {
					t.Fatal(err)
				}
				c.Witnesses = append(c.Witnesses, wc)
			}
			c.WitnessQuorum = quorum
		}
	}

	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(chromium), chromedp.NoSandbox,
		chromedp.Flag("disable-dev-shm-usage", true))
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(cancel)
	// Start the browser on ctx itself: it lives as long as its first context.
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name              string
		witnesses, quorum int
		ok                bool
		want              string
	}{
		{"quorum met", 2, 2, true, "2 / 2"},
		{"a witness down", 3, 3, false, "2 / 3"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := seed(t, withWitnesses(startWitnesses(t), tc.witnesses, tc.quorum))
			cp, err := f.env.App.Publisher.GatherCosignatures(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if n := strings.Count(string(cp.Signed()), "\n— "); n != 3 {
				t.Fatalf("checkpoint carries %d signatures, want the log's and 2 cosignatures:\n%s", n, cp.Signed())
			}
			u := f.env.URL + "/verify?lang=en&cinema=" + f.cinema + "&ticket=" + f.ticket
			tctx, cancel := context.WithTimeout(ctx, time.Minute)
			defer cancel()
			if err := chromedp.Do(tctx, chromedp.Navigate(u), chromedp.WaitVisible(chromedp.CSS("#result.ok, #result.bad"))); err != nil {
				t.Fatal(err)
			}
			res, err := chromedp.Run(tctx, chromedp.Text(chromedp.CSS("#result")))
			if err != nil {
				t.Fatal(err)
			}
			steps, err := chromedp.Run(tctx, chromedp.Text(chromedp.CSS("#steps")))
			if err != nil {
				t.Fatal(err)
			}
			if strings.HasPrefix(res, "Verified") != tc.ok || !strings.Contains(steps, "Witness cosignatures") || !strings.Contains(steps, tc.want) {
				t.Errorf("result %q, steps %q; want ok=%v and %q", res, steps, tc.ok, tc.want)
			}
		})
	}
}
