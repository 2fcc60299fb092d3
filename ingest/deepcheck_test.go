package ingest_test

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"golang.org/x/mod/sumdb/note"

	"ecinema/ingest"
	"ecinema/internal/pgtest"
	"ecinema/ledger"
	"ecinema/registry"
)

// TestDeepCheck: verify --deep rebuilds screenings, tickets and both rollups
// from the entries (including a replaced screening, a night screening, sales
// on two sale dates and refunds, a seat sold again after its refund, the
// same ticket id in two cinemas) and finds a tampered row in each table:
// every column changed, a row inserted, deleted, stored twice, moved to
// another cinema or part, two rows' values swapped, a text key's case or
// white space, one tiyn, a NULL made a value and back; the mismatch names
// the check, the table and the row. Every tickets case is verified with
// the tickets rebuilt in one part, in two (one cinema each: c1's while the
// entries are read, c2's from its entries read again) and in three (one of
// them empty): the verdicts are the same, and a tampered row of either part
// is found. The other tables' cases, which the parts do not split, in one.
func TestDeepCheck(t *testing.T) {
	w := newWorld(t)
	w.mustScreening(t, "s1", "h2", "f1", localAt(1, 19, 0))
	if r := w.putScreening(t, w.pos, "s1", "h2", "f1", localAt(1, 20, 0)); r.Status != 200 {
		t.Fatalf("replace: %d %s", r.Status, r.Body)
	}
	w.mustScreening(t, "n1", "h1", "f1", localAt(2, 1, 30))
	yesterday, now := time.Now().Add(-26*time.Hour), time.Now().Add(-time.Minute)
	for _, r := range []struct {
		screening string
		tickets   []tk
	}{
		{"s1", []tk{ticket("a1", yesterday, "2500.00", "A1"), ticket("a2", now, "1800.00", "A2"), ticket("a3", now, "0", "")}},
		{"n1", []tk{ticket("b1", now, "1000.00", "1"), ticket("b2", now, "1000.00", "2")}},
	} {
		if res := w.sell(t, w.pos, r.screening, r.tickets...); res.Status != 201 {
			t.Fatalf("sale: %d %s", res.Status, res.Body)
		}
	}
	if r := w.refund(t, w.pos, "s1", "", tk{"id": "a1", "refunded_at": rfc(now)}); r.Status != 201 {
		t.Fatalf("refund: %d %s", r.Status, r.Body)
	}
	if r := w.refund(t, w.pos, "s1", "", tk{"id": "a3", "refunded_at": rfc(now)}); r.Status != 201 {
		t.Fatalf("refund: %d %s", r.Status, r.Body)
	}
	if r := w.sell(t, w.pos, "s1", ticket("a4", now, "2600.00", "A1")); r.Status != 201 {
		t.Fatalf("resell: %d %s", r.Status, r.Body)
	}
	// Cinema c2: the ids b1 and b2 again, a refund, and a sale after it.
	if r := w.putScreening(t, w.pos2, "m1", "h1", "f1", localAt(1, 18, 0)); r.Status != 201 {
		t.Fatalf("c2 screening: %d %s", r.Status, r.Body)
	}
	for _, tks := range [][]tk{{ticket("b1", now, "1500.00", "5"), ticket("b2", now, "1500.00", "6")}, {ticket("m3", now, "900.00", "")}} {
		if r := w.sell(t, w.pos2, "m1", tks...); r.Status != 201 {
			t.Fatalf("c2 sale: %d %s", r.Status, r.Body)
		}
	}
	if r := w.refund(t, w.pos2, "m1", "", tk{"id": "b2", "refunded_at": rfc(now)}); r.Status != 201 {
		t.Fatalf("c2 refund: %d %s", r.Status, r.Body)
	}
	if r := w.sell(t, w.pos2, "m1", ticket("m4", now, "900.00", "6")); r.Status != 201 {
		t.Fatalf("c2 resell: %d %s", r.Status, r.Body)
	}
	verifier := w.publishedVerifier(t)
	owner := pgtest.OwnerPool(t, w.DBURL)
	// verify runs the check with the tickets in 1, 2 and 3 parts and
	// returns the verdict of one part, failing the test when the others
	// differ from it.
	verify := func(all ...ingest.DeepOptions) error {
		var first error
		// The last: the parts chosen from a memory budget of 2 KB (so
		// about one cinema's tickets a part).
		if len(all) == 0 {
			all = []ingest.DeepOptions{{Parts: 1}, {Parts: 2}, {Parts: 3}, {Memory: 2048}}
		}
		for _, opts := range all {
			check := ingest.NewDeepCheckWith(opts)
			_, err := ledger.VerifyDB(w.ctx, owner, ledger.VerifyOptions{Verifier: verifier, Origin: "ecinema.test/ledger",
				Deep: []ledger.DeepCheck{check}})
			parts := check.(interface{ Parts() int }).Parts()
			if opts.Parts == 1 {
				first = err
				continue
			}
			if opts.Memory > 0 && parts < 2 {
				t.Fatalf("a budget of %d bytes: the tickets in %d parts", opts.Memory, parts)
			}
			if (err == nil) != (first == nil) || (err != nil && deepVerdict(err) != deepVerdict(first)) {
				t.Fatalf("in %d parts: %v; in one part: %v", parts, err, first)
			}
			if err == nil {
				// c2's three sale entries and its refund were read again
				// (4 entries at 0.9 of an entry's worth, until measured),
				// and the work reported is done.
				if total, done := check.(ledger.DeepWorker).Work(); total < 2 || done != total {
					t.Fatalf("in %d parts: work %d of %d done; want 2 or more, all done", parts, done, total)
				}
			}
		}
		return first
	}
	if err := verify(); err != nil {
		t.Fatalf("untouched: %v", err)
	}
	// Copies of rows the tampering below deletes or nulls, to put back.
	for _, q := range []string{"CREATE TABLE deep_saved AS SELECT * FROM tickets WHERE id = 'a3'",
		"CREATE TABLE deep_saved_b2 AS SELECT * FROM tickets WHERE id = 'b2' AND cinema_id = 'c1'",
		"CREATE TABLE deep_saved_m3 AS SELECT * FROM tickets WHERE id = 'm3'",
		"CREATE TABLE deep_saved_daily AS SELECT * FROM sales_daily WHERE gross = 0",
		"CREATE TABLE deep_saved_n1 AS SELECT * FROM screenings WHERE id = 'n1'",
		"CREATE TABLE deep_saved_sd AS SELECT * FROM screenings_daily WHERE cinema_id = 'c2'"} {
		if _, err := owner.Exec(w.ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct{ table, tamper, undo, row string }{
		{"tickets", "UPDATE tickets SET price = price + 1 WHERE id = 'a2'", "UPDATE tickets SET price = price - 1 WHERE id = 'a2'", ""},
		{"tickets", "UPDATE tickets SET refund_seq = refund_seq + 1000 WHERE id = 'a1'", "UPDATE tickets SET refund_seq = refund_seq - 1000 WHERE id = 'a1'", ""},
		// Every compared column of tickets, each way a row can differ
		// (the rebuild is kept in memory and compared in Go).
		{"tickets", "UPDATE tickets SET screening_id = 'n1' WHERE id = 'a2'", "UPDATE tickets SET screening_id = 's1' WHERE id = 'a2'", ""},
		{"tickets", "UPDATE tickets SET film_id = film_id || '-x' WHERE id = 'a2'", "UPDATE tickets SET film_id = left(film_id, -2) WHERE id = 'a2'", ""},
		{"tickets", "UPDATE tickets SET category = 'child' WHERE id = 'a2' AND category <> 'child'", "UPDATE tickets SET category = 'adult' WHERE id = 'a2'", ""},
		{"tickets", "UPDATE tickets SET seat = NULL WHERE id = 'a2'", "UPDATE tickets SET seat = 'A2' WHERE id = 'a2'", ""},
		{"tickets", "UPDATE tickets SET seat = '' WHERE id = 'a3'", "UPDATE tickets SET seat = NULL WHERE id = 'a3'", ""},
		{"tickets", "UPDATE tickets SET seat = 'Z9' WHERE id = 'a3'", "UPDATE tickets SET seat = NULL WHERE id = 'a3'", ""},
		{"tickets", "UPDATE tickets SET price = 0.5 WHERE id = 'a3'", "UPDATE tickets SET price = 0 WHERE id = 'a3'", ""},
		{"tickets", "UPDATE tickets SET channel = channel || '-x' WHERE id = 'b1' AND cinema_id = 'c1'", "UPDATE tickets SET channel = left(channel, -2) WHERE id = 'b1' AND cinema_id = 'c1'", ""},
		{"tickets", "UPDATE tickets SET sold_at = sold_at + interval '1 microsecond' WHERE id = 'b1' AND cinema_id = 'c1'", "UPDATE tickets SET sold_at = sold_at - interval '1 microsecond' WHERE id = 'b1' AND cinema_id = 'c1'", ""},
		{"tickets", "UPDATE tickets SET sale_date = sale_date + 1 WHERE id = 'b1' AND cinema_id = 'c1'", "UPDATE tickets SET sale_date = sale_date - 1 WHERE id = 'b1' AND cinema_id = 'c1'", ""},
		{"tickets", "UPDATE tickets SET box_office_day = box_office_day - 1 WHERE id = 'b1' AND cinema_id = 'c1'", "UPDATE tickets SET box_office_day = box_office_day + 1 WHERE id = 'b1' AND cinema_id = 'c1'", ""},
		{"tickets", "UPDATE tickets SET sale_seq = sale_seq + 1 WHERE id = 'b2' AND cinema_id = 'c1'", "UPDATE tickets SET sale_seq = sale_seq - 1 WHERE id = 'b2' AND cinema_id = 'c1'", ""},
		{"tickets", "UPDATE tickets SET refunded_at = refunded_at + interval '1 second' WHERE id = 'a1'", "UPDATE tickets SET refunded_at = refunded_at - interval '1 second' WHERE id = 'a1'", ""},
		{"tickets", "UPDATE tickets SET refunded_at = sold_at, refund_seq = sale_seq WHERE id = 'a4'", "UPDATE tickets SET refunded_at = NULL, refund_seq = NULL WHERE id = 'a4'", ""},
		{"tickets", "UPDATE tickets SET refunded_at = NULL, refund_seq = NULL WHERE id = 'a3'", "UPDATE tickets t SET refunded_at = s.refunded_at, refund_seq = s.refund_seq FROM deep_saved s WHERE t.id = 'a3'", ""},
		{"tickets", "UPDATE tickets SET cinema_id = cinema_id || '-x' WHERE id = 'b2' AND cinema_id = 'c1'", "UPDATE tickets SET cinema_id = left(cinema_id, -2) WHERE id = 'b2' AND cinema_id = 'c1-x'", ""},
		{"tickets", "DELETE FROM tickets WHERE id = 'b2' AND cinema_id = 'c1'", "INSERT INTO tickets SELECT * FROM deep_saved_b2", ""},
		{"tickets", "INSERT INTO tickets SELECT cinema_id, 'zz', screening_id, film_id, price, category, NULL, channel, sold_at, sale_date, box_office_day, sale_seq, NULL, NULL FROM tickets WHERE id = 'b2' AND cinema_id = 'c1'", "DELETE FROM tickets WHERE id = 'zz'", ""},
		// The same in c2, the part rebuilt from its entries read again.
		{"tickets", "UPDATE tickets SET price = price + 1 WHERE id = 'b1' AND cinema_id = 'c2'", "UPDATE tickets SET price = price - 1 WHERE id = 'b1' AND cinema_id = 'c2'", ""},
		{"tickets", "UPDATE tickets SET refund_seq = refund_seq + 1 WHERE id = 'b2' AND cinema_id = 'c2'", "UPDATE tickets SET refund_seq = refund_seq - 1 WHERE id = 'b2' AND cinema_id = 'c2'", ""},
		{"tickets", "UPDATE tickets SET seat = '7' WHERE id = 'm4'", "UPDATE tickets SET seat = '6' WHERE id = 'm4'", ""},
		{"tickets", "UPDATE tickets SET cinema_id = 'c1' WHERE id = 'm3'", "UPDATE tickets SET cinema_id = 'c2' WHERE id = 'm3'", ""},
		// A row of another cinema where the rebuilt row of its id is,
		// in the ledger's order (the table written again in that order):
		// the comparison, which tries the row after the last one it found
		// before it looks a key up, still compares the whole key.
		{"tickets", rewriteTickets("CASE WHEN id = 'a2' THEN 'c2' ELSE cinema_id END", "screening_id"), rewriteTickets("CASE WHEN id = 'a2' THEN 'c1' ELSE cinema_id END", "screening_id"), ""},
		{"tickets", "DELETE FROM tickets WHERE id = 'm3'", "INSERT INTO tickets SELECT * FROM deep_saved_m3", ""},
		{"tickets", "INSERT INTO tickets SELECT cinema_id, 'zz2', screening_id, film_id, price, category, NULL, channel, sold_at, sale_date, box_office_day, sale_seq, NULL, NULL FROM tickets WHERE id = 'm3'", "DELETE FROM tickets WHERE id = 'zz2'", ""},
		// A text key's case or white space, one tiyn, two rows' values
		// swapped (in one part, and across the parts: the stored count of
		// each cinema, which the parts are planned from, stays the same),
		// a row stored twice once the primary key is dropped (in part 0
		// and in a later part).
		{"tickets", "UPDATE tickets SET id = 'A2' WHERE id = 'a2'", "UPDATE tickets SET id = 'a2' WHERE id = 'A2'", `"id":"(A2|a2)"`},
		{"tickets", "UPDATE tickets SET id = 'a4 ' WHERE id = 'a4'", "UPDATE tickets SET id = 'a4' WHERE id = 'a4 '", `"id":"(a4 |a4)"`},
		{"tickets", "UPDATE tickets SET cinema_id = 'C2' WHERE id = 'm4'", "UPDATE tickets SET cinema_id = 'c2' WHERE id = 'm4'", `"cinema_id":"(C2|c2)".*"id":"m4"`},
		{"tickets", "UPDATE tickets SET price = price + 0.01 WHERE id = 'a2'", "UPDATE tickets SET price = price - 0.01 WHERE id = 'a2'", `"id":"a2".*"price":"1800.01".*rebuilt only.*"price":"1800.00"`},
		{"tickets", "UPDATE tickets SET price = price - 0.01 WHERE id = 'm3'", "UPDATE tickets SET price = price + 0.01 WHERE id = 'm3'", `"id":"m3".*"price":"899.99".*rebuilt only.*"price":"900.00"`},
		{"tickets", swapTickets("price", "c1", "a2", "c1", "a4"), swapTickets("price", "c1", "a2", "c1", "a4"), `"id":"a[24]"`},
		{"tickets", swapTickets("price", "c2", "b1", "c2", "m3"), swapTickets("price", "c2", "b1", "c2", "m3"), `"cinema_id":"c2",.*"id":"(b1|m3)"`},
		{"tickets", swapTickets("sold_at", "c1", "a1", "c1", "a2"), swapTickets("sold_at", "c1", "a1", "c1", "a2"), `"id":"a[12]"`},
		{"tickets", "UPDATE tickets SET cinema_id = CASE cinema_id WHEN 'c1' THEN 'c2' ELSE 'c1' END WHERE id IN ('a3', 'm3')",
			"UPDATE tickets SET cinema_id = CASE cinema_id WHEN 'c1' THEN 'c2' ELSE 'c1' END WHERE id IN ('a3', 'm3')", `"id":"[am]3"`},
		{"tickets", rewriteTickets("cinema_id", "CASE WHEN id = 'a2' THEN 'n1' ELSE screening_id END"), rewriteTickets("cinema_id", "CASE WHEN id = 'a2' THEN 's1' ELSE screening_id END"), `"id":"a2".*"screening_id":"n1".*rebuilt only.*"screening_id":"s1"`},
		{"tickets", "ALTER TABLE tickets DROP CONSTRAINT tickets_pkey; INSERT INTO tickets SELECT * FROM tickets WHERE id = 'a3'", undoTwice, `"id":"a3".*\(stored twice\)`},
		{"tickets", "ALTER TABLE tickets DROP CONSTRAINT tickets_pkey; INSERT INTO tickets SELECT * FROM tickets WHERE id = 'm3'", undoTwice, `"id":"m3".*\(stored twice\)`},
		{"sales_daily", "UPDATE sales_daily SET admissions = admissions + 1 WHERE gross > 0", "UPDATE sales_daily SET admissions = admissions - 1 WHERE gross > 0", ""},
		{"sales_daily", "UPDATE sales_daily SET gross = gross + 0.01 WHERE cinema_id = 'c2'", "UPDATE sales_daily SET gross = gross - 0.01 WHERE cinema_id = 'c2'", `"cinema_id":"c2".*"gross":3300.01`},
		{"sales_daily", swapDaily, swapDaily, `"gross":(6400|3300)`},
		{"sales_daily", "UPDATE sales_daily SET film_id = 'F1' WHERE cinema_id = 'c2'", "UPDATE sales_daily SET film_id = 'f1' WHERE cinema_id = 'c2'", `"film_id":"(F1|f1)"`},
		{"sales_daily", "DELETE FROM sales_daily WHERE gross = 0", "INSERT INTO sales_daily SELECT * FROM deep_saved_daily", `^rebuilt only: .*"admissions":0.*"cinema_id":"c1"`},
		{"sales_daily", "INSERT INTO sales_daily SELECT cinema_id, film_id, box_office_day, sale_date - 10, 0, 0 FROM deep_saved_daily",
			"DELETE FROM sales_daily d USING deep_saved_daily s WHERE d.sale_date = s.sale_date - 10", `^stored only: .*"gross":0`},
		{"screenings", "UPDATE screenings SET starts_at = starts_at - interval '1 hour' WHERE id = 's1'", "UPDATE screenings SET starts_at = starts_at + interval '1 hour' WHERE id = 's1'", ""},
		{"screenings", "UPDATE screenings SET gross = gross + 0.01 WHERE id = 'm1'", "UPDATE screenings SET gross = gross - 0.01 WHERE id = 'm1'", `"gross":3300.01.*"id":"m1"`},
		{"screenings", "UPDATE screenings SET tickets_active = tickets_active - 1 WHERE id = 's1'", "UPDATE screenings SET tickets_active = tickets_active + 1 WHERE id = 's1'", `"id":"s1".*"tickets_active":1.*rebuilt only.*"tickets_active":2`},
		{"screenings", swapScreenings("gross"), swapScreenings("gross"), `"id":"(s1|m1)"`},
		{"screenings", "UPDATE screenings SET id = 'S1' WHERE id = 's1'", "UPDATE screenings SET id = 's1' WHERE id = 'S1'", `"id":"(S1|s1)"`},
		{"screenings", "DELETE FROM screenings WHERE id = 'n1'", "INSERT INTO screenings SELECT * FROM deep_saved_n1", `^rebuilt only: .*"id":"n1"`},
		{"screenings", "INSERT INTO screenings SELECT cinema_id, 'zz', hall_id, film_id, starts_at + interval '1 day', ends_at + interval '1 day', box_office_day + 1, format, language, entry_seq, seats, version, 0, 0, 0 FROM deep_saved_n1",
			"DELETE FROM screenings WHERE id = 'zz'", `^stored only: .*"id":"zz"`},
		{"screenings_daily", "UPDATE screenings_daily SET screenings = screenings + 10", "UPDATE screenings_daily SET screenings = screenings - 10", ""},
		{"screenings_daily", swapScreeningsDaily, swapScreeningsDaily, `"screenings":[12]`},
		{"screenings_daily", "DELETE FROM screenings_daily WHERE cinema_id = 'c2'", "INSERT INTO screenings_daily SELECT * FROM deep_saved_sd", `^rebuilt only: .*"cinema_id":"c2"`},
		{"screenings_daily", "INSERT INTO screenings_daily SELECT cinema_id, film_id, box_office_day + 10, 0 FROM deep_saved_sd",
			"DELETE FROM screenings_daily d USING deep_saved_sd s WHERE d.box_office_day = s.box_office_day + 10", `^stored only: .*"screenings":0`},
	} {
		if _, err := owner.Exec(w.ctx, tc.tamper); err != nil {
			t.Fatalf("%s: %v", tc.tamper, err)
		}
		// The parts split only the tickets.
		var only []ingest.DeepOptions
		if tc.table != "tickets" {
			only = []ingest.DeepOptions{{Parts: 1}}
		}
		err := verify(only...)
		var ve *ledger.VerifyError
		if !errors.As(err, &ve) || ve.Reason != ledger.ReasonProjection || !strings.HasPrefix(ve.Detail, "ingest: table "+tc.table+": ") {
			t.Fatalf("after %q: verify = %v, want a mismatch in %s", tc.tamper, err, tc.table)
		}
		if detail := strings.TrimPrefix(ve.Detail, "ingest: table "+tc.table+": "); !regexp.MustCompile(tc.row).MatchString(detail) {
			t.Fatalf("after %q: the mismatch names %s, want a row matching %s", tc.tamper, detail, tc.row)
		}
		if _, err := owner.Exec(w.ctx, tc.undo); err != nil {
			t.Fatalf("%s: %v", tc.undo, err)
		}
		if err := verify(only...); err != nil {
			t.Fatalf("after undoing %q: %v", tc.tamper, err)
		}
	}
}

// undoTwice drops the second copy of a ticket stored twice and puts the
// primary key back.
const undoTwice = `DELETE FROM tickets a USING tickets b WHERE a.cinema_id = b.cinema_id AND a.id = b.id AND a.ctid > b.ctid;
ALTER TABLE tickets ADD CONSTRAINT tickets_pkey PRIMARY KEY (cinema_id, id)`

// swapTickets swaps column col of two tickets (its own undo).
func swapTickets(col, c1, id1, c2, id2 string) string {
	return fmt.Sprintf(`UPDATE tickets t SET %[1]s = o.%[1]s FROM tickets o
WHERE (t.cinema_id, t.id, o.cinema_id, o.id) IN (('%[2]s', '%[3]s', '%[4]s', '%[5]s'), ('%[4]s', '%[5]s', '%[2]s', '%[3]s'))`, col, c1, id1, c2, id2)
}

// The gross of the two days with admissions (one a cinema) swapped, the
// gross of screenings s1 and m1, the screenings of the two cinemas' days
// (2 and 1): each its own undo.
const (
	swapDaily = `UPDATE sales_daily d SET gross = o.gross FROM sales_daily o
WHERE d.admissions > 0 AND o.admissions > 0 AND d.cinema_id <> o.cinema_id`
	swapScreeningsDaily = `UPDATE screenings_daily d SET screenings = o.screenings FROM screenings_daily o
WHERE d.cinema_id <> o.cinema_id`
)

func swapScreenings(col string) string {
	return fmt.Sprintf(`UPDATE screenings s SET %[1]s = o.%[1]s FROM screenings o WHERE (s.id, o.id) IN (('s1', 'm1'), ('m1', 's1'))`, col)
}

// rewriteTickets writes the tickets again in the ledger's order (sale, then
// id: the order of each sale's body here), their cinema_id and
// screening_id given by cinema and screening.
func rewriteTickets(cinema, screening string) string {
	return `WITH old AS (DELETE FROM tickets RETURNING *)
INSERT INTO tickets SELECT ` + cinema + `, id, ` + screening + `, film_id, price, category, seat, channel, sold_at, sale_date,
  box_office_day, sale_seq, refunded_at, refund_seq FROM old ORDER BY sale_seq, id`
}

// deepVerdict is what a failed deep verification says: the reason and the
// table (which row is named first may differ with the parts: a row moved
// to another cinema is "stored only" in one part and "rebuilt only" in
// another).
func deepVerdict(err error) string {
	var ve *ledger.VerifyError
	if !errors.As(err, &ve) {
		return "not a VerifyError: " + err.Error()
	}
	table, _, _ := strings.Cut(ve.Detail, ":")
	if ve.Reason == ledger.ReasonProjection {
		_, rest, _ := strings.Cut(ve.Detail, "table ")
		table, _, _ = strings.Cut(rest, ":")
	}
	return fmt.Sprintf("%v %s", ve.Reason, table)
}

// appendingCheck is a deep check with sales appended while it runs: after
// the entries of the verification's snapshot are first handed to it (the
// snapshot was taken before), and when its comparison starts (before the
// tickets are compared on a connection of their own).
type appendingCheck struct {
	ledger.DeepCheck
	append  func()
	entries int
}

func (a *appendingCheck) Entry(ctx context.Context, tx pgx.Tx, e ledger.Entry, p ledger.ParsedEntry) error {
	if a.entries++; a.entries == 1 {
		a.append()
	}
	return a.DeepCheck.Entry(ctx, tx, e, p)
}

func (a *appendingCheck) CompareBeside(ctx context.Context, tx pgx.Tx) (ledger.BesideFunc, error) {
	a.append()
	return a.DeepCheck.(ledger.DeepBesider).CompareBeside(ctx, tx)
}

func (a *appendingCheck) FlushBefore(ctx context.Context, tx pgx.Tx, kind string) error {
	return a.DeepCheck.(ledger.DeepFlusher).FlushBefore(ctx, tx, kind)
}

func (a *appendingCheck) SetRereader(r ledger.EntryRereader) {
	a.DeepCheck.(ledger.DeepRereader).SetRereader(r)
}

// TestDeepCheckWhileAppending: sales committed while verify --deep runs
// (tickets, screening totals and sales_daily rows the snapshot does not
// see, in both cinemas) are no mismatch, with the tickets in one part or
// two (c2's compared from its entries read again); and a tampered row is
// still found, though the appended sales change its screening and its
// sales_daily row after the snapshot.
func TestDeepCheckWhileAppending(t *testing.T) {
	w := newWorld(t)
	w.mustScreening(t, "s1", "h2", "f1", localAt(1, 19, 0))
	if r := w.putScreening(t, w.pos2, "m1", "h1", "f1", localAt(1, 18, 0)); r.Status != 201 {
		t.Fatalf("c2 screening: %d %s", r.Status, r.Body)
	}
	now := time.Now().Add(-time.Minute)
	n := 0
	sell := func(key, screening string) {
		n++
		if r := w.sell(t, key, screening, ticket(fmt.Sprintf("w%d", n), now, "100.00", "")); r.Status != 201 {
			t.Errorf("sale: %d %s", r.Status, r.Body)
		}
	}
	sell(w.pos, "s1")
	sell(w.pos2, "m1")
	verifier := w.publishedVerifier(t)
	owner := pgtest.OwnerPool(t, w.DBURL)
	// The migrations' unique index of active seats is recognised, so
	// verify --deep never searches the tickets for a seat sold twice.
	var seatIndexes int
	pgtest.Row(t, owner, ingest.SQLDeepSeatIndex).Scan(&seatIndexes)
	if seatIndexes != 1 {
		t.Fatalf("%d unique indexes of active seats recognised, want 1", seatIndexes)
	}
	for _, tc := range []struct{ tamper, undo, table, row string }{
		{"", "", "", ""},
		{"UPDATE tickets SET price = price + 0.01 WHERE id = 'w1'", "UPDATE tickets SET price = price - 0.01 WHERE id = 'w1'", "tickets", `"cinema_id":"c1".*"id":"w1"`},
		{"UPDATE tickets SET seat = 'A1' WHERE id = 'w2'", "UPDATE tickets SET seat = NULL WHERE id = 'w2'", "tickets", `"cinema_id":"c2".*"id":"w2"`},
		{"UPDATE sales_daily SET gross = gross + 0.01 WHERE cinema_id = 'c2'", "UPDATE sales_daily SET gross = gross - 0.01 WHERE cinema_id = 'c2'", "sales_daily", `"cinema_id":"c2"`},
		{"UPDATE screenings SET tickets_active = tickets_active - 1 WHERE id = 's1'", "UPDATE screenings SET tickets_active = tickets_active + 1 WHERE id = 's1'", "screenings", `"id":"s1"`},
	} {
		if tc.tamper != "" {
			if _, err := owner.Exec(w.ctx, tc.tamper); err != nil {
				t.Fatal(err)
			}
		}
		for _, parts := range []int{1, 2} {
			var before int64
			pgtest.Row(t, owner, `SELECT count(*) FROM ledger_entries`).Scan(&before)
			check := &appendingCheck{DeepCheck: ingest.NewDeepCheckWith(ingest.DeepOptions{Parts: parts}), append: func() {
				sell(w.pos, "s1")
				sell(w.pos2, "m1")
			}}
			rep, err := ledger.VerifyDB(w.ctx, owner, ledger.VerifyOptions{Verifier: verifier, Origin: "ecinema.test/ledger",
				Deep: []ledger.DeepCheck{check}})
			var after int64
			pgtest.Row(t, owner, `SELECT count(*) FROM ledger_entries`).Scan(&after)
			if after != before+4 {
				t.Fatalf("%d entries appended during the verification, want 4", after-before)
			}
			if tc.tamper == "" {
				if err != nil || rep.Entries != before {
					t.Fatalf("untouched, in %d parts: verified %d entries of %d: %v", parts, rep.Entries, before, err)
				}
				continue
			}
			var ve *ledger.VerifyError
			if !errors.As(err, &ve) || ve.Reason != ledger.ReasonProjection || !strings.HasPrefix(ve.Detail, "ingest: table "+tc.table+": ") ||
				!regexp.MustCompile(tc.row).MatchString(ve.Detail) {
				t.Fatalf("after %q, in %d parts: verify = %v, want a mismatch in %s naming a row matching %s", tc.tamper, parts, err, tc.table, tc.row)
			}
		}
		if tc.undo != "" {
			if _, err := owner.Exec(w.ctx, tc.undo); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// TestDeepCheckFindsTamperingUndone: the refund rules and the refund
// entry's copy of the ticket (price, sale date) and of its screening (film,
// box-office day) are read from the tables under the lock, and a sale's
// rule that a ticket id is new from the tickets table; so a row changed
// for one refund or sale and put back at once leaves every table equal to
// its replay, but an entry that contradicts the ones before it. verify
// --deep replays each refund against the ticket its sale entry made, and
// reports the refund or sale entry that contradicts the log as a mismatch
// of tickets at that entry (exit status 1, not 3), with the tickets in one
// part or two (c2's, where the cases are, rebuilt from its entries read
// again). The rules read from the screening row (seats and active tickets,
// the end a ticket is sold by, the start a refund comes before, the
// version before a replacement) are replayed in seq order: the entry that
// broke one is a mismatch of screenings at that entry, even when a refund
// since undid an oversale; and two screenings of a hall that meet are a
// mismatch at the later one's entry.
func TestDeepCheckFindsTamperingUndone(t *testing.T) {
	now := time.Now().Add(-time.Minute)
	refund := func(w *world, t *testing.T, id string, at time.Time) int64 {
		r := w.refund(t, w.pos2, "m1", "", tk{"id": id, "refunded_at": rfc(at)})
		if r.Status != 201 {
			t.Fatalf("refund: %d %s", r.Status, r.Body)
		}
		return decode[ingest.RefundResult](t, r).Entry.Seq
	}
	sell := func(w *world, t *testing.T, tks ...tk) int64 {
		r := w.sell(t, w.pos2, "m1", tks...)
		if r.Status != 201 {
			t.Fatalf("sale: %d %s", r.Status, r.Body)
		}
		return decode[ingest.SaleResult](t, r).Entry.Seq
	}
	putScreening := func(w *world, t *testing.T, id, film string, start time.Time, status int) int64 {
		r := w.putScreening(t, w.pos2, id, "h1", film, start)
		if r.Status != status {
			t.Fatalf("screening: %d %s", r.Status, r.Body)
		}
		return decode[ingest.ScreeningResult](t, r).Entry.Seq
	}
	sellSmall := func(w *world, t *testing.T) int64 {
		r := w.sell(t, w.pos, "small", ticket("y6", now, "500.00", ""))
		if r.Status != 201 {
			t.Fatalf("sale: %d %s", r.Status, r.Body)
		}
		return decode[ingest.SaleResult](t, r).Entry.Seq
	}
	for _, tc := range []struct {
		name, tamper, undo string
		entry              func(w *world, t *testing.T) int64 // appends the entry the tampering lets through
		table, detail      string                             // table "": tickets
	}{
		{"the price of a ticket refunded", "UPDATE tickets SET price = 0 WHERE id = 'a1' AND cinema_id = 'c2'", "UPDATE tickets SET price = 1800 WHERE id = 'a1' AND cinema_id = 'c2'",
			func(w *world, t *testing.T) int64 { return refund(w, t, "a1", now) },
			"", `refund entry \d+: ticket "a1" of cinema "c2": the entry states price 0.00, .*; its sale \(entry \d+\) price 1800.00, `},
		{"the sale date of a ticket refunded", "UPDATE tickets SET sale_date = sale_date - 40 WHERE id = 'a1' AND cinema_id = 'c2'", "UPDATE tickets SET sale_date = sale_date + 40 WHERE id = 'a1' AND cinema_id = 'c2'",
			func(w *world, t *testing.T) int64 { return refund(w, t, "a1", now) }, "", `refund entry \d+: ticket "a1" of cinema "c2": the entry states .*sale date `},
		{"the box-office day of a refunded ticket's screening", "UPDATE screenings SET box_office_day = box_office_day + 1 WHERE id = 'm1'", "UPDATE screenings SET box_office_day = box_office_day - 1 WHERE id = 'm1'",
			func(w *world, t *testing.T) int64 { return refund(w, t, "a2", now) }, "", `refund entry \d+: ticket "a2" of cinema "c2": the entry states .*box-office day `},
		{"the film of a refunded ticket's screening", "UPDATE screenings SET film_id = 'adult' WHERE id = 'm1'", "UPDATE screenings SET film_id = 'f1' WHERE id = 'm1'",
			func(w *world, t *testing.T) int64 { return refund(w, t, "a2", now) }, "", `refund entry \d+: ticket "a2" of cinema "c2": the entry states price 2500.00, .*film "adult", .*; its sale \(entry \d+\) price 2500.00, .*film "f1", `},
		{"the sale time of a ticket refunded before it", "UPDATE tickets SET sold_at = sold_at - interval '1 hour' WHERE id = 'a1' AND cinema_id = 'c2'", "UPDATE tickets SET sold_at = sold_at + interval '1 hour' WHERE id = 'a1' AND cinema_id = 'c2'",
			func(w *world, t *testing.T) int64 { return refund(w, t, "a1", now.Add(-30*time.Minute)) }, "", `refund entry \d+: ticket "a1" of cinema "c2": refunded at .*, before its sale \(entry \d+\) at `},
		{"a ticket that was never sold", "INSERT INTO tickets SELECT cinema_id, 'fake', screening_id, film_id, price, category, NULL, channel, sold_at, sale_date, box_office_day, sale_seq, NULL, NULL FROM tickets WHERE id = 'a2' AND cinema_id = 'c2'",
			"DELETE FROM tickets WHERE id = 'fake'",
			func(w *world, t *testing.T) int64 { return refund(w, t, "fake", now) }, "", `refund entry \d+: 1 of its 1 tickets \(the first "fake"\) were not sold in screening "m1" of cinema "c2" or were already refunded`},
		{"a ticket sold twice", "DELETE FROM tickets WHERE id = 'a2' AND cinema_id = 'c2'", "",
			func(w *world, t *testing.T) int64 { return sell(w, t, ticket("a2", now, "2500.00", "2")) },
			"", `sale entry \d+: ticket "a2" of cinema "c2" was sold before, by entry \d+`},
		// A sale entry copies its screening's film and box-office day, and
		// a screening with sales is never replaced, by the stored row.
		{"the film of a sold ticket's screening", "UPDATE screenings SET film_id = 'adult' WHERE id = 'm1'", "UPDATE screenings SET film_id = 'f1' WHERE id = 'm1'",
			func(w *world, t *testing.T) int64 { return sell(w, t, ticket("a3", now, "900.00", "3")) },
			"screenings", `sale entry \d+ sold screening "m1" of cinema "c2" as film "adult" on box-office day \S+, its screening entry \d+ as film "f1" on \S+`},
		{"the box-office day of a sold ticket's screening", "UPDATE screenings SET box_office_day = box_office_day + 1 WHERE id = 'm1'", "UPDATE screenings SET box_office_day = box_office_day - 1 WHERE id = 'm1'",
			func(w *world, t *testing.T) int64 { return sell(w, t, ticket("a3", now, "900.00", "3")) },
			"screenings", `sale entry \d+ sold screening "m1" of cinema "c2" as film "f1" on box-office day (\S+), its screening entry \d+ as film "f1" on (\S+)`},
		{"a screening replaced after its sales", "UPDATE screenings SET tickets_sold = 0, tickets_active = 0, gross = 0 WHERE id = 'm1'",
			"UPDATE screenings SET tickets_sold = 2, tickets_active = 2, gross = 4300 WHERE id = 'm1'",
			func(w *world, t *testing.T) int64 {
				r := w.putScreening(t, w.pos2, "m1", "h1", "f1", localAt(3, 18, 0))
				if r.Status != 200 {
					t.Fatalf("replace: %d %s", r.Status, r.Body)
				}
				var seq int64
				pgtest.Row(t, w.App.Pool, `SELECT entry_seq FROM screenings WHERE id = 'm1'`).Scan(&seq)
				return seq
			}, "screenings", `screening entry \d+ made screening "m1" of cinema "c2" film "f1" on box-office day \S+ after sale entry \d+ sold it as film "f1" on \S+`},
		// A seat sold again while its ticket was marked refunded; the
		// ticket put back once the unique index of active seats is gone.
		{"a seat sold twice", "UPDATE tickets SET refunded_at = sold_at, refund_seq = sale_seq WHERE id = 'a1' AND cinema_id = 'c2'",
			"DROP INDEX tickets_active_seat; UPDATE tickets SET refunded_at = NULL, refund_seq = NULL WHERE id = 'a1' AND cinema_id = 'c2'",
			func(w *world, t *testing.T) int64 { return sell(w, t, ticket("a3", now, "900.00", "1")) },
			"", `^ingest: table tickets: seat "1" of screening "m1" of cinema "c2" is held by 2 active tickets, sold by entries \d+ to \d+ \(the unique index tickets_active_seat is gone\)$`},
		// A sale is checked against the stored totals and seats: the hall
		// of c1's screening "small" holds 5, all sold. The replay knows the
		// active tickets at each entry, so an oversale refunded since is
		// found too.
		{"a screening sold beyond its seats", "UPDATE screenings SET tickets_active = tickets_active - 1 WHERE id = 'small'",
			"UPDATE screenings SET tickets_active = tickets_active + 1 WHERE id = 'small'",
			func(w *world, t *testing.T) int64 { return sellSmall(w, t) },
			"screenings", `^ingest: table screenings: sale entry \d+ sold 1 tickets of screening "small" of cinema "c1" with 5 active: more than its 5 seats \(screening entry \d+\)$`},
		{"a screening sold beyond its seats, the ticket refunded since", "UPDATE screenings SET tickets_active = tickets_active - 1 WHERE id = 'small'",
			"UPDATE screenings SET tickets_active = tickets_active + 1 WHERE id = 'small'",
			func(w *world, t *testing.T) int64 {
				seq := sellSmall(w, t)
				if r := w.refund(t, w.pos, "small", "", tk{"id": "y6", "refunded_at": rfc(now)}); r.Status != 201 {
					t.Fatalf("refund: %d %s", r.Status, r.Body)
				}
				return seq
			}, "screenings", `^ingest: table screenings: sale entry \d+ sold 1 tickets of screening "small" of cinema "c1" with 5 active: more than its 5 seats \(screening entry \d+\)$`},
		{"the seats of a screening", "UPDATE screenings SET seats = 6 WHERE id = 'small'", "UPDATE screenings SET seats = 5 WHERE id = 'small'",
			func(w *world, t *testing.T) int64 { return sellSmall(w, t) },
			"screenings", `^ingest: table screenings: sale entry \d+ sold 1 tickets of screening "small" of cinema "c1" with 5 active: more than its 5 seats \(screening entry \d+\)$`},
		// c2's screening "p1" started yesterday: a ticket is sold after
		// its end, or refunded after its start without reason
		// screening_cancelled, while its times are moved.
		{"the end of a screening sold after it", "UPDATE screenings SET ends_at = ends_at + interval '3 days' WHERE id = 'p1'",
			"UPDATE screenings SET ends_at = ends_at - interval '3 days' WHERE id = 'p1'",
			func(w *world, t *testing.T) int64 {
				r := w.sell(t, w.pos2, "p1", ticket("p2", now, "700.00", ""))
				if r.Status != 201 {
					t.Fatalf("sale: %d %s", r.Status, r.Body)
				}
				return decode[ingest.SaleResult](t, r).Entry.Seq
			}, "screenings", `^ingest: table screenings: sale entry \d+ sold a ticket of screening "p1" of cinema "c2" at \S+, after its end \S+ \(screening entry \d+\)$`},
		{"the start of a screening refunded after it", "UPDATE screenings SET starts_at = starts_at + interval '3 days', ends_at = ends_at + interval '3 days' WHERE id = 'p1'",
			"UPDATE screenings SET starts_at = starts_at - interval '3 days', ends_at = ends_at - interval '3 days' WHERE id = 'p1'",
			func(w *world, t *testing.T) int64 {
				r := w.refund(t, w.pos2, "p1", "", tk{"id": "p1", "refunded_at": rfc(now)})
				if r.Status != 201 {
					t.Fatalf("refund: %d %s", r.Status, r.Body)
				}
				return decode[ingest.RefundResult](t, r).Entry.Seq
			}, "screenings", `^ingest: table screenings: refund entry \d+ refunded ticket "p1" of screening "p1" of cinema "c2" at \S+, after its start \S+ \(screening entry \d+\), without reason "screening_cancelled"$`},
		// A screening's version is the stored row's plus one, and no two
		// screenings of a hall meet as the stored rows place them.
		{"the version of a screening replaced", "UPDATE screenings SET version = 7 WHERE id = 'e1'", "",
			func(w *world, t *testing.T) int64 {
				return putScreening(w, t, "e1", "f1", localAt(2, 12, 0), 200)
			}, "screenings", `^ingest: table screenings: screening entry \d+ made version 8 of screening "e1" of cinema "c2"; the version before: version 1 \(entry \d+\)$`},
		{"the times of a screening another is placed over", "UPDATE screenings SET starts_at = starts_at + interval '1 day', ends_at = ends_at + interval '1 day' WHERE id = 'm1'",
			"UPDATE screenings SET starts_at = starts_at - interval '1 day', ends_at = ends_at - interval '1 day' WHERE id = 'm1'",
			func(w *world, t *testing.T) int64 {
				return putScreening(w, t, "o1", "f1", localAt(1, 18, 30), 201)
			}, "screenings", `^ingest: table screenings: screening entry \d+ placed screening "o1" of cinema "c2" in hall "h1" from \S+ to \S+, over screening "m1" there from \S+ to \S+ \(screening entry \d+\)$`},
		// A screening entry is decided from the registry's film and hall
		// rows, as the registry's deep check rebuilds them entry by entry
		// (f1 runs 120 minutes, c2's hall h1 has 100 seats).
		{"the certificate of a screening's film", "UPDATE films SET certificate_valid_to = '2099-12-31' WHERE id = 'expired'",
			"UPDATE films SET certificate_valid_to = '2021-12-31' WHERE id = 'expired'",
			func(w *world, t *testing.T) int64 { return putScreening(w, t, "x1", "expired", localAt(3, 10, 0), 201) },
			"screenings", `^ingest: table screenings: screening entry \d+ registered screening "x1" of cinema "c2" of film "expired" on box-office day \S+, outside its certificate C-expired, then valid 2020-01-01 to 2021-12-31$`},
		{"the age rating of a screening's film", "UPDATE films SET age_rating = '18+' WHERE id = 'adult'", "UPDATE films SET age_rating = '21+' WHERE id = 'adult'",
			func(w *world, t *testing.T) int64 { return putScreening(w, t, "x1", "adult", localAt(3, 12, 0), 201) },
			"screenings", `^ingest: table screenings: screening entry \d+ registered screening "x1" of cinema "c2" of film "adult", rated 21\+, starting at 12:00 local time$`},
		{"the runtime of a screening's film", "UPDATE films SET runtime_min = 60 WHERE id = 'f1'", "UPDATE films SET runtime_min = 120 WHERE id = 'f1'",
			func(w *world, t *testing.T) int64 { return putScreening(w, t, "x1", "f1", localAt(1, 16, 30), 201) },
			"screenings", `^ingest: table screenings: screening entry \d+ registered screening "x1" of cinema "c2" of film "f1" running 60 minutes; the registry then held 120$`},
		{"the seats of a screening's hall", "UPDATE halls SET seats = 101 WHERE cinema_id = 'c2' AND id = 'h1'", "UPDATE halls SET seats = 100 WHERE cinema_id = 'c2' AND id = 'h1'",
			func(w *world, t *testing.T) int64 { return putScreening(w, t, "x1", "f1", localAt(3, 10, 0), 201) },
			"screenings", `^ingest: table screenings: screening entry \d+ registered screening "x1" of cinema "c2" in hall "h1" of 101 seats; the registry then held 100$`},
		{"a film the registry never held", "INSERT INTO films SELECT (jsonb_populate_record(NULL::films, to_jsonb(f) || '{\"id\": \"ghost\"}')).* FROM films f WHERE id = 'f1'",
			"DELETE FROM films WHERE id = 'ghost'",
			func(w *world, t *testing.T) int64 { return putScreening(w, t, "x1", "ghost", localAt(3, 10, 0), 201) },
			"screenings", `^ingest: table screenings: screening entry \d+ registered screening "x1" of cinema "c2" with film "ghost", which the registry did not hold then$`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t)
			w.mustScreening(t, "s1", "h2", "f1", localAt(1, 19, 0))
			w.mustScreening(t, "small", "h1", "f1", localAt(1, 12, 0))
			if r := w.putScreening(t, w.pos2, "m1", "h1", "f1", localAt(1, 18, 0)); r.Status != 201 {
				t.Fatalf("c2 screening: %d %s", r.Status, r.Body)
			}
			for _, p := range []struct {
				id    string
				start time.Time
			}{{"p1", localAt(-1, 10, 0)}, {"e1", localAt(2, 10, 0)}} {
				if r := w.putScreening(t, w.pos2, p.id, "h1", "f1", p.start); r.Status != 201 {
					t.Fatalf("c2 screening: %d %s", r.Status, r.Body)
				}
			}
			for _, s := range []struct {
				key, screening string
				tickets        []tk
			}{
				{w.pos, "s1", []tk{ticket("x1", now, "1000.00", ""), ticket("x2", now, "1000.00", ""), ticket("x3", now, "1000.00", "")}},
				{w.pos, "small", []tk{ticket("y1", now, "500.00", ""), ticket("y2", now, "500.00", ""), ticket("y3", now, "500.00", ""),
					ticket("y4", now, "500.00", ""), ticket("y5", now, "500.00", "")}},
				{w.pos2, "m1", []tk{ticket("a1", now, "1800.00", "1"), ticket("a2", now, "2500.00", "2")}},
				{w.pos2, "p1", []tk{ticket("p1", localAt(-1, 9, 0), "700.00", "")}},
			} {
				if r := w.sell(t, s.key, s.screening, s.tickets...); r.Status != 201 {
					t.Fatalf("sale: %d %s", r.Status, r.Body)
				}
			}
			owner := pgtest.OwnerPool(t, w.DBURL)
			if _, err := owner.Exec(w.ctx, tc.tamper); err != nil {
				t.Fatal(err)
			}
			seq := tc.entry(w, t)
			if tc.undo != "" {
				if _, err := owner.Exec(w.ctx, tc.undo); err != nil {
					t.Fatal(err)
				}
			}
			verifier, err := ledger.NewVerifier(w.Verifier)
			if err != nil {
				t.Fatal(err)
			}
			for _, parts := range []int{1, 2} {
				_, err := ledger.VerifyDB(w.ctx, owner, ledger.VerifyOptions{Verifier: verifier, Origin: "ecinema.test/ledger",
					Deep: []ledger.DeepCheck{registry.NewDeepCheck(), ingest.NewDeepCheckWith(ingest.DeepOptions{Parts: parts})}})
				var ve *ledger.VerifyError
				table := cmp.Or(tc.table, "tickets")
				if !errors.As(err, &ve) || ve.Reason != ledger.ReasonProjection || ve.Seq != seq ||
					!strings.HasPrefix(ve.Detail, "ingest: table "+table+": ") || !regexp.MustCompile(tc.detail).MatchString(ve.Detail) {
					t.Fatalf("in %d parts: verify = %v, want a mismatch of %s at entry %d matching %s", parts, err, table, seq, tc.detail)
				}
			}
		})
	}
}

// publishedVerifier publishes a checkpoint of everything written and
// returns the verifier of its key.
func (w *world) publishedVerifier(t *testing.T) note.Verifier {
	t.Helper()
	if _, err := w.App.Publisher.Publish(w.ctx); err != nil {
		t.Fatal(err)
	}
	v, err := ledger.NewVerifier(w.Verifier)
	if err != nil {
		t.Fatal(err)
	}
	return v
}
