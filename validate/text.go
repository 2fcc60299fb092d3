package validate

import (
	"fmt"
	"unicode/utf8"
)

// TextProblem reports why s cannot be stored as text, or "" when it can.
// NUL cannot be stored by PostgreSQL at all (a 500 before this check);
// other control characters (C0 except tab, line feed and carriage return,
// DEL, C1) are refused because they corrupt terminals, logs and the CSV
// and PDF exports that print the text later. Invalid UTF-8 is refused too.
func TextProblem(s string) string {
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			return "is not valid UTF-8"
		case r == 0:
			return "contains a NUL character"
		case r < 0x20 && r != '\t' && r != '\n' && r != '\r', r == 0x7f, r >= 0x80 && r <= 0x9f:
			return fmt.Sprintf("contains the control character U+%04X", r)
		}
		i += size
	}
	return ""
}
