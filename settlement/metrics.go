package settlement

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// closeMetrics time the period closes: the whole ClosePeriod call (total),
// the writing of the frozen rows (stage, outside the ledger lock) and the
// part under the ledger head lock (locked: from the lock granted to the
// commit; the last late-data check, the entry and the period row), which
// every till waits for.
type closeMetrics struct {
	seconds *prometheus.HistogramVec
}

// SetMetrics registers the close metrics
// (ecinema_settlement_close_seconds{phase="total"|"stage"|"locked"}) on reg. Without
// it nothing is measured.
func (s *Service) SetMetrics(reg prometheus.Registerer) {
	m := &closeMetrics{seconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "ecinema_settlement_close_seconds",
		Help:    "Period closes: the whole close (total), writing its frozen rows outside the ledger lock (stage) and its time under the ledger head lock (locked).",
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
