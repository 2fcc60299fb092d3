package library

import (
	"bytes"
	"encoding/json"
	"strings"
)

// OPDS 2.0 media types and the base of its catalogue.
const (
	OPDS2Feed        = "application/opds+json"
	OPDS2Publication = "application/opds-publication+json"
	base2            = "/opds/v2"
)

// JSON shapes of OPDS 2.0 (and the Readium Web Publication Manifest its
// publications are).
type (
	jsonLink struct {
		Rel        any            `json:"rel,omitempty"`
		Href       string         `json:"href"`
		Type       string         `json:"type,omitempty"`
		Title      string         `json:"title,omitempty"`
		Templated  bool           `json:"templated,omitempty"`
		Properties map[string]any `json:"properties,omitempty"`
		Duration   float64        `json:"duration,omitempty"`
		Bitrate    float64        `json:"bitrate,omitempty"`
		Width      int            `json:"width,omitempty"`
		Height     int            `json:"height,omitempty"`
	}
	jsonFeedMeta struct {
		Title         any    `json:"title"`
		Modified      string `json:"modified,omitempty"`
		NumberOfItems *int   `json:"numberOfItems,omitempty"`
		ItemsPerPage  int    `json:"itemsPerPage,omitempty"`
		CurrentPage   int    `json:"currentPage,omitempty"`
	}
	jsonGroup struct {
		Metadata     jsonFeedMeta `json:"metadata"`
		Links        []jsonLink   `json:"links,omitempty"`
		Publications []jsonPub    `json:"publications,omitempty"`
		Navigation   []jsonLink   `json:"navigation,omitempty"`
	}
	jsonFeed struct {
		Metadata     jsonFeedMeta `json:"metadata"`
		Links        []jsonLink   `json:"links"`
		Navigation   []jsonLink   `json:"navigation,omitempty"`
		Facets       []jsonGroup  `json:"facets,omitempty"`
		Publications []jsonPub    `json:"publications,omitempty"`
		Groups       []jsonGroup  `json:"groups,omitempty"`
	}
	jsonContributor struct {
		Name any    `json:"name"`
		Role string `json:"role,omitempty"`
	}
	jsonSubject struct {
		Name   string `json:"name"`
		Scheme string `json:"scheme,omitempty"`
	}
	jsonPubMeta struct {
		Type        string            `json:"@type"`
		ConformsTo  string            `json:"conformsTo,omitempty"`
		Identifier  string            `json:"identifier"`
		Title       LangMap           `json:"title"`
		Author      []jsonContributor `json:"author,omitempty"`
		Translator  []jsonContributor `json:"translator,omitempty"`
		Narrator    []jsonContributor `json:"narrator,omitempty"`
		Editor      []jsonContributor `json:"editor,omitempty"`
		Illustrator []jsonContributor `json:"illustrator,omitempty"`
		Contributor []jsonContributor `json:"contributor,omitempty"`
		Language    string            `json:"language"`
		Publisher   string            `json:"publisher,omitempty"`
		Published   string            `json:"published,omitempty"`
		Modified    string            `json:"modified"`
		Subject     []jsonSubject     `json:"subject,omitempty"`
		Description string            `json:"description,omitempty"`
		Duration    float64           `json:"duration,omitempty"`
	}
	jsonPub struct {
		Metadata     jsonPubMeta `json:"metadata"`
		Links        []jsonLink  `json:"links"`
		Images       []jsonLink  `json:"images,omitempty"`
		ReadingOrder []jsonLink  `json:"readingOrder,omitempty"`
		Resources    []jsonLink  `json:"resources,omitempty"`
	}
)

// resolve2 turns a model href into an OPDS 2.0 href.
func resolve2(href string) string {
	switch {
	case strings.HasPrefix(href, "/"):
		return href
	case href == "":
		return base2
	case strings.HasPrefix(href, "?"):
		return base2 + href
	}
	return base2 + "/" + href
}

func link2(l Link) jsonLink {
	typ := l.Type
	if typ == "" {
		typ = OPDS2Feed
		if l.Entry {
			typ = OPDS2Publication
		}
	}
	j := jsonLink{Href: resolve2(l.Href), Type: typ, Title: l.Title}
	if l.Rel != "" {
		j.Rel = l.Rel
	}
	if l.Indirect != "" {
		j.Properties = map[string]any{"indirectAcquisition": []map[string]string{{"type": l.Indirect}}}
	}
	if l.Rel == relFacet {
		j.Rel = nil
		if l.Active {
			j.Rel = "self"
		}
		if l.Count >= 0 {
			j.Properties = map[string]any{"numberOfItems": l.Count}
		}
	}
	return j
}

func marshal(v any) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
	return b.Bytes()
}

// OPDS2 renders a feed as an OPDS 2.0 document.
func OPDS2(f *Feed) []byte {
	j := jsonFeed{Metadata: jsonFeedMeta{Title: f.Title, Modified: atomTime(f.Updated)}}
	j.Links = append(j.Links, link2(Link{Rel: "self", Href: f.Self}))
	for _, l := range f.Links {
		j.Links = append(j.Links, link2(l))
	}
	// A level-1 URI template (RFC 6570) with the variable OPDS 2.0's
	// examples use, query. ({?query} would be the same URL, but URI-format
	// checkers that parse the template as a URI first refuse it.)
	j.Links = append(j.Links, jsonLink{Rel: "search", Href: base2 + "/search?q={query}", Type: OPDS2Feed, Templated: true})
	if !f.Navigation {
		n := f.Total
		j.Metadata.NumberOfItems, j.Metadata.ItemsPerPage, j.Metadata.CurrentPage = &n, f.PerPage, max(f.Page, 1)
	}
	for _, n := range f.Nav {
		j.Navigation = append(j.Navigation, jsonLink{Rel: n.Rel, Href: resolve2(n.Href), Type: OPDS2Feed, Title: n.Title})
	}
	if len(f.Facets) > 0 {
		g := jsonGroup{Metadata: jsonFeedMeta{Title: f.Facets[0].FacetGroup}}
		for _, l := range f.Facets {
			g.Links = append(g.Links, link2(l))
		}
		j.Facets = []jsonGroup{g}
	}
	for _, it := range f.Items {
		var acq *Acquired
		if a, ok := f.Acquired[it.Edition.ID]; ok {
			acq = &a
		}
		j.Publications = append(j.Publications, publication(it, f.Lang, acq))
	}
	for _, g := range f.Groups {
		jg := jsonGroup{Metadata: jsonFeedMeta{Title: g.Title}, Links: []jsonLink{link2(g.Self)}}
		for _, it := range g.Items {
			jg.Publications = append(jg.Publications, publication(it, f.Lang, nil))
		}
		j.Groups = append(j.Groups, jg)
	}
	if len(j.Navigation) == 0 && len(j.Publications) == 0 && len(j.Groups) == 0 {
		// The schema wants publications, navigation or groups; an empty
		// result leads back to the catalogue.
		j.Navigation = []jsonLink{{Rel: "start", Href: base2, Type: OPDS2Feed, Title: T("back", f.Lang)}}
	}
	return marshal(j)
}

// OPDS2Publication renders one item as an OPDS 2.0 publication document.
func OPDS2Pub(it Item, lang string, acq *Acquired) []byte {
	return marshal(publication(it, lang, acq))
}

func contributors(names []string) []jsonContributor {
	var out []jsonContributor
	for _, n := range names {
		out = append(out, jsonContributor{Name: n})
	}
	return out
}

func pubMeta(it Item, lang string) jsonPubMeta {
	ed := it.Edition
	m := jsonPubMeta{Type: "http://schema.org/Book", Identifier: editionURN(ed.ID), Title: it.Work.Title,
		Language: ed.Language, Publisher: ed.Publisher, Published: fullDate(ed.Issued), Modified: atomTime(it.Updated),
		Description: summary(it, lang), Translator: contributors(ed.Translators), Narrator: contributors(ed.Narrators)}
	if ed.ISBN != "" {
		m.Identifier = "urn:isbn:" + ed.ISBN
	}
	if ed.Format == FormatAudiobook {
		m.Type = "http://schema.org/Audiobook"
		m.Duration = it.Duration()
	}
	for _, a := range it.Work.Authors {
		c := jsonContributor{Name: map[string]string(a.Name)}
		switch a.Role {
		case "author":
			m.Author = append(m.Author, c)
		case "translator":
			m.Translator = append(m.Translator, c)
		case "narrator":
			m.Narrator = append(m.Narrator, c)
		case "editor":
			m.Editor = append(m.Editor, c)
		case "illustrator":
			m.Illustrator = append(m.Illustrator, c)
		default:
			c.Role = a.Role
			m.Contributor = append(m.Contributor, c)
		}
	}
	for _, s := range it.Work.Subjects {
		m.Subject = append(m.Subject, jsonSubject{Name: s, Scheme: "urn:ecinema:library:subjects"})
	}
	return m
}

func publication(it Item, lang string, acq *Acquired) jsonPub {
	ed := it.Edition
	p := jsonPub{Metadata: pubMeta(it, lang)}
	p.Links = append(p.Links, jsonLink{Rel: "self", Href: base2 + "/books/" + ed.ID, Type: OPDS2Publication})
	for _, l := range AcquisitionLinks(it, acq) {
		j := link2(l)
		if ed.Access == accessLoan && acq == nil {
			j.Properties = map[string]any{
				"indirectAcquisition": []map[string]string{{"type": l.Indirect}},
				"copies":              map[string]int{"total": ed.Copies, "available": it.Available},
				"holds":               map[string]int{"total": it.Holds},
				"availability":        map[string]string{"state": availability(it)},
			}
		}
		p.Links = append(p.Links, j)
	}
	for _, l := range imageLinks(it) {
		j := link2(l)
		if l.Rel == relThumbnail {
			j.Width = thumbnailWidth
		}
		p.Images = append(p.Images, j)
	}
	return p
}

func availability(it Item) string {
	if it.Available > 0 {
		return "available"
	}
	return "unavailable"
}

// fullDate writes an issued year or month as the date Readium's published
// requires (a date or date-time): its first day.
func fullDate(issued string) string {
	switch len(issued) {
	case 4:
		return issued + "-01-01"
	case 7:
		return issued + "-01"
	}
	return issued
}
