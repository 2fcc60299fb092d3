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
	resp, err := http.Get(p.url + "/metrics")
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	prefix := `ecinema_settlement_close_seconds_sum{phase="` + phase + `"} `
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), prefix); ok {
			f, _ := strconv.ParseFloat(v, 64)
			return f
		}
	}
	return 0
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
		locked0, stage0 := p.closeSeconds("locked"), p.closeSeconds("stage")
		t0 := time.Now()
		lines, err := p.closePeriod(ctx)
		d := time.Since(t0)
		if err != nil {
			ch <- "failed: " + err.Error()
			return
		}
		staged := ""
		if st := p.closeSeconds("stage") - stage0; st > 0 {
			staged = fmt.Sprintf(" (its frozen rows written in %.0f ms outside the lock)", st*1000)
		}
		ch <- fmt.Sprintf("%d lines in %.0f ms through HTTP%s, of which %.0f ms under the ledger head lock",
			lines, float64(d)/float64(time.Millisecond), staged, (p.closeSeconds("locked")-locked0)*1000)
	}()
	return ch
}
