package api

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/skip2/go-qrcode"

	"ecinema/apikey"
	"ecinema/culture/ticketing"
	"ecinema/registry"
	"ecinema/validate"
)

// Unified e-ticketing (CULTURE.md section 1). A venue key acts for its
// venue (Principal.Scope); admin keys for any venue; the service checks
// object scope.

// Role sets of the ticketing routes.
var (
	venueWriters = []apikey.Role{apikey.RoleAdmin, apikey.RoleVenue}
	venueOnly    = []apikey.Role{apikey.RoleVenue}
	// ticketStatsRoles read statistics; a venue key sees its own venue.
	ticketStatsRoles = []apikey.Role{apikey.RoleAdmin, apikey.RoleAuditor, apikey.RoleAnalyst, apikey.RoleVenue}
)

// venueView and eventView add the name or title in the language the
// client asks for (?lang= wins over Accept-Language; fallback kk → ru →
// en) beside the full language map.
type venueView struct {
	ticketing.Venue
	DisplayName string `json:"display_name"`
}

type eventView struct {
	ticketing.Event
	DisplayTitle string `json:"display_title"`
}

func viewVenue(c echo.Context, v ticketing.Venue) venueView {
	return venueView{v, v.Name.Pick(cultureLang(c))}
}

func viewEvent(c echo.Context, ev ticketing.Event) eventView {
	return eventView{ev, ev.Title.Pick(cultureLang(c))}
}

// ticketCaller maps the principal to the service's caller.
func ticketCaller(c echo.Context) ticketing.Caller {
	p := principal(c)
	tc := ticketing.Caller{KeyID: p.KeyID}
	if p.Role == apikey.RoleVenue {
		tc.VenueID = p.Scope
	}
	return tc
}

func handleVenuePut(svc *ticketing.Service) echo.HandlerFunc {
	return replyBody(http.StatusOK, func(c echo.Context, in ticketing.Venue) (ticketing.Venue, error) {
		return svc.PutVenue(c.Request().Context(), ticketCaller(c), c.Param("id"), in)
	})
}

func handleVenueGet(svc *ticketing.Service) echo.HandlerFunc {
	return reply(http.StatusOK, func(c echo.Context) (venueView, error) {
		v, err := svc.Venue(c.Request().Context(), c.Param("id"))
		return viewVenue(c, v), err
	})
}

func handleVenueList(svc *ticketing.Service) echo.HandlerFunc {
	return replyPage(func(c echo.Context, p registry.Page) ([]venueView, string, error) {
		vs, next, err := svc.Venues(c.Request().Context(), c.QueryParam("kind"), ticketing.Page(p))
		items := make([]venueView, len(vs))
		for i, v := range vs {
			items[i] = viewVenue(c, v)
		}
		return items, next, err
	})
}

func handleTicketingVersions(svc *ticketing.Service, kind string) echo.HandlerFunc {
	return reply(http.StatusOK, func(c echo.Context) (listResponse[ticketing.Version], error) {
		id := c.Param("id")
		if kind == "session" {
			id = c.Param("sid")
		}
		return listOf(svc.Versions(c.Request().Context(), kind, id))
	})
}

func handleVenueKeyRotate(svc *ticketing.Service) echo.HandlerFunc {
	return reply(http.StatusCreated, func(c echo.Context) (ticketing.PublicKey, error) {
		k, err := cultureIdem(c, nil)
		if err != nil {
			return ticketing.PublicKey{}, err
		}
		return svc.RotateKey(c.Request().Context(), ticketCaller(c), c.Param("id"), k)
	})
}

// trustList is the answer of the venue keys route.
type trustList struct {
	Keys []ticketing.PublicKey `json:"keys"`
}

func handleTicketKeys(svc *ticketing.Service) echo.HandlerFunc {
	return reply(http.StatusOK, func(c echo.Context) (trustList, error) {
		ks, err := svc.TrustList(c.Request().Context(), c.QueryParam("venue"))
		c.Response().Header().Set("Cache-Control", "public, max-age=60")
		return trustList{ks}, err
	})
}

func handleEventPut(svc *ticketing.Service) echo.HandlerFunc {
	return replyBody(http.StatusOK, func(c echo.Context, in ticketing.Event) (ticketing.Event, error) {
		return svc.PutEvent(c.Request().Context(), ticketCaller(c), c.Param("id"), in)
	})
}

func handleEventGet(svc *ticketing.Service) echo.HandlerFunc {
	return reply(http.StatusOK, func(c echo.Context) (eventView, error) {
		ev, err := svc.Event(c.Request().Context(), c.Param("id"))
		return viewEvent(c, ev), err
	})
}

func handleEventList(svc *ticketing.Service) echo.HandlerFunc {
	return replyPage(func(c echo.Context, p registry.Page) ([]eventView, string, error) {
		evs, next, err := svc.Events(c.Request().Context(), c.QueryParam("venue"), ticketing.Page(p))
		items := make([]eventView, len(evs))
		for i, ev := range evs {
			items[i] = viewEvent(c, ev)
		}
		return items, next, err
	})
}

func handleSessionPut(svc *ticketing.Service) echo.HandlerFunc {
	return replyBody(http.StatusOK, func(c echo.Context, in ticketing.Session) (ticketing.Session, error) {
		return svc.PutSession(c.Request().Context(), ticketCaller(c), c.Param("id"), c.Param("sid"), in)
	})
}

func handleSessionGet(svc *ticketing.Service) echo.HandlerFunc {
	return reply(http.StatusOK, func(c echo.Context) (ticketing.Session, error) {
		s, err := svc.Session(c.Request().Context(), c.Param("sid"))
		if err == nil && s.EventID != c.Param("id") {
			err = validate.Refuse(ticketing.ErrNotFound, "", "session %s is not a session of event %s", s.ID, c.Param("id"))
		}
		return s, err
	})
}

func handleSessionList(svc *ticketing.Service) echo.HandlerFunc {
	return replyPage(func(c echo.Context, p registry.Page) ([]ticketing.Session, string, error) {
		if _, err := svc.Event(c.Request().Context(), c.Param("id")); err != nil {
			return nil, "", err
		}
		return svc.Sessions(c.Request().Context(), c.Param("id"), ticketing.Page(p))
	})
}

func handleTicketSales(svc *ticketing.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		var in ticketing.SaleRequest
		if err := decodeJSON(c, &in); err != nil {
			return err
		}
		resp, err := svc.Sell(c.Request().Context(), ticketCaller(c), c.Request().Header.Get("Idempotency-Key"), in)
		if err != nil {
			return err
		}
		return c.Blob(resp.Status, echo.MIMEApplicationJSON, resp.Body)
	}
}

func handleTicketRefunds(svc *ticketing.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		var in ticketing.RefundRequest
		if err := decodeJSON(c, &in); err != nil {
			return err
		}
		resp, err := svc.Refund(c.Request().Context(), ticketCaller(c), c.Request().Header.Get("Idempotency-Key"), in)
		if err != nil {
			return err
		}
		return c.Blob(resp.Status, echo.MIMEApplicationJSON, resp.Body)
	}
}

// handleTicketCheckin answers 200 admitted, or the refusal in the error
// shape with result, ticket_id and, for already_admitted, admitted_at and
// gate beside it (errors.go).
func handleTicketCheckin(svc *ticketing.Service) echo.HandlerFunc {
	return replyBody(http.StatusOK, func(c echo.Context, in ticketing.CheckinRequest) (ticketing.CheckinResult, error) {
		return svc.Checkin(c.Request().Context(), ticketCaller(c), in)
	})
}

func handleTicketCheckinBatch(svc *ticketing.Service) echo.HandlerFunc {
	return replyBody(http.StatusOK, func(c echo.Context, in ticketing.BatchRequest) (ticketing.BatchResult, error) {
		return svc.CheckinBatch(c.Request().Context(), ticketCaller(c), in)
	})
}

func handleTicketRevocations(svc *ticketing.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		limit := 0
		if s := c.QueryParam("limit"); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil || n < 1 || n > 1000 {
				return badQuery("limit", "must be an integer 1..1000")
			}
			limit = n
		}
		items, next, err := svc.Revocations(c.Request().Context(), ticketCaller(c).VenueID, c.QueryParam("since"), limit)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, struct {
			Items []ticketing.Revocation `json:"items"`
			Next  string                 `json:"next"`
		}{items, next})
	}
}

func handleTicketGet(svc *ticketing.Service) echo.HandlerFunc {
	return reply(http.StatusOK, func(c echo.Context) (ticketing.Ticket, error) {
		return svc.Ticket(c.Request().Context(), ticketCaller(c), c.Param("id"))
	})
}

// handleTicketQR renders a ticket's code as a QR code PNG (error
// correction M; the code is Base45, so the symbol is in alphanumeric mode).
func handleTicketQR(svc *ticketing.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		t, err := svc.Ticket(c.Request().Context(), ticketCaller(c), c.Param("id"))
		if err != nil {
			return err
		}
		png, err := qrcode.Encode(t.Code, qrcode.Medium, 384)
		if err != nil {
			return fmt.Errorf("api: render QR of ticket %s: %w", t.ID, err)
		}
		return c.Blob(http.StatusOK, "image/png", png)
	}
}

// handleTicketStats serves the statistics: with a key of an allowed role
// grouped as asked (a venue key sees its venue), without a key the public
// view by kind, region and month without money.
func handleTicketStats(svc *ticketing.Service, keys *apikey.Store) echo.HandlerFunc {
	return func(c echo.Context) error {
		ctx := c.Request().Context()
		from, to, err := statsPeriod(c)
		if err != nil {
			return err
		}
		format := c.QueryParam("format")
		if format != "" && format != "json" && format != "csv" {
			return badQuery("format", "must be json or csv")
		}
		h := c.Request().Header.Get(echo.HeaderAuthorization)
		if h == "" {
			st, err := svc.PublicStats(ctx, from, to)
			if err != nil {
				return err
			}
			if format == "csv" {
				return attachment(c, contentTypeCSV, "ticket-stats-public.csv", st.WriteCSV)
			}
			return c.JSON(http.StatusOK, st)
		}
		secret, ok := strings.CutPrefix(h, "Bearer ")
		if !ok || keys == nil {
			return errNoKey
		}
		p, err := keys.Resolve(ctx, strings.TrimSpace(secret))
		if err != nil {
			return err
		}
		c.Set(principalKey, p)
		if !slices.Contains(ticketStatsRoles, p.Role) {
			return errForbidden
		}
		q := ticketing.StatsQuery{From: from, To: to, GroupBy: c.QueryParam("group_by")}
		if q.GroupBy == "" {
			q.GroupBy = "venue"
		}
		if p.Role == apikey.RoleVenue {
			q.VenueID = p.Scope
		}
		st, err := svc.Stats(ctx, q)
		if err != nil {
			return err
		}
		if format == "csv" {
			return attachment(c, contentTypeCSV, "ticket-stats-"+q.GroupBy+".csv", st.WriteCSV)
		}
		return c.JSON(http.StatusOK, st)
	}
}

func statsPeriod(c echo.Context) (time.Time, time.Time, error) {
	var ts [2]time.Time
	for i, name := range []string{"from", "to"} {
		v := c.QueryParam(name)
		if v == "" {
			return ts[0], ts[1], badQuery(name, "is required: a date YYYY-MM-DD (box-office day)")
		}
		t, err := time.Parse(time.DateOnly, v)
		if err != nil {
			return ts[0], ts[1], badQuery(name, "must be a date YYYY-MM-DD")
		}
		ts[i] = t
	}
	return ts[0], ts[1], nil
}
