package api

import (
	"log/slog"
	"net/http"

	"github.com/labstack/echo/v4"

	"ecinema/apikey"
	"ecinema/culture/archive"
)

// Roles of the e-Archive (CULTURE 2).
var (
	archivists = []apikey.Role{apikey.RoleArchivist}
)

// archivePrivileged reports whether the request may see restricted units:
// an archivist or auditor key.
func archivePrivileged(c echo.Context) bool {
	r := principal(c).Role
	return r == apikey.RoleArchivist || r == apikey.RoleAuditor
}

func handleArchiveUnitPut(svc *archive.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		if svc == nil {
			return errNotWired
		}
		var in archive.UnitRecord
		if err := decodeJSON(c, &in); err != nil {
			return err
		}
		u, err := svc.PutUnit(c.Request().Context(), principal(c).KeyID, c.Param("id"), in)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, u)
	}
}

func handleArchiveUnitDelete(svc *archive.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		if svc == nil {
			return errNotWired
		}
		u, err := svc.WithdrawUnit(c.Request().Context(), principal(c).KeyID, c.Param("id"))
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, u)
	}
}

func handleArchiveUnitGet(svc *archive.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		if svc == nil {
			return errNotWired
		}
		u, err := svc.Unit(c.Request().Context(), c.Param("id"), archivePrivileged(c))
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, u)
	}
}

func handleArchiveUnitVersions(svc *archive.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		if svc == nil {
			return errNotWired
		}
		vs, err := svc.UnitVersions(c.Request().Context(), c.Param("id"), archivePrivileged(c))
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, listResponse[archive.Version]{Items: vs})
	}
}

func handleArchiveUnitEvents(svc *archive.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		if svc == nil {
			return errNotWired
		}
		evs, err := svc.Events(c.Request().Context(), c.Param("id"), archivePrivileged(c))
		if err != nil {
			return err
		}
		if evs == nil {
			evs = []archive.Event{}
		}
		return c.JSON(http.StatusOK, listResponse[archive.Event]{Items: evs})
	}
}

func handleArchiveUnits(svc *archive.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		if svc == nil {
			return errNotWired
		}
		p, err := pageParams(c)
		if err != nil {
			return err
		}
		units, next, err := svc.Units(c.Request().Context(), archive.Query{Q: c.QueryParam("q"), Fond: c.QueryParam("fond"),
			Person: c.QueryParam("person"), Cursor: p.Cursor, Limit: p.Limit, Privileged: archivePrivileged(c)})
		if err != nil {
			return err
		}
		if units == nil {
			units = []archive.Unit{}
		}
		return c.JSON(http.StatusOK, listResponse[archive.Unit]{Items: units, NextCursor: next})
	}
}

// handleArchiveDeposit streams the bag (zip or tar) to the archive, which
// spools, checks and stores it; the body is limited by ECINEMA_MAX_UPLOAD.
func handleArchiveDeposit(svc *archive.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		if svc == nil {
			return errNotWired
		}
		format, err := archive.FormatOf(c.Request().Header.Get(echo.HeaderContentType))
		if err != nil {
			return err
		}
		if c.Request().ContentLength > svc.MaxUpload() {
			return archive.ErrTooLarge
		}
		res, err := svc.Deposit(c.Request().Context(), principal(c).KeyID, c.Param("id"), format, c.Request().Body)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusCreated, res)
	}
}

func handleArchiveDIP(svc *archive.Service, log *slog.Logger) echo.HandlerFunc {
	return func(c echo.Context) error {
		if svc == nil {
			return errNotWired
		}
		name, write, err := svc.DIP(c.Request().Context(), c.Param("id"), archivePrivileged(c))
		if err != nil {
			return err
		}
		h := c.Response().Header()
		h.Set(echo.HeaderContentType, "application/zip")
		h.Set(echo.HeaderContentDisposition, `attachment; filename="`+name+`"`)
		c.Response().WriteHeader(http.StatusOK)
		if err := write(c.Response()); err != nil {
			// The status is sent; a damaged blob cuts the zip short, so
			// the client sees a broken download, never a wrong bag.
			log.ErrorContext(c.Request().Context(), "archive: DIP cut short", "unit", c.Param("id"), "err", err)
			return nil
		}
		return nil
	}
}

func handleArchivePersonPut(svc *archive.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		if svc == nil {
			return errNotWired
		}
		var in archive.PersonRecord
		if err := decodeJSON(c, &in); err != nil {
			return err
		}
		p, err := svc.PutPerson(c.Request().Context(), principal(c).KeyID, c.Param("id"), in)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, p)
	}
}

func handleArchivePersonGet(svc *archive.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		if svc == nil {
			return errNotWired
		}
		p, err := svc.Person(c.Request().Context(), c.Param("id"))
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, p)
	}
}

func handleArchivePersonVersions(svc *archive.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		if svc == nil {
			return errNotWired
		}
		vs, err := svc.PersonVersions(c.Request().Context(), c.Param("id"))
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, listResponse[archive.Version]{Items: vs})
	}
}

func handleArchivePersons(svc *archive.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		if svc == nil {
			return errNotWired
		}
		p, err := pageParams(c)
		if err != nil {
			return err
		}
		ps, next, err := svc.Persons(c.Request().Context(), c.QueryParam("q"), p.Cursor, p.Limit)
		if err != nil {
			return err
		}
		if ps == nil {
			ps = []archive.Person{}
		}
		return c.JSON(http.StatusOK, listResponse[archive.Person]{Items: ps, NextCursor: next})
	}
}

func handleArchiveSyncStatus(svc *archive.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		if svc == nil {
			return errNotWired
		}
		p, err := pageParams(c)
		if err != nil {
			return err
		}
		st, err := svc.Status(c.Request().Context(), c.QueryParam("state"), p.Cursor, p.Limit)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, st)
	}
}

func handleArchiveSyncRetry(svc *archive.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		if svc == nil {
			return errNotWired
		}
		row, err := svc.Retry(c.Request().Context(), c.Param("id"))
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, row)
	}
}
