package validate

// BIN reports whether s is a Kazakhstan BIN/IIN: 12 digits whose last
// is the check digit (CompleteBIN).
func BIN(s string) bool {
	if len(s) != 12 {
		return false
	}
	full, ok := CompleteBIN(s[:11])
	return ok && full == s
}

// CompleteBIN appends the check digit to the first 11 digits of a BIN/IIN
// and reports whether they have one. The check digit is the sum of the 11
// digits weighted 1..11, mod 11; when that is 10 the weights 3..11,1,2 are
// used; when it is still 10 no number begins with those digits.
func CompleteBIN(first11 string) (string, bool) {
	if len(first11) != 11 {
		return "", false
	}
	var d [11]int
	for i := range 11 {
		if first11[i] < '0' || first11[i] > '9' {
			return "", false
		}
		d[i] = int(first11[i] - '0')
	}
	check := func(first int) int {
		sum := 0
		for i := range 11 {
			w := (first+i-1)%11 + 1
			sum += w * d[i]
		}
		return sum % 11
	}
	c := check(1)
	if c == 10 {
		c = check(3)
		if c == 10 {
			return "", false
		}
	}
	return first11 + string(rune('0'+c)), true
}
