package ledger

import (
	"errors"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// writerMetrics are the writer's Prometheus metrics; nil-safe.
type writerMetrics struct {
	appends *prometheus.CounterVec // by result: ok, rejected (projection error), error (transaction failed), retried (records of a group run again careful)
	batch   prometheus.Histogram   // records per committed transaction
	commit  prometheus.Histogram   // seconds per group commit transaction
	size    *prometheus.GaugeVec   // committed entries by log
	phase   *prometheus.CounterVec // seconds spent per phase of the group transaction
}

// Phases of a group transaction, for ecinema_ledger_group_phase_seconds_total.
const (
	phaseLock    = "begin_lock" // BEGIN and the head row lock (waiting for another writer included)
	phasePrepare = "prepare"    // Batcher.Prepare and plain Project funcs: reads and rules
	phaseProject = "project"    // Batcher.Project in Go: decoding bodies, building the statements
	phaseWrite   = "write"      // sending queued projection writes; the last send carries the entries and COMMIT (the WAL flush)
)

func (m *writerMetrics) observe(phase string, since time.Time) time.Time {
	now := time.Now()
	if m != nil {
		m.phase.WithLabelValues(phase).Add(now.Sub(since).Seconds())
	}
	return now
}

func newWriterMetrics(reg prometheus.Registerer) *writerMetrics {
	if reg == nil {
		return nil
	}
	m := &writerMetrics{
		appends: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ecinema_ledger_appends_total",
			Help: "Appends answered by the ledger writer, by result (ok, rejected by the projection, error); retried counts the records of groups run again careful after an optimistic run met a unique index.",
		}, []string{"result"}),
		batch: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "ecinema_ledger_group_commit_records",
			Help:    "Records written per group-commit transaction.",
			Buckets: prometheus.ExponentialBuckets(1, 2, 11),
		}),
		commit: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "ecinema_ledger_group_commit_duration_seconds",
			Help:    "Duration of one group-commit transaction, from BEGIN to COMMIT.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14),
		}),
		size: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "ecinema_ledger_entries",
			Help: "Committed ledger entries (the tree size) as this writer last saw it.",
		}, []string{"log"}),
	}
	m.phase = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "ecinema_ledger_group_phase_seconds_total",
		Help: "Seconds the writer spent in each phase of its group transactions (begin_lock, prepare, project, write; write includes the COMMIT).",
	}, []string{"phase"})
	m.phase = register(reg, m.phase)
	m.appends = register(reg, m.appends)
	m.batch = register(reg, m.batch)
	m.commit = register(reg, m.commit)
	m.size = register(reg, m.size)
	return m
}

// register registers c, or returns the collector already registered under
// its name (a second writer in one process shares the metrics).
func register[C prometheus.Collector](reg prometheus.Registerer, c C) C {
	if err := reg.Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			if existing, ok := are.ExistingCollector.(C); ok {
				return existing
			}
		}
	}
	return c
}
