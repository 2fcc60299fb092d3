package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"ecinema/apikey"
	"ecinema/culture/ngo"
)

// Roles of the NGO database beside the ngo key of one BIN.
var (
	ngoReportReaders = []apikey.Role{apikey.RoleAdmin, apikey.RoleAuditor, apikey.RoleFundOfficer, apikey.RoleNGO}
	ngoOnly          = []apikey.Role{apikey.RoleNGO}
)

// ownBIN refuses a BIN-scoped key (ngo, applicant) acting for another BIN.
func ownBIN(c echo.Context, bin string) error {
	p := principal(c)
	if (p.Role == apikey.RoleNGO || p.Role == apikey.RoleApplicant) && p.Scope != bin {
		return errForbidden
	}
	return nil
}

// reportYear reads the {year} path parameter.
func reportYear(c echo.Context) (int, error) {
	y, err := strconv.Atoi(c.Param("year"))
	if err != nil || y < 1 || y > 9999 {
		return 0, badQuery("year", "must be a year like 2025")
	}
	return y, nil
}

func handleNGOPut(svc *ngo.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		if svc == nil {
			return errNotWired
		}
		var in ngo.NGO
		if err := decodeJSON(c, &in); err != nil {
			return err
		}
		out, err := svc.PutNGO(c.Request().Context(), principal(c).KeyID, c.Param("bin"), in)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, out)
	}
}

func handleNGOGet(svc *ngo.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		if svc == nil {
			return errNotWired
		}
		n, err := svc.NGO(c.Request().Context(), c.Param("bin"))
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, n)
	}
}

func handleNGOVersions(svc *ngo.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		if svc == nil {
			return errNotWired
		}
		vs, err := svc.NGOVersions(c.Request().Context(), c.Param("bin"))
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, listResponse[ngo.NGOVersion]{Items: vs})
	}
}

func handleNGOList(svc *ngo.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		if svc == nil {
			return errNotWired
		}
		p, err := pageParams(c)
		if err != nil {
			return err
		}
		items, next, err := svc.NGOs(c.Request().Context(), ngo.Page{Limit: p.Limit, Cursor: p.Cursor})
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, listResponse[ngo.NGO]{Items: items, NextCursor: next})
	}
}

func handleNGOEligibility(svc *ngo.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		if svc == nil {
			return errNotWired
		}
		bin := c.Param("bin")
		if !ngo.ValidBIN(bin) {
			return badQuery("bin", "must be 12 digits with a valid check digit")
		}
		e, err := svc.Eligibility(c.Request().Context(), bin)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, e)
	}
}

// reportAction wraps the report routes: service, scope and year.
func reportAction(svc *ngo.Service, act func(c echo.Context, bin string, year int) (any, error)) echo.HandlerFunc {
	return func(c echo.Context) error {
		if svc == nil {
			return errNotWired
		}
		bin := c.Param("bin")
		if err := ownBIN(c, bin); err != nil {
			return err
		}
		year, err := reportYear(c)
		if err != nil {
			return err
		}
		out, err := act(c, bin, year)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, out)
	}
}

func handleNGOReportPut(svc *ngo.Service) echo.HandlerFunc {
	return reportAction(svc, func(c echo.Context, bin string, year int) (any, error) {
		var in ngo.ReportInput
		if err := decodeJSON(c, &in); err != nil {
			return nil, err
		}
		return svc.PutReport(c.Request().Context(), principal(c).KeyID, bin, year, in)
	})
}

func handleNGOReportGet(svc *ngo.Service) echo.HandlerFunc {
	return reportAction(svc, func(c echo.Context, bin string, year int) (any, error) {
		return svc.Report(c.Request().Context(), bin, year)
	})
}

func handleNGOReportVersions(svc *ngo.Service) echo.HandlerFunc {
	return reportAction(svc, func(c echo.Context, bin string, year int) (any, error) {
		vs, err := svc.ReportVersions(c.Request().Context(), bin, year)
		return listResponse[ngo.ReportVersion]{Items: vs}, err
	})
}

func handleNGOReportSubmit(svc *ngo.Service) echo.HandlerFunc {
	return reportAction(svc, func(c echo.Context, bin string, year int) (any, error) {
		return svc.Submit(c.Request().Context(), principal(c).KeyID, bin, year)
	})
}

// decisionRequest is the body of accept and return.
type decisionRequest struct {
	Comment string `json:"comment"`
}

func handleNGOReportDecide(svc *ngo.Service, accept bool) echo.HandlerFunc {
	return reportAction(svc, func(c echo.Context, bin string, year int) (any, error) {
		var in decisionRequest
		if c.Request().ContentLength != 0 {
			if err := decodeJSON(c, &in); err != nil {
				return nil, err
			}
		}
		return svc.Decide(c.Request().Context(), principal(c).KeyID, bin, year, accept, in.Comment)
	})
}

func handleNGOOpenData(svc *ngo.Service, format string) echo.HandlerFunc {
	return func(c echo.Context) error {
		if svc == nil {
			return errNotWired
		}
		ngos, err := svc.OpenData(c.Request().Context())
		if err != nil {
			return err
		}
		w := c.Response()
		if format == "csv" {
			w.Header().Set(echo.HeaderContentType, "text/csv; charset=utf-8")
			w.Header().Set("Content-Disposition", `attachment; filename="ngos.csv"`)
			w.WriteHeader(http.StatusOK)
			return ngo.WriteCSV(w, ngos)
		}
		w.Header().Set(echo.HeaderContentType, echo.MIMEApplicationJSON)
		w.WriteHeader(http.StatusOK)
		return ngo.WriteJSON(w, ngos, time.Now())
	}
}
