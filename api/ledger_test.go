package api_test

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"

	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"

	"ecinema/apikey"
	"ecinema/ledger"
)

func TestLedgerEndpoints(t *testing.T) {
	env := registered(t)                                                                         // four parties: seq 0..3
	if r := env.Do("PUT", "/v1/cinemas/chaplin-mega", env.AdminKey, cinema()); r.Status != 200 { // seq 4
		t.Fatalf("PUT cinema: %d %s", r.Status, r.Body)
	}
	if r := env.Do("PUT", "/v1/films/gulsary", env.AdminKey, film()); r.Status != 200 { // seq 5
		t.Fatalf("PUT film: %d %s", r.Status, r.Body)
	}

	// Public: no key needed for the public key; no checkpoint before one is published.
	pk := env.Do("GET", "/v1/ledger/public-key", "", nil)
	if pk.Status != 200 || strings.TrimSpace(string(pk.Body)) != env.Verifier {
		t.Fatalf("public key: %d %q", pk.Status, pk.Body)
	}
	verifier, err := ledger.NewVerifier(string(pk.Body))
	if err != nil {
		t.Fatal(err)
	}
	auditor := env.Key(apikey.RoleAuditor, "", "")
	if r := env.Do("POST", "/v1/ledger/checkpoints", auditor, nil); r.Status != 403 {
		t.Fatalf("auditor publishing: %d %s", r.Status, r.Body)
	}
	pubd := env.Do("POST", "/v1/ledger/checkpoints", env.AdminKey, nil)
	if pubd.Status != 200 {
		t.Fatalf("publish: %d %s", pubd.Status, pubd.Body)
	}
	cp := env.Do("GET", "/v1/ledger/checkpoint", "", nil)
	if cp.Status != 200 || !bytes.Equal(cp.Body, pubd.Body) || !strings.HasPrefix(cp.Header.Get("Content-Type"), "text/plain") {
		t.Fatalf("checkpoint: %d %s", cp.Status, cp.Body)
	}
	size, root, err := ledger.OpenCheckpoint(cp.Body, "", verifier)
	if err != nil || size != 6 {
		t.Fatalf("checkpoint size %d, %v", size, err)
	}

	// Entry, and its inclusion proof checked against the signed root.
	var e struct {
		Seq      int64  `json:"seq"`
		LeafHash string `json:"leaf_hash"`
		Bytes    string `json:"bytes"`
	}
	r := env.Do("GET", "/v1/ledger/entries/5", auditor, nil)
	if r.Status != 200 {
		t.Fatalf("entry 5: %d %s", r.Status, r.Body)
	}
	r.JSON(t, &e)
	b, _ := base64.StdEncoding.DecodeString(e.Bytes)
	lh := ledger.LeafHash(b)
	if e.Seq != 5 || e.LeafHash != hex.EncodeToString(lh[:]) || !bytes.Contains(b, []byte(`"kind":"film"`)) {
		t.Fatalf("entry 5 = %+v %s", e, b)
	}
	var ip struct {
		Seq, Size int64
		Hashes    []string
	}
	env.Do("GET", "/v1/ledger/proofs/inclusion?seq=5&size=6", auditor, nil).JSON(t, &ip)
	if err := proof.VerifyInclusion(rfc6962.DefaultHasher, 5, 6, lh[:], unhex(t, ip.Hashes), root[:]); err != nil || ip.Seq != 5 || ip.Size != 6 {
		t.Fatalf("inclusion proof %+v: %v", ip, err)
	}
	// Consistency between an earlier published size and now.
	if r := env.Do("PUT", "/v1/parties/late", env.AdminKey, party("producer", "Late", "100000000001")); r.Status != 200 {
		t.Fatalf("PUT party: %d %s", r.Status, r.Body)
	}
	cp2 := env.Do("POST", "/v1/ledger/checkpoints", env.AdminKey, nil)
	size2, root2, err := ledger.OpenCheckpoint(cp2.Body, "", verifier)
	if err != nil || size2 != 7 {
		t.Fatalf("second checkpoint %d %v", size2, err)
	}
	var cpf struct {
		From, To int64
		Hashes   []string
	}
	env.Do("GET", "/v1/ledger/proofs/consistency?from=6&to=7", auditor, nil).JSON(t, &cpf)
	if err := proof.VerifyConsistency(rfc6962.DefaultHasher, 6, 7, unhex(t, cpf.Hashes), root[:], root2[:]); err != nil {
		t.Fatalf("consistency proof: %v", err)
	}
	for path, code := range map[string]string{
		"/v1/ledger/proofs/inclusion?seq=6&size=6":  "invalid_range",
		"/v1/ledger/proofs/inclusion?seq=1&size=99": "invalid_range",
		"/v1/ledger/proofs/inclusion?seq=x&size=2":  "invalid_query",
		"/v1/ledger/proofs/consistency?from=0&to=3": "invalid_range",
		"/v1/ledger/proofs/consistency?from=3":      "invalid_query",
		"/v1/ledger/entries/99":                     "not_found",
	} {
		if got := env.Do("GET", path, auditor, nil).ErrorCode(); got != code {
			t.Errorf("%s: code %q, want %q", path, got, code)
		}
	}
	// A bad parameter is named in details.
	for path, field := range map[string]string{
		"/v1/ledger/proofs/inclusion?seq=x&size=2": "seq",
		"/v1/ledger/proofs/consistency?from=3":     "to",
		"/v1/ledger/entries/x":                     "seq",
	} {
		if r := env.Do("GET", path, auditor, nil); r.Status != 400 || !strings.Contains(string(r.Body), `"field":"`+field+`"`) {
			t.Errorf("%s: %d %s, want 400 naming %s", path, r.Status, r.Body, field)
		}
	}

	// Full export verifies offline against the signed checkpoint.
	ex := env.Do("GET", "/v1/ledger/export", auditor, nil)
	if ex.Status != 200 || ex.Header.Get("Content-Type") != "application/x-ndjson" {
		t.Fatalf("export: %d %s", ex.Status, ex.Header.Get("Content-Type"))
	}
	rep, err := ledger.VerifyExport(t.Context(), bytes.NewReader(ex.Body), cp2.Body, ledger.OfflineOptions{Verifier: verifier})
	if err != nil || rep.Entries != 7 {
		t.Fatalf("offline verify of the export: %+v %v", rep, err)
	}

	// Read scopes.
	pos := env.Key(apikey.RolePOS, "chaplin-mega", "")
	exh := env.Key(apikey.RoleExhibitor, "", "exh")
	prod := env.Key(apikey.RoleProducer, "", "prod")
	analyst := env.Key(apikey.RoleAnalyst, "", "")
	for _, tc := range []struct {
		name, key string
		seqs      []int64
	}{
		{"pos", pos, []int64{4}}, {"exhibitor", exh, []int64{4}}, {"producer", prod, []int64{5}},
	} {
		if got := exportSeqs(t, env.Do("GET", "/v1/ledger/export", tc.key, nil).Body); !equal(got, tc.seqs) {
			t.Errorf("%s export = %v, want %v", tc.name, got, tc.seqs)
		}
		if r := env.Do("GET", "/v1/ledger/entries/0", tc.key, nil); r.Status != 403 || r.ErrorCode() != "forbidden" {
			t.Errorf("%s reading a party entry: %d %s", tc.name, r.Status, r.Body)
		}
		if r := env.Do("GET", "/v1/ledger/entries/"+itoa(tc.seqs[0]), tc.key, nil); r.Status != 200 {
			t.Errorf("%s reading its entry: %d %s", tc.name, r.Status, r.Body)
		}
		// An inclusion proof is served only for an entry the key may read.
		if r := env.Do("GET", "/v1/ledger/proofs/inclusion?seq=0&size=7", tc.key, nil); r.Status != 403 || r.ErrorCode() != "forbidden" {
			t.Errorf("%s proving a party entry: %d %s", tc.name, r.Status, r.Body)
		}
		if r := env.Do("GET", "/v1/ledger/proofs/inclusion?seq="+itoa(tc.seqs[0])+"&size=7", tc.key, nil); r.Status != 200 {
			t.Errorf("%s proving its entry: %d %s", tc.name, r.Status, r.Body)
		}
	}
	if r := env.Do("GET", "/v1/ledger/export", analyst, nil); r.Status != 403 {
		t.Errorf("analyst export: %d", r.Status)
	}
	if r := env.Do("GET", "/v1/ledger/entries/0", "", nil); r.Status != 401 {
		t.Errorf("entry without key: %d", r.Status)
	}
	if got := exportSeqs(t, env.Do("GET", "/v1/ledger/export?from=2&to=5", auditor, nil).Body); !equal(got, []int64{2, 3, 4}) {
		t.Errorf("export 2..5 = %v", got)
	}
}

func unhex(t *testing.T, hs []string) [][]byte {
	t.Helper()
	out := make([][]byte, len(hs))
	for i, h := range hs {
		b, err := hex.DecodeString(h)
		if err != nil || len(b) != 32 {
			t.Fatalf("hash %q", h)
		}
		out[i] = b
	}
	return out
}

func exportSeqs(t *testing.T, body []byte) []int64 {
	t.Helper()
	var seqs []int64
	sc := bufio.NewScanner(bytes.NewReader(body))
	for sc.Scan() {
		var l ledger.ExportLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("export line %q: %v", sc.Text(), err)
		}
		seqs = append(seqs, l.Seq)
	}
	return seqs
}

func equal(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }
