package settlement

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// closeMetrics time the period closes: the whole ClosePeriod call (total),
// the writing of the frozen rows (stage, outside the ledger lock), the wait
// for the ledger head lock (wait: the writer's group in flight) and the
// part under the lock (locked: from the lock granted to the commit), which
// every till waits for, with three of its parts: the tree frontier read
// (frontier), the last late-data check (check) and the commit (commit);
// the rest is the entry and the period row. They count the ledger entries
// a close checked for late data after its snapshot, before the lock
// (catchup) and under it (locked).
type closeMetrics struct {
	seconds *prometheus.HistogramVec
	entries *prometheus.CounterVec
}

// SetMetrics registers the close metrics
// (ecinema_settlement_close_seconds{phase="total"|"stage"|"wait"|"locked"|"frontier"|"check"|"commit"}
// and ecinema_settlement_close_checked_entries_total{phase="catchup"|"locked"})
// on reg. Without it nothing is measured.
func (s *Service) SetMetrics(reg prometheus.Registerer) {
	m := &closeMetrics{seconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "ecinema_settlement_close_seconds",
		Help:    "Period closes: the whole close (total), writing its frozen rows outside the ledger lock (stage), waiting for the ledger head lock (wait), its time under it (locked) and of that the frontier read (frontier), the last late-data check (check) and the commit (commit).",
		Buckets: []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30},
	}, []string{"phase"}),
		entries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ecinema_settlement_close_checked_entries_total",
			Help: "Ledger entries the period closes checked for late data after their snapshot: before the ledger head lock (catchup) and under it (locked).",
		}, []string{"phase"}),
	}
	reg.MustRegister(m.seconds, m.entries)
	s.metrics = m
}

func (m *closeMetrics) observe(phase string, since time.Time) {
	m.observeDuration(phase, time.Since(since))
}

func (m *closeMetrics) observeDuration(phase string, d time.Duration) {
	if m != nil {
		m.seconds.WithLabelValues(phase).Observe(d.Seconds())
	}
}

// count adds what a close checked.
func (m *closeMetrics) count(c closeChecks) {
	if m != nil {
		m.entries.WithLabelValues("catchup").Add(float64(c.caughtUp))
		m.entries.WithLabelValues("locked").Add(float64(c.locked))
	}
}
