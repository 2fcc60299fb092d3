package api_test

import (
	"bytes"
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"ecinema/apikey"
	"ecinema/culture/archive/bagit"
	"ecinema/culture/library"
	"ecinema/internal/pgtest"
	"ecinema/kztime"
)

// The refusals a real user met while walking the journeys of the culture
// modules (CULTURE.md) with curl against make run: each must say precisely
// what is wrong and store nothing.

// TestCulturePastDatesAreRealAndPast: the dates of records of the past
// written as YYYY, YYYY-MM or YYYY-MM-DD (a WWII person's conscription and
// awards, an edition's issue, a museum acquisition) are refused when they
// are no calendar date (1941-02-30, 1941-13) or lie after today in
// Kazakhstan, with 400 naming the field, and nothing is stored. Before,
// only their shape was checked: "1941-02-30" and "2031-01-01" were stored
// (and a person's sent on to Batyrlarga tagzym).
func TestCulturePastDatesAreRealAndPast(t *testing.T) {
	env := newMuseumEnv(t, 0)
	archivist := env.Key(apikey.RoleArchivist, "", "")
	librarian := env.Key(apikey.RoleLibrarian, "", "")
	if r := env.Do("PUT", "/v1/library/works/w1", librarian, map[string]any{
		"title": map[string]string{"kk": "Қара сөздер"}, "authors": []map[string]any{{"name": map[string]string{"kk": "Абай"}}},
		"original_language": "kk"}); r.Status != 200 {
		t.Fatalf("PUT work: %d %s", r.Status, r.Body)
	}
	// Two days ahead, so that no midnight in Almaty during the test makes
	// the date today.
	ahead := kztime.LocalDate(time.Now()).AddDate(0, 0, 2)
	futureDay, futureMonth, futureYear := ahead.Format(time.DateOnly), ahead.AddDate(0, 1, 0).Format("2006-01"), fmt.Sprint(ahead.Year()+1)

	person := func(conscription, award string) map[string]any {
		return map[string]any{"names": []map[string]string{{"lang": "kk", "family": "Момышұлы", "given": "Бауыржан"}},
			"birth": map[string]any{"year": 1910}, "conscription": map[string]string{"date": conscription, "office": "Алматы"},
			"fate": "returned", "awards": []map[string]string{{"name": "Халық Қаһарманы", "date": award}}}
	}
	edition := func(issued string) map[string]any {
		return map[string]any{"work_id": "w1", "language": "kk", "format": "epub", "publisher": "Жазушы", "issued": issued, "access": "open"}
	}
	object := func(acquired string) map[string]any {
		o := dombra(true)
		o["acquisition"] = map[string]string{"method": "дар", "date": acquired}
		return o
	}
	type tc struct {
		what, path, key string
		body            map[string]any
		field, code     string
	}
	cases := []tc{}
	for _, d := range []struct{ date, code string }{
		{"1941-02-30", "invalid_value"}, {"1941-13", "invalid_value"}, {"1941-00-10", "invalid_value"},
		{futureDay, "in_future"}, {futureMonth, "in_future"}, {futureYear, "in_future"},
	} {
		cases = append(cases,
			tc{"person conscribed " + d.date, "/v1/archive/persons/p1", archivist, person(d.date, "1990-12-11"), "conscription.date", d.code},
			tc{"person awarded " + d.date, "/v1/archive/persons/p1", archivist, person("1941-07-01", d.date), "awards[0].date", d.code})
	}
	for _, d := range []struct{ date, code string }{
		{"2019-02-29", "invalid"}, {"2019-13", "invalid"}, {futureDay, "in_future"}, {futureMonth, "in_future"}, {futureYear, "in_future"},
	} {
		cases = append(cases, tc{"edition issued " + d.date, "/v1/library/editions/e1", librarian, edition(d.date), "issued", d.code})
	}
	for _, d := range []struct{ date, code string }{
		{"1998-02-30", "invalid_date"}, {"1998-13", "invalid_date"}, {futureDay, "in_future"}, {futureMonth, "in_future"}, {futureYear, "in_future"},
	} {
		cases = append(cases, tc{"object acquired " + d.date, "/v1/museums/nm-astana/objects/o1", env.curator, object(d.date), "acquisition.date", d.code})
	}
	before := headSize(t, env.Env)
	for _, c := range cases {
		r := env.Do("PUT", c.path, c.key, c.body)
		expect(t, c.what, r, 400, "invalid_request")
		if _, ds := errorOf(t, r); len(ds) != 1 || ds[0].Field != c.field || ds[0].Code != c.code {
			t.Fatalf("%s: details %+v, want one on %s with code %s", c.what, ds, c.field, c.code)
		}
	}
	if n := headSize(t, env.Env); n != before {
		t.Fatalf("refused dates appended %d entries", n-before)
	}
	if n := countRows(t, env.Env, `SELECT (SELECT count(*) FROM archive_persons) + (SELECT count(*) FROM archive_sync_outbox)
  + (SELECT count(*) FROM library_editions) + (SELECT count(*) FROM museum_objects)`); n != 0 {
		t.Fatalf("refused dates stored %d rows", n)
	}
	// Today's date, this month and this year are the past's last day.
	today := kztime.LocalDate(time.Now())
	for _, ok := range []struct {
		path, key string
		body      map[string]any
	}{
		{"/v1/archive/persons/p1", archivist, person("1941-07-01", "1990-12-11")},
		{"/v1/archive/persons/p1", archivist, person("1941-07", "1941")},
		{"/v1/library/editions/e1", librarian, edition("2024-02-29")},
		{"/v1/library/editions/e1", librarian, edition(today.Format("2006-01"))},
		{"/v1/museums/nm-astana/objects/o1", env.curator, object("1964")},
		{"/v1/museums/nm-astana/objects/o1", env.curator, object(fmt.Sprint(today.Year()))},
	} {
		if r := env.Do("PUT", ok.path, ok.key, ok.body); r.Status != 200 {
			t.Fatalf("PUT %s %v: %d %s", ok.path, ok.body, r.Status, r.Body)
		}
	}
}

// TestArchiveBaggingDateIsADate: RFC 8493 2.2.2 defines Bagging-Date as
// "the date (YYYY-MM-DD) that the content was prepared for transfer"; a
// deposit whose bag-info.txt says 2026-02-30, 30.11.2026 or a day after
// today in Kazakhstan is 422 invalid_bag naming bag-info.txt, and nothing is
// kept. Before, any text was accepted and kept in the AIP.
func TestArchiveBaggingDateIsADate(t *testing.T) {
	e := newArchiveEnv(t)
	e.putUnit(t, "u1", unitBody("x", "open", "R-1"))
	bag := func(date string) []byte {
		var payload []bagit.PayloadFile
		for p, data := range sampleFiles() {
			payload = append(payload, bagit.PayloadFile{Path: p, Size: int64(len(data)),
				Open: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }})
		}
		info := bagit.Info{{Label: "Source-Organization", Value: "ЦГА РК"}, {Label: "External-Identifier", Value: "ext-1"},
			{Label: "Bagging-Date", Value: date}}
		var b bytes.Buffer
		if err := bagit.Write(&b, bagit.Tar, "", info, payload, nil, time.Now(), "sha256"); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	today := kztime.LocalDate(time.Now())
	blobs, entries := e.blobCount(t), e.ledgerSize(t)
	for _, date := range []string{"2026-02-30", "30.11.2026", "2026-11", today.AddDate(0, 0, 2).Format(time.DateOnly)} {
		r := e.Do("POST", "/v1/archive/units/u1/deposits", e.arch, bag(date), "Content-Type", "application/x-tar")
		expect(t, "Bagging-Date "+date, r, 422, "invalid_bag")
		if _, ds := errorOf(t, r); len(ds) != 1 || ds[0].Field != "bag-info.txt" || ds[0].Code != "bag_info" {
			t.Fatalf("Bagging-Date %s: details %+v, want one bag_info on bag-info.txt", date, ds)
		}
	}
	if b, n := e.blobCount(t), e.ledgerSize(t); b != blobs || n != entries {
		t.Fatalf("refused bags left %d blobs and %d entries", b-blobs, n-entries)
	}
	var aips int
	pgtest.Row(t, e.App.Pool, `SELECT count(*) FROM archive_aips`).Scan(&aips)
	if aips != 0 {
		t.Fatalf("%d AIPs after refused bags", aips)
	}
	expect(t, "bagged today", e.Do("POST", "/v1/archive/units/u1/deposits", e.arch, bag(today.Format(time.DateOnly)),
		"Content-Type", "application/x-tar"), 201, "")
}

// TestOPDSLanguageFacetCountsTheFeed: the thr:count of each Language facet
// of an acquisition feed (OPDS 1.2 section 4.1: the number of entries of
// the feed the facet leads to) is the number that feed holds. Before, the
// counts were the whole catalogue's: the audiobooks feed promised one
// English book and its English facet held none; a search for a word in no
// title promised the catalogue.
func TestOPDSLanguageFacetCountsTheFeed(t *testing.T) {
	w := newLibWorld(t)
	type feed struct {
		Total int `xml:"totalResults"`
		Links []struct {
			Rel   string `xml:"rel,attr"`
			Href  string `xml:"href,attr"`
			Count string `xml:"http://purl.org/syndication/thread/1.0 count,attr"`
		} `xml:"link"`
	}
	read := func(path string) feed {
		t.Helper()
		var f feed
		if err := xml.Unmarshal(w.get(t, path).Body, &f); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		return f
	}
	for _, path := range []string{"/opds/new", "/opds/audiobooks", "/opds/subjects/poetry", "/opds/search?q=%D0%BA%D0%B0%D1%80%D0%B0",
		"/opds/search?q=nowordlikethis", "/opds/audiobooks?language=en", "/opds/popular?language=kk"} {
		facets := 0
		for _, l := range read(path).Links {
			if l.Rel != "http://opds-spec.org/facet" || l.Count == "" {
				continue
			}
			facets++
			href := "/opds/" + strings.TrimPrefix(l.Href, "/opds/")
			if got := read(href).Total; fmt.Sprint(got) != l.Count {
				t.Errorf("%s: facet %s says thr:count=%s, its feed holds %d", path, l.Href, l.Count, got)
			}
		}
		if facets == 0 {
			t.Fatalf("%s: no counted Language facet", path)
		}
	}
}

// TestRefusalMessagesReadAsSentences: a refusal decided inside the ledger
// append reaches the client without the writer's wrapping ("append
// museum_object: ...") and without a word of the sentence taken for a
// package prefix ("... in this museum: ..." lost "museum: ").
func TestRefusalMessagesReadAsSentences(t *testing.T) {
	env := newMuseumEnv(t, 0)
	archivist := env.Key(apikey.RoleArchivist, "", "")
	expect(t, "object o1", env.Do("PUT", "/v1/museums/nm-astana/objects/o1", env.curator, dombra(true)), 200, "")
	r := env.Do("PUT", "/v1/museums/nm-astana/objects/o2", env.curator, dombra(true))
	expect(t, "same inventory number", r, 409, "inventory_number_taken")
	if msg, _ := errorOf(t, r); msg != `inventory number already used in this museum: "КП-1001/12" is object "o1"` {
		t.Errorf("inventory number taken: message %q", msg)
	}
	unit := map[string]any{"title": map[string]string{"kk": "Хаттар"}, "date": "1943", "access": "open",
		"citation": map[string]string{"archive": "CGA-RK", "fond": "R-1", "inventory": "1", "file": "1"}}
	expect(t, "unit", env.Do("PUT", "/v1/archive/units/u1", archivist, unit), 200, "")
	expect(t, "withdraw", env.Do("DELETE", "/v1/archive/units/u1", archivist, nil), 200, "")
	r = env.Do("PUT", "/v1/archive/units/u1", archivist, unit)
	expect(t, "PUT a withdrawn unit", r, 409, "withdrawn")
	if msg, _ := errorOf(t, r); strings.Contains(msg, "append") || !strings.HasPrefix(msg, "the unit is withdrawn") {
		t.Errorf("withdrawn: message %q", msg)
	}
}

// TestMuseumEventTimeIsAField: an event's "at" that is no RFC 3339 time
// (31 November, a word, a number, no offset) is 400 invalid_request naming
// the field at, like every other time of the API, and nothing is stored.
// Before, it was 400 malformed_json with Go's parser message and no field.
func TestMuseumEventTimeIsAField(t *testing.T) {
	env := newMuseumEnv(t, 0)
	expect(t, "object o1", env.Do("PUT", "/v1/museums/nm-astana/objects/o1", env.curator, dombra(true)), 200, "")
	before := headSize(t, env.Env)
	for _, at := range []string{`"2026-11-31T10:00:00+05:00"`, `"yesterday"`, `5`, `"2026-11-30T10:00:00"`, `"2026-11-30T10:00:00+25:00"`, `""`} {
		r := env.Do("POST", "/v1/museums/nm-astana/objects/o1/events", env.curator,
			[]byte(`{"type":"object_entry","at":`+at+`,"location":"Қор"}`), "Content-Type", "application/json")
		expect(t, "at "+at, r, 400, "invalid_request")
		if _, ds := errorOf(t, r); len(ds) != 1 || ds[0].Field != "at" {
			t.Fatalf("at %s: details %+v, want one on at", at, ds)
		}
	}
	if n := headSize(t, env.Env); n != before {
		t.Fatalf("refused events appended %d entries", n-before)
	}
	// A museum records its history: an entry of 1964, at local time.
	r := env.Do("POST", "/v1/museums/nm-astana/objects/o1/events", env.curator,
		map[string]string{"type": "object_entry", "at": "1964-05-12T10:00:00+06:00", "location": "Қор"})
	expect(t, "entry of 1964", r, 201, "")
	var res struct{ Event struct{ At time.Time } }
	r.JSON(t, &res)
	if !res.Event.At.Equal(time.Date(1964, 5, 12, 4, 0, 0, 0, time.UTC)) {
		t.Fatalf("at %v", res.Event.At)
	}
}

// TestLibraryNoCopiesSaysWhy: a copy that is free but kept for the readers
// whose holds came first is refused with no_copies, and the message says
// so instead of "every copy of this edition is on loan" (none is).
func TestLibraryNoCopiesSaysWhy(t *testing.T) {
	w := newLibWorld(t)
	reader := func(name string) string {
		r := w.Do("POST", "/v1/library/readers", w.librarian, map[string]string{"name": name})
		var rd struct {
			Card     string `json:"card_number"`
			Password string `json:"password"`
		}
		r.JSON(t, &rd)
		return "Basic " + base64.StdEncoding.EncodeToString([]byte(rd.Card+":"+rd.Password))
	}
	b, c := reader("Бекзат"), reader("Сәуле")
	const ed = "/v1/library/editions/zhumabayev-kk-audio"
	r := w.Do("POST", ed+"/loans", "", nil, "Authorization", w.basic)
	expect(t, "A borrows the one copy", r, 201, "")
	var loan struct {
		ID string `json:"loan_id"`
	}
	r.JSON(t, &loan)
	r = w.Do("POST", ed+"/loans", "", nil, "Authorization", c)
	expect(t, "C while A has it", r, 409, "no_copies")
	if msg, _ := errorOf(t, r); !strings.Contains(msg, "every copy of this edition is on loan") {
		t.Errorf("on loan: message %q", msg)
	}
	expect(t, "B holds", w.Do("POST", ed+"/holds", "", nil, "Authorization", b), 201, "")
	expect(t, "A returns", w.Do("POST", "/v1/library/loans/"+loan.ID+"/return", "", nil, "Authorization", w.basic), 200, "")
	r = w.Do("POST", ed+"/loans", "", nil, "Authorization", c)
	expect(t, "C while B's hold keeps the free copy", r, 409, "no_copies")
	if msg, _ := errorOf(t, r); strings.Contains(msg, "on loan") || !strings.Contains(msg, "hold") {
		t.Errorf("kept for a hold: message %q", msg)
	}
	expect(t, "B borrows", w.Do("POST", ed+"/loans", "", nil, "Authorization", b), 201, "")
}

// TestLibraryUploadsAreWhatTheySay: a book file or an audio track whose
// bytes are not of the media type it is uploaded as (an MP3 as an EPUB,
// text as a PDF, noise as audio/mpeg) is 415 unsupported_media_type and
// nothing is stored. Before, any bytes were kept and served to reading
// apps under the declared type.
func TestLibraryUploadsAreWhatTheySay(t *testing.T) {
	w := newLibWorld(t)
	put := func(what, path, ct string, body []byte, status int) {
		t.Helper()
		expect(t, what, w.Do("PUT", path, w.librarian, body, "Content-Type", ct), status, map[int]string{200: "", 415: "unsupported_media_type"}[status])
	}
	expect(t, "pdf edition", w.Do("PUT", "/v1/library/editions/abai-words-ru-pdf", w.librarian, map[string]any{"work_id": "abai-words",
		"language": "ru", "format": "pdf", "publisher": "Фолиант", "issued": "2016", "access": "open"}), 200, "")
	files := func() int { return countRows(t, w.Env, `SELECT count(*) FROM library_files`) }
	before := files()
	mp3 := library.GenerateMP3(2)
	put("an MP3 as an EPUB", "/v1/library/editions/abai-words-kk/file", "application/epub+zip", mp3, 415)
	put("a zip that is no EPUB", "/v1/library/editions/abai-words-kk/file", "application/epub+zip", []byte("PK\x03\x04 not an OCF container"), 415)
	put("text as a PDF", "/v1/library/editions/abai-words-ru-pdf/file", "application/pdf", []byte("hello, this is not a PDF"), 415)
	put("noise as MP3", "/v1/library/editions/zhumabayev-kk-audio/tracks/3?title=x&duration=2", "audio/mpeg", []byte("hello, this is not audio"), 415)
	put("an MP3 as Ogg", "/v1/library/editions/zhumabayev-kk-audio/tracks/3?title=x&duration=2", "audio/ogg", mp3, 415)
	put("an EPUB as MP4 audio", "/v1/library/editions/zhumabayev-kk-audio/tracks/3?title=x&duration=2", "audio/mp4",
		library.GenerateEPUB("x", "x", "x", "kk", []string{"x"}), 415)
	if n := files(); n != before {
		t.Fatalf("refused uploads stored %d files", n-before)
	}
	put("an EPUB", "/v1/library/editions/abai-words-kk/file", "application/epub+zip", library.GenerateEPUB("x", "Қара сөздер", "Абай", "kk", []string{"Бірінші сөз."}), 200)
	put("a PDF", "/v1/library/editions/abai-words-ru-pdf/file", "application/pdf", []byte("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"), 200)
	put("an MP3", "/v1/library/editions/zhumabayev-kk-audio/tracks/3?title=x&duration=2", "audio/mpeg", mp3, 200)
	put("an MP3 with an ID3 tag", "/v1/library/editions/zhumabayev-kk-audio/tracks/4?title=x&duration=2", "audio/mpeg",
		append([]byte("ID3\x04\x00\x00\x00\x00\x00\x00"), mp3...), 200)
	put("Ogg", "/v1/library/editions/zhumabayev-kk-audio/tracks/5?title=x&duration=2", "audio/ogg", append([]byte("OggS\x00\x02"), mp3...), 200)
	put("MP4 audio", "/v1/library/editions/zhumabayev-kk-audio/tracks/6?title=x&duration=2", "audio/mp4", append([]byte("\x00\x00\x00\x20ftypM4A "), mp3...), 200)
}

// TestArchivePersonSourcesExist: a person's sources are unit ids; one that
// names no unit is 422 unknown_reference on sources[i] and nothing is
// stored or queued for Batyrlarga tagzym. Before, the id was kept and
// silently left out of what the platform received.
func TestArchivePersonSourcesExist(t *testing.T) {
	e := newArchiveEnv(t)
	e.putUnit(t, "u1", unitBody("Марапат парағы", "open", "R-1"))
	e.putUnit(t, "u2", unitBody("Жабық іс", "restricted", "R-1"))
	p := func(sources ...string) map[string]any {
		return map[string]any{"names": []map[string]string{{"lang": "kk", "family": "Момышұлы", "given": "Бауыржан"}},
			"fate": "returned", "sources": sources}
	}
	before := e.ledgerSize(t)
	r := e.Do("PUT", "/v1/archive/persons/p1", e.arch, p("u1", "R-1487-1-1x"))
	expect(t, "unknown source", r, 422, "unknown_reference")
	if _, ds := errorOf(t, r); len(ds) != 1 || ds[0].Field != "sources[1]" {
		t.Fatalf("details %+v, want one on sources[1]", ds)
	}
	if n := e.ledgerSize(t); n != before {
		t.Fatalf("refused person appended %d entries", n-before)
	}
	if n := countRows(t, e.Env, `SELECT (SELECT count(*) FROM archive_persons) + (SELECT count(*) FROM archive_sync_outbox)`); n != 0 {
		t.Fatalf("refused person stored %d rows", n)
	}
	expect(t, "open and restricted sources", e.Do("PUT", "/v1/archive/persons/p1", e.arch, p("u1", "u2")), 200, "")
}

// TestFundNGOCannotApplyAsACompany: a BIN in the NGO database is an NGO;
// an applicant key issued for it (role applicant, meant for companies and
// individual entrepreneurs) does not make it a company that skips the NGO
// database's eligibility. Before, ngoB (no accepted report: ineligible as
// an NGO) applied through such a key as a "company" and was stored.
func TestFundNGOCannotApplyAsACompany(t *testing.T) {
	w := newFundWorld(t)
	expect(t, "ngoB with its ngo key", w.Do("POST", "/v1/fund/calls/c1/applications", w.ngoLate, application("100000.00")), 422, "not_eligible")
	asCompany := scopedKey(t, w.Env, apikey.RoleApplicant, ngoB)
	r := w.Do("POST", "/v1/fund/calls/c1/applications", asCompany, application("100000.00"))
	expect(t, "ngoB with an applicant key", r, 422, "not_eligible")
	if _, ds := errorOf(t, r); len(ds) != 1 || ds[0].Field != "bin" || ds[0].Code != "registered_ngo" {
		t.Fatalf("details %+v, want one registered_ngo on bin", ds)
	}
	// Even an eligible NGO applies as one, with its ngo key.
	expect(t, "ngoA with an applicant key", w.Do("POST", "/v1/fund/calls/c1/applications",
		scopedKey(t, w.Env, apikey.RoleApplicant, ngoA), application("100000.00")), 422, "not_eligible")
	if n := countRows(t, w.Env, `SELECT count(*) FROM fund_applications`); n != 0 {
		t.Fatalf("refused applications stored %d rows", n)
	}
	expect(t, "ngoA with its ngo key", w.Do("POST", "/v1/fund/calls/c1/applications", w.ngoKey, application("100000.00")), 201, "")
	expect(t, "a company", w.Do("POST", "/v1/fund/calls/c1/applications", w.company, application("100000.00")), 201, "")
}
