package ledger

import (
	"context"
	"encoding/binary"
	"fmt"
	"runtime"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// VerifyDB reads the entries with several connections at once, each in a
// transaction that imports the verification's snapshot (SET TRANSACTION
// SNAPSHOT), so every reader sees exactly what the verification's own
// transaction sees. Each reader takes the next range of seqs, reads it,
// and runs the per-entry checks (header scan, body validity, leaf hash) on
// each row as it arrives, in the connection's buffer, keeping only the
// stored hashes (and the entry bytes only for the deep checks); the
// verification then takes the ranges in seq order for the chain, the tree
// and the deep checks. Reading, scanning and hashing thus run on every
// core, beside PostgreSQL's own work, and the verification's transaction
// stays free for the deep checks.

const (
	sqlExportSnapshot = `SELECT pg_export_snapshot()`
	sqlSetSnapshot    = `SET TRANSACTION SNAPSHOT '%s'`
	// A range of seqs [$2, $3); the last range is open ($3 NULL) so that
	// rows beyond the head row's size are seen too.
	sqlVerifyRange = `SELECT seq, leaf_hash, tree_hashes, bytes FROM ledger_entries
WHERE log_id = $1 AND seq >= $2 AND ($3::bigint IS NULL OR seq < $3) ORDER BY seq`
)

// verifyRange is how many seqs one read covers.
var verifyRange int64 = 4000

// verifyReaders is the most reader connections a verification opens.
func verifyReaders() int { return min(8, max(2, 2*runtime.GOMAXPROCS(0))) }

// entryChunk is one range of entries read and checked on their own.
type entryChunk struct {
	rows []entryRow
	cks  []checked
	err  error
}

// readRange reads the entries of seqs [from, to) (to < 0: to the end).
// With check, each row is checked (checkOne) as it arrives, straight from
// the connection's buffer; the entry bytes are then copied only when keep
// is set (the deep checks need them), and only the stored hashes
// otherwise. Without check, everything is copied and cks is nil. Copies go
// into one arena per range: no allocation per value.
func readRange(ctx context.Context, q interface {
	Query(context.Context, string, ...any) (pgx.Rows, error)
}, logID string, from, to int64, check, keep bool) ([]entryRow, []checked, error) {
	keep = keep || !check
	var upper any
	if to >= 0 {
		upper = to
	}
	rows, err := q.Query(ctx, sqlVerifyRange, logID, from, upper)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	rs := make([]entryRow, 0, verifyRange)
	var cks []checked
	if check {
		cks = make([]checked, 0, verifyRange)
	}
	var arena []byte
	binary := true
	for i, fd := range rows.FieldDescriptions() {
		if fd.Format != pgx.BinaryFormatCode || (i == 0 && fd.DataTypeOID != 20) {
			binary = false
		}
	}
	for rows.Next() {
		var r entryRow
		if !binary {
			if err := rows.Scan(&r.seq, &r.leaf, &r.tree, &r.byts); err != nil {
				return nil, nil, err
			}
			rs = append(rs, r)
			if check {
				cks = append(cks, checkOne(r.byts))
			}
			continue
		}
		raw := rows.RawValues()
		if len(raw) != 4 || len(raw[0]) != 8 || raw[1] == nil || raw[3] == nil {
			return nil, nil, fmt.Errorf("ledger: verify: unexpected entry row")
		}
		r.seq = int64(binaryBE.Uint64(raw[0]))
		need := len(raw[1]) + len(raw[2])
		if keep {
			need += len(raw[3])
		}
		if cap(arena)-len(arena) < need {
			arena = make([]byte, 0, max(need, 1<<20))
		}
		off := len(arena)
		arena = append(arena, raw[1]...)
		arena = append(arena, raw[2]...)
		if keep {
			arena = append(arena, raw[3]...)
		}
		a := arena[off:len(arena):len(arena)]
		r.leaf = a[:len(raw[1]):len(raw[1])]
		r.tree = a[len(raw[1]) : len(raw[1])+len(raw[2]) : len(raw[1])+len(raw[2])]
		if keep {
			r.byts = a[len(raw[1])+len(raw[2]):]
		}
		rs = append(rs, r)
		if check {
			cks = append(cks, checkOne(raw[3]))
		}
	}
	return rs, cks, rows.Err()
}

var binaryBE = binary.BigEndian

// rangeReader hands out the ranges of a verification in seq order.
type rangeReader struct {
	next func() (entryChunk, bool) // the next range in order; false after the last
	stop func()                    // stops the readers and waits for them
	snap string                    // the verification's exported snapshot, "" when none
}

// beginInSnapshot begins a read-only transaction in the exported snapshot
// snap on a connection of pool, waiting at most a moment for one.
func beginInSnapshot(ctx context.Context, pool *pgxpool.Pool, snap string) (pgx.Tx, error) {
	actx, cancel := context.WithTimeout(ctx, time.Second)
	rtx, err := pool.BeginTx(actx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	cancel()
	if err != nil {
		return nil, err
	}
	if _, err := rtx.Exec(ctx, fmt.Sprintf(sqlSetSnapshot, snap)); err != nil {
		rtx.Rollback(context.WithoutCancel(ctx))
		return nil, err
	}
	return rtx, nil
}

// startRangeReaders starts readers over the ranges [k·verifyRange,
// (k+1)·verifyRange) for k = 0 … size/verifyRange, the last one open. When
// the pool cannot spare a connection beside tx's, or the snapshot cannot
// be exported, the ranges are read through tx itself, in order, when next
// is called. keep: the chunks carry the entry bytes (for the deep checks).
func startRangeReaders(ctx context.Context, pool *pgxpool.Pool, tx pgx.Tx, logID string, size int64, keep bool) rangeReader {
	last := size / verifyRange // the index of the open range
	bounds := func(k int64) (int64, int64) {
		if k == last {
			return k * verifyRange, -1
		}
		return k * verifyRange, (k + 1) * verifyRange
	}
	// The readers' transactions are begun here, before any range is
	// read, each waiting at most a moment for a connection: a pool that
	// others use too gives fewer readers (or none: tx reads), never a
	// reader that waits forever while the verification waits for it.
	want := min(verifyReaders(), int(pool.Stat().MaxConns()-pool.Stat().AcquiredConns()), int(last+1))
	var snap string
	var rtxs []pgx.Tx
	if want > 0 && tx.QueryRow(ctx, sqlExportSnapshot).Scan(&snap) == nil {
		for range want {
			rtx, err := beginInSnapshot(ctx, pool, snap)
			if err != nil {
				break
			}
			rtxs = append(rtxs, rtx)
		}
	}
	if len(rtxs) == 0 {
		var k int64
		return rangeReader{snap: snap,
			next: func() (entryChunk, bool) {
				if k > last {
					return entryChunk{}, false
				}
				from, to := bounds(k)
				k++
				rs, _, err := readRange(ctx, tx, logID, from, to, false, true)
				if err != nil {
					return entryChunk{err: err}, true
				}
				return entryChunk{rows: rs, cks: checkAll(rowBytes(rs))}, true
			},
			stop: func() {},
		}
	}

	ctx, cancel := context.WithCancel(ctx)
	// slots[k] receives range k; at most window ranges are read ahead of
	// the one being verified.
	window := int64(2 * len(rtxs))
	slots := make([]chan entryChunk, last+1)
	for k := range slots {
		slots[k] = make(chan entryChunk, 1)
	}
	tokens := make(chan struct{}, window)
	for range window {
		tokens <- struct{}{}
	}
	var mu sync.Mutex
	var taken int64
	var wg sync.WaitGroup
	for _, rtx := range rtxs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer rtx.Rollback(context.WithoutCancel(ctx))
			for {
				select {
				case <-tokens:
				case <-ctx.Done():
					return
				}
				mu.Lock()
				k := taken
				taken++
				mu.Unlock()
				if k > last {
					return
				}
				var c entryChunk
				from, to := bounds(k)
				c.rows, c.cks, c.err = readRange(ctx, rtx, logID, from, to, true, keep)
				slots[k] <- c
				if c.err != nil {
					return
				}
			}
		}()
	}
	var k int64
	return rangeReader{snap: snap,
		next: func() (entryChunk, bool) {
			if k > last {
				return entryChunk{}, false
			}
			var c entryChunk
			select {
			case c = <-slots[k]:
			case <-ctx.Done():
				c = entryChunk{err: ctx.Err()}
			}
			slots[k] = nil
			k++
			tokens <- struct{}{}
			return c, true
		},
		stop: func() { cancel(); wg.Wait() },
	}
}

func rowBytes(rs []entryRow) [][]byte {
	bs := make([][]byte, len(rs))
	for i := range rs {
		bs[i] = rs[i].byts
	}
	return bs
}
