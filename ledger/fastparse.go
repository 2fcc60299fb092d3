package ledger

import (
	"bytes"
	"runtime"
	"strconv"
	"sync"
)

// The writer's bytes always have the canonical layout of encodeEntry, so
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

// parseEntryFast parses canonical entry bytes; ok is false when b is not
// in the canonical layout (the caller then uses ParseEntry).
func parseEntryFast(b []byte) (p ParsedEntry, prev [32]byte, ok bool) {
	rest, ok := bytes.CutPrefix(b, hdrV)
	if !ok {
		return p, prev, false
	}
	i := 0
	for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
		i++
	}
	if i == 0 || i > 18 || (rest[0] == '0' && i > 1) {
		return p, prev, false
	}
	seq, err := strconv.ParseInt(string(rest[:i]), 10, 64)
	if err != nil {
		return p, prev, false
	}
	if rest, ok = bytes.CutPrefix(rest[i:], hdrPrev); !ok || len(rest) < 64 {
		return p, prev, false
	}
	for j := 0; j < 32; j++ {
		hi, ok1 := unhex(rest[2*j])
		lo, ok2 := unhex(rest[2*j+1])
		if !ok1 || !ok2 {
			return p, prev, false
		}
		prev[j] = hi<<4 | lo
	}
	prevHex := string(rest[:64])
	if rest, ok = bytes.CutPrefix(rest[64:], hdrAt); !ok || len(rest) < len(timeLayout) {
		return p, prev, false
	}
	if !validAt(rest[:len(timeLayout)]) {
		return p, prev, false
	}
	at := string(rest[:len(timeLayout)])
	if rest, ok = bytes.CutPrefix(rest[len(timeLayout):], hdrKind); !ok {
		return p, prev, false
	}
	k := bytes.IndexByte(rest, '"')
	if k < 0 || !kindRE.Match(rest[:k]) {
		return p, prev, false
	}
	kind := string(rest[:k])
	if rest, ok = bytes.CutPrefix(rest[k:], hdrActor); !ok {
		return p, prev, false
	}
	a := bytes.IndexByte(rest, '"')
	if a < 0 {
		return p, prev, false
	}
	for _, ch := range rest[:a] {
		if ch < 0x20 || ch > 0x7e || ch == '\\' { // plain printable ASCII only: a JSON string without escapes
			return p, prev, false
		}
	}
	actor := string(rest[:a])
	if rest, ok = bytes.CutPrefix(rest[a:], hdrBody); !ok || len(rest) < 3 || rest[0] != '{' || rest[len(rest)-1] != '}' {
		return p, prev, false
	}
	body := rest[:len(rest)-1]
	if body[len(body)-1] != '}' || !validJSON(body) {
		return p, prev, false
	}
	return ParsedEntry{V: formatVersion, Seq: seq, Prev: prevHex, At: at, Kind: kind, Actor: actor, Body: body}, prev, true
}

// checked is one entry's part of verification that needs no other entry:
// its parsed header and its leaf hash.
type checked struct {
	p    ParsedEntry
	prev [32]byte
	leaf [32]byte
	err  error // not a well-formed entry
}

func checkOne(b []byte) checked {
	var c checked
	var ok bool
	if c.p, c.prev, ok = parseEntryFast(b); !ok {
		if c.p, c.err = ParseEntry(b); c.err == nil {
			c.prev, _ = parseHex32(c.p.Prev)
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
