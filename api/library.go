package api

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"ecinema/apikey"
	"ecinema/culture/langmap"
	"ecinema/culture/library"
)

// e-Library (CULTURE.md section 3): the catalogue API for librarians, the
// OPDS 1.2 and 2.0 catalogues, audiobook manifests and files for reading
// apps, and reader sign-in with HTTP Basic (card number and password).

const readerKey = "library_reader"

var (
	librarians = []apikey.Role{apikey.RoleAdmin, apikey.RoleLibrarian}
	plrRoles   = []apikey.Role{apikey.RoleAdmin, apikey.RoleAuditor, apikey.RoleLibrarian, apikey.RoleRightsHolder}
)

// opdsVersion is one serialisation of the catalogue model.
type opdsVersion struct {
	feed      func(*library.Feed) []byte
	entry     func(library.Item, string, *library.Acquired) []byte
	navType   string
	acqType   string
	entryType string
}

var (
	opds1 = opdsVersion{feed: library.Atom, entry: library.AtomEntryDoc, navType: library.AtomNavigation,
		acqType: library.AtomAcquisition, entryType: library.AtomEntry}
	opds2 = opdsVersion{feed: library.OPDS2, entry: library.OPDS2Pub, navType: library.OPDS2Feed,
		acqType: library.OPDS2Feed, entryType: library.OPDS2Publication}
)

func (v opdsVersion) send(c echo.Context, status int, f *library.Feed) error {
	typ := v.acqType
	if f.Navigation {
		typ = v.navType
	}
	h := c.Response().Header()
	h.Set("Content-Language", f.Lang)
	h.Add("Vary", "Accept-Language, Authorization")
	return c.Blob(status, typ, v.feed(f))
}

// feedParams reads the display language (?lang= wins over
// Accept-Language), the page and the Language facet.
func feedParams(c echo.Context) (library.FeedParams, error) {
	p := library.FeedParams{Page: 1}
	if l := c.QueryParam("lang"); l != "" {
		if _, err := library.CanonicalLanguage(l); err != nil {
			return p, badQuery("lang", "must be a BCP 47 language tag")
		}
		p.LangArg = l
	}
	p.Lang = langmap.Negotiate(p.LangArg, c.Request().Header.Get("Accept-Language"))
	if s := c.QueryParam("page"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 100000 {
			return p, badQuery("page", "must be a page number from 1")
		}
		p.Page = n
	}
	if s := c.QueryParam("language"); s != "" {
		tag, err := library.CanonicalLanguage(s)
		if err != nil {
			return p, badQuery("language", "must be a BCP 47 language tag")
		}
		p.Language = tag
	}
	return p, nil
}

func handleOPDSRoot(svc *library.Service, v opdsVersion) echo.HandlerFunc {
	return func(c echo.Context) error {
		p, err := feedParams(c)
		if err != nil {
			return err
		}
		f, err := svc.RootFeed(c.Request().Context(), p)
		if err != nil {
			return err
		}
		return v.send(c, http.StatusOK, f)
	}
}

func handleOPDSNav(svc *library.Service, v opdsVersion, languages bool) echo.HandlerFunc {
	return func(c echo.Context) error {
		p, err := feedParams(c)
		if err != nil {
			return err
		}
		var f *library.Feed
		if languages {
			f, err = svc.LanguagesFeed(c.Request().Context(), p)
		} else {
			f, err = svc.SubjectsFeed(c.Request().Context(), p)
		}
		if err != nil {
			return err
		}
		return v.send(c, http.StatusOK, f)
	}
}

// handleOPDSAcquisition serves the acquisition feeds: kind is new,
// popular, audiobooks, subject or search.
func handleOPDSAcquisition(svc *library.Service, v opdsVersion, kind string) echo.HandlerFunc {
	return func(c echo.Context) error {
		p, err := feedParams(c)
		if err != nil {
			return err
		}
		q, path, title, extra := library.Query{}, kind, library.T(kind, p.Lang), url.Values(nil)
		switch kind {
		case "popular":
			q.Sort = library.SortPopular
		case "audiobooks":
			q.Format = library.FormatAudiobook
		case "subject":
			subject, err := url.PathUnescape(c.Param("subject"))
			if err != nil || subject == "" {
				return badQuery("subject", "is not a subject")
			}
			q.Subject, path, title = subject, "subjects/"+url.PathEscape(subject), subject
		case "search":
			words := strings.TrimSpace(c.QueryParam("q"))
			if words == "" || len(words) > 200 {
				return badQuery("q", "must be 1..200 characters")
			}
			q.Search, extra = words, url.Values{"q": {words}}
			title = library.T("search", p.Lang) + ": " + words
		}
		f, err := svc.AcquisitionFeed(c.Request().Context(), p, path, title, q, extra)
		if err != nil {
			return err
		}
		return v.send(c, http.StatusOK, f)
	}
}

func handleOPDSBook(svc *library.Service, v opdsVersion) echo.HandlerFunc {
	return func(c echo.Context) error {
		p, err := feedParams(c)
		if err != nil {
			return err
		}
		it, err := svc.Item(c.Request().Context(), c.Param("id"))
		if err != nil {
			return err
		}
		c.Response().Header().Set("Content-Language", p.Lang)
		c.Response().Header().Add("Vary", "Accept-Language")
		return c.Blob(http.StatusOK, v.entryType, v.entry(it, p.Lang, nil))
	}
}

func handleOPDSShelf(svc *library.Service, v opdsVersion) echo.HandlerFunc {
	return func(c echo.Context) error {
		p, err := feedParams(c)
		if err != nil {
			return err
		}
		f, err := svc.ShelfFeed(c.Request().Context(), p, reader(c).CardNumber)
		if err != nil {
			return err
		}
		c.Response().Header().Set("Cache-Control", "private, no-store")
		return v.send(c, http.StatusOK, f)
	}
}

// handleOPDSBorrow is the borrow link reading apps follow (a GET, as
// OPDS 1.2 acquisition links are): it lends a copy, or finds the reader's
// current loan, and answers with the entry whose acquisition link is the
// signed download.
func handleOPDSBorrow(svc *library.Service, v opdsVersion) echo.HandlerFunc {
	return func(c echo.Context) error {
		p, err := feedParams(c)
		if err != nil {
			return err
		}
		it, acq, created, err := svc.BorrowEntry(c.Request().Context(), reader(c).CardNumber, c.Param("id"))
		if err != nil {
			return err
		}
		status := http.StatusOK
		if created {
			status = http.StatusCreated
		}
		c.Response().Header().Set("Cache-Control", "private, no-store")
		return c.Blob(status, v.entryType, v.entry(it, p.Lang, &acq))
	}
}

func handleOpenSearch(svc *library.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		p, err := feedParams(c)
		if err != nil {
			return err
		}
		return c.Blob(http.StatusOK, library.OpenSearchType, library.OpenSearch(c.Scheme()+"://"+c.Request().Host, p.Lang))
	}
}

// authDocument is the Authentication for OPDS 1.0 document: HTTP Basic
// with the card number as login.
func authDocument(c echo.Context) []byte {
	lang := cultureLang(c)
	labels := map[string][2]string{"kk": {"Оқырман билетінің нөмірі", "Құпиясөз"}, "kk-Latn": {"Oqyrman biletınıñ nömırı", "Qūpiiasöz"},
		"ru": {"Номер читательского билета", "Пароль"}, "en": {"Library card number", "Password"}}[lang]
	origin := c.Scheme() + "://" + c.Request().Host
	doc := map[string]any{
		"id":          origin + "/opds/auth",
		"title":       library.T("catalogue", lang),
		"description": "HTTP Basic: library card number and password",
		"links": []map[string]string{
			{"rel": "start", "href": origin + "/opds", "type": library.AtomNavigation},
			{"rel": "http://opds-spec.org/shelf", "href": origin + "/opds/shelf", "type": library.AtomAcquisition},
		},
		"authentication": []map[string]any{{
			"type":   "http://opds-spec.org/auth/basic",
			"labels": map[string]string{"login": labels[0], "password": labels[1]},
		}},
	}
	var b bytes.Buffer
	enc := jsonEncoder(&b)
	enc.Encode(doc)
	return b.Bytes()
}

func handleOPDSAuth() echo.HandlerFunc {
	return func(c echo.Context) error {
		return c.Blob(http.StatusOK, library.MediaAuthDoc, authDocument(c))
	}
}

// readerAuth signs a reader in with HTTP Basic. Without valid credentials
// it answers 401 with a Basic challenge and the Authentication for OPDS
// document, as that specification asks.
func readerAuth(svc *library.Service) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			card, pw, ok := basicAuth(c.Request().Header.Get(echo.HeaderAuthorization))
			if ok {
				r, err := svc.Authenticate(c.Request().Context(), card, pw)
				if err == nil {
					c.Set(readerKey, r)
					return next(c)
				}
			}
			h := c.Response().Header()
			h.Set(echo.HeaderWWWAuthenticate, `Basic realm="e-Library", charset="UTF-8"`)
			h.Set("Link", `</opds/auth>; rel="http://opds-spec.org/auth/document"; type="`+library.MediaAuthDoc+`"`)
			return c.Blob(http.StatusUnauthorized, library.MediaAuthDoc, authDocument(c))
		}
	}
}

func basicAuth(h string) (string, string, bool) {
	enc, ok := strings.CutPrefix(h, "Basic ")
	if !ok {
		return "", "", false
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(enc))
	if err != nil {
		return "", "", false
	}
	return strings.Cut(string(raw), ":")
}

func reader(c echo.Context) library.Reader {
	r, _ := c.Get(readerKey).(library.Reader)
	return r
}

// readerOrKey lets a reader (HTTP Basic) or a librarian key through.
func (s *Server) readerOrKey(svc *library.Service) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		asReader := readerAuth(svc)(next)
		asKey := s.authenticate(allow(librarians)(next))
		return func(c echo.Context) error {
			if strings.HasPrefix(c.Request().Header.Get(echo.HeaderAuthorization), "Basic ") {
				return asReader(c)
			}
			return asKey(c)
		}
	}
}

// Catalogue writes (librarian).

func handleLibraryWorkPut(svc *library.Service) echo.HandlerFunc {
	return replyBody(http.StatusOK, func(c echo.Context, in library.Work) (library.Work, error) {
		return svc.PutWork(c.Request().Context(), principal(c).KeyID, c.Param("id"), in)
	})
}

func handleLibraryWorkGet(svc *library.Service) echo.HandlerFunc {
	return reply(http.StatusOK, func(c echo.Context) (library.Work, error) {
		return svc.Work(c.Request().Context(), c.Param("id"))
	})
}

func handleLibraryEditionPut(svc *library.Service) echo.HandlerFunc {
	return replyBody(http.StatusOK, func(c echo.Context, in library.Edition) (library.Edition, error) {
		return svc.PutEdition(c.Request().Context(), principal(c).KeyID, c.Param("id"), in)
	})
}

type editionView struct {
	library.Edition
	Title     library.LangMap    `json:"title"`
	Files     []library.FileBody `json:"files"`
	OnLoan    int                `json:"on_loan"`
	Available int                `json:"available"`
	Holds     int                `json:"holds"`
	Duration  float64            `json:"duration,omitempty"`
}

func handleLibraryEditionGet(svc *library.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		it, err := svc.Item(c.Request().Context(), c.Param("id"))
		if err != nil {
			return err
		}
		files := it.Files
		if files == nil {
			files = []library.FileBody{}
		}
		return c.JSON(http.StatusOK, editionView{Edition: it.Edition, Title: it.Work.Title, Files: files,
			OnLoan: it.OnLoan, Available: it.Available, Holds: it.Holds, Duration: it.Duration()})
	}
}

func handleLibraryVersions(svc *library.Service, kind string) echo.HandlerFunc {
	return reply(http.StatusOK, func(c echo.Context) (listResponse[library.Version], error) {
		return listOf(svc.Versions(c.Request().Context(), kind, c.Param("id")))
	})
}

// handleLibraryUpload streams a book file, cover or track into the blob
// store (the 1 MiB body limit does not apply to these routes).
func handleLibraryUpload(svc *library.Service, role string) echo.HandlerFunc {
	return func(c echo.Context) error {
		ctx, actor, id := c.Request().Context(), principal(c).KeyID, c.Param("id")
		ct := c.Request().Header.Get(echo.HeaderContentType)
		body := c.Request().Body
		var f library.FileBody
		var err error
		switch role {
		case library.RoleFile:
			f, err = svc.UploadFile(ctx, actor, id, ct, body)
		case library.RoleCover:
			f, err = svc.UploadCover(ctx, actor, id, ct, body)
		default:
			n, perr := strconv.Atoi(c.Param("n"))
			if perr != nil {
				return badQuery("n", "must be a track number 1..999")
			}
			d, perr := strconv.ParseFloat(c.QueryParam("duration"), 64)
			if perr != nil {
				return badQuery("duration", "must be the track's length in seconds")
			}
			f, err = svc.UploadTrack(ctx, actor, id, n, ct, c.QueryParam("title"), d, body)
		}
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, f)
	}
}

// serveBlob serves a stored file with range requests (RFC 9110 section 14)
// when the store can seek, else whole.
func serveBlob(c echo.Context, f library.FileBody, rc io.ReadCloser, cache string) error {
	defer rc.Close()
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, f.MediaType)
	h.Set("ETag", `"`+f.SHA256+`"`)
	h.Set("Cache-Control", cache)
	if rs, ok := rc.(io.ReadSeeker); ok {
		http.ServeContent(c.Response(), c.Request(), "", time.Time{}, rs)
		return nil
	}
	h.Set("Content-Length", strconv.FormatInt(f.Size, 10))
	c.Response().WriteHeader(http.StatusOK)
	_, err := io.Copy(c.Response(), rc)
	return err
}

// handleLibraryPublicFile serves covers and thumbnails of any edition, and
// the book file and tracks of open-access editions.
func handleLibraryPublicFile(svc *library.Service, role string) echo.HandlerFunc {
	return func(c echo.Context) error {
		ctx, id := c.Request().Context(), c.Param("id")
		n := 0
		if role == library.RoleFile || role == library.RoleTrack {
			ed, err := svc.Edition(ctx, id)
			if err != nil {
				return err
			}
			if ed.Access != library.AccessOpen {
				return library.ErrNotOpen
			}
			if role == library.RoleTrack {
				var err error
				if n, err = strconv.Atoi(c.Param("n")); err != nil {
					return library.ErrNoFile
				}
			}
		}
		f, rc, err := svc.OpenFile(ctx, id, role, n)
		if err != nil {
			return err
		}
		return serveBlob(c, f, rc, "public, max-age=3600")
	}
}

func handleLibraryOpenManifest(svc *library.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		lang := cultureLang(c)
		b, err := svc.OpenManifest(c.Request().Context(), c.Param("id"), lang)
		if err != nil {
			return err
		}
		return c.Blob(http.StatusOK, library.MediaAudiobook, b)
	}
}

// handleLibraryLoanFile serves a lent edition's file, manifest or track
// behind a signed, time-limited link.
func handleLibraryLoanFile(svc *library.Service, what string) echo.HandlerFunc {
	return func(c echo.Context) error {
		ctx := c.Request().Context()
		res := what
		if what == "tracks" {
			res = "tracks/" + c.Param("n")
		}
		l, err := svc.CheckLink(ctx, c.Param("id"), res, c.QueryParam("exp"), c.QueryParam("sig"))
		if err != nil {
			return err
		}
		if what == "manifest.json" {
			lang := cultureLang(c)
			b, err := svc.LoanManifest(ctx, l, lang)
			if err != nil {
				return err
			}
			c.Response().Header().Set("Cache-Control", "private, no-store")
			return c.Blob(http.StatusOK, library.MediaAudiobook, b)
		}
		role, n := library.RoleFile, 0
		if what == "tracks" {
			role = library.RoleTrack
			if n, err = strconv.Atoi(c.Param("n")); err != nil {
				return library.ErrNoFile
			}
		}
		f, rc, err := svc.OpenFile(ctx, l.EditionID, role, n)
		if err != nil {
			return err
		}
		return serveBlob(c, f, rc, "private, no-store")
	}
}

// Readers and loans.

func handleLibraryReaderCreate(svc *library.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		var req struct {
			Name string `json:"name"`
		}
		if err := decodeJSON(c, &req); err != nil {
			return err
		}
		r, err := svc.CreateReader(c.Request().Context(), req.Name)
		if err != nil {
			return err
		}
		c.Response().Header().Set("Cache-Control", "no-store")
		return c.JSON(http.StatusCreated, r)
	}
}

type loanView struct {
	LoanID      string     `json:"loan_id"`
	EditionID   string     `json:"edition_id"`
	BorrowedAt  time.Time  `json:"borrowed_at"`
	Due         time.Time  `json:"due"`
	ReturnedAt  *time.Time `json:"returned_at,omitempty"`
	DownloadURL string     `json:"download_url,omitempty"`
	EntrySeq    int64      `json:"entry_seq"`
}

func viewLoan(l library.Loan) loanView {
	return loanView{LoanID: l.ID, EditionID: l.EditionID, BorrowedAt: l.BorrowedAt, Due: l.Due, ReturnedAt: l.ReturnedAt,
		DownloadURL: l.DownloadURL, EntrySeq: l.EntrySeq}
}

func handleLibraryBorrow(svc *library.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		_, acq, created, err := svc.BorrowEntry(c.Request().Context(), reader(c).CardNumber, c.Param("id"))
		if err != nil {
			return err
		}
		status := http.StatusOK
		if created {
			status = http.StatusCreated
		}
		return c.JSON(status, viewLoan(acq.Loan))
	}
}

func handleLibraryHold(svc *library.Service) echo.HandlerFunc {
	return reply(http.StatusCreated, func(c echo.Context) (library.Hold, error) {
		return svc.PlaceHold(c.Request().Context(), reader(c).CardNumber, c.Param("id"))
	})
}

func handleLibraryReturn(svc *library.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		actor, card := "", ""
		if r, ok := c.Get(readerKey).(library.Reader); ok {
			actor, card = r.CardNumber, r.CardNumber
		} else {
			actor = principal(c).KeyID
		}
		l, err := svc.Return(c.Request().Context(), actor, card, c.Param("id"))
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, viewLoan(l))
	}
}

// Public lending right.

// rateRequest is the body of a lending right rate.
type rateRequest struct {
	PerLoan string `json:"per_loan"`
}

func handleLibraryRatePut(svc *library.Service) echo.HandlerFunc {
	return replyBody(http.StatusOK, func(c echo.Context, in rateRequest) (library.RateBody, error) {
		return svc.PutRate(c.Request().Context(), principal(c).KeyID, c.Param("from"), in.PerLoan)
	})
}

func handleLibraryRates(svc *library.Service) echo.HandlerFunc {
	return reply(http.StatusOK, func(c echo.Context) (listResponse[library.RateBody], error) {
		return listOf(svc.Rates(c.Request().Context()))
	})
}

// handleLibraryRemuneration serves the lending right per rights holder; a
// rights_holder key sees its own party only.
func handleLibraryRemuneration(svc *library.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		party := c.QueryParam("party")
		if p := principal(c); p.Role == apikey.RoleRightsHolder {
			if party != "" && party != p.PartyID {
				return errForbidden
			}
			party = p.PartyID
		}
		lang := cultureLang(c)
		rep, err := svc.Remuneration(c.Request().Context(), c.QueryParam("from"), c.QueryParam("to"), party, lang)
		if err != nil {
			return err
		}
		switch c.QueryParam("format") {
		case "", "json":
			return c.JSON(http.StatusOK, rep)
		case "csv":
			var b bytes.Buffer
			if err := rep.WriteCSV(&b); err != nil {
				return err
			}
			name := "plr_" + rep.From + "_" + rep.To + ".csv"
			if party != "" {
				name = "plr_" + party + "_" + rep.From + "_" + rep.To + ".csv"
			}
			c.Response().Header().Set(echo.HeaderContentDisposition, `attachment; filename="`+name+`"`)
			return c.Blob(http.StatusOK, "text/csv; charset=utf-8", b.Bytes())
		}
		return badQuery("format", "must be json or csv")
	}
}

func jsonEncoder(w io.Writer) *json.Encoder {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc
}
