package ledger_test

import (
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"ecinema/internal/pgtest"
	"ecinema/ledger"
)

// TestVerifyOverRanges reads a log in ranges of 5 seqs, with the readers
// of a roomy pool and through the verification's own transaction when the
// pool has no connection to spare: every way gives the same report, and a
// gap or a change at a range boundary is found at its seq.
func TestVerifyOverRanges(t *testing.T) {
	defer ledger.SetVerifyRangeForTest(5)()
	f := newFixture(t, 37)
	one := pgtest.Pool(t, f.url+"&pool_max_conns=1")
	two := pgtest.Pool(t, f.url+"&pool_max_conns=2")
	held, err := two.Acquire(t.Context()) // leaves the verification one connection
	if err != nil {
		t.Fatal(err)
	}
	defer held.Release()
	verify := func(pool *pgxpool.Pool, deep bool) (ledger.VerifyReport, error) {
		opts := ledger.VerifyOptions{Verifier: f.verifier}
		if deep {
			opts.Deep = []ledger.DeepCheck{&probeCheck{}}
		}
		return ledger.VerifyDB(t.Context(), pool, opts)
	}
	for name, pool := range map[string]*pgxpool.Pool{"readers": f.app, "one connection": one, "none to spare": two} {
		for _, deep := range []bool{false, true} {
			rep, err := verify(pool, deep)
			if err != nil || rep.Entries != 37 || rep.Root != f.cp.Root {
				t.Errorf("%s, deep %v: %+v, %v", name, deep, rep, err)
			}
		}
	}
	// seq 15 starts a range; 19 ends one.
	f.tamper(t, `UPDATE ledger_entries SET bytes = convert_to(replace(convert_from(bytes, 'UTF8'), '"t19"', '"t91"'), 'UTF8') WHERE seq = 19`)
	_, err = verify(f.app, false)
	wantVerifyError(t, err, 19, ledger.ReasonLeafHash)
	f.tamper(t, `DELETE FROM ledger_entries WHERE seq = 15`)
	for _, pool := range []*pgxpool.Pool{f.app, two} {
		_, err = verify(pool, true)
		wantVerifyError(t, err, 15, ledger.ReasonMissingSeq)
	}
}
