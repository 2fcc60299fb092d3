package ledger

import "encoding/binary"

// The export's base64 is decoded by a table per position of a 4-character
// quantum (each gives its character's 6 bits already shifted, or a flag
// above the 24 bits for a character outside the alphabet): about 1.5 times
// base64.StdEncoding.Strict().Decode, which was a fifth of an offline
// verification's CPU.

const b64Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

var b64d0, b64d1, b64d2, b64d3 = func() (d0, d1, d2, d3 [256]uint32) {
	for i := range d0 {
		d0[i], d1[i], d2[i], d3[i] = 1<<24, 1<<24, 1<<24, 1<<24
	}
	for v, c := range []byte(b64Alphabet) {
		d0[c], d1[c], d2[c], d3[c] = uint32(v)<<18, uint32(v)<<12, uint32(v)<<6, uint32(v)
	}
	return
}()

// decodeBase64 decodes standard padded base64 into dst (at least
// base64.StdEncoding.DecodedLen(len(src)) bytes) and returns the bytes
// written. It accepts exactly what base64.StdEncoding.Strict().Decode
// accepts without a CR or LF (which that one skips): a length that is a
// multiple of 4, only alphabet characters, padding only at the end and
// no bits set after the last byte.
func decodeBase64(dst, src []byte) (int, bool) {
	if len(src)%4 != 0 {
		return 0, false
	}
	if len(src) == 0 {
		return 0, true
	}
	body := len(src) - 4 // the last quantum may hold padding
	i, j := 0, 0
	for ; i+8 <= body && j+8 <= len(dst); i += 8 {
		s := src[i : i+8 : i+8]
		x := b64d0[s[0]] | b64d1[s[1]] | b64d2[s[2]] | b64d3[s[3]]
		y := b64d0[s[4]] | b64d1[s[5]] | b64d2[s[6]] | b64d3[s[7]]
		if (x|y)>>24 != 0 {
			return 0, false
		}
		binary.BigEndian.PutUint64(dst[j:], uint64(x)<<40|uint64(y)<<16)
		j += 6
	}
	for ; i < body; i += 4 {
		s := src[i : i+4 : i+4]
		x := b64d0[s[0]] | b64d1[s[1]] | b64d2[s[2]] | b64d3[s[3]]
		if x>>24 != 0 {
			return 0, false
		}
		dst[j], dst[j+1], dst[j+2] = byte(x>>16), byte(x>>8), byte(x)
		j += 3
	}
	s := src[body : body+4 : body+4]
	switch {
	case s[3] != '=':
		x := b64d0[s[0]] | b64d1[s[1]] | b64d2[s[2]] | b64d3[s[3]]
		if x>>24 != 0 {
			return 0, false
		}
		dst[j], dst[j+1], dst[j+2] = byte(x>>16), byte(x>>8), byte(x)
		j += 3
	case s[2] != '=':
		x := b64d0[s[0]] | b64d1[s[1]] | b64d2[s[2]]
		if x>>24 != 0 || x&0xff != 0 {
			return 0, false
		}
		dst[j], dst[j+1] = byte(x>>16), byte(x>>8)
		j += 2
	default:
		x := b64d0[s[0]] | b64d1[s[1]]
		if x>>24 != 0 || x&0xffff != 0 {
			return 0, false
		}
		dst[j] = byte(x >> 16)
		j++
	}
	return j, true
}
