package library

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// OPDS 1.2 media types.
const (
	AtomNavigation  = "application/atom+xml;profile=opds-catalog;kind=navigation"
	AtomAcquisition = "application/atom+xml;profile=opds-catalog;kind=acquisition"
	AtomEntry       = "application/atom+xml;type=entry;profile=opds-catalog"
	OpenSearchType  = "application/opensearchdescription+xml"
)

// base1 is where the OPDS 1.2 catalogue is served.
const base1 = "/opds"

const atomNS = `xmlns="http://www.w3.org/2005/Atom" xmlns:opds="http://opds-spec.org/2010/catalog" ` +
	`xmlns:dc="http://purl.org/dc/terms/" xmlns:thr="http://purl.org/syndication/thread/1.0" ` +
	`xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/"`

// xw writes XML by hand: element order matters to readers and the Atom
// namespaces are declared once on the root.
type xw struct{ b bytes.Buffer }

func (w *xw) esc(s string) { xml.EscapeText(&w.b, []byte(s)) }

func (w *xw) open(name string, attrs ...string) {
	w.b.WriteString("<" + name)
	for i := 0; i+1 < len(attrs); i += 2 {
		if attrs[i+1] == "" {
			continue
		}
		w.b.WriteString(" " + attrs[i] + `="`)
		w.esc(attrs[i+1])
		w.b.WriteString(`"`)
	}
}

func (w *xw) empty(name string, attrs ...string) { w.open(name, attrs...); w.b.WriteString("/>") }

func (w *xw) elem(name, text string, attrs ...string) {
	w.open(name, attrs...)
	w.b.WriteString(">")
	w.esc(text)
	w.b.WriteString("</" + name + ">")
}

func atomTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }

// resolve1 turns a model href into an OPDS 1.2 href.
func resolve1(href string) string {
	switch {
	case strings.HasPrefix(href, "/"):
		return href
	case href == "":
		return base1
	case strings.HasPrefix(href, "?"):
		return base1 + href
	}
	return base1 + "/" + href
}

func (w *xw) link(l Link, feedType string) {
	typ := l.Type
	if typ == "" {
		switch {
		case l.Entry:
			typ = AtomEntry
		case l.Navigation:
			typ = AtomNavigation
		default:
			typ = feedType
		}
	}
	attrs := []string{"rel", l.Rel, "href", resolve1(l.Href), "type", typ, "title", l.Title}
	if l.Rel == relFacet {
		attrs = append(attrs, "opds:facetGroup", l.FacetGroup)
		if l.Active {
			attrs = append(attrs, "opds:activeFacet", "true")
		}
		if l.Count >= 0 {
			attrs = append(attrs, "thr:count", strconv.Itoa(l.Count))
		}
	}
	if l.Indirect == "" {
		w.empty("link", attrs...)
		return
	}
	w.open("link", attrs...)
	w.b.WriteString(">")
	w.empty("opds:indirectAcquisition", "type", l.Indirect)
	w.b.WriteString("</link>")
}

// Atom renders a feed as an OPDS 1.2 Atom document.
func Atom(f *Feed) []byte {
	var w xw
	w.b.WriteString(xml.Header)
	w.b.WriteString("<feed " + atomNS + ` xml:lang="` + f.Lang + `">`)
	kind := AtomAcquisition
	if f.Navigation {
		kind = AtomNavigation
	}
	w.elem("id", f.ID)
	w.elem("title", f.Title)
	w.elem("updated", atomTime(f.Updated))
	w.b.WriteString("<author>")
	w.elem("name", T("catalogue", f.Lang))
	w.b.WriteString("</author>")
	w.link(Link{Rel: "self", Href: f.Self, Navigation: f.Navigation}, kind)
	for _, l := range f.Links {
		w.link(l, kind)
	}
	w.link(Link{Rel: "search", Href: "opensearch.xml", Type: OpenSearchType}, kind)
	for _, l := range f.Facets {
		w.link(l, AtomAcquisition)
	}
	if !f.Navigation {
		w.elem("opensearch:totalResults", strconv.Itoa(f.Total))
		w.elem("opensearch:itemsPerPage", strconv.Itoa(f.PerPage))
		w.elem("opensearch:startIndex", strconv.Itoa((max(f.Page, 1)-1)*f.PerPage+1))
	}
	for _, n := range f.Nav {
		w.b.WriteString("<entry>")
		w.elem("title", n.Title)
		w.elem("id", n.ID)
		w.elem("updated", atomTime(f.Updated))
		typ := AtomAcquisition
		if n.Navigation {
			typ = AtomNavigation
		}
		w.link(Link{Rel: n.Rel, Href: n.Href, Type: typ}, typ)
		w.elem("content", n.Summary, "type", "text")
		w.b.WriteString("</entry>")
	}
	for _, it := range f.Items {
		var acq *Acquired
		if a, ok := f.Acquired[it.Edition.ID]; ok {
			acq = &a
		}
		w.entry(it, f.Lang, acq, false)
	}
	w.b.WriteString("</feed>\n")
	return w.b.Bytes()
}

// AtomEntryDoc renders one item as a complete OPDS 1.2 entry document.
func AtomEntryDoc(it Item, lang string, acq *Acquired) []byte {
	var w xw
	w.b.WriteString(xml.Header)
	w.entry(it, lang, acq, true)
	w.b.WriteString("\n")
	return w.b.Bytes()
}

func (w *xw) entry(it Item, lang string, acq *Acquired, complete bool) {
	ed := it.Edition
	if complete {
		w.b.WriteString("<entry " + atomNS + ">")
	} else {
		w.b.WriteString("<entry>")
	}
	title, tag := it.Work.Title.In(lang)
	w.elem("title", title, "xml:lang", tag)
	w.elem("id", editionURN(ed.ID))
	w.elem("updated", atomTime(it.Updated))
	w.elem("published", atomTime(it.Created))
	for _, a := range it.Work.Authors {
		name, _ := a.Name.In(lang)
		el := "author"
		if a.Role != "author" {
			el = "contributor"
		}
		w.b.WriteString("<" + el + ">")
		w.elem("name", name)
		w.b.WriteString("</" + el + ">")
	}
	for _, t := range ed.Translators {
		w.b.WriteString("<contributor>")
		w.elem("name", t)
		w.b.WriteString("</contributor>")
	}
	for _, n := range ed.Narrators {
		w.b.WriteString("<contributor>")
		w.elem("name", n)
		w.b.WriteString("</contributor>")
	}
	w.elem("dc:language", ed.Language)
	w.elem("dc:issued", ed.Issued)
	w.elem("dc:publisher", ed.Publisher)
	if ed.ISBN != "" {
		w.elem("dc:identifier", "urn:isbn:"+ed.ISBN)
	}
	for _, s := range it.Work.Subjects {
		w.empty("category", "scheme", "urn:ecinema:library:subjects", "term", s, "label", s)
	}
	w.elem("summary", summary(it, lang), "type", "text")
	if complete {
		w.elem("content", description(it, lang), "type", "text")
	}
	for _, l := range imageLinks(it) {
		w.link(l, "")
	}
	rel := "alternate"
	if complete {
		rel = "self"
	}
	w.link(Link{Rel: rel, Href: "books/" + ed.ID, Entry: true}, AtomEntry)
	for _, l := range AcquisitionLinks(it, acq) {
		w.link(l, AtomEntry)
	}
	w.b.WriteString("</entry>")
}

// summary is the one-line description of an item in a feed.
func summary(it Item, lang string) string {
	ed := it.Edition
	parts := []string{LanguageName(ed.Language, lang), strings.ToUpper(ed.Format), ed.Publisher + ", " + ed.Issued}
	if ed.Format == FormatAudiobook {
		if d := it.Duration(); d > 0 {
			parts = append(parts, fmt.Sprintf("%d:%02d", int(d)/60, int(d)%60))
		}
	}
	return strings.Join(parts, " · ")
}

// description is the longer text of a complete entry.
func description(it Item, lang string) string {
	s := summary(it, lang)
	if len(it.Edition.Translators) > 0 {
		s += ". " + strings.Join(it.Edition.Translators, ", ")
	}
	if len(it.Edition.Narrators) > 0 {
		s += ". " + strings.Join(it.Edition.Narrators, ", ")
	}
	if it.Edition.Access == accessLoan {
		s += fmt.Sprintf(". %d/%d", it.Available, it.Edition.Copies)
	}
	return s
}

// OpenSearch renders the OpenSearch 1.1 description of the catalogue's
// search; origin is the scheme and host the template is absolute under.
func OpenSearch(origin, lang string) []byte {
	var w xw
	w.b.WriteString(xml.Header)
	w.b.WriteString(`<OpenSearchDescription xmlns="http://a9.com/-/spec/opensearch/1.1/">`)
	w.elem("ShortName", "e-Library")
	w.elem("Description", T("catalogue", lang))
	w.elem("InputEncoding", "UTF-8")
	w.elem("OutputEncoding", "UTF-8")
	w.empty("Url", "type", AtomAcquisition, "template", origin+base1+"/search?q={searchTerms}")
	w.b.WriteString("</OpenSearchDescription>\n")
	return w.b.Bytes()
}
