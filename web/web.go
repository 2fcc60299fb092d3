package web

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"html/template"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/labstack/echo/v4"

	"ecinema/apikey"
	"ecinema/boxoffice"
	"ecinema/culture/archive"
	"ecinema/culture/fund"
	"ecinema/culture/hubs"
	"ecinema/culture/langmap"
	"ecinema/culture/library"
	"ecinema/culture/museum"
	"ecinema/culture/ngo"
	"ecinema/culture/ticketing"
	"ecinema/ledger"
	"ecinema/registry"
	"ecinema/settlement"
	"ecinema/validate"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Access is who may see what. The API passes its own role sets and scope
// functions, so a page and the API answer the same question the same way.
type Access struct {
	BoxOffice  []apikey.Role // /boxoffice (the rankings roles)
	Share      []apikey.Role // the share chart on /boxoffice
	Statements []apikey.Role // /statements
	// StatementScope narrows or refuses a statement query for a principal
	// (the API's statement scope decision).
	StatementScope func(ctx context.Context, p apikey.Principal, q *settlement.StatementQuery) error
	// LedgerScope is what entries a principal may read.
	LedgerScope func(ctx context.Context, p apikey.Principal) (ledger.Scope, error)
}

// Deps are what the pages read.
type Deps struct {
	Pool       *pgxpool.Pool
	Keys       *apikey.Store
	BoxOffice  *boxoffice.Service
	Settlement *settlement.Service
	Registry   *registry.Service
	Ledger     *ledger.Reader
	Access     Access
	Logger     *slog.Logger
	// Now is the clock that decides "last complete weekend"; time.Now when nil.
	Now func() time.Time
	// WitnessKeys (cosignature/v1 verifier keys) and WitnessQuorum are
	// embedded in /verify, whose script then requires that many valid
	// witness cosignatures on the checkpoint (SPEC 12).
	WitnessKeys   []string
	WitnessQuorum int
	// Ticketing serves /tickets, the public e-ticketing figures; nil hides it.
	Ticketing *ticketing.Service
	// Archive serves /archive, the e-Archive's open units; nil hides it.
	Archive *archive.Service
	// Museum serves /museums, the public museum catalogue; nil hides it.
	Museum *museum.Service
	// NGO, Fund and Hubs serve /creative (CULTURE.md section 5); any nil hides it.
	NGO  *ngo.Service
	Fund *fund.Service
	Hubs *hubs.Service
	// Library serves /library, the e-Library's catalogue; nil hides it.
	Library *library.Service
}

// Pages serves the web pages. Its methods are echo handlers that the API's
// route table mounts.
type Pages struct {
	d    Deps
	tmpl map[string]*template.Template
}

// New parses the embedded templates; it panics on a template error, which
// the tests catch.
func New(d Deps) *Pages {
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	p := &Pages{d: d, tmpl: map[string]*template.Template{}}
	funcs := template.FuncMap{
		"t":     T,
		"money": money,
		"count": count,
		"pct":   pct,
		"title": filmTitle,
		"date":  func(t time.Time) string { return t.Format("2006-01-02") },
		"langs": func() []string { return Langs },
		"deref": func(p *int) int { return *p },
		"neg":   func(n int) int { return -n },
		"inc":   func(n int) int { return n + 1 },
		"dict": func(kv ...any) map[string]any {
			m := map[string]any{}
			for i := 0; i+1 < len(kv); i += 2 {
				m[kv[i].(string)] = kv[i+1]
			}
			return m
		},
		"originList": func() []string { return boxoffice.Origins },
		"regionName": func(lang string, t registry.Title) string {
			return filmTitle(lang, boxoffice.Title{KK: t.KK, RU: t.RU, EN: t.EN})
		},
		"verifyMessages": verifyMessages,
		"pick":           func(lang string, m langmap.Map) string { return m.Pick(lang) },
		"witnesses": func() map[string]any {
			keys := d.WitnessKeys
			if keys == nil {
				keys = []string{}
			}
			return map[string]any{"keys": keys, "quorum": d.WitnessQuorum}
		},
	}
	pages, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		panic(err)
	}
	for _, name := range pages {
		base := name[len("templates/"):]
		if base == "layout.html" {
			continue
		}
		p.tmpl[base] = template.Must(template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", name))
	}
	return p
}

// view is what every template gets.
type view struct {
	Lang     string
	Path     string // the page's path, for the language switch
	Title    string
	SignedIn bool
	KeyID    string
	Role     string
	CSRF     string
	Data     any
}

// page runs a page handler with its session and language, the security
// headers, and errors rendered as an HTML page in the same language.
func (p *Pages) page(h func(c echo.Context, v *view) error) echo.HandlerFunc {
	return func(c echo.Context) error {
		securityHeaders(c.Response().Header())
		r := c.Request()
		lang := pickLang(r)
		if l := r.URL.Query().Get("lang"); l == lang {
			c.SetCookie(&http.Cookie{Name: "lang", Value: lang, Path: "/", MaxAge: 365 * 24 * 3600,
				SameSite: http.SameSiteLaxMode, Secure: c.IsTLS()})
		}
		s, err := p.loadSession(r.Context(), r)
		if err != nil {
			return p.fail(c, lang, err)
		}
		v := &view{Lang: lang, Path: r.URL.Path, SignedIn: s.signedIn}
		if s.signedIn {
			v.KeyID, v.Role, v.CSRF = s.principal.KeyID, string(s.principal.Role), s.csrf
			c.Set("principal", s.principal)
		} else {
			v.CSRF = anonCSRF(c)
		}
		c.Set("session", s)
		if err := h(c, v); err != nil {
			return p.fail(c, lang, err)
		}
		return nil
	}
}

// Page errors a handler returns.
var (
	errNeedSignIn = errors.New("web: sign in first")
	errForbidden  = errors.New("web: forbidden")
	errCSRF       = errors.New("web: bad form token")
	errNotFound   = errors.New("web: not found")
)

// badInput is a mistake in a page's query, shown to the person.
type badInput struct{ msg string }

func (e *badInput) Error() string { return e.msg }

func (p *Pages) fail(c echo.Context, lang string, err error) error {
	if errors.Is(err, errNeedSignIn) {
		return c.Redirect(http.StatusSeeOther, "/login?next="+c.Request().URL.RequestURI())
	}
	status, msg := http.StatusInternalServerError, T(lang, "err.internal")
	var bad *badInput
	var invalid *validate.Errors
	switch {
	case errors.Is(err, errForbidden):
		status, msg = http.StatusForbidden, T(lang, "err.forbidden")
	case errors.Is(err, errCSRF):
		status, msg = http.StatusForbidden, T(lang, "err.csrf")
	case errors.Is(err, errNotFound):
		status, msg = http.StatusNotFound, T(lang, "err.notfound")
	case errors.As(err, &bad):
		status, msg = http.StatusBadRequest, T(lang, "err.bad")+bad.msg
	case errors.As(err, &invalid) && errors.Is(err, validate.ErrInvalid):
		status, msg = http.StatusBadRequest, T(lang, "err.bad")+fieldsText(invalid)
	default:
		p.d.Logger.ErrorContext(c.Request().Context(), "page failed", slog.String("path", c.Request().URL.Path), slog.Any("err", err))
	}
	return p.render(c, status, "error.html", &view{Lang: lang, Path: c.Request().URL.Path, Title: T(lang, "err.title"), Data: msg})
}

// fieldsText lists the fields at fault as "field: message; …".
func fieldsText(e *validate.Errors) string {
	parts := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		parts[i] = f.Field + ": " + f.Message
	}
	return strings.Join(parts, "; ")
}

func (p *Pages) render(c echo.Context, status int, name string, v *view) error {
	var buf bytes.Buffer
	if err := p.tmpl[name].Execute(&buf, v); err != nil {
		return err
	}
	return c.HTMLBlob(status, buf.Bytes())
}

// requireRole returns the principal when the session's key has one of roles.
func requireRole(c echo.Context, roles []apikey.Role) (apikey.Principal, error) {
	s, _ := c.Get("session").(session)
	if !s.signedIn {
		return apikey.Principal{}, errNeedSignIn
	}
	if !slices.Contains(roles, s.principal.Role) {
		return apikey.Principal{}, errForbidden
	}
	return s.principal, nil
}

// Static serves the embedded CSS and JavaScript.
func (p *Pages) Static() echo.HandlerFunc {
	sub, err := fs.Sub(staticFS, "static")
	if err != nil {
		panic(err)
	}
	h := http.StripPrefix("/static/", http.FileServer(http.FS(sub)))
	return func(c echo.Context) error {
		securityHeaders(c.Response().Header())
		c.Response().Header().Set("Cache-Control", "public, max-age=3600")
		h.ServeHTTP(c.Response(), c.Request())
		return nil
	}
}

// attachment sends a file the person downloads.
func attachment(c echo.Context, contentType, filename string, write func(io.Writer) error) error {
	var buf bytes.Buffer
	if err := write(&buf); err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderContentDisposition, `attachment; filename="`+filename+`"`)
	return c.Blob(http.StatusOK, contentType, buf.Bytes())
}

// filmTitle picks a film's title in lang, falling back kk → ru → en.
func filmTitle(lang string, t boxoffice.Title) string {
	byLang := map[string]string{"kk": t.KK, "ru": t.RU, "en": t.EN}
	if s := byLang[lang]; s != "" {
		return s
	}
	for _, l := range Langs {
		if byLang[l] != "" {
			return byLang[l]
		}
	}
	return ""
}

// verifyMessages are the strings verify.js shows, in lang.
func verifyMessages(lang string) map[string]string {
	m := map[string]string{}
	for js, key := range map[string]string{"ok": "verify.ok", "fail": "verify.fail", "lookup": "verify.s_lookup",
		"entry": "verify.s_entry", "nocontent": "verify.s_nocontent", "proof": "verify.s_proof", "sig": "verify.s_sig",
		"witness": "verify.s_witness", "bad_input": "verify.bad_input"} {
		m[js] = T(lang, key)
	}
	return m
}
