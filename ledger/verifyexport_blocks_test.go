package ledger

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"
)

// syntheticExport builds the export of a log of n entries in pure Go and a
// checkpoint of its whole tree.
func syntheticExport(t *testing.T, n int) (lines []string, cp []byte, v note.Verifier) {
	t.Helper()
	skey, vkey, err := GenerateKey(DefaultOrigin)
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	if v, err = NewVerifier(vkey); err != nil {
		t.Fatal(err)
	}
	f := &frontier{}
	at := time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)
	for i := 0; i < n; i++ {
		body := fmt.Sprintf(`{"cinema_id":"c%d","price":"%d.00","note":%q}`, i%7, 1000+i, strings.Repeat("x", i%300))
		b := encodeEntry(int64(i), f.last, at.Add(time.Duration(i)*time.Millisecond), "sale", "system", []byte(body))
		leaf := LeafHash(b)
		f.append(leaf)
		lines = append(lines, fmt.Sprintf(`{"seq":%d,"leaf_hash":"%s","bytes":"%s"}`+"\n", i, hex.EncodeToString(leaf[:]), base64.StdEncoding.EncodeToString(b)))
	}
	if cp, err = signCheckpoint(DefaultOrigin, int64(n), f.root(), s); err != nil {
		t.Fatal(err)
	}
	return lines, cp, v
}

// TestVerifyExportBlocks checks that the block reader gives the same
// answers whatever the block size: blocks smaller than a line, a few lines
// a block, everything in one block.
func TestVerifyExportBlocks(t *testing.T) {
	lines, cp, v := syntheticExport(t, 600)
	whole := strings.Join(lines, "")
	b5, _ := base64.StdEncoding.DecodeString(between(lines[5], `"bytes":"`, `"`))
	bad := func(i int, line string) string {
		return strings.Join(lines[:i], "") + line + strings.Join(lines[i+1:], "")
	}
	cases := []struct {
		name   string
		export string
		seq    int64
		reason string
	}{
		{"clean", whole, -1, ""},
		{"blank line", strings.Join(lines[:300], "") + "\n" + strings.Join(lines[300:], ""), 300, ReasonBadEntry},
		{"CRLF at 7", bad(7, strings.TrimSuffix(lines[7], "\n")+"\r\n"), 7, ReasonBadEntry},
		{"no final newline", strings.TrimSuffix(whole, "\n"), 599, ReasonBadEntry},
		{"line dropped", bad(450, ""), 450, ReasonMissingSeq},
		{"tail cut", strings.Join(lines[:555], ""), 555, ReasonMissingSeq},
		{"entry changed", bad(5, strings.Replace(lines[5], base64.StdEncoding.EncodeToString(b5), base64.StdEncoding.EncodeToString(bytes.Replace(b5, []byte(`"1005.00"`), []byte(`"1006.00"`), 1)), 1)), 5, ReasonLeafHash},
		{"upper-case hex", bad(9, strings.Replace(lines[9], between(lines[9], `"leaf_hash":"`, `"`), strings.ToUpper(between(lines[9], `"leaf_hash":"`, `"`)), 1)), 9, ReasonBadEntry},
		{"escaped base64", bad(11, strings.Replace(lines[11], `"bytes":"ey`, `"bytes":"\u0065y`, 1)), 11, ReasonBadEntry},
	}
	defer func(n int) { exportBlockSize = n }(exportBlockSize)
	for _, size := range []int{64, 1000, 100000, 4 << 20} {
		exportBlockSize = size
		for _, c := range cases {
			rep, err := VerifyExport(t.Context(), strings.NewReader(c.export), cp, OfflineOptions{Verifier: v})
			if c.reason == "" {
				if err != nil || rep.Entries != 600 {
					t.Errorf("block %d, %s: %+v, %v", size, c.name, rep, err)
				}
				continue
			}
			var ve *VerifyError
			if !errors.As(err, &ve) || ve.Seq != c.seq || ve.Reason != c.reason {
				t.Errorf("block %d, %s: %v, want seq %d %s", size, c.name, err, c.seq, c.reason)
			}
		}
	}
}

func between(s, from, to string) string {
	_, after, _ := strings.Cut(s, from)
	v, _, _ := strings.Cut(after, to)
	return v
}
