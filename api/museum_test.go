package api_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"ecinema/apikey"
	"ecinema/culture/blobstore"
	"ecinema/culture/museum"
	"ecinema/culture/museum/iiiftest"
	"ecinema/culture/oaipmh/oaipmhtest"
	"ecinema/internal/app"
	"ecinema/internal/apptest"
	"ecinema/internal/pgtest"
	"ecinema/internal/tooltest"
	"ecinema/ledger"
)

// testVenues are the two museums of the tests, as e-ticketing venues.
var testVenues = map[string]map[string]any{
	"nm-astana": {"kind": "museum", "name": map[string]string{"kk": "Қазақстан Республикасының Ұлттық музейі", "ru": "Национальный музей Республики Казахстан", "en": "National Museum of the Republic of Kazakhstan"},
		"operator_bin": "180140000107", "region": "KZ-71", "city": "Astana", "vat_payer": false,
		"zones": []map[string]any{{"id": "main", "name": map[string]string{"kk": "Негізгі экспозиция", "ru": "Основная экспозиция"}, "capacity": 400}}},
	"karaganda": {"kind": "museum", "name": map[string]string{"kk": "Қарағанды облыстық тарихи-өлкетану музейі", "ru": "Карагандинский областной историко-краеведческий музей"},
		"operator_bin": "180140000107", "region": "KZ-35", "city": "Karaganda", "vat_payer": false,
		"zones": []map[string]any{{"id": "main", "name": map[string]string{"ru": "Экспозиция"}, "capacity": 100}}},
	"abai-theatre": {"kind": "theatre", "name": map[string]string{"kk": "Абай театры", "ru": "Театр Абая"},
		"operator_bin": "180140000107", "region": "KZ-75", "city": "Almaty", "vat_payer": true,
		"zones": []map[string]any{{"id": "stalls", "name": map[string]string{"ru": "Партер"}, "capacity": 100}}},
}

type museumEnv struct {
	*apptest.Env
	blobDir string
	curator string // curator of nm-astana
	other   string // curator of karaganda
}

// newMuseumEnv runs the service with the two test museums and a blob
// store in a directory the test can list; maxUpload 0 is the default.
func newMuseumEnv(t *testing.T, maxUpload int64) *museumEnv {
	t.Helper()
	dir := t.TempDir()
	blobs, err := blobstore.NewFS(dir, maxUpload)
	if err != nil {
		t.Fatal(err)
	}
	env := apptest.New(t, func(c *app.Config) { c.Blobs = blobs })
	for id, v := range testVenues {
		if r := env.Do("PUT", "/v1/venues/"+id, env.AdminKey, v); r.Status != 200 {
			t.Fatalf("venue %s: %d %s", id, r.Status, r.Body)
		}
	}
	key := func(mid string) string {
		_, s, err := env.App.Keys.Create(context.Background(), apikey.Spec{Name: "curator", Role: apikey.RoleCurator, Scope: mid})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	return &museumEnv{Env: env, blobDir: dir, curator: key("nm-astana"), other: key("karaganda")}
}

func dombra(published bool) map[string]any {
	return map[string]any{
		"inventory_number": "КП-1001/12", "object_name": "домбыра",
		"title":       map[string]string{"kk": "Құрманғазының домбырасы", "ru": "Домбра Курмангазы", "en": "Dombra of Kurmangazy"},
		"description": map[string]string{"kk": "Екі ішекті халық аспабы", "ru": "Двухструнный народный инструмент"},
		"maker":       "Курмангазы Сагырбайулы", "date": map[string]any{"display": "XIX век", "earliest": 1850, "latest": 1880},
		"place": "Западный Казахстан", "materials": []string{"дерево", "жила"}, "techniques": []string{"резьба"},
		"dimensions": "95 × 21 × 9 см", "number_of_objects": 1,
		"acquisition":       map[string]string{"method": "дар", "date": "1964", "source": "семья Сагырбаевых"},
		"rights":            "http://creativecommons.org/licenses/by/4.0/",
		"credit_line":       map[string]string{"ru": "Дар семьи Сагырбаевых, 1964", "en": "Gift of the Sagyrbayev family, 1964"},
		"state_register_no": "ГК-000123", "published": published,
	}
}

func TestMuseumCatalogue(t *testing.T) {
	env := newMuseumEnv(t, 0)
	const path = "/v1/museums/nm-astana/objects/kp-1001"

	r := env.Do("PUT", path, env.curator, dombra(false))
	if r.Status != 200 {
		t.Fatalf("put: %d %s", r.Status, r.Body)
	}
	var v museum.ObjectView
	r.JSON(t, &v)
	if v.Version != 1 || v.InventoryNumber != "КП-1001/12" || v.Status != "none" || *v.Published {
		t.Fatalf("stored %+v", v)
	}
	// Unpublished: invisible to the public, visible to its curator.
	if r := env.Do("GET", path, "", nil); r.Status != 404 {
		t.Fatalf("public GET of an unpublished object: %d", r.Status)
	}
	if r := env.Do("GET", path, env.other, nil); r.Status != 404 {
		t.Fatalf("another museum's curator GET of an unpublished object: %d", r.Status)
	}
	if r := env.Do("GET", path, env.curator, nil); r.Status != 200 {
		t.Fatalf("curator GET: %d", r.Status)
	}
	if r := env.Do("GET", "/v1/museums/objects?q=домбра", "", nil); r.Status != 200 || strings.Contains(string(r.Body), "kp-1001") {
		t.Fatalf("search shows an unpublished object: %d %s", r.Status, r.Body)
	}

	// Another museum's curator may not write here; a second version is kept.
	if r := env.Do("PUT", path, env.other, dombra(true)); r.Status != 403 || r.ErrorCode() != "forbidden" {
		t.Fatalf("foreign curator: %d %s", r.Status, r.Body)
	}
	if r := env.Do("PUT", path, env.curator, dombra(true)); r.Status != 200 {
		t.Fatalf("second version: %d %s", r.Status, r.Body)
	}
	var vs struct{ Items []museum.Version }
	env.Do("GET", path+"/versions", env.curator, nil).JSON(t, &vs)
	if len(vs.Items) != 2 || vs.Items[1].Version != 2 {
		t.Fatalf("versions: %+v", vs)
	}
	if r := env.Do("GET", path+"/versions", "", nil); r.Status != 401 {
		t.Fatalf("versions without a key: %d", r.Status)
	}

	// The inventory number is unique per museum, not across museums.
	if r := env.Do("PUT", "/v1/museums/nm-astana/objects/kp-2", env.curator, dombra(true)); r.Status != 409 || r.ErrorCode() != "inventory_number_taken" {
		t.Fatalf("duplicate inventory number: %d %s", r.Status, r.Body)
	}
	if r := env.Do("PUT", "/v1/museums/karaganda/objects/kp-1001", env.other, dombra(true)); r.Status != 200 {
		t.Fatalf("same number in another museum: %d %s", r.Status, r.Body)
	}
	for _, mid := range []string{"nowhere", "abai-theatre"} {
		if r := env.Do("PUT", "/v1/museums/"+mid+"/objects/x", env.AdminKey, dombra(true)); r.Status != 404 || r.ErrorCode() != "museum_not_found" {
			t.Fatalf("%s is no museum: %d %s", mid, r.Status, r.Body)
		}
		if _, _, err := env.App.Keys.Create(context.Background(), apikey.Spec{Name: "c", Role: apikey.RoleCurator, Scope: mid}); !errors.Is(err, apikey.ErrInvalidScope) {
			t.Fatalf("a curator key for %s: %v", mid, err)
		}
	}
	bad := dombra(true)
	bad["rights"] = "https://creativecommons.org/licenses/by/4.0/"
	bad["title"] = map[string]string{"en": "only English"}
	bad["surprise"] = 1
	if r := env.Do("PUT", path, env.curator, bad); r.Status != 400 {
		t.Fatalf("unknown field: %d %s", r.Status, r.Body)
	}
	delete(bad, "surprise")
	r = env.Do("PUT", path, env.curator, bad)
	if r.Status != 400 || !strings.Contains(string(r.Body), `"field":"rights"`) || !strings.Contains(string(r.Body), `"field":"title"`) {
		t.Fatalf("invalid rights and title: %d %s", r.Status, r.Body)
	}

	// Public search finds the published object, in the asked language.
	var page struct {
		Items []struct {
			ID           string `json:"id"`
			DisplayTitle string `json:"display_title"`
		} `json:"items"`
	}
	r = env.Do("GET", "/v1/museums/objects?q=ДОМБРА+курмангазы&museum=nm-astana&from_year=1870&to_year=1900&lang=en", "", nil)
	if r.Status != 200 || !strings.Contains(string(r.Body), `"display_title":"Dombra of Kurmangazy"`) {
		t.Fatalf("search: %d %s", r.Status, r.Body)
	}
	r.JSON(t, &page)
	if len(page.Items) != 1 {
		t.Fatalf("search hits: %s", r.Body)
	}
	if r := env.Do("GET", "/v1/museums/objects?from_year=1900", "", nil); !strings.Contains(string(r.Body), `"items":[]`) {
		t.Fatalf("from_year after the object's date: %s", r.Body)
	}
	if r := env.Do("GET", "/v1/museums/objects?object_name=%D0%94%D0%9E%D0%9C%D0%91%D0%AB%D0%A0%D0%90&limit=1", "", nil); r.Status != 200 ||
		!strings.Contains(string(r.Body), `"next_cursor"`) {
		t.Fatalf("object_name search with a page of 1: %s", r.Body)
	}
}

// ledgerSize is the number of entries in the ledger.
func ledgerSize(t *testing.T, env *museumEnv) int64 {
	t.Helper()
	var n int64
	if err := env.App.Pool.QueryRow(context.Background(), `SELECT size FROM ledger_heads`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func museumRows(t *testing.T, env *museumEnv, table string) int {
	t.Helper()
	var n int
	if err := env.App.Pool.QueryRow(context.Background(), "SELECT count(*) FROM "+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestMuseumEventRules(t *testing.T) {
	env := newMuseumEnv(t, 0)
	t0 := time.Now().UTC().Add(-48 * time.Hour).Truncate(time.Second)
	step := 0
	at := func() string { step++; return t0.Add(time.Duration(step) * time.Minute).Format(time.RFC3339) }
	put := func(inv string) {
		o := dombra(true)
		o["inventory_number"] = "INV-" + inv
		if r := env.Do("PUT", "/v1/museums/nm-astana/objects/"+inv, env.curator, o); r.Status != 200 {
			t.Fatalf("put %s: %d %s", inv, r.Status, r.Body)
		}
	}
	event := func(inv, typ, loc string) apptest.Response {
		return env.Do("POST", "/v1/museums/nm-astana/objects/"+inv+"/events", env.curator,
			map[string]string{"type": typ, "at": at(), "location": loc})
	}
	ok := func(inv, typ, loc string) {
		t.Helper()
		if r := event(inv, typ, loc); r.Status != 201 {
			t.Fatalf("%s %s: %d %s", inv, typ, r.Status, r.Body)
		}
	}
	refused := func(inv, typ, loc string, status int, code string) {
		t.Helper()
		size, events, state := ledgerSize(t, env), museumRows(t, env, "museum_events"), museumRows(t, env, "museum_object_state")
		var before string
		pgtest.Row(t, env.App.Pool, `SELECT coalesce(string_agg(status||location, ','), '') FROM museum_object_state`).Scan(&before)
		r := event(inv, typ, loc)
		if r.Status != status || r.ErrorCode() != code {
			t.Fatalf("%s %s at %q: got %d %s, want %d %s", inv, typ, loc, r.Status, r.Body, status, code)
		}
		var after string
		pgtest.Row(t, env.App.Pool, `SELECT coalesce(string_agg(status||location, ','), '') FROM museum_object_state`).Scan(&after)
		if ledgerSize(t, env) != size || museumRows(t, env, "museum_events") != events || museumRows(t, env, "museum_object_state") != state || after != before {
			t.Fatalf("%s %s: the refused event left something behind", inv, typ)
		}
	}

	put("a")
	refused("a", "exit", "", 409, "not_accessioned")
	refused("a", "loan_out", "Louvre", 409, "not_accessioned")
	refused("a", "loan_return", "", 409, "not_on_loan")
	refused("a", "location_change", "hall 2", 409, "not_in_custody")
	ok("a", "object_entry", "store A")
	refused("a", "object_entry", "store B", 409, "already_in_custody")
	refused("a", "exit", "", 409, "not_accessioned")
	refused("a", "loan_out", "Louvre", 409, "not_accessioned")
	refused("a", "inventory_check", "hall 9", 409, "location_mismatch")
	ok("a", "accession", "")
	refused("a", "accession", "", 409, "already_accessioned")
	ok("a", "location_change", "hall 3")
	refused("a", "condition_check", "store A", 409, "location_mismatch")
	ok("a", "inventory_check", "hall 3")
	refused("a", "loan_return", "", 409, "not_on_loan")
	ok("a", "loan_out", "Louvre, Paris")
	refused("a", "loan_out", "Hermitage", 409, "on_loan")
	refused("a", "exit", "", 409, "on_loan")
	refused("a", "location_change", "hall 1", 409, "on_loan")
	ok("a", "loan_return", "")
	refused("a", "loan_return", "", 409, "not_on_loan")
	ok("a", "exit", "")
	refused("a", "exit", "", 409, "not_in_custody")
	refused("a", "inventory_check", "", 409, "not_in_custody")
	// Dates: not before the last event, not in the future.
	size := ledgerSize(t, env)
	if r := env.Do("POST", "/v1/museums/nm-astana/objects/a/events", env.curator,
		map[string]string{"type": "object_entry", "at": t0.Format(time.RFC3339), "location": "x"}); r.Status != 422 || r.ErrorCode() != "event_out_of_order" {
		t.Fatalf("out of order: %d %s", r.Status, r.Body)
	}
	if r := env.Do("POST", "/v1/museums/nm-astana/objects/a/events", env.curator,
		map[string]string{"type": "object_entry", "at": time.Now().Add(time.Hour).Format(time.RFC3339), "location": "x"}); r.Status != 422 || r.ErrorCode() != "event_in_future" {
		t.Fatalf("future: %d %s", r.Status, r.Body)
	}
	for _, body := range []map[string]string{
		{"type": "theft", "at": at()},
		{"type": "object_entry", "at": at()}, // no location
		{"type": "location_change", "at": at(), "location": " "},
	} {
		if r := env.Do("POST", "/v1/museums/nm-astana/objects/a/events", env.curator, body); r.Status != 400 {
			t.Fatalf("%v: %d %s", body, r.Status, r.Body)
		}
	}
	if r := env.Do("POST", "/v1/museums/nm-astana/objects/nope/events", env.curator,
		map[string]string{"type": "object_entry", "at": at(), "location": "x"}); r.Status != 404 {
		t.Fatalf("event on an unknown object: %d %s", r.Status, r.Body)
	}
	if r := env.Do("POST", "/v1/museums/nm-astana/objects/a/events", env.other,
		map[string]string{"type": "object_entry", "at": at(), "location": "x"}); r.Status != 403 {
		t.Fatalf("foreign curator: %d %s", r.Status, r.Body)
	}
	if ledgerSize(t, env) != size {
		t.Fatal("a refused request appended an entry")
	}

	// The current location and status come from the events.
	var v museum.ObjectView
	env.Do("GET", "/v1/museums/nm-astana/objects/a", env.curator, nil).JSON(t, &v)
	if v.Status != "exited" || v.Location != "" {
		t.Fatalf("state after exit: %s %q", v.Status, v.Location)
	}
	put("b")
	ok("b", "accession", "hall 7")
	ok("b", "loan_out", "Almaty")
	r := env.Do("POST", "/v1/museums/nm-astana/objects/b/events", env.curator, map[string]string{"type": "loan_return", "at": at()})
	var res museum.EventResult
	r.JSON(t, &res)
	if r.Status != 201 || res.Status != "accessioned" || res.Location != "hall 7" || res.Event.N != 3 {
		t.Fatalf("loan return: %d %s", r.Status, r.Body)
	}
	var evs struct{ Items []museum.EventView }
	env.Do("GET", "/v1/museums/nm-astana/objects/a/events", env.curator, nil).JSON(t, &evs)
	if len(evs.Items) != 7 || evs.Items[6].Type != "exit" || evs.Items[4].Location != "Louvre, Paris" {
		t.Fatalf("events of a: %+v", evs.Items)
	}

	// verify --deep rebuilds objects, events and the derived state.
	deepVerify(t, env)
	owner := pgtest.OwnerPool(t, env.DBURL)
	if _, err := owner.Exec(context.Background(), `UPDATE museum_object_state SET location = 'hall 1' WHERE object_id = 'b'`); err != nil {
		t.Fatal(err)
	}
	var ve *ledger.VerifyError
	if err := verifyDeep(t, env); !errors.As(err, &ve) || ve.Reason != ledger.ReasonProjection || !strings.Contains(ve.Detail, "table museum_object_state:") {
		t.Fatalf("tampered location: %v", err)
	}
}

func verifyDeep(t *testing.T, env *museumEnv) error {
	t.Helper()
	ctx := context.Background()
	if _, err := env.App.Publisher.Publish(ctx); err != nil {
		t.Fatal(err)
	}
	verifier, err := ledger.NewVerifier(env.Verifier)
	if err != nil {
		t.Fatal(err)
	}
	_, err = ledger.VerifyDB(ctx, pgtest.OwnerPool(t, env.DBURL), ledger.VerifyOptions{Verifier: verifier, Origin: "ecinema.test/ledger",
		Deep: []ledger.DeepCheck{museum.NewDeepCheck()}})
	return err
}

func deepVerify(t *testing.T, env *museumEnv) {
	t.Helper()
	if err := verifyDeep(t, env); err != nil {
		t.Fatalf("verify --deep: %v", err)
	}
}

// testPicture draws a w×h picture with some structure (so JPEG has work).
func testPicture(w, h int) image.Image {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.RGBA{uint8(x * 255 / w), uint8(y * 255 / h), uint8((x ^ y) & 0xff), 255})
		}
	}
	return img
}

func encodePNG(t *testing.T, img image.Image) []byte {
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// hugePNG is a valid PNG header claiming w×h pixels, with no pixel data.
func hugePNG(t *testing.T, w, h int) []byte {
	full := encodePNG(t, image.NewGray(image.Rect(0, 0, 1, 1)))
	b := append([]byte(nil), full[:33]...) // signature + IHDR
	b[16], b[17], b[18], b[19] = byte(w>>24), byte(w>>16), byte(w>>8), byte(w)
	b[20], b[21], b[22], b[23] = byte(h>>24), byte(h>>16), byte(h>>8), byte(h)
	binary.BigEndian.PutUint32(b[29:33], crc32.ChecksumIEEE(b[12:29])) // the IHDR chunk's CRC
	return b
}

func blobCount(t *testing.T, dir string) int {
	n := 0
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			n++
		}
		return nil
	})
	return n
}

func TestMuseumImagesIIIF(t *testing.T) {
	env := newMuseumEnv(t, 0)
	const obj = "/v1/museums/nm-astana/objects/kp-1001"
	if r := env.Do("PUT", obj, env.curator, dombra(true)); r.Status != 200 {
		t.Fatal(r.Status, string(r.Body))
	}
	r := env.Do("PUT", obj+"/images/1", env.curator, encodePNG(t, testPicture(1000, 750)), "Content-Type", "image/png")
	if r.Status != 200 {
		t.Fatalf("upload: %d %s", r.Status, r.Body)
	}
	var jpg bytes.Buffer
	jpeg.Encode(&jpg, testPicture(333, 500), nil)
	if r := env.Do("PUT", obj+"/images/2", env.curator, jpg.Bytes(), "Content-Type", "image/jpeg"); r.Status != 200 {
		t.Fatalf("upload jpeg: %d %s", r.Status, r.Body)
	}

	r = env.Do("GET", "/iiif/3/nm-astana~kp-1001~1/info.json", "", nil)
	if r.Status != 200 || r.Header.Get("Access-Control-Allow-Origin") != "*" || r.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("info.json: %d %v %s", r.Status, r.Header, r.Body)
	}
	var info museum.IIIFImageInfo
	r.JSON(t, &info)
	if info.Context != museum.ImageContext || info.Type != "ImageService3" || info.Profile != "level0" || info.Protocol != "http://iiif.io/api/image" ||
		info.Width != 1000 || info.Height != 750 || info.ID != env.URL+"/iiif/3/nm-astana~kp-1001~1" {
		t.Fatalf("info.json: %+v", info)
	}
	want := []museum.Size{{Width: 200, Height: 150}, {Width: 400, Height: 300}, {Width: 800, Height: 600}, {Width: 1000, Height: 750}}
	if fmt.Sprint(info.Sizes) != fmt.Sprint(want) {
		t.Fatalf("sizes %v, want %v", info.Sizes, want)
	}
	ld := env.Do("GET", "/iiif/3/nm-astana~kp-1001~1/info.json", "", nil, "Accept", "application/ld+json")
	if ld.Header.Get("Content-Type") != `application/ld+json;profile="http://iiif.io/api/image/3/context.json"` {
		t.Fatalf("JSON-LD media type: %q", ld.Header.Get("Content-Type"))
	}
	// Every listed size is served as a JPEG of exactly that size, in both
	// size forms; max is the full size.
	for _, sz := range info.Sizes {
		for _, form := range []string{fmt.Sprintf("%d,", sz.Width), fmt.Sprintf("%d,%d", sz.Width, sz.Height)} {
			r := env.Do("GET", "/iiif/3/nm-astana~kp-1001~1/full/"+form+"/0/default.jpg", "", nil)
			checkJPEG(t, r, sz)
		}
	}
	checkJPEG(t, env.Do("GET", "/iiif/3/nm-astana~kp-1001~1/full/max/0/default.jpg", "", nil), museum.Size{Width: 1000, Height: 750})
	checkJPEG(t, env.Do("GET", "/iiif/3/nm-astana~kp-1001~2/full/200,/0/default.jpg", "", nil), museum.Size{Width: 200, Height: 300})
	for path, code := range map[string]string{
		"/iiif/3/nm-astana~kp-1001~1/full/300,/0/default.jpg":     "size_not_available",
		"/iiif/3/nm-astana~kp-1001~1/full/200,151/0/default.jpg":  "size_not_available",
		"/iiif/3/nm-astana~kp-1001~1/0,0,10,10/max/0/default.jpg": "invalid_iiif_request",
		"/iiif/3/nm-astana~kp-1001~1/full/max/90/default.jpg":     "invalid_iiif_request",
		"/iiif/3/nm-astana~kp-1001~1/full/max/0/default.png":      "invalid_iiif_request",
		"/iiif/3/nm-astana~kp-1001~9/info.json":                   "not_found",
	} {
		if r := env.Do("GET", path, "", nil); r.ErrorCode() != code {
			t.Errorf("%s: %d %s, want %s", path, r.Status, r.Body, code)
		}
	}
	if r := env.Do("OPTIONS", "/iiif/3/nm-astana~kp-1001~1/info.json", "", nil, "Origin", "https://viewer.example", "Access-Control-Request-Method", "GET"); r.Header.Get("Access-Control-Allow-Origin") != "*" {
		t.Fatalf("CORS preflight: %d %v", r.Status, r.Header)
	}

	// Refused uploads keep nothing: no blob, no row, no entry.
	blobs, size, rows := blobCount(t, env.blobDir), ledgerSize(t, env), museumRows(t, env, "museum_images")
	for name, tc := range map[string]struct {
		body   []byte
		status int
		code   string
	}{
		"oversized":   {hugePNG(t, 100000, 100000), 422, "image_too_large"},
		"malformed":   {append(encodePNG(t, testPicture(50, 50))[:60], bytes.Repeat([]byte{0xAB}, 500)...), 422, "invalid_image"},
		"truncated":   {jpg.Bytes()[:len(jpg.Bytes())/3], 422, "invalid_image"},
		"gif":         {[]byte("GIF89a\x01\x00\x01\x00\x00\x00\x00;"), 415, "unsupported_media_type"},
		"empty":       {[]byte{}, 415, "unsupported_media_type"},
		"zero pixels": {hugePNG(t, 0, 10), 422, "invalid_image"},
	} {
		r := env.Do("PUT", obj+"/images/3", env.curator, tc.body, "Content-Type", "image/png")
		if r.Status != tc.status || r.ErrorCode() != tc.code {
			t.Errorf("%s upload: %d %s, want %d %s", name, r.Status, r.Body, tc.status, tc.code)
		}
	}
	if r := env.Do("PUT", obj+"/images/3", env.other, encodePNG(t, testPicture(10, 10))); r.Status != 403 {
		t.Errorf("foreign curator upload: %d", r.Status)
	}
	if blobCount(t, env.blobDir) != blobs || ledgerSize(t, env) != size || museumRows(t, env, "museum_images") != rows {
		t.Fatal("a refused upload left a blob, an entry or a row")
	}

	// Unpublished: the images disappear for the public, not for the curator.
	if r := env.Do("PUT", obj, env.curator, dombra(false)); r.Status != 200 {
		t.Fatal(r.Status)
	}
	for _, p := range []string{"/iiif/3/nm-astana~kp-1001~1/info.json", "/iiif/3/nm-astana~kp-1001~1/full/max/0/default.jpg",
		"/iiif/3/manifests/nm-astana/kp-1001", "/lido/nm-astana/kp-1001"} {
		if r := env.Do("GET", p, "", nil); r.Status != 404 {
			t.Errorf("public %s of an unpublished object: %d", p, r.Status)
		}
		if r := env.Do("GET", p, env.curator, nil); r.Status != 200 {
			t.Errorf("curator %s: %d", p, r.Status)
		}
	}
	var coll map[string]any
	env.Do("GET", "/iiif/3/collections/nm-astana", "", nil).JSON(t, &coll)
	if items, _ := coll["items"].([]any); len(items) != 0 {
		t.Fatalf("the collection lists an unpublished object: %v", coll)
	}
	deepVerify(t, env)
}

func TestMuseumUploadLimit(t *testing.T) {
	env := newMuseumEnv(t, 64<<10)
	obj := "/v1/museums/nm-astana/objects/kp-1001"
	if r := env.Do("PUT", obj, env.curator, dombra(true)); r.Status != 200 {
		t.Fatal(r.Status)
	}
	noise := image.NewGray(image.Rect(0, 0, 400, 400))
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range noise.Pix {
		noise.Pix[i] = byte(rng.Uint32())
	}
	big := encodePNG(t, noise)
	if len(big) <= 64<<10 {
		t.Fatalf("test picture only %d bytes", len(big))
	}
	blobs := blobCount(t, env.blobDir)
	if r := env.Do("PUT", obj+"/images/1", env.curator, big); r.Status != 413 || r.ErrorCode() != "upload_too_large" {
		t.Fatalf("over the limit: %d %s", r.Status, r.Body)
	}
	if blobCount(t, env.blobDir) != blobs || museumRows(t, env, "museum_images") != 0 {
		t.Fatal("a refused upload left something")
	}
}

func checkJPEG(t *testing.T, r apptest.Response, want museum.Size) {
	t.Helper()
	if r.Status != 200 || r.Header.Get("Content-Type") != "image/jpeg" || r.Header.Get("Access-Control-Allow-Origin") != "*" {
		t.Fatalf("image: %d %v %.200s", r.Status, r.Header, r.Body)
	}
	cfg, err := jpeg.DecodeConfig(bytes.NewReader(r.Body))
	if err != nil {
		t.Fatalf("not a JPEG: %v", err)
	}
	if cfg.Width != want.Width || cfg.Height != want.Height {
		t.Fatalf("JPEG is %d×%d, want %d×%d", cfg.Width, cfg.Height, want.Width, want.Height)
	}
}

func TestMuseumManifestsLIDOAndOAI(t *testing.T) {
	env := newMuseumEnv(t, 0)
	for i, inv := range []string{"kp-1", "kp-2", "kp-3"} {
		o := dombra(inv != "kp-3")
		o["inventory_number"] = "КП-" + inv
		if i == 1 { // a minimal record
			o = map[string]any{"inventory_number": "КП-2", "object_name": "камча", "title": map[string]string{"ru": "Камча"},
				"rights": "http://rightsstatements.org/vocab/InC/1.0/", "published": true}
		}
		if r := env.Do("PUT", "/v1/museums/nm-astana/objects/"+inv, env.curator, o); r.Status != 200 {
			t.Fatal(r.Status, string(r.Body))
		}
		for n := 1; n <= 2-i%2; n++ {
			if r := env.Do("PUT", fmt.Sprintf("/v1/museums/nm-astana/objects/%s/images/%d", inv, n), env.curator, encodePNG(t, testPicture(300+40*n, 200))); r.Status != 200 {
				t.Fatal(r.Status, string(r.Body))
			}
		}
	}
	docs := map[string][]byte{}
	for _, p := range []string{"/iiif/3/manifests/nm-astana/kp-1", "/iiif/3/manifests/nm-astana/kp-2", "/iiif/3/collections/nm-astana"} {
		r := env.Do("GET", p, "", nil, "Accept", "application/ld+json")
		if r.Status != 200 || r.Header.Get("Access-Control-Allow-Origin") != "*" ||
			r.Header.Get("Content-Type") != `application/ld+json;profile="http://iiif.io/api/presentation/3/context.json"` {
			t.Fatalf("%s: %d %v %s", p, r.Status, r.Header, r.Body)
		}
		docs[p] = r.Body
	}
	summaries := iiiftest.Validate(t, docs)
	t.Logf("@iiif/parser: %v", summaries)
	var man map[string]any
	if err := json.Unmarshal(docs["/iiif/3/manifests/nm-astana/kp-1"], &man); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"label", "summary", "metadata", "requiredStatement", "rights", "provider", "thumbnail", "seeAlso", "items"} {
		if man[k] == nil {
			t.Errorf("manifest lacks %s", k)
		}
	}
	if items := man["items"].([]any); len(items) != 2 {
		t.Errorf("manifest has %d canvases, want 2", len(items))
	}
	var coll struct{ Items []struct{ ID string } }
	if err := json.Unmarshal(docs["/iiif/3/collections/nm-astana"], &coll); err != nil {
		t.Fatal(err)
	}
	if len(coll.Items) != 2 { // kp-3 is unpublished
		t.Fatalf("collection: %s", docs["/iiif/3/collections/nm-astana"])
	}

	// LIDO, standalone and over OAI-PMH.
	lidoXSD := filepath.Join(tooltest.Root(t), "..", "shared", "schemas", "lido", "lido-v1.1.xsd")
	for _, inv := range []string{"kp-1", "kp-2"} {
		r := env.Do("GET", "/lido/nm-astana/"+inv, "", nil)
		if r.Status != 200 || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/xml") {
			t.Fatalf("lido: %d %v", r.Status, r.Header)
		}
		xmllint(t, lidoXSD, r.Body)
	}
	schemas := oaipmhtest.SchemaDir(t)
	_ = schemas
	r := env.Do("GET", "/oai?verb=ListRecords&metadataPrefix=lido&set=museum:nm-astana", "", nil)
	oaipmhtest.ValidateWith(t, oaipmhtest.DriverOAIDCLido, r.Body)
	body := string(r.Body)
	if strings.Count(body, "<lido:lido ") != 2 || strings.Contains(body, "kp-3") {
		t.Fatalf("ListRecords lido: %s", body)
	}
	r = env.Do("GET", "/oai?verb=GetRecord&metadataPrefix=lido&identifier=oai:ecinema.kz:museum:nm-astana/kp-1", "", nil)
	oaipmhtest.ValidateWith(t, oaipmhtest.DriverOAIDCLido, r.Body)
	if !strings.Contains(string(r.Body), "КП-kp-1") {
		t.Fatalf("GetRecord: %s", r.Body)
	}
	r = env.Do("GET", "/oai?verb=ListRecords&metadataPrefix=oai_dc&set=museum", "", nil)
	oaipmhtest.Validate(t, r.Body)
	if strings.Count(string(r.Body), "<record>") != 2 {
		t.Fatalf("ListRecords oai_dc: %s", r.Body)
	}
	r = env.Do("GET", "/oai?verb=ListSets", "", nil)
	oaipmhtest.Validate(t, r.Body)
	if !strings.Contains(string(r.Body), "<setSpec>museum:nm-astana</setSpec>") {
		t.Fatalf("ListSets: %s", r.Body)
	}
	// Unpublishing a harvested object leaves a deleted record; a never
	// published one is unknown.
	o := dombra(false)
	o["inventory_number"] = "КП-kp-1"
	env.Do("PUT", "/v1/museums/nm-astana/objects/kp-1", env.curator, o)
	r = env.Do("GET", "/oai?verb=GetRecord&metadataPrefix=lido&identifier=oai:ecinema.kz:museum:nm-astana/kp-1", "", nil)
	oaipmhtest.ValidateWith(t, oaipmhtest.DriverOAIDCLido, r.Body)
	if !strings.Contains(string(r.Body), `status="deleted"`) {
		t.Fatalf("unpublished record: %s", r.Body)
	}
	r = env.Do("GET", "/oai?verb=GetRecord&metadataPrefix=oai_dc&identifier=oai:ecinema.kz:museum:nm-astana/kp-3", "", nil)
	if !strings.Contains(string(r.Body), `code="idDoesNotExist"`) {
		t.Fatalf("never published record: %s", r.Body)
	}
}

func xmllint(t *testing.T, xsd string, doc []byte) {
	t.Helper()
	f := filepath.Join(t.TempDir(), "doc.xml")
	if err := os.WriteFile(f, doc, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("xmllint", "--nonet", "--noout", "--schema", xsd, f).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "validates") {
		t.Fatalf("xmllint: %v\n%s\n%s", err, out, doc)
	}
}
