package ledger

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// A deep check whose rebuild would not fit in memory rebuilds in parts:
// the first part while VerifyDB hands it the entries, the others in
// Compare, each from the entries it names again (DeepRereader, or the
// reader a BesideFunc is given). They are read through the verification's
// own transaction or one that imported its snapshot, so they are the bytes
// the verification checked (the same REPEATABLE READ snapshot; an entry
// no longer there is an error).

// DeepRereader may be implemented by a DeepCheck that reads entries again
// in Compare. VerifyDB calls SetRereader before Begin.
type DeepRereader interface {
	SetRereader(EntryRereader)
}

// DeepWorker may be implemented by a DeepCheck whose Compare takes long
// (it reads entries again, or compares many rows): VerifyDB adds its work
// to the progress it reports (done and total, hence the rate and the time
// left), during the entries and during Compare.
type DeepWorker interface {
	// Work is the check's work beyond the entries VerifyDB hands it, in
	// entries' worth (the time one entry of the verification takes): all
	// of it as far as the check knows it, and the part done. VerifyDB
	// calls it from another goroutine.
	Work() (total, done int64)
}

// EntryRereader reads the entries of seqs (ascending) again in the
// verification's snapshot and calls fn with each, in seq order. fn must
// not use the transaction (the next entries are being read on it). A seq
// that is not found is an error.
type EntryRereader func(ctx context.Context, seqs []int64, fn func(Entry, ParsedEntry) error) error

// sqlRereadEntries reads entries by seq.
const sqlRereadEntries = `SELECT seq, bytes FROM ledger_entries WHERE log_id = $1 AND seq = ANY($2::bigint[]) ORDER BY seq`

// rereadChunk is how many seqs one read asks for.
const rereadChunk = 4000

type rereadBatch struct {
	seqs   []int64
	bytes  [][]byte
	parsed []ParsedEntry
	err    error
}

func rereader(tx pgx.Tx, logID string) EntryRereader {
	return func(ctx context.Context, seqs []int64, fn func(Entry, ParsedEntry) error) error {
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		// One read ahead of the entries fn is given; the reader parses
		// the headers too, beside fn.
		out := make(chan rereadBatch, 1)
		go func() {
			defer close(out)
			for i := 0; i < len(seqs); i += rereadChunk {
				want := seqs[i:min(i+rereadChunk, len(seqs))]
				b := readEntriesBySeq(ctx, tx, logID, want)
				if b.err == nil {
					b.parsed = make([]ParsedEntry, len(b.bytes))
					for i, byts := range b.bytes {
						if b.parsed[i], b.err = rereadParse(byts); b.err != nil {
							b.err = fmt.Errorf("entry %d: %w", b.seqs[i], b.err)
							break
						}
					}
				}
				select {
				case out <- b:
				case <-ctx.Done():
					return
				}
				if b.err != nil {
					return
				}
			}
		}()
		// Drain the reader before returning, so that the transaction is
		// free again when the caller goes on.
		defer func() {
			cancel()
			for range out {
			}
		}()
		next := 0
		for b := range out {
			if b.err != nil {
				return fmt.Errorf("ledger: verify: read entries again: %w", b.err)
			}
			for i, s := range b.seqs {
				if s != seqs[next] {
					return fmt.Errorf("ledger: verify: read entries again: entry %d is not in the snapshot any more", seqs[next])
				}
				next++
				p := b.parsed[i]
				e := Entry{Seq: s, Bytes: b.bytes[i], Kind: p.Kind, Actor: p.Actor}
				if at, err := parseAt(p.At); err == nil {
					e.At = at
				}
				if err := fn(e, p); err != nil {
					return err
				}
			}
		}
		if next < len(seqs) {
			return fmt.Errorf("ledger: verify: read entries again: entry %d is not in the snapshot any more", seqs[next])
		}
		return nil
	}
}

// readEntriesBySeq reads the bytes of the entries of seqs (ascending) into
// one arena.
func readEntriesBySeq(ctx context.Context, tx pgx.Tx, logID string, seqs []int64) rereadBatch {
	b := rereadBatch{seqs: make([]int64, 0, len(seqs)), bytes: make([][]byte, 0, len(seqs))}
	rows, err := tx.Query(ctx, sqlRereadEntries, logID, seqs)
	if err != nil {
		b.err = err
		return b
	}
	defer rows.Close()
	var arena []byte
	for rows.Next() {
		var seq int64
		var raw []byte
		if v := rows.RawValues(); len(v) == 2 && len(v[0]) == 8 && rows.FieldDescriptions()[0].Format == pgx.BinaryFormatCode &&
			rows.FieldDescriptions()[1].Format == pgx.BinaryFormatCode {
			seq, raw = int64(binaryBE.Uint64(v[0])), v[1]
		} else if err := rows.Scan(&seq, &raw); err != nil {
			b.err = err
			return b
		}
		if cap(arena)-len(arena) < len(raw) {
			arena = make([]byte, 0, max(len(raw), 1<<20))
		}
		off := len(arena)
		arena = append(arena, raw...)
		b.seqs = append(b.seqs, seq)
		b.bytes = append(b.bytes, arena[off:len(arena):len(arena)])
	}
	b.err = rows.Err()
	return b
}

// rereadParse parses entry bytes read again; the verification checked
// them already (the same snapshot), so the header is only scanned.
func rereadParse(b []byte) (ParsedEntry, error) {
	if h, ok := scanEntry(b); ok {
		return h.parsed(b), nil
	}
	return ParseEntry(b)
}

// deepWork sums the work of the deep checks beyond the entries.
func deepWork(deep []DeepCheck) (total, done int64) {
	for _, d := range deep {
		if w, ok := d.(DeepWorker); ok {
			t, n := w.Work()
			total += t
			done += n
		}
	}
	return total, done
}

// progressDuringCompare calls progress every two seconds while the deep
// checks compare, until the returned stop is called, when a check reports
// work there (DeepWorker).
func progressDuringCompare(deep []DeepCheck, size int64, progress func(done, total int64)) (stop func()) {
	if progress == nil {
		return func() {}
	}
	quit := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(2 * time.Second)
		defer t.Stop()
		for {
			select {
			case <-quit:
				return
			case <-t.C:
				if total, done := deepWork(deep); total > 0 {
					progress(size+min(done, total), size+total)
				}
			}
		}
	}()
	return func() {
		close(quit)
		<-done
	}
}
