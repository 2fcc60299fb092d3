package ingest

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"

	"ecinema/ledger"
)

// verify --deep keeps the rebuilt tickets in memory (deepTickets); a
// national year (~23 M tickets) would not fit an ordinary machine. So the
// tickets are rebuilt in parts, each a set of cinemas, with the number of
// parts chosen from the stored tickets and a memory budget: the first
// part while the verification hands the check the entries (the screenings
// and the rollups are rebuilt whole, as before), every other part in
// Compare, from the sale and refund entries of its cinemas read again
// (ledger.DeepRereader; beside the other comparisons on a connection of
// its own, ledger.DeepBesider), each part compared with the stored rows of
// its cinemas only and dropped before the next. A ticket belongs to its
// cinema's part (the tickets' key begins with cinema_id, and a refund
// names one cinema), so the parts are independent; each part's entries are
// replayed in the runs of the first pass (the sales of a run, then its
// refunds), so the rows and the verdict are those of one part.

// DeepOptions configures the ingest deep check.
type DeepOptions struct {
	// Memory is the memory the rebuilt tickets may take, in bytes; 0 means
	// DefaultDeepMemory. The check rebuilds the tickets in as many parts
	// as they need to fit.
	Memory int64
	// Parts, when > 0, is the number of parts, whatever the memory.
	Parts int
}

// DefaultDeepMemory is the default memory budget of verify --deep.
const DefaultDeepMemory = 1 << 30

// deepBaseMemory is what verify --deep takes beside the rebuilt tickets
// (the entries read ahead, the buffers, the other checks), and
// deepTicketMemory what one rebuilt ticket takes at the peak (the row, its
// id and seat, its index slots, its share of the interned strings and the
// garbage collector's headroom under the memory limit); see
// docs/PERFORMANCE.md.
const (
	deepBaseMemory   = 256 << 20
	deepTicketMemory = 200
)

// deepPartsFor is how many parts tickets stored tickets need within memory.
func deepPartsFor(tickets, memory int64) int {
	avail := max(memory-deepBaseMemory, memory/4)
	return int(max(1, (tickets*deepTicketMemory+avail-1)/avail))
}

// deepParts is the split of the tickets by cinema.
type deepParts struct {
	k      int
	of     map[string]int // cinema → part; a cinema not in it is part 0's
	cinema [][]string     // the cinemas of each part
	expect []int64        // the stored tickets of each part
	// For each part > 0: the sale and refund entries to read again, in
	// seq order, and the end (in seqs) of each run of the first pass.
	seqs [][]int64
	ends [][]int
	// This run's entries of each part, sales and refunds apart (both in
	// seq order), merged into seqs when the run ends.
	runSales, runRefunds [][]int64
	// The tickets of parts > 0 seen while the entries stream, and the sale
	// entries noted for them: their ratio estimates the entries to read
	// again before they are all noted.
	seenTickets, notedSales int64
}

func (p *deepParts) partOf(cinema string) int { return p.of[cinema] }

// The stored tickets by cinema, to split them into parts of about equal
// size. sqlDeepTicketsEstimate is the planner's count (no scan), enough to
// tell that one part will do: the rows a page at the last ANALYZE times
// the pages now, as the planner does (a stale reltuples alone could say a
// grown table is small); -1 when unknown, which counts them.
const (
	sqlDeepTicketsEstimate = `SELECT (CASE
  WHEN c.relpages > 0 AND c.reltuples >= 0 THEN c.reltuples / c.relpages * (pg_relation_size(c.oid) / current_setting('block_size')::bigint)
  WHEN pg_relation_size(c.oid) = 0 THEN 0
  ELSE -1 END)::bigint FROM pg_class c WHERE c.oid = 'public.tickets'::regclass`
	sqlDeepTicketsByCinema = `SELECT cinema_id, count(*) FROM public.tickets GROUP BY cinema_id`
)

// planParts chooses the parts: one when the planner's estimate of the
// stored tickets fits the memory well; else the stored tickets are
// counted by cinema and the cinemas dealt, the largest first, to the part
// with the fewest tickets so far. It returns nil for one part, and the
// expected tickets of that part.
func planParts(ctx context.Context, tx pgx.Tx, opts DeepOptions) (*deepParts, int64, error) {
	memory := cmp.Or(opts.Memory, DefaultDeepMemory)
	var est int64
	if err := tx.QueryRow(ctx, sqlDeepTicketsEstimate).Scan(&est); err != nil {
		return nil, 0, fmt.Errorf("ingest: deep check: tickets estimate: %w", err)
	}
	if opts.Parts <= 0 && est >= 0 && deepPartsFor(2*est, memory) == 1 {
		return nil, est, nil
	}
	rows, err := tx.Query(ctx, sqlDeepTicketsByCinema)
	if err != nil {
		return nil, 0, fmt.Errorf("ingest: deep check: tickets by cinema: %w", err)
	}
	type cinemaCount struct {
		id string
		n  int64
	}
	counts, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (cinemaCount, error) {
		var c cinemaCount
		err := r.Scan(&c.id, &c.n)
		return c, err
	})
	if err != nil {
		return nil, 0, fmt.Errorf("ingest: deep check: tickets by cinema: %w", err)
	}
	var total int64
	for _, c := range counts {
		total += c.n
	}
	k := opts.Parts
	if k <= 0 {
		k = deepPartsFor(total, memory)
	}
	if k == 1 {
		return nil, total, nil
	}
	slices.SortFunc(counts, func(a, b cinemaCount) int {
		return cmp.Or(cmp.Compare(b.n, a.n), strings.Compare(a.id, b.id))
	})
	p := &deepParts{k: k, of: make(map[string]int, len(counts)), cinema: make([][]string, k), expect: make([]int64, k),
		seqs: make([][]int64, k), ends: make([][]int, k), runSales: make([][]int64, k), runRefunds: make([][]int64, k)}
	for _, c := range counts {
		q := 0
		for i := range k {
			if p.expect[i] < p.expect[q] {
				q = i
			}
		}
		p.of[c.id] = q
		p.cinema[q] = append(p.cinema[q], c.id)
		p.expect[q] += c.n
	}
	return p, p.expect[0], nil
}

// noteSales notes the sale entries of t whose tickets are in parts > 0.
func (p *deepParts) noteSales(t *ticketRows) {
	last := make([]int64, p.k)
	for i := range last {
		last[i] = -1
	}
	var lastC string
	q := 0
	for i, c := range t.cinema {
		if i == 0 || c != lastC {
			lastC, q = c, p.partOf(c)
		}
		if q > 0 {
			p.seenTickets++
			if t.seq[i] != last[q] {
				last[q] = t.seq[i]
				p.runSales[q] = append(p.runSales[q], t.seq[i])
				p.notedSales++
			}
		}
	}
}

// part0Refunds returns the refunds of part 0 and notes the entries of the
// others.
func (p *deepParts) part0Refunds(aps []refundApply) []refundApply {
	out := aps[:0:0]
	for _, ap := range aps {
		q := p.partOf(ap.cinema)
		if q == 0 {
			out = append(out, ap)
			continue
		}
		if r := p.runRefunds[q]; len(r) == 0 || r[len(r)-1] != ap.seq {
			p.runRefunds[q] = append(r, ap.seq)
		}
	}
	return out
}

// endRun closes a run of the first pass: each part's entries of the run
// go to its seqs, in seq order.
func (p *deepParts) endRun() {
	for q := 1; q < p.k; q++ {
		s, r := p.runSales[q], p.runRefunds[q]
		if len(s)+len(r) == 0 {
			continue
		}
		// Both are in seq order (the sales' parts are consecutive); a
		// sale entry noted twice (its tickets in two parts of the run's
		// projection) is kept once.
		seqs := p.seqs[q]
		for len(s) > 0 || len(r) > 0 {
			var next int64
			if len(r) == 0 || (len(s) > 0 && s[0] < r[0]) {
				next, s = s[0], s[1:]
			} else {
				next, r = r[0], r[1:]
			}
			if len(seqs) == 0 || seqs[len(seqs)-1] != next {
				seqs = append(seqs, next)
			}
		}
		p.seqs[q] = seqs
		p.ends[q] = append(p.ends[q], len(seqs))
		p.runSales[q], p.runRefunds[q] = p.runSales[q][:0], p.runRefunds[q][:0]
	}
}

// rebuild rebuilds part q's tickets from its entries read again, in the
// runs of the first pass, and counts them in w.
func (p *deepParts) rebuild(ctx context.Context, q int, reread ledger.EntryRereader, w *deepWork) (*deepTickets, error) {
	d := newDeepTickets(p.expect[q])
	want := func(c string) bool { return p.partOf(c) == q }
	seqs, ends := p.seqs[q], p.ends[q]
	var sales, refunds []bodyEntry
	i, run := 0, 0
	apply := func() error {
		if len(sales) > 0 {
			ps, err := deepSalesProjection(sales)
			if err != nil {
				return err
			}
			for _, s := range ps {
				if err := d.insert(&s.tickets, want); err != nil {
					return err
				}
			}
		}
		if len(refunds) > 0 {
			r, err := refundProjection(refunds)
			if err != nil {
				return err
			}
			aps := r.applies[:0]
			for _, ap := range r.applies {
				if want(ap.cinema) {
					aps = append(aps, ap)
				}
			}
			if err := d.refund(aps); err != nil {
				return err
			}
		}
		w.reread(len(sales) + len(refunds))
		sales, refunds = sales[:0], refunds[:0]
		return nil
	}
	err := reread(ctx, seqs, func(e ledger.Entry, pe ledger.ParsedEntry) error {
		switch pe.Kind {
		case "sale":
			sales = append(sales, bodyEntry{Seq: e.Seq, Body: pe.Body})
		case "refund":
			refunds = append(refunds, bodyEntry{Seq: e.Seq, Body: pe.Body})
		default:
			return fmt.Errorf("ingest: deep check: entry %d read again is a %s, not a sale or refund", e.Seq, pe.Kind)
		}
		i++
		if i == ends[run] {
			run++
			return apply()
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return d, nil
}

// storedFilter is the condition on the stored tickets of part q (the
// rebuild of part 0 is compared with every stored row of no other part),
// and its text[] parameter.
func (p *deepParts) storedFilter(q int) (string, string) {
	if q > 0 {
		return " WHERE cinema_id = ANY($1::text[])", textArray(p.cinema[q])
	}
	var others []string
	for i := 1; i < p.k; i++ {
		others = append(others, p.cinema[i]...)
	}
	return " WHERE NOT (cinema_id = ANY($1::text[]))", textArray(others)
}

// textArray is a text[] literal of ss.
func textArray(ss []string) string {
	var b strings.Builder
	b.WriteByte('{')
	for i, s := range ss {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('"')
		for _, c := range []byte(s) {
			if c == '"' || c == '\\' {
				b.WriteByte('\\')
			}
			b.WriteByte(c)
		}
		b.WriteByte('"')
	}
	b.WriteByte('}')
	return b.String()
}

// deepWork is the check's progress after the entries (ledger.DeepWorker),
// in entries' worth: the tickets compared (every part) and the entries
// read again (the parts after the first), each weighed by what it costs
// beside one entry of the verification. The costs start as guesses
// (deepRowCost, deepRereadCost) and are measured as each part is done:
// the verification's time per entry (Begin to Compare), the latest
// comparison's time per row, the latest part read again's time per entry.
// The latest, not the first: the first parts run beside the other checks'
// comparisons, which slow them, so the later parts go faster.
type deepWork struct {
	entries atomic.Int64 // the entries of the verification, as they pass
	start   time.Time
	parts   *deepParts // nil: one part

	mu                  sync.Mutex
	perEntry            float64   // seconds an entry of the verification took, from Compare on
	rowCost, rereadCost float64   // entries' worth of a compared row, of an entry read again
	rows                []float64 // per part: the rows to compare (the stored count, then the rows compared)
	rereads             []float64 // per part: the entries to read again, once the entries are all seen
	estRereads          float64   // the entries to read again, estimated while they stream (noted)
	doneRows, doneRe    float64   // rows compared and entries read again so far
}

// The costs of a compared row and of an entry read again beside one entry
// of the verification, until measured: a national year's (23 M tickets,
// 6 parts, on two cores: 0.8–1.5 µs a row and 12–17 µs an entry read
// again against 13 µs an entry, see docs/PERFORMANCE.md). On the smaller
// 30-day demo a row costs less (its index fits the caches better), so its
// first estimate of the time left is high, never low.
const (
	deepRowCost    = 1.0 / 13
	deepRereadCost = 0.9
)

func newDeepWork(parts *deepParts, expect int64) *deepWork {
	w := &deepWork{start: time.Now(), parts: parts, rowCost: deepRowCost, rereadCost: deepRereadCost}
	if parts == nil {
		w.rows = []float64{float64(expect)}
		return w
	}
	for _, n := range parts.expect {
		w.rows = append(w.rows, float64(n))
	}
	return w
}

// Work implements ledger.DeepWorker.
func (w *deepWork) Work() (total, done int64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	var rows, rereads float64
	for _, n := range w.rows {
		rows += n
	}
	if w.rereads != nil {
		for _, n := range w.rereads {
			rereads += n
		}
	} else {
		rereads = w.estRereads
	}
	return int64(rows*w.rowCost + rereads*w.rereadCost), int64(w.doneRows*w.rowCost + w.doneRe*w.rereadCost)
}

// noted estimates, after a run of the entries, the entries the later parts
// will read again: those noted so far, or their stored tickets at the sale
// entries' tickets so far, whichever is more. Called by the goroutine that
// notes them (Work may be called by another).
func (w *deepWork) noted() {
	p := w.parts
	if p == nil || p.seenTickets == 0 {
		return
	}
	var est float64
	for q := 1; q < p.k; q++ {
		est += max(float64(p.expect[q])*float64(p.notedSales)/float64(p.seenTickets), float64(len(p.seqs[q])))
	}
	w.mu.Lock()
	w.estRereads = est
	w.mu.Unlock()
}

// compareStarts notes the entries' time per entry and what is to be read
// again.
func (w *deepWork) compareStarts() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if n := w.entries.Load(); n > 0 {
		w.perEntry = time.Since(w.start).Seconds() / float64(n)
	}
	w.rereads = make([]float64, len(w.rows))
	if p := w.parts; p != nil {
		for q := 1; q < p.k; q++ {
			w.rereads[q] = float64(len(p.seqs[q]))
		}
	}
}

// compared counts n rows compared.
func (w *deepWork) compared(n int) {
	w.mu.Lock()
	w.doneRows += float64(n)
	w.mu.Unlock()
}

// reread counts n entries read again.
func (w *deepWork) reread(n int) {
	w.mu.Lock()
	w.doneRe += float64(n)
	w.mu.Unlock()
}

// partCompared notes that part q's comparison of rows rows took d; a part
// of enough rows measures the cost of a row.
func (w *deepWork) partCompared(q int, rows int, d time.Duration) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.rows[q] = float64(rows)
	if rows >= 10000 && w.perEntry > 0 {
		w.rowCost = d.Seconds() / float64(rows) / w.perEntry
	}
}

// partReread notes that a part's n entries read again took d; a part of
// enough entries measures the cost of an entry read again.
func (w *deepWork) partReread(n int, d time.Duration) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if n >= 1000 && w.perEntry > 0 {
		w.rereadCost = d.Seconds() / float64(n) / w.perEntry
	}
}
