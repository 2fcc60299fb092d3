package ticketing

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"ecinema/settlement"
)

// Statistics group by the session's box-office day (the cinema's rule: the
// local date of the start, the day before when it starts before 06:00).
// sold is tickets sold minus refunded, gross is net of refunds, vat is the
// VAT in gross for venues that pay it (at the rate of each sale date,
// rounded per venue and sale date, as the cinema's VAT summary),
// admitted counts check-ins, occupancy_pct is sold ÷ the sessions'
// capacity × 100, national_gross the gross of national events.

// Groupings of the statistics.
var statsGroups = []string{"venue", "kind", "region", "day", "event"}

// StatsQuery selects statistics. VenueID narrows them to one venue (a
// venue key's view).
type StatsQuery struct {
	From, To time.Time // box-office days, inclusive
	GroupBy  string
	VenueID  string
}

// StatsRow is one group's figures (and the totals).
type StatsRow struct {
	Key           string `json:"key"`
	Sold          int64  `json:"sold"`
	Refunded      int64  `json:"refunded"`
	Gross         string `json:"gross"`
	VAT           string `json:"vat"`
	Admitted      int64  `json:"admitted"`
	OccupancyPct  string `json:"occupancy_pct"`
	NationalGross string `json:"national_gross"`
}

// Stats is the answer of GET /v1/tickets/stats.
type Stats struct {
	From    string     `json:"from"`
	To      string     `json:"to"`
	GroupBy string     `json:"group_by"`
	Items   []StatsRow `json:"items"`
	Totals  StatsRow   `json:"totals"`
}

// PublicStatsRow is a group of the public view: kind × region × month,
// without money, so no venue's own revenue shows.
type PublicStatsRow struct {
	Key          string `json:"key"`
	Kind         string `json:"kind"`
	Region       string `json:"region"`
	Month        string `json:"month"`
	Sold         int64  `json:"sold"`
	Refunded     int64  `json:"refunded"`
	Admitted     int64  `json:"admitted"`
	OccupancyPct string `json:"occupancy_pct"`
}

// PublicStats is the answer of GET /v1/tickets/stats without a key.
type PublicStats struct {
	From   string           `json:"from"`
	To     string           `json:"to"`
	Items  []PublicStatsRow `json:"items"`
	Totals PublicStatsRow   `json:"totals"`
}

// maxStatsDays bounds the span of a statistics query.
const maxStatsDays = 366

const sqlStatsSessions = `WITH s AS (
  SELECT s.id, s.capacity, s.box_office_day, s.venue_id, s.event_id, e.kind, v.region
  FROM ticketing_sessions s JOIN ticketing_events e ON e.id = s.event_id JOIN ticketing_venues v ON v.id = s.venue_id
  WHERE s.box_office_day BETWEEN $1 AND $2 AND ($3 = '' OR s.venue_id = $3))
SELECT CASE $4 WHEN 'venue' THEN venue_id WHEN 'kind' THEN kind WHEN 'region' THEN region
  WHEN 'day' THEN to_char(box_office_day, 'YYYY-MM-DD') WHEN 'event' THEN event_id
  ELSE kind || '/' || region || '/' || to_char(box_office_day, 'YYYY-MM') END AS key,
  sum(capacity)::bigint
FROM s GROUP BY 1`

const sqlStatsTickets = `WITH s AS (
  SELECT s.id, s.box_office_day, s.venue_id, s.event_id, e.kind, e.national, v.region, v.vat_payer
  FROM ticketing_sessions s JOIN ticketing_events e ON e.id = s.event_id JOIN ticketing_venues v ON v.id = s.venue_id
  WHERE s.box_office_day BETWEEN $1 AND $2 AND ($3 = '' OR s.venue_id = $3))
SELECT CASE $4 WHEN 'venue' THEN s.venue_id WHEN 'kind' THEN s.kind WHEN 'region' THEN s.region
  WHEN 'day' THEN to_char(s.box_office_day, 'YYYY-MM-DD') WHEN 'event' THEN s.event_id
  ELSE s.kind || '/' || s.region || '/' || to_char(s.box_office_day, 'YYYY-MM') END AS key,
  s.venue_id, s.vat_payer, t.sale_date, coalesce(r.rate, 0),
  count(*) FILTER (WHERE t.refunded_at IS NULL),
  count(*) FILTER (WHERE t.refunded_at IS NOT NULL),
  coalesce(sum(t.price) FILTER (WHERE t.refunded_at IS NULL), 0),
  coalesce(sum(t.price) FILTER (WHERE t.refunded_at IS NULL AND s.national), 0),
  coalesce(sum(t.admitted), 0)::bigint
FROM s JOIN ticketing_tickets t ON t.session_id = s.id
LEFT JOIN vat_rates r ON t.sale_date >= r.valid_from AND (r.valid_to IS NULL OR t.sale_date <= r.valid_to)
GROUP BY 1, 2, 3, 4, 5`

type statsAcc struct {
	sold, refunded, admitted, capacity int64
	gross, vat, national               decimal.Decimal
}

func (a *statsAcc) add(b *statsAcc) {
	a.sold += b.sold
	a.refunded += b.refunded
	a.admitted += b.admitted
	a.capacity += b.capacity
	a.gross = a.gross.Add(b.gross)
	a.vat = a.vat.Add(b.vat)
	a.national = a.national.Add(b.national)
}

func (a *statsAcc) occupancy() string {
	if a.capacity == 0 {
		return "0.00"
	}
	return decimal.NewFromInt(a.sold).Mul(decimal.NewFromInt(100)).Div(decimal.NewFromInt(a.capacity)).StringFixed(2)
}

func (a *statsAcc) row(key string) StatsRow {
	return StatsRow{Key: key, Sold: a.sold, Refunded: a.refunded, Gross: a.gross.StringFixed(2), VAT: a.vat.StringFixed(2),
		Admitted: a.admitted, OccupancyPct: a.occupancy(), NationalGross: a.national.StringFixed(2)}
}

// checkSpan validates a statistics period.
func checkSpan(from, to time.Time) error {
	if to.Before(from) {
		return fieldErr("to", ErrBadQuery, "to is before from")
	}
	if to.Sub(from) > maxStatsDays*24*time.Hour {
		return fieldErr("to", ErrBadQuery, "the period is longer than %d days", maxStatsDays)
	}
	return nil
}

func (s *Service) aggregate(ctx context.Context, from, to time.Time, venueID, groupBy string) (map[string]*statsAcc, error) {
	groups := map[string]*statsAcc{}
	get := func(k string) *statsAcc {
		if groups[k] == nil {
			groups[k] = &statsAcc{}
		}
		return groups[k]
	}
	rows, err := s.pool.Query(ctx, sqlStatsSessions, from, to, venueID, groupBy)
	if err != nil {
		return nil, fmt.Errorf("ticketing: stats: %w", err)
	}
	var key string
	var capacity int64
	if _, err := pgx.ForEachRow(rows, []any{&key, &capacity}, func() error { get(key).capacity += capacity; return nil }); err != nil {
		return nil, fmt.Errorf("ticketing: stats: %w", err)
	}
	rows, err = s.pool.Query(ctx, sqlStatsTickets, from, to, venueID, groupBy)
	if err != nil {
		return nil, fmt.Errorf("ticketing: stats: %w", err)
	}
	var venue string
	var vatPayer bool
	var saleDate time.Time
	var rate decimal.Decimal
	var r statsAcc
	_, err = pgx.ForEachRow(rows, []any{&key, &venue, &vatPayer, &saleDate, &rate, &r.sold, &r.refunded, &r.gross, &r.national, &r.admitted},
		func() error {
			b := r
			b.vat = decimal.Zero
			if vatPayer {
				b.vat = settlement.VAT(b.gross, rate)
			}
			get(key).add(&b)
			return nil
		})
	if err != nil {
		return nil, fmt.Errorf("ticketing: stats: %w", err)
	}
	return groups, nil
}

func zeroAcc() statsAcc {
	return statsAcc{gross: decimal.Zero, vat: decimal.Zero, national: decimal.Zero}
}

// Stats returns the statistics of a period grouped as asked.
func (s *Service) Stats(ctx context.Context, q StatsQuery) (Stats, error) {
	if err := checkSpan(q.From, q.To); err != nil {
		return Stats{}, err
	}
	ok := false
	for _, g := range statsGroups {
		ok = ok || g == q.GroupBy
	}
	if !ok {
		return Stats{}, fieldErr("group_by", ErrBadQuery, "group_by must be one of %s", strings.Join(statsGroups, ", "))
	}
	groups, err := s.aggregate(ctx, q.From, q.To, q.VenueID, q.GroupBy)
	if err != nil {
		return Stats{}, err
	}
	out := Stats{From: q.From.Format(dateLayout), To: q.To.Format(dateLayout), GroupBy: q.GroupBy, Items: []StatsRow{}}
	total := zeroAcc()
	for _, k := range sortedKeys(groups) {
		g := groups[k]
		out.Items = append(out.Items, g.row(k))
		total.add(g)
	}
	out.Totals = total.row("total")
	return out, nil
}

// PublicStats returns the public view: kind × region × month, no money.
func (s *Service) PublicStats(ctx context.Context, from, to time.Time) (PublicStats, error) {
	if err := checkSpan(from, to); err != nil {
		return PublicStats{}, err
	}
	groups, err := s.aggregate(ctx, from, to, "", "public")
	if err != nil {
		return PublicStats{}, err
	}
	out := PublicStats{From: from.Format(dateLayout), To: to.Format(dateLayout), Items: []PublicStatsRow{}}
	total := zeroAcc()
	for _, k := range sortedKeys(groups) {
		g := groups[k]
		parts := strings.SplitN(k, "/", 3)
		for len(parts) < 3 {
			parts = append(parts, "")
		}
		out.Items = append(out.Items, PublicStatsRow{Key: k, Kind: parts[0], Region: parts[1], Month: parts[2],
			Sold: g.sold, Refunded: g.refunded, Admitted: g.admitted, OccupancyPct: g.occupancy()})
		total.add(g)
	}
	out.Totals = PublicStatsRow{Key: "total", Sold: total.sold, Refunded: total.refunded, Admitted: total.admitted, OccupancyPct: total.occupancy()}
	return out, nil
}

func sortedKeys(m map[string]*statsAcc) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// WriteCSV writes the statistics as CSV with a header and a total row.
func (st Stats) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"key", "sold", "refunded", "gross", "vat", "admitted", "occupancy_pct", "national_gross"})
	for _, r := range append(st.Items, st.Totals) {
		cw.Write([]string{r.Key, itoa(r.Sold), itoa(r.Refunded), r.Gross, r.VAT, itoa(r.Admitted), r.OccupancyPct, r.NationalGross})
	}
	cw.Flush()
	return cw.Error()
}

// WriteCSV writes the public statistics as CSV with a header and a total row.
func (st PublicStats) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"key", "kind", "region", "month", "sold", "refunded", "admitted", "occupancy_pct"})
	for _, r := range append(st.Items, st.Totals) {
		cw.Write([]string{r.Key, r.Kind, r.Region, r.Month, itoa(r.Sold), itoa(r.Refunded), itoa(r.Admitted), r.OccupancyPct})
	}
	cw.Flush()
	return cw.Error()
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
