package oaipmh_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"errors"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"ecinema/culture/oaipmh"
	"ecinema/culture/oaipmh/oaipmhtest"
)

// memSource is a Source over a fixed slice, the way a module's source
// behaves: sorted by (datestamp, identifier), cursor = offset.
type memSource struct {
	module string
	sets   []oaipmh.Set
	recs   []oaipmh.Record
	fail   error
}

func (m *memSource) Sets(context.Context) ([]oaipmh.Set, error) { return m.sets, m.fail }
func (m *memSource) Formats() []oaipmh.Format                   { return []oaipmh.Format{oaipmh.FormatOAIDC} }

func (m *memSource) match(q oaipmh.Query, r oaipmh.Record) bool {
	if q.Set != "" {
		in := false
		for _, s := range r.Sets {
			in = in || s == q.Set
		}
		if !in {
			return false
		}
	}
	if !q.From.IsZero() && r.Datestamp.Before(q.From) {
		return false
	}
	if !q.Before.IsZero() && !r.Datestamp.Before(q.Before) {
		return false
	}
	return true
}

func (m *memSource) List(_ context.Context, q oaipmh.Query) (oaipmh.Page, error) {
	if m.fail != nil {
		return oaipmh.Page{}, m.fail
	}
	if q.Prefix != "oai_dc" {
		return oaipmh.Page{}, nil
	}
	var all []oaipmh.Record
	for _, r := range m.recs {
		if m.match(q, r) {
			all = append(all, r)
		}
	}
	sort.Slice(all, func(i, j int) bool {
		if !all[i].Datestamp.Equal(all[j].Datestamp) {
			return all[i].Datestamp.Before(all[j].Datestamp)
		}
		return all[i].Identifier < all[j].Identifier
	})
	off, _ := strconv.Atoi(q.Cursor)
	pg := oaipmh.Page{Total: len(all)}
	end := min(off+q.Limit, len(all))
	pg.Records = all[off:end]
	if end < len(all) {
		pg.Next = strconv.Itoa(end)
	}
	return pg, nil
}

func (m *memSource) Get(_ context.Context, id, prefix string) (oaipmh.Record, error) {
	for _, r := range m.recs {
		if r.Identifier == id {
			if prefix != "" && prefix != "oai_dc" {
				return oaipmh.Record{}, oaipmh.ErrCannotDisseminateFormat
			}
			return r, nil
		}
	}
	return oaipmh.Record{}, oaipmh.ErrIDDoesNotExist
}

var t0 = time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)

func rec(p *oaipmh.Provider, module, id string, at time.Time, deleted bool, sets ...string) oaipmh.Record {
	r := oaipmh.Record{Header: oaipmh.Header{Identifier: p.Identifier(module, id), Datestamp: at, Sets: sets, Deleted: deleted}}
	if !deleted {
		r.Metadata = oaipmh.DC{
			Title:    []oaipmh.Value{{Lang: "kk", Text: "Марапат парағы " + id}, {Lang: "ru", Text: "Наградной лист " + id + " & <ko>"}},
			Date:     oaipmh.Plain("1943"),
			Language: oaipmh.Plain("kk", "ru"),
		}.XML()
	}
	return r
}

// fixture: two sources, 7 records, one deleted, two sets in the first.
func fixture(pageSize int) (*oaipmh.Provider, *memSource, *memSource) {
	p := oaipmh.New(oaipmh.Config{RepositoryName: "test repo", RepositoryID: "test.kz", PageSize: pageSize,
		Now: func() time.Time { return t0.Add(48 * time.Hour) }})
	a := &memSource{module: "archive", sets: []oaipmh.Set{{Spec: "archive", Name: "e-Archive"}, {Spec: "archive:fond:R-1", Name: "Fond R-1"}}}
	a.recs = []oaipmh.Record{
		rec(p, "archive", "u1", t0, false, "archive", "archive:fond:R-1"),
		rec(p, "archive", "u2", t0.Add(500*time.Millisecond), false, "archive"), // same second as u1
		rec(p, "archive", "u3", t0.Add(time.Hour), true, "archive", "archive:fond:R-1"),
		rec(p, "archive", "u4", t0.Add(2*time.Hour), false, "archive"),
		rec(p, "archive", "u5", t0.Add(24*time.Hour), false, "archive", "archive:fond:R-1"),
	}
	b := &memSource{module: "library", sets: []oaipmh.Set{{Spec: "library", Name: "e-Library"}}}
	b.recs = []oaipmh.Record{
		rec(p, "library", "e1", t0.Add(30*time.Minute), false, "library"),
		rec(p, "library", "e2", t0.Add(25*time.Hour), false, "library"),
	}
	p.Register(a)
	p.Register(b)
	return p, a, b
}

// response is the parts of an answer the tests look at.
type response struct {
	Request struct {
		Verb  string     `xml:"verb,attr"`
		Attrs []xml.Attr `xml:",any,attr"`
		URL   string     `xml:",chardata"`
	} `xml:"request"`
	Errors []struct {
		Code string `xml:"code,attr"`
	} `xml:"error"`
	Identify *struct {
		BaseURL  string `xml:"baseURL"`
		Earliest string `xml:"earliestDatestamp"`
		Deleted  string `xml:"deletedRecord"`
		Gran     string `xml:"granularity"`
	} `xml:"Identify"`
	Formats []string `xml:"ListMetadataFormats>metadataFormat>metadataPrefix"`
	Sets    []string `xml:"ListSets>set>setSpec"`
	Get     []header `xml:"GetRecord>record>header"`
	GetMeta []struct {
		Titles []string `xml:"dc>title"`
	} `xml:"GetRecord>record>metadata"`
	IDs  []header `xml:"ListIdentifiers>header"`
	Recs []struct {
		Header   header `xml:"header"`
		Metadata *struct {
			Titles []string `xml:"dc>title"`
		} `xml:"metadata"`
	} `xml:"ListRecords>record"`
	Token *token `xml:"ListRecords>resumptionToken"`
	IDTok *token `xml:"ListIdentifiers>resumptionToken"`
}

type header struct {
	Status     string   `xml:"status,attr"`
	Identifier string   `xml:"identifier"`
	Datestamp  string   `xml:"datestamp"`
	Sets       []string `xml:"setSpec"`
}

type token struct {
	Value  string `xml:",chardata"`
	Size   string `xml:"completeListSize,attr"`
	Cursor string `xml:"cursor,attr"`
}

// get sends a request through the HTTP handler, validates the answer
// against the official schemas and parses it.
func get(t *testing.T, srv *httptest.Server, method, query string) response {
	t.Helper()
	var res *http.Response
	var err error
	if method == http.MethodPost {
		res, err = http.Post(srv.URL+"/oai", "application/x-www-form-urlencoded", strings.NewReader(query))
	} else {
		res, err = http.Get(srv.URL + "/oai?" + query)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var b strings.Builder
	if _, err := ioCopy(&b, res); err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/xml") {
		t.Fatalf("%s: status %d %s", query, res.StatusCode, res.Header.Get("Content-Type"))
	}
	body := []byte(b.String())
	oaipmhtest.Validate(t, body)
	var r response
	if err := xml.Unmarshal(body, &r); err != nil {
		t.Fatalf("%s: %v\n%s", query, err, body)
	}
	return r
}

func ioCopy(b *strings.Builder, res *http.Response) (int64, error) {
	buf := make([]byte, 32<<10)
	var n int64
	for {
		k, err := res.Body.Read(buf)
		b.Write(buf[:k])
		n += int64(k)
		if err != nil {
			if err.Error() == "EOF" {
				return n, nil
			}
			return n, err
		}
	}
}

func serve(t *testing.T, p *oaipmh.Provider) *httptest.Server {
	mux := http.NewServeMux()
	mux.Handle("/oai", p)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func TestIdentify(t *testing.T) {
	p, _, _ := fixture(2)
	srv := serve(t, p)
	r := get(t, srv, "GET", "verb=Identify")
	if r.Identify == nil || r.Identify.BaseURL != srv.URL+"/oai" || r.Identify.Deleted != "persistent" ||
		r.Identify.Gran != "YYYY-MM-DDThh:mm:ssZ" || r.Request.Verb != "Identify" {
		t.Fatalf("identify = %+v", r)
	}
	if r.Identify.Earliest != "2026-01-01T00:00:00Z" {
		t.Fatalf("earliest %s", r.Identify.Earliest)
	}
	// POST answers the same.
	if r := get(t, srv, "POST", "verb=Identify"); r.Identify == nil {
		t.Fatal("POST Identify")
	}
}

func TestErrors(t *testing.T) {
	p, _, _ := fixture(2)
	srv := serve(t, p)
	id := url.QueryEscape(p.Identifier("archive", "u1"))
	cases := []struct{ query, code string }{
		{"", "badVerb"},
		{"verb=Frobnicate", "badVerb"},
		{"verb=Identify&verb=Identify", "badVerb"},
		{"verb=Identify&set=archive", "badArgument"},
		{"verb=ListRecords", "badArgument"},
		{"verb=ListRecords&metadataPrefix=oai_dc&metadataPrefix=oai_dc", "badArgument"},
		{"verb=ListRecords&metadataPrefix=oai_dc&from=2026-11-01T10:00:00", "badArgument"},
		{"verb=ListRecords&metadataPrefix=oai_dc&from=2026-11-01T10:00:00.5Z", "badArgument"},
		{"verb=ListRecords&metadataPrefix=oai_dc&from=2026-11-01&until=2026-11-02T00:00:00Z", "badArgument"},
		{"verb=ListRecords&metadataPrefix=oai_dc&from=2026-11-03&until=2026-11-02", "badArgument"},
		{"verb=ListRecords&metadataPrefix=oai_dc&resumptionToken=x", "badArgument"},
		{"verb=ListRecords&metadataPrefix=oai_dc&set=bad%20set", "badArgument"},
		{"verb=GetRecord&identifier=" + id, "badArgument"},
		{"verb=ListIdentifiers&metadataPrefix=", "badArgument"},
		{"verb=ListRecords&resumptionToken=bm90IGEgdG9rZW4", "badResumptionToken"},
		{"verb=ListRecords&resumptionToken=%25%25%25", "badResumptionToken"},
		{"verb=ListSets&resumptionToken=abc", "badResumptionToken"},
		{"verb=ListRecords&metadataPrefix=marc21", "cannotDisseminateFormat"},
		{"verb=ListRecords&metadataPrefix=no%20such", "cannotDisseminateFormat"},
		{"verb=GetRecord&metadataPrefix=lido&identifier=" + id, "cannotDisseminateFormat"},
		{"verb=GetRecord&metadataPrefix=oai_dc&identifier=oai:test.kz:archive:nope", "idDoesNotExist"},
		{"verb=ListMetadataFormats&identifier=oai:test.kz:archive:nope", "idDoesNotExist"},
		{"verb=ListRecords&metadataPrefix=oai_dc&from=2027-01-01", "noRecordsMatch"},
		{"verb=ListIdentifiers&metadataPrefix=oai_dc&set=museum:1", "noRecordsMatch"},
	}
	for _, c := range cases {
		t.Run(c.query, func(t *testing.T) {
			r := get(t, srv, "GET", c.query)
			if len(r.Errors) != 1 || r.Errors[0].Code != c.code {
				t.Fatalf("errors = %+v, want %s", r.Errors, c.code)
			}
			if (c.code == "badVerb" || c.code == "badArgument") && (r.Request.Verb != "" || len(r.Request.Attrs) != 0) {
				t.Fatalf("request element repeats bad arguments: %+v", r.Request)
			}
		})
	}
	// A token of one verb is refused by the other.
	r := get(t, srv, "GET", "verb=ListIdentifiers&metadataPrefix=oai_dc")
	if r.IDTok == nil {
		t.Fatal("no token")
	}
	r = get(t, srv, "GET", "verb=ListRecords&resumptionToken="+url.QueryEscape(r.IDTok.Value))
	if len(r.Errors) != 1 || r.Errors[0].Code != "badResumptionToken" {
		t.Fatalf("token across verbs: %+v", r.Errors)
	}

	// A repository without sources: no formats, no sets.
	empty := serve(t, oaipmh.New(oaipmh.Config{}))
	for q, code := range map[string]string{
		"verb=ListMetadataFormats": "noMetadataFormats",
		"verb=ListSets":            "noSetHierarchy",
		"verb=ListIdentifiers&metadataPrefix=oai_dc&set=archive": "cannotDisseminateFormat",
	} {
		if r := get(t, empty, "GET", q); len(r.Errors) != 1 || r.Errors[0].Code != code {
			t.Fatalf("%s: %+v, want %s", q, r.Errors, code)
		}
	}
	// Sources without sets: a set argument is noSetHierarchy.
	flat := oaipmh.New(oaipmh.Config{})
	flat.Register(&memSource{recs: []oaipmh.Record{rec(flat, "x", "1", t0, false)}})
	if r := get(t, serve(t, flat), "GET", "verb=ListRecords&metadataPrefix=oai_dc&set=archive"); len(r.Errors) != 1 || r.Errors[0].Code != "noSetHierarchy" {
		t.Fatalf("set on a flat repository: %+v", r.Errors)
	}
}

func TestFormatsSetsGetRecord(t *testing.T) {
	p, _, _ := fixture(2)
	srv := serve(t, p)
	if r := get(t, srv, "GET", "verb=ListMetadataFormats"); len(r.Formats) != 1 || r.Formats[0] != "oai_dc" {
		t.Fatalf("formats %v", r.Formats)
	}
	if r := get(t, srv, "GET", "verb=ListMetadataFormats&identifier="+url.QueryEscape(p.Identifier("library", "e1"))); len(r.Formats) != 1 {
		t.Fatalf("item formats %v", r.Formats)
	}
	if r := get(t, srv, "GET", "verb=ListSets"); strings.Join(r.Sets, ",") != "archive,archive:fond:R-1,library" {
		t.Fatalf("sets %v", r.Sets)
	}
	r := get(t, srv, "POST", "verb=GetRecord&metadataPrefix=oai_dc&identifier="+url.QueryEscape(p.Identifier("archive", "u2")))
	if len(r.Get) != 1 || r.Get[0].Identifier != "oai:test.kz:archive:u2" || r.Get[0].Datestamp != "2026-11-01T10:00:00Z" ||
		len(r.GetMeta) != 1 || r.GetMeta[0].Titles[1] != "Наградной лист u2 & <ko>" {
		t.Fatalf("GetRecord %+v", r)
	}
	if r.Request.Verb != "GetRecord" || len(r.Request.Attrs) != 2 {
		t.Fatalf("request element %+v", r.Request)
	}
	r = get(t, srv, "GET", "verb=GetRecord&metadataPrefix=oai_dc&identifier="+url.QueryEscape(p.Identifier("archive", "u3")))
	if len(r.Get) != 1 || r.Get[0].Status != "deleted" || len(r.GetMeta) != 0 {
		t.Fatalf("deleted record %+v", r)
	}
}

// harvest follows resumption tokens to the end and checks cursor and
// completeListSize on every page.
func harvest(t *testing.T, srv *httptest.Server, verb, args string) []header {
	t.Helper()
	var all []header
	q := "verb=" + verb + "&" + args
	for page := 0; ; page++ {
		r := get(t, srv, "GET", q)
		if len(r.Errors) > 0 {
			t.Fatalf("page %d: %+v", page, r.Errors)
		}
		tok := r.Token
		var hs []header
		if verb == "ListIdentifiers" {
			hs, tok = r.IDs, r.IDTok
		} else {
			for _, rc := range r.Recs {
				hs = append(hs, rc.Header)
				if (rc.Metadata == nil) != (rc.Header.Status == "deleted") {
					t.Fatalf("record %s: metadata presence wrong", rc.Header.Identifier)
				}
			}
		}
		if tok != nil && tok.Cursor != strconv.Itoa(len(all)) {
			t.Fatalf("page %d: cursor %s, want %d", page, tok.Cursor, len(all))
		}
		all = append(all, hs...)
		if tok == nil || tok.Value == "" {
			if tok != nil && tok.Size != strconv.Itoa(len(all)) {
				t.Fatalf("last page: completeListSize %s, harvested %d", tok.Size, len(all))
			}
			return all
		}
		q = "verb=" + verb + "&resumptionToken=" + url.QueryEscape(tok.Value)
	}
}

func ids(hs []header) string {
	var s []string
	for _, h := range hs {
		s = append(s, strings.TrimPrefix(h.Identifier, "oai:test.kz:"))
	}
	return strings.Join(s, " ")
}

func TestHarvest(t *testing.T) {
	p, a, _ := fixture(2)
	srv := serve(t, p)
	cases := []struct{ verb, args, want string }{
		{"ListRecords", "metadataPrefix=oai_dc", "archive:u1 archive:u2 archive:u3 archive:u4 archive:u5 library:e1 library:e2"},
		{"ListIdentifiers", "metadataPrefix=oai_dc", "archive:u1 archive:u2 archive:u3 archive:u4 archive:u5 library:e1 library:e2"},
		// from/until at seconds granularity, inclusive on both sides.
		{"ListRecords", "metadataPrefix=oai_dc&from=2026-11-01T10:00:00Z&until=2026-11-01T10:00:00Z", "archive:u1 archive:u2"},
		{"ListRecords", "metadataPrefix=oai_dc&from=2026-11-01T10:00:01Z", "archive:u3 archive:u4 archive:u5 library:e1 library:e2"},
		{"ListIdentifiers", "metadataPrefix=oai_dc&from=2026-11-01T11:00:00Z&until=2026-11-02T10:00:00Z", "archive:u3 archive:u4 archive:u5"},
		{"ListIdentifiers", "metadataPrefix=oai_dc&until=2026-11-01", "archive:u1 archive:u2 archive:u3 archive:u4 library:e1"},
		{"ListIdentifiers", "metadataPrefix=oai_dc&from=2026-11-02", "archive:u5 library:e2"},
		{"ListRecords", "metadataPrefix=oai_dc&set=archive:fond:R-1", "archive:u1 archive:u3 archive:u5"},
		{"ListRecords", "metadataPrefix=oai_dc&set=library", "library:e1 library:e2"},
	}
	for _, c := range cases {
		t.Run(c.verb+"?"+c.args, func(t *testing.T) {
			got := harvest(t, srv, c.verb, c.args)
			if ids(got) != c.want {
				t.Fatalf("harvested %q, want %q", ids(got), c.want)
			}
		})
	}
	// The first page of a paged list says how long the list is.
	r := get(t, srv, "GET", "verb=ListRecords&metadataPrefix=oai_dc")
	if r.Token == nil || r.Token.Size != "7" || r.Token.Cursor != "0" || len(r.Recs) != 2 {
		t.Fatalf("first page: %+v", r.Token)
	}
	// One page big enough: no token at all.
	big, _, _ := fixture(100)
	if r := get(t, serve(t, big), "GET", "verb=ListRecords&metadataPrefix=oai_dc"); r.Token != nil || len(r.Recs) != 7 {
		t.Fatalf("single page: %d records, token %+v", len(r.Recs), r.Token)
	}
	// The deleted record is reported with its status, in sets.
	got := harvest(t, srv, "ListIdentifiers", "metadataPrefix=oai_dc&set=archive:fond:R-1")
	if got[1].Status != "deleted" || got[0].Status != "" {
		t.Fatalf("statuses %+v", got)
	}
	// A page size that ends exactly at a source's end, with an empty
	// source after it: no empty page.
	p3, _, _ := fixture(5)
	p3.Register(&memSource{})
	if got := harvest(t, serve(t, p3), "ListRecords", "metadataPrefix=oai_dc&set=archive"); len(got) != 5 {
		t.Fatalf("got %d", len(got))
	}
	_ = a
}

func TestSourceFailureIs503(t *testing.T) {
	p := oaipmh.New(oaipmh.Config{})
	p.Register(&memSource{fail: errors.New("database down")})
	srv := serve(t, p)
	res, err := http.Get(srv.URL + "/oai?verb=ListRecords&metadataPrefix=oai_dc")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 503 {
		t.Fatalf("status %d", res.StatusCode)
	}
}

func TestDCStandalone(t *testing.T) {
	x := oaipmh.DC{Title: oaipmh.Langs(map[string]string{"kk": "Хат", "ru": "Письмо", "en": "Letter"}, "kk", "ru", "en")}.XML()
	if !strings.Contains(string(x), `<dc:title xml:lang="kk">Хат</dc:title><dc:title xml:lang="ru">Письмо</dc:title><dc:title xml:lang="en">Letter</dc:title>`) {
		t.Fatalf("%s", x)
	}
}

// cutSource pages as the modules' sources do: the cursor is made by
// oaipmh.Cut and read back by Query.After.
type cutSource struct{ *memSource }

func (c cutSource) List(ctx context.Context, q oaipmh.Query) (oaipmh.Page, error) {
	after, afterID, err := q.After()
	if err != nil {
		return oaipmh.Page{}, err
	}
	all, err := c.memSource.List(ctx, oaipmh.Query{Prefix: q.Prefix, Set: q.Set, From: q.From, Before: q.Before, Limit: len(c.recs)})
	if err != nil {
		return oaipmh.Page{}, err
	}
	var rest []oaipmh.Record
	for _, r := range all.Records {
		if after == nil || r.Datestamp.After(*after) || r.Datestamp.Equal(*after) && r.Identifier > afterID {
			rest = append(rest, r)
		}
	}
	recs, next := oaipmh.Cut(rest, q.Limit, func(r oaipmh.Record) (time.Time, string) { return r.Datestamp, r.Identifier })
	return oaipmh.Page{Records: recs, Next: next, Total: all.Total}, nil
}

// TestTamperedTokenIsBadResumptionToken: a resumptionToken a harvester
// edited (its cursor or its date bounds) is the protocol's
// badResumptionToken, never a 503 for a source that "failed" on it.
func TestTamperedTokenIsBadResumptionToken(t *testing.T) {
	p := oaipmh.New(oaipmh.Config{RepositoryID: "test.kz", PageSize: 2, Now: func() time.Time { return t0.Add(48 * time.Hour) }})
	m := &memSource{module: "archive", sets: []oaipmh.Set{{Spec: "archive", Name: "e-Archive"}}}
	for i, id := range []string{"u1", "u2", "u3", "u4", "u5"} {
		m.recs = append(m.recs, rec(p, "archive", id, t0.Add(time.Duration(i)*time.Hour), false, "archive"))
	}
	p.Register(cutSource{m})
	srv := serve(t, p)
	// The untouched harvest: 5 records in 3 pages.
	r := get(t, srv, "GET", "verb=ListRecords&metadataPrefix=oai_dc")
	if r.Token == nil || r.Token.Value == "" {
		t.Fatalf("no token: %+v", r)
	}
	first := r.Token.Value
	n := len(r.Recs)
	for tok := first; tok != ""; {
		r = get(t, srv, "GET", "verb=ListRecords&resumptionToken="+url.QueryEscape(tok))
		n += len(r.Recs)
		tok = ""
		if r.Token != nil {
			tok = r.Token.Value
		}
	}
	if n != 5 {
		t.Fatalf("harvested %d records, want 5", n)
	}
	raw, err := base64.RawURLEncoding.DecodeString(first)
	if err != nil {
		t.Fatal(err)
	}
	for _, edit := range []map[string]any{
		{"c": "garbage"},
		{"c": "x|u2"},
		{"c": "99999999999999999999|u2"},
		{"c": "-9000000000000000000|u2"},
		{"c": "9000000000000000000|u2"},
		{"f": -99999999999999},
		{"b": 99999999999999},
	} {
		var tok map[string]any
		if err := json.Unmarshal(raw, &tok); err != nil {
			t.Fatal(err)
		}
		maps.Copy(tok, edit)
		j, err := json.Marshal(tok)
		if err != nil {
			t.Fatal(err)
		}
		q := "verb=ListRecords&resumptionToken=" + url.QueryEscape(base64.RawURLEncoding.EncodeToString(j))
		res, err := http.Get(srv.URL + "/oai?" + q)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 200 {
			t.Fatalf("token edited with %v: status %d, want 200 with badResumptionToken", edit, res.StatusCode)
		}
		if r := get(t, srv, "GET", q); len(r.Errors) != 1 || r.Errors[0].Code != "badResumptionToken" {
			t.Fatalf("token edited with %v: errors %+v, %d records; want badResumptionToken", edit, r.Errors, len(r.Recs))
		}
	}
}
