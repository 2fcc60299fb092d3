package ledger

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

const (
	sqlVerifyHead      = `SELECT size, last_leaf, root_hash FROM ledger_heads WHERE log_id = $1`
	sqlDeepWorkMem     = `SET LOCAL work_mem = '128MB'`
	sqlDeepTempBuffers = `SET LOCAL temp_buffers = '1GB'`
)

// DeepCheck rebuilds one family of projection tables from the entries and
// compares the rebuild with the stored tables. Domain packages (registry,
// ingest, settlement) provide one each; cmd/ecinema passes them to
// VerifyDB with --deep.
//
// All three methods run inside the verification's single REPEATABLE READ
// transaction, so the tables are seen in the same snapshot as the entries.
// The transaction is not read-only: a check may create TEMP tables, rebuild
// into them (buffering rows and inserting them in batches, since Entry is
// called for every entry of the log) and compare with SQL: CreateShadows and
// CompareShadows do this for tables rebuilt whole, CompareQueries for any
// two SELECTs.
type DeepCheck interface {
	// Name names the check in reports, e.g. "ingest.tickets".
	Name() string
	// Begin is called once before the first entry.
	Begin(ctx context.Context, tx pgx.Tx) error
	// Entry is called for every entry in seq order, with its parsed header
	// and body.
	Entry(ctx context.Context, tx pgx.Tx, e Entry, p ParsedEntry) error
	// Compare is called after the last entry. It returns nil when the stored
	// projection equals the rebuild, a *ProjectionMismatch for the first
	// difference, or another error when it could not compare.
	Compare(ctx context.Context, tx pgx.Tx) error
}

// DeepFlusher may be implemented by a DeepCheck that buffers entries and
// projects them in runs: VerifyDB calls FlushBefore(kind) on every such
// check before it hands any check an entry whose kind differs from the
// previous entry's kind. A check that buffers must project what it holds
// unless kind is one of its own, so that a check reading another's
// rebuilt tables at some entry (settlement's at a period_close reads
// ingest's sales_daily) sees them as of that entry, whatever the order of
// the checks.
type DeepFlusher interface {
	FlushBefore(ctx context.Context, tx pgx.Tx, kind string) error
}

// ProjectionMismatch is a difference between a stored projection row and
// its rebuild from the entries.
type ProjectionMismatch struct {
	Check  string // DeepCheck name
	Table  string
	Seq    int64  // entry that wrote the row, -1 when unknown
	Detail string // the differing row(s)
}

// Error reports the table, the entry and the differing rows.
func (m *ProjectionMismatch) Error() string {
	return fmt.Sprintf("ledger: projection %s differs from its rebuild (seq %d): %s", m.Table, m.Seq, m.Detail)
}

// CompareQueries helps a DeepCheck: it runs rebuilt and stored, two SELECTs
// of the same columns, and returns a *ProjectionMismatch naming the first
// row found in one and not the other (multiset difference), or nil. If
// seqColumn is not "", that column of the differing row is reported as Seq.
func CompareQueries(ctx context.Context, tx pgx.Tx, table, rebuilt, stored, seqColumn string) error {
	q := fmt.Sprintf(`WITH r AS (%s), s AS (%s)
SELECT 'stored' AS side, to_jsonb(d) FROM ((SELECT * FROM s) EXCEPT ALL (SELECT * FROM r)) d
UNION ALL
SELECT 'rebuilt', to_jsonb(d) FROM ((SELECT * FROM r) EXCEPT ALL (SELECT * FROM s)) d
LIMIT 2`, rebuilt, stored)
	return diffRows(ctx, tx, table, q, seqColumn)
}

// diffRows runs a query of differing rows (side, row as jsonb) and
// returns them as a *ProjectionMismatch, or nil when there are none.
func diffRows(ctx context.Context, tx pgx.Tx, table, q, seqColumn string) error {
	rows, err := tx.Query(ctx, q)
	if err != nil {
		return fmt.Errorf("ledger: compare %s: %w", table, err)
	}
	defer rows.Close()
	var diffs []string
	seq := int64(-1)
	for rows.Next() {
		var side string
		var row map[string]any
		if err := rows.Scan(&side, &row); err != nil {
			return fmt.Errorf("ledger: compare %s: %w", table, err)
		}
		b, _ := json.Marshal(row)
		diffs = append(diffs, side+" only: "+string(b))
		if seqColumn != "" && seq < 0 {
			if v, ok := row[seqColumn].(float64); ok {
				seq = int64(v)
			}
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("ledger: compare %s: %w", table, err)
	}
	if len(diffs) == 0 {
		return nil
	}
	return &ProjectionMismatch{Table: table, Seq: seq, Detail: strings.Join(diffs, "; ")}
}

// ShadowTable is a projection table a DeepCheck rebuilds. The rebuild goes
// into an empty temporary table of the same name, which PostgreSQL finds
// before the stored one, so the domain's own statements write it unchanged.
type ShadowTable struct {
	Name      string // the stored table, in schema public
	Columns   string // the columns compared, comma-separated
	SeqColumn string // the column naming the writing entry, or ""
}

// CreateShadows helps a DeepCheck's Begin: it creates an empty temporary
// copy (same defaults and indexes) of each table, dropped at commit at the
// latest.
func CreateShadows(ctx context.Context, tx pgx.Tx, tables []ShadowTable) error {
	for _, t := range tables {
		q := fmt.Sprintf("CREATE TEMP TABLE %s (LIKE public.%s INCLUDING DEFAULTS INCLUDING INDEXES) ON COMMIT DROP", t.Name, t.Name)
		if _, err := tx.Exec(ctx, q); err != nil {
			return fmt.Errorf("ledger: create shadow of %s: %w", t.Name, err)
		}
	}
	return nil
}

// ShadowAnalyzer renews the planner's statistics of shadow tables while a
// deep check fills them. Temporary tables are never analyzed by
// autovacuum, and without statistics the planner joins a growing shadow by
// scanning it whole in every statement: on a national year the
// screenings_daily statements of the ingest check took 27 ms a call
// instead of 3 (docs/PERFORMANCE.md).
type ShadowAnalyzer struct {
	calls int
	stmt  string
}

// NewShadowAnalyzer returns the analyzer of the shadows of tables.
func NewShadowAnalyzer(tables []ShadowTable) *ShadowAnalyzer {
	names := make([]string, len(tables))
	for i, t := range tables {
		names[i] = "pg_temp." + t.Name
	}
	return &ShadowAnalyzer{stmt: "ANALYZE " + strings.Join(names, ", ")}
}

// Queue queues an ANALYZE of the shadows into b on the 1st, 2nd, 4th, 8th,
// … call: the shadows grow about evenly with the batches written into
// them, so their statistics are renewed each time they double, at a cost
// that stays a small share of the writes.
func (a *ShadowAnalyzer) Queue(b *pgx.Batch) {
	a.calls++
	if a.calls&(a.calls-1) == 0 {
		b.Queue(a.stmt)
	}
}

// CompareShadows helps a DeepCheck's Compare: it compares each rebuilt
// table with the stored one (CompareQueries, on Columns) and returns the
// first *ProjectionMismatch; when all agree it drops the temporary tables,
// so that later checks see the stored ones again.
//
// A table whose primary key columns are all among Columns is compared by
// joining the two on the key (both have the key, so each row meets at most
// one): the same answer as the multiset difference, without sorting or
// hashing both tables twice (for the demo's 1.6 M tickets, 13 s instead of
// 72 s on a busy machine).
func CompareShadows(ctx context.Context, tx pgx.Tx, tables []ShadowTable) error {
	for _, t := range tables {
		key, err := primaryKey(ctx, tx, t)
		if err != nil {
			return err
		}
		rebuilt := fmt.Sprintf("SELECT %s FROM pg_temp.%s", t.Columns, t.Name)
		stored := fmt.Sprintf("SELECT %s FROM public.%s", t.Columns, t.Name)
		if len(key) > 0 {
			err = compareByKey(ctx, tx, t.Name, rebuilt, stored, key, t.SeqColumn)
		} else {
			err = CompareQueries(ctx, tx, t.Name, rebuilt, stored, t.SeqColumn)
		}
		if err != nil {
			return err
		}
	}
	for _, t := range tables {
		if _, err := tx.Exec(ctx, "DROP TABLE pg_temp."+t.Name); err != nil {
			return fmt.Errorf("ledger: drop shadow of %s: %w", t.Name, err)
		}
	}
	return nil
}

const sqlPrimaryKey = `SELECT a.attname FROM pg_index i
JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
WHERE i.indrelid = $1::regclass AND i.indisprimary`

// primaryKey returns the primary key columns of the stored table when the
// rebuilt one has the same primary key and every key column is compared;
// otherwise nil.
func primaryKey(ctx context.Context, tx pgx.Tx, t ShadowTable) ([]string, error) {
	var key []string
	for i, rel := range []string{"public." + t.Name, "pg_temp." + t.Name} {
		rows, err := tx.Query(ctx, sqlPrimaryKey, rel)
		if err != nil {
			return nil, fmt.Errorf("ledger: compare %s: primary key: %w", t.Name, err)
		}
		cols, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return nil, fmt.Errorf("ledger: compare %s: primary key: %w", t.Name, err)
		}
		slices.Sort(cols)
		if len(cols) == 0 || (i > 0 && !slices.Equal(key, cols)) {
			return nil, nil
		}
		key = cols
	}
	compared := map[string]bool{}
	for _, c := range strings.Split(t.Columns, ",") {
		compared[strings.TrimSpace(c)] = true
	}
	for _, k := range key {
		if !compared[k] {
			return nil, nil
		}
	}
	return key, nil
}

// compareByKey is CompareQueries for two SELECTs whose rows are unique on
// the key columns: a full join on the key finds the first row that is
// missing on one side or differs in any column.
func compareByKey(ctx context.Context, tx pgx.Tx, table, rebuilt, stored string, key []string, seqColumn string) error {
	on := make([]string, len(key))
	for i, k := range key {
		id := pgx.Identifier{k}.Sanitize()
		on[i] = "r." + id + " = s." + id
	}
	k0 := pgx.Identifier{key[0]}.Sanitize()
	q := fmt.Sprintf(`WITH r AS (%s), s AS (%s), d AS (
SELECT CASE WHEN s.%s IS NULL THEN NULL ELSE to_jsonb(s) END AS s, CASE WHEN r.%s IS NULL THEN NULL ELSE to_jsonb(r) END AS r
FROM r FULL JOIN s ON %s
WHERE (r.*) IS DISTINCT FROM (s.*) LIMIT 1)
SELECT 'stored' AS side, s FROM d WHERE s IS NOT NULL
UNION ALL
SELECT 'rebuilt', r FROM d WHERE r IS NOT NULL`, rebuilt, stored, k0, k0, strings.Join(on, " AND "))
	return diffRows(ctx, tx, table, q, seqColumn)
}

type entryRow struct {
	seq              int64
	leaf, tree, byts []byte
}

// VerifyOptions configures VerifyDB.
type VerifyOptions struct {
	LogID    string        // default DefaultLogID
	Verifier note.Verifier // the log's public key; required
	Origin   string        // expected checkpoint origin; "" means the key's name
	// Extra are signed checkpoints held outside the database (an auditor's
	// copies): the entries must match them too. This is what catches a
	// database restored from a backup and continued differently (a fork).
	Extra    [][]byte
	Deep     []DeepCheck             // projection rebuilds to run (--deep)
	Progress func(done, total int64) // called about every 2 seconds (total: the head's size), may be nil
}

// VerifyDB verifies a log in the database in one REPEATABLE READ snapshot:
// every entry's bytes, leaf hash, chain position and stored tree hashes; the
// root against every stored signed checkpoint (signatures checked) and the
// head row; a consistency proof between each pair of consecutive stored
// checkpoints, served from the stored hashes and checked with
// transparency-dev/merkle; and, when opts.Deep is set, each projection
// rebuild. The first failure is returned as a *VerifyError.
func VerifyDB(ctx context.Context, pool *pgxpool.Pool, opts VerifyOptions) (VerifyReport, error) {
	var rep VerifyReport
	if opts.Verifier == nil {
		return rep, errors.New("ledger: verify: no public key")
	}
	if opts.LogID == "" {
		opts.LogID = DefaultLogID
	}
	ptx, err := pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead})
	if err != nil {
		return rep, fmt.Errorf("ledger: verify: begin: %w", err)
	}
	// Every use of tx waits for a deep check's batch sent with
	// SendBatchLater (deferredtx.go).
	tx := &deferredTx{Tx: ptx}
	defer tx.Rollback(context.WithoutCancel(ctx))

	var headSize int64
	var headLast, headRoot []byte
	if err := tx.QueryRow(ctx, sqlVerifyHead, opts.LogID).Scan(&headSize, &headLast, &headRoot); err != nil {
		if errors.Is(err, pgx.ErrNoRows) {
			return rep, fmt.Errorf("ledger: verify: log %q: %w", opts.LogID, ErrNotFound)
		}
		return rep, fmt.Errorf("ledger: verify: head: %w", err)
	}

	c := newChain()
	var cps []Checkpoint
	err = eachCheckpoint(ctx, tx, opts.LogID, func(cp Checkpoint) error {
		size, root, err := OpenCheckpoint(cp.Note, opts.Origin, opts.Verifier)
		if err != nil {
			return verr(-1, ReasonBadSignature, "stored checkpoint of size %d: %v", cp.Size, err)
		}
		if size != cp.Size || root != cp.Root {
			return verr(-1, ReasonCheckpoint, "stored checkpoint row (size %d, root %x) differs from its note (size %d, root %x)", cp.Size, cp.Root, size, root)
		}
		c.expect(signedRoot{Size: size, Root: root, From: fmt.Sprintf("stored checkpoint of size %d", size)})
		cps = append(cps, Checkpoint{Size: size, Root: root})
		return nil
	})
	if err != nil {
		return rep, err
	}
	for i, msg := range opts.Extra {
		size, root, err := OpenCheckpoint(msg, opts.Origin, opts.Verifier)
		if err != nil {
			return rep, verr(-1, ReasonBadSignature, "given checkpoint %d: %v", i+1, err)
		}
		c.expect(signedRoot{Size: size, Root: root, From: fmt.Sprintf("given checkpoint of size %d", size)})
	}
	rep.Checkpoints = len(cps) + len(opts.Extra)
	if len(cps) > 0 {
		rep.CheckpointSize = cps[len(cps)-1].Size
	}

	// Ranges of entries are read and checked on their own by several
	// readers (verifyread.go); the chain, the tree and the deep checks then
	// go through them in seq order.
	rr := startRangeReaders(ctx, pool, tx, opts.LogID, headSize, len(opts.Deep) > 0)
	// The readers are gone before the deferred Rollback (this defer runs
	// first). They export the snapshot before any deep check writes.
	defer rr.stop()
	if len(opts.Deep) > 0 {
		// The rebuilds and comparisons sort, hash and join whole tables:
		// give them memory (for this transaction only) instead of files.
		if _, err := tx.Exec(ctx, sqlDeepWorkMem); err != nil {
			return rep, fmt.Errorf("ledger: verify: %w", err)
		}
		// The shadow tables are temporary: their pages live in the
		// session's temp_buffers (8 MB by default), and inserting the
		// demo's 1.6 M tickets into the shadow's primary key evicted and
		// re-read pages all the time. PostgreSQL allows the change only
		// before the session's first temporary table, so it is tried in a
		// savepoint and skipped when refused (a reused connection).
		if sp, err := tx.Begin(ctx); err == nil {
			if _, err := sp.Exec(ctx, sqlDeepTempBuffers); err != nil {
				sp.Rollback(ctx)
			} else if err := sp.Commit(ctx); err != nil {
				return rep, fmt.Errorf("ledger: verify: %w", err)
			}
		}
	}
	took := make([]time.Duration, len(opts.Deep))
	for _, d := range opts.Deep {
		if r, ok := d.(DeepRereader); ok {
			r.SetRereader(rereader(tx, opts.LogID))
		}
	}
	for i, d := range opts.Deep {
		t0 := time.Now()
		if err := d.Begin(ctx, tx); err != nil {
			return rep, fmt.Errorf("ledger: verify: %s: begin: %w", d.Name(), tx.errOr(err))
		}
		took[i] += time.Since(t0)
	}

	prevKind := ""
	lastProgress := time.Now()
	for {
		pg, ok := rr.next()
		if !ok {
			break
		}
		if pg.err != nil {
			return rep, fmt.Errorf("ledger: verify: read entries: %w", pg.err)
		}
		rs, cks := pg.rows, pg.cks
		for i, r := range rs {
			if r.seq >= headSize && r.seq == c.f.size {
				return rep, verr(r.seq, ReasonUnexpected, "entry beyond the head row's size %d", headSize)
			}
			if ve := c.addChecked(r.seq, &cks[i], r.leaf, r.tree); ve != nil {
				return rep, ve
			}
			if len(opts.Deep) > 0 {
				p := cks[i].parsed(r.byts)
				e := Entry{Seq: r.seq, LeafHash: cks[i].leaf, Prev: cks[i].h.prev, Bytes: r.byts, Kind: p.Kind, Actor: p.Actor}
				if at, err := parseAt(p.At); err == nil {
					e.At = at
				}
				if p.Kind != prevKind {
					for i, d := range opts.Deep {
						if f, ok := d.(DeepFlusher); ok {
							t0 := time.Now()
							if err := f.FlushBefore(ctx, tx, p.Kind); err != nil {
								return rep, deepErr(d, r.seq, tx.errOr(err))
							}
							took[i] += time.Since(t0)
						}
					}
					prevKind = p.Kind
				}
				t0 := time.Now()
				for i, d := range opts.Deep {
					if err := d.Entry(ctx, tx, e, p); err != nil {
						return rep, deepErr(d, r.seq, tx.errOr(err))
					}
					t1 := time.Now()
					took[i] += t1.Sub(t0)
					t0 = t1
				}
			}
			if opts.Progress != nil && c.f.size%1000 == 0 && time.Since(lastProgress) > 2*time.Second {
				lastProgress = time.Now()
				// The deep checks' work after the entries counts too.
				total, done := deepWork(opts.Deep)
				opts.Progress(c.f.size+min(done, total), headSize+total)
			}
		}
	}
	rr.stop()
	if err := tx.settle(); err != nil {
		return rep, fmt.Errorf("ledger: verify: %w", err)
	}
	if c.f.size < headSize {
		return rep, verr(c.f.size, ReasonMissingSeq, "head row says %d entries, the ledger ends after %d", headSize, c.f.size)
	}
	if ve := c.finish(); ve != nil {
		return rep, ve
	}
	root := c.f.root()
	if !bytes.Equal(root[:], headRoot) || !bytes.Equal(c.f.last[:], headLast) {
		return rep, verr(-1, ReasonHead, "head row root %x / last leaf %x, entries give %x / %x", headRoot, headLast, root, c.f.last)
	}

	// Consistency proofs between consecutive checkpoints, served from the
	// stored hashes exactly as the API serves them, checked by an
	// independent implementation.
	hr := &dbHashReader{ctx: ctx, q: tx, logID: opts.LogID}
	for i := 1; i < len(cps); i++ {
		a, b := cps[i-1], cps[i]
		p, err := tlog.ProveTree(b.Size, a.Size, hr)
		if err != nil {
			return rep, verr(-1, ReasonConsistency, "proof from %d to %d: %v", a.Size, b.Size, err)
		}
		if err := proof.VerifyConsistency(rfc6962.DefaultHasher, uint64(a.Size), uint64(b.Size), sliceHashes(p), a.Root[:], b.Root[:]); err != nil {
			return rep, verr(-1, ReasonConsistency, "checkpoint %d is not consistent with checkpoint %d: %v", a.Size, b.Size, err)
		}
		rep.Consistency++
	}

	stopProgress := progressDuringCompare(opts.Deep, c.f.size, opts.Progress)
	defer stopProgress()
	// The checks' beside parts (DeepBesider) run during the comparisons;
	// they are waited for before any return (this defer runs before the
	// Rollback's).
	bs, bctx := newBesides(ctx, len(opts.Deep))
	defer bs.stop()
	for i, d := range opts.Deep {
		t0 := time.Now()
		if b, ok := d.(DeepBesider); ok {
			f, err := b.CompareBeside(ctx, tx)
			if err != nil {
				return rep, besideFirst(bs, i, took, opts.Deep, deepErr(d, -1, tx.errOr(err)))
			}
			if f != nil && !bs.start(bctx, pool, rr.snap, opts.LogID, i, f) {
				if err := f(ctx, tx, rereader(tx, opts.LogID)); err != nil {
					return rep, besideFirst(bs, i, took, opts.Deep, deepErr(d, -1, tx.errOr(err)))
				}
			}
		}
		if err := d.Compare(ctx, tx); err != nil {
			return rep, besideFirst(bs, i, took, opts.Deep, deepErr(d, -1, tx.errOr(err)))
		}
		took[i] += time.Since(t0)
		rep.Deep = append(rep.Deep, d.Name())
	}
	if i, err := bs.wait(len(opts.Deep), took); err != nil {
		return rep, deepErr(opts.Deep[i], -1, err)
	}
	rep.DeepTime = took
	rep.Entries = c.f.size
	rep.Root = root
	return rep, nil
}

// besideFirst returns the error of the first beside part, among checks
// before i, that failed, or else err (check i's): errors are reported in
// the checks' order whatever finishes first.
func besideFirst(bs *besides, i int, took []time.Duration, deep []DeepCheck, err error) error {
	if j, berr := bs.wait(i, took); berr != nil {
		return deepErr(deep[j], -1, berr)
	}
	return err
}

func deepErr(d DeepCheck, seq int64, err error) error {
	var de *deferredError
	if errors.As(err, &de) {
		// A deferred batch's error names its check (SendBatchLater's wrap):
		// the check whose call met it may be another.
		return fmt.Errorf("ledger: verify: %w", err)
	}
	var m *ProjectionMismatch
	if errors.As(err, &m) {
		if m.Check == "" {
			m.Check = d.Name()
		}
		s := m.Seq
		if s < 0 {
			s = seq
		}
		return &VerifyError{Seq: s, Reason: ReasonProjection, Detail: fmt.Sprintf("%s: table %s: %s", m.Check, m.Table, m.Detail)}
	}
	return fmt.Errorf("ledger: verify: %s: %w", d.Name(), err)
}

func sliceHashes[H ~[32]byte](hs []H) [][]byte {
	out := make([][]byte, len(hs))
	for i := range hs {
		out[i] = hs[i][:]
	}
	return out
}
