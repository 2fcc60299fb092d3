package api

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/labstack/echo/v4"

	"ecinema/ledger"
)

// Outage and overload answers (SPEC 4: 503). A POS retries them with the
// same Idempotency-Key, so a sale that did commit before the answer was
// lost is answered, not stored twice.
var (
	// errDBTimeout ends a request whose database work outran its deadline.
	errDBTimeout = errors.New("the database did not answer in time; retry later")
	// errDBUnavailable is a database that cannot be reached or is shutting down.
	errDBUnavailable = errors.New("the database is unavailable; retry later")
	// errBulkBusy is a bulk read that found every bulk slot taken for its deadline.
	errBulkBusy = errors.New("too many exports and statements are running; retry later")
)

// retryAfterSeconds is the Retry-After of every 503.
const retryAfterSeconds = 2

const deadlineKey = "deadline"

// requestDeadline bounds each request's work: its context is cancelled
// when it makes no progress for DBTimeout, so a database that stops
// answering (frozen, partitioned) costs a client DBTimeout and a 503, not a
// hang. Progress is a write of the answer or a read of the body (after
// cleanInput has read text bodies): an ordinary handler writes its answer
// once, after its database work, so for it the deadline is a total one; a
// stream (an export, a file download, an upload that the handler reads
// itself) restarts the timer with every write or read, so one that keeps
// moving is never cut and one that stalls for DBTimeout is.
func (s *Server) requestDeadline(next echo.HandlerFunc) echo.HandlerFunc {
	d := s.deps.DBTimeout
	if d <= 0 {
		return next
	}
	return func(c echo.Context) error {
		r := c.Request()
		ctx, cancel := context.WithCancelCause(r.Context())
		defer cancel(nil)
		dl := &deadline{d: d, timer: time.AfterFunc(d, func() { cancel(errDBTimeout) })}
		defer dl.timer.Stop()
		c.SetRequest(r.WithContext(ctx))
		c.Set(deadlineKey, dl)
		c.Response().Writer = &idleWriter{ResponseWriter: c.Response().Writer, dl: dl}
		if r.Body != nil {
			c.Request().Body = &idleReader{ReadCloser: r.Body, dl: dl}
		}
		err := next(c)
		if err != nil && errors.Is(context.Cause(ctx), errDBTimeout) {
			return errDBTimeout // whatever the handler made of the cancellation
		}
		return err
	}
}

type deadline struct {
	d     time.Duration
	timer *time.Timer
}

// idleWriter restarts the deadline on every write.
type idleWriter struct {
	http.ResponseWriter
	dl *deadline
}

func (w *idleWriter) Write(b []byte) (int, error) {
	w.dl.timer.Reset(w.dl.d)
	return w.ResponseWriter.Write(b)
}

// idleReader restarts the deadline on every read of the request body, so
// a long upload that keeps moving is not cut either.
type idleReader struct {
	io.ReadCloser
	dl *deadline
}

func (r *idleReader) Read(b []byte) (int, error) {
	r.dl.timer.Reset(r.dl.d)
	return r.ReadCloser.Read(b)
}

// Unwrap lets http.ResponseController reach Flush on the real writer.
func (w *idleWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// bulk marks a route as a bulk read (exports, statements, reconciliation):
// at most Deps.BulkReaders of them run at once, so they can never hold the
// pool connections the write path needs. A request that waits for a slot
// longer than its deadline is 503; once it has one, its deadline starts
// again.
func (s *Server) bulk(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if s.bulkSlots != nil {
			select {
			case s.bulkSlots <- struct{}{}:
				defer func() { <-s.bulkSlots }()
			case <-c.Request().Context().Done():
				if errors.Is(context.Cause(c.Request().Context()), errDBTimeout) {
					return errBulkBusy
				}
				return c.Request().Context().Err()
			}
		}
		if dl, ok := c.Get(deadlineKey).(*deadline); ok {
			dl.timer.Reset(dl.d)
		}
		return next(c)
	}
}

// unavailable reports whether err means the database could not serve the
// request (down, restarting, out of connections, unreachable): a 503, not
// a 500.
func unavailable(err error) bool {
	if errors.Is(err, errDBTimeout) || errors.Is(err, errDBUnavailable) || errors.Is(err, ledger.ErrWriterClosed) {
		return true
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch {
		case len(pgErr.Code) == 5 && pgErr.Code[:2] == "08", // connection exception
			pgErr.Code == "57P01", pgErr.Code == "57P02", pgErr.Code == "57P03", // shutdown, crash, cannot connect now
			pgErr.Code == "53300", pgErr.Code == "53400": // too many connections
			return true
		}
		return false
	}
	var connErr *pgconn.ConnectError
	var netErr net.Error
	return errors.As(err, &connErr) || pgconn.Timeout(err) || errors.As(err, &netErr) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.EPIPE) || errors.Is(err, pgconn.ErrConnClosed)
}

func setRetryAfter(c echo.Context) {
	c.Response().Header().Set("Retry-After", strconv.Itoa(retryAfterSeconds))
}
