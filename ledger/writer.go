package ledger

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/mod/sumdb/tlog"
)

const (
	sqlEnsureHead = `INSERT INTO ledger_heads (log_id, size, last_leaf, root_hash)
VALUES ($1, 0, $2, $3) ON CONFLICT (log_id) DO NOTHING`

	sqlInsertEntries = `INSERT INTO ledger_entries (log_id, seq, leaf_hash, tree_hashes, bytes, kind, actor, at, cinema_id, film_id, flags)
SELECT $1, u.seq, u.leaf, u.tree, u.bytes, u.kind, u.actor, u.at, NULLIF(u.cinema, ''), NULLIF(u.film, ''),
       string_to_array(u.flags, ',')
FROM unnest($2::bigint[], $3::bytea[], $4::bytea[], $5::bytea[], $6::text[], $7::text[],
            $8::timestamptz[], $9::text[], $10::text[], $11::text[])
     AS u(seq, leaf, tree, bytes, kind, actor, at, cinema, film, flags)`

	sqlLockHead = `SELECT size, last_leaf, root_hash FROM ledger_heads WHERE log_id = $1 FOR UPDATE`

	// sqlInsertBatch inserts a group of entries and moves the head in one
	// statement, sent with the group's COMMIT. The head update is guarded by
	// the old size; when it does not happen the statement fails (division
	// by zero, SQLSTATE 22012), so the COMMIT after it never runs.
	sqlInsertBatch = `WITH ins AS (
  INSERT INTO ledger_entries (log_id, seq, leaf_hash, tree_hashes, bytes, kind, actor, at, cinema_id, film_id, flags)
  SELECT $1, u.seq, u.leaf, u.tree, u.bytes, u.kind, u.actor, u.at, NULLIF(u.cinema, ''), NULLIF(u.film, ''),
         string_to_array(u.flags, ',')
  FROM unnest($2::bigint[], $3::bytea[], $4::bytea[], $5::bytea[], $6::text[], $7::text[],
              $8::timestamptz[], $9::text[], $10::text[], $11::text[])
       AS u(seq, leaf, tree, bytes, kind, actor, at, cinema, film, flags)
  RETURNING 1
), upd AS (
  UPDATE ledger_heads SET size = $12, last_leaf = $13, root_hash = $14, updated_at = now()
  WHERE log_id = $1 AND size = $15 AND (SELECT count(*) FROM ins) = $16
  RETURNING 1
)
SELECT 1 / (SELECT count(*)::int FROM upd)`
)

// DefaultLogID is the log every writer and reader uses unless configured.
const DefaultLogID = "main"

// ErrWriterClosed is returned by Append when the writer's Run has ended.
var ErrWriterClosed = errors.New("ledger: writer closed")

// errCorrupt reports stored ledger state that contradicts itself (the head
// row and the stored tree hashes disagree). The writer refuses to append
// on top of it.
var errCorrupt = errors.New("ledger: stored state is inconsistent")

// WriterConfig tunes a Writer. Zero values take the defaults.
type WriterConfig struct {
	LogID         string           // default DefaultLogID
	MaxBatch      int              // records per transaction, default 512
	MaxBatchBytes int              // entry bytes per transaction, default 4 MiB
	QueueSize     int              // waiting appends before Append blocks, default 8192
	Now           func() time.Time // clock for "at", default time.Now
	// CarefulFor is how long every group runs careful after an optimistic
	// group failed on a unique index (see Careful); default one second
	// (defaultCarefulFor), negative: not at all (each such group is run
	// again careful, alone).
	CarefulFor time.Duration
	// GroupByRun orders each group's records by run: every Batcher's
	// records together, the plain records last (see byRun), instead of in
	// queue order. The server and the demo set it: records of independent
	// callers interleaved in the queue (a screening registered between
	// sales, the demo's cinema and culture loads) still make one run a
	// Batcher, one round trip and one statement a table, and runs stay
	// optimistic. Either way a group's ledger is byte for byte the one the
	// same requests make one at a time in the order the group took them
	// (TestGroupPathEqualsSinglePath).
	GroupByRun bool
	Logger     *slog.Logger // default slog.Default()
	// Metrics, when set, receives ecinema_ledger_appends_total,
	// ecinema_ledger_group_commit_records, ecinema_ledger_group_commit_duration_seconds
	// and ecinema_ledger_entries.
	Metrics prometheus.Registerer
}

// Writer is the single appender of one log. Append may be called from many
// goroutines; Run, in one goroutine, gathers what is waiting into one
// transaction (group commit). Several Writers (in one or several processes)
// may append to the same log: the head row lock serialises them and each
// reloads its cached head when another moved it.
type Writer struct {
	pool    *pgxpool.Pool
	cfg     WriterConfig
	queue   chan *request
	stopped chan struct{}
	metrics *writerMetrics

	// owned by the Run goroutine
	tree *frontier
	// carefulUntil: groups run careful (see Careful) until then, after an
	// optimistic group failed on a unique index.
	carefulUntil time.Time
	retries      atomic.Int64 // groups run again careful
}

// CarefulRetries is how many groups this writer ran again careful after
// an optimistic run met a unique index (see Careful).
func (w *Writer) CarefulRetries() int64 { return w.retries.Load() }

type request struct {
	ctx      context.Context
	rec      Record
	body     []byte // nil on the group path until Prepare
	size     int    // estimated entry bytes
	done     chan result
	answered bool  // set by the Run goroutine
	rejected error // set by the Run goroutine: answered after the transaction
}

func (r *request) answer(e Entry, err error) {
	r.answered = true
	r.done <- result{e: e, err: err}
}

type result struct {
	e   Entry
	err error
}

// NewWriter returns a writer on pool. Start it with go w.Run(ctx).
func NewWriter(pool *pgxpool.Pool, cfg WriterConfig) *Writer {
	if cfg.LogID == "" {
		cfg.LogID = DefaultLogID
	}
	if cfg.MaxBatch <= 0 {
		cfg.MaxBatch = 512
	}
	if cfg.MaxBatchBytes <= 0 {
		cfg.MaxBatchBytes = 4 << 20
	}
	if cfg.QueueSize <= 0 {
		cfg.QueueSize = 8192
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.CarefulFor == 0 {
		cfg.CarefulFor = defaultCarefulFor
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Writer{
		pool:    pool,
		cfg:     cfg,
		queue:   make(chan *request, cfg.QueueSize),
		stopped: make(chan struct{}),
		metrics: newWriterMetrics(cfg.Metrics),
	}
}

// Append appends one record and returns its entry once the transaction
// holding it has committed. An error means the record was not written,
// except for a context error or ErrWriterClosed, after which the record may
// or may not have been committed (like any timed-out database call).
func (w *Writer) Append(ctx context.Context, r Record) (Entry, error) {
	if err := checkRecord(&r); err != nil {
		return Entry{}, err
	}
	req := &request{ctx: ctx, rec: r, done: make(chan result, 1), size: 1024}
	if r.Batch == nil {
		body, err := marshalBody(r.Body)
		if err != nil {
			return Entry{}, err
		}
		req.body, req.size = body, len(body)+200
	} else if sz, ok := r.Request.(Sizer); ok {
		req.size = sz.Size() + 200
	}
	select {
	case w.queue <- req:
	case <-ctx.Done():
		return Entry{}, ctx.Err()
	case <-w.stopped:
		return Entry{}, ErrWriterClosed
	}
	select {
	case res := <-req.done:
		return res.e, res.err
	case <-ctx.Done():
		return Entry{}, ctx.Err()
	case <-w.stopped:
		select {
		case res := <-req.done:
			return res.e, res.err
		default:
			return Entry{}, ErrWriterClosed
		}
	}
}

// Run gathers waiting appends into transactions until ctx is done. A batch
// in flight when ctx ends is finished (with its own 30 s limit). Run returns
// nil after ctx ends; appends still queued then get ErrWriterClosed.
func (w *Writer) Run(ctx context.Context) error {
	defer close(w.stopped)
	if _, err := w.pool.Exec(ctx, sqlEnsureHead, w.cfg.LogID, make([]byte, 32), emptyRoot[:]); err != nil && ctx.Err() == nil {
		w.cfg.Logger.Error("ledger: ensure head row", "log", w.cfg.LogID, "err", err)
	}
	batch := make([]*request, 0, w.cfg.MaxBatch)
	for {
		batch = batch[:0]
		select {
		case <-ctx.Done():
			return nil
		case r := <-w.queue:
			batch = append(batch, r)
		}
		size := batch[0].size
	gather:
		for len(batch) < w.cfg.MaxBatch && size < w.cfg.MaxBatchBytes {
			select {
			case r := <-w.queue:
				batch = append(batch, r)
				size += r.size
			default:
				break gather
			}
		}
		bctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		w.commit(bctx, batch)
		cancel()
	}
}

// Pending is the number of appends waiting for the writer.
func (w *Writer) Pending() int { return len(w.queue) }

// commit writes one group of records in one transaction and answers each
// after it ends.
func (w *Writer) commit(ctx context.Context, reqs []*request) {
	start := time.Now()
	careful := start.Before(w.carefulUntil)
	ok, err := w.commitTx(ctx, reqs, careful)
	if err != nil && !careful && isUniqueViolation(err) {
		// An optimistic decision met a row it did not read: run the group
		// again, careful, and stay careful for a while (a client that
		// repeats a ticket id or a key must not make every group run twice).
		w.cfg.Logger.Debug("ledger: optimistic group met a unique index; running it careful", "log", w.cfg.LogID, "records", len(reqs), "err", err)
		w.tree = nil
		w.retries.Add(1)
		if m := w.metrics; m != nil {
			m.appends.WithLabelValues("retried").Add(float64(len(reqs)))
		}
		w.carefulUntil = time.Now().Add(w.cfg.CarefulFor)
		for _, r := range reqs {
			r.rejected = nil
		}
		ok, err = w.commitTx(ctx, reqs, true)
	}
	if err != nil {
		w.tree = nil // reload the head next time
		w.cfg.Logger.Error("ledger: group commit failed", "log", w.cfg.LogID, "records", len(reqs), "err", err)
		n := 0
		for _, r := range reqs {
			if !r.answered {
				r.answer(Entry{}, fmt.Errorf("ledger: append: %w", err))
				n++
			}
		}
		if m := w.metrics; m != nil {
			m.appends.WithLabelValues("error").Add(float64(n))
		}
		return
	}
	rejected := 0
	for _, r := range reqs {
		if r.rejected != nil && !r.answered {
			r.answer(Entry{}, r.rejected)
			rejected++
		}
	}
	if m := w.metrics; m != nil && rejected > 0 {
		m.appends.WithLabelValues("rejected").Add(float64(rejected))
	}
	for _, p := range ok {
		p.req.answer(p.e, nil)
	}
	if m := w.metrics; m != nil && len(ok) > 0 {
		m.appends.WithLabelValues("ok").Add(float64(len(ok)))
		m.batch.Observe(float64(len(ok)))
		m.commit.Observe(time.Since(start).Seconds())
		m.size.WithLabelValues(w.cfg.LogID).Set(float64(w.tree.size))
	}
}

type pending struct {
	req    *request
	e      Entry
	stored []tlog.Hash
	scope  scope
}

// scope is what is stored beside an entry and not hashed.
type scope struct {
	cinema, film string
	flags        []string
}

// groupTx is one group's transaction in the making.
type groupTx struct {
	w   *Writer
	ctx context.Context
	tx  *groupConn
	t   *frontier  // nil until the head lock's answer is checked (head)
	b   *pgx.Batch // statements queued, not sent yet (BEGIN and the head lock first)
	ok  []pending
	// The head row as the lock read it (set once the batch holding the
	// lock was sent).
	size       int64
	last, root []byte
	// inserted counts the entries of ok already in ledger_entries (the
	// rest go with the head move at the end).
	inserted int
}

// flush sends the queued writes.
func (g *groupTx) flush() error {
	if g.b.Len() == 0 {
		return nil
	}
	mark := time.Now()
	err := g.tx.SendBatch(g.ctx, g.b).Close()
	g.w.metrics.observe(phaseWrite, mark)
	g.b = &pgx.Batch{}
	if err != nil {
		return fmt.Errorf("write projections: %w", err)
	}
	return nil
}

// head checks the head row the lock read (sent by now, with the first
// run's reads or on its own) against the cached tree, reloading the tree
// from the stored hashes when another writer moved the head (or after an
// error).
func (g *groupTx) head() error {
	if g.t != nil {
		return nil
	}
	w := g.w
	if g.last == nil && g.b.Len() > 0 && g.b.QueuedQueries[0].SQL == "BEGIN" {
		// Nothing sent the lock yet (a plain record came first).
		mark := time.Now()
		if err := g.tx.SendBatch(g.ctx, g.b).Close(); err != nil {
			return fmt.Errorf("begin and lock head %q: %w", w.cfg.LogID, err)
		}
		g.b = &pgx.Batch{}
		w.metrics.observe(phaseLock, mark)
	}
	if g.last == nil {
		return fmt.Errorf("ledger: the head lock of log %q was not sent (a Batcher's Prepare must send its pending batch)", w.cfg.LogID)
	}
	if w.tree == nil || w.tree.size != g.size || !bytes.Equal(w.tree.last[:], g.last) {
		t, err := loadFrontier(g.size, &dbHashReader{ctx: g.ctx, q: g.tx, logID: w.cfg.LogID})
		if err != nil {
			return fmt.Errorf("load head: %w", err)
		}
		if r := t.root(); !bytes.Equal(r[:], g.root) || !bytes.Equal(t.last[:], g.last) {
			return fmt.Errorf("%w: head of log %q at size %d does not match its stored tree hashes", errCorrupt, w.cfg.LogID, g.size)
		}
		w.tree = t
	}
	g.t = w.tree.clone()
	return nil
}

// entry assigns the next seq to a body and appends its leaf to the tree.
func (g *groupTx) entry(req *request, kind, actor string, body []byte, sc scope) Entry {
	e := Entry{
		Seq:   g.t.size,
		Prev:  g.t.last,
		At:    g.w.cfg.Now().UTC().Truncate(time.Microsecond),
		Kind:  kind,
		Actor: actor,
	}
	e.Bytes = encodeEntry(e.Seq, e.Prev, e.At, e.Kind, e.Actor, body)
	e.LeafHash = LeafHash(e.Bytes)
	g.ok = append(g.ok, pending{req: req, e: e, stored: g.t.append(e.LeafHash), scope: sc})
	return e
}

// commitTx runs the group's transaction: lock the head (the lock goes with
// the first run's reads), decide the live records in queue order, then
// write their entries with the head move and commit. Rejected records are
// marked and answered by the caller after the transaction; on error the
// caller answers every record not yet answered. A careful group's Batchers
// read every premise (see Careful).
func (w *Writer) commitTx(ctx context.Context, reqs []*request, careful bool) ([]pending, error) {
	t0 := time.Now()
	conn, err := w.pool.Acquire(ctx)
	if err != nil {
		return nil, fmt.Errorf("begin: %w", err)
	}
	defer conn.Release()
	tx := &groupConn{c: conn}
	defer tx.Rollback(context.WithoutCancel(ctx))

	live := liveRequests(reqs)
	if w.cfg.GroupByRun {
		live = byRun(live)
	}
	// A plain Project func runs exactly once: a group with a plain record
	// before a run is never run optimistic (and so never run twice). Plain
	// records after every run are safe: the first of them sends the runs'
	// writes before its Project runs, so a unique index that rejects an
	// optimistic run's writes fails the group before any Project func ran.
	if careful || plainBeforeRun(live) {
		ctx = context.WithValue(ctx, carefulKey{}, true)
	}
	g := &groupTx{w: w, ctx: ctx, tx: tx, b: &pgx.Batch{}}
	g.lockHead()
	w.metrics.observe(phaseLock, t0) // the connection; the lock goes with the first reads

	if err := g.decide(live); err != nil {
		return nil, err
	}
	if len(g.ok) == 0 {
		return nil, nil // the deferred ROLLBACK ends the transaction
	}
	if err := g.commit(); err != nil {
		return nil, err
	}
	return g.ok, nil
}

// lockHead queues BEGIN and the head lock. They are sent with the first
// run's reads (Prepare sends its pending batch), one round trip, or alone
// before a plain record; the reads run after the lock is granted, so they
// see every committed group. head checks the head row the lock read
// before the first seq is assigned.
func (g *groupTx) lockHead() {
	g.b.Queue("BEGIN")
	g.b.Queue(sqlLockHead, g.w.cfg.LogID).QueryRow(func(r pgx.Row) error { return r.Scan(&g.size, &g.last, &g.root) })
}

// liveRequests answers the records whose caller has given up and returns
// the rest, in queue order.
func liveRequests(reqs []*request) []*request {
	live := make([]*request, 0, len(reqs))
	for _, req := range reqs {
		if req.answered {
			continue
		}
		if err := req.ctx.Err(); err != nil {
			req.answer(Entry{}, err)
			continue
		}
		live = append(live, req)
	}
	return live
}

// plainBeforeRun tells whether a plain record comes before a record of a
// run.
func plainBeforeRun(live []*request) bool {
	plain := false
	for _, r := range live {
		if r.rec.Batch == nil {
			plain = true
		} else if plain {
			return true
		}
	}
	return false
}

// byRun orders a group's records for decide (WriterConfig.GroupByRun):
// the records of each Batcher together (one run each, the Batchers in the
// order their first record came, each run in queue order), then the plain
// records in queue order. Every record of a group was waiting at once
// (none was answered before another was appended), so any order of them
// is an order they could have come in; this one makes one run per Batcher
// even when independent loads share the writer, and lets the runs stay
// optimistic when plain records share the group (see commitTx).
func byRun(live []*request) []*request {
	if len(live) < 2 {
		return live
	}
	first := map[Batcher]int{}
	keys := make([]int, len(live))
	for i, r := range live {
		bt := r.rec.Batch
		if bt == nil {
			keys[i] = len(live)
			continue
		}
		k, ok := first[bt]
		if !ok {
			k = i
			first[bt] = i
		}
		keys[i] = k
	}
	if sort.IntsAreSorted(keys) {
		return live
	}
	idx := make([]int, len(live))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return keys[idx[a]] < keys[idx[b]] })
	out := make([]*request, len(live))
	for i, k := range idx {
		out[i] = live[k]
	}
	return out
}

// decide takes the records in queue order: a plain record (Project func)
// runs its projection inside a savepoint; a run of records sharing a
// Batcher is prepared with one call and projected with one call (see
// Batcher).
func (g *groupTx) decide(live []*request) error {
	for i := 0; i < len(live); {
		req := live[i]
		if bt := req.rec.Batch; bt != nil {
			j := i + 1
			for j < len(live) && live[j].rec.Batch == bt {
				j++
			}
			n, err := g.run(bt, live[i:j])
			if err != nil {
				return err
			}
			i += n
			continue
		}
		if err := g.plain(req); err != nil {
			return err
		}
		i++
	}
	return nil
}

// commit writes the entries not inserted yet, moves the head from the
// size the lock read and commits. They go with the last queued projection
// writes: one round trip. A failed statement skips the rest of the
// pipeline, COMMIT included.
func (g *groupTx) commit() error {
	w := g.w
	n := len(g.ok)
	size := g.size
	rest := g.ok[g.inserted:]
	args := entryArgs(rest)
	t := g.t
	newRoot := t.root()
	g.b.Queue(sqlInsertBatch, append(append([]any{w.cfg.LogID}, args...), t.size, t.last[:], newRoot[:], size, len(rest))...)
	g.b.Queue("COMMIT")
	if err := g.flush(); err != nil {
		var pe *pgconn.PgError
		if errors.As(err, &pe) && pe.Code == "22012" {
			return fmt.Errorf("%w: head of log %q moved during append", errCorrupt, w.cfg.LogID)
		}
		return fmt.Errorf("insert %d entries at seq %d and commit: %w", n, size, err)
	}
	g.tx.done = true
	w.tree = t
	return nil
}

// entryArgs are the arrays sqlInsertEntries and sqlInsertBatch take.
func entryArgs(ps []pending) []any {
	n := len(ps)
	seqs := make([]int64, n)
	leaves := make([][]byte, n)
	trees := make([][]byte, n)
	bs := make([][]byte, n)
	kinds := make([]string, n)
	actors := make([]string, n)
	ats := make([]time.Time, n)
	cinemas := make([]string, n)
	films := make([]string, n)
	flags := make([]string, n)
	for i, p := range ps {
		seqs[i] = p.e.Seq
		leaves[i] = p.e.LeafHash[:]
		tb := make([]byte, 0, 32*(len(p.stored)-1))
		for _, h := range p.stored[1:] {
			tb = append(tb, h[:]...)
		}
		trees[i] = tb
		bs[i] = p.e.Bytes
		kinds[i] = p.e.Kind
		actors[i] = p.e.Actor
		ats[i] = p.e.At
		cinemas[i] = p.scope.cinema
		films[i] = p.scope.film
		flags[i] = strings.Join(p.scope.flags, ",")
	}
	return []any{seqs, leaves, trees, bs, kinds, actors, ats, cinemas, films, flags}
}

// plain appends one record with a Project func, inside a savepoint. The
// entries of the group's earlier records are inserted first, so the
// Project sees every earlier entry, not only its projections (a period
// close asks which entries came after its snapshot).
func (g *groupTx) plain(req *request) error {
	if err := g.head(); err != nil {
		return err
	}
	if len(g.ok) > g.inserted {
		g.b.Queue(sqlInsertEntries, append([]any{g.w.cfg.LogID}, entryArgs(g.ok[g.inserted:])...)...)
		g.inserted = len(g.ok)
	}
	if err := g.flush(); err != nil {
		return err
	}
	sc := scope{cinema: req.rec.CinemaID, film: req.rec.FilmID, flags: req.rec.Flags}
	if req.rec.Project == nil {
		g.entry(req, req.rec.Kind, req.rec.Actor, req.body, sc)
		return nil
	}
	sp, err := g.tx.Begin(g.ctx)
	if err != nil {
		return fmt.Errorf("savepoint: %w", err)
	}
	t0 := g.t.clone()
	e := g.entry(req, req.rec.Kind, req.rec.Actor, req.body, sc)
	mark := time.Now()
	perr := project(req, sp, e)
	g.w.metrics.observe(phasePrepare, mark)
	if perr != nil {
		g.ok = g.ok[:len(g.ok)-1]
		g.t = t0
		g.w.reject(req, e.Kind, perr)
		if err := sp.Rollback(g.ctx); err != nil {
			return fmt.Errorf("rollback to savepoint: %w", err)
		}
		return nil
	}
	if err := sp.Commit(g.ctx); err != nil {
		return fmt.Errorf("release savepoint: %w", err)
	}
	return nil
}

// run prepares and projects a prefix of a run of records that share bt and
// returns its length.
func (g *groupTx) run(bt Batcher, run []*request) (int, error) {
	in := make([]any, len(run))
	for i, r := range run {
		in[i] = r.rec.Request
	}
	mark := time.Now()
	// The writes queued so far go with Prepare's reads.
	pending := g.b
	g.b = &pgx.Batch{}
	preps, err := safePrepare(context.WithoutCancel(g.ctx), bt, g.tx, pending, in)
	mark = g.w.metrics.observe(phasePrepare, mark)
	if err != nil {
		return 0, fmt.Errorf("prepare %s: %w", run[0].rec.Kind, err)
	}
	if err := g.head(); err != nil {
		return 0, err
	}
	var acc []Accepted
	for i, p := range preps {
		req := run[i]
		if p.Err != nil {
			g.w.reject(req, req.rec.Kind, p.Err)
			continue
		}
		body, err := marshalBody(p.Body)
		if err == nil {
			err = checkScope(p.CinemaID, p.FilmID, p.Flags)
		}
		if err != nil {
			g.w.reject(req, req.rec.Kind, err)
			continue
		}
		e := g.entry(req, req.rec.Kind, req.rec.Actor, body, scope{cinema: p.CinemaID, film: p.FilmID, flags: p.Flags})
		acc = append(acc, Accepted{Entry: e, Request: req.rec.Request, State: p.State})
	}
	if len(acc) > 0 {
		err := safeProject(context.WithoutCancel(g.ctx), bt, g.tx, g.b, acc)
		g.w.metrics.observe(phaseProject, mark)
		if err != nil {
			return 0, fmt.Errorf("project %s: %w", run[0].rec.Kind, err)
		}
	}
	return len(preps), nil
}

// ErrProjectPanic is wrapped into the error of an Append whose Project
// panicked; the panic is contained to that record.
var ErrProjectPanic = errors.New("ledger: projection panicked")

// project runs a record's projection, turning a panic into an error so
// that one faulty projection cannot take the writer (and every other
// waiter) down.
func project(req *request, tx pgx.Tx, e Entry) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: %v", ErrProjectPanic, r)
		}
	}()
	return req.rec.Project(context.WithoutCancel(req.ctx), tx, e)
}

// reject marks a record refused on its own; it is answered after the
// transaction.
func (w *Writer) reject(req *request, kind string, perr error) {
	req.rejected = fmt.Errorf("ledger: append %s: %w", kind, perr)
}

// isUniqueViolation tells whether a group failed on a unique index
// (SQLSTATE 23505).
func isUniqueViolation(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505"
}

// Appender is the write path of the ledger as the domain packages use it;
// *Writer implements it, and tests may put a wrapper in its place.
type Appender interface {
	Append(ctx context.Context, r Record) (Entry, error)
}
