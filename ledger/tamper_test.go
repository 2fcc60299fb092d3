package ledger_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"golang.org/x/mod/sumdb/note"

	"ecinema/internal/pgtest"
	"ecinema/ledger"
)

// fixture is a log of n "sale" entries whose projection (seq, price) lives
// in ledger_projection_probe, with a checkpoint published at size n.
type fixture struct {
	url      string
	owner    *pgxpool.Pool
	app      *pgxpool.Pool
	verifier note.Verifier
	signer   note.Signer
	pub      *ledger.Publisher
	cp       ledger.Checkpoint
}

func saleRecord(i int) ledger.Record {
	price := fmt.Sprintf("%d.00", 1000+i*100)
	return ledger.Record{Kind: "sale", Actor: "pos-key-1", CinemaID: "c1", FilmID: "f1",
		Body: map[string]any{"ticket": fmt.Sprintf("t%d", i), "price": price},
		Project: func(ctx context.Context, tx pgx.Tx, e ledger.Entry) error {
			_, err := tx.Exec(ctx, `INSERT INTO ledger_projection_probe (seq, price) VALUES ($1, $2::numeric)`, e.Seq, price)
			return err
		}}
}

func newFixture(t *testing.T, n int) *fixture {
	t.Helper()
	f := &fixture{}
	f.url = pgtest.NewDatabase(t)
	f.owner = pgtest.OwnerPool(t, f.url)
	if _, err := f.owner.Exec(t.Context(), `CREATE TABLE ledger_projection_probe (seq bigint PRIMARY KEY, price numeric(12,2))`); err != nil {
		t.Fatal(err)
	}
	f.app = pgtest.Pool(t, f.url)
	skey, vkey, err := ledger.GenerateKey(ledger.DefaultOrigin)
	if err != nil {
		t.Fatal(err)
	}
	f.signer, _ = ledger.NewSigner(skey)
	f.verifier, _ = ledger.NewVerifier(vkey)
	f.pub = ledger.NewPublisher(f.app, ledger.PublisherConfig{Signer: f.signer, Logger: quiet})
	w := startWriter(t, f.app, ledger.WriterConfig{})
	for i := 0; i < n; i++ {
		if _, err := w.Append(t.Context(), saleRecord(i)); err != nil {
			t.Fatal(err)
		}
	}
	if f.cp, err = f.pub.Publish(t.Context()); err != nil {
		t.Fatal(err)
	}
	return f
}

// probeCheck is a DeepCheck of ledger_projection_probe: it rebuilds
// (seq, price) of every sale into a TEMP table and compares.
type probeCheck struct{ rows [][2]string }

func (p *probeCheck) Name() string { return "test.probe" }
func (p *probeCheck) Begin(ctx context.Context, tx pgx.Tx) error {
	_, err := tx.Exec(ctx, `CREATE TEMP TABLE probe_rebuilt (seq bigint, price numeric(12,2)) ON COMMIT DROP`)
	return err
}
func (p *probeCheck) Entry(ctx context.Context, tx pgx.Tx, e ledger.Entry, pe ledger.ParsedEntry) error {
	if pe.Kind != "sale" {
		return nil
	}
	var body struct{ Price string }
	if err := json.Unmarshal(pe.Body, &body); err != nil {
		return err
	}
	p.rows = append(p.rows, [2]string{fmt.Sprint(e.Seq), body.Price})
	return nil
}
func (p *probeCheck) Compare(ctx context.Context, tx pgx.Tx) error {
	var seqs, prices []string
	for _, r := range p.rows {
		seqs, prices = append(seqs, r[0]), append(prices, r[1])
	}
	if _, err := tx.Exec(ctx, `INSERT INTO probe_rebuilt SELECT s::bigint, p::numeric FROM unnest($1::text[], $2::text[]) AS u(s, p)`, seqs, prices); err != nil {
		return err
	}
	return ledger.CompareQueries(ctx, tx, "ledger_projection_probe",
		`SELECT seq, price FROM probe_rebuilt`, `SELECT seq, price FROM ledger_projection_probe`, "seq")
}

func (f *fixture) verify(t *testing.T, deep bool, extra ...[]byte) (ledger.VerifyReport, error) {
	t.Helper()
	opts := ledger.VerifyOptions{Verifier: f.verifier, Extra: extra}
	if deep {
		opts.Deep = []ledger.DeepCheck{&probeCheck{}}
	}
	return ledger.VerifyDB(t.Context(), f.app, opts)
}

// tamper runs SQL as the superuser with the append-only triggers disabled,
// as an attacker with full database access would.
func (f *fixture) tamper(t *testing.T, sqls ...string) {
	t.Helper()
	ctx := t.Context()
	tx, err := f.owner.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	for _, s := range []string{
		`ALTER TABLE ledger_entries DISABLE TRIGGER USER`,
		`ALTER TABLE ledger_heads DISABLE TRIGGER USER`,
		`ALTER TABLE ledger_checkpoints DISABLE TRIGGER USER`,
	} {
		if _, err := tx.Exec(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	for _, s := range sqls {
		if _, err := tx.Exec(ctx, s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	for _, s := range []string{
		`ALTER TABLE ledger_entries ENABLE ALWAYS TRIGGER ledger_entries_no_update`,
		`ALTER TABLE ledger_entries ENABLE ALWAYS TRIGGER ledger_entries_no_truncate`,
		`ALTER TABLE ledger_checkpoints ENABLE ALWAYS TRIGGER ledger_checkpoints_no_update`,
		`ALTER TABLE ledger_checkpoints ENABLE ALWAYS TRIGGER ledger_checkpoints_no_truncate`,
		`ALTER TABLE ledger_heads ENABLE ALWAYS TRIGGER ledger_heads_no_delete`,
		`ALTER TABLE ledger_heads ENABLE ALWAYS TRIGGER ledger_heads_no_truncate`,
		`ALTER TABLE ledger_heads ENABLE ALWAYS TRIGGER ledger_heads_forward`,
	} {
		if _, err := tx.Exec(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
}

func wantVerifyError(t *testing.T, err error, seq int64, reason string) {
	t.Helper()
	var ve *ledger.VerifyError
	if !errors.As(err, &ve) {
		t.Fatalf("err = %v, want a VerifyError at seq %d (%s)", err, seq, reason)
	}
	if ve.Seq != seq || ve.Reason != reason {
		t.Fatalf("got seq %d reason %s (%s), want seq %d reason %s", ve.Seq, ve.Reason, ve.Detail, seq, reason)
	}
	t.Logf("verify: %v", ve)
}

func TestVerifyCleanLog(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 20)
	rep, err := f.verify(t, true, f.cp.Note)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Entries != 20 || rep.CheckpointSize != 20 || rep.Checkpoints != 2 || len(rep.Deep) != 1 {
		t.Fatalf("report = %+v", rep)
	}
	if rep.Root != f.cp.Root {
		t.Fatalf("root %x, checkpoint %x", rep.Root, f.cp.Root)
	}
}

func TestVerifyFindsTampering(t *testing.T) {
	t.Run("one byte of one entry", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, 12)
		// "1500.00" -> "1600.00" in entry 5's body, leaf hash left as it was.
		f.tamper(t, `UPDATE ledger_entries SET bytes = convert_to(replace(convert_from(bytes, 'UTF8'), '"1500.00"', '"1600.00"'), 'UTF8') WHERE seq = 5`)
		var b []byte
		pgtest.Row(t, f.owner, `SELECT bytes FROM ledger_entries WHERE seq = 5`).Scan(&b)
		if !strings.Contains(string(b), `"1600.00"`) {
			t.Fatalf("tamper did not apply: %s", b)
		}
		_, err := f.verify(t, false)
		wantVerifyError(t, err, 5, ledger.ReasonLeafHash)
	})
	t.Run("one byte of one entry and its leaf hash", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, 12)
		// seq 4 completes no interior tree node, so only the chain can tell.
		f.tamper(t, `UPDATE ledger_entries SET bytes = convert_to(replace(convert_from(bytes, 'UTF8'), '"1400.00"', '"1600.00"'), 'UTF8') WHERE seq = 4`,
			`UPDATE ledger_entries SET leaf_hash = sha256('\x00'::bytea || bytes) WHERE seq = 4`)
		_, err := f.verify(t, false)
		wantVerifyError(t, err, 5, ledger.ReasonChainBreak)
	})
	t.Run("only a projection row", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, 12)
		if _, err := f.owner.Exec(t.Context(), `UPDATE ledger_projection_probe SET price = 1.00 WHERE seq = 7`); err != nil {
			t.Fatal(err)
		}
		if _, err := f.verify(t, false); err != nil {
			t.Fatalf("without --deep the ledger itself is intact: %v", err)
		}
		_, err := f.verify(t, true)
		wantVerifyError(t, err, 7, ledger.ReasonProjection)
		if !strings.Contains(err.Error(), `"price": 1.00`) && !strings.Contains(err.Error(), `"price":1`) {
			t.Errorf("detail does not show the differing row: %v", err)
		}
	})
	t.Run("an entry deleted", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, 12)
		f.tamper(t, `DELETE FROM ledger_entries WHERE seq = 4`)
		_, err := f.verify(t, false)
		wantVerifyError(t, err, 4, ledger.ReasonMissingSeq)
	})
	t.Run("two entries swapped", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, 12)
		f.tamper(t, `UPDATE ledger_entries e SET bytes = o.bytes, leaf_hash = o.leaf_hash
FROM ledger_entries o WHERE (e.seq, o.seq) IN ((3, 4), (4, 3))`)
		_, err := f.verify(t, false)
		wantVerifyError(t, err, 3, ledger.ReasonSeqMismatch)
	})
	t.Run("tail cut after a checkpoint", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, 12)
		var last []byte
		pgtest.Row(t, f.owner, `SELECT leaf_hash FROM ledger_entries WHERE seq = 9`).Scan(&last)
		f.tamper(t, `DELETE FROM ledger_entries WHERE seq >= 10`,
			fmt.Sprintf(`UPDATE ledger_heads SET size = 10, last_leaf = '\x%x', root_hash = sha256(''::bytea)`, last))
		_, err := f.verify(t, false)
		wantVerifyError(t, err, 10, ledger.ReasonMissingSeq)
	})
	t.Run("tail cut with the checkpoint rows removed too", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, 12)
		f.tamper(t, `DELETE FROM ledger_entries WHERE seq >= 10`, `DELETE FROM ledger_checkpoints`)
		// The auditor still holds the checkpoint of size 12.
		_, err := f.verify(t, false, f.cp.Note)
		wantVerifyError(t, err, 10, ledger.ReasonMissingSeq)
	})
	t.Run("fork: another entry at an existing seq in a restored copy", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, 12)
		held := f.cp.Note // published and held by an auditor at size 12
		// Restore to size 10 (as a backup would be), then continue differently.
		var last []byte
		pgtest.Row(t, f.owner, `SELECT leaf_hash FROM ledger_entries WHERE seq = 9`).Scan(&last)
		r := ledger.NewReader(f.app, "")
		root10, err := r.TreeHash(t.Context(), 10)
		if err != nil {
			t.Fatal(err)
		}
		f.tamper(t, `DELETE FROM ledger_entries WHERE seq >= 10`, `DELETE FROM ledger_checkpoints`,
			`DELETE FROM ledger_projection_probe WHERE seq >= 10`,
			fmt.Sprintf(`UPDATE ledger_heads SET size = 10, last_leaf = '\x%x', root_hash = '\x%x'`, last, root10[:]))
		w := startWriter(t, f.app, ledger.WriterConfig{})
		for i := 50; i < 52; i++ {
			e, err := w.Append(t.Context(), saleRecord(i))
			if err != nil {
				t.Fatal(err)
			}
			if e.Seq != int64(i-40) {
				t.Fatalf("forked seq %d", e.Seq)
			}
		}
		if _, err := f.pub.Publish(t.Context()); err != nil {
			t.Fatal(err)
		}
		// The fork is self-consistent and even freshly signed ...
		if _, err := f.verify(t, true); err != nil {
			t.Fatalf("the forked copy is internally consistent: %v", err)
		}
		// ... but not with the checkpoint published before.
		_, err = f.verify(t, false, held)
		wantVerifyError(t, err, 11, ledger.ReasonRootMismatch)
	})
	t.Run("checkpoint signed by another key", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, 5)
		skey, _, _ := ledger.GenerateKey(ledger.DefaultOrigin)
		other, _ := ledger.NewSigner(skey)
		msg, _ := ledger.SignCheckpoint(ledger.DefaultOrigin, 5, f.cp.Root, other)
		f.tamper(t, `DELETE FROM ledger_checkpoints`,
			fmt.Sprintf(`INSERT INTO ledger_checkpoints (log_id, size, root_hash, note) VALUES ('main', 5, '\x%x', '\x%x')`, f.cp.Root[:], msg))
		_, err := f.verify(t, false)
		wantVerifyError(t, err, -1, ledger.ReasonBadSignature)
	})
}

func pgCode(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

func TestAppendOnlyEnforcedByDatabase(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 3)
	ctx := t.Context()
	for _, s := range []string{
		`UPDATE ledger_entries SET kind = 'x' WHERE seq = 1`,
		`DELETE FROM ledger_entries WHERE seq = 1`,
		`TRUNCATE ledger_entries`,
		`UPDATE ledger_checkpoints SET size = 1`,
		`DELETE FROM ledger_checkpoints`,
		`TRUNCATE ledger_checkpoints`,
		`DELETE FROM ledger_heads`,
		`TRUNCATE ledger_heads`,
		`SET session_replication_role = replica`,
	} {
		if _, err := f.app.Exec(ctx, s); pgCode(err) != "42501" {
			t.Errorf("service role: %s: err = %v, want 42501 insufficient_privilege", s, err)
		}
	}
	// The head row may be updated by the service role, but only forward.
	if _, err := f.app.Exec(ctx, `UPDATE ledger_heads SET size = 1`); pgCode(err) != "P0001" || !strings.Contains(err.Error(), "may only grow") {
		t.Errorf("head moved back: err = %v, want P0001", err)
	}
	// Even the owner, in replica mode, hits the ENABLE ALWAYS triggers.
	for _, s := range []string{
		`UPDATE ledger_entries SET kind = 'x' WHERE seq = 1`,
		`DELETE FROM ledger_entries WHERE seq = 1`,
		`TRUNCATE ledger_entries`,
		`UPDATE ledger_checkpoints SET size = 1`,
		`DELETE FROM ledger_checkpoints`,
		`TRUNCATE ledger_checkpoints CASCADE`,
		`DELETE FROM ledger_heads`,
		`UPDATE ledger_heads SET size = 0`,
	} {
		conn, err := f.owner.Acquire(ctx)
		if err != nil {
			t.Fatal(err)
		}
		_, err = conn.Exec(ctx, `SET session_replication_role = replica; `+s)
		conn.Exec(ctx, `RESET session_replication_role`)
		conn.Release()
		if pgCode(err) != "P0001" || !strings.Contains(err.Error(), "ledger:") {
			t.Errorf("owner in replica mode: %s: err = %v, want the ledger trigger's P0001", s, err)
		}
	}
	var n int
	pgtest.Row(t, f.owner, `SELECT count(*) FROM ledger_entries`).Scan(&n)
	if n != 3 {
		t.Fatalf("entries = %d after refused changes, want 3", n)
	}
	if _, err := f.verify(t, true); err != nil {
		t.Fatal(err)
	}
}
