package ticketing

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/jackc/pgx/v5"

	"ecinema/ledger"
)

// deepTables are the projections deepCheck rebuilds from the ticketing_*
// entries, with the columns compared. The sealed private keys and the
// idempotency rows are not facts of the log and are not rebuilt.
var deepTables = []ledger.ShadowTable{
	{Name: "ticketing_versions", Columns: "kind, id, version, entry_seq, body, recorded_at", SeqColumn: "entry_seq"},
	{Name: "ticketing_venues", Columns: "id, version, kind, name, operator_bin, region, city, vat_payer, entry_seq", SeqColumn: "entry_seq"},
	{Name: "ticketing_zones", Columns: "venue_id, id, name, capacity"},
	{Name: "ticketing_keys", Columns: "kid, venue_id, public_key, valid_from, valid_to, entry_seq", SeqColumn: "entry_seq"},
	{Name: "ticketing_events", Columns: "id, version, venue_id, kind, title, age_rating, national, entry_seq", SeqColumn: "entry_seq"},
	{Name: "ticketing_sessions", Columns: "id, event_id, venue_id, zone_id, starts_at, ends_at, box_office_day, capacity, version, entry_seq, tickets_sold, tickets_active, gross", SeqColumn: "entry_seq"},
	{Name: "ticketing_tariffs", Columns: "session_id, code, name, price, admissions"},
	{Name: "ticketing_tickets", Columns: "id, venue_id, session_id, event_id, tariff, price, seat, admissions, sold_at, sale_date, box_office_day, sale_seq, kid, code, refunded_at, refund_seq, admitted, last_admitted_at, last_gate", SeqColumn: "sale_seq"},
	{Name: "ticketing_scans", Columns: "venue_id, device, nonce, ticket_id, gate, scanned_at, result, entry_seq", SeqColumn: "entry_seq"},
}

// deepCheck rebuilds the ticketing projections from the entries for
// `ecinema verify --deep`, through the same apply functions the live
// writes use (on temporary tables that shadow the stored ones), and
// compares them with the stored tables. Before it replays an entry it
// re-decides the entry's rules and re-derives the facts it copied from
// the tables against the register the entries before it made (deepState),
// so an entry written while a row was changed and put back is reported.
type deepCheck struct{ st *deepState }

// NewDeepCheck returns the ticketing projection check.
func NewDeepCheck() ledger.DeepCheck { return &deepCheck{} }

// Name names the check.
func (*deepCheck) Name() string { return "ticketing" }

// Begin creates the empty shadow tables.
func (d *deepCheck) Begin(ctx context.Context, tx pgx.Tx) error {
	d.st = newDeepState()
	if err := ledger.CreateShadows(ctx, tx, deepTables); err != nil {
		return fmt.Errorf("ticketing: deep check: %w", err)
	}
	return nil
}

// Entry replays one ticketing_* entry; other kinds are skipped.
// A rule the entry breaks, or a fact it copied that the entries before it
// contradict, is a *ledger.ProjectionMismatch at the entry.
func (d *deepCheck) Entry(ctx context.Context, tx pgx.Tx, e ledger.Entry, p ledger.ParsedEntry) error {
	var err error
	switch p.Kind {
	case KindVenue:
		var b venueBody
		if err = json.Unmarshal(p.Body, &b); err == nil {
			if err = d.st.venue(e, b); err != nil {
				return err
			}
			_, err = applyVenue(ctx, tx, e, b)
		}
	case KindKey:
		var b keyBody
		if err = json.Unmarshal(p.Body, &b); err == nil {
			if err = d.st.key(e, "key", b); err != nil {
				return err
			}
			err = applyKey(ctx, tx, e, b)
		}
	case KindEvent:
		var b Event
		if err = json.Unmarshal(p.Body, &b); err == nil {
			if err = d.st.event(e, b); err != nil {
				return err
			}
			_, err = applyEvent(ctx, tx, e, b)
		}
	case KindSession:
		var b sessionBody
		if err = json.Unmarshal(p.Body, &b); err == nil {
			if err = d.st.session(e, b); err != nil {
				return err
			}
			_, err = applySession(ctx, tx, e, b)
		}
	case KindSale:
		var b saleBody
		if err = json.Unmarshal(p.Body, &b); err == nil {
			if err = d.st.sale(e, b); err != nil {
				return err
			}
			err = applySale(ctx, tx, e, b)
		}
	case KindRefund:
		var b refundBody
		if err = json.Unmarshal(p.Body, &b); err == nil {
			if err = d.st.refund(e, b); err != nil {
				return err
			}
			err = applyRefund(ctx, tx, e, b)
		}
	case KindCheckin, KindGateBatch:
		var b checkinBody
		if err = json.Unmarshal(p.Body, &b); err == nil {
			if err = d.st.checkins(e, p.Kind == KindCheckin, b); err != nil {
				return err
			}
			err = applyCheckins(ctx, tx, e, b)
		}
	}
	if err != nil {
		return fmt.Errorf("ticketing: deep check: entry %d (%s): %w", e.Seq, p.Kind, err)
	}
	return nil
}

// Compare compares the rebuilt tables with the stored ones.
func (*deepCheck) Compare(ctx context.Context, tx pgx.Tx) error {
	return ledger.CompareShadows(ctx, tx, deepTables)
}
