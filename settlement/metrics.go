package settlement

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// closeMetrics time the period closes: the whole ClosePeriod call, and the
// part of it under the ledger head lock (the period_close entry's Project:
// the late-data check and the frozen rows), which every till waits for.
type closeMetrics struct {
	seconds *prometheus.HistogramVec
}

// SetMetrics registers the close metrics
// (ecinema_settlement_close_seconds{phase="total"|"locked"}) on reg. Without
// it nothing is measured.
func (s *Service) SetMetrics(reg prometheus.Registerer) {
	m := &closeMetrics{seconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "ecinema_settlement_close_seconds",
		Help:    "Period closes: the whole close (total) and its time under the ledger head lock (locked).",
		Buckets: []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30},
	}, []string{"phase"})}
	reg.MustRegister(m.seconds)
	s.metrics = m
}

func (m *closeMetrics) observe(phase string, since time.Time) {
	if m != nil {
		m.seconds.WithLabelValues(phase).Observe(time.Since(since).Seconds())
	}
}
