package ledger

import (
	"encoding/binary"
	"math/bits"
)

const (
	swarOnes = 0x0101010101010101
	swarHigh = 0x8080808080808080
)

// jsonClass sorts the bytes that may start a JSON value or follow one.
var jsonClass = func() (t [256]byte) {
	for _, c := range " \t\n\r" {
		t[c] = clsSpace
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = clsNumber
	}
	t['-'] = clsNumber
	t['"'], t['{'], t['['], t['t'], t['f'], t['n'] = clsString, clsObject, clsArray, clsTrue, clsFalse, clsNull
	return t
}()

const (
	clsOther = iota
	clsSpace
	clsNumber
	clsString
	clsObject
	clsArray
	clsTrue
	clsFalse
	clsNull
)

// validJSON reports whether b is exactly one JSON value (RFC 8259), with
// optional white space around it: the same answer as encoding/json.Valid
// (tested against it, fuzzed), several times faster. The verifier checks
// every entry body with it; json.Valid's byte-at-a-time state machine was
// the largest part of the verifier's own CPU after hashing.
//
// Strings, most of an entry's bytes, are skipped 8 bytes at a time up to
// the first quote, backslash or control character (found by bit tricks on
// a 64-bit word, not byte by byte). Like json.Valid it does not check
// UTF-8 inside strings, and it refuses nesting deeper than 10,000 levels.
func validJSON(b []byte) bool {
	const maxDepth = 10000
	// stack holds one bit per open container: 1 for an object, 0 for an
	// array; obj is the innermost one's.
	var stackBuf [8]uint64
	stack := stackBuf[:0]
	depth := 0
	obj := false
	i, n := 0, len(b)
	for {
		// A value at i.
		for i < n && jsonClass[b[i]] == clsSpace {
			i++
		}
		if i >= n {
			return false
		}
		switch jsonClass[b[i]] {
		case clsString:
			if i = scanString(b, i+1); i < 0 {
				return false
			}
		case clsNumber:
			if i = scanNumber(b, i); i < 0 {
				return false
			}
		case clsObject, clsArray:
			isObj := b[i] == '{'
			if depth >= maxDepth {
				return false
			}
			w, bit := depth/64, uint(depth%64)
			if w == len(stack) {
				stack = append(stack, 0)
			}
			if isObj {
				stack[w] |= 1 << bit
			} else {
				stack[w] &^= 1 << bit
			}
			depth++
			obj = isObj
			i++
			for i < n && jsonClass[b[i]] == clsSpace {
				i++
			}
			if i < n && (b[i] == '}' && obj || b[i] == ']' && !obj) {
				i++
				depth--
				if depth > 0 {
					d := depth - 1
					obj = stack[d/64]&(1<<uint(d%64)) != 0
				}
				break
			}
			if obj {
				// A key, then ':'.
				if i >= n || b[i] != '"' {
					return false
				}
				if i = scanString(b, i+1); i < 0 {
					return false
				}
				for i < n && jsonClass[b[i]] == clsSpace {
					i++
				}
				if i >= n || b[i] != ':' {
					return false
				}
				i++
			}
			continue
		case clsTrue:
			if n-i < 4 || string(b[i:i+4]) != "true" {
				return false
			}
			i += 4
		case clsFalse:
			if n-i < 5 || string(b[i:i+5]) != "false" {
				return false
			}
			i += 5
		case clsNull:
			if n-i < 4 || string(b[i:i+4]) != "null" {
				return false
			}
			i += 4
		default:
			return false
		}
		// After a value: close containers, or go on to the next member.
		for {
			for i < n && jsonClass[b[i]] == clsSpace {
				i++
			}
			if depth == 0 {
				return i == n
			}
			if i >= n {
				return false
			}
			c := b[i]
			if c == '}' && obj || c == ']' && !obj {
				i++
				depth--
				if depth > 0 {
					d := depth - 1
					obj = stack[d/64]&(1<<uint(d%64)) != 0
				}
				continue
			}
			if c != ',' {
				return false
			}
			i++
			if obj {
				for i < n && jsonClass[b[i]] == clsSpace {
					i++
				}
				if i >= n || b[i] != '"' {
					return false
				}
				if i = scanString(b, i+1); i < 0 {
					return false
				}
				for i < n && jsonClass[b[i]] == clsSpace {
					i++
				}
				if i >= n || b[i] != ':' {
					return false
				}
				i++
			}
			break
		}
	}
}

// scanString returns the index after the closing quote of a JSON string
// whose content starts at b[j], or -1 when it is not a valid string.
func scanString(b []byte, j int) int {
	n := len(b)
	for {
		// Skip 8 plain bytes at a time up to the first quote, backslash
		// or control character: each test below flags such a byte exactly
		// when it is the lowest flagged one (a borrow only runs upward,
		// from a flagged byte), so the lowest flag is the byte to look at.
		for j+8 <= n {
			v := binary.LittleEndian.Uint64(b[j:])
			q, bs := v^(swarOnes*'"'), v^(swarOnes*'\\')
			if m := ((q-swarOnes)&^q | (bs-swarOnes)&^bs | (v-swarOnes*0x20)&^v) & swarHigh; m != 0 {
				j += bits.TrailingZeros64(m) >> 3
				break
			}
			j += 8
		}
		for j < n && b[j] >= 0x20 && b[j] != '"' && b[j] != '\\' {
			j++
		}
		if j >= n {
			return -1
		}
		switch b[j] {
		case '"':
			return j + 1
		case '\\':
			if j+1 >= n {
				return -1
			}
			switch b[j+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				j += 2
			case 'u':
				if j+6 > n {
					return -1
				}
				for _, h := range b[j+2 : j+6] {
					if !(h >= '0' && h <= '9' || h >= 'a' && h <= 'f' || h >= 'A' && h <= 'F') {
						return -1
					}
				}
				j += 6
			default:
				return -1
			}
		default: // a control character
			return -1
		}
	}
}

// scanNumber returns the index after a JSON number starting at b[j], or
// -1 when there is none.
func scanNumber(b []byte, j int) int {
	n := len(b)
	if b[j] == '-' {
		j++
		if j >= n {
			return -1
		}
	}
	if b[j] == '0' {
		j++
	} else {
		k := j
		for j < n && b[j] >= '0' && b[j] <= '9' {
			j++
		}
		if j == k {
			return -1
		}
	}
	if j < n && b[j] == '.' {
		j++
		k := j
		for j < n && b[j] >= '0' && b[j] <= '9' {
			j++
		}
		if j == k {
			return -1
		}
	}
	if j < n && (b[j] == 'e' || b[j] == 'E') {
		j++
		if j < n && (b[j] == '+' || b[j] == '-') {
			j++
		}
		k := j
		for j < n && b[j] >= '0' && b[j] <= '9' {
			j++
		}
		if j == k {
			return -1
		}
	}
	return j
}
