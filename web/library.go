package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"ecinema/culture/library"
)

// libraryData is the public e-Library page: the catalogue's newest
// editions (or a search), and the addresses to give a reading app.
type libraryData struct {
	Q, Language string
	Languages   []libraryOption
	Books       []libraryBook
	Total       int
	OPDS, OPDS2 string
}

type libraryOption struct{ Tag, Name string }

type libraryBook struct {
	ID, Title, Authors, Language, Format, Access, Publisher, Issued string
	Thumbnail, Download, DownloadType                               string
	Copies, Available                                               int
	// Tracks are an open-access audiobook's tracks, played in the page.
	Tracks []libraryTrack
}

// libraryTrack is one audiobook track the page plays with <audio controls>.
type libraryTrack struct{ Src, Type, Title string }

// Library is /library: the e-Library for anyone, in kk, ru or en: how to
// add the catalogue to a reading app (OPDS 1.2 and 2.0 addresses), and the
// newest editions or a search over titles and authors, each with its
// cover, its language and format, and its open-access download or its
// free copies.
func (p *Pages) Library() echo.HandlerFunc {
	return p.page(func(c echo.Context, v *view) error {
		if p.d.Library == nil {
			return errNotFound
		}
		d := libraryData{Q: strings.TrimSpace(c.QueryParam("q")), OPDS: c.Scheme() + "://" + c.Request().Host + "/opds"}
		d.OPDS2 = d.OPDS + "/v2"
		if len(d.Q) > 200 {
			return &badInput{"q: at most 200 characters"}
		}
		if s := c.QueryParam("language"); s != "" {
			tag, err := library.CanonicalLanguage(s)
			if err != nil {
				return &badInput{"language: not a BCP 47 tag"}
			}
			d.Language = tag
		}
		ctx := c.Request().Context()
		langs, err := p.d.Library.Languages(ctx)
		if err != nil {
			return err
		}
		for _, l := range langs {
			d.Languages = append(d.Languages, libraryOption{Tag: l.Value, Name: library.LanguageName(l.Value, v.Lang)})
		}
		items, total, err := p.d.Library.Items(ctx, library.Query{Search: d.Q, Language: d.Language, PerPage: 50})
		if err != nil {
			return err
		}
		d.Total = total
		for _, it := range items {
			d.Books = append(d.Books, libraryBookOf(it, v.Lang))
		}
		v.Title, v.Data = T(v.Lang, "lib.title"), d
		return p.render(c, http.StatusOK, "library.html", v)
	})
}

func libraryBookOf(it library.Item, lang string) libraryBook {
	ed := it.Edition
	title, _ := it.Work.Title.In(lang)
	var authors []string
	for _, a := range it.Work.Authors {
		n, _ := a.Name.In(lang)
		authors = append(authors, n)
	}
	b := libraryBook{ID: ed.ID, Title: title, Authors: strings.Join(authors, ", "), Language: library.LanguageName(ed.Language, lang),
		Format: ed.Format, Access: ed.Access, Publisher: ed.Publisher, Issued: ed.Issued, Copies: ed.Copies, Available: it.Available}
	if _, ok := it.File(library.RoleThumbnail); ok {
		b.Thumbnail = "/library/editions/" + ed.ID + "/thumbnail"
	}
	if ed.Format == library.FormatAudiobook && ed.Access == library.AccessOpen {
		for _, tr := range it.Tracks() {
			b.Tracks = append(b.Tracks, libraryTrack{Src: "/library/editions/" + url.PathEscape(ed.ID) + "/tracks/" + strconv.Itoa(tr.N),
				Type: tr.MediaType, Title: tr.Title})
		}
	}
	for _, l := range library.AcquisitionLinks(it, nil) {
		if l.Rel == library.RelOpenAccess {
			b.Download, b.DownloadType = l.Href, l.Type
		}
	}
	return b
}
