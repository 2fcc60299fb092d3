package ingest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"ecinema/ledger"
)

// deepTables are the ingest projections deepCheck rebuilds into temporary
// tables from the entries, with the columns compared. Tickets are rebuilt
// in memory (deepTickets) and compared with the stored rows in Go, on the
// columns of deepTicketColumns. The anomalies table (flags are not hashed)
// and idempotency keys (not facts of the log) are not rebuilt.
var deepTables = []ledger.ShadowTable{
	{Name: "screenings", Columns: "cinema_id, id, hall_id, film_id, starts_at, ends_at, box_office_day, format, language, entry_seq, seats, version, tickets_sold, tickets_active, gross", SeqColumn: "entry_seq"},
	{Name: "sales_daily", Columns: "cinema_id, film_id, box_office_day, sale_date, gross, admissions"},
	{Name: "screenings_daily", Columns: "cinema_id, film_id, box_office_day, screenings"},
}

// deepFlushAt is how many entries the rebuild buffers before it projects.
const deepFlushAt = 4000

// deepCheck rebuilds screenings, tickets, sales_daily and screenings_daily
// from the screening, sale and refund entries for `ecinema verify --deep`
// and compares them with the stored tables. It replays through the same
// projection functions the live writes use (projectScreenings, and
// salesProjection — parseSaleEntry then salesRowsOf, which the live sales
// run — and refundProjection, which projectRefunds queues), a buffer of entries at a time: the buffered
// screenings, then the sales, then the refunds. The screenings and both
// rollups go into temporary tables that shadow the stored ones, written by
// the live statements (settlement's check reads the rebuilt sales_daily at
// each period_close); the tickets, by far the most rows, into memory
// (deepTickets). That order gives the rows sequential replay gives: a
// screening is never replaced once it has sales, a refund follows its
// sale, and every total is a sum. The partial unique index of active seats
// is not rebuilt (a seat refunded and sold again within one buffer is sold
// before the refund is applied); the stored table keeps it, and the
// comparison still finds any difference. The buffer is projected when it
// is full, before an entry of another kind (FlushBefore; VerifyDB calls it
// before settlement's check reads sales_daily at a period_close), and
// before Compare.
//
// The rules the live write decides from the stored screening row (the
// seats and active tickets of a sale, the end a ticket is sold by, the
// start a refund without reason screening_cancelled comes before) are
// replayed in seq order by the screening sums (screeningSums.replay), from
// the buffer's screening versions, sale headers and refunds: a row changed
// for one write and put back leaves the tables equal to their replay, but
// the entry that broke the rule is reported (checkHeaders, in Compare).
// This replaces a check of the active tickets at the end, which missed an
// oversale refunded since (and which the replay implies: after the last
// sale only refunds lower the active tickets, and a later screening entry
// is checkHeaders').
//
// The tickets are rebuilt in parts when they would not fit the memory
// budget (DeepOptions; deepparts.go): the first part here, the others in
// Compare from their entries read again.
type deepCheck struct{ run *deepRun }

type deepRun struct {
	opts                       DeepOptions
	reread                     ledger.EntryRereader
	screenings, sales, refunds []bodyEntry
	tickets                    *deepTickets // part 0's
	parts                      *deepParts   // nil: one part
	work                       *deepWork
	// sold and refunded sum the screening totals of every run: they are
	// applied once, before Compare (sums commute; no entry reads them).
	sold, refunded *screeningSums
	analyze        *ledger.ShadowAnalyzer
	registry       *deepRegistry // the screening entries' rules of the registry
}

func (r *deepRun) len() int { return len(r.screenings) + len(r.sales) + len(r.refunds) }

// NewDeepCheck returns the ingest projection check, with the default
// memory budget.
func NewDeepCheck() ledger.DeepCheck { return NewDeepCheckWith(DeepOptions{}) }

// NewDeepCheckWith returns the ingest projection check with opts.
func NewDeepCheckWith(opts DeepOptions) ledger.DeepCheck {
	return deepCheck{run: &deepRun{opts: opts}}
}

// SetRereader takes the verification's reader of entries, for the parts
// of the tickets rebuilt in Compare.
func (d deepCheck) SetRereader(r ledger.EntryRereader) { d.run.reread = r }

// Work reports the comparison of the tickets and the entries read again
// for the later parts, in entries' worth (ledger.DeepWorker).
func (d deepCheck) Work() (total, done int64) {
	if w := d.run.work; w != nil {
		return w.Work()
	}
	return 0, 0
}

// Parts is the number of parts the tickets are rebuilt in (known after
// Begin).
func (d deepCheck) Parts() int {
	if p := d.run.parts; p != nil {
		return p.k
	}
	return 1
}

// Name names the check.
func (deepCheck) Name() string { return "ingest" }

// sqlShadowSecondaryIndexes names the indexes of a shadow table but its
// primary key.
const sqlShadowSecondaryIndexes = `SELECT i.relname FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
WHERE x.indrelid = $1::regclass AND NOT x.indisprimary`

// Begin creates empty temporary copies that shadow the stored tables for
// the rest of the transaction, and the empty tickets. The copies keep only
// the primary key, which every replayed statement goes by (the other
// indexes serve the API's reads, and were half the cost of each upsert),
// and leave half of each page free, so that the many updates of a row's
// totals stay on its page (HOT).
func (d deepCheck) Begin(ctx context.Context, tx pgx.Tx) error {
	parts, expect, err := planParts(ctx, tx, d.run.opts)
	if err != nil {
		return err
	}
	if parts != nil && d.run.reread == nil {
		return errors.New("ingest: deep check: the tickets need more than one part, and the verification cannot read entries again")
	}
	*d.run = deepRun{opts: d.run.opts, reread: d.run.reread, parts: parts, tickets: newDeepTickets(expect),
		work: newDeepWork(parts, expect), sold: newScreeningSums(), refunded: newScreeningSums(),
		analyze: ledger.NewShadowAnalyzer(deepTables)}
	if d.run.registry, err = newDeepRegistry(ctx, tx); err != nil {
		return err
	}
	if err := ledger.CreateShadows(ctx, tx, deepTables); err != nil {
		return fmt.Errorf("ingest: deep check: %w", err)
	}
	for _, t := range deepTables {
		rows, err := tx.Query(ctx, sqlShadowSecondaryIndexes, "pg_temp."+t.Name)
		var names []string
		if err == nil {
			names, err = pgx.CollectRows(rows, pgx.RowTo[string])
		}
		for _, n := range names {
			if err == nil {
				_, err = tx.Exec(ctx, "DROP INDEX pg_temp."+pgx.Identifier{n}.Sanitize())
			}
		}
		if err == nil {
			_, err = tx.Exec(ctx, "ALTER TABLE pg_temp."+t.Name+" SET (fillfactor = 50)")
		}
		if err != nil {
			return fmt.Errorf("ingest: deep check: shadow of %s: %w", t.Name, err)
		}
	}
	return nil
}

// Entry buffers screening, sale and refund entries.
func (d deepCheck) Entry(ctx context.Context, tx pgx.Tx, e ledger.Entry, p ledger.ParsedEntry) error {
	d.run.work.entries.Add(1)
	var buf *[]bodyEntry
	switch p.Kind {
	case "screening":
		buf = &d.run.screenings
	case "sale":
		buf = &d.run.sales
	case "refund":
		buf = &d.run.refunds
	default:
		return nil
	}
	*buf = append(*buf, bodyEntry{Seq: e.Seq, Body: append([]byte(nil), p.Body...)})
	if d.run.len() >= deepFlushAt {
		return d.flush(ctx, tx)
	}
	return nil
}

// FlushBefore projects the buffer before an entry of another kind than
// screening, sale or refund.
func (d deepCheck) FlushBefore(ctx context.Context, tx pgx.Tx, kind string) error {
	switch kind {
	case "screening", "sale", "refund":
		return nil
	}
	err := d.flush(ctx, tx)
	if r := d.run.registry; r != nil {
		r.kind(kind)
	}
	return err
}

func (d deepCheck) flush(ctx context.Context, tx pgx.Tx) error {
	r := d.run
	if r.len() == 0 {
		return nil
	}
	defer func() { r.screenings, r.sales, r.refunds = r.screenings[:0], r.sales[:0], r.refunds[:0] }()
	b := &pgx.Batch{}
	r.analyze.Queue(b)
	var err error
	// The run's screening versions, sale headers and refunds, which the
	// screening sums replay in seq order (the rules the live write decides
	// from the stored screening row).
	var versions []scrVersion
	var headers [][]saleHeader
	var refunds []refundApply
	if len(r.screenings) > 0 {
		err = projectScreenings(b, r.screenings, func(v scrVersion) error {
			versions = append(versions, v)
			return nil
		})
		if err == nil {
			err = r.registry.check(ctx, tx, versions, r.sold.broke)
		}
	}
	if err == nil && len(r.sales) > 0 {
		var ps []*salesRows
		ps, err = deepSalesProjection(r.sales)
		var want func(string) bool
		if r.parts != nil {
			want = func(c string) bool { return r.parts.partOf(c) == 0 }
		}
		for _, p := range ps {
			if err == nil {
				err = r.tickets.insert(&p.tickets, want)
			}
			if err == nil {
				if r.parts != nil {
					r.parts.noteSales(&p.tickets)
				}
				p.daily.queueAdd(b)
				headers = append(headers, p.headers)
			}
			if err == nil {
				err = r.sold.add(p.screenings)
			}
		}
	}
	if err == nil && len(r.refunds) > 0 {
		var p *refundRows
		if p, err = refundProjection(r.refunds); err == nil {
			refunds = p.applies
			aps := p.applies
			if r.parts != nil {
				aps = r.parts.part0Refunds(aps)
			}
			err = r.tickets.refund(aps)
			p.daily.queueSub(b)
			if err == nil {
				err = r.refunded.add(p.screenings)
			}
		}
	}
	if err == nil {
		err = r.sold.replay(versions, headers, refunds)
	}
	if err == nil && r.parts != nil {
		r.parts.endRun()
		r.work.noted()
	}
	last := r.lastSeq()
	if err != nil {
		return fmt.Errorf("ingest: deep check: entries up to %d: %w", last, err)
	}
	// PostgreSQL applies the shadows' writes while the next entries are
	// read and projected (every later use of tx waits for them).
	return ledger.SendBatchLater(ctx, tx, b, func(err error) error {
		return fmt.Errorf("ingest: deep check: entries up to %d: %w", last, err)
	})
}

// deepMinPart is the fewest sale entries deepSalesProjection gives a core.
const deepMinPart = 250

// deepSalesProjection runs salesProjection over consecutive parts of es on
// every core (at most 4), as if the writer had grouped the entries into
// those runs: the tickets are the same rows in the same order, and the
// totals are sums, which commute. The first error in seq order is
// returned.
func deepSalesProjection(es []bodyEntry) ([]*salesRows, error) {
	n := min(runtime.GOMAXPROCS(0), 4, len(es)/deepMinPart)
	if n < 2 {
		p, err := salesProjection(es)
		return []*salesRows{p}, err
	}
	out := make([]*salesRows, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		part := es[i*len(es)/n : (i+1)*len(es)/n]
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i], errs[i] = salesProjection(part)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (r *deepRun) lastSeq() int64 {
	var m int64 = -1
	for _, es := range [][]bodyEntry{r.screenings, r.sales, r.refunds} {
		if len(es) > 0 && es[len(es)-1].Seq > m {
			m = es[len(es)-1].Seq
		}
	}
	return m
}

// CompareBeside projects what is buffered and hands VerifyDB the
// comparison of the tickets (ledger.DeepBesider): the check's longest
// part, which reads only the stored tickets and the entries, so that it
// runs beside the comparison of the shadow tables (Compare) and the later
// checks'.
func (d deepCheck) CompareBeside(ctx context.Context, tx pgx.Tx) (ledger.BesideFunc, error) {
	if err := d.flush(ctx, tx); err != nil {
		return nil, err
	}
	d.run.work.compareStarts()
	t := d.run.tickets
	d.run.tickets = nil // Compare leaves the tickets to the BesideFunc
	return func(ctx context.Context, side pgx.Tx, reread ledger.EntryRereader) error {
		part0 := t
		t = nil // compareTickets drops part 0 before it rebuilds part 1
		return d.run.compareTickets(ctx, side, reread, part0)
	}, nil
}

// Compare projects what is buffered and the screening totals, compares the
// rebuilt tables with the stored ones and drops the temporary tables; and
// the tickets, unless CompareBeside took them.
func (d deepCheck) Compare(ctx context.Context, tx pgx.Tx) error {
	if err := d.flush(ctx, tx); err != nil {
		return err
	}
	if t := d.run.tickets; t != nil {
		d.run.work.compareStarts()
		d.run.tickets = nil
		if err := d.run.compareTickets(ctx, tx, d.run.reread, t); err != nil {
			return err
		}
	}
	if err := d.run.sold.checkHeaders(); err != nil {
		return err
	}
	b := &pgx.Batch{}
	d.run.sold.sorted().queueSold(b)
	d.run.refunded.sorted().queueRefunded(b)
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return fmt.Errorf("ingest: deep check: screening totals: %w", err)
	}
	if err := checkActiveSeats(ctx, tx); err != nil {
		return err
	}
	if err := checkOverlaps(ctx, tx); err != nil {
		return err
	}
	return ledger.CompareShadows(ctx, tx, deepTables)
}

// sqlDeepOverlaps finds two rebuilt screenings of one hall whose times
// meet: in each hall, by start, a screening that starts before the latest
// end of the ones before it (one sort of the rebuilt screenings), then its
// partner among the first such; the pair whose later entry comes first.
// (No screening runs 48 hours, the live search's bound: a film runs at
// most 1000 minutes.)
const sqlDeepOverlaps = `WITH o AS (SELECT cinema_id, hall_id, id, starts_at, ends_at, entry_seq,
    max(ends_at) OVER (PARTITION BY cinema_id, hall_id ORDER BY starts_at, id ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS before
  FROM pg_temp.screenings),
r AS (SELECT * FROM o WHERE before > starts_at ORDER BY entry_seq LIMIT 100)
SELECT r.cinema_id, r.hall_id, r.id, r.starts_at, r.ends_at, r.entry_seq, x.id, x.starts_at, x.ends_at, x.entry_seq
FROM r JOIN pg_temp.screenings x ON x.cinema_id = r.cinema_id AND x.hall_id = r.hall_id AND x.id <> r.id
  AND x.starts_at <= r.starts_at AND x.ends_at > r.starts_at
ORDER BY greatest(r.entry_seq, x.entry_seq), r.entry_seq, x.entry_seq LIMIT 1`

// checkOverlaps reports two rebuilt screenings of one hall whose times
// meet. The live write refuses a screening that meets another of its hall
// as the stored rows place them (decide): a row moved for one
// registration and put back leaves the tables equal to their replay, but
// two screenings in one hall at once. Of two such screenings, the one
// registered later broke the rule when it was registered (the other
// stood then as it stands now), so its entry is reported. (Only the
// screenings as they end are checked: two that met while one was moved
// away since are not found.)
func checkOverlaps(ctx context.Context, tx pgx.Tx) error {
	var cinema, hall, id, other string
	var starts, ends, oStarts, oEnds time.Time
	var seq, oSeq int64
	err := tx.QueryRow(ctx, sqlDeepOverlaps).Scan(&cinema, &hall, &id, &starts, &ends, &seq, &other, &oStarts, &oEnds, &oSeq)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("ingest: deep check: overlapping screenings: %w", err)
	}
	if oSeq > seq {
		id, other, starts, oStarts, ends, oEnds, seq, oSeq = other, id, oStarts, starts, oEnds, ends, oSeq, seq
	}
	return &ledger.ProjectionMismatch{Table: "screenings", Seq: seq, Detail: fmt.Sprintf(
		"screening entry %d placed screening %q of cinema %q in hall %q from %s to %s, over screening %q there from %s to %s (screening entry %d)",
		seq, id, cinema, hall, fmtTime(starts), fmtTime(ends), other, fmtTime(oStarts), fmtTime(oEnds), oSeq)}
}

// compareTickets compares part 0's rebuilt tickets t with the stored ones
// read through tx, then rebuilds (from the entries reread reads again)
// and compares every other part in turn, each dropped before the next.
func (r *deepRun) compareTickets(ctx context.Context, tx pgx.Tx, reread ledger.EntryRereader, t *deepTickets) error {
	w := r.work
	var filter, arg string
	if r.parts != nil {
		filter, arg = r.parts.storedFilter(0)
	}
	t0 := time.Now()
	err := t.compare(ctx, tx, filter, arg, w.compared)
	w.partCompared(0, len(t.rows), time.Since(t0))
	t = nil // garbage before the next part is rebuilt
	if err != nil || r.parts == nil {
		return err
	}
	for q := 1; q < r.parts.k; q++ {
		t0 := time.Now()
		t, err := r.parts.rebuild(ctx, q, reread, w)
		if err != nil {
			return fmt.Errorf("ingest: deep check: tickets, part %d of %d: %w", q+1, r.parts.k, err)
		}
		w.partReread(len(r.parts.seqs[q]), time.Since(t0))
		filter, arg := r.parts.storedFilter(q)
		t0 = time.Now()
		err = t.compare(ctx, tx, filter, arg, w.compared)
		w.partCompared(q, len(t.rows), time.Since(t0))
		if err != nil {
			return err
		}
	}
	return nil
}

// decodeBody decodes an entry's body; the writer marshalled it from the
// same struct, so unknown fields are not looked for.
func decodeBody(b []byte, v any) error {
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("body: %w", err)
	}
	return nil
}

// parseDate parses a date of an entry body (dateLayout). The common case
// is read by a scanner; whatever it does not take goes to time.Parse, so
// the result is always time.Parse's.
func parseDate(s string) (time.Time, error) {
	if len(s) == 10 && s[4] == '-' && s[7] == '-' {
		y, ok1 := digits(s[0:4])
		m, ok2 := digits(s[5:7])
		d, ok3 := digits(s[8:10])
		if ok1 && ok2 && ok3 && validDate(y, m, d) {
			return time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC), nil
		}
	}
	return time.Parse(dateLayout, s)
}

// parseBodyTime parses a time of an entry body, which the writer formats
// as fmtTime does ("2006-01-02T15:04:05.000000Z"): that layout is read by a
// scanner (time.Parse took a tenth of verify --deep's replay), anything
// else by time.Parse(time.RFC3339Nano) as before; the result is the same.
func parseBodyTime(s string) (time.Time, error) {
	if len(s) == 27 && s[4] == '-' && s[7] == '-' && s[10] == 'T' && s[13] == ':' && s[16] == ':' && s[19] == '.' && s[26] == 'Z' {
		y, ok1 := digits(s[0:4])
		mo, ok2 := digits(s[5:7])
		d, ok3 := digits(s[8:10])
		h, ok4 := digits(s[11:13])
		mi, ok5 := digits(s[14:16])
		sec, ok6 := digits(s[17:19])
		us, ok7 := digits(s[20:26])
		if ok1 && ok2 && ok3 && ok4 && ok5 && ok6 && ok7 && validDate(y, mo, d) && h < 24 && mi < 60 && sec < 60 {
			return time.Date(y, time.Month(mo), d, h, mi, sec, us*1000, time.UTC), nil
		}
	}
	return time.Parse(time.RFC3339Nano, s)
}

// digits reads a string of ASCII digits.
func digits(s string) (int, bool) {
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// validDate: month 1..12 and a day of that month.
func validDate(y, m, d int) bool {
	if m < 1 || m > 12 || d < 1 {
		return false
	}
	days := [...]int{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}[m-1]
	if m == 2 && y%4 == 0 && (y%100 != 0 || y%400 == 0) {
		days = 29
	}
	return d <= days
}

// replayTicket parses what a sale or refund entry states of one ticket:
// when it was sold or refunded, its sale date and its price (unless
// priceKnown: the caller parsed that string before).
func replayTicket(id, at, saleDate, price string, priceKnown bool) (time.Time, time.Time, decimal.Decimal, error) {
	t, err1 := parseBodyTime(at)
	sd, err2 := parseDate(saleDate)
	var d decimal.Decimal
	var err3 error
	if !priceKnown {
		d, err3 = decimal.NewFromString(price)
	}
	if err := errors.Join(err1, err2, err3); err != nil {
		return time.Time{}, time.Time{}, decimal.Zero, fmt.Errorf("ticket %q: %w", id, err)
	}
	return t, sd, d, nil
}

// The unique index of active seats, and the seat held by two active
// tickets that it would refuse.
const (
	sqlDeepSeatIndex = `SELECT count(*) FROM pg_index i WHERE i.indrelid = 'public.tickets'::regclass AND i.indisunique AND i.indisvalid
  AND pg_get_indexdef(i.indexrelid) LIKE '% ON public.tickets USING btree (cinema_id, screening_id, seat) WHERE ((refunded_at IS NULL) AND (seat IS NOT NULL))'`
	sqlDeepSeatTwice = `SELECT cinema_id, screening_id, seat, count(*), min(sale_seq), max(sale_seq) FROM public.tickets
WHERE refunded_at IS NULL AND seat IS NOT NULL GROUP BY 1, 2, 3 HAVING count(*) > 1 ORDER BY max(sale_seq) LIMIT 1`
)

// checkActiveSeats reports a seat held by two active tickets of one
// screening. The live write checks a sale's seats against the stored
// tickets, and the unique index tickets_active_seat refuses a second
// active ticket of a seat; the rebuild does not keep it (see deepCheck).
// While the index is there the stored tickets, which the comparison finds
// equal to the rebuilt ones, cannot hold such a seat; only when it is gone
// (a ticket marked refunded for a sale of its seat and put back needs it
// gone) are the stored tickets searched.
func checkActiveSeats(ctx context.Context, tx pgx.Tx) error {
	var n int
	if err := tx.QueryRow(ctx, sqlDeepSeatIndex).Scan(&n); err != nil {
		return fmt.Errorf("ingest: deep check: the index of active seats: %w", err)
	}
	if n > 0 {
		return nil
	}
	var cinema, screening, seat string
	var count, first, last int64
	err := tx.QueryRow(ctx, sqlDeepSeatTwice).Scan(&cinema, &screening, &seat, &count, &first, &last)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("ingest: deep check: active seats: %w", err)
	}
	return &ledger.ProjectionMismatch{Table: "tickets", Seq: last, Detail: fmt.Sprintf(
		"seat %q of screening %q of cinema %q is held by %d active tickets, sold by entries %d to %d (the unique index tickets_active_seat is gone)",
		seat, screening, cinema, count, first, last)}
}
