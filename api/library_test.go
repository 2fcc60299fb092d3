package api_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"ecinema/culture/library"
	"ecinema/culture/library/opdstest"
	"ecinema/culture/oaipmh/oaipmhtest"
	"ecinema/internal/app"
	"ecinema/internal/apptest"
	"ecinema/internal/tooltest"
)

// libWorld is a running service with a small catalogue loaded through the API.
type libWorld struct {
	*apptest.Env
	librarian string
	basic     string // Authorization header of a reader
	card      string
}

func newLibWorld(t *testing.T) *libWorld {
	t.Helper()
	w := &libWorld{Env: apptest.New(t, func(c *app.Config) { c.LibraryPasswordCost = 4 })}
	w.librarian = w.Key("librarian", "", "")
	put := func(path string, body any) {
		t.Helper()
		if r := w.Do("PUT", path, w.librarian, body); r.Status != 200 {
			t.Fatalf("PUT %s: %d %s", path, r.Status, r.Body)
		}
	}
	put("/v1/library/works/abai-words", map[string]any{
		"title":    map[string]string{"kk": "Қара сөздер", "kk-Latn": "Qara sözder", "ru": "Слова назидания", "en": "Book of Words"},
		"authors":  []map[string]any{{"name": map[string]string{"kk": "Абай Құнанбайұлы", "ru": "Абай Кунанбаев", "en": "Abai Qunanbaiuly"}, "role": "author"}},
		"subjects": []string{"philosophy", "classics"}, "original_language": "kk"})
	put("/v1/library/works/zhumabayev-poems", map[string]any{
		"title":    map[string]string{"kk": "Өлеңдер", "ru": "Стихотворения", "en": "Poems"},
		"authors":  []map[string]any{{"name": map[string]string{"kk": "Мағжан Жұмабаев", "ru": "Магжан Жумабаев", "en": "Magzhan Zhumabayev"}}},
		"subjects": []string{"poetry", "classics"}, "original_language": "kk"})
	put("/v1/library/editions/abai-words-kk", map[string]any{"work_id": "abai-words", "language": "kk", "isbn": "978-601-7151-13-3",
		"format": "epub", "publisher": "Жазушы", "issued": "2019", "access": "open"})
	put("/v1/library/editions/abai-words-kk-latn", map[string]any{"work_id": "abai-words", "language": "kk-Latn",
		"format": "epub", "publisher": "Jazuşy", "issued": "2021", "access": "open"})
	put("/v1/library/editions/abai-words-en", map[string]any{"work_id": "abai-words", "language": "en", "isbn": "0-306-40615-2",
		"format": "epub", "publisher": "Folio", "issued": "2020-05", "translators": []string{"Richard McKane"}, "access": "loan", "copies": 2, "loan_days": 14})
	put("/v1/library/editions/zhumabayev-ru-audio", map[string]any{"work_id": "zhumabayev-poems", "language": "ru",
		"format": "audiobook", "publisher": "Аудиокнига КЗ", "issued": "2022", "narrators": []string{"Асанали Ашимов"}, "access": "open"})
	put("/v1/library/editions/zhumabayev-kk-audio", map[string]any{"work_id": "zhumabayev-poems", "language": "kk",
		"format": "audiobook", "publisher": "Аудиокітап", "issued": "2023", "narrators": []string{"Нұржұман Ықтымбаев"}, "access": "loan", "copies": 1})
	upload := func(path, ct string, body []byte) {
		t.Helper()
		if r := w.Do("PUT", path, w.librarian, body, "Content-Type", ct); r.Status != 200 {
			t.Fatalf("PUT %s: %d %s", path, r.Status, r.Body)
		}
	}
	for _, id := range []string{"abai-words-kk", "abai-words-kk-latn", "abai-words-en"} {
		upload("/v1/library/editions/"+id+"/file", "application/epub+zip",
			library.GenerateEPUB(id, "Қара сөздер", "Абай", "kk", []string{"Бірінші сөз.", "Екінші сөз."}))
		upload("/v1/library/editions/"+id+"/cover", "image/png", library.GenerateCover(id))
	}
	for _, id := range []string{"zhumabayev-ru-audio", "zhumabayev-kk-audio"} {
		upload("/v1/library/editions/"+id+"/cover", "image/png", library.GenerateCover(id))
		upload("/v1/library/editions/"+id+"/tracks/1?title=Prologue&duration=5", "audio/mpeg", library.GenerateMP3(5))
		upload("/v1/library/editions/"+id+"/tracks/2?title=Chapter%201&duration=7.5", "audio/mpeg", library.GenerateMP3(7.5))
	}
	r := w.Do("POST", "/v1/library/readers", w.librarian, map[string]string{"name": "Айгерім Сәрсенова"})
	var rd struct{ CardNumber, Password string }
	r.JSON(t, &struct {
		C *string `json:"card_number"`
		P *string `json:"password"`
	}{&rd.CardNumber, &rd.Password})
	if r.Status != 201 || rd.CardNumber == "" || len(rd.Password) < 12 {
		t.Fatalf("reader: %d %s", r.Status, r.Body)
	}
	w.card = rd.CardNumber
	w.basic = "Basic " + base64.StdEncoding.EncodeToString([]byte(rd.CardNumber+":"+rd.Password))
	return w
}

func (w *libWorld) get(t *testing.T, path string, headers ...string) apptest.Response {
	t.Helper()
	r := w.Do("GET", path, "", nil, headers...)
	if r.Status != 200 && r.Status != 201 {
		t.Fatalf("GET %s: %d %s", path, r.Status, r.Body)
	}
	return r
}

// TestOPDSFeedsValidate: every OPDS 1.2 document the server produces
// (root, each navigation feed, acquisition pages, a facet, a search, a
// complete entry, a borrow answer, the shelf) validates with jing against
// the official RELAX NG schema; the same documents of OPDS 2.0 validate
// against the official JSON schemas, as do the audiobook manifests
// (Readium) and the Authentication for OPDS document.
func TestOPDSFeedsValidate(t *testing.T) {
	w := newLibWorld(t)
	auth := []string{"Authorization", w.basic}
	paths := []struct {
		name, path string
		hdr        []string
	}{
		{"root", "", nil},
		{"languages", "/languages", nil},
		{"subjects", "/subjects", nil},
		{"new", "/new", nil},
		{"new-ru", "/new?lang=ru", nil},
		{"popular", "/popular", nil},
		{"audiobooks", "/audiobooks", nil},
		{"subject", "/subjects/poetry", nil},
		{"facet-kk-latn", "/new?language=kk-Latn", nil},
		{"search", "/search?q=" + url.QueryEscape("абай"), nil},
		{"search-empty", "/search?q=nothing-like-this", nil},
		{"entry", "/books/abai-words-kk", nil},
		{"borrow", "/borrow/abai-words-en", auth},
		{"borrow-audio", "/borrow/zhumabayev-kk-audio", auth},
		{"shelf", "/shelf", auth},
	}
	var atom []opdstest.Doc
	for _, p := range paths {
		r := w.get(t, "/opds"+p.path, p.hdr...)
		if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/atom+xml") {
			t.Fatalf("%s: content type %s", p.name, r.Header.Get("Content-Type"))
		}
		atom = append(atom, opdstest.Doc{Name: p.name, Body: r.Body})
		r2 := w.get(t, "/opds/v2"+p.path, p.hdr...)
		schema := opdstest.OPDS2Feed
		if strings.HasPrefix(p.path, "/books/") || strings.HasPrefix(p.path, "/borrow/") {
			schema = opdstest.OPDS2Publication
		}
		opdstest.JSON(t, schema, "v2 "+p.name, r2.Body)
	}
	opdstest.Jing(t, atom...)
	opdstest.JSON(t, opdstest.AuthDocument, "auth", w.get(t, "/opds/auth").Body)
	opdstest.JSON(t, opdstest.AuthDocument, "auth v2", w.get(t, "/opds/v2/auth").Body)
	man := w.get(t, "/library/editions/zhumabayev-ru-audio/manifest.json")
	opdstest.JSON(t, opdstest.Readium, "open manifest", man.Body)

	// The contents: a borrow link with indirect acquisition, open access,
	// facets with counts, covers, paging, the OpenSearch description.
	root := string(atom[0].Body)
	for _, want := range []string{`rel="http://opds-spec.org/shelf"`, `rel="search" href="/opds/opensearch.xml"`,
		`rel="http://opds-spec.org/sort/new"`, `kind=navigation`} {
		if !strings.Contains(root, want) {
			t.Errorf("root feed lacks %s", want)
		}
	}
	newFeed := string(atom[3].Body)
	for _, want := range []string{`rel="http://opds-spec.org/acquisition/borrow" href="/opds/borrow/abai-words-en"`,
		`<opds:indirectAcquisition type="application/epub+zip"/>`, `rel="http://opds-spec.org/acquisition/open-access" href="/library/editions/abai-words-kk/file"`,
		`opds:facetGroup="Тіл"`, `opds:activeFacet="true"`, `thr:count="1"`, `rel="http://opds-spec.org/image/thumbnail"`,
		`rel="first"`, `rel="last"`, `<opensearch:totalResults>5</opensearch:totalResults>`, `<dc:identifier>urn:isbn:9780306406157</dc:identifier>`} {
		if !strings.Contains(newFeed, want) {
			t.Errorf("acquisition feed lacks %s", want)
		}
	}
	osd := w.get(t, "/opds/opensearch.xml")
	if !strings.Contains(string(osd.Body), `template="http://`) || !strings.Contains(string(osd.Body), `/opds/search?q={searchTerms}`) {
		t.Errorf("OpenSearch description: %s", osd.Body)
	}
	v2 := w.get(t, "/opds/v2/new").Body
	if !strings.Contains(string(v2), `"templated":true`) || !strings.Contains(string(v2), `"href":"/opds/v2/search?q={query}"`) {
		t.Errorf("OPDS 2 feed lacks the templated search link")
	}
}

// TestOPDSLanguageNegotiation: ?lang= wins over Accept-Language; kk-Latn
// titles are served when asked; unknown languages fall back to kk.
func TestOPDSLanguageNegotiation(t *testing.T) {
	w := newLibWorld(t)
	title := func(body []byte) string {
		var p struct {
			Metadata struct {
				Title map[string]string `json:"title"`
			} `json:"metadata"`
		}
		if err := json.Unmarshal(body, &p); err != nil {
			t.Fatal(err)
		}
		return fmt.Sprint(p.Metadata.Title)
	}
	_ = title
	for _, c := range []struct{ query, accept, want, lang string }{
		{"", "", "<title xml:lang=\"kk\">Қара сөздер</title>", "kk"},
		{"?lang=ru", "en", "<title xml:lang=\"ru\">Слова назидания</title>", "ru"},
		{"", "en-US,en;q=0.9", "<title xml:lang=\"en\">Book of Words</title>", "en"},
		{"", "kk-Latn", "<title xml:lang=\"kk-Latn\">Qara sözder</title>", "kk-Latn"},
		{"?lang=de", "", "<title xml:lang=\"kk\">Қара сөздер</title>", "kk"},
		{"", "fr-FR, ru;q=0.4", "<title xml:lang=\"ru\">Слова назидания</title>", "ru"},
	} {
		r := w.get(t, "/opds/books/abai-words-kk"+c.query, "Accept-Language", c.accept)
		if !strings.Contains(string(r.Body), c.want) || r.Header.Get("Content-Language") != c.lang {
			t.Errorf("%q %q: Content-Language %s, want %s in\n%s", c.query, c.accept, r.Header.Get("Content-Language"), c.want, r.Body)
		}
	}
	// The lang parameter is kept in the feed's links.
	r := w.get(t, "/opds/new?lang=en")
	if !strings.Contains(string(r.Body), `href="/opds/new?lang=en"`) || !strings.Contains(string(r.Body), "<title>New arrivals</title>") {
		t.Errorf("lang not kept in links:\n%s", r.Body)
	}
	if r := w.Do("GET", "/opds/new?lang=!!", "", nil); r.Status != 400 || r.ErrorCode() != "invalid_query" {
		t.Errorf("bad lang: %d %s", r.Status, r.Body)
	}
}

// TestLibraryLoansOverHTTP: readers sign in with HTTP Basic; without it
// the answer is 401 with the Authentication for OPDS document; a borrow
// gives a signed link that downloads; tracks answer range requests; a
// tampered or returned link is refused; open files are public, lent ones
// are not.
func TestLibraryLoansOverHTTP(t *testing.T) {
	w := newLibWorld(t)
	r := w.Do("GET", "/opds/shelf", "", nil)
	if r.Status != 401 || !strings.HasPrefix(r.Header.Get("WWW-Authenticate"), "Basic") ||
		r.Header.Get("Content-Type") != library.MediaAuthDoc || !strings.Contains(r.Header.Get("Link"), "auth/document") {
		t.Fatalf("no credentials: %d %v %s", r.Status, r.Header, r.Body)
	}
	bad := "Basic " + base64.StdEncoding.EncodeToString([]byte(w.card+":wrong"))
	if r := w.Do("GET", "/opds/shelf", "", nil, "Authorization", bad); r.Status != 401 {
		t.Fatalf("wrong password: %d", r.Status)
	}
	if r := w.Do("GET", "/library/editions/abai-words-en/file", "", nil); r.Status != 403 || r.ErrorCode() != "loan_required" {
		t.Fatalf("lent file without a loan: %d %s", r.Status, r.Body)
	}
	if r := w.get(t, "/library/editions/abai-words-kk/file"); r.Header.Get("Content-Type") != "application/epub+zip" || len(r.Body) < 100 {
		t.Fatalf("open file: %v", r.Header)
	}
	r = w.Do("POST", "/v1/library/editions/abai-words-en/loans", "", nil, "Authorization", w.basic)
	var loan struct {
		LoanID      string `json:"loan_id"`
		Due         string `json:"due"`
		DownloadURL string `json:"download_url"`
	}
	r.JSON(t, &loan)
	if r.Status != 201 || loan.LoanID == "" || !strings.HasPrefix(loan.DownloadURL, "/library/loans/"+loan.LoanID+"/file?") {
		t.Fatalf("borrow: %d %s", r.Status, r.Body)
	}
	if r := w.Do("POST", "/v1/library/editions/abai-words-en/loans", "", nil, "Authorization", w.basic); r.Status != 200 {
		t.Fatalf("borrow again (the current loan): %d %s", r.Status, r.Body)
	}
	if r := w.get(t, loan.DownloadURL); r.Header.Get("Content-Type") != "application/epub+zip" {
		t.Fatalf("signed download: %v", r.Header)
	}
	if r := w.Do("GET", strings.Replace(loan.DownloadURL, "sig=", "sig=x", 1), "", nil); r.Status != 403 || r.ErrorCode() != "invalid_link" {
		t.Fatalf("tampered link: %d %s", r.Status, r.Body)
	}
	// The audiobook: borrow through OPDS, then its signed manifest and a range of a track.
	r = w.get(t, "/opds/v2/borrow/zhumabayev-kk-audio", "Authorization", w.basic)
	if r.Status != 201 {
		t.Fatalf("OPDS borrow: %d", r.Status)
	}
	var pub struct {
		Links []struct{ Rel, Href, Type string } `json:"links"`
	}
	r.JSON(t, &pub)
	manifestURL := ""
	for _, l := range pub.Links {
		if l.Rel == library.RelAcquisition {
			manifestURL = l.Href
		}
	}
	if !strings.Contains(manifestURL, "/manifest.json?") {
		t.Fatalf("borrowed publication links: %+v", pub.Links)
	}
	man := w.get(t, manifestURL)
	opdstest.JSON(t, opdstest.Readium, "loan manifest", man.Body)
	var m struct {
		Metadata struct {
			ConformsTo string  `json:"conformsTo"`
			Duration   float64 `json:"duration"`
		} `json:"metadata"`
		ReadingOrder []struct {
			Href     string  `json:"href"`
			Type     string  `json:"type"`
			Duration float64 `json:"duration"`
			Bitrate  float64 `json:"bitrate"`
		} `json:"readingOrder"`
	}
	man.JSON(t, &m)
	if m.Metadata.ConformsTo != library.AudiobookProfile || m.Metadata.Duration != 12.5 || len(m.ReadingOrder) != 2 ||
		m.ReadingOrder[1].Duration != 7.5 || m.ReadingOrder[0].Type != "audio/mpeg" || m.ReadingOrder[0].Bitrate < 7 || m.ReadingOrder[0].Bitrate > 9 {
		t.Fatalf("manifest: %s", man.Body)
	}
	tr := w.Do("GET", m.ReadingOrder[0].Href, "", nil, "Range", "bytes=100-199")
	if tr.Status != http.StatusPartialContent || len(tr.Body) != 100 || !strings.HasPrefix(tr.Header.Get("Content-Range"), "bytes 100-199/") {
		t.Fatalf("range request: %d %v (%d bytes)", tr.Status, tr.Header, len(tr.Body))
	}
	open := w.Do("GET", "/library/editions/zhumabayev-ru-audio/tracks/2", "", nil, "Range", "bytes=0-3")
	if open.Status != 206 || string(open.Body) != "\xff\xf3\x18\xc0" {
		t.Fatalf("open track range: %d %x", open.Status, open.Body)
	}
	// The single copy is out: another reader gets 409 no_copies.
	r = w.Do("POST", "/v1/library/readers", w.librarian, map[string]string{"name": "Ерлан"})
	var other struct {
		Card string `json:"card_number"`
		Pw   string `json:"password"`
	}
	r.JSON(t, &other)
	otherAuth := "Basic " + base64.StdEncoding.EncodeToString([]byte(other.Card+":"+other.Pw))
	if r := w.Do("GET", "/opds/borrow/zhumabayev-kk-audio", "", nil, "Authorization", otherAuth); r.Status != 409 || r.ErrorCode() != "no_copies" {
		t.Fatalf("no copies: %d %s", r.Status, r.Body)
	}
	if r := w.Do("POST", "/v1/library/editions/zhumabayev-kk-audio/holds", "", nil, "Authorization", otherAuth); r.Status != 201 {
		t.Fatalf("hold: %d %s", r.Status, r.Body)
	}
	// Returning (the librarian for the reader) frees the copy; the old link dies.
	shelf := w.get(t, "/opds/shelf", "Authorization", w.basic)
	if strings.Count(string(shelf.Body), "<entry>") != 2 {
		t.Fatalf("shelf: %s", shelf.Body)
	}
	if r := w.Do("POST", "/v1/library/loans/"+loan.LoanID+"/return", "", nil, "Authorization", otherAuth); r.Status != 403 {
		t.Fatalf("return of another reader's loan: %d %s", r.Status, r.Body)
	}
	if r := w.Do("POST", "/v1/library/loans/"+loan.LoanID+"/return", w.librarian, nil); r.Status != 200 {
		t.Fatalf("return: %d %s", r.Status, r.Body)
	}
	if r := w.Do("GET", loan.DownloadURL, "", nil); r.Status != 403 {
		t.Fatalf("link of a returned loan: %d", r.Status)
	}
	if r := w.Do("POST", "/v1/library/editions/abai-words-en/loans", "", nil, "Authorization", otherAuth); r.Status != 201 {
		t.Fatalf("borrow the freed copy: %d %s", r.Status, r.Body)
	}
	// Remuneration: admin sets a rate; the report answers in JSON and CSV.
	if r := w.Do("PUT", "/v1/library/plr-rates/2026-01-01", w.AdminKey, map[string]string{"per_loan": "50.00"}); r.Status != 200 {
		t.Fatalf("rate: %d %s", r.Status, r.Body)
	}
	if r := w.Do("PUT", "/v1/library/plr-rates/2026-01-01", w.librarian, map[string]string{"per_loan": "50.00"}); r.Status != 403 {
		t.Fatalf("rate by a librarian: %d", r.Status)
	}
	rep := w.Do("GET", "/v1/library/remuneration?from=2026-01-01&to=2028-12-31&format=csv", w.librarian, nil)
	if rep.Status != 200 || !strings.HasPrefix(string(rep.Body), "party_id,party_name,period,work_id") {
		t.Fatalf("remuneration CSV: %d %s", rep.Status, rep.Body)
	}
	// OAI-PMH: the editions are the library set, valid oai_dc.
	oai := w.get(t, "/oai?verb=ListRecords&metadataPrefix=oai_dc&set=library")
	if strings.Count(string(oai.Body), "<record>") != 5 || !strings.Contains(string(oai.Body), `<dc:title xml:lang="kk">Қара сөздер</dc:title>`) {
		t.Fatalf("OAI library set:\n%s", oai.Body)
	}
	oaipmhtest.Validate(t, oai.Body)
	oaipmhtest.Validate(t, w.get(t, "/oai?verb=GetRecord&metadataPrefix=oai_dc&identifier=oai:ecinema.kz:library:abai-words-en").Body)
}

// TestOPDSParsedByReaderApp: Thorium's own OPDS parser (r2-opds-js, from
// npm, in testdata/library) reads our OPDS 1.2 acquisition feed and OPDS
// 2.0 feed and finds the publications, their acquisition links and the
// facets.
func TestOPDSParsedByReaderApp(t *testing.T) {
	dir := filepath.Join("..", "testdata", "library")
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "r2-opds-js")); err != nil {
		tooltest.Missing(t, "r2-opds-js is not installed: run npm ci in testdata/library")
	}
	node, err := exec.LookPath("node")
	if err != nil {
		tooltest.Missing(t, "node is not installed")
	}
	w := newLibWorld(t)
	tmp := t.TempDir()
	v1 := filepath.Join(tmp, "feed.xml")
	v2 := filepath.Join(tmp, "feed.json")
	os.WriteFile(v1, w.get(t, "/opds/new?lang=en").Body, 0o600)
	os.WriteFile(v2, w.get(t, "/opds/v2/new?lang=en").Body, 0o600)
	out, err := exec.Command(node, filepath.Join(dir, "parse.js"), v1, v2).CombinedOutput()
	if err != nil {
		t.Fatalf("r2-opds-js: %v\n%s", err, out)
	}
	var got struct {
		V1 struct {
			Title        string
			Publications []struct{ Title, Acquisition, Type string }
			Facets       []string
		}
		V2 struct {
			Title        string
			Publications []struct{ Title, Acquisition, Type string }
			Facets       []string
		}
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	for _, f := range []struct {
		name  string
		title string
		pubs  []struct{ Title, Acquisition, Type string }
		facet []string
	}{{"OPDS 1.2", got.V1.Title, got.V1.Publications, got.V1.Facets}, {"OPDS 2.0", got.V2.Title, got.V2.Publications, got.V2.Facets}} {
		if f.title != "New arrivals" || len(f.pubs) != 5 || len(f.facet) != 5 {
			t.Errorf("%s as r2-opds-js reads it: %s", f.name, out)
			continue
		}
		found := false
		for _, p := range f.pubs {
			if p.Title == "Book of Words" && strings.Contains(p.Acquisition, "acquisition/borrow") {
				found = true
			}
		}
		if !found {
			t.Errorf("%s: no borrowable Book of Words in %s", f.name, out)
		}
	}
}
