package api

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"ecinema/ingest"
	"ecinema/validate"
)

// The POS read-back: a till compares what the ledger holds for its cinema
// with its own records and resends only what is missing (with the batch's
// own Idempotency-Key, so nothing is recorded twice).

type posTicketJSON struct {
	ID         string  `json:"id"`
	Price      string  `json:"price"`
	Category   string  `json:"category"`
	Seat       *string `json:"seat"`
	Channel    string  `json:"channel"`
	SoldAt     string  `json:"sold_at"`
	SaleDate   string  `json:"sale_date"`
	SaleSeq    int64   `json:"sale_seq"`
	RefundedAt *string `json:"refunded_at"`
	RefundSeq  *int64  `json:"refund_seq"`
}

type posScreeningJSON struct {
	ingest.ScreeningState
	Gross string `json:"gross"`
}

// handleScreeningsList answers GET /v1/screenings?date=YYYY-MM-DD: the key's
// cinema's screenings of that box-office day, with their sales so far.
func handleScreeningsList(svc *ingest.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		caller, err := posCaller(c, svc)
		if err != nil {
			return err
		}
		var ve validate.Errors
		day := queryDate(c, &ve, "date", true)
		if err := ve.Err(); err != nil {
			return err
		}
		list, err := svc.ScreeningsOfDay(c.Request().Context(), caller.CinemaID, day)
		if err != nil {
			return err
		}
		items := make([]posScreeningJSON, 0, len(list))
		for _, s := range list {
			items = append(items, posScreeningJSON{s, s.Gross.StringFixed(2)})
		}
		return c.JSON(http.StatusOK, map[string]any{"date": day.Format(time.DateOnly), "items": items})
	}
}

// handleScreeningTickets answers GET /v1/screenings/{id}/tickets: the
// screening and every ticket sold for it, refunded ones included.
func handleScreeningTickets(svc *ingest.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		caller, err := posCaller(c, svc)
		if err != nil {
			return err
		}
		st, tickets, err := svc.ScreeningTickets(c.Request().Context(), caller.CinemaID, c.Param("id"))
		if err != nil {
			return err
		}
		items := make([]posTicketJSON, 0, len(tickets))
		for _, t := range tickets {
			j := posTicketJSON{ID: t.ID, Price: t.Price.StringFixed(2), Category: t.Category, Channel: t.Channel,
				SoldAt: t.SoldAt.UTC().Format(time.RFC3339Nano), SaleDate: t.SaleDate.Format(time.DateOnly), SaleSeq: t.SaleSeq,
				RefundSeq: t.RefundSeq}
			if t.Seat != "" {
				seat := t.Seat
				j.Seat = &seat
			}
			if t.RefundedAt != nil {
				r := t.RefundedAt.UTC().Format(time.RFC3339Nano)
				j.RefundedAt = &r
			}
			items = append(items, j)
		}
		return c.JSON(http.StatusOK, map[string]any{"screening": posScreeningJSON{st, st.Gross.StringFixed(2)}, "tickets": items})
	}
}
