package loadgen

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Latencies summarises request latencies.
type Latencies struct {
	N                  int
	P50, P95, P99, Max time.Duration
}

// newLatencies sorts d (in place) and takes nearest-rank percentiles.
func newLatencies(d []time.Duration) Latencies {
	if len(d) == 0 {
		return Latencies{}
	}
	slices.Sort(d)
	rank := func(p float64) time.Duration {
		i := int(p*float64(len(d))+0.999999) - 1 // ceil(p·n) − 1
		return d[min(max(i, 0), len(d)-1)]
	}
	return Latencies{N: len(d), P50: rank(0.50), P95: rank(0.95), P99: rank(0.99), Max: d[len(d)-1]}
}

// Summary is the one-line result `ecinema bench` prints on stdout.
func (r *Result) Summary(cfg Config) string {
	secs := r.Elapsed.Seconds()
	if secs <= 0 {
		secs = 1e-9
	}
	var b strings.Builder
	fmt.Fprintf(&b, "bench %s: %d workers, %d tickets/request, %.1fs: %d requests (%.1f/s), %d tickets (%.0f/s), %d screenings; latency p50 %s p95 %s p99 %s max %s; %d errors",
		cfg.Prefix, cfg.Workers, cfg.Tickets, r.Elapsed.Seconds(), r.Requests, float64(r.Requests)/secs,
		r.Tickets, float64(r.Tickets)/secs, r.Screenings,
		ms(r.Latencies.P50), ms(r.Latencies.P95), ms(r.Latencies.P99), ms(r.Latencies.Max), r.ErrorCount())
	if len(r.Errors) > 0 {
		codes := make([]string, 0, len(r.Errors))
		for c := range r.Errors {
			codes = append(codes, c)
		}
		slices.Sort(codes)
		b.WriteString(" (")
		for i, c := range codes {
			if i > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "%s: %d", c, r.Errors[c])
		}
		b.WriteString(")")
	}
	if r.Stopped {
		b.WriteString("; interrupted")
	}
	return b.String()
}

func ms(d time.Duration) string {
	return fmt.Sprintf("%.1fms", float64(d)/float64(time.Millisecond))
}
