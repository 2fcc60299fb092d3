package ledger

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sort"
	"sync"
	"time"

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
	// DeepTime is the time each check of Deep took (its Begin, Entry,
	// FlushBefore and Compare calls), in the same order.
	DeepTime  []time.Duration
	Witnessed int // valid witness cosignatures checked (verify --witness)
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
	f      *frontier
	want   []signedRoot // sorted by size, consumed from the front
	stored []tlog.Hash  // the stored hashes of the last leaf (reused)
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
	if ck.h.seq != seq {
		return verr(seq, ReasonSeqMismatch, "bytes say seq %d", ck.h.seq)
	}
	if ck.h.prev != c.f.last {
		return verr(seq, ReasonChainBreak, "prev %x, want leaf hash of seq %d %s", ck.h.prev[:], seq-1, hex.EncodeToString(c.f.last[:]))
	}
	leaf := ck.leaf
	if storedLeaf != nil && !bytes.Equal(storedLeaf, leaf[:]) {
		return verr(seq, ReasonLeafHash, "stored %x, bytes hash to %x", storedLeaf, leaf)
	}
	c.stored = c.f.appendTo(c.stored, leaf)
	stored := c.stored
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
	Verifier note.Verifier // the log's public key; required
	Origin   string        // expected origin; "" means the key's name
	// Progress is called about every 2 seconds with the entries verified
	// and the bytes of the export read so far (for an ETA against the
	// file's size); may be nil.
	Progress func(entries, bytesRead int64)
	Extra    [][]byte // further signed checkpoints to check against the entries
	// Check is an optional per-entry hook; e.Bytes is valid only during
	// the call (the memory holds later entries afterwards).
	Check func(e Entry) error
}

// VerifyExport verifies a full NDJSON export (from seq 0) against a signed
// checkpoint without any database: every line's bytes hash to its leaf hash,
// the chain holds, seqs have no gap, and the root of the first size entries
// equals the checkpoint's. Entries after the checkpoint are checked for
// chain and hashes too. It returns a *VerifyError for a ledger failure.
//
// The export is exact, as ledger/doc.go says: every line is the canonical
// {"seq","leaf_hash","bytes"} object ending in "\n" — no blank lines, no
// CR, lowercase hex, exact key case and order. The file is read in large
// blocks; each block's lines are decoded, scanned and hashed on their own
// on every core (a strict scanner of the canonical line, falling back to
// the JSON decoder, which names what is wrong, for any other line); the
// chain and the tree then go through the blocks in order.
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
	ctx, cancel := context.WithCancel(ctx)
	blocks, free, done := readExportBlocks(ctx, export)
	// The reader and its workers are gone before VerifyExport returns.
	defer func() { cancel(); <-done }()
	line := 0
	lastProgress := time.Now()
	for blk := range blocks {
		var res exportBlockResult
		select {
		case res = <-blk:
		case <-ctx.Done():
			return rep, ctx.Err()
		}
		if res.err != nil {
			return rep, fmt.Errorf("ledger: read export: %w", res.err)
		}
		for i := range res.lines {
			d := &res.lines[i]
			line++
			if d.text != nil { // not the canonical line: decode it the slow way
				var ve *VerifyError
				if d.seq, d.b, d.leaf, ve = decodeExportLine(d.text, line); ve != nil {
					if ve.Seq == -2 {
						ve.Seq = c.f.size
					}
					return rep, ve
				}
				d.ck = checkOne(d.b)
			}
			if ve := c.addChecked(d.seq, &d.ck, d.leaf[:], nil); ve != nil {
				return rep, ve
			}
			if opts.Check != nil {
				if err := opts.Check(Entry{Seq: d.seq, LeafHash: d.leaf, Bytes: d.b}); err != nil {
					return rep, err
				}
			}
		}
		if res.unterminated {
			return rep, verr(c.f.size, ReasonBadEntry, "export line %d does not end with a newline", line+1)
		}
		if opts.Progress != nil && time.Since(lastProgress) > 2*time.Second {
			lastProgress = time.Now()
			opts.Progress(c.f.size, res.end)
		}
		clear(res.lines) // no pointers into the block are kept while it waits
		free <- res.buf
		if err := ctx.Err(); err != nil {
			return rep, err
		}
	}
	if ve := c.finish(); ve != nil {
		return rep, ve
	}
	rep.Entries = c.f.size
	rep.Root = c.f.root()
	return rep, nil
}

// exportLine is one line of an export block, decoded and checked.
type exportLine struct {
	seq  int64
	b    []byte
	leaf [32]byte
	ck   checked
	text []byte // set when the line is not canonical: decode it again, slowly
}

type exportBlockResult struct {
	lines        []exportLine
	unterminated bool  // the export ends after these lines without a newline
	end          int64 // bytes of the export up to the end of this block
	err          error
	buf          *exportBuf // to hand back (recycle) once the lines are used
}

// exportBuf holds one block's memory: the export's bytes, the decoded
// entries and the lines. VerifyExport hands each back when it has gone
// through the block, and the reader fills it again: a verification
// allocates (and the runtime zeroes) a few blocks, not one per 4 MB read.
type exportBuf struct {
	data  []byte
	arena []byte
	lines []exportLine
}

// exportBlockSize is how many bytes of an export one block holds (whole
// lines; a longer line makes a longer block).
var exportBlockSize = 4 << 20

// readExportBlocks reads the export in blocks of whole lines and decodes
// each block on a worker; it returns, in export order, one channel per
// block that delivers the block's result, a channel on which the caller
// hands back each result's buf when done with it, and a channel closed
// when the reader and its workers have stopped. A few blocks are read
// ahead.
func readExportBlocks(ctx context.Context, r io.Reader) (<-chan chan exportBlockResult, chan<- *exportBuf, <-chan struct{}) {
	workers := runtime.GOMAXPROCS(0)
	order := make(chan chan exportBlockResult, 2*workers)
	// Every block in flight (read ahead, being decoded, being verified)
	// can be handed back without blocking.
	free := make(chan *exportBuf, 4*workers+4)
	type job struct {
		buf          *exportBuf
		n            int // bytes of buf.data that are whole lines (all of them when unterminated)
		unterminated bool
		end          int64
		res          chan exportBlockResult
	}
	jobs := make(chan job)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				decodeExportBlock(j.buf, j.n)
				j.res <- exportBlockResult{lines: j.buf.lines, unterminated: j.unterminated, end: j.end, buf: j.buf}
			}
		}()
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer close(order)
		defer func() { close(jobs); wg.Wait() }()
		var carry []byte // the start of a line the last block did not finish
		var read int64
		for {
			var buf *exportBuf
			select {
			case buf = <-free:
			default:
				buf = &exportBuf{}
			}
			if need := len(carry) + exportBlockSize; cap(buf.data) < need {
				buf.data = make([]byte, need)
			}
			data := buf.data[:cap(buf.data)]
			copy(data, carry)
			n, err := io.ReadFull(r, data[len(carry):])
			data = data[:len(carry)+n]
			read += int64(n)
			eof := errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
			if err != nil && !eof {
				res := make(chan exportBlockResult, 1)
				res <- exportBlockResult{err: err}
				select {
				case order <- res:
				case <-ctx.Done():
				}
				return
			}
			i := bytes.LastIndexByte(data, '\n')
			if i < 0 && !eof {
				// One line longer than a block: read on into a larger buffer.
				carry = append(carry[:0], data...)
				continue
			}
			j := job{buf: buf, n: i + 1, res: make(chan exportBlockResult, 1)}
			carry = append(carry[:0], data[i+1:]...)
			if eof && len(carry) > 0 {
				j.n, j.unterminated, carry = len(data), true, carry[:0]
			}
			j.end = read - int64(len(carry))
			select {
			case order <- j.res:
			case <-ctx.Done():
				return
			}
			select {
			case jobs <- j:
			case <-ctx.Done():
				return
			}
			if eof {
				return
			}
		}
	}()
	return order, free, done
}

// decodeExportBlock decodes and checks the lines of buf.data[:n] into
// buf.lines and buf.arena: every line ends with "\n" except, in the last
// block of an unterminated export, the last, which is left out (the caller
// reports it).
func decodeExportBlock(buf *exportBuf, n int) {
	data := buf.data[:n]
	lines := buf.lines[:0]
	// One arena for the decoded entries of the block.
	arena := buf.arena[:0]
	if want := n * 3 / 4; cap(arena) < want {
		arena = make([]byte, 0, want)
	}
	for {
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			buf.lines, buf.arena = lines, arena
			return
		}
		text := data[:i]
		data = data[i+1:]
		var l exportLine
		var ok bool
		if l.seq, l.leaf, arena, l.b, ok = scanExportLine(text, arena); ok {
			l.ck = checkOne(l.b)
		} else {
			l.text = text
		}
		lines = append(lines, l)
	}
}

var (
	lineSeq  = []byte(`{"seq":`)
	lineLeaf = []byte(`,"leaf_hash":"`)
	lineB64  = []byte(`","bytes":"`)
	lineEnd  = []byte(`"}`)
)

// scanExportLine decodes a canonical export line (exactly what
// json.Marshal of its ExportLine gives, with lowercase hex and strict
// base64), appending the entry bytes to arena; ok is false for any other
// line.
func scanExportLine(text, arena []byte) (seq int64, leaf [32]byte, _ []byte, b []byte, ok bool) {
	rest, ok := bytes.CutPrefix(text, lineSeq)
	if !ok {
		return 0, leaf, arena, nil, false
	}
	i := 0
	for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
		seq = seq*10 + int64(rest[i]-'0')
		i++
	}
	if i == 0 || i > 18 || (rest[0] == '0' && i > 1) {
		return 0, leaf, arena, nil, false
	}
	if rest, ok = bytes.CutPrefix(rest[i:], lineLeaf); !ok {
		return 0, leaf, arena, nil, false
	}
	if leaf, ok = unhex32(rest); !ok {
		return 0, leaf, arena, nil, false
	}
	if rest, ok = bytes.CutPrefix(rest[64:], lineB64); !ok {
		return 0, leaf, arena, nil, false
	}
	b64, ok := bytes.CutSuffix(rest, lineEnd)
	if !ok {
		return 0, leaf, arena, nil, false
	}
	n := base64.StdEncoding.DecodedLen(len(b64))
	if cap(arena)-len(arena) < n {
		arena = make([]byte, 0, max(n, 1<<20))
	}
	dst := arena[len(arena) : len(arena)+n]
	// Strict: no padding bits set, no new lines; a character outside the
	// alphabet (an escape, a quote) fails the decode too.
	m, ok := decodeBase64(dst, b64)
	if !ok {
		return 0, leaf, arena, nil, false
	}
	b = dst[:m:m]
	return seq, leaf, arena[:len(arena)+m], b, true
}

// decodeExportLine decodes an export line that is not canonical with the
// JSON decoder and reports what is wrong with it (seq -2 in the error: the
// position it is found at).
func decodeExportLine(text []byte, line int) (int64, []byte, [32]byte, *VerifyError) {
	var leaf [32]byte
	var l ExportLine
	dec := json.NewDecoder(bytes.NewReader(text))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&l); err != nil {
		return 0, nil, leaf, verr(-2, ReasonBadEntry, "export line %d: %v", line, err)
	}
	if canon, _ := json.Marshal(l); !bytes.Equal(canon, text) {
		return 0, nil, leaf, verr(-2, ReasonBadEntry, "export line %d is not the canonical line %s (blank line, CR, white space, key case or order, upper-case hex?)", line, canon)
	}
	b, err := base64.StdEncoding.Strict().DecodeString(l.Bytes)
	if err != nil {
		return 0, nil, leaf, verr(l.Seq, ReasonBadEntry, "export line %d: bytes: %v", line, err)
	}
	if leaf, err = parseHex32(l.LeafHash); err != nil {
		return 0, nil, leaf, verr(l.Seq, ReasonBadEntry, "export line %d: leaf_hash %q", line, l.LeafHash)
	}
	return l.Seq, b, leaf, nil
}
