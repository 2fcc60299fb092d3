package museumdemo_test

import (
	"bytes"
	"context"
	"encoding/json"
	"image/jpeg"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"ecinema/culture/blobstore"
	"ecinema/culture/museum"
	"ecinema/culture/museum/iiiftest"
	"ecinema/culture/oaipmh/oaipmhtest"
	"ecinema/culture/ticketing"
	"ecinema/demo/museumdemo"
	"ecinema/internal/app"
	"ecinema/internal/apptest"
	"ecinema/internal/pgtest"
	"ecinema/ledger"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// TestMuseumDemo loads the museum demo and checks what it serves: every
// manifest and collection against the IIIF Presentation 3 schema and
// through @iiif/parser, a sample of images at every listed size, LIDO
// over OAI-PMH against the schemas, the timed-entry sessions, and that
// verify --deep rebuilds it all. A second load writes nothing.
func TestMuseumDemo(t *testing.T) {
	blobs, err := blobstore.NewFS(t.TempDir(), 0)
	if err != nil {
		t.Fatal(err)
	}
	var sealer *ticketing.Sealer
	env := apptest.New(t, func(c *app.Config) { c.Blobs = blobs; sealer = c.TicketSealer })
	ctx := context.Background()
	last := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	// The suite (run with -race) loads a tenth of the catalogue with small
	// pictures and a week of sessions; ECINEMA_MUSEUM_DEMO_FULL=1 loads the
	// whole demo as ecinema demo does and checks everything it serves.
	cfg := museumdemo.Config{Blobs: blobs, Sealer: sealer, Seed: 1, Days: 7, Last: last, Scale: 0.1, PictureWidth: 320}
	full := os.Getenv("ECINEMA_MUSEUM_DEMO_FULL") == "1"
	if full {
		cfg.Days, cfg.Scale, cfg.PictureWidth = 30, 1, 0
	}
	start := time.Now()
	st, err := museumdemo.Load(ctx, env.App.Pool, env.App.Writer, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("museum demo: %+v (loaded in %s)", st, time.Since(start).Round(time.Millisecond))
	if st.Museums != 3 || st.Objects < int(290*cfg.Scale) || st.Images < st.Objects || st.Events < st.Objects || st.Sessions < (cfg.Days*5/7)*4 || st.Tickets < st.Sessions {
		t.Fatalf("loaded %+v", st)
	}

	docs := map[string][]byte{}
	manifests := 0
	for _, mid := range []string{"national-museum", "central-state-museum", "karaganda-museum"} {
		r := env.Do("GET", "/iiif/3/collections/"+mid, "", nil)
		if r.Status != 200 {
			t.Fatalf("collection %s: %d", mid, r.Status)
		}
		docs["collection "+mid] = r.Body
		var coll struct{ Items []struct{ ID string } }
		r.JSON(t, &coll)
		for _, it := range coll.Items {
			path := strings.TrimPrefix(it.ID, env.URL)
			m := env.Do("GET", path, "", nil)
			if m.Status != 200 {
				t.Fatalf("%s: %d", path, m.Status)
			}
			docs[path] = m.Body
			manifests++
		}
	}
	summaries := iiiftest.Validate(t, docs)
	t.Logf("validated %d manifests and 3 collections against the IIIF Presentation 3 schema and normalised them with @iiif/parser (%d summaries)", manifests, len(summaries))

	// A sample of images: every listed size exactly that size.
	var infoURL string
	for path, b := range docs {
		if strings.HasPrefix(path, "/iiif/3/manifests/") {
			var man struct {
				Items []struct {
					Items []struct {
						Items []struct {
							Body struct {
								Service []struct{ ID string } `json:"service"`
							} `json:"body"`
						} `json:"items"`
					} `json:"items"`
				} `json:"items"`
			}
			if err := json.Unmarshal(b, &man); err != nil {
				t.Fatal(err)
			}
			infoURL = strings.TrimPrefix(man.Items[0].Items[0].Items[0].Body.Service[0].ID, env.URL)
			break
		}
	}
	var info museum.IIIFImageInfo
	env.Do("GET", infoURL+"/info.json", "", nil).JSON(t, &info)
	for _, sz := range info.Sizes {
		r := env.Do("GET", infoURL+"/full/"+strconv.Itoa(sz.Width)+",/0/default.jpg", "", nil)
		cfg, err := jpeg.DecodeConfig(bytes.NewReader(r.Body))
		if err != nil || cfg.Width != sz.Width || cfg.Height != sz.Height {
			t.Fatalf("%s at %v: %v %dx%d", infoURL, sz, err, cfg.Width, cfg.Height)
		}
	}

	// LIDO over OAI-PMH, first page of the national museum's set.
	r := env.Do("GET", "/oai?verb=ListRecords&metadataPrefix=lido&set=museum:national-museum", "", nil)
	oaipmhtest.ValidateWith(t, oaipmhtest.DriverOAIDCLido, r.Body)
	if full && !strings.Contains(string(r.Body), "resumptionToken") {
		t.Fatalf("expected a resumption token in the first page")
	}

	// Search finds published objects only.
	r = env.Do("GET", "/v1/museums/objects?q=домбра&limit=500", "", nil)
	var page struct{ Items []museum.Hit }
	r.JSON(t, &page)
	if len(page.Items) == 0 {
		t.Fatalf("search for домбра: %s", r.Body)
	}
	var unpublished int
	pgtest.Row(t, env.App.Pool, `SELECT count(*) FROM museum_objects WHERE NOT published`).Scan(&unpublished)
	if unpublished == 0 {
		t.Fatal("the demo should hold a few unpublished objects")
	}

	// A second run writes nothing.
	var size1, size2 int64
	pgtest.Row(t, env.App.Pool, `SELECT size FROM ledger_heads`).Scan(&size1)
	st2, err := museumdemo.Load(ctx, env.App.Pool, env.App.Writer, cfg)
	if err != nil {
		t.Fatal(err)
	}
	pgtest.Row(t, env.App.Pool, `SELECT size FROM ledger_heads`).Scan(&size2)
	if size2 != size1 || st2.Skipped != st.Objects || st2.Sessions != 0 || st2.Tickets != 0 {
		t.Fatalf("second load: %+v, ledger %d → %d", st2, size1, size2)
	}

	// verify --deep rebuilds the catalogue, events and states.
	if _, err := env.App.Publisher.Publish(ctx); err != nil {
		t.Fatal(err)
	}
	verifier, err := ledger.NewVerifier(env.Verifier)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ledger.VerifyDB(ctx, pgtest.OwnerPool(t, env.DBURL), ledger.VerifyOptions{Verifier: verifier, Origin: "ecinema.test/ledger",
		Deep: []ledger.DeepCheck{museum.NewDeepCheck(), ticketing.NewDeepCheck()}}); err != nil {
		t.Fatalf("verify --deep: %v", err)
	}
}
