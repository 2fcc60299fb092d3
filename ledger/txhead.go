package ledger

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// TxHead is the head of a log locked inside a caller's transaction (see
// Writer.LockHead): records appended through it become entries of that
// transaction, which the caller commits or rolls back.
type TxHead struct {
	w    *Writer
	tx   pgx.Tx
	t    *frontier
	size int64     // the head's size as locked (the first seq appended here)
	at   time.Time // when the lock was granted
	last []byte
	root []byte
}

// LockHead locks the head row of w's log FOR UPDATE in the caller's
// transaction tx (READ COMMITTED) and reads the tree frontier, for a record
// whose projection is too large to write under the lock: the caller writes
// first what does not depend on the entry (nothing of the ledger is locked
// then, the Writer's groups go on), then locks the head, appends, and
// commits at once. The head stays locked until tx ends, and every other
// writer waits: keep the rest of tx short (the period close does one
// short check and one row). The entries exist only if tx commits; the
// Writer's groups reload the head when it moved under them.
func (w *Writer) LockHead(ctx context.Context, tx pgx.Tx) (*TxHead, error) {
	h := &TxHead{w: w, tx: tx}
	err := tx.QueryRow(ctx, sqlLockHead, w.cfg.LogID).Scan(&h.size, &h.last, &h.root)
	if errors.Is(err, pgx.ErrNoRows) {
		// No group ran yet: create the head row as Run does, then lock it.
		if _, err = tx.Exec(ctx, sqlEnsureHead, w.cfg.LogID, make([]byte, 32), emptyRoot[:]); err == nil {
			err = tx.QueryRow(ctx, sqlLockHead, w.cfg.LogID).Scan(&h.size, &h.last, &h.root)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("ledger: lock head %q: %w", w.cfg.LogID, err)
	}
	h.at = time.Now()
	t, err := loadFrontier(h.size, &dbHashReader{ctx: ctx, q: tx, logID: w.cfg.LogID})
	if err != nil {
		return nil, fmt.Errorf("ledger: load head: %w", err)
	}
	if r := t.root(); !bytes.Equal(r[:], h.root) || !bytes.Equal(t.last[:], h.last) {
		return nil, fmt.Errorf("%w: head of log %q at size %d does not match its stored tree hashes", errCorrupt, w.cfg.LogID, h.size)
	}
	h.t = t
	return h, nil
}

// LockedAt is when the head lock was granted (it is held until the
// caller's transaction ends).
func (h *TxHead) LockedAt() time.Time { return h.at }

// Size is the log's size under the lock plus what was appended through h:
// the seq the next Append gets.
func (h *TxHead) Size() int64 { return h.t.size }

// Append appends one plain record (Body, scope, Project; not Batch) at the
// next seq: Project runs in the caller's transaction with the entry, then
// the entry is inserted and the head moved. On error nothing is written by
// the record, but the caller's transaction may be aborted: roll it back.
func (h *TxHead) Append(ctx context.Context, r Record) (Entry, error) {
	if err := checkRecord(&r); err != nil {
		return Entry{}, err
	}
	if r.Batch != nil {
		return Entry{}, fmt.Errorf("%w: a record on the group path cannot be appended in a caller's transaction", ErrBadRecord)
	}
	body, err := marshalBody(r.Body)
	if err != nil {
		return Entry{}, err
	}
	t := h.t.clone()
	e := Entry{Seq: t.size, Prev: t.last, At: h.w.cfg.Now().UTC().Truncate(time.Microsecond), Kind: r.Kind, Actor: r.Actor}
	e.Bytes = encodeEntry(e.Seq, e.Prev, e.At, e.Kind, e.Actor, body)
	e.LeafHash = LeafHash(e.Bytes)
	p := pending{e: e, stored: t.append(e.LeafHash), scope: scope{cinema: r.CinemaID, film: r.FilmID, flags: r.Flags}}
	if r.Project != nil {
		if err := project(&request{ctx: ctx, rec: r}, h.tx, e); err != nil {
			return Entry{}, fmt.Errorf("ledger: append %s: %w", r.Kind, err)
		}
	}
	root := t.root()
	// The head move is guarded by the size before this entry (its seq).
	args := append(append([]any{h.w.cfg.LogID}, entryArgs([]pending{p})...), t.size, t.last[:], root[:], e.Seq, 1)
	if _, err := h.tx.Exec(ctx, sqlInsertBatch, args...); err != nil {
		var pe *pgconn.PgError
		if errors.As(err, &pe) && pe.Code == "22012" {
			return Entry{}, fmt.Errorf("%w: head of log %q moved during append", errCorrupt, h.w.cfg.LogID)
		}
		return Entry{}, fmt.Errorf("ledger: insert entry %d: %w", e.Seq, err)
	}
	h.t = t
	return e, nil
}
