package api_test

import (
	"fmt"
	"testing"
	"time"

	"ecinema/culture/ticketing"
	"ecinema/internal/pgtest"
)

// TestTicketingDeepCheckFindsTamperingUndone: a sale copies its session's
// venue, event, box-office day and end (in its codes), its tariffs' prices
// and admissions and the venue's current key from the tables under the
// head lock, and decides the capacity, the ticket ids and the seats from
// them; a refund decides from the tickets' sale times and refunds and the
// session's start; a session version is refused after a sale read from
// tickets_sold; a gate scan's result is decided from the ticket's
// admissions and refund. A row changed for one such write and put back at
// once leaves every table equal to its rebuild, but an entry that
// contradicts the entries before it: verify --deep reports that entry as
// a mismatch (exit status 1), naming the table the rule read.
func TestTicketingDeepCheckFindsTamperingUndone(t *testing.T) {
	type fixture struct {
		w     *ticketWorld
		codes map[string]string
	}
	refund := func(f *fixture, t *testing.T, session, id string, at time.Time, reason string) {
		f.w.must("POST", "/v1/tickets/refunds", f.w.venueKey, map[string]any{"session_id": session, "reason": reason,
			"tickets": []map[string]string{{"id": id, "refunded_at": at.Format(time.RFC3339)}}}, 201, "Idempotency-Key", fmt.Sprintf("refund-%s-%d", id, at.UnixNano()))
	}
	now := time.Now().Truncate(time.Second)
	for _, tc := range []struct {
		name          string
		setup         func(f *fixture, t *testing.T) // more writes before the tampering
		tamper, undo  string                         // run as the owner; %s in undo: the saved value
		saved         string                         // a query of one text value the undo needs, before the tampering
		write         func(f *fixture, t *testing.T) // the live write the tampering lets through
		table, detail string
	}{
		{name: "the price of a tariff",
			tamper: `UPDATE ticketing_tariffs SET price = 1 WHERE session_id = 's1' AND code = 'adult'`,
			undo:   `UPDATE ticketing_tariffs SET price = 3000 WHERE session_id = 's1' AND code = 'adult'`,
			write:  func(f *fixture, t *testing.T) { f.w.sell(t, "s1", 201, "", tk("x1", "adult", "1.00", "")) },
			table:  "ticketing_tariffs", detail: `^sale entry \d+: ticket "x1" at price 1.00 for 1 admissions; tariff "adult" of session "s1" is 3000.00 for 1 \(session entry \d+\)$`},
		{name: "the admissions of a tariff",
			tamper: `UPDATE ticketing_tariffs SET admissions = 5 WHERE session_id = 's1' AND code = 'adult'`,
			undo:   `UPDATE ticketing_tariffs SET admissions = 1 WHERE session_id = 's1' AND code = 'adult'`,
			write:  func(f *fixture, t *testing.T) { f.w.sell(t, "s1", 201, "", tk("x1", "adult", "3000.00", "")) },
			table:  "ticketing_tariffs", detail: `^sale entry \d+: ticket "x1" at price 3000.00 for 5 admissions; tariff "adult" of session "s1" is 3000.00 for 1 `},
		{name: "the capacity of a session",
			setup: func(f *fixture, t *testing.T) {
				f.w.sell(t, "s2", 201, "", tk("b1", "adult", "3000.00", ""), tk("b2", "adult", "3000.00", ""), tk("b3", "adult", "3000.00", ""))
			},
			tamper: `UPDATE ticketing_sessions SET capacity = 4 WHERE id = 's2'`,
			undo:   `ALTER TABLE ticketing_sessions DROP CONSTRAINT ticketing_sessions_check; UPDATE ticketing_sessions SET capacity = 3 WHERE id = 's2'`,
			write:  func(f *fixture, t *testing.T) { f.w.sell(t, "s2", 201, "", tk("b4", "adult", "3000.00", "")) },
			table:  "ticketing_sessions", detail: `^sale entry \d+: session "s2" had 3 tickets active; 1 more exceed its capacity of 3 \(session entry \d+\)$`},
		{name: "the event of a session",
			setup: func(f *fixture, t *testing.T) {
				f.w.must("PUT", "/v1/events/abai-two", f.w.venueKey, map[string]any{"venue_id": "abai", "kind": "concert",
					"title": map[string]string{"ru": "Концерт"}, "age_rating": "0+", "national": false}, 200)
			},
			tamper: `UPDATE ticketing_sessions SET event_id = 'abai-two' WHERE id = 's1'`,
			undo:   `UPDATE ticketing_sessions SET event_id = 'abai-kyz' WHERE id = 's1'`,
			write:  func(f *fixture, t *testing.T) { f.w.sell(t, "s1", 201, "", tk("x1", "adult", "3000.00", "")) },
			table:  "ticketing_sessions", detail: `^sale entry \d+ sold session "s1" as venue "abai", event "abai-two", box-office day (\S+); its session entry \d+ made venue "abai", event "abai-kyz", day (\S+)$`},
		{name: "the box-office day of a session",
			tamper: `UPDATE ticketing_sessions SET box_office_day = box_office_day + 1 WHERE id = 's1'`,
			undo:   `UPDATE ticketing_sessions SET box_office_day = box_office_day - 1 WHERE id = 's1'`,
			write:  func(f *fixture, t *testing.T) { f.w.sell(t, "s1", 201, "", tk("x1", "adult", "3000.00", "")) },
			table:  "ticketing_sessions", detail: `^sale entry \d+ sold session "s1" as venue "abai", event "abai-kyz", box-office day \S+; its session entry \d+ made `},
		{name: "the end of a session, signed into a code",
			tamper: `UPDATE ticketing_sessions SET ends_at = ends_at + interval '1 day' WHERE id = 's1'`,
			undo:   `UPDATE ticketing_sessions SET ends_at = ends_at - interval '1 day' WHERE id = 's1'`,
			write:  func(f *fixture, t *testing.T) { f.w.sell(t, "s1", 201, "", tk("x1", "adult", "3000.00", "")) },
			table:  "ticketing_tickets", detail: `^sale entry \d+: the code of ticket "x1" is not signed with key [0-9a-f]{16} for the ticket and session the entries make$`},
		{name: "the current key of a venue",
			saved: `SELECT valid_to::text FROM ticketing_keys WHERE venue_id = 'abai' AND valid_to IS NOT NULL`,
			tamper: `UPDATE ticketing_keys SET valid_to = now() WHERE venue_id = 'abai' AND valid_to IS NULL AND entry_seq = (SELECT max(entry_seq) FROM ticketing_keys WHERE venue_id = 'abai');
UPDATE ticketing_keys SET valid_to = NULL WHERE venue_id = 'abai' AND entry_seq = (SELECT min(entry_seq) FROM ticketing_keys WHERE venue_id = 'abai')`,
			undo: `UPDATE ticketing_keys SET valid_to = '%s' WHERE venue_id = 'abai' AND entry_seq = (SELECT min(entry_seq) FROM ticketing_keys WHERE venue_id = 'abai');
UPDATE ticketing_keys SET valid_to = NULL WHERE venue_id = 'abai' AND entry_seq = (SELECT max(entry_seq) FROM ticketing_keys WHERE venue_id = 'abai')`,
			write: func(f *fixture, t *testing.T) { f.w.sell(t, "s1", 201, "", tk("x1", "adult", "3000.00", "")) },
			table: "ticketing_keys", detail: `^sale entry \d+: signed with key "([0-9a-f]{16})", venue "abai"'s current key is "([0-9a-f]{16})"$`},
		{name: "a ticket sold twice", tamper: `DELETE FROM ticketing_tickets WHERE id = 't1'`,
			write: func(f *fixture, t *testing.T) { f.w.sell(t, "s1", 201, "", tk("t1", "adult", "3000.00", "Z9")) },
			table: "ticketing_tickets", detail: `^sale entry \d+: ticket "t1" was sold before, by entry \d+$`},
		{name: "a seat sold twice",
			tamper: `UPDATE ticketing_tickets SET refunded_at = sold_at, refund_seq = sale_seq WHERE id = 't1'`,
			undo:   `DROP INDEX ticketing_tickets_active_seat; UPDATE ticketing_tickets SET refunded_at = NULL, refund_seq = NULL WHERE id = 't1'`,
			write:  func(f *fixture, t *testing.T) { f.w.sell(t, "s1", 201, "", tk("x1", "adult", "3000.00", "A1")) },
			table:  "ticketing_tickets", detail: `^sale entry \d+: seat "A1" of session "s1" is held by ticket "t1" \(entry \d+\), not refunded$`},
		{name: "the sale time of a ticket refunded before it",
			tamper: `UPDATE ticketing_tickets SET sold_at = sold_at - interval '1 hour' WHERE id = 't3'`,
			undo:   `UPDATE ticketing_tickets SET sold_at = sold_at + interval '1 hour' WHERE id = 't3'`,
			write:  func(f *fixture, t *testing.T) { refund(f, t, "s1", "t3", now.Add(-30*time.Minute), "customer_request") },
			table:  "ticketing_tickets", detail: `^refund entry \d+: ticket "t3" refunded at \S+, before its sale \(entry \d+\) at \S+$`},
		{name: "a ticket refunded twice",
			setup:  func(f *fixture, t *testing.T) { refund(f, t, "s1", "t3", time.Now(), "customer_request") },
			saved:  `SELECT refunded_at::text || '|' || refund_seq FROM ticketing_tickets WHERE id = 't3'`,
			tamper: `UPDATE ticketing_tickets SET refunded_at = NULL, refund_seq = NULL WHERE id = 't3'`,
			undo: `UPDATE ticketing_tickets SET refunded_at = split_part('%[1]s', '|', 1)::timestamptz, refund_seq = split_part('%[1]s', '|', 2)::bigint WHERE id = 't3';
UPDATE ticketing_sessions SET tickets_active = tickets_active + 1, gross = gross + 3000 WHERE id = 's1'`,
			write: func(f *fixture, t *testing.T) {
				refund(f, t, "s1", "t3", time.Now().Add(time.Second), "customer_request")
			},
			table: "ticketing_tickets", detail: `^refund entry \d+: ticket "t3" was refunded before, by entry \d+$`},
		{name: "the start of a refunded ticket's session",
			setup: func(f *fixture, t *testing.T) {
				f.w.must("PUT", "/v1/events/abai-kyz/sessions/on", f.w.venueKey, sessionDoc(now.Add(-time.Hour), "stalls", 10), 200)
				f.w.sell(t, "on", 201, "", tk("n1", "adult", "3000.00", ""))
			},
			saved:  `SELECT starts_at::text FROM ticketing_sessions WHERE id = 'on'`,
			tamper: `UPDATE ticketing_sessions SET starts_at = now() + interval '30 minutes' WHERE id = 'on'`,
			undo:   `UPDATE ticketing_sessions SET starts_at = '%s' WHERE id = 'on'`,
			write:  func(f *fixture, t *testing.T) { refund(f, t, "on", "n1", time.Now(), "customer_request") },
			table:  "ticketing_sessions", detail: `^refund entry \d+: ticket "n1" refunded at \S+, after session "on" started at \S+, with reason "customer_request"$`},
		{name: "a session changed after its sales",
			tamper: `UPDATE ticketing_sessions SET tickets_sold = 0 WHERE id = 's1'`,
			undo:   `UPDATE ticketing_sessions SET tickets_sold = 3 WHERE id = 's1'`,
			write: func(f *fixture, t *testing.T) {
				f.w.must("PUT", "/v1/events/abai-kyz/sessions/s1", f.w.venueKey, sessionDoc(f.w.start, "stalls", 299), 200)
			},
			table: "ticketing_sessions", detail: `^session entry \d+: session "s1" is changed after sale entry \d+ sold it$`},
		{name: "a ticket admitted twice", tamper: `UPDATE ticketing_tickets SET admitted = 0 WHERE id = 't1'`,
			write: func(f *fixture, t *testing.T) {
				if st, res, body := f.w.checkin(f.codes["t1"], "g2", "d", "n2", time.Now()); st != 200 || res != "admitted" {
					t.Fatalf("check-in: %d %s", st, body)
				}
			},
			table: "ticketing_tickets", detail: `^entry \d+: the scan with nonce "n2" of device "d" is recorded admitted; ticket "t1" was then duplicate_offline \(sold by entry \d+, admitted 1 of 1 times\)$`},
		{name: "a ticket revoked at the gate",
			tamper: `UPDATE ticketing_tickets SET refunded_at = sold_at, refund_seq = sale_seq WHERE id = 't2'`,
			undo:   `UPDATE ticketing_tickets SET refunded_at = NULL, refund_seq = NULL WHERE id = 't2'`,
			write: func(f *fixture, t *testing.T) {
				if res := f.w.batch(t, "gate-1", scan(f.codes["t2"], "g", "b1", time.Now())); res[0].Result != "revoked" {
					t.Fatalf("batch: %+v", res)
				}
			},
			table: "ticketing_tickets", detail: `^entry \d+: the scan with nonce "b1" of device "gate-1" is recorded revoked; ticket "t2" was then admitted \(sold by entry \d+, admitted 0 of 3 times\)$`},
		{name: "a scan recorded twice", tamper: `DELETE FROM ticketing_scans WHERE nonce = 'n1'`,
			write: func(f *fixture, t *testing.T) {
				if st, res, body := f.w.checkin(f.codes["t2"], "g", "d", "n1", time.Now()); st != 200 || res != "admitted" {
					t.Fatalf("check-in: %d %s", st, body)
				}
			},
			table: "ticketing_scans", detail: `^entry \d+: nonce "n1" of device "d" was recorded before, by entry \d+$`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := &fixture{w: newTicketWorld(t), codes: map[string]string{}}
			for _, s := range f.w.sell(t, "s1", 201, "", tk("t1", "adult", "3000.00", "A1"), tk("t2", "pass", "9000.00", "A2")) {
				f.codes[s.ID] = s.Code
			}
			f.w.must("POST", "/v1/venues/abai/keys/rotate", f.w.env.AdminKey, nil, 201)
			for _, s := range f.w.sell(t, "s1", 201, "", tk("t3", "adult", "3000.00", "")) {
				f.codes[s.ID] = s.Code
			}
			if st, res, body := f.w.checkin(f.codes["t1"], "g", "d", "n1", time.Now()); st != 200 || res != "admitted" {
				t.Fatalf("check-in: %d %s", st, body)
			}
			if tc.setup != nil {
				tc.setup(f, t)
			}
			owner := pgtest.OwnerPool(t, f.w.env.DBURL)
			undo := tc.undo
			if tc.saved != "" {
				var v string
				pgtest.Row(t, owner, tc.saved).Scan(&v)
				undo = fmt.Sprintf(undo, v)
			}
			tamperUndone(t, f.w.env, ticketing.NewDeepCheck(), tc.tamper, func() { tc.write(f, t) }, undo, tc.table, tc.detail)
		})
	}
}

// TestTicketingDeepCheckPasses: the fixture of the tampering test, with a
// key rotation, a refund, a session version before any sale and gate scans
// of every result, verifies --deep unchanged.
func TestTicketingDeepCheckPasses(t *testing.T) {
	w := newTicketWorld(t)
	w.must("PUT", "/v1/events/abai-kyz/sessions/s2", w.venueKey, sessionDoc(w.start.Add(24*time.Hour), "balcony", 2), 200)
	sold := w.sell(t, "s1", 201, "", tk("t1", "adult", "3000.00", "A1"), tk("t2", "pass", "9000.00", "A2"))
	w.must("POST", "/v1/venues/abai/keys/rotate", w.env.AdminKey, nil, 201)
	sold = append(sold, w.sell(t, "s1", 201, "", tk("t3", "adult", "3000.00", "A1b"))...)
	w.must("POST", "/v1/tickets/refunds", w.venueKey, map[string]any{"session_id": "s1",
		"tickets": []map[string]string{{"id": "t3", "refunded_at": time.Now().Format(time.RFC3339)}}}, 201, "Idempotency-Key", "r1")
	w.sell(t, "s1", 201, "", tk("t4", "adult", "3000.00", "A1b"))
	if st, res, body := w.checkin(sold[0].Code, "g", "d", "n1", time.Now()); st != 200 || res != "admitted" {
		t.Fatalf("check-in: %d %s", st, body)
	}
	at := time.Now()
	res := w.batch(t, "gate-1", scan(sold[0].Code, "g", "b1", at), scan(sold[1].Code, "g", "b2", at), scan(sold[2].Code, "g", "b3", at),
		scan(sold[1].Code, "g", "b4", at))
	if res[0].Result != "duplicate_offline" || res[1].Result != "admitted" || res[2].Result != "revoked" || res[3].Result != "admitted" {
		t.Fatalf("batch = %+v", res)
	}
	w.deepVerify(t, "", "")
}
