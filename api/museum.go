package api

import (
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"ecinema/apikey"
	"ecinema/culture/museum"
	"ecinema/validate"
)

// Museum routes (CULTURE 4). Writes are the curator's of that museum (or
// an admin's); reads of published objects, their images, manifests and
// LIDO records are public; an unpublished object exists only for its
// museum's curator, admins and auditors, who see it by sending their key.

// openCORS lets any web page read the response (IIIF viewers run on other
// origins): Access-Control-Allow-Origin * on every answer, errors
// included, and preflight requests answered here.
func openCORS(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set(echo.HeaderAccessControlAllowOrigin, "*")
		req := c.Request()
		if req.Method == http.MethodOptions && req.Header.Get(echo.HeaderAccessControlRequestMethod) != "" {
			h.Set(echo.HeaderAccessControlAllowMethods, "GET, HEAD, OPTIONS")
			h.Set(echo.HeaderAccessControlAllowHeaders, "Accept, Authorization")
			h.Set(echo.HeaderAccessControlMaxAge, "86400")
			return c.NoContent(http.StatusNoContent)
		}
		return next(c)
	}
}

// museumWriter may change museum mid's catalogue.
func museumWriter(p apikey.Principal, mid string) error {
	switch {
	case p.Role == apikey.RoleAdmin:
		return nil
	case p.Role == apikey.RoleCurator && p.Scope == mid:
		return nil
	}
	return errForbidden
}

// seesUnpublished reports whether the (optional) key may see museum mid's
// unpublished objects.
func seesUnpublished(c echo.Context, mid string) bool {
	p, ok := c.Get(principalKey).(apikey.Principal)
	if !ok {
		return false
	}
	return p.Role == apikey.RoleAdmin || p.Role == apikey.RoleAuditor || (p.Role == apikey.RoleCurator && p.Scope == mid)
}

// optionalKey resolves a bearer key when one is sent, so public routes can
// show more to a curator; a request without one stays anonymous.
func (s *Server) optionalKey(next echo.HandlerFunc) echo.HandlerFunc {
	auth := s.authenticate(next)
	return func(c echo.Context) error {
		if c.Request().Header.Get(echo.HeaderAuthorization) == "" {
			return next(c)
		}
		return auth(c)
	}
}

// siteLinks builds absolute links from the URL the client reached.
func siteLinks(c echo.Context) museum.Links {
	return museum.Links{Base: c.Scheme() + "://" + c.Request().Host}
}

// museumWrite is reply on a write to museum :mid's catalogue: its
// curator's or an admin's.
func museumWrite[T any](status int, act func(c echo.Context, mid string) (T, error)) echo.HandlerFunc {
	return reply(status, func(c echo.Context) (T, error) {
		mid := c.Param("mid")
		if err := museumWriter(principal(c), mid); err != nil {
			var zero T
			return zero, err
		}
		return act(c, mid)
	})
}

// museumPrivate is reply on what only those who see museum :mid's
// unpublished objects may read (an object's versions and events).
func museumPrivate[T any](act func(c echo.Context, mid string) (T, error)) echo.HandlerFunc {
	return reply(http.StatusOK, func(c echo.Context) (T, error) {
		mid := c.Param("mid")
		if !seesUnpublished(c, mid) {
			var zero T
			return zero, errForbidden
		}
		return act(c, mid)
	})
}

func handleMuseumObjectPut(svc *museum.Service) echo.HandlerFunc {
	return museumWrite(http.StatusOK, func(c echo.Context, mid string) (museum.ObjectView, error) {
		return withBody(func(c echo.Context, in museum.Object) (museum.ObjectView, error) {
			return svc.PutObject(c.Request().Context(), principal(c).KeyID, mid, c.Param("inv"), in)
		})(c)
	})
}

func handleMuseumObjectGet(svc *museum.Service) echo.HandlerFunc {
	return reply(http.StatusOK, func(c echo.Context) (museum.ObjectView, error) {
		mid := c.Param("mid")
		return svc.Object(c.Request().Context(), mid, c.Param("inv"), seesUnpublished(c, mid))
	})
}

func handleMuseumObjectVersions(svc *museum.Service) echo.HandlerFunc {
	return museumPrivate(func(c echo.Context, mid string) (listResponse[museum.Version], error) {
		return listOf(svc.Versions(c.Request().Context(), mid, c.Param("inv")))
	})
}

func handleMuseumEventCreate(svc *museum.Service) echo.HandlerFunc {
	return museumWrite(http.StatusCreated, func(c echo.Context, mid string) (museum.EventResult, error) {
		return withBody(func(c echo.Context, in museum.EventInput) (museum.EventResult, error) {
			e, err := in.Event()
			if err != nil {
				return museum.EventResult{}, err
			}
			k, err := cultureIdem(c, in)
			if err != nil {
				return museum.EventResult{}, err
			}
			return svc.AddEvent(c.Request().Context(), principal(c).KeyID, mid, c.Param("inv"), e, k)
		})(c)
	})
}

func handleMuseumEventList(svc *museum.Service) echo.HandlerFunc {
	return museumPrivate(func(c echo.Context, mid string) (listResponse[museum.EventView], error) {
		return listOf(svc.Events(c.Request().Context(), mid, c.Param("inv")))
	})
}

func handleMuseumImagePut(svc *museum.Service) echo.HandlerFunc {
	return museumWrite(http.StatusOK, func(c echo.Context, mid string) (museum.ImageRef, error) {
		n, err := strconv.Atoi(c.Param("n"))
		if err != nil {
			return museum.ImageRef{}, &validate.Errors{Message: "n must be an image number 1..999"}
		}
		return svc.PutImage(c.Request().Context(), principal(c).KeyID, mid, c.Param("inv"), n, c.Request().Body)
	})
}

// museumSearchResponse is a page of search hits with a title in the
// client's language.
type museumSearchHit struct {
	museum.Hit
	DisplayTitle string `json:"display_title"`
	Manifest     string `json:"manifest,omitempty"`
	Thumbnail    string `json:"thumbnail,omitempty"`
}

func handleMuseumSearch(svc *museum.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		page, err := pageParams(c)
		if err != nil {
			return err
		}
		q := museum.Query{Q: c.QueryParam("q"), Museum: c.QueryParam("museum"), ObjectName: c.QueryParam("object_name")}
		for _, y := range []struct {
			name string
			p    **int
		}{{"from_year", &q.FromYear}, {"to_year", &q.ToYear}} {
			if s := c.QueryParam(y.name); s != "" {
				v, err := strconv.Atoi(s)
				if err != nil {
					return badQuery(y.name, "must be an integer year")
				}
				*y.p = &v
			}
		}
		hits, next, err := svc.Search(c.Request().Context(), q, museum.Page{Limit: page.Limit, Cursor: page.Cursor})
		if err != nil {
			return err
		}
		links, l := siteLinks(c), cultureLang(c)
		out := make([]museumSearchHit, len(hits))
		for i, h := range hits {
			out[i] = museumSearchHit{Hit: h, DisplayTitle: h.Title.Pick(l)}
			if h.ImageID != "" {
				out[i].Manifest = links.Manifest(h.MuseumID, h.ID)
				out[i].Thumbnail = links.ImageURL(h.ImageID, 200)
			}
		}
		return c.JSON(http.StatusOK, listResponse[museumSearchHit]{Items: out, NextCursor: next})
	}
}

// museumView is a museum's public description.
type museumView struct {
	ID         string            `json:"id"`
	Name       map[string]string `json:"name"`
	City       string            `json:"city,omitempty"`
	Collection string            `json:"collection"`
}

func handleMuseumGet(svc *museum.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		m, err := svc.Museum(c.Request().Context(), c.Param("mid"))
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, museumView{ID: m.ID, Name: m.Name, City: m.City, Collection: siteLinks(c).Collection(m.ID)})
	}
}

// iiifJSON answers a IIIF document: JSON-LD with the API's context as
// profile when the client asks for it, plain JSON otherwise (as both IIIF
// APIs require).
func iiifJSON(c echo.Context, context string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	ct := echo.MIMEApplicationJSON
	if strings.Contains(c.Request().Header.Get("Accept"), "application/ld+json") {
		ct = `application/ld+json;profile="` + context + `"`
	}
	return c.Blob(http.StatusOK, ct, b)
}

func handleIIIFBase() echo.HandlerFunc {
	return func(c echo.Context) error {
		return c.Redirect(http.StatusSeeOther, strings.TrimSuffix(c.Request().URL.Path, "/")+"/info.json")
	}
}

func handleIIIFInfo(svc *museum.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		id := c.Param("image")
		mid, _, _, _ := museum.ParseImageID(id)
		info, err := svc.Image(c.Request().Context(), id, seesUnpublished(c, mid))
		if err != nil {
			return err
		}
		return iiifJSON(c, museum.ImageContext, siteLinks(c).InfoJSON(info))
	}
}

// handleIIIFImage serves the level 0 image requests: region full, size
// max or a listed width ("w," or "w,h"), rotation 0, quality default,
// format jpg.
func handleIIIFImage(svc *museum.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		id := c.Param("image")
		if c.Param("region") != "full" || c.Param("rotation") != "0" || c.Param("file") != "default.jpg" {
			return validate.Refuse(errInvalidIIIF, "", "this level 0 service serves region full, rotation 0 and default.jpg only")
		}
		width, height, ok := parseIIIFSize(c.Param("size"))
		if !ok {
			return validate.Refuse(errInvalidIIIF, "", "size must be max, w, or w,h of a listed size")
		}
		mid, _, _, _ := museum.ParseImageID(id)
		ctx := c.Request().Context()
		info, err := svc.Image(ctx, id, seesUnpublished(c, mid))
		if err != nil {
			return err
		}
		rc, _, err := svc.OpenSize(ctx, info, width, height)
		if err != nil {
			return err
		}
		defer rc.Close()
		h := c.Response().Header()
		h.Set("Cache-Control", "public, max-age=3600")
		c.Response().Header().Set(echo.HeaderContentType, museum.MediaJPEG)
		c.Response().WriteHeader(http.StatusOK)
		_, err = io.Copy(c.Response(), rc)
		return err
	}
}

// parseIIIFSize reads "max", "w," or "w,h" (width 0 means max).
func parseIIIFSize(s string) (w, h int, ok bool) {
	if s == "max" {
		return 0, 0, true
	}
	ws, hs, found := strings.Cut(s, ",")
	if !found {
		return 0, 0, false
	}
	w, err := strconv.Atoi(ws)
	if err != nil || w <= 0 {
		return 0, 0, false
	}
	if hs != "" {
		if h, err = strconv.Atoi(hs); err != nil || h <= 0 {
			return 0, 0, false
		}
	}
	return w, h, true
}

func handleIIIFManifest(svc *museum.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		mid := c.Param("mid")
		m, o, images, err := svc.ManifestData(c.Request().Context(), mid, c.Param("inv"), seesUnpublished(c, mid))
		if err != nil {
			return err
		}
		return iiifJSON(c, museum.PresentationContext, siteLinks(c).Manifest3(m, o, images))
	}
}

func handleIIIFCollection(svc *museum.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		m, items, err := svc.CollectionData(c.Request().Context(), c.Param("mid"))
		if err != nil {
			return err
		}
		return iiifJSON(c, museum.PresentationContext, siteLinks(c).Collection3(m, items))
	}
}

func handleLIDO(svc *museum.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		mid := c.Param("mid")
		m, o, images, err := svc.LIDOData(c.Request().Context(), mid, c.Param("inv"), seesUnpublished(c, mid))
		if err != nil {
			return err
		}
		return c.Blob(http.StatusOK, "application/xml; charset=utf-8", museum.LIDODocument(siteLinks(c), m, o, images))
	}
}
