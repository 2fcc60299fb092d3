package settlement

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"ecinema/internal/pgtest"
	"ecinema/ledger"
)

// setCloseHook sets closeHook for one test.
func setCloseHook(t *testing.T, h func(ctx context.Context, step string, tx pgx.Tx) error) {
	t.Helper()
	closeHook = h
	t.Cleanup(func() { closeHook = nil })
}

// frozenTables are the tables a close writes, each with its order.
var frozenTables = []struct{ name, order string }{
	{"settlement_periods", "period"},
	{"settlement_lines", "line_no"},
	{"settlement_royalty_lines", "line_no, party_id, role"},
	{"settlement_settled", "cinema_id, film_id, box_office_day, sale_date"},
	{"settlement_party_totals", "party_id"},
}

// frozenDump is every row a close of period wrote, as text.
func frozenDump(t *testing.T, q querier, period time.Time) string {
	t.Helper()
	var b strings.Builder
	for _, ft := range frozenTables {
		rows, err := q.Query(context.Background(), `SELECT r::text FROM `+ft.name+` r WHERE period = $1 ORDER BY `+ft.order, period)
		if err != nil {
			t.Fatal(err)
		}
		got, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Fatal(err)
		}
		b.WriteString(ft.name + ":\n" + strings.Join(got, "\n") + "\n")
	}
	return b.String()
}

// assertAsUnderTheLock checks a close against the code before the close
// left the ledger lock, which computed and wrote the whole close in the
// entry's Project: in a transaction rolled back afterwards, the close's
// rows are deleted, the close is computed again at the entry's ledger size
// (the data of the month has not changed since) and written as that code
// did; the entry's body and every frozen row must come out the same.
func assertAsUnderTheLock(t *testing.T, f *fixture, res *CloseResult) {
	t.Helper()
	ctx := context.Background()
	owner := pgtest.OwnerPool(t, f.url)
	tx, err := owner.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	period, _ := ParsePeriod(res.Body.Period)
	stored := frozenDump(t, tx, period)
	for _, ft := range frozenTables {
		if _, err := tx.Exec(ctx, `DELETE FROM `+ft.name+` WHERE period = $1`, period); err != nil {
			t.Fatal(err)
		}
	}
	again, err := takeCloseSnapshot(ctx, tx, period, res.Body.LedgerSize)
	if err != nil {
		t.Fatal(err)
	}
	body, err := ledger.EntryBody(res.Entry.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	if string(again.bytes) != string(body) {
		t.Fatalf("entry body %s\nunder the lock it would be %s", body, again.bytes)
	}
	if err := again.write(ctx, tx, res.Entry); err != nil {
		t.Fatal(err)
	}
	if old := frozenDump(t, tx, period); old != stored {
		t.Fatalf("frozen rows:\n%s\nunder the lock they would be:\n%s", stored, old)
	}
}

// sale appends a sale the way addSales does, failing if it waits more than
// 10 s (a close holding the ledger head lock for the whole of its hook
// would make it wait forever: the hook waits for the sale).
func (f *fixture) saleWithin(t *testing.T, cinema, film, bod, gross string) time.Duration {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	t0 := time.Now()
	_, err := f.w.Append(ctx, ledger.Record{
		Kind: "sale", Actor: "system", CinemaID: cinema, FilmID: film,
		Body: map[string]any{"box_office_day": bod, "sale_date": bod, "gross": gross, "admissions": 1},
		Project: func(ctx context.Context, tx pgx.Tx, e ledger.Entry) error {
			_, err := tx.Exec(ctx, `INSERT INTO sales_daily (cinema_id, film_id, box_office_day, sale_date, gross, admissions) VALUES ($1,$2,$3,$3,$4,1)
			  ON CONFLICT (cinema_id, film_id, box_office_day, sale_date) DO UPDATE
			  SET gross = sales_daily.gross + EXCLUDED.gross, admissions = sales_daily.admissions + 1`, cinema, film, bod, gross)
			return err
		},
	})
	if err != nil {
		t.Fatalf("sale during the close (is the ledger head locked?): %v", err)
	}
	return time.Since(t0)
}

// TestCloseOutsideTheLock: while a close is computed and its frozen rows
// are written, sales go through (the ledger head is not locked then) and
// the rows are invisible to everyone else. A sale of the closing month
// committed between the snapshot and the head lock makes the close compute
// again and include it; a sale of the next month is left to the next
// period. The close is, entry and rows, what computing and writing it
// under the lock would give.
func TestCloseOutsideTheLock(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.addSales("cin-1", "film-1", "2026-01-09", "2026-01-09", "9300.00", 4)
	f.addSales("cin-2", "film-b", "2026-01-10", "2026-01-10", "1000.00", 1)
	f.now = time.Date(2026, 2, 2, 12, 0, 0, 0, time.UTC)
	jan := date(2026, 1, 1)
	var steps []string
	var staged int
	setCloseHook(t, func(ctx context.Context, step string, tx pgx.Tx) error {
		steps = append(steps, step)
		if step != "staged" {
			return nil
		}
		staged++
		var mine, seen int
		pgtest.Row(t, tx, `SELECT count(*) FROM settlement_lines WHERE period = $1`, jan).Scan(&mine)
		pgtest.Row(t, f.pool, `SELECT count(*) FROM settlement_lines WHERE period = $1`, jan).Scan(&seen)
		if mine == 0 || seen != 0 {
			t.Errorf("staged lines: %d in the close's transaction, %d seen outside it", mine, seen)
		}
		switch staged {
		case 1: // late for January: found under the head lock
			t.Logf("sale during the close: %s", f.saleWithin(t, "cin-2", "film-1", "2026-01-31", "700.00"))
		case 2: // February's: not late, settled by February's close
			t.Logf("sale during the close: %s", f.saleWithin(t, "cin-1", "film-1", "2026-02-01", "2500.00"))
		}
		return nil
	})
	t0 := time.Now()
	res, err := f.close("2026-01")
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("close in %s", time.Since(t0))
	want := []string{"locked", "snapshot", "staged", "locked", "snapshot", "staged", "appended"}
	if strings.Join(steps, ",") != strings.Join(want, ",") {
		t.Fatalf("steps %v, want %v (one attempt refused under the lock, then one close)", steps, want)
	}
	if res.Body.Lines != 3 || res.Body.Gross != "11000.00" {
		t.Fatalf("close body %+v: want the late January sale in it, not February's", res.Body)
	}
	assertAsUnderTheLock(t, f, res)
	feb := f.statement("prod-a", "2026-02-01", "2026-02-28")
	if len(feb.Lines) != 1 || feb.Lines[0].Adjustment || day(feb.Lines[0].FirstDay) != "2026-02-01" {
		t.Fatalf("february: %s", docOf(t, feb))
	}
	var head int64
	if head, err = ledgerSize(ctx, f.pool); err != nil || head != res.Entry.Seq+1 {
		t.Fatalf("ledger size %d after the close entry %d: %v", head, res.Entry.Seq, err)
	}
}

// TestCloseCrashLeavesNothing: a close whose server dies (its connection
// drops) after its
// frozen rows are written, or after its entry is appended but
// before the commit, leaves no row, no entry and no locked head; the next close
// succeeds and equals what the close under the lock would give.
func TestCloseCrashLeavesNothing(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.addSales("cin-1", "film-1", "2026-01-09", "2026-01-09", "9300.00", 4)
	f.now = time.Date(2026, 2, 2, 12, 0, 0, 0, time.UTC)
	jan := date(2026, 1, 1)
	empty := frozenDump(t, f.pool, jan)
	for _, at := range []string{"staged", "appended"} {
		size0, err := ledgerSize(ctx, f.pool)
		if err != nil {
			t.Fatal(err)
		}
		setCloseHook(t, func(ctx context.Context, step string, tx pgx.Tx) error {
			if step == at {
				// The server dies: its connection drops mid-transaction.
				if err := tx.Conn().Close(ctx); err != nil {
					return err
				}
			}
			return nil
		})
		if _, err := f.close("2026-01"); err == nil {
			t.Fatalf("close with its connection killed at %q succeeded", at)
		}
		if got := frozenDump(t, f.pool, jan); got != empty {
			t.Fatalf("killed at %q, rows left:\n%s", at, got)
		}
		// The head is free and where it was: a sale goes through at once.
		f.saleWithin(t, "cin-2", "film-b", "2026-02-03", "100.00")
		if size, err := ledgerSize(ctx, f.pool); err != nil || size != size0+1 {
			t.Fatalf("killed at %q: ledger size %d, want %d (%v)", at, size, size0+1, err)
		}
	}
	closeHook = nil
	res, err := f.close("2026-01")
	if err != nil {
		t.Fatal(err)
	}
	assertAsUnderTheLock(t, f, res)
	var closes int
	pgtest.Row(t, f.pool, `SELECT count(*) FROM ledger_entries WHERE kind = 'period_close'`).Scan(&closes)
	if closes != 1 {
		t.Fatalf("%d period_close entries", closes)
	}
}

// TestConcurrentCloses: two closes of the same month at once give one
// close; the other answers ErrPeriodClosed.
func TestConcurrentCloses(t *testing.T) {
	f := newFixture(t)
	f.addSales("cin-1", "film-1", "2026-01-09", "2026-01-09", "9300.00", 4)
	f.now = time.Date(2026, 2, 2, 12, 0, 0, 0, time.UTC)
	var first atomic.Bool
	setCloseHook(t, func(ctx context.Context, step string, tx pgx.Tx) error {
		if step != "snapshot" || !first.CompareAndSwap(false, true) {
			return nil
		}
		// The first close waits until the second waits for it.
		for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
			var n int
			if err := f.pool.QueryRow(ctx, `SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted
				AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return nil
			}
		}
		return errors.New("the second close never waited for the close lock")
	})
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range errs {
		wg.Add(1)
		go func() { defer wg.Done(); _, errs[i] = f.close("2026-01") }()
	}
	wg.Wait()
	ok, closed := 0, 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case errors.Is(err, ErrPeriodClosed):
			closed++
		default:
			t.Errorf("close: %v", err)
		}
	}
	var closes int
	pgtest.Row(t, f.pool, `SELECT count(*) FROM ledger_entries WHERE kind = 'period_close'`).Scan(&closes)
	if ok != 1 || closed != 1 || closes != 1 {
		t.Fatalf("%d closed, %d refused as closed, %d period_close entries", ok, closed, closes)
	}
}

// setCatchUp sets the catch-up's slack and passes for one test.
func setCatchUp(t *testing.T, slack int64, passes int) {
	t.Helper()
	oldSlack, oldPasses := catchUpSlack, catchUpPasses
	catchUpSlack, catchUpPasses = slack, passes
	t.Cleanup(func() { catchUpSlack, catchUpPasses = oldSlack, oldPasses })
}

// TestCloseCatchesUpBeforeTheLock: sales recorded while a close is
// computed, and more during each of its catch-up passes (more passes than
// the ten the catch-up used to stop at), are all checked before the ledger
// head lock, pass after pass, until at most the slack is left; under the
// lock the close checks only what is left (here nothing: no writer group
// is in flight). Every entry from the snapshot to the close entry is
// checked once, and the close is what computing it under the lock gives.
func TestCloseCatchesUpBeforeTheLock(t *testing.T) {
	f := newFixture(t)
	f.addSales("cin-1", "film-1", "2026-01-09", "2026-01-09", "9300.00", 4)
	f.now = time.Date(2026, 2, 2, 12, 0, 0, 0, time.UTC)
	setCatchUp(t, 2, 32)
	const during, perPass, busyPasses = 10, 3, 12
	february := func(n int) {
		for range n {
			f.addSales("cin-2", "film-b", "2026-02-03", "2026-02-03", "100.00", 1)
		}
	}
	passes := 0
	setCloseHook(t, func(ctx context.Context, step string, tx pgx.Tx) error {
		switch step {
		case "snapshot":
			february(during)
		case "pass":
			if passes++; passes <= busyPasses {
				february(perPass)
			}
		}
		return nil
	})
	res, err := f.close("2026-01")
	if err != nil {
		t.Fatal(err)
	}
	want := closeChecks{caughtUp: during + busyPasses*perPass, locked: 0, passes: busyPasses + 1}
	if res.checks != want {
		t.Fatalf("checked %+v, want %+v", res.checks, want)
	}
	if n := res.Entry.Seq - res.Body.LedgerSize; n != res.checks.caughtUp+res.checks.locked {
		t.Fatalf("%d entries between the snapshot and the close entry, %d checked", n, res.checks.caughtUp+res.checks.locked)
	}
	if res.Body.Lines != 1 || res.Body.Gross != "9300.00" {
		t.Fatalf("close body %+v: want January only", res.Body)
	}
	assertAsUnderTheLock(t, f, res)
}

// TestCloseCatchUpFallsBehind: while entries arrive faster than the
// catch-up passes check them, an attempt does not lock the ledger head
// with a long list left to check under it: it ends before the lock with
// ErrSnapshotChanged (ClosePeriod retries it later), leaving nothing. The
// next attempt, the burst over, closes.
func TestCloseCatchUpFallsBehind(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.addSales("cin-1", "film-1", "2026-01-09", "2026-01-09", "9300.00", 4)
	f.now = time.Date(2026, 2, 2, 12, 0, 0, 0, time.UTC)
	jan := date(2026, 1, 1)
	setCatchUp(t, 2, 3)
	var steps []string
	setCloseHook(t, func(ctx context.Context, step string, tx pgx.Tx) error {
		steps = append(steps, step)
		if step == "snapshot" || step == "pass" {
			for range 3 {
				f.addSales("cin-2", "film-b", "2026-02-03", "2026-02-03", "100.00", 1)
			}
		}
		return nil
	})
	if _, err := f.svc.closeOnce(ctx, "system", jan); !errors.Is(err, ErrSnapshotChanged) {
		t.Fatalf("close with entries arriving faster than checked: %v, want ErrSnapshotChanged", err)
	}
	if got := strings.Join(steps, ","); got != "locked,snapshot,pass,pass,pass" {
		t.Fatalf("steps %s: want three passes and no head lock", got)
	}
	if got, empty := frozenDump(t, f.pool, jan), frozenDump(t, f.pool, date(2000, 1, 1)); got != empty {
		t.Fatalf("rows left:\n%s", got)
	}
	closeHook = nil
	res, err := f.close("2026-01")
	if err != nil {
		t.Fatal(err)
	}
	if res.checks.locked != 0 {
		t.Fatalf("checked %+v", res.checks)
	}
	assertAsUnderTheLock(t, f, res)
}
