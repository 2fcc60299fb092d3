package ledger_test

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"ecinema/ledger"
)

func TestOfflineVerifyOfExport(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 37)
	r := ledger.NewReader(f.app, "")
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	if err := r.Export(t.Context(), 0, -1, ledger.Scope{All: true}, func(e ledger.Entry) error {
		return enc.Encode(ledger.NewExportLine(e))
	}); err != nil {
		t.Fatal(err)
	}
	export := buf.Bytes()
	if n := bytes.Count(export, []byte("\n")); n != 37 {
		t.Fatalf("export has %d lines", n)
	}
	rep, err := ledger.VerifyExport(t.Context(), bytes.NewReader(export), f.cp.Note, ledger.OfflineOptions{Verifier: f.verifier})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Entries != 37 || rep.CheckpointSize != 37 || rep.Root != f.cp.Root {
		t.Fatalf("report %+v", rep)
	}
	lines := strings.SplitAfter(string(export), "\n")

	// A changed byte inside line 20's entry.
	var l ledger.ExportLine
	if err := json.Unmarshal([]byte(lines[20]), &l); err != nil {
		t.Fatal(err)
	}
	b, _ := base64Decode(l.Bytes)
	b = bytes.Replace(b, []byte(`"3000.00"`), []byte(`"3000.01"`), 1)
	l.Bytes = base64Encode(b)
	changed := append([]string(nil), lines...)
	nl, _ := json.Marshal(l)
	changed[20] = string(nl) + "\n"
	_, err = ledger.VerifyExport(t.Context(), strings.NewReader(strings.Join(changed, "")), f.cp.Note, ledger.OfflineOptions{Verifier: f.verifier})
	wantVerifyError(t, err, 20, ledger.ReasonLeafHash)

	// ... with the leaf hash recomputed to match: the chain breaks at 21.
	lh := ledger.LeafHash(b)
	l.LeafHash = hex.EncodeToString(lh[:])
	nl, _ = json.Marshal(l)
	changed[20] = string(nl) + "\n"
	_, err = ledger.VerifyExport(t.Context(), strings.NewReader(strings.Join(changed, "")), f.cp.Note, ledger.OfflineOptions{Verifier: f.verifier})
	wantVerifyError(t, err, 21, ledger.ReasonChainBreak)

	// The last entry alone changed consistently: only the root tells.
	lastIdx := 36
	if err := json.Unmarshal([]byte(lines[lastIdx]), &l); err != nil {
		t.Fatal(err)
	}
	b, _ = base64Decode(l.Bytes)
	b = bytes.Replace(b, []byte(`"t36"`), []byte(`"t99"`), 1)
	l.Bytes = base64Encode(b)
	lh = ledger.LeafHash(b)
	l.LeafHash = hex.EncodeToString(lh[:])
	nl, _ = json.Marshal(l)
	changed = append([]string(nil), lines...)
	changed[lastIdx] = string(nl) + "\n"
	_, err = ledger.VerifyExport(t.Context(), strings.NewReader(strings.Join(changed, "")), f.cp.Note, ledger.OfflineOptions{Verifier: f.verifier})
	wantVerifyError(t, err, 36, ledger.ReasonRootMismatch)

	// A line dropped.
	dropped := append(append([]string(nil), lines[:9]...), lines[10:]...)
	_, err = ledger.VerifyExport(t.Context(), strings.NewReader(strings.Join(dropped, "")), f.cp.Note, ledger.OfflineOptions{Verifier: f.verifier})
	wantVerifyError(t, err, 9, ledger.ReasonMissingSeq)

	// The tail cut.
	_, err = ledger.VerifyExport(t.Context(), strings.NewReader(strings.Join(lines[:30], "")), f.cp.Note, ledger.OfflineOptions{Verifier: f.verifier})
	wantVerifyError(t, err, 30, ledger.ReasonMissingSeq)

	// A checkpoint body edited after signing.
	bad := bytes.Replace(f.cp.Note, []byte("\n37\n"), []byte("\n36\n"), 1)
	_, err = ledger.VerifyExport(t.Context(), bytes.NewReader(export), bad, ledger.OfflineOptions{Verifier: f.verifier})
	wantVerifyError(t, err, -1, ledger.ReasonBadSignature)

	// Strict as doc.go (issue 13): the export and the entries are exact.
	verify := func(export string) error {
		_, err := ledger.VerifyExport(t.Context(), strings.NewReader(export), f.cp.Note, ledger.OfflineOptions{Verifier: f.verifier})
		return err
	}
	whole := strings.Join(lines, "")
	if err := json.Unmarshal([]byte(lines[5]), &l); err != nil {
		t.Fatal(err)
	}
	upper := strings.Replace(lines[5], l.LeafHash, strings.ToUpper(l.LeafHash), 1)
	b5, _ := base64Decode(l.Bytes)
	for name, export := range map[string]string{
		"blank line":        strings.Join(lines[:5], "") + "\n" + strings.Join(lines[5:], ""),
		"CRLF":              strings.ReplaceAll(whole, "\n", "\r\n"),
		"no final newline":  strings.TrimSuffix(whole, "\n"),
		"upper-case hex":    strings.Join(lines[:5], "") + upper + strings.Join(lines[6:], ""),
		"key case":          strings.Replace(whole, `{"seq":`, `{"SEQ":`, 1),
		"white space":       strings.Replace(whole, `{"seq":`, `{ "seq":`, 1),
		"key order":         strings.Join(lines[:5], "") + fmt.Sprintf(`{"leaf_hash":%q,"seq":5,"bytes":%q}`+"\n", l.LeafHash, l.Bytes) + strings.Join(lines[6:], ""),
		"entry key case":    strings.Join(lines[:5], "") + reencode(t, bytes.Replace(b5, []byte(`"seq":`), []byte(`"SEQ":`), 1), 5) + strings.Join(lines[6:], ""),
		"entry upper hex":   strings.Join(lines[:5], "") + reencode(t, upperPrev(b5), 5) + strings.Join(lines[6:], ""),
		"entry white space": strings.Join(lines[:5], "") + reencode(t, bytes.Replace(b5, []byte(`,"kind":`), []byte(`, "kind":`), 1), 5) + strings.Join(lines[6:], ""),
	} {
		var ve *ledger.VerifyError
		if err := verify(export); !errors.As(err, &ve) || ve.Reason != ledger.ReasonBadEntry {
			t.Errorf("%s: %v, want %s", name, err, ledger.ReasonBadEntry)
		}
	}
}

// reencode is the export line of entry bytes b claimed to be seq, with a
// leaf hash that matches them.
func reencode(t *testing.T, b []byte, seq int64) string {
	t.Helper()
	lh := ledger.LeafHash(b)
	nl, err := json.Marshal(ledger.ExportLine{Seq: seq, LeafHash: hex.EncodeToString(lh[:]), Bytes: base64Encode(b)})
	if err != nil {
		t.Fatal(err)
	}
	return string(nl) + "\n"
}

// upperPrev writes the prev hash of entry bytes in upper-case hex.
func upperPrev(b []byte) []byte {
	i := bytes.Index(b, []byte(`"prev":"`)) + len(`"prev":"`)
	out := append([]byte{}, b...)
	copy(out[i:i+64], bytes.ToUpper(b[i:i+64]))
	return out
}
