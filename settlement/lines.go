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
	Scale                     scale
	Overrides                 []override
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
	rates   rateTable
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

func loadRates(ctx context.Context, q querier) (rateTable, error) {
	rows, err := q.Query(ctx, sqlVATRates)
	if err != nil {
		return nil, fmt.Errorf("settlement: vat rates: %w", err)
	}
	defer rows.Close()
	var t rateTable
	for rows.Next() {
		var r vatRate
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

// loadWorld reads the registry rows of the given films and cinemas: the
// VAT rates, the films, their rental scales, exhibitor overrides and rights
// holders, and the cinemas.
func loadWorld(ctx context.Context, q querier, films, cinemas []string) (*world, error) {
	w := &world{films: map[string]*filmInfo{}, cinemas: map[string]*cinemaInfo{}}
	var err error
	if w.rates, err = loadRates(ctx, q); err != nil {
		return nil, err
	}
	for _, step := range []func(context.Context, querier, []string) error{
		w.loadFilms, w.loadScales, w.loadOverrides, w.loadHolders,
	} {
		if err := step(ctx, q, films); err != nil {
			return nil, err
		}
	}
	if err := w.loadCinemas(ctx, q, cinemas); err != nil {
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

// eachRow runs sql with ids and calls scan for every row; what names the
// query in the error of a failed query.
func eachRow(ctx context.Context, q querier, sql string, ids []string, what string, scan func(pgx.Rows) error) error {
	rows, err := q.Query(ctx, sql, ids)
	if err != nil {
		return fmt.Errorf("settlement: %s: %w", what, err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

func (w *world) loadFilms(ctx context.Context, q querier, films []string) error {
	return eachRow(ctx, q, sqlFilms, films, "films", func(rows pgx.Rows) error {
		f := &filmInfo{}
		if err := rows.Scan(&f.ID, &f.Title, &f.Release, &f.ProducerID, &f.DistributorID, &f.FeePct, &f.Expenses, &f.RoyaltyPct); err != nil {
			return err
		}
		f.Release = dateOf(f.Release)
		w.films[f.ID] = f
		return nil
	})
}

// loadScales reads each film's rental scale (its steps in week order).
func (w *world) loadScales(ctx context.Context, q querier, films []string) error {
	return eachRow(ctx, q, sqlFilmTerms, films, "rental terms", func(rows pgx.Rows) error {
		var id string
		var st step
		if err := rows.Scan(&id, &st.FromWeek, &st.DistributorPct); err != nil {
			return err
		}
		if f := w.films[id]; f != nil {
			f.Scale = append(f.Scale, st)
		}
		return nil
	})
}

// loadOverrides reads the exhibitor overrides of each film's scale, one
// Override per exhibitor and effective date.
func (w *world) loadOverrides(ctx context.Context, q querier, films []string) error {
	return eachRow(ctx, q, sqlFilmOverrides, films, "overrides", func(rows pgx.Rows) error {
		var id, ex string
		var from time.Time
		var st step
		if err := rows.Scan(&id, &ex, &from, &st.FromWeek, &st.DistributorPct); err != nil {
			return err
		}
		f := w.films[id]
		if f == nil {
			return nil
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
			f.Overrides = append(f.Overrides, override{ExhibitorID: ex, EffectiveFrom: from, Scale: scale{st}})
		}
		return nil
	})
}

func (w *world) loadHolders(ctx context.Context, q querier, films []string) error {
	return eachRow(ctx, q, sqlFilmHolders, films, "rights holders", func(rows pgx.Rows) error {
		var id string
		var h Holder
		if err := rows.Scan(&id, &h.PartyID, &h.Role, &h.SharePct); err != nil {
			return err
		}
		if f := w.films[id]; f != nil {
			f.Holders = append(f.Holders, h)
		}
		return nil
	})
}

func (w *world) loadCinemas(ctx context.Context, q querier, cinemas []string) error {
	return eachRow(ctx, q, sqlCinemas, cinemas, "cinemas", func(rows pgx.Rows) error {
		c := &cinemaInfo{}
		if err := rows.Scan(&c.ID, &c.Name, &c.ExhibitorID, &c.VATPayer); err != nil {
			return err
		}
		w.cinemas[c.ID] = c
		return nil
	})
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
	groups, order, err := groupRows(rows, w)
	if err != nil {
		return nil, err
	}
	lines := make([]Line, 0, len(order))
	for _, k := range order {
		lines = append(lines, groups[k].split(w))
	}
	sortLines(lines)
	return lines, nil
}

// lineAcc is a line in the making: its figures so far and its gross per
// VAT rate (keyed by the rate's string).
type lineAcc struct {
	line  *Line
	rates map[string]decimal.Decimal
}

// termsKey is a film at an exhibitor on a box-office day.
type termsKey struct {
	film, exhibitor string
	day             time.Time
}

// pctOf is the release week and distributor share of a termsKey.
type pctOf struct {
	week int
	pct  decimal.Decimal
	key  string
}

// rateOf is the VAT rate of a sale date.
type rateOf struct {
	rate decimal.Decimal
	key  string
}

// lineTerms finds the terms of a row, caching the terms of a film at an
// exhibitor on a day and the rate of a sale date.
type lineTerms struct {
	w     *world
	pcts  map[termsKey]pctOf
	rates map[time.Time]rateOf
}

// pct is the release week of day and the distributor share of film f at
// exhibitor (the cinema's exhibitor on that day) that week.
func (t *lineTerms) pct(f *filmInfo, exhibitor string, day time.Time) (pctOf, error) {
	tk := termsKey{f.ID, exhibitor, day}
	po, ok := t.pcts[tk]
	if !ok {
		po.week = releaseWeek(f.Release, day)
		p, err := scaleFor(f.Scale, f.Overrides, exhibitor, day).pctFor(po.week)
		if err != nil {
			return pctOf{}, fmt.Errorf("film %s: %w", f.ID, err)
		}
		po.pct, po.key = p, p.String()
		t.pcts[tk] = po
	}
	return po, nil
}

// rate is the VAT rate of a sale at cinema c on saleDate: zero when c's
// exhibitor is not a VAT payer.
func (t *lineTerms) rate(c *cinemaInfo, saleDate time.Time) (rateOf, error) {
	if !c.VATPayer {
		return rateOf{rate: decimal.Zero, key: "0"}, nil
	}
	ro, ok := t.rates[saleDate]
	if !ok {
		rate, err := t.w.rates.rateOn(saleDate)
		if err != nil {
			return rateOf{}, err
		}
		ro = rateOf{rate, rate.String()}
		t.rates[saleDate] = ro
	}
	return ro, nil
}

// groupRows sums rows into lines: one per period, adjustment, film,
// cinema, release week and distributor share, in the order first seen.
func groupRows(rows []dailyRow, w *world) (map[lineKey]*lineAcc, []lineKey, error) {
	groups := map[lineKey]*lineAcc{}
	var order []lineKey
	terms := &lineTerms{w: w, pcts: map[termsKey]pctOf{}, rates: map[time.Time]rateOf{}}
	for _, r := range rows {
		f, c := w.films[r.FilmID], w.cinemas[r.CinemaID]
		if f == nil || c == nil {
			return nil, nil, fmt.Errorf("settlement: sales of film %q in cinema %q have no registry rows", r.FilmID, r.CinemaID)
		}
		exhibitor := c.exhibitorOn(r.Day)
		producer, distributor := f.partiesOn(r.Day)
		po, err := terms.pct(f, exhibitor, r.Day)
		if err != nil {
			return nil, nil, err
		}
		ro, err := terms.rate(c, r.SaleDate)
		if err != nil {
			return nil, nil, err
		}
		k := lineKey{r.Period, r.Adjustment, f.ID, c.ID, po.week, po.key, exhibitor, producer, distributor}
		a := groups[k]
		if a == nil {
			a = &lineAcc{line: &Line{
				Period: r.Period, Adjustment: r.Adjustment, FilmID: f.ID, FilmTitle: f.Title,
				CinemaID: c.ID, CinemaName: c.Name, ExhibitorID: exhibitor,
				ProducerID: producer, DistributorID: distributor, Week: po.week,
				FirstDay: r.Day, LastDay: r.Day, VATPayer: c.VATPayer,
				RoyaltyPct: f.RoyaltyPct, DistributorPct: po.pct, DistributionFeePct: f.FeePct,
			}, rates: map[string]decimal.Decimal{}}
			groups[k] = a
			order = append(order, k)
		}
		a.add(r, ro.key)
	}
	return groups, order, nil
}

// add counts a row in the line, its gross at the rate keyed rateKey.
func (a *lineAcc) add(r dailyRow, rateKey string) {
	l := a.line
	if r.Day.Before(l.FirstDay) {
		l.FirstDay = r.Day
	}
	if r.Day.After(l.LastDay) {
		l.LastDay = r.Day
	}
	l.Admissions += r.Admissions
	if g, ok := a.rates[rateKey]; ok {
		a.rates[rateKey] = g.Add(r.Gross)
	} else {
		a.rates[rateKey] = r.Gross
	}
}

// split splits the line's gross (its parts by VAT rate, lowest rate first)
// and its royalty among the film's rights holders; recoupment is applied
// later (openLines), so the producer's share is its gross here.
func (a *lineAcc) split(w *world) Line {
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
	l.Split = splitLine(parts, Terms{RoyaltyPct: l.RoyaltyPct, DistributorPct: l.DistributorPct, DistributionFeePct: l.DistributionFeePct})
	l.Royalties = SplitRoyalty(l.Royalty, w.films[l.FilmID].Holders)
	l.Recoupment, l.ProducerShare = decimal.Zero, l.ProducerGross
	return *l
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
	filmSet, cinemaSet, err := res.readRows(ctx, q, films, cinemas, through, candTo)
	if err != nil {
		return nil, err
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
	if err := recoup(ctx, q, w, keys(filmSet), res.lines); err != nil {
		return nil, err
	}
	return res, nil
}

// queryOpenRows runs the sales_daily query of the open periods through
// lastMonth: every row when no month is closed, else the open months' rows
// and the closed days of the cinema × film pairs with late entries.
func (res *openResult) queryOpenRows(ctx context.Context, q querier, films, cinemas []string, lastMonth time.Time, candTo int64) (pgx.Rows, error) {
	var rs pgx.Rows
	var err error
	if res.horizon.IsZero() {
		rs, err = q.Query(ctx, sqlOpenRows, monthEnd(lastMonth), films, cinemas)
	} else {
		var candFrom int64
		if err := q.QueryRow(ctx, sqlLastClose).Scan(&candFrom); err != nil {
			return nil, fmt.Errorf("settlement: last close: %w", err)
		}
		var candCinemas, candFilms []string
		if candCinemas, candFilms, err = latePairs(ctx, q, candFrom, candTo, films, cinemas); err != nil {
			return nil, err
		}
		rs, err = q.Query(ctx, sqlOpenRowsAfterClose, monthEnd(lastMonth), films, candCinemas, candFilms, res.firstOpen, cinemas)
	}
	if err != nil {
		return nil, fmt.Errorf("settlement: read sales_daily: %w", err)
	}
	return rs, nil
}

// readRows reads the open rows into res.rows: net of what the closes
// settled, a closed day's difference as an adjustment row of the first
// open month, fully refunded rows left out. It returns the films and
// cinemas the rows name.
func (res *openResult) readRows(ctx context.Context, q querier, films, cinemas []string, through time.Time, candTo int64) (filmSet, cinemaSet map[string]bool, err error) {
	lastMonth := monthOf(through)
	rs, err := res.queryOpenRows(ctx, q, films, cinemas, lastMonth, candTo)
	if err != nil {
		return nil, nil, err
	}
	defer rs.Close()
	filmSet, cinemaSet = map[string]bool{}, map[string]bool{}
	for rs.Next() {
		var r dailyRow
		var gross, sGross, sAdm int64 // money in tiyn: scanning integers is much cheaper than numeric
		if err := rs.Scan(&r.CinemaID, &r.FilmID, &r.Day, &r.SaleDate, &gross, &r.Admissions, &sGross, &sAdm); err != nil {
			return nil, nil, err
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
	if err := rs.Err(); err != nil {
		return nil, nil, fmt.Errorf("settlement: read sales_daily: %w", err)
	}
	return filmSet, cinemaSet, nil
}

// recoup applies recoupment to lines in order, continuing from the frozen
// lines of each film (its producer gross and what was recovered so far).
func recoup(ctx context.Context, q querier, w *world, films []string, lines []Line) error {
	rec := map[string]*recouper{}
	for id, f := range w.films {
		rec[id] = &recouper{Expenses: f.Expenses, ProducerGross: decimal.Zero, Recovered: decimal.Zero}
	}
	fr, err := q.Query(ctx, sqlFrozenRecoupment, films)
	if err != nil {
		return fmt.Errorf("settlement: frozen recoupment: %w", err)
	}
	for fr.Next() {
		var id string
		var pg, rc decimal.Decimal
		if err := fr.Scan(&id, &pg, &rc); err != nil {
			fr.Close()
			return err
		}
		if r := rec[id]; r != nil {
			r.ProducerGross, r.Recovered = pg, rc
		}
	}
	fr.Close()
	if err := fr.Err(); err != nil {
		return err
	}
	for i := range lines {
		l := &lines[i]
		l.Recoupment = rec[l.FilmID].apply(l.ProducerGross)
		l.ProducerShare = l.ProducerGross.Sub(l.Recoupment)
	}
	return nil
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
