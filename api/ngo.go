package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"ecinema/apikey"
	"ecinema/culture/ngo"
	"ecinema/registry"
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
	return replyBody(http.StatusOK, func(c echo.Context, in ngo.NGO) (ngo.NGO, error) {
		return svc.PutNGO(c.Request().Context(), principal(c).KeyID, c.Param("bin"), in)
	})
}

func handleNGOGet(svc *ngo.Service) echo.HandlerFunc {
	return reply(http.StatusOK, func(c echo.Context) (ngo.NGO, error) {
		return svc.NGO(c.Request().Context(), c.Param("bin"))
	})
}

func handleNGOVersions(svc *ngo.Service) echo.HandlerFunc {
	return reply(http.StatusOK, func(c echo.Context) (listResponse[ngo.NGOVersion], error) {
		return listOf(svc.NGOVersions(c.Request().Context(), c.Param("bin")))
	})
}

func handleNGOList(svc *ngo.Service) echo.HandlerFunc {
	return replyPage(func(c echo.Context, p registry.Page) ([]ngo.NGO, string, error) {
		return svc.NGOs(c.Request().Context(), ngo.Page{Limit: p.Limit, Cursor: p.Cursor})
	})
}

func handleNGOEligibility(svc *ngo.Service) echo.HandlerFunc {
	return reply(http.StatusOK, func(c echo.Context) (ngo.Eligibility, error) {
		bin := c.Param("bin")
		if !ngo.ValidBIN(bin) {
			return ngo.Eligibility{}, badQuery("bin", "must be 12 digits with a valid check digit")
		}
		return svc.Eligibility(c.Request().Context(), bin)
	})
}

// reportAction is the shape of the report routes: the BIN in scope, the
// year, then act.
func reportAction[T any](act func(c echo.Context, bin string, year int) (T, error)) echo.HandlerFunc {
	return reply(http.StatusOK, func(c echo.Context) (T, error) {
		var zero T
		bin := c.Param("bin")
		if err := ownBIN(c, bin); err != nil {
			return zero, err
		}
		year, err := reportYear(c)
		if err != nil {
			return zero, err
		}
		return act(c, bin, year)
	})
}

func handleNGOReportPut(svc *ngo.Service) echo.HandlerFunc {
	return reportAction(func(c echo.Context, bin string, year int) (ngo.Report, error) {
		var in ngo.ReportInput
		if err := decodeJSON(c, &in); err != nil {
			return ngo.Report{}, err
		}
		return svc.PutReport(c.Request().Context(), principal(c).KeyID, bin, year, in)
	})
}

func handleNGOReportGet(svc *ngo.Service) echo.HandlerFunc {
	return reportAction(func(c echo.Context, bin string, year int) (ngo.Report, error) {
		return svc.Report(c.Request().Context(), bin, year)
	})
}

func handleNGOReportVersions(svc *ngo.Service) echo.HandlerFunc {
	return reportAction(func(c echo.Context, bin string, year int) (listResponse[ngo.ReportVersion], error) {
		return listOf(svc.ReportVersions(c.Request().Context(), bin, year))
	})
}

func handleNGOReportSubmit(svc *ngo.Service) echo.HandlerFunc {
	return reportAction(func(c echo.Context, bin string, year int) (ngo.Report, error) {
		return svc.Submit(c.Request().Context(), principal(c).KeyID, bin, year)
	})
}

// decisionRequest is the body of accept and return.
type decisionRequest struct {
	Comment string `json:"comment"`
}

func handleNGOReportDecide(svc *ngo.Service, accept bool) echo.HandlerFunc {
	return reportAction(func(c echo.Context, bin string, year int) (ngo.Report, error) {
		var in decisionRequest
		if c.Request().ContentLength != 0 {
			if err := decodeJSON(c, &in); err != nil {
				return ngo.Report{}, err
			}
		}
		return svc.Decide(c.Request().Context(), principal(c).KeyID, bin, year, accept, in.Comment)
	})
}

func handleNGOOpenData(svc *ngo.Service, format string) echo.HandlerFunc {
	return func(c echo.Context) error {
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
