package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// The close row of `ecinema perf`: the period close of a national month
// (January of the year before perfYear, from the yearranking data, with a
// rental scale for its films) runs while the real-time sale load runs, and
// the sales' latency is printed beside the same load without a close, with
// the close's duration and its time under the ledger head lock (the
// server's ecinema_settlement_close_seconds).
const perfClosePeriod = "2024-01"

const perfCloseTerms = `INSERT INTO film_rental_terms (film_id, from_week, distributor_pct)
SELECT id, w.from_week, w.pct FROM films, (VALUES (1, 55), (3, 50), (5, 40)) AS w(from_week, pct)
WHERE id LIKE 'yr-f%' ON CONFLICT DO NOTHING`

func (p *perfServer) prepareClose(ctx context.Context) error {
	_, err := p.owner.Exec(ctx, perfCloseTerms)
	return err
}

// closePeriod closes perfClosePeriod through the API and returns the
// number of lines it froze.
func (p *perfServer) closePeriod(ctx context.Context) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.url+"/v1/periods/"+perfClosePeriod+"/close", nil)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+p.adminKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusCreated {
		return 0, fmt.Errorf("perf: close %s: %d %s", perfClosePeriod, resp.StatusCode, body)
	}
	var out struct {
		Lines int `json:"lines"`
	}
	if err := json.Unmarshal(body, &out); err != nil {
		return 0, fmt.Errorf("perf: close %s: %w", perfClosePeriod, err)
	}
	return out.Lines, nil
}

// closeSeconds scrapes the sum of ecinema_settlement_close_seconds of a
// phase.
func (p *perfServer) closeSeconds(phase string) float64 {
	v, _ := p.metricValue(`ecinema_settlement_close_seconds_sum{phase="` + phase + `"}`)
	return v
}

// closeLockedParts are the parts of a close's time under the head lock
// that the server times apart (the rest is its entry and period row).
var closeLockedParts = []string{"frontier", "check", "commit"}

// closeChecked scrapes how many ledger entries the closes checked for late
// data in a phase (catchup: before the head lock; locked: under it); false
// when the server does not export it (an older build).
func (p *perfServer) closeChecked(phase string) (float64, bool) {
	return p.metricValue(`ecinema_settlement_close_checked_entries_total{phase="` + phase + `"}`)
}

// metricValue scrapes one sample of the server's /metrics by its name and
// labels as printed.
func (p *perfServer) metricValue(sample string) (float64, bool) {
	resp, err := http.Get(p.url + "/metrics")
	if err != nil {
		return 0, false
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), sample+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			return f, err == nil
		}
	}
	return 0, false
}

// closeDuring runs the close after delay and reports its lines, duration
// and error on the returned channel.
func (p *perfServer) closeDuring(ctx context.Context, delay time.Duration) <-chan string {
	ch := make(chan string, 1)
	go func() {
		select {
		case <-time.After(delay):
		case <-ctx.Done():
			ch <- "cancelled"
			return
		}
		locked0, stage0, wait0 := p.closeSeconds("locked"), p.closeSeconds("stage"), p.closeSeconds("wait")
		parts0 := map[string]float64{}
		for _, ph := range closeLockedParts {
			parts0[ph] = p.closeSeconds(ph)
		}
		caught0, _ := p.closeChecked("catchup")
		checked0, _ := p.closeChecked("locked")
		t0 := time.Now()
		lines, err := p.closePeriod(ctx)
		d := time.Since(t0)
		if err != nil {
			ch <- "failed: " + err.Error()
			return
		}
		var before []string
		if st := p.closeSeconds("stage") - stage0; st > 0 {
			before = append(before, fmt.Sprintf("its frozen rows written in %.0f ms outside the lock", st*1000))
		}
		caught, ok := p.closeChecked("catchup")
		if ok {
			before = append(before, fmt.Sprintf("%.0f entries since its snapshot checked before the lock, %.0f ms waiting for it",
				caught-caught0, (p.closeSeconds("wait")-wait0)*1000))
		}
		staged := ""
		if len(before) > 0 {
			staged = " (" + strings.Join(before, "; ") + ")"
		}
		under := ""
		if checked, ok := p.closeChecked("locked"); ok {
			under = fmt.Sprintf(" (%.0f entries checked under it; ms: ", checked-checked0)
			for i, ph := range closeLockedParts {
				if i > 0 {
					under += ", "
				}
				under += fmt.Sprintf("%s %.1f", ph, (p.closeSeconds(ph)-parts0[ph])*1000)
			}
			under += ")"
		}
		ch <- fmt.Sprintf("%d lines in %.0f ms through HTTP%s, of which %.0f ms under the ledger head lock%s",
			lines, float64(d)/float64(time.Millisecond), staged, (p.closeSeconds("locked")-locked0)*1000, under)
	}()
	return ch
}
