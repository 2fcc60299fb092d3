package ingest

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"ecinema/kztime"
)

// sqlAnomalies lists flagged entries in [from, to) after a (seq, flag)
// cursor; empty cinema or flag means any.
const sqlAnomalies = `SELECT entry_seq, flag, kind, cinema_id, screening_id, film_id, box_office_day, recorded_at, tickets
FROM anomalies
WHERE recorded_at >= $1 AND recorded_at < $2
  AND ($3 = '' OR cinema_id = $3) AND ($4 = '' OR flag = $4)
  AND (entry_seq, flag) > ($5, $6)
ORDER BY entry_seq, flag
LIMIT $7`

// anomalyFlags lists the anomaly flags.
var anomalyFlags = []string{flagLateReport, flagNightHighOccupancy, flagSoldAfterStart}

// AnomalyFilter selects anomalies: entries recorded on local dates From to
// To inclusive, optionally of one cinema and one flag.
type AnomalyFilter struct {
	CinemaID string
	Flag     string
	From, To time.Time // local dates (midnight UTC of the date, as LocalDate returns)
	Cursor   string    // next_cursor of the previous page, or ""
	Limit    int       // 1..1000, default 100
}

// Anomaly is one flag of one ledger entry.
type Anomaly struct {
	Seq          int64  `json:"seq"`
	Flag         string `json:"flag"`
	Kind         string `json:"kind"`
	CinemaID     string `json:"cinema_id"`
	ScreeningID  string `json:"screening_id"`
	FilmID       string `json:"film_id"`
	BoxOfficeDay string `json:"box_office_day"`
	RecordedAt   string `json:"recorded_at"`
	Tickets      int    `json:"tickets"`
}

// AnomalyPage is a page of anomalies.
type AnomalyPage struct {
	Items      []Anomaly `json:"items"`
	NextCursor string    `json:"next_cursor"`
}

// Anomalies lists flagged entries, oldest first.
func (s *Service) Anomalies(ctx context.Context, f AnomalyFilter) (*AnomalyPage, error) {
	if f.Limit <= 0 {
		f.Limit = 100
	}
	if f.Limit > 1000 {
		f.Limit = 1000
	}
	if f.Flag != "" && !validFlag(f.Flag) {
		return nil, fieldErr(newErr(ErrBadAnomalyQuery, "flag must be one of %s", strings.Join(anomalyFlags, ", ")), "flag")
	}
	if f.To.Before(f.From) {
		return nil, fieldErr(newErr(ErrBadAnomalyQuery, "to is before from"), "to")
	}
	afterSeq, afterFlag := int64(-1), ""
	if f.Cursor != "" {
		seq, flag, ok := strings.Cut(f.Cursor, ".")
		n, err := strconv.ParseInt(seq, 10, 64)
		if !ok || err != nil || !validFlag(flag) {
			return nil, fieldErr(newErr(ErrBadAnomalyQuery, "invalid cursor"), "cursor")
		}
		afterSeq, afterFlag = n, flag
	}
	from := localMidnight(f.From)
	to := localMidnight(f.To.AddDate(0, 0, 1))
	rows, err := s.pool.Query(ctx, sqlAnomalies, from, to, f.CinemaID, f.Flag, afterSeq, afterFlag, f.Limit)
	if err != nil {
		return nil, fmt.Errorf("ingest: list anomalies: %w", err)
	}
	defer rows.Close()
	page := &AnomalyPage{Items: []Anomaly{}}
	for rows.Next() {
		var a Anomaly
		var bod, at time.Time
		if err := rows.Scan(&a.Seq, &a.Flag, &a.Kind, &a.CinemaID, &a.ScreeningID, &a.FilmID, &bod, &at, &a.Tickets); err != nil {
			return nil, fmt.Errorf("ingest: list anomalies: %w", err)
		}
		a.BoxOfficeDay, a.RecordedAt = bod.Format(dateLayout), fmtTime(at)
		page.Items = append(page.Items, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("ingest: list anomalies: %w", err)
	}
	if len(page.Items) == f.Limit {
		last := page.Items[len(page.Items)-1]
		page.NextCursor = fmt.Sprintf("%d.%s", last.Seq, last.Flag)
	}
	return page, nil
}

func validFlag(f string) bool {
	for _, x := range anomalyFlags {
		if f == x {
			return true
		}
	}
	return false
}

// localMidnight returns the instant local midnight starts the date d.
func localMidnight(d time.Time) time.Time {
	return time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, kztime.Location)
}
