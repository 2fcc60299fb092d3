package api

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"ecinema/ledger"
	"ecinema/validate"
)

func handleLivez() echo.HandlerFunc {
	return func(c echo.Context) error {
		return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
	}
}

// handleReadyz answers 200 when the database answers and migrations are
// current, 503 while draining or when either check fails.
func (s *Server) handleReadyz() echo.HandlerFunc {
	return func(c echo.Context) error {
		notReady := func(msg string) error {
			return validate.Refuse(errNotReady, "", "%s", msg)
		}
		if s.draining.Load() {
			return notReady("draining: the server is shutting down")
		}
		ctx, cancel := context.WithTimeout(c.Request().Context(), 2*time.Second)
		defer cancel()
		if s.deps.Pool != nil {
			if err := s.deps.Pool.Ping(ctx); err != nil {
				return notReady("database unreachable")
			}
		}
		if s.deps.Ready != nil {
			if err := s.deps.Ready(ctx); err != nil {
				return notReady(err.Error())
			}
		}
		return c.JSON(http.StatusOK, map[string]string{"status": "ready"})
	}
}

func handleMetrics(g prometheus.Gatherer) echo.HandlerFunc {
	return echo.WrapHandler(promhttp.HandlerFor(g, promhttp.HandlerOpts{}))
}

func newRequestID() string {
	b := make([]byte, 12)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// httpMetrics counts requests and their latency by route, method and status.
type httpMetrics struct {
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
}

func newHTTPMetrics(reg prometheus.Registerer) *httpMetrics {
	m := &httpMetrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ecinema_http_requests_total", Help: "HTTP requests by route, method and status.",
		}, []string{"route", "method", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "ecinema_http_request_duration_seconds", Help: "HTTP request latency by route, method and status.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"route", "method", "status"}),
	}
	reg.MustRegister(m.requests, m.latency)
	return m
}

func (m *httpMetrics) middleware(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		err := next(c)
		if err != nil {
			c.Error(err)
		}
		route := c.Path()
		if route == "" {
			route = "unmatched"
		}
		status := strconv.Itoa(c.Response().Status)
		m.requests.WithLabelValues(route, c.Request().Method, status).Inc()
		m.latency.WithLabelValues(route, c.Request().Method, status).Observe(time.Since(start).Seconds())
		return nil
	}
}

// poolCollector exports the statistics of the database pool.
type poolCollector struct {
	pool                                              *pgxpool.Pool
	acquired, idle, total, max, acquires, waitSeconds *prometheus.Desc
}

func newPoolCollector(p *pgxpool.Pool) *poolCollector {
	d := func(name, help string) *prometheus.Desc {
		return prometheus.NewDesc("ecinema_db_pool_"+name, help, nil, nil)
	}
	return &poolCollector{pool: p,
		acquired:    d("acquired_connections", "Connections in use."),
		idle:        d("idle_connections", "Idle connections."),
		total:       d("total_connections", "Open connections."),
		max:         d("max_connections", "Pool size limit."),
		acquires:    d("acquires_total", "Connections acquired from the pool."),
		waitSeconds: d("acquire_wait_seconds_total", "Time spent waiting for a connection."),
	}
}

func (p *poolCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{p.acquired, p.idle, p.total, p.max, p.acquires, p.waitSeconds} {
		ch <- d
	}
}

func (p *poolCollector) Collect(ch chan<- prometheus.Metric) {
	st := p.pool.Stat()
	ch <- prometheus.MustNewConstMetric(p.acquired, prometheus.GaugeValue, float64(st.AcquiredConns()))
	ch <- prometheus.MustNewConstMetric(p.idle, prometheus.GaugeValue, float64(st.IdleConns()))
	ch <- prometheus.MustNewConstMetric(p.total, prometheus.GaugeValue, float64(st.TotalConns()))
	ch <- prometheus.MustNewConstMetric(p.max, prometheus.GaugeValue, float64(st.MaxConns()))
	ch <- prometheus.MustNewConstMetric(p.acquires, prometheus.CounterValue, float64(st.AcquireCount()))
	ch <- prometheus.MustNewConstMetric(p.waitSeconds, prometheus.CounterValue, st.AcquireDuration().Seconds())
}

// checkpointAge is the age of the newest signed checkpoint, read at scrape
// time (−1 when none was published or the read failed): an alert on it
// catches a publisher that stopped signing.
func checkpointAge(r *ledger.Reader) prometheus.GaugeFunc {
	return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "ecinema_checkpoint_age_seconds",
		Help: "Seconds since the newest checkpoint was published (-1 when none)."}, func() float64 {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		cp, err := r.LatestCheckpoint(ctx)
		if err != nil {
			return -1
		}
		return time.Since(cp.PublishedAt).Seconds()
	})
}
