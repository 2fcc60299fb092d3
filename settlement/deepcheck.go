package settlement

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"ecinema/ledger"
	"ecinema/registry"
)

// deepTables are the settlement projections deepCheck rebuilds from the
// entries, with the columns compared. The frozen tables (full) are rebuilt
// only when the sales rollup is rebuilt too (see deepCheck).
var deepTables = []struct {
	name, columns, seq string
	full               bool
}{
	{"fiscal_totals", "bin, sale_date, amount, receipts, entry_seq, superseded_seq", "entry_seq", false},
	{"settlement_periods", "period, entry_seq, ledger_size, closed_at, lines, body", "entry_seq", false},
	{"settlement_party_totals", "period, party_id, totals_hash", "", false},
	{"settlement_lines", "period, line_no, adjustment, film_id, film_title, cinema_id, cinema_name, exhibitor_id, producer_id, " +
		"distributor_id, week, first_day, last_day, vat_payer, royalty_pct, distributor_pct, distribution_fee_pct, admissions, " +
		"gross, vat, net, royalty, exhibitor_share, distribution_fee, producer_gross, recoupment, producer_share, vat_parts", "", true},
	{"settlement_royalty_lines", "period, line_no, party_id, role, share_pct, amount", "", true},
	{"settlement_settled", "cinema_id, film_id, box_office_day, sale_date, period, gross, admissions", "", true},
}

const (
	sqlDeepInsertPeriod = `INSERT INTO settlement_periods (period, entry_seq, ledger_size, closed_at, lines, body) VALUES ($1, $2, $3, $4, $5, $6)`
	sqlDeepInsertTotals = `INSERT INTO settlement_party_totals (period, party_id, party_name, totals, totals_json, totals_hash)
VALUES ($1, $2, '', '{}', '', $3)`
	sqlDeepStoredTotals = `SELECT t.period, t.party_id, t.totals_json, t.totals_hash, p.kind, p.name, p.bin
FROM settlement_party_totals t LEFT JOIN parties p ON p.id = t.party_id ORDER BY t.period, t.party_id`
	sqlDeepPeriodSums = `SELECT p.period, p.lines, p.body->>'gross', count(l.line_no), coalesce(sum(l.gross), 0)
FROM settlement_periods p LEFT JOIN settlement_lines l ON l.period = p.period
GROUP BY p.period, p.lines, p.body ORDER BY p.period`
)

// deepCheck rebuilds fiscal_totals and the period-close records from the
// ledger for `ecinema verify --deep`, then checks that the frozen lines of
// every closed period still reproduce the totals hashed into its
// period_close entry (so a changed frozen line is found).
//
// When the ingest check runs too (it rebuilds sales_daily into a temporary
// table as of each entry; the order of the checks does not matter) it works
// in full mode: at every
// period_close entry it recomputes the whole close from the rebuilt rollup
// (and the rebuilt registry, when the registry check runs too), compares
// it with the entry's body and rebuilds the frozen lines, royalty lines
// and settled rows, which are then compared with the stored ones.
type deepCheck struct{ mode *int }

const (
	modeUndecided = iota
	modeLight
	modeFull
)

// NewDeepCheck returns the settlement projection check. With the ingest
// check in the same run it rebuilds the frozen periods in full.
func NewDeepCheck() ledger.DeepCheck { return deepCheck{mode: new(int)} }

// Name names the check.
func (deepCheck) Name() string { return "settlement" }

// Begin creates empty temporary copies that shadow the stored tables.
func (d deepCheck) Begin(ctx context.Context, tx pgx.Tx) error {
	*d.mode = modeUndecided
	return d.createTables(ctx, tx, false)
}

// createTables creates the temporary tables of the light or the full part.
func (d deepCheck) createTables(ctx context.Context, tx pgx.Tx, full bool) error {
	for _, t := range deepTables {
		if t.full != full {
			continue
		}
		q := fmt.Sprintf("CREATE TEMP TABLE %s (LIKE public.%s INCLUDING DEFAULTS INCLUDING INDEXES) ON COMMIT DROP", t.name, t.name)
		if _, err := tx.Exec(ctx, q); err != nil {
			return fmt.Errorf("settlement: deep check: %w", err)
		}
	}
	return nil
}

// Entry replays fiscal_totals and period_close entries.
func (d deepCheck) Entry(ctx context.Context, tx pgx.Tx, e ledger.Entry, p ledger.ParsedEntry) error {
	switch p.Kind {
	case "fiscal_totals":
		var b fiscalBody
		if err := json.Unmarshal(p.Body, &b); err != nil {
			return fmt.Errorf("settlement: entry %d: %w", e.Seq, err)
		}
		for _, r := range b.Records {
			amt, err := decimal.NewFromString(r.Amount)
			if err != nil || r.Receipts == nil {
				return fmt.Errorf("settlement: entry %d: bad fiscal record %+v", e.Seq, r)
			}
			var superseded bool
			if err := tx.QueryRow(ctx, sqlUpsertFiscal, r.BIN, r.Date, amt, *r.Receipts, e.Seq).Scan(&superseded); err != nil {
				return fmt.Errorf("settlement: entry %d: %w", e.Seq, err)
			}
		}
	case "period_close":
		var b CloseBody
		if err := json.Unmarshal(p.Body, &b); err != nil {
			return fmt.Errorf("settlement: entry %d: %w", e.Seq, err)
		}
		m, err := ParsePeriod(b.Period)
		if err != nil {
			return fmt.Errorf("settlement: entry %d: %w", e.Seq, err)
		}
		if *d.mode == modeUndecided {
			// Every check's Begin has run by now: is the rollup rebuilt too?
			var full bool
			if err := tx.QueryRow(ctx, `SELECT to_regclass('pg_temp.sales_daily') IS NOT NULL`).Scan(&full); err != nil {
				return fmt.Errorf("settlement: deep check: %w", err)
			}
			*d.mode = modeLight
			if full {
				*d.mode = modeFull
				if err := d.createTables(ctx, tx, true); err != nil {
					return err
				}
			}
		}
		if *d.mode == modeFull {
			return replayClose(ctx, tx, e, m, b)
		}
		at, err := time.Parse(time.RFC3339Nano, p.At)
		if err != nil {
			return fmt.Errorf("settlement: entry %d: at: %w", e.Seq, err)
		}
		if _, err := tx.Exec(ctx, sqlDeepInsertPeriod, m, e.Seq, b.LedgerSize, at, b.Lines, string(p.Body)); err != nil {
			return fmt.Errorf("settlement: entry %d: %w", e.Seq, err)
		}
		for _, pt := range b.Parties {
			if _, err := tx.Exec(ctx, sqlDeepInsertTotals, m, pt.PartyID, pt.TotalsHash); err != nil {
				return fmt.Errorf("settlement: entry %d: %w", e.Seq, err)
			}
		}
	}
	return nil
}

// Compare compares the rebuilt tables with the stored ones, drops the
// temporary tables, and re-derives every stored party total from the
// frozen lines.
func (d deepCheck) Compare(ctx context.Context, tx pgx.Tx) error {
	for _, t := range deepTables {
		if t.full && *d.mode != modeFull {
			continue
		}
		columns := t.columns
		if t.name == "settlement_party_totals" && *d.mode == modeFull {
			columns = "period, party_id, party_name, totals, totals_json, totals_hash"
		}
		err := ledger.CompareQueries(ctx, tx, t.name,
			fmt.Sprintf("SELECT %s FROM pg_temp.%s", columns, t.name),
			fmt.Sprintf("SELECT %s FROM public.%s", columns, t.name), t.seq)
		if err != nil {
			return err
		}
	}
	for _, t := range deepTables {
		if t.full && *d.mode != modeFull {
			continue
		}
		if _, err := tx.Exec(ctx, "DROP TABLE pg_temp."+t.name); err != nil {
			return fmt.Errorf("settlement: deep check: %w", err)
		}
	}
	return checkFrozen(ctx, tx)
}

// checkFrozen checks that each closed period's frozen lines add up to the
// line count and gross of its entry and reproduce every party's totals hash.
func checkFrozen(ctx context.Context, tx pgx.Tx) error {
	rows, err := tx.Query(ctx, sqlDeepPeriodSums)
	if err != nil {
		return fmt.Errorf("settlement: deep check: %w", err)
	}
	type sums struct {
		period       time.Time
		lines, count int
		gross        string
		sum          decimal.Decimal
	}
	var ps []sums
	for rows.Next() {
		var s sums
		if err := rows.Scan(&s.period, &s.lines, &s.gross, &s.count, &s.sum); err != nil {
			rows.Close()
			return err
		}
		ps = append(ps, s)
	}
	rows.Close()
	for _, s := range ps {
		if s.lines != s.count || s.gross != money(s.sum) {
			return &ledger.ProjectionMismatch{Table: "settlement_lines", Seq: -1, Detail: fmt.Sprintf(
				"period %s: entry has %d lines and gross %s, frozen lines %d with gross %s",
				month(s.period), s.lines, s.gross, s.count, money(s.sum))}
		}
	}
	rows, err = tx.Query(ctx, sqlDeepStoredTotals)
	if err != nil {
		return fmt.Errorf("settlement: deep check: %w", err)
	}
	type stored struct {
		period     time.Time
		party      registry.Party
		js, hash   string
		kind, name *string
		bin        *string
	}
	var ts []stored
	for rows.Next() {
		var s stored
		if err := rows.Scan(&s.period, &s.party.ID, &s.js, &s.hash, &s.kind, &s.name, &s.bin); err != nil {
			rows.Close()
			return err
		}
		ts = append(ts, s)
	}
	rows.Close()
	for _, s := range ts {
		m := dateOf(s.period)
		if h := sha256.Sum256([]byte(s.js)); hex.EncodeToString(h[:]) != s.hash {
			return &ledger.ProjectionMismatch{Table: "settlement_party_totals", Seq: -1,
				Detail: fmt.Sprintf("period %s party %s: totals_json does not hash to totals_hash", month(m), s.party.ID)}
		}
		if s.kind == nil {
			return &ledger.ProjectionMismatch{Table: "settlement_party_totals", Seq: -1,
				Detail: fmt.Sprintf("period %s: party %s is not registered", month(m), s.party.ID)}
		}
		s.party.Kind, s.party.Name, s.party.BIN = *s.kind, *s.name, *s.bin
		st, err := statement(ctx, tx, s.party, m, m, "")
		if err != nil {
			return err
		}
		if _, h := totalsHash(st.Party.Kind, st.Totals); h != s.hash {
			return &ledger.ProjectionMismatch{Table: "settlement_lines", Seq: -1,
				Detail: fmt.Sprintf("period %s party %s: frozen lines give totals hash %s, the period_close entry has %s", month(m), s.party.ID, h, s.hash)}
		}
	}
	return nil
}

// replayClose recomputes a period close from the rebuilt tables as of its
// entry, checks the entry's body against it and writes the frozen rows.
func replayClose(ctx context.Context, tx pgx.Tx, e ledger.Entry, m time.Time, body CloseBody) error {
	snap, err := takeCloseSnapshot(ctx, tx, m, body.LedgerSize)
	if err != nil {
		return fmt.Errorf("settlement: entry %d: recompute close: %w", e.Seq, err)
	}
	want, _ := json.Marshal(body)
	got, _ := json.Marshal(snap.body)
	if string(want) != string(got) {
		return &ledger.ProjectionMismatch{Table: "settlement_periods", Seq: e.Seq,
			Detail: fmt.Sprintf("the period_close entry says %s, the rebuilt sales give %s", want, got)}
	}
	return snap.write(ctx, tx, e)
}
