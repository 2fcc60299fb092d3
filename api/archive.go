package api

import (
	"log/slog"
	"net/http"

	"github.com/labstack/echo/v4"

	"ecinema/apikey"
	"ecinema/culture/archive"
	"ecinema/registry"
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
	return replyBody(http.StatusOK, func(c echo.Context, in archive.UnitRecord) (archive.Unit, error) {
		return svc.PutUnit(c.Request().Context(), principal(c).KeyID, c.Param("id"), in)
	})
}

func handleArchiveUnitDelete(svc *archive.Service) echo.HandlerFunc {
	return reply(http.StatusOK, func(c echo.Context) (archive.Unit, error) {
		return svc.WithdrawUnit(c.Request().Context(), principal(c).KeyID, c.Param("id"))
	})
}

func handleArchiveUnitGet(svc *archive.Service) echo.HandlerFunc {
	return reply(http.StatusOK, func(c echo.Context) (archive.Unit, error) {
		return svc.Unit(c.Request().Context(), c.Param("id"), archivePrivileged(c))
	})
}

func handleArchiveUnitVersions(svc *archive.Service) echo.HandlerFunc {
	return reply(http.StatusOK, func(c echo.Context) (listResponse[archive.Version], error) {
		return listOf(svc.UnitVersions(c.Request().Context(), c.Param("id"), archivePrivileged(c)))
	})
}

func handleArchiveUnitEvents(svc *archive.Service) echo.HandlerFunc {
	return reply(http.StatusOK, func(c echo.Context) (listResponse[archive.Event], error) {
		return listOf(svc.Events(c.Request().Context(), c.Param("id"), archivePrivileged(c)))
	})
}

func handleArchiveUnits(svc *archive.Service) echo.HandlerFunc {
	return replyPage(func(c echo.Context, p registry.Page) ([]archive.Unit, string, error) {
		return svc.Units(c.Request().Context(), archive.Query{Q: c.QueryParam("q"), Fond: c.QueryParam("fond"),
			Person: c.QueryParam("person"), Cursor: p.Cursor, Limit: p.Limit, Privileged: archivePrivileged(c)})
	})
}

// handleArchiveDeposit streams the bag (zip or tar) to the archive, which
// spools, checks and stores it; the body is limited by ECINEMA_MAX_UPLOAD.
// An Idempotency-Key is checked before the body is read; the request it
// names is the bag's content, known once read (idempotency.Pending).
func handleArchiveDeposit(svc *archive.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		format, err := archive.FormatOf(c.Request().Header.Get(echo.HeaderContentType))
		if err != nil {
			return err
		}
		if c.Request().ContentLength > svc.MaxUpload() {
			return archive.ErrTooLarge
		}
		idem, err := culturePending(c)
		if err != nil {
			return err
		}
		res, err := svc.Deposit(c.Request().Context(), principal(c).KeyID, c.Param("id"), format, c.Request().Body, idem)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusCreated, res)
	}
}

func handleArchiveDIP(svc *archive.Service, log *slog.Logger) echo.HandlerFunc {
	return func(c echo.Context) error {
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
	return replyBody(http.StatusOK, func(c echo.Context, in archive.PersonRecord) (archive.Person, error) {
		return svc.PutPerson(c.Request().Context(), principal(c).KeyID, c.Param("id"), in)
	})
}

func handleArchivePersonGet(svc *archive.Service) echo.HandlerFunc {
	return reply(http.StatusOK, func(c echo.Context) (archive.Person, error) {
		return svc.Person(c.Request().Context(), c.Param("id"))
	})
}

func handleArchivePersonVersions(svc *archive.Service) echo.HandlerFunc {
	return reply(http.StatusOK, func(c echo.Context) (listResponse[archive.Version], error) {
		return listOf(svc.PersonVersions(c.Request().Context(), c.Param("id")))
	})
}

func handleArchivePersons(svc *archive.Service) echo.HandlerFunc {
	return replyPage(func(c echo.Context, p registry.Page) ([]archive.Person, string, error) {
		return svc.Persons(c.Request().Context(), c.QueryParam("q"), p.Cursor, p.Limit)
	})
}

func handleArchiveSyncStatus(svc *archive.Service) echo.HandlerFunc {
	return reply(http.StatusOK, func(c echo.Context) (archive.SyncStatus, error) {
		p, err := pageParams(c)
		if err != nil {
			return archive.SyncStatus{}, err
		}
		return svc.Status(c.Request().Context(), c.QueryParam("state"), p.Cursor, p.Limit)
	})
}

func handleArchiveSyncRetry(svc *archive.Service) echo.HandlerFunc {
	return reply(http.StatusOK, func(c echo.Context) (archive.SyncRow, error) {
		return svc.Retry(c.Request().Context(), c.Param("id"))
	})
}
