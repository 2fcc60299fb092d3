package ledger

import "encoding/binary"

const (
	swarOnes = 0x0101010101010101
	swarHigh = 0x8080808080808080
)

// validJSON reports whether b is exactly one JSON value (RFC 8259), with
// optional white space around it: the same answer as encoding/json.Valid
// (tested against it, fuzzed), several times faster. The verifier checks
// every entry body with it; json.Valid's byte-at-a-time state machine was
// the largest part of the verifier's own CPU after hashing.
//
// Like json.Valid it does not check UTF-8 inside strings, and it refuses
// nesting deeper than 10,000 levels.
func validJSON(b []byte) bool {
	const maxDepth = 10000
	// stack holds one bit per open container: 1 for an object, 0 for an
	// array.
	var stackBuf [8]uint64
	stack := stackBuf[:0]
	depth := 0
	push := func(obj bool) bool {
		if depth >= maxDepth {
			return false
		}
		w, bit := depth/64, uint(depth%64)
		if w == len(stack) {
			stack = append(stack, 0)
		}
		if obj {
			stack[w] |= 1 << bit
		} else {
			stack[w] &^= 1 << bit
		}
		depth++
		return true
	}
	inObject := func() bool {
		d := depth - 1
		return stack[d/64]&(1<<uint(d%64)) != 0
	}

	i, n := 0, len(b)
	skipWS := func() {
		for i < n {
			switch b[i] {
			case ' ', '\t', '\n', '\r':
				i++
			default:
				return
			}
		}
	}
	// value parses one value at i; containers are opened and the caller's
	// loop continues inside them.
	for {
		// Expect a value.
		skipWS()
		if i >= n {
			return false
		}
		switch c := b[i]; {
		case c == '{':
			i++
			if !push(true) {
				return false
			}
			skipWS()
			if i < n && b[i] == '}' {
				i++
				depth--
				goto afterValue
			}
			// A key, then ':'.
			if !scanString(b, &i) {
				return false
			}
			skipWS()
			if i >= n || b[i] != ':' {
				return false
			}
			i++
			continue
		case c == '[':
			i++
			if !push(false) {
				return false
			}
			skipWS()
			if i < n && b[i] == ']' {
				i++
				depth--
				goto afterValue
			}
			continue
		case c == '"':
			if !scanString(b, &i) {
				return false
			}
		case c == '-' || (c >= '0' && c <= '9'):
			if !scanNumber(b, &i) {
				return false
			}
		case c == 't':
			if !hasLit(b, i, "true") {
				return false
			}
			i += 4
		case c == 'f':
			if !hasLit(b, i, "false") {
				return false
			}
			i += 5
		case c == 'n':
			if !hasLit(b, i, "null") {
				return false
			}
			i += 4
		default:
			return false
		}
	afterValue:
		// After a value: close containers or go on to the next member.
		for {
			skipWS()
			if depth == 0 {
				return i == n
			}
			if i >= n {
				return false
			}
			c := b[i]
			obj := inObject()
			switch {
			case c == ',':
				i++
				if obj {
					skipWS()
					if !scanString(b, &i) {
						return false
					}
					skipWS()
					if i >= n || b[i] != ':' {
						return false
					}
					i++
				}
			case c == '}' && obj, c == ']' && !obj:
				i++
				depth--
				continue
			default:
				return false
			}
			break
		}
	}
}

func hasLit(b []byte, i int, lit string) bool {
	return len(b)-i >= len(lit) && string(b[i:i+len(lit)]) == lit
}

// scanString moves *i past a JSON string starting at b[*i].
func scanString(b []byte, i *int) bool {
	j, n := *i, len(b)
	if j >= n || b[j] != '"' {
		return false
	}
	j++
	for j < n {
		// Skip 8 plain bytes at a time: no quote, no backslash, no
		// control character among them (a false alarm only sends the
		// bytes through the loop below).
		for j+8 <= n {
			v := binary.LittleEndian.Uint64(b[j:])
			q, bs := v^(swarOnes*'"'), v^(swarOnes*'\\')
			if ((q-swarOnes)&^q|(bs-swarOnes)&^bs|(v-swarOnes*0x20)&^v)&swarHigh != 0 {
				break
			}
			j += 8
		}
		if j >= n {
			break
		}
		c := b[j]
		switch {
		case c == '"':
			*i = j + 1
			return true
		case c == '\\':
			if j+1 >= n {
				return false
			}
			switch b[j+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				j += 2
			case 'u':
				if j+6 > n {
					return false
				}
				for _, h := range b[j+2 : j+6] {
					if !(h >= '0' && h <= '9' || h >= 'a' && h <= 'f' || h >= 'A' && h <= 'F') {
						return false
					}
				}
				j += 6
			default:
				return false
			}
		case c < 0x20:
			return false
		default:
			j++
		}
	}
	return false
}

// scanNumber moves *i past a JSON number starting at b[*i].
func scanNumber(b []byte, i *int) bool {
	j, n := *i, len(b)
	digits := func() int {
		k := j
		for j < n && b[j] >= '0' && b[j] <= '9' {
			j++
		}
		return j - k
	}
	if j < n && b[j] == '-' {
		j++
	}
	if j >= n {
		return false
	}
	if b[j] == '0' {
		j++
	} else if digits() == 0 {
		return false
	}
	if j < n && b[j] == '.' {
		j++
		if digits() == 0 {
			return false
		}
	}
	if j < n && (b[j] == 'e' || b[j] == 'E') {
		j++
		if j < n && (b[j] == '+' || b[j] == '-') {
			j++
		}
		if digits() == 0 {
			return false
		}
	}
	*i = j
	return true
}
