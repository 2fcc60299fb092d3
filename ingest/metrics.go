package ingest

import "github.com/prometheus/client_golang/prometheus"

// metrics count what the service accepted, once per accepted request (an
// idempotent replay answers the stored result and counts nothing).
type metrics struct {
	tickets   prometheus.Counter
	anomalies *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		tickets: prometheus.NewCounter(prometheus.CounterOpts{Name: "ecinema_tickets_accepted_total",
			Help: "Tickets accepted by POST /v1/sales (each recorded once; replays not counted)."}),
		anomalies: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "ecinema_anomalies_total",
			Help: "Accepted sales flagged as anomalies, by flag (late_report, night_high_occupancy, sold_after_start)."},
			[]string{"flag"}),
	}
	for _, f := range []string{"late_report", "night_high_occupancy", "sold_after_start"} {
		m.anomalies.WithLabelValues(f) // present at zero
	}
	if reg != nil {
		reg.MustRegister(m.tickets, m.anomalies)
	}
	return m
}

func (m *metrics) sale(r *SaleResult) {
	if r == nil {
		return
	}
	m.tickets.Add(float64(r.Accepted))
	for _, f := range r.Flags {
		m.anomalies.WithLabelValues(f).Inc()
	}
}
