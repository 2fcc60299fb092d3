package validate

// BIN reports whether s is a Kazakhstan BIN/IIN: 12 digits whose last
// is the check digit. The check digit is the sum of the first 11 digits
// weighted 1..11, mod 11; when that is 10 the weights 3..11,1,2 are used;
// when it is still 10 the number is invalid.
func BIN(s string) bool {
	if len(s) != 12 {
		return false
	}
	var d [12]int
	for i := range 12 {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
		d[i] = int(s[i] - '0')
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
			return false
		}
	}
	return c == d[11]
}
