package csvsafe

import (
	"strings"
	"testing"
)

func TestWriter(t *testing.T) {
	var b strings.Builder
	w := NewWriter(&b)
	rec := []string{"=HYPERLINK(\"http://x\")", "+1+1", "-2+3", "@SUM(A1)", "-1500.00", "+7", "2500.00", "Фильм", "", "a=b"}
	w.Write(rec)
	w.Flush()
	want := "\"'=HYPERLINK(\"\"http://x\"\")\",'+1+1,'-2+3,'@SUM(A1),-1500.00,+7,2500.00,Фильм,,a=b\n"
	if b.String() != want {
		t.Fatalf("got  %q\nwant %q", b.String(), want)
	}
	if rec[0] != "=HYPERLINK(\"http://x\")" {
		t.Fatal("the caller's record was changed")
	}
}
