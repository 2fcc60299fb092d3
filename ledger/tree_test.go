package ledger

import (
	"fmt"
	"testing"

	"golang.org/x/mod/sumdb/tlog"
)

// TestFrontierMatchesTlog checks the writer's in-memory frontier against
// tlog.StoredHashes and tlog.TreeHash for every size up to 300, and that a
// frontier reloaded from stored hashes continues identically.
func TestFrontierMatchesTlog(t *testing.T) {
	var stored []tlog.Hash
	r := tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(idx))
		for i, x := range idx {
			if x >= int64(len(stored)) {
				return nil, fmt.Errorf("index %d not stored", x)
			}
			out[i] = stored[x]
		}
		return out, nil
	})
	f := &frontier{}
	for n := int64(0); n < 300; n++ {
		data := []byte(fmt.Sprintf("record %d", n))
		want, err := tlog.StoredHashes(n, data, r)
		if err != nil {
			t.Fatal(err)
		}
		got := f.append(tlog.RecordHash(data))
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("stored hashes of %d differ", n)
		}
		for i, h := range want {
			idx := tlog.StoredHashIndex(0, n) + int64(i)
			if s, l := storedIndexRow(idx); s != n || l != i {
				t.Fatalf("storedIndexRow(%d) = %d,%d want %d,%d", idx, s, l, n, i)
			}
			_ = h
		}
		stored = append(stored, want...)
		th, err := tlog.TreeHash(n+1, r)
		if err != nil {
			t.Fatal(err)
		}
		if f.root() != th {
			t.Fatalf("root at %d differs", n+1)
		}
		g, err := loadFrontier(n+1, r)
		if err != nil {
			t.Fatal(err)
		}
		if g.root() != th || g.last != f.last || g.size != f.size {
			t.Fatalf("reloaded frontier at %d differs", n+1)
		}
	}
}
