package web

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"ecinema/apikey"
	"ecinema/boxoffice"
	"ecinema/i18n"
	"ecinema/kztime"
	"ecinema/ledger"
	"ecinema/registry"
	"ecinema/settlement"
	"ecinema/tabular"
)

// today is the box-office day that is open now (kztime.BoxOfficeDay), as
// midnight UTC, the form the box-office periods use. It is not the local
// date: from local midnight to 06:00 the day before is still open, and
// the pages show only periods that have ended.
func (p *Pages) today() time.Time { return kztime.BoxOfficeDay(p.d.Now()) }

// yesterday is the last box-office day that has ended
// (kztime.LastCompleteDay).
func (p *Pages) yesterday() time.Time { return kztime.LastCompleteDay(p.d.Now()) }

// lastBefore returns the latest date strictly before day that falls on wd.
func lastBefore(day time.Time, wd time.Weekday) time.Time {
	back := (int(day.Weekday()) - int(wd) + 7) % 7
	if back == 0 {
		back = 7
	}
	return day.AddDate(0, 0, -back)
}

type homeData struct {
	Weekend, Week boxoffice.Rankings
	Year          int
	Share         boxoffice.ShareReport
	Chart         chart
}

// Home is / (public): the last complete weekend's and week's top 10 and
// the year's national/foreign share as a chart.
func (p *Pages) Home() echo.HandlerFunc {
	return p.page(func(c echo.Context, v *view) error {
		ctx := c.Request().Context()
		today := p.today()
		var d homeData
		var err error
		if d.Weekend, err = p.top(ctx, boxoffice.Weekend, lastBefore(today, time.Sunday)); err != nil {
			return err
		}
		if d.Week, err = p.top(ctx, boxoffice.Week, lastBefore(today, time.Wednesday)); err != nil {
			return err
		}
		yesterday := p.yesterday()
		d.Year = yesterday.Year()
		d.Share, err = p.d.BoxOffice.Share(ctx, boxoffice.ShareQuery{
			From: time.Date(d.Year, 1, 1, 0, 0, 0, 0, time.UTC), To: yesterday, GroupBy: boxoffice.Month})
		if err != nil {
			return err
		}
		d.Chart = shareChart(v.Lang, d.Share)
		v.Title, v.Data = T(v.Lang, "site.title"), d
		return p.render(c, http.StatusOK, "home.html", v)
	})
}

func (p *Pages) top(ctx context.Context, kind boxoffice.Kind, day time.Time) (boxoffice.Rankings, error) {
	per, err := boxoffice.NewPeriod(kind, day, time.Time{}, time.Time{})
	if err != nil {
		return boxoffice.Rankings{}, err
	}
	return p.d.BoxOffice.Rankings(ctx, boxoffice.RankingsQuery{Period: per, Limit: 10})
}

// boxOfficeForm is the /boxoffice query, echoed back into the form.
type boxOfficeForm struct {
	Period, Date, Region, Origin, By string
	Query                            template.URL // the form, url.Values.Encode()d, for the CSV links
}

type boxOfficeData struct {
	Form      boxOfficeForm
	Regions   []registry.Region
	Kinds     []boxoffice.Kind
	Rankings  boxoffice.Rankings
	ShowShare bool
	Share     boxoffice.ShareReport
	Chart     chart
}

func (p *Pages) boxOfficeQuery(c echo.Context) (boxOfficeForm, boxoffice.RankingsQuery, error) {
	f := boxOfficeForm{Period: c.QueryParam("period"), Date: c.QueryParam("date"),
		Region: c.QueryParam("region"), Origin: c.QueryParam("origin"), By: c.QueryParam("by")}
	if f.Period == "" {
		f.Period = string(boxoffice.Week)
	}
	day := lastBefore(p.today(), time.Wednesday)
	if f.Date != "" {
		d, err := boxoffice.ParseDate(f.Date)
		if err != nil {
			return f, boxoffice.RankingsQuery{}, &badInput{"date: YYYY-MM-DD"}
		}
		day = d
	}
	f.Date = day.Format(boxoffice.DateLayout)
	if f.By == "" {
		f.By = string(boxoffice.ByGross)
	}
	per, err := boxoffice.NewPeriod(boxoffice.Kind(f.Period), day, time.Time{}, time.Time{})
	if err != nil {
		return f, boxoffice.RankingsQuery{}, err
	}
	q := url.Values{"period": {f.Period}, "date": {f.Date}, "by": {f.By}}
	if f.Region != "" {
		q.Set("region", f.Region)
	}
	if f.Origin != "" {
		q.Set("origin", f.Origin)
	}
	f.Query = template.URL(q.Encode())
	return f, boxoffice.RankingsQuery{Period: per, By: boxoffice.By(f.By), Limit: 50, Region: f.Region, Origin: f.Origin}, nil
}

// BoxOffice is /boxoffice: rankings for any period kind and date with the
// region, origin and order filters, and the share over the date's year.
func (p *Pages) BoxOffice() echo.HandlerFunc {
	return p.page(func(c echo.Context, v *view) error {
		pr, err := requireRole(c, p.d.Access.BoxOffice)
		if err != nil {
			return err
		}
		ctx := c.Request().Context()
		f, q, err := p.boxOfficeQuery(c)
		if err != nil {
			return err
		}
		d := boxOfficeData{Form: f, Kinds: []boxoffice.Kind{boxoffice.Day, boxoffice.Weekend, boxoffice.Week, boxoffice.Month, boxoffice.Year}}
		if d.Regions, err = p.d.Registry.Regions(ctx); err != nil {
			return err
		}
		if d.Rankings, err = p.d.BoxOffice.Rankings(ctx, q); err != nil {
			return err
		}
		if containsRole(p.d.Access.Share, pr.Role) {
			d.ShowShare = true
			y := q.Period.To.Year()
			d.Share, err = p.d.BoxOffice.Share(ctx, boxoffice.ShareQuery{From: time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC),
				To: time.Date(y, 12, 31, 0, 0, 0, 0, time.UTC), GroupBy: boxoffice.Month, Region: f.Region})
			if err != nil {
				return err
			}
			d.Chart = shareChart(v.Lang, d.Share)
		}
		v.Title, v.Data = T(v.Lang, "bo.title"), d
		return p.render(c, http.StatusOK, "boxoffice.html", v)
	})
}

// BoxOfficeCSV downloads the /boxoffice ranking (or, with share=1, the
// share table) as CSV, in the API's CSV layout.
func (p *Pages) BoxOfficeCSV() echo.HandlerFunc {
	return p.page(func(c echo.Context, v *view) error {
		pr, err := requireRole(c, p.d.Access.BoxOffice)
		if err != nil {
			return err
		}
		ctx := c.Request().Context()
		f, q, err := p.boxOfficeQuery(c)
		if err != nil {
			return err
		}
		if c.QueryParam("share") == "1" {
			if !containsRole(p.d.Access.Share, pr.Role) {
				return errForbidden
			}
			y := q.Period.To.Year()
			sh, err := p.d.BoxOffice.Share(ctx, boxoffice.ShareQuery{From: time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC),
				To: time.Date(y, 12, 31, 0, 0, 0, 0, time.UTC), GroupBy: boxoffice.Month, Region: f.Region})
			if err != nil {
				return err
			}
			return attachment(c, "text/csv; charset=utf-8", fmt.Sprintf("share-%d.csv", y), func(w io.Writer) error { return boxoffice.WriteShareCSV(w, sh) })
		}
		r, err := p.d.BoxOffice.Rankings(ctx, q)
		if err != nil {
			return err
		}
		name := fmt.Sprintf("rankings-%s-%s.csv", f.Period, f.Date)
		return attachment(c, "text/csv; charset=utf-8", name, func(w io.Writer) error { return boxoffice.WriteRankingsCSV(w, r) })
	})
}

func containsRole(roles []apikey.Role, r apikey.Role) bool { return slices.Contains(roles, r) }

type statementsData struct {
	Parties   []registry.Party
	Party     string
	Month     string
	Statement *settlement.Statement
	Query     template.URL // party and month, url.Values.Encode()d
}

// statementParties lists the parties a principal may pick: its own party
// (or, for a cinema-scoped exhibitor key, its cinema's owner); every party
// for the national roles.
func (p *Pages) statementParties(ctx context.Context, pr apikey.Principal) ([]registry.Party, error) {
	own := pr.PartyID
	if pr.Role == apikey.RoleExhibitor && own == "" {
		owner, err := p.d.Settlement.ExhibitorOf(ctx, pr.CinemaID)
		if err != nil {
			return nil, err
		}
		own = owner
	}
	if own != "" {
		party, err := p.d.Settlement.PartyByID(ctx, own)
		if err != nil {
			return nil, err
		}
		return []registry.Party{party}, nil
	}
	var out []registry.Party
	page := registry.Page{Limit: 500}
	for {
		ps, next, err := p.d.Registry.Parties(ctx, page)
		if err != nil {
			return nil, err
		}
		out = append(out, ps...)
		if next == "" {
			return out, nil
		}
		page.Cursor = next
	}
}

// statementQuery reads party and month and applies the API's scope rule.
func (p *Pages) statementQuery(c echo.Context, pr apikey.Principal, parties []registry.Party) (statementsData, *settlement.StatementQuery, error) {
	d := statementsData{Parties: parties, Party: c.QueryParam("party"), Month: c.QueryParam("month")}
	if d.Party == "" && len(parties) == 1 {
		d.Party = parties[0].ID
	}
	if d.Month == "" {
		d.Month = p.yesterday().Format("2006-01")
	}
	if d.Party == "" {
		return d, nil, nil
	}
	m, err := time.Parse("2006-01", d.Month)
	if err != nil {
		return d, nil, &badInput{"month: YYYY-MM"}
	}
	q := &settlement.StatementQuery{PartyID: d.Party, From: m, To: m.AddDate(0, 1, -1)}
	if err := p.d.Access.StatementScope(c.Request().Context(), pr, q); err != nil {
		return d, nil, errForbidden
	}
	d.Query = template.URL(url.Values{"party": {d.Party}, "month": {d.Month}}.Encode())
	return d, q, nil
}

// Statements is /statements: a party the key may read and a month; the
// lines, totals and period status; downloads.
func (p *Pages) Statements() echo.HandlerFunc {
	return p.page(func(c echo.Context, v *view) error {
		pr, err := requireRole(c, p.d.Access.Statements)
		if err != nil {
			return err
		}
		ctx := c.Request().Context()
		parties, err := p.statementParties(ctx, pr)
		if err != nil {
			return err
		}
		d, q, err := p.statementQuery(c, pr, parties)
		if err != nil {
			return err
		}
		if q != nil {
			if d.Statement, err = p.d.Settlement.Statement(ctx, *q); err != nil {
				return err
			}
		}
		v.Title, v.Data = T(v.Lang, "st.title"), d
		return p.render(c, http.StatusOK, "statements.html", v)
	})
}

// StatementDownload sends the statement of /statements as CSV, XLSX or PDF.
func (p *Pages) StatementDownload() echo.HandlerFunc {
	return p.page(func(c echo.Context, v *view) error {
		pr, err := requireRole(c, p.d.Access.Statements)
		if err != nil {
			return err
		}
		ctx := c.Request().Context()
		_, q, err := p.statementQuery(c, pr, nil)
		if err != nil {
			return err
		}
		if q == nil {
			return &badInput{"party"}
		}
		st, err := p.d.Settlement.Statement(ctx, *q)
		if err != nil {
			return err
		}
		st.Lang = i18n.Lang(v.Lang)
		if _, ok := i18n.Parse(v.Lang); !ok {
			st.Lang = i18n.Default
		}
		switch format := c.QueryParam("format"); format {
		case "csv":
			opt := tabular.CSVOptions{Delimiter: ','}
			if v.Lang == "kk" || v.Lang == "ru" { // the list separator of those locales' Excel
				opt.Delimiter = ';'
			}
			return attachment(c, settlement.ContentTypeCSV, st.Filename(format), func(w io.Writer) error { return st.WriteCSV(w, opt) })
		case "xlsx":
			return attachment(c, settlement.ContentTypeXLSX, st.Filename(format), st.WriteXLSX)
		case "pdf":
			return attachment(c, settlement.ContentTypePDF, st.Filename(format), st.WritePDF)
		}
		return &badInput{"format: csv, xlsx, pdf"}
	})
}

// LoginForm is GET /login.
func (p *Pages) LoginForm() echo.HandlerFunc {
	return p.page(func(c echo.Context, v *view) error {
		v.Title, v.Data = T(v.Lang, "login.title"), loginData{Next: safeNext(c.QueryParam("next"))}
		return p.render(c, http.StatusOK, "login.html", v)
	})
}

type loginData struct {
	Next  string
	Error bool
}

// Login is POST /login: the API key becomes a server-side session.
func (p *Pages) Login() echo.HandlerFunc {
	return p.page(func(c echo.Context, v *view) error {
		ck, err := c.Cookie("ecinema_csrf")
		if err != nil || ck.Value == "" || c.FormValue(csrfField) != ck.Value {
			return errCSRF
		}
		next := safeNext(c.FormValue("next"))
		if err := p.signIn(c, strings.TrimSpace(c.FormValue("key"))); err != nil {
			if err == apikey.ErrUnauthenticated {
				v.Title, v.Data = T(v.Lang, "login.title"), loginData{Next: next, Error: true}
				return p.render(c, http.StatusUnauthorized, "login.html", v)
			}
			return err
		}
		return c.Redirect(http.StatusSeeOther, next)
	})
}

// Logout is POST /logout.
func (p *Pages) Logout() echo.HandlerFunc {
	return p.page(func(c echo.Context, v *view) error {
		s, _ := c.Get("session").(session)
		if s.signedIn && !checkCSRF(c, s) {
			return errCSRF
		}
		if err := p.signOut(c); err != nil {
			return err
		}
		return c.Redirect(http.StatusSeeOther, "/")
	})
}

// safeNext keeps a redirect target on this site.
func safeNext(s string) string {
	if !strings.HasPrefix(s, "/") || strings.HasPrefix(s, "//") || strings.Contains(s, "\\") {
		return "/"
	}
	return s
}

// Verify is /verify: the page whose script checks a ticket in the browser.
func (p *Pages) Verify() echo.HandlerFunc {
	return p.page(func(c echo.Context, v *view) error {
		v.Title = T(v.Lang, "verify.title")
		v.Data = verifyData{Cinema: c.QueryParam("cinema"), Ticket: c.QueryParam("ticket"), Seq: c.QueryParam("seq")}
		return p.render(c, http.StatusOK, "verify.html", v)
	})
}

type verifyData struct{ Cinema, Ticket, Seq string }

// VerifyEntry is GET /verify/entries/:seq: the exact bytes of an entry for
// the signed-in key, if its ledger scope may read it (the API's rule), so
// the browser can hash them itself.
func (p *Pages) VerifyEntry() echo.HandlerFunc {
	return p.page(func(c echo.Context, v *view) error {
		s, _ := c.Get("session").(session)
		if !s.signedIn {
			return c.NoContent(http.StatusUnauthorized)
		}
		seq, err := strconv.ParseInt(c.Param("seq"), 10, 64)
		if err != nil || seq < 0 {
			return &badInput{"seq"}
		}
		ctx := c.Request().Context()
		scope, err := p.d.Access.LedgerScope(ctx, s.principal)
		if err != nil {
			return err
		}
		e, err := p.d.Ledger.EntryIn(ctx, seq, scope)
		switch {
		case errors.Is(err, ledger.ErrOutOfScope):
			return c.NoContent(http.StatusForbidden)
		case errors.Is(err, ledger.ErrNotFound):
			return c.NoContent(http.StatusNotFound)
		case err != nil:
			return err
		}
		return c.Blob(http.StatusOK, "application/octet-stream", e.Bytes)
	})
}
