package library

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"time"
)

// The catalogue model: one Feed value that the OPDS 1.2 (Atom) and OPDS
// 2.0 (JSON) renderers both serialise, so the two catalogues cannot say
// different things. Hrefs in a Feed are either absolute paths ("/library/…",
// files and manifests) or tails relative to the OPDS root ("", "new?page=2",
// "books/x"), which each renderer resolves under its own base (/opds or
// /opds/v2).

// Link relations used by the catalogue.
const (
	RelOpenAccess  = "http://opds-spec.org/acquisition/open-access"
	relBorrow      = "http://opds-spec.org/acquisition/borrow"
	RelAcquisition = "http://opds-spec.org/acquisition"
	relImage       = "http://opds-spec.org/image"
	relThumbnail   = "http://opds-spec.org/image/thumbnail"
	relFacet       = "http://opds-spec.org/facet"
	relShelf       = "http://opds-spec.org/shelf"
	relSortNew     = "http://opds-spec.org/sort/new"
	relSortPopular = "http://opds-spec.org/sort/popular"
	relAuthDoc     = "http://opds-spec.org/auth/document"
	MediaAudiobook = "application/audiobook+json"
	MediaAuthDoc   = "application/vnd.opds.authentication.v1.0+json"
)

// Link is a link of the catalogue model. Type "" on a catalogue link means
// "the renderer's own feed or entry type".
type Link struct {
	Rel, Href, Type, Title string
	FacetGroup             string
	Active                 bool
	Count                  int    // facet count, -1 when unknown
	Indirect               string // indirect acquisition media type (borrow)
	Entry                  bool   // the target is a single entry/publication
	Navigation             bool   // the target is a navigation feed
}

// NavEntry is an entry of a navigation feed.
type NavEntry struct {
	ID, Title, Summary, Href, Rel string
	Navigation                    bool // leads to another navigation feed
	Count                         int
}

// Group is a titled selection of publications (OPDS 2.0 groups).
type Group struct {
	Title string
	Self  Link
	Items []Item
}

// Feed is one catalogue document, before serialisation.
type Feed struct {
	Navigation bool // a navigation feed, else acquisition
	ID         string
	Title      string
	Updated    time.Time
	Self       string // tail
	Lang       string // display language
	Links      []Link // start, up, search, shelf, auth, paging
	Facets     []Link
	Nav        []NavEntry
	Items      []Item
	Groups     []Group
	Total      int
	Page       int
	PerPage    int
	// Acquired maps an edition id to the signed links of the reader's
	// current loan (shelf and borrow answers).
	Acquired map[string]Acquired
}

// Acquired are the signed links of a current loan.
type Acquired struct {
	Loan Loan
	Href string // the book file, or the audiobook manifest
}

// ui is the catalogue's own text in its display languages.
var ui = map[string]LangMap{
	"catalogue":     {"kk": "Ұлттық электрондық кітапхана", "kk-Latn": "Ulttyq elektrondyq kitaphana", "ru": "Национальная электронная библиотека", "en": "National e-Library"},
	"new":           {"kk": "Жаңа түскендер", "kk-Latn": "Jaña tüskender", "ru": "Новые поступления", "en": "New arrivals"},
	"new_sum":       {"kk": "Соңғы қосылған басылымдар", "kk-Latn": "Soñğy qosylğan basylymdar", "ru": "Недавно добавленные издания", "en": "Editions added most recently"},
	"popular":       {"kk": "Танымал", "kk-Latn": "Tanymal", "ru": "Популярное", "en": "Popular"},
	"popular_sum":   {"kk": "Соңғы 30 күнде жиі алынғандар", "kk-Latn": "Soñğy 30 künde jiı alynğandar", "ru": "Чаще всего брали за 30 дней", "en": "Most borrowed in the last 30 days"},
	"languages":     {"kk": "Тілдер бойынша", "kk-Latn": "Tılder boiynşa", "ru": "По языкам", "en": "By language"},
	"languages_sum": {"kk": "Басылым тілі бойынша", "kk-Latn": "Basylym tılı boiynşa", "ru": "По языку издания", "en": "By the language of the edition"},
	"subjects":      {"kk": "Тақырыптар бойынша", "kk-Latn": "Taqyryptar boiynşa", "ru": "По темам", "en": "By subject"},
	"subjects_sum":  {"kk": "Шығармалардың тақырыптары", "kk-Latn": "Şyğarmalardyñ taqyryptary", "ru": "Темы произведений", "en": "Subjects of the works"},
	"audiobooks":    {"kk": "Аудиокітаптар", "kk-Latn": "Audiokıtaptar", "ru": "Аудиокниги", "en": "Audiobooks"},
	"audio_sum":     {"kk": "Тыңдауға арналған кітаптар", "kk-Latn": "Tyñdauğa arnalğan kıtaptar", "ru": "Книги для прослушивания", "en": "Books to listen to"},
	"search":        {"kk": "Іздеу нәтижелері", "kk-Latn": "Izdeu nätijelerı", "ru": "Результаты поиска", "en": "Search results"},
	"shelf":         {"kk": "Менің сөрем", "kk-Latn": "Menıñ sörem", "ru": "Моя полка", "en": "My shelf"},
	"all":           {"kk": "Барлығы", "kk-Latn": "Barlyğy", "ru": "Все", "en": "All"},
	"language":      {"kk": "Тіл", "kk-Latn": "Tıl", "ru": "Язык", "en": "Language"},
	"first":         {"kk": "Бірінші бет", "ru": "Первая страница", "en": "First page"},
	"back":          {"kk": "Каталогқа оралу", "kk-Latn": "Katalogqa oralu", "ru": "Вернуться в каталог", "en": "Back to the catalogue"},
	"empty":         {"kk": "Ештеңе табылмады", "kk-Latn": "Eşteñe tabylmady", "ru": "Ничего не найдено", "en": "Nothing found"},
}

// languageNames names edition languages in the display language.
var languageNames = map[string]LangMap{
	"kk":      {"kk": "Қазақша", "kk-Latn": "Qazaqşa", "ru": "Казахский", "en": "Kazakh"},
	"kk-Latn": {"kk": "Қазақша (латын)", "kk-Latn": "Qazaqşa (latyn)", "ru": "Казахский (латиница)", "en": "Kazakh (Latin script)"},
	"ru":      {"kk": "Орысша", "kk-Latn": "Orysşa", "ru": "Русский", "en": "Russian"},
	"en":      {"kk": "Ағылшынша", "kk-Latn": "Ağylşynşa", "ru": "Английский", "en": "English"},
}

// T returns the catalogue text key in lang.
func T(key, lang string) string { t, _ := ui[key].In(lang); return t }

// LanguageName names an edition language in lang.
func LanguageName(tag, lang string) string {
	if m, ok := languageNames[tag]; ok {
		t, _ := m.In(lang)
		return t
	}
	return tag
}

// feedID is the Atom id / OPDS identifier of a catalogue document.
func feedID(tail string) string { return "urn:ecinema:library:opds:" + url.PathEscape(tail) }

// editionURN is the stable identifier of an edition in feeds.
func editionURN(id string) string { return "urn:ecinema:library:edition:" + id }

// FeedParams are what the client asked for: display language (kept in
// every link when it came from ?lang=) and paging.
type FeedParams struct {
	Lang     string // negotiated display language
	LangArg  string // the lang query parameter as given, "" when none
	Page     int
	Language string // Language facet
}

// tail builds a catalogue tail keeping the lang parameter.
func (p FeedParams) tail(path string, q url.Values) string {
	if q == nil {
		q = url.Values{}
	}
	if p.LangArg != "" {
		q.Set("lang", p.LangArg)
	}
	if len(q) == 0 {
		return path
	}
	return path + "?" + q.Encode()
}

// RootFeed is the root navigation feed.
func (s *Service) RootFeed(ctx context.Context, p FeedParams) (*Feed, error) {
	upd, err := s.LastUpdate(ctx)
	if err != nil {
		return nil, err
	}
	l := p.Lang
	f := &Feed{Navigation: true, ID: feedID("root"), Title: T("catalogue", l), Updated: upd, Self: p.tail("", nil), Lang: l}
	f.Links = s.commonLinks(p)
	f.Nav = []NavEntry{
		{ID: feedID("new"), Title: T("new", l), Summary: T("new_sum", l), Href: p.tail("new", nil), Rel: relSortNew},
		{ID: feedID("popular"), Title: T("popular", l), Summary: T("popular_sum", l), Href: p.tail("popular", nil), Rel: relSortPopular},
		{ID: feedID("languages"), Title: T("languages", l), Summary: T("languages_sum", l), Href: p.tail("languages", nil), Rel: "subsection", Navigation: true},
		{ID: feedID("subjects"), Title: T("subjects", l), Summary: T("subjects_sum", l), Href: p.tail("subjects", nil), Rel: "subsection", Navigation: true},
		{ID: feedID("audiobooks"), Title: T("audiobooks", l), Summary: T("audio_sum", l), Href: p.tail("audiobooks", nil), Rel: "subsection"},
	}
	// OPDS 2.0 groups on the root: the newest books and the audiobooks.
	for _, g := range []struct {
		key string
		q   Query
	}{{"new", Query{PerPage: 5}}, {"audiobooks", Query{Format: FormatAudiobook, PerPage: 5}}} {
		items, _, err := s.Items(ctx, g.q)
		if err != nil {
			return nil, err
		}
		if len(items) > 0 {
			f.Groups = append(f.Groups, Group{Title: T(g.key, l), Self: Link{Rel: "self", Href: p.tail(g.key, nil)}, Items: items})
		}
	}
	return f, nil
}

func (s *Service) commonLinks(p FeedParams) []Link {
	return []Link{
		{Rel: "start", Href: p.tail("", nil), Title: T("catalogue", p.Lang), Navigation: true},
		{Rel: relShelf, Href: p.tail("shelf", nil), Title: T("shelf", p.Lang)},
		{Rel: relAuthDoc, Href: "auth", Type: MediaAuthDoc},
	}
}

// LanguagesFeed is the navigation feed of edition languages.
func (s *Service) LanguagesFeed(ctx context.Context, p FeedParams) (*Feed, error) {
	cs, err := s.Languages(ctx)
	if err != nil {
		return nil, err
	}
	return s.countsFeed(ctx, p, "languages", cs, func(c Count) (string, string) {
		return LanguageName(c.Value, p.Lang), p.tail("new", url.Values{"language": {c.Value}})
	})
}

// SubjectsFeed is the navigation feed of subjects.
func (s *Service) SubjectsFeed(ctx context.Context, p FeedParams) (*Feed, error) {
	cs, err := s.subjects(ctx)
	if err != nil {
		return nil, err
	}
	return s.countsFeed(ctx, p, "subjects", cs, func(c Count) (string, string) {
		return c.Value, p.tail("subjects/"+url.PathEscape(c.Value), nil)
	})
}

func (s *Service) countsFeed(ctx context.Context, p FeedParams, key string, cs []Count, entry func(Count) (string, string)) (*Feed, error) {
	upd, err := s.LastUpdate(ctx)
	if err != nil {
		return nil, err
	}
	f := &Feed{Navigation: true, ID: feedID(key), Title: T(key, p.Lang), Updated: upd, Self: p.tail(key, nil), Lang: p.Lang}
	f.Links = append(s.commonLinks(p), Link{Rel: "up", Href: p.tail("", nil), Navigation: true})
	for _, c := range cs {
		title, href := entry(c)
		f.Nav = append(f.Nav, NavEntry{ID: feedID(key + "/" + c.Value), Title: title,
			Summary: strconv.Itoa(c.Count), Href: href, Rel: "subsection", Count: c.Count})
	}
	if len(f.Nav) == 0 {
		f.Nav = []NavEntry{{ID: feedID("root"), Title: T("back", p.Lang), Href: p.tail("", nil), Rel: "start", Navigation: true}}
	}
	return f, nil
}

// AcquisitionFeed is a page of editions: path is the feed's tail without
// query ("new", "popular", "audiobooks", "subjects/x", "search"), key the
// ui text of its title, extra the feed's own query (q for search).
func (s *Service) AcquisitionFeed(ctx context.Context, p FeedParams, path, title string, q Query, extra url.Values) (*Feed, error) {
	q.Language, q.Page, q.PerPage = p.Language, max(p.Page, 1), perPage
	items, total, err := s.Items(ctx, q)
	if err != nil {
		return nil, err
	}
	last := max(1, (total+perPage-1)/perPage)
	if q.Page > last && total > 0 {
		return nil, badQuery("page", fmt.Sprintf("must be 1..%d", last))
	}
	upd, err := s.LastUpdate(ctx)
	if err != nil {
		return nil, err
	}
	page := func(n int, lang string) string {
		v := url.Values{}
		for k, vs := range extra {
			v[k] = vs
		}
		if lang != "" {
			v.Set("language", lang)
		}
		if n > 1 {
			v.Set("page", strconv.Itoa(n))
		}
		return p.tail(path, v)
	}
	f := &Feed{ID: feedID(page(q.Page, q.Language)), Title: title, Updated: upd, Self: page(q.Page, q.Language), Lang: p.Lang,
		Items: items, Total: total, Page: q.Page, PerPage: perPage}
	f.Links = append(s.commonLinks(p), Link{Rel: "up", Href: p.tail("", nil), Navigation: true},
		Link{Rel: "first", Href: page(1, q.Language)}, Link{Rel: "last", Href: page(last, q.Language)})
	if q.Page > 1 {
		f.Links = append(f.Links, Link{Rel: "previous", Href: page(q.Page-1, q.Language)})
	}
	if q.Page < last {
		f.Links = append(f.Links, Link{Rel: "next", Href: page(q.Page+1, q.Language)})
	}
	langs, err := s.languageCounts(ctx, q)
	if err != nil {
		return nil, err
	}
	group := T("language", p.Lang)
	f.Facets = append(f.Facets, Link{Rel: relFacet, Href: page(1, ""), Title: T("all", p.Lang), FacetGroup: group,
		Active: q.Language == "", Count: -1})
	for _, c := range langs {
		f.Facets = append(f.Facets, Link{Rel: relFacet, Href: page(1, c.Value), Title: LanguageName(c.Value, p.Lang),
			FacetGroup: group, Active: q.Language == c.Value, Count: c.Count})
	}
	return f, nil
}

// ShelfFeed is a reader's current loans with their signed links.
func (s *Service) ShelfFeed(ctx context.Context, p FeedParams, card string) (*Feed, error) {
	loans, err := s.shelf(ctx, card)
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(loans))
	for i, l := range loans {
		ids[i] = l.EditionID
	}
	items, err := s.itemsByID(ctx, ids)
	if err != nil {
		return nil, err
	}
	f := &Feed{ID: feedID("shelf/" + card), Title: T("shelf", p.Lang), Updated: s.now(), Self: p.tail("shelf", nil),
		Lang: p.Lang, Items: items, Total: len(items), Page: 1, PerPage: max(1, len(items)), Acquired: map[string]Acquired{}}
	f.Links = append(s.commonLinks(p), Link{Rel: "up", Href: p.tail("", nil), Navigation: true})
	for _, l := range loans {
		a, err := s.acquired(ctx, l, items)
		if err != nil {
			return nil, err
		}
		f.Acquired[l.EditionID] = a
	}
	return f, nil
}

// acquired signs the link a loan's reader downloads with.
func (s *Service) acquired(ctx context.Context, l Loan, items []Item) (Acquired, error) {
	what := "file"
	for _, it := range items {
		if it.Edition.ID == l.EditionID && it.Edition.Format == FormatAudiobook {
			what = "manifest.json"
		}
	}
	href, err := s.DownloadURL(ctx, l, what)
	if err != nil {
		return Acquired{}, err
	}
	return Acquired{Loan: l, Href: href}, nil
}

// BorrowEntry borrows an edition for a reader (or finds the current loan)
// and returns it as a one-item feed whose acquisition link is signed.
func (s *Service) BorrowEntry(ctx context.Context, card, editionID string) (Item, Acquired, bool, error) {
	l, created, err := s.Borrow(ctx, card, editionID)
	if err != nil {
		return Item{}, Acquired{}, false, err
	}
	it, err := s.Item(ctx, editionID)
	if err != nil {
		return Item{}, Acquired{}, false, err
	}
	a, err := s.acquired(ctx, l, []Item{it})
	if err != nil {
		return Item{}, Acquired{}, false, err
	}
	a.Loan.DownloadURL = a.Href
	return it, a, created, nil
}

// AcquisitionLinks are an item's acquisition links: the signed download
// of a current loan, else open-access download or borrow.
func AcquisitionLinks(it Item, acq *Acquired) []Link {
	ed := it.Edition
	media := map[string]string{formatEPUB: mediaEPUB, formatPDF: mediaPDF, FormatAudiobook: MediaAudiobook}[ed.Format]
	switch {
	case acq != nil:
		return []Link{{Rel: RelAcquisition, Href: acq.Href, Type: media}}
	case ed.Access == AccessOpen && ed.Format == FormatAudiobook:
		return []Link{{Rel: RelOpenAccess, Href: "/library/editions/" + url.PathEscape(ed.ID) + "/manifest.json", Type: media}}
	case ed.Access == AccessOpen:
		return []Link{{Rel: RelOpenAccess, Href: "/library/editions/" + url.PathEscape(ed.ID) + "/file", Type: media}}
	}
	return []Link{{Rel: relBorrow, Href: "borrow/" + url.PathEscape(ed.ID), Indirect: media, Entry: true}}
}

// imageLinks are an item's cover and thumbnail links.
func imageLinks(it Item) []Link {
	var out []Link
	base := "/library/editions/" + url.PathEscape(it.Edition.ID)
	if c, ok := it.File(RoleCover); ok {
		out = append(out, Link{Rel: relImage, Href: base + "/cover", Type: c.MediaType})
	}
	if t, ok := it.File(RoleThumbnail); ok {
		out = append(out, Link{Rel: relThumbnail, Href: base + "/thumbnail", Type: t.MediaType})
	}
	return out
}
