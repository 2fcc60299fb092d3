package ingest

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"iter"
	"maps"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/shopspring/decimal"

	"ecinema/internal/pgarray"
	"ecinema/ledger"
)

// A run of sales requests is decided with one round trip of reads under
// the head lock (idempotency keys, screenings, ticket ids and active seats
// already taken, each one set-based statement) and projected with one
// statement per table (projectSales), sent with the entries themselves.
const (
	// sqlTicketIDsTaken: which (cinema, ticket id) of the run are sold already.
	//
	// Both are LATERAL probes with LIMIT 1, so that the plan is one index
	// probe per row whatever the planner estimates for a screening's fresh
	// rows (a hash join over the screening's tickets took 30 ms a run).
	sqlTicketIDsTaken = `SELECT u.cinema_id, u.id FROM unnest($1::text[], $2::text[]) AS u(cinema_id, id)
CROSS JOIN LATERAL (SELECT 1 FROM tickets t WHERE t.cinema_id = u.cinema_id AND t.id = u.id LIMIT 1) x`

	// sqlSeatsTaken: which (cinema, screening, seat) of the run are sold and
	// not refunded (the partial unique index tickets_active_seat).
	sqlSeatsTaken = `SELECT u.cinema_id, u.screening_id, u.seat FROM unnest($1::text[], $2::text[], $3::text[]) AS u(cinema_id, screening_id, seat)
CROSS JOIN LATERAL (SELECT 1 FROM tickets t WHERE t.cinema_id = u.cinema_id AND t.screening_id = u.screening_id
  AND t.seat = u.seat AND t.refunded_at IS NULL LIMIT 1) x`

	// sqlTicketsInsertMany: the columns of a ticket's own ($1–$8, one
	// element a ticket, e the 1-based index of its entry) and the columns
	// its entry gives every ticket of it ($9–$13, one element an entry):
	// a third fewer array elements to encode and decode than one array a
	// column.
	sqlTicketsInsertMany = `INSERT INTO tickets (cinema_id, id, screening_id, film_id, price, category, seat, channel,
  sold_at, sale_date, box_office_day, sale_seq)
SELECT ($9::text[])[u.e], u.id, ($10::text[])[u.e], ($11::text[])[u.e], u.price::numeric, u.category, NULLIF(u.seat, ''), u.channel,
  u.sold_at, u.sale_date, ($12::date[])[u.e], ($13::bigint[])[u.e]
FROM unnest($1::int[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::timestamptz[], $8::date[])
  AS u(e, id, price, category, seat, channel, sold_at, sale_date)`

	sqlScreeningsSoldMany = `UPDATE screenings s SET tickets_sold = s.tickets_sold + u.n, tickets_active = s.tickets_active + u.n,
  gross = s.gross + u.gross::numeric
FROM unnest($1::text[], $2::text[], $3::int[], $4::text[]) AS u(cinema_id, id, n, gross)
WHERE s.cinema_id = u.cinema_id AND s.id = u.id`

	sqlSalesDailyAddMany = `INSERT INTO sales_daily AS d (cinema_id, film_id, box_office_day, sale_date, gross, admissions)
SELECT u.cinema_id, u.film_id, u.box_office_day, u.sale_date, u.gross::numeric, u.admissions
FROM unnest($1::text[], $2::text[], $3::date[], $4::date[], $5::text[], $6::bigint[])
  AS u(cinema_id, film_id, box_office_day, sale_date, gross, admissions)
ON CONFLICT (cinema_id, film_id, box_office_day, sale_date) DO UPDATE
SET gross = d.gross + EXCLUDED.gross, admissions = d.admissions + EXCLUDED.admissions`

	sqlAnomaliesInsertMany = `INSERT INTO anomalies (cinema_id, entry_seq, flag, kind, screening_id, film_id, box_office_day,
  recorded_at, tickets)
SELECT u.cinema_id, u.entry_seq, u.flag, 'sale', u.screening_id, u.film_id, u.box_office_day, u.recorded_at, u.tickets
FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::date[], $7::timestamptz[], $8::int[])
  AS u(cinema_id, entry_seq, flag, screening_id, film_id, box_office_day, recorded_at, tickets)`
)

// saleBody is the "body" of a sale entry: everything needed to rebuild the
// projections from the log.
type saleBody struct {
	CinemaID     string           `json:"cinema_id"`
	ScreeningID  string           `json:"screening_id"`
	FilmID       string           `json:"film_id"`
	BoxOfficeDay string           `json:"box_office_day"`
	Tickets      []saleBodyTicket `json:"tickets"`
}

type saleBodyTicket struct {
	ID       string `json:"id"`
	SoldAt   string `json:"sold_at"`
	SaleDate string `json:"sale_date"`
	Price    string `json:"price"`
	Category string `json:"category"`
	Seat     string `json:"seat,omitempty"`
	Channel  string `json:"channel"`
}

// SaleResult is what an accepted sale returns (POST /v1/sales answers it
// with 201). A replay under the same Idempotency-Key returns the same.
type SaleResult struct {
	Entry    EntryRef `json:"entry"`
	Accepted int      `json:"accepted"`
	Flags    []string `json:"flags"`
}

// saleReq is a sale on its way through the writer.
type saleReq struct {
	c    Caller
	id   Idem
	sale *Sale
	now  time.Time
	// tickets is the "tickets" member of the entry body and parsed what
	// its projections read of it (newSaleTickets, in the request's
	// goroutine).
	tickets []byte
	parsed  *saleTickets
	result  *SaleResult // set by Project
}

func (r *saleReq) Size() int { return 160*len(r.sale.Tickets) + 200 }

// saleState is what Prepare decided beyond the body.
type saleState struct {
	flags             []string
	n, late, afterSta int
	screening, film   string
	bod               time.Time
	entry             saleEntry // without its seq
}

// Sell records a validated sale as one ledger entry. id is the request's
// idempotency identity: a replay of an accepted request returns the first
// result.
func (s *Service) Sell(ctx context.Context, c Caller, id Idem, sale *Sale) (*SaleResult, error) {
	if err := checkIdem(id); err != nil {
		return nil, err
	}
	now := s.cfg.Now()
	for i, t := range sale.Tickets {
		if t.SoldAt.After(now.Add(clockSkew)) {
			return nil, fieldErr(newErr(ErrSoldAtInFuture, "ticket %q: sold_at %s is in the future", t.ID, t.SoldAt.Format(time.RFC3339)),
				soldAtField(i))
		}
	}
	tickets, parsed, err := newSaleTickets(sale)
	if err != nil {
		return nil, err
	}
	req := &saleReq{c: c, id: id, sale: sale, now: now, tickets: tickets, parsed: parsed}
	if _, err := s.app.Append(ctx, ledger.Record{Kind: "sale", Actor: c.KeyID, Batch: salesRun, Request: req}); err != nil {
		return settle[SaleResult](ctx, s, c.KeyID, id, err)
	}
	s.metrics.sale(req.result)
	return req.result, nil
}

// salesBatcher decides and projects runs of sales.
type salesBatcher struct{}

// Prepare reads the state of the whole run in one round trip (with the
// group's pending writes; optimistic, only the screenings: see
// ledger.Careful) and decides
// each sale in order, each seeing the seats, ticket ids, screening totals
// and idempotency keys of the ones accepted before it.
func (sb *salesBatcher) Prepare(ctx context.Context, tx pgx.Tx, b *pgx.Batch, in []any) ([]ledger.Prepared, error) {
	reqs := make([]*saleReq, len(in))
	scr := newScreeningSet()
	n := 0
	for i, x := range in {
		r := x.(*saleReq)
		reqs[i] = r
		scr.want(r.c.CinemaID, r.sale.ScreeningID)
		n += len(r.sale.Tickets)
	}
	idem := newIdemSet()
	// Sized for the run's tickets: growing them was a tenth of the
	// writer's own CPU in the batch load.
	idsTaken := make(map[cinemaKey]bool, n)
	seatsTaken := make(map[[3]string]bool, n)
	scr.queue(b)
	if !ledger.Careful(ctx) {
		// Optimistic: the keys, ticket ids and seats taken before this run
		// are left to the unique indexes of idempotency_keys and tickets
		// (see ledger.Careful): the run's own twins are still found below.
		if err := tx.SendBatch(ctx, b).Close(); err != nil {
			return nil, fmt.Errorf("ingest: read sales state: %w", err)
		}
		return decideSales(ctx, tx, reqs, idem, scr, idsTaken, seatsTaken)
	}
	var keyIDs, keys, tkCinema, tkID, stCinema, stScreening, stSeat []string
	for _, r := range reqs {
		keyIDs, keys = append(keyIDs, r.c.KeyID), append(keys, r.id.Key)
		for _, t := range r.sale.Tickets {
			tkCinema, tkID = append(tkCinema, r.c.CinemaID), append(tkID, t.ID)
			if t.Seat != "" {
				stCinema, stScreening, stSeat = append(stCinema, r.c.CinemaID), append(stScreening, r.sale.ScreeningID), append(stSeat, t.Seat)
			}
		}
	}
	idem.queue(b, keyIDs, keys)
	b.Queue(sqlTicketIDsTaken, tkCinema, tkID).Query(func(rows pgx.Rows) error {
		for rows.Next() {
			var k cinemaKey
			if err := rows.Scan(&k[0], &k[1]); err != nil {
				return err
			}
			idsTaken[k] = true
		}
		return rows.Err()
	})
	if len(stSeat) > 0 {
		b.Queue(sqlSeatsTaken, stCinema, stScreening, stSeat).Query(func(rows pgx.Rows) error {
			for rows.Next() {
				var k [3]string
				if err := rows.Scan(&k[0], &k[1], &k[2]); err != nil {
					return err
				}
				seatsTaken[k] = true
			}
			return rows.Err()
		})
	}
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return nil, fmt.Errorf("ingest: read sales state: %w", err)
	}
	return decideSales(ctx, tx, reqs, idem, scr, idsTaken, seatsTaken)
}

// decideSales decides a run of sales in order against the state read.
func decideSales(ctx context.Context, tx pgx.Tx, reqs []*saleReq, idem *idemSet, scr *screeningSet,
	idsTaken map[cinemaKey]bool, seatsTaken map[[3]string]bool) ([]ledger.Prepared, error) {
	if err := scr.resolveMissing(ctx, tx); err != nil {
		return nil, err
	}
	out := make([]ledger.Prepared, len(reqs))
	for i, r := range reqs {
		out[i] = decideSale(r, idem, scr, idsTaken, seatsTaken)
	}
	return out, nil
}

// decideSale applies the rules of one sale to the state of its run and,
// when it is accepted, adds its effects to that state.
func decideSale(r *saleReq, idem *idemSet, scr *screeningSet, idsTaken map[cinemaKey]bool, seatsTaken map[[3]string]bool) ledger.Prepared {
	reject := func(err error) ledger.Prepared { return ledger.Prepared{Err: err} }
	c, sale := r.c, r.sale
	if err := idem.check(c.KeyID, r.id); err != nil {
		return reject(err)
	}
	sc, err := scr.get(c.CinemaID, sale.ScreeningID)
	if err != nil {
		return reject(err)
	}
	n := len(sale.Tickets)
	for i, t := range sale.Tickets {
		if t.SoldAt.After(sc.endsAt) {
			return reject(fieldErr(newErr(ErrSoldAfterEnd, "ticket %q: sold_at %s is after the screening's end %s", t.ID,
				t.SoldAt.Format(time.RFC3339), sc.endsAt.Format(time.RFC3339)), soldAtField(i)))
		}
	}
	if sc.active+n > sc.seats {
		return reject(newErr(ErrCapacityExceeded, "screening %q: %d tickets sold and %d more exceed the hall's %d seats",
			sc.id, sc.active, n, sc.seats))
	}
	for i, t := range sale.Tickets {
		if idsTaken[cinemaKey{c.CinemaID, t.ID}] {
			return reject(fieldErr(newErr(ErrDuplicateTicket, "ticket %q was already sold in cinema %q", t.ID, c.CinemaID),
				fmt.Sprintf("tickets[%d].id", i)))
		}
		if t.Seat != "" && seatsTaken[[3]string{c.CinemaID, sc.id, t.Seat}] {
			return reject(fieldErr(newErr(ErrSeatAlreadySold, "ticket %q: seat %q of screening %q is already sold", t.ID, t.Seat, sc.id),
				fmt.Sprintf("tickets[%d].seat", i)))
		}
	}
	// The body: the header from the state read, the tickets as
	// newSaleTickets encoded them (saleentry.go).
	bodStr := sc.bod.Format(dateLayout)
	bod, err := parseDate(bodStr)
	if err != nil {
		return reject(fmt.Errorf("ingest: box-office day of screening %q: %w", sc.id, err))
	}
	body := appendSaleBody(make([]byte, 0, len(r.tickets)+128+len(c.CinemaID)+len(sc.id)+len(sc.filmID)),
		c.CinemaID, sc.id, sc.filmID, bodStr, r.tickets)
	st := &saleState{n: n, screening: sc.id, film: sc.filmID, bod: sc.bod,
		entry: saleEntry{cinema: bodyString(c.CinemaID), screening: bodyString(sc.id), film: bodyString(sc.filmID), bod: bod, tickets: r.parsed}}
	for _, t := range sale.Tickets {
		if r.now.Sub(t.SoldAt) > lateAfter {
			st.late++
		}
		if t.SoldAt.After(sc.startsAt) {
			st.afterSta++
		}
	}
	st.flags = []string{}
	if st.late > 0 {
		st.flags = append(st.flags, flagLateReport)
	}
	if isNightStart(sc.startsAt) && (sc.active+n)*5 > sc.seats*4 {
		st.flags = append(st.flags, flagNightHighOccupancy)
	}
	if st.afterSta > 0 {
		st.flags = append(st.flags, flagSoldAfterStart)
	}
	slices.Sort(st.flags)

	sc.active += n
	for _, t := range sale.Tickets {
		idsTaken[cinemaKey{c.CinemaID, t.ID}] = true
		if t.Seat != "" {
			seatsTaken[[3]string{c.CinemaID, sc.id, t.Seat}] = true
		}
	}
	idem.accept(c.KeyID, r.id)
	return ledger.Prepared{Body: ledger.RawBody(body), CinemaID: c.CinemaID, FilmID: sc.filmID, Flags: st.flags, State: st}
}

func (st *saleState) flagTickets(flag string) int32 {
	switch flag {
	case flagLateReport:
		return int32(st.late)
	case flagSoldAfterStart:
		return int32(st.afterSta)
	}
	return int32(st.n)
}

// Project writes the projections of the accepted sales (salesRowsOf, the
// code verify --deep replays, from the saleEntry each body was encoded
// from), then what only the live write has: the idempotency rows with the
// results and the anomaly rows of the flags.
func (sb *salesBatcher) Project(ctx context.Context, tx pgx.Tx, b *pgx.Batch, acc []ledger.Accepted) error {
	es := make([]saleEntry, len(acc))
	for i, a := range acc {
		es[i] = a.State.(*saleState).entry
		es[i].seq = a.Entry.Seq
	}
	p := salesRowsOf(es, nil)
	if checkLiveSales {
		if err := checkSalesRows(p, acc); err != nil {
			return err
		}
	}
	p.queueTickets(b)
	p.queueTotals(b)
	var rows idemRows
	var an anomalyRows
	for _, a := range acc {
		r, st := a.Request.(*saleReq), a.State.(*saleState)
		r.result = &SaleResult{Entry: entryRef(a.Entry), Accepted: st.n, Flags: st.flags}
		rows.add(r.c.KeyID, r.id, 201, mustJSON(r.result), a.Entry.Seq)
		for _, f := range st.flags {
			an.add(r.c.CinemaID, st, a.Entry, f)
		}
	}
	rows.queue(b)
	an.queue(b)
	return nil
}

// anomalyRows are the anomaly rows of a run of sales.
type anomalyRows struct {
	cinemas, flags, screenings, films []string
	seqs                              []int64
	bods, ats                         []time.Time
	tickets                           []int32
}

func (r *anomalyRows) add(cinemaID string, st *saleState, e ledger.Entry, flag string) {
	r.cinemas = append(r.cinemas, cinemaID)
	r.seqs = append(r.seqs, e.Seq)
	r.flags = append(r.flags, flag)
	r.screenings = append(r.screenings, st.screening)
	r.films = append(r.films, st.film)
	r.bods = append(r.bods, st.bod)
	r.ats = append(r.ats, e.At)
	r.tickets = append(r.tickets, st.flagTickets(flag))
}

func (r *anomalyRows) queue(b *pgx.Batch) {
	if len(r.seqs) > 0 {
		b.Queue(sqlAnomaliesInsertMany, r.cinemas, r.seqs, r.flags, r.screenings, r.films, r.bods, r.ats, r.tickets)
	}
}

// bodyEntry is an entry as the projections read it: its seq and body.
type bodyEntry struct {
	Seq  int64
	Body []byte
}

func bodyEntries(acc []ledger.Accepted) []bodyEntry {
	out := make([]bodyEntry, len(acc))
	for i, a := range acc {
		body, err := ledger.EntryBody(a.Entry.Bytes)
		if err != nil {
			panic(err) // the writer encoded these bytes a moment ago
		}
		out[i] = bodyEntry{Seq: a.Entry.Seq, Body: body}
	}
	return out
}

// checkLiveSales makes every live run of sales also parse its entry
// bodies and fail when the rows differ from the ones it writes (the ingest
// tests set it).
var checkLiveSales = false

// checkSalesRows compares p with the rows salesProjection computes from
// the entry bodies of acc.
func checkSalesRows(p *salesRows, acc []ledger.Accepted) error {
	want, err := salesProjection(bodyEntries(acc))
	if err != nil {
		return err
	}
	if !sameSalesRows(p, want) {
		return fmt.Errorf("ingest: the live projection of sales %d–%d differs from their entry bodies'", acc[0].Entry.Seq, acc[len(acc)-1].Entry.Seq)
	}
	if err := checkTicketsWire(p); err != nil {
		return fmt.Errorf("ingest: sales %d–%d: %w", acc[0].Entry.Seq, acc[len(acc)-1].Entry.Seq, err)
	}
	return nil
}

// checkTicketsWire compares the bytes queueTickets sends from the wire
// parts with pgx's encoding of the same columns.
func checkTicketsWire(p *salesRows) error {
	if p.wire == nil {
		return errors.New("live sales without their wire parts")
	}
	plain, m := pgtype.NewMap(), pgtype.NewMap()
	pgarray.Register(m)
	t := &p.tickets
	w := p.ticketsWire()
	oids := [7]uint32{pgtype.TextArrayOID, pgtype.TextArrayOID, pgtype.TextArrayOID, pgtype.TextArrayOID, pgtype.TextArrayOID,
		pgtype.TimestamptzArrayOID, pgtype.DateArrayOID}
	cols := [7]any{t.id, t.price, t.category, t.seat, t.channel, t.soldAt, t.saleDate}
	for i := range cols {
		want, err := plain.Encode(oids[i], pgtype.BinaryFormatCode, cols[i], nil)
		if err != nil {
			return err
		}
		got, err := m.Encode(oids[i], pgtype.BinaryFormatCode, w[i], nil)
		if err != nil {
			return err
		}
		if !bytes.Equal(got, want) {
			return fmt.Errorf("the tickets insert's parameter $%d from the wire parts differs from its column", i+2)
		}
	}
	return nil
}

// sameSalesRows compares projection rows, prices by value and exponent.
func sameSalesRows(a, b *salesRows) bool {
	ta, tb := a.tickets, b.tickets
	if len(ta.prices) != len(tb.prices) {
		return false
	}
	for i := range ta.prices {
		if !ta.prices[i].Equal(tb.prices[i]) || ta.prices[i].Exponent() != tb.prices[i].Exponent() {
			return false
		}
	}
	ta.prices, tb.prices = nil, nil
	return reflect.DeepEqual(ta, tb) && reflect.DeepEqual(a.screenings, b.screenings) && reflect.DeepEqual(a.daily, b.daily)
}

// ticketRows are the rows of tickets a run of sale entries inserts, column
// by column as sqlTicketsInsertMany takes them. price is the body's string
// (the column's numeric type reads it).
type ticketRows struct {
	cinema, id, screening, film, price, category, seat, channel []string
	soldAt                                                      []time.Time
	saleDate, bod                                               []time.Time
	seq                                                         []int64
	prices                                                      []decimal.Decimal // price, parsed
}

// screeningTotals are per-screening changes of tickets and gross, in key
// order, as the screenings statements take them.
type screeningTotals struct {
	cinema, id []string
	n          []int32
	gross      []string
}

type scrKey struct{ cinema, id string }

type scrSum struct {
	n     int32
	gross decimal.Decimal
}

func sortedScreeningTotals(scr map[scrKey]*scrSum) screeningTotals {
	return screeningTotalsOf(maps.All(scr), func(v *scrSum) (int32, string) { return v.n, v.gross.StringFixed(2) })
}

// screeningTotalsOf is the sums all yields in key order (cinema, then id),
// as the screenings statements take them; row gives a sum's tickets and
// gross.
func screeningTotalsOf[V any](all iter.Seq2[scrKey, V], row func(V) (int32, string)) screeningTotals {
	type sum struct {
		k scrKey
		v V
	}
	var sums []sum
	for k, v := range all {
		sums = append(sums, sum{k, v})
	}
	slices.SortFunc(sums, func(a, b sum) int {
		return cmp.Or(strings.Compare(a.k.cinema, b.k.cinema), strings.Compare(a.k.id, b.k.id))
	})
	t := screeningTotals{cinema: make([]string, len(sums)), id: make([]string, len(sums)),
		n: make([]int32, len(sums)), gross: make([]string, len(sums))}
	for i, s := range sums {
		t.cinema[i], t.id[i] = s.k.cinema, s.k.id
		t.n[i], t.gross[i] = row(s.v)
	}
	return t
}

// salesRows are the projection rows of a run of sale entries.
type salesRows struct {
	tickets    ticketRows
	screenings screeningTotals
	daily      dailyTotals
	// wire: each entry's tickets as the insert sends them, in order, when
	// every entry has them (live sales); queueTickets sends these instead
	// of encoding the columns of tickets.
	wire []*ticketsWire
	// headers: what each entry states of its screening, its tickets and
	// their last sold_at (salesProjection, for verify --deep's
	// checkHeaders and its replay of the sale rules).
	headers []saleHeader
}

// salesProjection computes the projection rows of sale entries from their
// bodies, in seq order (verify --deep; the live write reads the same
// saleEntry without parsing its body, see saleentry.go).
func salesProjection(es []bodyEntry) (*salesRows, error) {
	bodies := make([]saleBody, len(es))
	n := 0
	for i, e := range es {
		if err := decodeSaleBody(e.Body, &bodies[i]); err != nil {
			return nil, fmt.Errorf("ingest: sale entry %d: %w", e.Seq, err)
		}
		n += len(bodies[i].Tickets)
	}
	entries := make([]saleEntry, len(es))
	tickets := make([]saleTickets, len(es))
	arena := newTicketArena(n)
	cols := *arena                         // the entries take consecutive parts of it, in order: the run's columns
	prices := map[string]decimal.Decimal{} // the few prices of a run, parsed once
	for i, e := range es {
		var err error
		if entries[i], err = parseSaleEntry(e.Seq, &bodies[i], &tickets[i], prices, arena); err != nil {
			return nil, err
		}
	}
	p := salesRowsOf(entries, &cols)
	p.headers = make([]saleHeader, len(entries))
	for i, e := range entries {
		var last time.Time
		for j, at := range e.tickets.soldAt {
			if j == 0 || at.After(last) {
				last = at
			}
		}
		p.headers[i] = saleHeader{cinema: e.cinema, screening: e.screening, film: e.film, bod: e.bod, seq: e.seq,
			n: int32(len(e.tickets.soldAt)), lastSold: pgMicros(last)}
	}
	return p, nil
}

// salesRowsOf computes the projection rows of sale entries, in seq order:
// the one place that says what a sale entry writes. cols, when set, holds
// the entries' times, sale dates and prices back to back (their
// saleTickets were taken from it in order): they are used as they are.
func salesRowsOf(es []saleEntry, cols *ticketArena) *salesRows {
	n := 0
	for _, e := range es {
		n += len(e.tickets.body)
	}
	t := ticketRows{cinema: make([]string, 0, n), id: make([]string, 0, n), screening: make([]string, 0, n),
		film: make([]string, 0, n), price: make([]string, 0, n), category: make([]string, 0, n), seat: make([]string, 0, n),
		channel: make([]string, 0, n), bod: make([]time.Time, 0, n), seq: make([]int64, 0, n)}
	if cols != nil && len(cols.price) == n {
		t.soldAt, t.saleDate, t.prices = cols.soldAt, cols.saleDate, cols.price
	} else {
		cols = nil
		t.soldAt, t.saleDate, t.prices = make([]time.Time, 0, n), make([]time.Time, 0, n), make([]decimal.Decimal, 0, n)
	}
	scr := map[scrKey]*scrSum{}
	days := dailySums{}
	wire := make([]*ticketsWire, 0, len(es))
	for _, e := range es {
		tks := e.tickets
		if tks.wire == nil {
			wire = nil // a parsed entry: queueTickets encodes the columns
		} else if wire != nil {
			wire = append(wire, tks.wire)
		}
		k := scrKey{e.cinema, e.screening}
		sum := scr[k]
		if sum == nil {
			sum = &scrSum{}
			scr[k] = sum
		}
		for i := range tks.body {
			tk := &tks.body[i]
			t.cinema = append(t.cinema, e.cinema)
			t.id = append(t.id, tk.ID)
			t.screening = append(t.screening, e.screening)
			t.film = append(t.film, e.film)
			t.price = append(t.price, tk.Price)
			t.category = append(t.category, tk.Category)
			t.seat = append(t.seat, tk.Seat)
			t.channel = append(t.channel, tk.Channel)
			t.bod = append(t.bod, e.bod)
			t.seq = append(t.seq, e.seq)
		}
		if cols == nil {
			t.prices = append(t.prices, tks.price...)
			t.soldAt = append(t.soldAt, tks.soldAt...)
			t.saleDate = append(t.saleDate, tks.saleDate...)
		}
		sum.n += int32(len(tks.body))
		sum.gross = sum.gross.Add(tks.gross)
		for _, d := range tks.days {
			r := days.row(dailyKey{e.cinema, e.film, e.bod, d.saleDate})
			r.gross = r.gross.Add(d.gross)
			r.n += d.n
		}
	}
	p := &salesRows{tickets: t, wire: wire}
	if len(t.id) > 0 {
		p.screenings = sortedScreeningTotals(scr)
		p.daily = days.totals()
	}
	return p
}

// queueTickets queues the insert of the tickets: the columns an entry
// gives each of its tickets (cinema, screening, film, box-office day, seq)
// once an entry, taken from its first ticket's row.
func (p *salesRows) queueTickets(b *pgx.Batch) {
	t := &p.tickets
	if len(t.id) == 0 {
		return
	}
	e := make([]int32, len(t.id))
	var cinema, screening, film []string
	var bod []time.Time
	var seq []int64
	for i := range t.id {
		if i == 0 || t.seq[i] != t.seq[i-1] {
			cinema, screening, film = append(cinema, t.cinema[i]), append(screening, t.screening[i]), append(film, t.film[i])
			bod, seq = append(bod, t.bod[i]), append(seq, t.seq[i])
		}
		e[i] = int32(len(seq))
	}
	if p.wire != nil {
		w := p.ticketsWire()
		b.Queue(sqlTicketsInsertMany, e, w[0], w[1], w[2], w[3], w[4], w[5], w[6], cinema, screening, film, bod, seq)
		return
	}
	b.Queue(sqlTicketsInsertMany, e, t.id, t.price, t.category, t.seat, t.channel, t.soldAt, t.saleDate,
		cinema, screening, film, bod, seq)
}

// ticketsWire joins the entries' wire parts into sqlTicketsInsertMany's
// $2–$8.
func (p *salesRows) ticketsWire() [7]pgarray.Array {
	cols := [7]pgarray.Array{{Elem: pgtype.TextOID}, {Elem: pgtype.TextOID}, {Elem: pgtype.TextOID}, {Elem: pgtype.TextOID},
		{Elem: pgtype.TextOID}, {Elem: pgtype.TimestamptzOID}, {Elem: pgtype.DateOID}}
	for i := range cols {
		cols[i].Parts = make([]*pgarray.Elements, len(p.wire))
	}
	for k, w := range p.wire {
		cols[0].Parts[k], cols[1].Parts[k], cols[2].Parts[k], cols[3].Parts[k] = &w.id, &w.price, &w.category, &w.seat
		cols[4].Parts[k], cols[5].Parts[k], cols[6].Parts[k] = &w.channel, &w.soldAt, &w.saleDate
	}
	return cols
}

// queueTotals queues the screening totals (every screening must exist)
// and the sales_daily rows.
func (p *salesRows) queueTotals(b *pgx.Batch) {
	if len(p.tickets.id) == 0 {
		return
	}
	p.screenings.queueSold(b)
	p.daily.queueAdd(b)
}

// queueSold adds sold tickets to the screenings' totals; every screening
// must exist.
func (s screeningTotals) queueSold(b *pgx.Batch) {
	if len(s.id) == 0 {
		return
	}
	want := int64(len(s.id))
	b.Queue(sqlScreeningsSoldMany, s.cinema, s.id, s.n, s.gross).Exec(func(tag pgconn.CommandTag) error {
		if tag.RowsAffected() != want {
			return fmt.Errorf("ingest: sales for %d screenings, %d of them found", want, tag.RowsAffected())
		}
		return nil
	})
}

// queueAdd adds the totals to sales_daily.
func (d dailyTotals) queueAdd(b *pgx.Batch) {
	if len(d.cinema) > 0 {
		b.Queue(sqlSalesDailyAddMany, d.cinema, d.film, d.bod, d.saleDate, d.gross, d.admits)
	}
}
