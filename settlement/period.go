package settlement

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/shopspring/decimal"

	"ecinema/kztime"
	"ecinema/ledger"
	"ecinema/registry"
)

const (
	sqlEarlierData  = `SELECT EXISTS (SELECT 1 FROM sales_daily WHERE box_office_day < $1 AND (gross <> 0 OR admissions <> 0))`
	sqlParties      = `SELECT id, kind, name, bin FROM parties WHERE id = ANY($1)`
	sqlInsertPeriod = `INSERT INTO settlement_periods (period, entry_seq, ledger_size, closed_at, lines, body)
VALUES ($1, $2, $3, $4, $5, $6)`
	sqlSettleMonth = `INSERT INTO settlement_settled (cinema_id, film_id, box_office_day, sale_date, period, gross, admissions)
SELECT cinema_id, film_id, box_office_day, sale_date, $1, gross, admissions FROM sales_daily
WHERE box_office_day BETWEEN $1 AND $2 AND (gross <> 0 OR admissions <> 0)`
	sqlInsertPartyTotals = `INSERT INTO settlement_party_totals (period, party_id, party_name, totals, totals_json, totals_hash)
VALUES ($1, $2, $3, $4, $5, $6)`
)

// CloseResult is what closing a period recorded.
type CloseResult struct {
	Entry ledger.Entry
	Body  CloseBody

	checks closeChecks
}

// closeChecks counts the ledger entries a close checked for late data
// after its snapshot: before the head lock (caughtUp, in passes passes)
// and under it (locked). Every entry from the snapshot's ledger size up to
// the close entry is checked once, by one or the other.
type closeChecks struct {
	caughtUp, locked int64
	passes           int
}

type closeSnapshot struct {
	period time.Time
	res    *openResult
	body   CloseBody
	bytes  []byte
}

// closeAttempts bounds how often ClosePeriod recomputes when data for the
// month changes between its snapshot and its ledger entry; then it answers
// ErrSnapshotChanged and the admin retries later.
const closeAttempts = 8

// ParsePeriod parses YYYY-MM into the first day of that month.
func ParsePeriod(s string) (time.Time, error) {
	t, err := time.Parse("2006-01", s)
	if err != nil {
		return time.Time{}, fmt.Errorf("settlement: period %q is not YYYY-MM", s)
	}
	return t, nil
}

// ClosePeriod freezes a month: its lines (with adjustments of earlier closed
// months) are computed and stored, and a period_close entry records the hash
// of every party's statement totals. Months close one after another, only
// after their last box-office day has ended (06:00 local time on the first
// of the next month).
//
// The ledger head lock is held only for a short check and one row (see
// closeOnce); sales keep flowing while the close is computed and its frozen
// rows are written.
func (s *Service) ClosePeriod(ctx context.Context, actor string, period time.Time) (*CloseResult, error) {
	period = monthOf(period)
	// The month's last box-office day runs until 06:00 local time of the
	// next day (screenings starting before 06:00 belong to the day before).
	last := monthEnd(period)
	ends := time.Date(last.Year(), last.Month(), last.Day()+1, 6, 0, 0, 0, kztime.Location)
	if s.now().Before(ends) {
		return nil, fmt.Errorf("%w: the last box-office day of %s ends %s", ErrPeriodNotEnded, month(period), ends.Format(time.RFC3339))
	}
	start := time.Now()
	for attempt := 0; ; attempt++ {
		res, err := s.closeOnce(ctx, actor, period)
		if err == nil {
			s.metrics.observe("total", start)
			return res, nil
		}
		if errors.Is(err, ErrSnapshotChanged) && attempt < closeAttempts-1 {
			// Late data for the month arrived meanwhile: let the burst pass.
			select {
			case <-time.After(time.Duration(attempt+1) * 100 * time.Millisecond):
			case <-ctx.Done():
				return nil, ctx.Err()
			}
			continue
		}
		return nil, err
	}
}

// headLocker is the ledger writer's append inside a caller's transaction
// (ledger.Writer.LockHead).
type headLocker interface {
	LockHead(ctx context.Context, tx pgx.Tx) (*ledger.TxHead, error)
}

// sqlCloseLock serialises closes (of any period, in every process) for the
// length of one attempt's transaction.
const sqlCloseLock = `SELECT pg_advisory_xact_lock(hashtext('ecinema.settlement.close'))`

// closeHook, when set (tests), is called at each step of an attempt with
// the attempt's transaction: "locked" (the close lock), "snapshot" (the
// close computed), "pass" (after each catch-up pass), "staged" (the frozen
// rows written and caught up, the head not locked), "appended" (the entry
// and the period row written, not committed).
var closeHook func(ctx context.Context, step string, tx pgx.Tx) error

func (s *Service) hook(ctx context.Context, step string, tx pgx.Tx) error {
	if closeHook == nil {
		return nil
	}
	return closeHook(ctx, step, tx)
}

// closeOnce is one attempt at a close, in one READ COMMITTED transaction
// that nothing sees before it commits:
//
//  1. the close lock (other closes wait for this one and then see it);
//  2. the close computed in a REPEATABLE READ snapshot at ledger size N
//     (the body's LedgerSize), on another connection;
//  3. the frozen rows written (stage), no ledger lock held;
//  4. the entries appended since N checked for late data (catchUp), pass
//     after pass, each pass checking what arrived during the one before,
//     until at most catchUpSlack remain unchecked, still without the lock;
//  5. the ledger head locked; the last few entries checked (those left by
//     the catch-up and those committed while the lock was awaited: one
//     writer group); the period_close entry appended with its period row;
//     commit.
//
// Only step 5 holds the head lock, and what it checks does not grow with
// the month, the ledger or the sales arriving during the close: an attempt
// whose catch-up cannot get within catchUpSlack does not lock the head.
// The month's own sales_daily rows that stage copies are read after the
// snapshot, but every entry from N up to the close entry is checked: none
// is late for the month, so they are the snapshot's rows. A crash or an
// error anywhere rolls the whole attempt back. Without a headLocker (an
// Appender that wraps the writer) the frozen rows are written under the
// lock instead.
func (s *Service) closeOnce(ctx context.Context, actor string, period time.Time) (*CloseResult, error) {
	hl, ok := s.app.(headLocker)
	if !ok {
		return s.closeLocked(ctx, actor, period)
	}
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return nil, fmt.Errorf("settlement: begin close: %w", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	if _, err := tx.Exec(ctx, sqlCloseLock); err != nil {
		return nil, fmt.Errorf("settlement: close lock: %w", err)
	}
	if err := s.hook(ctx, "locked", tx); err != nil {
		return nil, err
	}
	var checks closeChecks
	snap, err := s.closeSnapshot(ctx, period)
	if err != nil {
		return nil, err
	}
	if err := s.hook(ctx, "snapshot", tx); err != nil {
		return nil, err
	}
	mark := time.Now()
	if err := snap.stage(ctx, tx); err != nil {
		return nil, err
	}
	s.metrics.observe("stage", mark)
	from, err := s.catchUp(ctx, tx, tx, snap.body.LedgerSize, period, &checks)
	if err != nil {
		return nil, err
	}
	if err := s.hook(ctx, "staged", tx); err != nil {
		return nil, err
	}
	// pgx prepares a statement on its first use on a connection, one more
	// round trip: the period row's is prepared before the lock (the
	// late-data check's was by the catch-up's passes, if any ran).
	if _, err := tx.Conn().Prepare(ctx, sqlInsertPeriod, sqlInsertPeriod); err != nil {
		return nil, fmt.Errorf("settlement: prepare period row: %w", err)
	}
	mark = time.Now()
	head, err := hl.LockHead(ctx, tx)
	if err != nil {
		return nil, fmt.Errorf("settlement: %w", err)
	}
	// Under the lock: the frontier read (LockHead), the check, the entry
	// with its period row, the commit (timed apart for the metrics).
	wait, frontier := head.LockedAt().Sub(mark), time.Since(head.LockedAt())
	var check time.Duration
	e, err := head.Append(ctx, ledger.Record{
		Kind: "period_close", Actor: actor, Body: json.RawMessage(snap.bytes),
		Project: func(ctx context.Context, tx pgx.Tx, e ledger.Entry) error {
			// Under the head lock only the entries since the last
			// catch-up pass are looked at (a few).
			t0 := time.Now()
			checks.locked = e.Seq - from
			late, err := lateSince(ctx, tx, from, e.Seq, period)
			check = time.Since(t0)
			if err != nil {
				return err
			}
			if late {
				return ErrSnapshotChanged
			}
			return snap.finish(ctx, tx, e)
		},
	})
	if err != nil {
		return nil, err
	}
	if err := s.hook(ctx, "appended", tx); err != nil {
		return nil, err
	}
	mark = time.Now()
	if err := tx.Commit(ctx); err != nil {
		return nil, fmt.Errorf("settlement: commit close: %w", err)
	}
	s.metrics.observe("commit", mark)
	s.metrics.observe("locked", head.LockedAt())
	s.metrics.observeDuration("wait", wait)
	s.metrics.observeDuration("frontier", frontier)
	s.metrics.observeDuration("check", check)
	s.metrics.count(checks)
	return &CloseResult{Entry: e, Body: snap.body, checks: checks}, nil
}

// closeLocked is an attempt through the plain Appender: the close is
// computed outside the lock, but its frozen rows are written in the
// entry's Project, under the head lock.
func (s *Service) closeLocked(ctx context.Context, actor string, period time.Time) (*CloseResult, error) {
	var checks closeChecks
	snap, err := s.closeSnapshot(ctx, period)
	if err != nil {
		return nil, err
	}
	from, err := s.catchUp(ctx, s.pool, nil, snap.body.LedgerSize, period, &checks)
	if err != nil {
		return nil, err
	}
	e, err := s.app.Append(ctx, ledger.Record{
		Kind: "period_close", Actor: actor, Body: json.RawMessage(snap.bytes),
		Project: func(ctx context.Context, tx pgx.Tx, e ledger.Entry) error {
			defer s.metrics.observe("locked", time.Now())
			checks.locked = e.Seq - from
			late, err := lateSince(ctx, tx, from, e.Seq, period)
			if err != nil {
				return err
			}
			if late {
				return ErrSnapshotChanged
			}
			return snap.write(ctx, tx, e)
		},
	})
	if err != nil {
		return nil, err
	}
	s.metrics.count(checks)
	return &CloseResult{Entry: e, Body: snap.body, checks: checks}, nil
}

// lateKinds are the entry kinds that can change a close: registry and
// settlement entries always, sales and refunds of a box-office day up to
// the month's end (later days are not read by the close; one whose body
// names no box-office day counts as late). Sales of the
// current month, the bulk of the traffic while a past month closes, are
// not late.
var lateKinds = []string{"party", "cinema", "film", "rental_terms", "period_close", "sale", "refund"}

// lateSince tells whether entries in [from, to) could change a close of
// period (see lateKinds), from the ledger's reader of changes.
func lateSince(ctx context.Context, q querier, from, to int64, period time.Time) (bool, error) {
	changes, err := ledger.Changes(ctx, q, ledger.ChangeQuery{From: from, To: to, Kinds: lateKinds, Days: true})
	if err != nil {
		return false, fmt.Errorf("settlement: late data since the close snapshot: %w", err)
	}
	end := monthEnd(period)
	for _, c := range changes {
		switch c.Kind {
		case "sale", "refund":
			if c.Undated || !c.FirstDay.After(end) {
				return true, nil
			}
		default:
			return true, nil
		}
	}
	return false, nil
}

// ledgerSize is the ledger's size in q's snapshot (0 before the first entry).
func ledgerSize(ctx context.Context, q querier) (int64, error) {
	h, err := ledger.ReadHead(ctx, q, ledger.DefaultLogID)
	if errors.Is(err, ledger.ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("settlement: ledger size: %w", err)
	}
	return h.Size, nil
}

// The catch-up before the head lock: passes over the entries appended
// since the close's snapshot, each checking those that arrived during the
// one before (checking an entry costs far less than writing it, so the
// passes shrink fast), until at most catchUpSlack remain unchecked.
// Under the lock the close then checks those and the entries committed
// while it waited for the lock (the writer's group in flight), whatever
// the month's size, the ledger's or the sales arriving meanwhile. An
// attempt still farther behind after catchUpPasses passes does not lock
// the head: it ends with ErrSnapshotChanged and is retried, as one that
// met late data. Variables for tests.
var (
	catchUpSlack  int64 = 64
	catchUpPasses       = 32
)

// catchUp checks the entries appended since from (lateSince), through q
// and without the ledger lock, until at most catchUpSlack remain
// unchecked, and returns the seq from which the append must still check
// under the lock. ErrSnapshotChanged means late data arrived, or entries
// arrived faster than the passes checked them: compute again. tx, when
// not nil, is the close's transaction (for closeHook's "pass" step).
func (s *Service) catchUp(ctx context.Context, q querier, tx pgx.Tx, from int64, period time.Time, c *closeChecks) (int64, error) {
	for {
		size, err := ledgerSize(ctx, q)
		if err != nil {
			return 0, err
		}
		if size-from <= catchUpSlack {
			return from, nil
		}
		if c.passes >= catchUpPasses {
			return 0, fmt.Errorf("%w: %d ledger entries still unchecked after %d catch-up passes", ErrSnapshotChanged, size-from, c.passes)
		}
		late, err := lateSince(ctx, q, from, size, period)
		if err != nil {
			return 0, err
		}
		if late {
			return 0, ErrSnapshotChanged
		}
		c.passes++
		c.caughtUp += size - from
		from = size
		if err := s.hook(ctx, "pass", tx); err != nil {
			return 0, err
		}
	}
}

// closeSnapshot computes the close outside the ledger transaction, in one
// consistent REPEATABLE READ snapshot at ledger size N (the body's
// LedgerSize). The close stays valid as long as no entry from N on is late
// for the month (lateSince); the entry's Project checks the last few under
// the head lock and refuses when one is.
func (s *Service) closeSnapshot(ctx context.Context, period time.Time) (*closeSnapshot, error) {
	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return nil, fmt.Errorf("settlement: begin: %w", err)
	}
	defer tx.Rollback(ctx)
	size, err := ledgerSize(ctx, tx)
	if err != nil {
		return nil, err
	}
	return takeCloseSnapshot(ctx, tx, period, size)
}

// takeCloseSnapshot computes the close of period, looking for late data of
// closed days in entries below ledgerSize.
func takeCloseSnapshot(ctx context.Context, q querier, period time.Time, ledgerSize int64) (*closeSnapshot, error) {
	h, err := horizon(ctx, q)
	if err != nil {
		return nil, err
	}
	if !h.IsZero() {
		if !period.After(h) {
			return nil, fmt.Errorf("%w: %s", ErrPeriodClosed, month(period))
		}
		if next := h.AddDate(0, 1, 0); !period.Equal(next) {
			return nil, fmt.Errorf("%w: close %s first", ErrEarlierPeriodOpen, month(next))
		}
	} else {
		var earlier bool
		if err := q.QueryRow(ctx, sqlEarlierData, period).Scan(&earlier); err != nil {
			return nil, fmt.Errorf("settlement: earlier data: %w", err)
		}
		if earlier {
			return nil, fmt.Errorf("%w: there are sales before %s", ErrEarlierPeriodOpen, month(period))
		}
	}
	res, err := openLines(ctx, q, nil, nil, monthEnd(period), ledgerSize)
	if err != nil {
		return nil, err
	}
	snap := &closeSnapshot{period: period, res: res}
	ids := map[string]bool{}
	for i := range res.lines {
		l := &res.lines[i]
		if !l.Period.Equal(period) {
			return nil, fmt.Errorf("settlement: line of %s while closing %s", month(l.Period), month(period))
		}
		l.LineNo = i + 1
		ids[l.ExhibitorID], ids[l.ProducerID], ids[l.DistributorID] = true, true, true
		for _, r := range l.Royalties {
			ids[r.PartyID] = true
		}
	}
	rows, err := q.Query(ctx, sqlParties, keys(ids))
	if err != nil {
		return nil, fmt.Errorf("settlement: parties: %w", err)
	}
	parties, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (registry.Party, error) {
		var p registry.Party
		err := r.Scan(&p.ID, &p.Kind, &p.Name, &p.BIN)
		return p, err
	})
	if err != nil {
		return nil, fmt.Errorf("settlement: parties: %w", err)
	}
	sort.Slice(parties, func(i, j int) bool { return parties[i].ID < parties[j].ID })
	gross := totalsOf(&Statement{Party: registry.Party{Kind: "all"}, Lines: res.lines})
	snap.body = CloseBody{Period: month(period), LedgerSize: ledgerSize, Lines: len(res.lines), Gross: money(gross.Gross), Parties: []PartyTotal{}}
	for _, p := range parties {
		st := &Statement{Party: p, From: period, To: monthEnd(period)}
		for _, l := range res.lines {
			if partyLine(p, &l) {
				st.Lines = append(st.Lines, l)
			}
		}
		st.finish()
		if st.Totals.Lines == 0 {
			continue
		}
		js, h := totalsHash(st.Party.Kind, st.Totals)
		snap.body.Parties = append(snap.body.Parties, PartyTotal{PartyID: p.ID, Kind: p.Kind, TotalsHash: h, totalsJSON: js, name: p.Name})
	}
	if snap.bytes, err = json.Marshal(snap.body); err != nil {
		return nil, err
	}
	return snap, nil
}

// write stores the frozen period in the period_close entry's transaction.
func (snap *closeSnapshot) write(ctx context.Context, tx pgx.Tx, e ledger.Entry) error {
	if err := snap.stage(ctx, tx); err != nil {
		return err
	}
	return snap.finish(ctx, tx, e)
}

// finish writes the period row, the one row that needs the period_close
// entry (its seq and time): with it the frozen rows written by stage in
// the same transaction make the closed period.
func (snap *closeSnapshot) finish(ctx context.Context, tx pgx.Tx, e ledger.Entry) error {
	if _, err := tx.Exec(ctx, sqlInsertPeriod, snap.period, e.Seq, snap.body.LedgerSize, e.At, len(snap.res.lines), snap.bytes); err != nil {
		return fmt.Errorf("settlement: insert period: %w", err)
	}
	return nil
}

// stage writes the frozen rows that do not depend on the period_close
// entry: lines, royalty lines, settled rows and party totals. They belong
// to the close's transaction, which writes the period row (finish) last.
func (snap *closeSnapshot) stage(ctx context.Context, tx pgx.Tx) error {
	p := snap.period
	lineRows := make([][]any, 0, len(snap.res.lines))
	var royRows [][]any
	for _, l := range snap.res.lines {
		parts := make([]vatPartStored, 0, len(l.VATParts))
		for _, v := range l.VATParts {
			parts = append(parts, vatPartStored(v))
		}
		pj, _ := json.Marshal(parts)
		lineRows = append(lineRows, []any{p, l.LineNo, l.Adjustment, l.FilmID, l.FilmTitle, l.CinemaID, l.CinemaName,
			l.ExhibitorID, l.ProducerID, l.DistributorID, l.Week, l.FirstDay, l.LastDay, l.VATPayer,
			num(l.RoyaltyPct), num(l.DistributorPct), num(l.DistributionFeePct), l.Admissions, num(l.Gross), num(l.VAT),
			num(l.Net), num(l.Royalty), num(l.ExhibitorShare), num(l.DistributionFee), num(l.ProducerGross),
			num(l.Recoupment), num(l.ProducerShare), string(pj)})
		for _, r := range l.Royalties {
			royRows = append(royRows, []any{p, l.LineNo, r.PartyID, r.Role, num(r.SharePct), num(r.Amount)})
		}
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"settlement_lines"}, []string{"period", "line_no", "adjustment", "film_id",
		"film_title", "cinema_id", "cinema_name", "exhibitor_id", "producer_id", "distributor_id", "week", "first_day",
		"last_day", "vat_payer", "royalty_pct", "distributor_pct", "distribution_fee_pct", "admissions", "gross", "vat",
		"net", "royalty", "exhibitor_share", "distribution_fee", "producer_gross", "recoupment", "producer_share", "vat_parts"},
		pgx.CopyFromRows(lineRows)); err != nil {
		return fmt.Errorf("settlement: insert lines: %w", err)
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"settlement_royalty_lines"},
		[]string{"period", "line_no", "party_id", "role", "share_pct", "amount"}, pgx.CopyFromRows(royRows)); err != nil {
		return fmt.Errorf("settlement: insert royalty lines: %w", err)
	}
	// The month's own rows are settled as they stand in this transaction
	// (server-side copy); adjustments of earlier months by their deltas.
	if _, err := tx.Exec(ctx, sqlSettleMonth, p, monthEnd(p)); err != nil {
		return fmt.Errorf("settlement: insert settled: %w", err)
	}
	var settled [][]any
	for _, r := range snap.res.rows {
		if r.Adjustment {
			settled = append(settled, []any{r.CinemaID, r.FilmID, r.Day, r.SaleDate, p, num(r.Gross), r.Admissions})
		}
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"settlement_settled"},
		[]string{"cinema_id", "film_id", "box_office_day", "sale_date", "period", "gross", "admissions"}, pgx.CopyFromRows(settled)); err != nil {
		return fmt.Errorf("settlement: insert settled: %w", err)
	}
	b := &pgx.Batch{}
	for _, pt := range snap.body.Parties {
		b.Queue(sqlInsertPartyTotals, p, pt.PartyID, pt.name, pt.totalsJSON, pt.totalsJSON, pt.TotalsHash)
	}
	if b.Len() > 0 {
		if err := tx.SendBatch(ctx, b).Close(); err != nil {
			return fmt.Errorf("settlement: insert party totals: %w", err)
		}
	}
	return nil
}

// num converts a decimal to pgtype.Numeric, which pgx encodes in binary
// (a decimal.Decimal goes through text, several times slower in COPY).
func num(d decimal.Decimal) pgtype.Numeric {
	return pgtype.Numeric{Int: d.Coefficient(), Exp: d.Exponent(), Valid: true}
}
