package ledger

import (
	"bytes"
	"encoding/hex"
	"runtime"
	"sync"
)

// The writer's bytes always have the canonical layout of EncodeEntry, so
// verification reads the header with a strict scanner instead of a JSON
// decoder (the decoder took half the CPU of a verification): anything the
// scanner does not recognise goes to ParseEntry, which accepts a superset
// and names what is wrong. The body is checked to be one JSON object
// (json.Valid), as ParseEntry does.

var (
	hdrV     = []byte(`{"v":1,"seq":`)
	hdrPrev  = []byte(`,"prev":"`)
	hdrAt    = []byte(`","at":"`)
	hdrKind  = []byte(`","kind":"`)
	hdrActor = []byte(`","actor":"`)
	hdrBody  = []byte(`","body":`)
)

// entryHeader is what the verifier reads from canonical entry bytes: seq
// and prev decoded, and where at, kind, actor and body sit in the bytes
// (no copies: the deep checks make their ParsedEntry from it on demand).
type entryHeader struct {
	seq             int64
	prev            [32]byte
	at              uint32 // offset of at; its length is len(timeLayout)
	kind, kindEnd   uint32
	actor, actorEnd uint32
	body            uint32 // offset of the body; it ends before the final '}'
}

// parsed returns the ParsedEntry of the bytes h was scanned from.
func (h *entryHeader) parsed(b []byte) ParsedEntry {
	return ParsedEntry{V: formatVersion, Seq: h.seq, Prev: hex.EncodeToString(h.prev[:]),
		At: string(b[h.at : h.at+uint32(len(timeLayout))]), Kind: string(b[h.kind:h.kindEnd]),
		Actor: string(b[h.actor:h.actorEnd]), Body: b[h.body : len(b)-1]}
}

// parseEntryFast parses canonical entry bytes; ok is false when b is not
// in the canonical layout (the caller then uses ParseEntry).
func parseEntryFast(b []byte) (p ParsedEntry, prev [32]byte, ok bool) {
	h, ok := scanEntry(b)
	if !ok {
		return p, prev, false
	}
	return h.parsed(b), h.prev, true
}

// unhexTable maps a lowercase hex digit to its value and anything else to
// 0xff.
var unhexTable = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xff
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = byte(c - '0')
	}
	for c := 'a'; c <= 'f'; c++ {
		t[c] = byte(c - 'a' + 10)
	}
	return t
}()

// unhex32 decodes 64 lowercase hex digits.
func unhex32(s []byte) (h [32]byte, ok bool) {
	if len(s) < 64 {
		return h, false
	}
	s = s[:64]
	var bad byte
	for j := range 32 {
		hi, lo := unhexTable[s[2*j]], unhexTable[s[2*j+1]]
		bad |= hi | lo
		h[j] = hi<<4 | lo&0x0f
	}
	return h, bad&0xf0 == 0
}

// scanEntry scans canonical entry bytes (EncodeEntry's layout with a
// valid body); ok is false for anything else.
func scanEntry(b []byte) (h entryHeader, ok bool) {
	if !bytes.HasPrefix(b, hdrV) {
		return h, false
	}
	i := len(hdrV)
	d := i
	var seq int64
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		seq = seq*10 + int64(b[i]-'0')
		i++
	}
	if n := i - d; n == 0 || n > 18 || (b[d] == '0' && n > 1) {
		return h, false
	}
	h.seq = seq
	if !bytes.HasPrefix(b[i:], hdrPrev) {
		return h, false
	}
	i += len(hdrPrev)
	if h.prev, ok = unhex32(b[i:]); !ok {
		return h, false
	}
	i += 64
	if !bytes.HasPrefix(b[i:], hdrAt) {
		return h, false
	}
	i += len(hdrAt)
	if len(b)-i < len(timeLayout) || !validAt(b[i:i+len(timeLayout)]) {
		return h, false
	}
	h.at = uint32(i)
	i += len(timeLayout)
	if !bytes.HasPrefix(b[i:], hdrKind) {
		return h, false
	}
	i += len(hdrKind)
	k := bytes.IndexByte(b[i:], '"')
	if k < 0 || !lowerWord(b[i:i+k], 32) {
		return h, false
	}
	h.kind, h.kindEnd = uint32(i), uint32(i+k)
	i += k
	if !bytes.HasPrefix(b[i:], hdrActor) {
		return h, false
	}
	i += len(hdrActor)
	a := bytes.IndexByte(b[i:], '"')
	if a < 0 {
		return h, false
	}
	for _, ch := range b[i : i+a] {
		if ch < 0x20 || ch > 0x7e || ch == '\\' { // plain printable ASCII only: a JSON string without escapes
			return h, false
		}
	}
	h.actor, h.actorEnd = uint32(i), uint32(i+a)
	i += a
	if !bytes.HasPrefix(b[i:], hdrBody) {
		return h, false
	}
	i += len(hdrBody)
	// The body: one JSON object, then the entry's closing brace.
	if len(b)-i < 3 || b[i] != '{' || b[len(b)-1] != '}' || b[len(b)-2] != '}' || !validJSON(b[i:len(b)-1]) {
		return h, false
	}
	h.body = uint32(i)
	return h, len(b) < 1<<32
}

// checked is one entry's part of verification that needs no other entry:
// its header and its leaf hash.
type checked struct {
	h    entryHeader
	leaf [32]byte
	slow *ParsedEntry // the header from ParseEntry when the bytes are not canonical
	err  error        // not a well-formed entry
}

// parsed returns the entry's ParsedEntry (b: the bytes checked).
func (c *checked) parsed(b []byte) ParsedEntry {
	if c.slow != nil {
		return *c.slow
	}
	return c.h.parsed(b)
}

func checkOne(b []byte) checked {
	var c checked
	var ok bool
	if c.h, ok = scanEntry(b); !ok {
		p, err := ParseEntry(b)
		if c.err = err; err == nil {
			c.h.seq = p.Seq
			c.h.prev, _ = parseHex32(p.Prev)
			c.slow = &p
		}
	}
	c.leaf = LeafHash(b)
	return c
}

// checkAll runs checkOne over a page of entries on every core.
func checkAll(bs [][]byte) []checked {
	out := make([]checked, len(bs))
	parallel(len(bs), func(i int) { out[i] = checkOne(bs[i]) })
	return out
}

// parallel runs f(0..n-1) on every core.
func parallel(n int, f func(i int)) {
	workers := min(runtime.GOMAXPROCS(0), max(1, n/64))
	var wg sync.WaitGroup
	per := (n + workers - 1) / workers
	for w := 0; w < workers; w++ {
		lo, hi := w*per, min((w+1)*per, n)
		if lo >= hi {
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := lo; i < hi; i++ {
				f(i)
			}
		}()
	}
	wg.Wait()
}

// validAt reports whether b is a time in timeLayout that time.Parse
// accepts (a real calendar day, hours 00–23, minutes and seconds 00–59):
// exactly the times whose Format gives b back, without parsing.
func validAt(b []byte) bool {
	if len(b) != len(timeLayout) {
		return false
	}
	for i, c := range b {
		switch i {
		case 4, 7:
			if c != '-' {
				return false
			}
		case 10:
			if c != 'T' {
				return false
			}
		case 13, 16:
			if c != ':' {
				return false
			}
		case 19:
			if c != '.' {
				return false
			}
		case 26:
			if c != 'Z' {
				return false
			}
		default:
			if c < '0' || c > '9' {
				return false
			}
		}
	}
	num := func(i, n int) int {
		v := 0
		for _, c := range b[i : i+n] {
			v = v*10 + int(c-'0')
		}
		return v
	}
	year, month, day := num(0, 4), num(5, 2), num(8, 2)
	if month < 1 || month > 12 || day < 1 || num(11, 2) > 23 || num(14, 2) > 59 || num(17, 2) > 59 {
		return false
	}
	days := [13]int{0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}[month]
	if month == 2 && year%4 == 0 && (year%100 != 0 || year%400 == 0) {
		days = 29
	}
	return day <= days
}
