package ledger

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// Reasons a verification fails, in VerifyError.Reason.
const (
	ReasonBadEntry     = "bad_entry"      // bytes are not a well-formed entry
	ReasonMissingSeq   = "missing_seq"    // a seq is absent (gap, deletion, tail cut)
	ReasonUnexpected   = "unexpected_seq" // a seq appears twice or out of order, or beyond the head
	ReasonSeqMismatch  = "seq_mismatch"   // the bytes name another seq than the row/line holding them
	ReasonChainBreak   = "chain_break"    // prev is not the leaf hash of seq-1
	ReasonLeafHash     = "leaf_hash"      // stored leaf hash differs from SHA-256(0x00||bytes)
	ReasonTreeHash     = "tree_hash"      // stored interior tree hashes differ from the recomputed ones
	ReasonRootMismatch = "root_mismatch"  // the recomputed root differs from a signed checkpoint
	ReasonBadSignature = "bad_signature"  // a checkpoint does not verify with the public key
	ReasonCheckpoint   = "checkpoint_row" // a stored checkpoint row disagrees with its own note
	ReasonConsistency  = "consistency"    // a served consistency proof between two checkpoints fails
	ReasonHead         = "head_mismatch"  // the head row disagrees with the entries
	ReasonProjection   = "projection"     // a projection table differs from its rebuild (--deep)
)

// VerifyError is the first failure verification found.
type VerifyError struct {
	Seq    int64  // the first failing seq; -1 when the failure concerns no single entry
	Reason string // one of the Reason constants
	Detail string // what differs
}

// Error reports the seq, the reason and what differs.
func (e *VerifyError) Error() string {
	if e.Seq < 0 {
		return fmt.Sprintf("ledger: verify: %s: %s", e.Reason, e.Detail)
	}
	return fmt.Sprintf("ledger: verify: seq %d: %s: %s", e.Seq, e.Reason, e.Detail)
}

func verr(seq int64, reason, format string, args ...any) *VerifyError {
	return &VerifyError{Seq: seq, Reason: reason, Detail: fmt.Sprintf(format, args...)}
}

// VerifyReport summarises a successful verification.
type VerifyReport struct {
	Entries        int64    // entries checked
	Root           [32]byte // root of the tree of all entries
	Checkpoints    int      // signed checkpoints checked
	CheckpointSize int64    // size of the latest checkpoint checked (0 when none)
	Consistency    int      // consistency proofs checked
	Deep           []string // names of the projection checks that passed
	Witnessed      int      // valid witness cosignatures checked (verify --witness)
}

// String is the one-line summary ecinema verify prints.
func (r VerifyReport) String() string {
	s := fmt.Sprintf("ok: %d entries, root %x, %d checkpoints (latest size %d), %d consistency proofs",
		r.Entries, r.Root, r.Checkpoints, r.CheckpointSize, r.Consistency)
	if tail := r.Entries - r.CheckpointSize; tail > 0 {
		s += fmt.Sprintf("; %d entries after the latest checkpoint are UNSIGNED (their root above is signed by nobody)", tail)
	}
	if r.Witnessed > 0 {
		s += fmt.Sprintf(", %d witness cosignatures", r.Witnessed)
	}
	if len(r.Deep) > 0 {
		s += fmt.Sprintf(", projections %v", r.Deep)
	}
	return s
}

// signedRoot is a checkpoint the stream must match when it reaches Size.
type signedRoot struct {
	Size int64
	Root [32]byte
	From string // where the checkpoint came from, for messages
}

// chain is the streaming verifier: it checks each entry in order and
// recomputes the tree.
type chain struct {
	f    *frontier
	want []signedRoot // sorted by size, consumed from the front
}

func newChain() *chain { return &chain{f: &frontier{}} }

// expect adds signed roots to check (any order).
func (c *chain) expect(rs ...signedRoot) {
	c.want = append(c.want, rs...)
	sort.SliceStable(c.want, func(i, j int) bool { return c.want[i].Size < c.want[j].Size })
}

// addChecked checks one entry in order: its own checks (checkOne) ran
// already, perhaps on another core. storedLeaf and storedTree are what the
// store claims (nil when the source has none).
func (c *chain) addChecked(seq int64, ck *checked, storedLeaf, storedTree []byte) *VerifyError {
	n := c.f.size
	switch {
	case seq > n:
		return verr(n, ReasonMissingSeq, "next entry present is seq %d", seq)
	case seq < n:
		return verr(seq, ReasonUnexpected, "seq %d appears again after seq %d", seq, n-1)
	}
	if ck.err != nil {
		return verr(seq, ReasonBadEntry, "%v", ck.err)
	}
	p := &ck.p
	if p.Seq != seq {
		return verr(seq, ReasonSeqMismatch, "bytes say seq %d", p.Seq)
	}
	if ck.prev != c.f.last {
		return verr(seq, ReasonChainBreak, "prev %s, want leaf hash of seq %d %s", p.Prev, seq-1, hex.EncodeToString(c.f.last[:]))
	}
	leaf := ck.leaf
	if storedLeaf != nil && !bytes.Equal(storedLeaf, leaf[:]) {
		return verr(seq, ReasonLeafHash, "stored %x, bytes hash to %x", storedLeaf, leaf)
	}
	stored := c.f.append(leaf)
	if storedTree != nil {
		if len(storedTree) != 32*(len(stored)-1) {
			return verr(seq, ReasonTreeHash, "stored tree hashes %x, recomputed %x", storedTree, treeBytes(stored))
		}
		for i, h := range stored[1:] {
			if !bytes.Equal(storedTree[32*i:32*i+32], h[:]) {
				return verr(seq, ReasonTreeHash, "stored tree hashes %x, recomputed %x", storedTree, treeBytes(stored))
			}
		}
	}
	for len(c.want) > 0 && c.want[0].Size == c.f.size {
		w := c.want[0]
		c.want = c.want[1:]
		if r := c.f.root(); r != w.Root {
			return verr(seq, ReasonRootMismatch, "root of the first %d entries is %x, %s signed %x", w.Size, r[:], w.From, w.Root)
		}
	}
	return nil
}

func treeBytes(stored []tlog.Hash) []byte {
	var tb []byte
	for _, h := range stored[1:] {
		tb = append(tb, h[:]...)
	}
	return tb
}

// finish checks that no signed root lies beyond the entries seen.
func (c *chain) finish() *VerifyError {
	if len(c.want) > 0 {
		w := c.want[len(c.want)-1]
		return verr(c.f.size, ReasonMissingSeq, "%s, but the ledger ends after %d entries", w.From, c.f.size)
	}
	return nil
}

// ExportLine is one line of the NDJSON export.
type ExportLine struct {
	Seq      int64  `json:"seq"`
	LeafHash string `json:"leaf_hash"` // lowercase hex
	Bytes    string `json:"bytes"`     // standard base64 of the exact entry bytes
}

// NewExportLine returns the export line of e.
func NewExportLine(e Entry) ExportLine {
	return ExportLine{Seq: e.Seq, LeafHash: hex.EncodeToString(e.LeafHash[:]), Bytes: base64.StdEncoding.EncodeToString(e.Bytes)}
}

// OfflineOptions configures VerifyExport.
type OfflineOptions struct {
	Verifier note.Verifier       // the log's public key; required
	Origin   string              // expected origin; "" means the key's name
	Progress func(entries int64) // called every 100,000 entries, may be nil
	Extra    [][]byte            // further signed checkpoints to check against the entries
	Check    func(e Entry) error // optional per-entry hook
}

// VerifyExport verifies a full NDJSON export (from seq 0) against a signed
// checkpoint without any database: every line's bytes hash to its leaf hash,
// the chain holds, seqs have no gap, and the root of the first size entries
// equals the checkpoint's. Entries after the checkpoint are checked for
// chain and hashes too. It returns a *VerifyError for a ledger failure.
func VerifyExport(ctx context.Context, export io.Reader, checkpoint []byte, opts OfflineOptions) (VerifyReport, error) {
	var rep VerifyReport
	c := newChain()
	for i, msg := range append([][]byte{checkpoint}, opts.Extra...) {
		size, root, err := OpenCheckpoint(msg, opts.Origin, opts.Verifier)
		if err != nil {
			return rep, verr(-1, ReasonBadSignature, "checkpoint %d: %v", i+1, err)
		}
		c.expect(signedRoot{Size: size, Root: root, From: fmt.Sprintf("checkpoint of size %d", size)})
		rep.Checkpoints++
		if size > rep.CheckpointSize {
			rep.CheckpointSize = size
		}
	}
	// The export is exact, as ledger/doc.go says: every line is the
	// canonical {"seq","leaf_hash","bytes"} object ending in "\n" — no blank
	// lines, no CR, lowercase hex, exact key case and order. Lines are
	// taken in batches: decoding them and each entry's own checks run on
	// every core, then the chain and the tree go through the batch in order.
	const batch = 2000
	type decoded struct {
		seq  int64
		b    []byte
		leaf [32]byte
		err  *VerifyError // seq -2: the position it is found at
	}
	var texts [][]byte
	var lines []int
	flush := func() error {
		ds := make([]decoded, len(texts))
		parallel(len(texts), func(i int) {
			text, line := texts[i], lines[i]
			d := &ds[i]
			var l ExportLine
			dec := json.NewDecoder(bytes.NewReader(text))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&l); err != nil {
				d.err = verr(-2, ReasonBadEntry, "export line %d: %v", line, err)
				return
			}
			if canon, _ := json.Marshal(l); !bytes.Equal(canon, text) {
				d.err = verr(-2, ReasonBadEntry, "export line %d is not the canonical line %s (blank line, CR, white space, key case or order, upper-case hex?)", line, canon)
				return
			}
			d.seq = l.Seq
			var err error
			if d.b, err = base64.StdEncoding.Strict().DecodeString(l.Bytes); err != nil {
				d.err = verr(l.Seq, ReasonBadEntry, "export line %d: bytes: %v", line, err)
				return
			}
			if d.leaf, err = parseHex32(l.LeafHash); err != nil {
				d.err = verr(l.Seq, ReasonBadEntry, "export line %d: leaf_hash %q", line, l.LeafHash)
			}
		})
		bs := make([][]byte, len(ds))
		for i := range ds {
			bs[i] = ds[i].b
		}
		cks := checkAll(bs)
		for i := range ds {
			d := &ds[i]
			if d.err != nil {
				if d.err.Seq == -2 {
					d.err.Seq = c.f.size
				}
				return d.err
			}
			if ve := c.addChecked(d.seq, &cks[i], d.leaf[:], nil); ve != nil {
				return ve
			}
			if opts.Check != nil {
				if err := opts.Check(Entry{Seq: d.seq, LeafHash: d.leaf, Bytes: d.b}); err != nil {
					return err
				}
			}
			if opts.Progress != nil && c.f.size%100000 == 0 {
				opts.Progress(c.f.size)
			}
		}
		texts, lines = texts[:0], lines[:0]
		return ctx.Err()
	}
	rd := bufio.NewReaderSize(export, 64<<10)
	line := 0
	for {
		raw, err := rd.ReadBytes('\n')
		if len(raw) == 0 && errors.Is(err, io.EOF) {
			break
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return rep, fmt.Errorf("ledger: read export: %w", err)
		}
		line++
		text, ok := bytes.CutSuffix(raw, []byte("\n"))
		if !ok {
			if err := flush(); err != nil {
				return rep, err
			}
			return rep, verr(c.f.size, ReasonBadEntry, "export line %d does not end with a newline", line)
		}
		texts = append(texts, text)
		lines = append(lines, line)
		if len(texts) == batch {
			if err := flush(); err != nil {
				return rep, err
			}
		}
	}
	if err := flush(); err != nil {
		return rep, err
	}
	if ve := c.finish(); ve != nil {
		return rep, ve
	}
	rep.Entries = c.f.size
	rep.Root = c.f.root()
	return rep, nil
}
