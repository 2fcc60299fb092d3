package api

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/prometheus/client_golang/prometheus"

	"ecinema/apikey"
	"ecinema/boxoffice"
	"ecinema/culture/archive"
	"ecinema/culture/fund"
	"ecinema/culture/hubs"
	"ecinema/culture/library"
	"ecinema/culture/museum"
	"ecinema/culture/ngo"
	"ecinema/culture/ticketing"
	"ecinema/ingest"
	"ecinema/registry"
	"ecinema/settlement"
	"ecinema/validate"
)

// Deps are the services the API serves. internal/app wires every one of
// them (tests get the same wiring through internal/apptest); the handlers
// do not check for a missing service.
type Deps struct {
	Logger   *slog.Logger
	Metrics  prometheus.Registerer
	Gatherer prometheus.Gatherer
	Pool     *pgxpool.Pool
	Keys     *apikey.Store
	Registry *registry.Service
	// Ready reports whether the service can take traffic (database reachable,
	// migrations current); nil means always ready.
	Ready func(ctx context.Context) error
	// RateLimit is the sustained requests per second allowed per API key;
	// RateBurst the bucket size. Zero disables the limit.
	RateLimit  float64
	RateBurst  int
	BoxOffice  *boxoffice.Service
	Ingest     *ingest.Service
	Ledger     *LedgerDeps
	Settlement *settlement.Service
	// OAI is the OAI-PMH 2.0 provider (package culture/oaipmh) at /oai.
	OAI http.Handler
	NGO *ngo.Service
	// DBTimeout bounds each request's database work (an idle deadline for
	// bulk streams); past it the answer is 503. Zero disables it.
	DBTimeout time.Duration
	// BulkReaders is how many bulk reads (exports, statements,
	// reconciliation) may run at once; zero means no limit.
	BulkReaders int
	// Now is the clock of the web pages ("the last complete weekend") and
	// of the API's defaults that depend on the date; time.Now when nil.
	Now func() time.Time
	// Ticketing is the unified e-ticketing register (culture/ticketing).
	Ticketing *ticketing.Service
	Museum    *museum.Service
	Fund      *fund.Service
	// Investments gives the fund's stats the deals closed at the hubs.
	Investments Investments
	Archive     *archive.Service
	Library     *library.Service
	Hubs        *hubs.Service
}

// uploadRoutes take file bodies over validate.MaxBodyBytes: their services stream
// the body and apply the upload limit (ECINEMA_MAX_UPLOAD) themselves.
var uploadRoutes = map[string]bool{
	"/v1/museums/:mid/objects/:inv/images/:n": true,
	"/v1/archive/units/:id/deposits":          true,
	"/v1/library/editions/:id/file":           true,
	"/v1/library/editions/:id/cover":          true,
	"/v1/library/editions/:id/tracks/:n":      true,
}

// Server is the HTTP API.
type Server struct {
	echo     *echo.Echo
	deps     Deps
	log      *slog.Logger
	draining atomic.Bool
	// bulkSlots holds one token per running bulk read (nil: no limit).
	bulkSlots chan struct{}
	// rejected counts error answers by code.
	rejected *prometheus.CounterVec
}

// New builds the API with every route of routes.go.
func New(d Deps) *Server {
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	if d.Metrics == nil {
		r := prometheus.NewRegistry()
		d.Metrics, d.Gatherer = r, r
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	// No proxy is trusted: the client address is the connection's peer.
	// Put ExtractIPFromXFFHeader with trust options here when a proxy fronts it.
	e.IPExtractor = echo.ExtractIPDirect()
	s := &Server{echo: e, deps: d, log: d.Logger}
	if d.BulkReaders > 0 {
		s.bulkSlots = make(chan struct{}, d.BulkReaders)
	}
	e.HTTPErrorHandler = s.handleError
	m := newHTTPMetrics(d.Metrics)
	if d.Pool != nil {
		d.Metrics.MustRegister(newPoolCollector(d.Pool))
	}
	s.rejected = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "ecinema_requests_rejected_total",
		Help: "Requests answered with an error, by error code (the code of the error body)."}, []string{"code"})
	d.Metrics.MustRegister(s.rejected)
	if d.Ledger != nil && d.Ledger.Reader != nil {
		d.Metrics.MustRegister(checkpointAge(d.Ledger.Reader))
	}
	e.Use(
		middleware.RequestIDWithConfig(middleware.RequestIDConfig{Generator: newRequestID}),
		s.accessLog,
		m.middleware,
		// Large JSON, CSV and export answers are compressed when the client
		// accepts gzip (gzip.go); /metrics negotiates its own compression.
		compressLarge(1024, func(c echo.Context) bool { return c.Path() == "/metrics" }),
		middleware.Recover(),
		middleware.BodyLimitWithConfig(middleware.BodyLimitConfig{Limit: strconv.Itoa(validate.MaxBodyBytes) + "B",
			Skipper: func(c echo.Context) bool { return uploadRoutes[c.Path()] }}),
		cleanInput,
		s.requestDeadline,
	)
	s.routes()
	return s
}

// ServeHTTP serves a request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.echo.ServeHTTP(w, r) }

// Drain makes /readyz answer 503 so that load balancers stop sending new
// requests while in-flight ones finish.
func (s *Server) Drain() { s.draining.Store(true) }

// Routes lists the method and path of every route, for the OpenAPI test.
func (s *Server) Routes() []echo.Route {
	out := []echo.Route{}
	for _, r := range s.echo.Routes() {
		out = append(out, *r)
	}
	return out
}

func (s *Server) accessLog(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		err := next(c)
		if err != nil {
			c.Error(err)
		}
		ctx := c.Request().Context()
		if !s.log.Enabled(ctx, slog.LevelInfo) {
			return nil // ECINEMA_LOG_LEVEL=warn: no line, so none is built
		}
		res := c.Response()
		attrs := []slog.Attr{
			slog.String("request_id", res.Header().Get(echo.HeaderXRequestID)),
			slog.String("method", c.Request().Method),
			slog.String("route", c.Path()),
			slog.String("path", c.Request().URL.Path),
			slog.Int("status", res.Status),
			slog.Int64("bytes", res.Size),
			slog.Duration("duration", time.Since(start)),
			slog.String("ip", c.RealIP()),
		}
		if p, ok := c.Get(principalKey).(apikey.Principal); ok {
			attrs = append(attrs, slog.String("key", p.KeyID))
		}
		s.log.LogAttrs(ctx, slog.LevelInfo, "request", attrs...)
		return nil
	}
}
