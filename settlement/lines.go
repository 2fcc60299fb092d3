package settlement

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/shopspring/decimal"

	"ecinema/ledger"
)

const (
	sqlHorizon = `SELECT coalesce(max(period), 'epoch'::date), count(*) FROM settlement_periods`

	sqlVATRates = `SELECT valid_from, coalesce(valid_to, 'infinity'::date)::text, rate FROM vat_rates ORDER BY valid_from`

	sqlLastClose = `SELECT ledger_size FROM settlement_periods ORDER BY period DESC LIMIT 1`

	// sqlOpenRows reads the rollup with what closes already settled of each
	// row; $1 is the last day to read, $2 the films (NULL for all). Used
	// while no period is closed.
	sqlOpenRows = `SELECT sd.cinema_id, sd.film_id, sd.box_office_day, sd.sale_date,
       (sd.gross * 100)::bigint, sd.admissions, 0::bigint, 0::bigint
FROM sales_daily sd
WHERE sd.box_office_day <= $1 AND ($2::text[] IS NULL OR sd.film_id = ANY($2))
  AND ($3::text[] IS NULL OR sd.cinema_id = ANY($3))`

	// sqlOpenRowsAfterClose reads the rows of open months ($5 = first open
	// day .. $1) and, for closed days, only the rows of the cinema × film
	// pairs $3 × $4 (those that received a sale or refund entry since the
	// ledger size the latest close was computed at, as ledger.Changes says):
	// every other closed row is settled exactly. Those rows come with what
	// closes settled of them.
	sqlOpenRowsAfterClose = `WITH cand AS (
  SELECT DISTINCT c.cinema_id, c.film_id FROM unnest($3::text[], $4::text[]) AS c(cinema_id, film_id)
), st AS (
  SELECT s.cinema_id, s.film_id, s.box_office_day, s.sale_date, sum(s.gross) AS gross, sum(s.admissions) AS admissions
  FROM settlement_settled s JOIN cand USING (cinema_id, film_id)
  GROUP BY s.cinema_id, s.film_id, s.box_office_day, s.sale_date
)
SELECT sd.cinema_id, sd.film_id, sd.box_office_day, sd.sale_date,
       (sd.gross * 100)::bigint, sd.admissions, (coalesce(st.gross, 0) * 100)::bigint, coalesce(st.admissions, 0)
FROM sales_daily sd JOIN cand USING (cinema_id, film_id)
LEFT JOIN st USING (cinema_id, film_id, box_office_day, sale_date)
WHERE sd.box_office_day < $5
UNION ALL
SELECT sd.cinema_id, sd.film_id, sd.box_office_day, sd.sale_date, (sd.gross * 100)::bigint, sd.admissions, 0::bigint, 0::bigint
FROM sales_daily sd
WHERE sd.box_office_day >= $5 AND sd.box_office_day <= $1 AND ($2::text[] IS NULL OR sd.film_id = ANY($2))
  AND ($6::text[] IS NULL OR sd.cinema_id = ANY($6))`

	sqlFilms = `SELECT id, title_ru, release_date, producer_id, distributor_id,
       distribution_fee_pct, recoupable_expenses, royalty_pct
FROM films WHERE id = ANY($1)`
	sqlFilmTerms     = `SELECT film_id, from_week, distributor_pct FROM film_rental_terms WHERE film_id = ANY($1)`
	sqlFilmOverrides = `SELECT film_id, exhibitor_id, effective_from, from_week, distributor_pct
FROM rental_term_overrides WHERE film_id = ANY($1)`
	sqlFilmHolders = `SELECT film_id, party_id, role, share_pct FROM film_rights_holders WHERE film_id = ANY($1)`
	sqlCinemas     = `SELECT id, name, exhibitor_id, vat_payer FROM cinemas WHERE id = ANY($1)`

	// Dated ownership (registry/ownership.go): the holders of the films
	// and cinemas by box-office day.
	sqlFilmOwners = `SELECT film_id, producer_id, distributor_id, valid_from, valid_to FROM film_ownership
WHERE film_id = ANY($1) ORDER BY film_id, entry_seq`
	sqlCinemaOwners = `SELECT cinema_id, exhibitor_id, '', valid_from, valid_to FROM cinema_ownership
WHERE cinema_id = ANY($1) ORDER BY cinema_id, entry_seq`

	sqlFrozenRecoupment = `SELECT film_id, sum(producer_gross), sum(recoupment)
FROM settlement_lines WHERE film_id = ANY($1) GROUP BY film_id`
)

// querier is what both a pool and a transaction offer.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

// Line is one settlement line: film × cinema × release week × period (and
// distributor percentage, when an override changes it inside a week).
type Line struct {
	Period             time.Time // first day of the statement month
	LineNo             int
	Adjustment         bool // late data for a closed period; FirstDay/LastDay are the original days
	FilmID             string
	FilmTitle          string
	CinemaID           string
	CinemaName         string
	ExhibitorID        string
	ProducerID         string
	DistributorID      string
	Week               int
	FirstDay, LastDay  time.Time
	VATPayer           bool
	RoyaltyPct         decimal.Decimal
	DistributorPct     decimal.Decimal
	DistributionFeePct decimal.Decimal
	Admissions         int64
	Split
	Recoupment    decimal.Decimal
	ProducerShare decimal.Decimal
	Royalties     []RoyaltyShare
}

// dailyRow is one sales_daily row (or the unsettled part of it) assigned to
// the period it is settled in.
type dailyRow struct {
	CinemaID, FilmID string
	Day, SaleDate    time.Time
	Gross            decimal.Decimal
	Admissions       int64
	Period           time.Time
	Adjustment       bool
}

type filmInfo struct {
	ID, Title                 string
	Release                   time.Time
	ProducerID, DistributorID string
	FeePct, RoyaltyPct        decimal.Decimal
	Expenses                  decimal.Decimal
	Scale                     Scale
	Overrides                 []Override
	Holders                   []Holder
	Owners                    []owner // producer and distributor by day
}

type cinemaInfo struct {
	ID, Name, ExhibitorID string
	VATPayer              bool
	Owners                []owner // exhibitor by day
}

// owner is one row of an ownership history: the parties (exhibitor; or
// producer and distributor) on box-office days [from, to), a zero bound
// open.
type owner struct {
	parties  [2]string
	from, to time.Time
}

// ownerOn returns the parties in force on day, or current when the
// history has no row for it (a registry written before dated ownership).
func ownerOn(os []owner, day time.Time, current [2]string) [2]string {
	for _, o := range os {
		if (o.from.IsZero() || !day.Before(o.from)) && (o.to.IsZero() || day.Before(o.to)) {
			return o.parties
		}
	}
	return current
}

// exhibitorOn returns the cinema's exhibitor on box-office day day.
func (c *cinemaInfo) exhibitorOn(day time.Time) string {
	return ownerOn(c.Owners, day, [2]string{c.ExhibitorID})[0]
}

// partiesOn returns the film's producer and distributor on box-office day day.
func (f *filmInfo) partiesOn(day time.Time) (producer, distributor string) {
	p := ownerOn(f.Owners, day, [2]string{f.ProducerID, f.DistributorID})
	return p[0], p[1]
}

// loadOwners reads an ownership history into add(id, owner).
func loadOwners(ctx context.Context, q querier, query string, ids []string, add func(string, owner)) error {
	rows, err := q.Query(ctx, query, ids)
	if err != nil {
		return fmt.Errorf("settlement: ownership: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var o owner
		var from, to *time.Time
		if err := rows.Scan(&id, &o.parties[0], &o.parties[1], &from, &to); err != nil {
			return fmt.Errorf("settlement: ownership: %w", err)
		}
		if from != nil {
			o.from = dateOf(*from)
		}
		if to != nil {
			o.to = dateOf(*to)
		}
		add(id, o)
	}
	return rows.Err()
}

// world is the registry and rate context lines are computed in.
type world struct {
	films   map[string]*filmInfo
	cinemas map[string]*cinemaInfo
	rates   RateTable
}

// monthOf returns the first day of d's month.
func monthOf(d time.Time) time.Time {
	y, m, _ := d.Date()
	return date(y, m, 1)
}

func monthEnd(m time.Time) time.Time { return monthOf(m).AddDate(0, 1, -1) }

// horizon returns the latest closed month (zero time when none is closed).
func horizon(ctx context.Context, q querier) (time.Time, error) {
	var h time.Time
	var n int
	if err := q.QueryRow(ctx, sqlHorizon).Scan(&h, &n); err != nil {
		return time.Time{}, fmt.Errorf("settlement: horizon: %w", err)
	}
	if n == 0 {
		return time.Time{}, nil
	}
	return dateOf(h), nil
}

func loadRates(ctx context.Context, q querier) (RateTable, error) {
	rows, err := q.Query(ctx, sqlVATRates)
	if err != nil {
		return nil, fmt.Errorf("settlement: vat rates: %w", err)
	}
	defer rows.Close()
	var t RateTable
	for rows.Next() {
		var r VATRate
		var to string
		if err := rows.Scan(&r.From, &to, &r.Rate); err != nil {
			return nil, err
		}
		r.From = dateOf(r.From)
		if to != "infinity" {
			if r.To, err = time.Parse(time.DateOnly, to); err != nil {
				return nil, err
			}
		}
		t = append(t, r)
	}
	return t, rows.Err()
}

// loadWorld reads the registry rows of the given films and cinemas.
func loadWorld(ctx context.Context, q querier, films, cinemas []string) (*world, error) {
	w := &world{films: map[string]*filmInfo{}, cinemas: map[string]*cinemaInfo{}}
	var err error
	if w.rates, err = loadRates(ctx, q); err != nil {
		return nil, err
	}
	rows, err := q.Query(ctx, sqlFilms, films)
	if err != nil {
		return nil, fmt.Errorf("settlement: films: %w", err)
	}
	for rows.Next() {
		f := &filmInfo{}
		if err := rows.Scan(&f.ID, &f.Title, &f.Release, &f.ProducerID, &f.DistributorID, &f.FeePct, &f.Expenses, &f.RoyaltyPct); err != nil {
			rows.Close()
			return nil, err
		}
		f.Release = dateOf(f.Release)
		w.films[f.ID] = f
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = q.Query(ctx, sqlFilmTerms, films)
	if err != nil {
		return nil, fmt.Errorf("settlement: rental terms: %w", err)
	}
	for rows.Next() {
		var id string
		var st Step
		if err := rows.Scan(&id, &st.FromWeek, &st.DistributorPct); err != nil {
			rows.Close()
			return nil, err
		}
		if f := w.films[id]; f != nil {
			f.Scale = append(f.Scale, st)
		}
	}
	rows.Close()
	rows, err = q.Query(ctx, sqlFilmOverrides, films)
	if err != nil {
		return nil, fmt.Errorf("settlement: overrides: %w", err)
	}
	for rows.Next() {
		var id, ex string
		var from time.Time
		var st Step
		if err := rows.Scan(&id, &ex, &from, &st.FromWeek, &st.DistributorPct); err != nil {
			rows.Close()
			return nil, err
		}
		f := w.films[id]
		if f == nil {
			continue
		}
		from = dateOf(from)
		found := false
		for i := range f.Overrides {
			if f.Overrides[i].ExhibitorID == ex && f.Overrides[i].EffectiveFrom.Equal(from) {
				f.Overrides[i].Scale = append(f.Overrides[i].Scale, st)
				found = true
			}
		}
		if !found {
			f.Overrides = append(f.Overrides, Override{ExhibitorID: ex, EffectiveFrom: from, Scale: Scale{st}})
		}
	}
	rows.Close()
	rows, err = q.Query(ctx, sqlFilmHolders, films)
	if err != nil {
		return nil, fmt.Errorf("settlement: rights holders: %w", err)
	}
	for rows.Next() {
		var id string
		var h Holder
		if err := rows.Scan(&id, &h.PartyID, &h.Role, &h.SharePct); err != nil {
			rows.Close()
			return nil, err
		}
		if f := w.films[id]; f != nil {
			f.Holders = append(f.Holders, h)
		}
	}
	rows.Close()
	rows, err = q.Query(ctx, sqlCinemas, cinemas)
	if err != nil {
		return nil, fmt.Errorf("settlement: cinemas: %w", err)
	}
	for rows.Next() {
		c := &cinemaInfo{}
		if err := rows.Scan(&c.ID, &c.Name, &c.ExhibitorID, &c.VATPayer); err != nil {
			rows.Close()
			return nil, err
		}
		w.cinemas[c.ID] = c
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if err := loadOwners(ctx, q, sqlFilmOwners, films, func(id string, o owner) {
		if f := w.films[id]; f != nil {
			f.Owners = append(f.Owners, o)
		}
	}); err != nil {
		return nil, err
	}
	if err := loadOwners(ctx, q, sqlCinemaOwners, cinemas, func(id string, o owner) {
		if c := w.cinemas[id]; c != nil {
			c.Owners = append(c.Owners, o)
		}
	}); err != nil {
		return nil, err
	}
	return w, nil
}

type lineKey struct {
	period     time.Time
	adjustment bool
	film       string
	cinema     string
	week       int
	pct        string
	// The holders on the line's days: a change of exhibitor, producer or
	// distributor inside a week splits the line.
	exhibitor, producer, distributor string
}

// buildLines groups rows into lines and splits each line. Lines come back
// in statement order: period, first day, film, cinema, week, adjustment.
func buildLines(rows []dailyRow, w *world) ([]Line, error) {
	type acc struct {
		line  *Line
		rates map[string]decimal.Decimal
	}
	groups := map[lineKey]*acc{}
	var order []lineKey
	// Caches: the terms of a film at an exhibitor on a day, the rate of a sale date.
	type termsKey struct {
		film, exhibitor string
		day             time.Time
	}
	type pctOf struct {
		week int
		pct  decimal.Decimal
		key  string
	}
	pcts := map[termsKey]pctOf{}
	type rateOf struct {
		rate decimal.Decimal
		key  string
	}
	rates := map[time.Time]rateOf{}
	for _, r := range rows {
		f, c := w.films[r.FilmID], w.cinemas[r.CinemaID]
		if f == nil || c == nil {
			return nil, fmt.Errorf("settlement: sales of film %q in cinema %q have no registry rows", r.FilmID, r.CinemaID)
		}
		exhibitor := c.exhibitorOn(r.Day)
		producer, distributor := f.partiesOn(r.Day)
		tk := termsKey{f.ID, exhibitor, r.Day}
		po, ok := pcts[tk]
		if !ok {
			po.week = ReleaseWeek(f.Release, r.Day)
			p, err := ScaleFor(f.Scale, f.Overrides, exhibitor, r.Day).PctFor(po.week)
			if err != nil {
				return nil, fmt.Errorf("film %s: %w", f.ID, err)
			}
			po.pct, po.key = p, p.String()
			pcts[tk] = po
		}
		week, pct := po.week, po.pct
		ro := rateOf{rate: decimal.Zero, key: "0"}
		if c.VATPayer {
			if ro, ok = rates[r.SaleDate]; !ok {
				rate, err := w.rates.RateOn(r.SaleDate)
				if err != nil {
					return nil, err
				}
				ro = rateOf{rate, rate.String()}
				rates[r.SaleDate] = ro
			}
		}
		k := lineKey{r.Period, r.Adjustment, f.ID, c.ID, week, po.key, exhibitor, producer, distributor}
		a := groups[k]
		if a == nil {
			a = &acc{line: &Line{
				Period: r.Period, Adjustment: r.Adjustment, FilmID: f.ID, FilmTitle: f.Title,
				CinemaID: c.ID, CinemaName: c.Name, ExhibitorID: exhibitor,
				ProducerID: producer, DistributorID: distributor, Week: week,
				FirstDay: r.Day, LastDay: r.Day, VATPayer: c.VATPayer,
				RoyaltyPct: f.RoyaltyPct, DistributorPct: pct, DistributionFeePct: f.FeePct,
			}, rates: map[string]decimal.Decimal{}}
			groups[k] = a
			order = append(order, k)
		}
		l := a.line
		if r.Day.Before(l.FirstDay) {
			l.FirstDay = r.Day
		}
		if r.Day.After(l.LastDay) {
			l.LastDay = r.Day
		}
		l.Admissions += r.Admissions
		if g, ok := a.rates[ro.key]; ok {
			a.rates[ro.key] = g.Add(r.Gross)
		} else {
			a.rates[ro.key] = r.Gross
		}
	}
	lines := make([]Line, 0, len(order))
	for _, k := range order {
		a := groups[k]
		rateKeys := make([]string, 0, len(a.rates))
		for rk := range a.rates {
			rateKeys = append(rateKeys, rk)
		}
		sort.Slice(rateKeys, func(i, j int) bool {
			return decimal.RequireFromString(rateKeys[i]).LessThan(decimal.RequireFromString(rateKeys[j]))
		})
		parts := make([]VATPart, 0, len(rateKeys))
		for _, rk := range rateKeys {
			parts = append(parts, VATPart{Rate: decimal.RequireFromString(rk), Gross: a.rates[rk]})
		}
		l := a.line
		l.Split = SplitLine(parts, Terms{RoyaltyPct: l.RoyaltyPct, DistributorPct: l.DistributorPct, DistributionFeePct: l.DistributionFeePct})
		l.Royalties = SplitRoyalty(l.Royalty, w.films[l.FilmID].Holders)
		l.Recoupment, l.ProducerShare = decimal.Zero, l.ProducerGross
		lines = append(lines, *l)
	}
	sortLines(lines)
	return lines, nil
}

func sortLines(lines []Line) {
	sort.SliceStable(lines, func(i, j int) bool {
		a, b := &lines[i], &lines[j]
		switch {
		case !a.Period.Equal(b.Period):
			return a.Period.Before(b.Period)
		case !a.FirstDay.Equal(b.FirstDay):
			return a.FirstDay.Before(b.FirstDay)
		case a.FilmID != b.FilmID:
			return a.FilmID < b.FilmID
		case a.CinemaID != b.CinemaID:
			return a.CinemaID < b.CinemaID
		case a.Week != b.Week:
			return a.Week < b.Week
		case a.Adjustment != b.Adjustment:
			return !a.Adjustment
		default:
			return a.DistributorPct.LessThan(b.DistributorPct)
		}
	})
}

// openResult is the computed (not frozen) part of settlement.
type openResult struct {
	horizon   time.Time // latest closed month, zero if none
	firstOpen time.Time // first open month (zero if none closed)
	lines     []Line    // lines of open periods up to through, recoupment applied
	rows      []dailyRow
}

// openLines computes the lines of every open period up to the month of
// through, for the given films and cinemas (nil for all). Rows of closed
// months that differ from what was settled become adjustment lines in the
// first open month. Recoupment continues from the frozen lines of each
// film; it spans every cinema of a film, so with a cinema filter it is not
// computed (Recoupment stays zero: exhibitor statements do not show it).
//
// Late data is looked for in entries below candTo (math.MaxInt64 for all;
// a close passes the ledger size it was computed at, so that its recompute
// under the ledger lock and verify's replay see the same entries).
func openLines(ctx context.Context, q querier, films, cinemas []string, through time.Time, candTo int64) (*openResult, error) {
	res := &openResult{}
	var err error
	if res.horizon, err = horizon(ctx, q); err != nil {
		return nil, err
	}
	if !res.horizon.IsZero() {
		res.firstOpen = res.horizon.AddDate(0, 1, 0)
	}
	lastMonth := monthOf(through)
	var rs pgx.Rows
	if res.horizon.IsZero() {
		rs, err = q.Query(ctx, sqlOpenRows, monthEnd(lastMonth), films, cinemas)
	} else {
		var candFrom int64
		if err := q.QueryRow(ctx, sqlLastClose).Scan(&candFrom); err != nil {
			return nil, fmt.Errorf("settlement: last close: %w", err)
		}
		candCinemas, candFilms, err := latePairs(ctx, q, candFrom, candTo, films, cinemas)
		if err != nil {
			return nil, err
		}
		rs, err = q.Query(ctx, sqlOpenRowsAfterClose, monthEnd(lastMonth), films, candCinemas, candFilms, res.firstOpen, cinemas)
	}
	if err != nil {
		return nil, fmt.Errorf("settlement: read sales_daily: %w", err)
	}
	filmSet, cinemaSet := map[string]bool{}, map[string]bool{}
	for rs.Next() {
		var r dailyRow
		var gross, sGross, sAdm int64 // money in tiyn: scanning integers is much cheaper than numeric
		if err := rs.Scan(&r.CinemaID, &r.FilmID, &r.Day, &r.SaleDate, &gross, &r.Admissions, &sGross, &sAdm); err != nil {
			rs.Close()
			return nil, err
		}
		r.Gross = fromTiyn(gross - sGross)
		r.Day, r.SaleDate = dateOf(r.Day), dateOf(r.SaleDate)
		if !res.horizon.IsZero() && r.Day.Before(res.firstOpen) {
			r.Admissions -= sAdm
			if r.Gross.IsZero() && r.Admissions == 0 {
				continue
			}
			r.Period, r.Adjustment = res.firstOpen, true
			if r.Period.After(lastMonth) {
				continue
			}
		} else {
			r.Period = monthOf(r.Day)
			if r.Gross.IsZero() && r.Admissions == 0 {
				continue // fully refunded
			}
		}
		res.rows = append(res.rows, r)
		filmSet[r.FilmID], cinemaSet[r.CinemaID] = true, true
	}
	rs.Close()
	if err := rs.Err(); err != nil {
		return nil, fmt.Errorf("settlement: read sales_daily: %w", err)
	}
	w, err := loadWorld(ctx, q, keys(filmSet), keys(cinemaSet))
	if err != nil {
		return nil, err
	}
	if res.lines, err = buildLines(res.rows, w); err != nil {
		return nil, err
	}
	if cinemas != nil {
		return res, nil
	}
	// Recoupment continues from the frozen lines.
	rec := map[string]*Recouper{}
	for id, f := range w.films {
		rec[id] = &Recouper{Expenses: f.Expenses, ProducerGross: decimal.Zero, Recovered: decimal.Zero}
	}
	fr, err := q.Query(ctx, sqlFrozenRecoupment, keys(filmSet))
	if err != nil {
		return nil, fmt.Errorf("settlement: frozen recoupment: %w", err)
	}
	for fr.Next() {
		var id string
		var pg, rc decimal.Decimal
		if err := fr.Scan(&id, &pg, &rc); err != nil {
			fr.Close()
			return nil, err
		}
		if r := rec[id]; r != nil {
			r.ProducerGross, r.Recovered = pg, rc
		}
	}
	fr.Close()
	if err := fr.Err(); err != nil {
		return nil, err
	}
	for i := range res.lines {
		l := &res.lines[i]
		l.Recoupment = rec[l.FilmID].Apply(l.ProducerGross)
		l.ProducerShare = l.ProducerGross.Sub(l.Recoupment)
	}
	return res, nil
}

// latePairs returns the cinema × film pairs (as two parallel lists) that
// received a sale or refund entry with seq in [from, to), within the films
// and cinemas given (nil for all): the only pairs whose closed days can
// differ from what the closes settled.
func latePairs(ctx context.Context, q querier, from, to int64, films, cinemas []string) (cs, fs []string, err error) {
	changes, err := ledger.Changes(ctx, q, ledger.ChangeQuery{From: from, To: to, Kinds: []string{"sale", "refund"}})
	if err != nil {
		return nil, nil, fmt.Errorf("settlement: late data: %w", err)
	}
	in := func(list []string, id string) bool { return list == nil || slices.Contains(list, id) }
	cs, fs = []string{}, []string{}
	for _, c := range changes {
		if c.CinemaID != "" && c.FilmID != "" && in(films, c.FilmID) && in(cinemas, c.CinemaID) {
			cs, fs = append(cs, c.CinemaID), append(fs, c.FilmID)
		}
	}
	return cs, fs, nil
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
