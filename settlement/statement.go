package settlement

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"time"

	"github.com/shopspring/decimal"

	"ecinema/i18n"
	"ecinema/ledger"
	"ecinema/registry"
	"ecinema/validate"
)

const (
	sqlFrozenLines = `SELECT period, line_no, adjustment, film_id, film_title, cinema_id, cinema_name,
       exhibitor_id, producer_id, distributor_id, week, first_day, last_day, vat_payer,
       royalty_pct, distributor_pct, distribution_fee_pct, admissions, gross, vat, net, royalty,
       exhibitor_share, distribution_fee, producer_gross, recoupment, producer_share, vat_parts
FROM settlement_lines l
WHERE period BETWEEN $1 AND $2 AND CASE $3
  WHEN 'producer' THEN producer_id = $4
  WHEN 'distributor' THEN distributor_id = $4
  WHEN 'exhibitor' THEN exhibitor_id = $4
  ELSE EXISTS (SELECT 1 FROM settlement_royalty_lines r WHERE r.period = l.period AND r.line_no = l.line_no AND r.party_id = $4)
END
ORDER BY period, line_no`

	sqlFrozenRoyalties = `SELECT period, line_no, party_id, role, share_pct, amount
FROM settlement_royalty_lines WHERE period BETWEEN $1 AND $2 AND party_id = $3
ORDER BY period, line_no, party_id, role`

	// The films of a statement: titles, expenses, and the recoupment of
	// their frozen lines through the statement's end.
	sqlStatementFilms = `SELECT f.id, f.title_kk, f.title_ru, f.title_en, f.recoupable_expenses,
       coalesce((SELECT sum(l.recoupment) FROM settlement_lines l WHERE l.film_id = f.id AND l.period <= $2), 0)
FROM films f WHERE f.id = ANY($1)`

	sqlClosedPeriods = `SELECT period, entry_seq FROM settlement_periods WHERE period BETWEEN $1 AND $2 ORDER BY period`
)

// maxStatementMonths bounds the months one statement request may cover.
const maxStatementMonths = 36

// StatementQuery asks for a party's statement over the months that overlap
// From..To (statements are made of whole calendar months).
type StatementQuery struct {
	PartyID  string
	From, To time.Time
	// CinemaID, when set, keeps only the lines of that cinema (an exhibitor
	// key scoped to one cinema).
	CinemaID string
}

// PeriodStatus says whether a month of a statement is closed (frozen).
type PeriodStatus struct {
	Period   time.Time
	Closed   bool
	EntrySeq *int64 // the period_close entry, when closed by one
}

// RoyaltyLine is a rights holder's part of one line's royalty pool.
type RoyaltyLine struct {
	Period            time.Time
	Adjustment        bool
	FilmID, FilmTitle string
	CinemaID          string
	CinemaName        string
	Week              int
	FirstDay, LastDay time.Time
	RoyaltyPool       decimal.Decimal
	Role              string
	SharePct          decimal.Decimal
	Amount            decimal.Decimal
}

// Totals are the sums of a statement's lines.
type Totals struct {
	Lines           int
	Admissions      int64
	Gross           decimal.Decimal
	VAT             decimal.Decimal
	Net             decimal.Decimal
	Royalty         decimal.Decimal
	ExhibitorShare  decimal.Decimal
	DistributionFee decimal.Decimal
	ProducerGross   decimal.Decimal
	Recoupment      decimal.Decimal
	ProducerShare   decimal.Decimal
	RoyaltyAmount   decimal.Decimal // rights holders: the sum of their parts
}

// rentable is net − royalty over the totals: exhibitor share + fee + producer gross.
func (t Totals) rentable() decimal.Decimal {
	return t.ExhibitorShare.Add(t.DistributionFee).Add(t.ProducerGross)
}

// rental is the distributor's rental over the totals: fee + producer gross.
func (t Totals) rental() decimal.Decimal { return t.DistributionFee.Add(t.ProducerGross) }

// Statement is a party's settlement over whole months. A rights holder's
// statement holds royalty lines only; everyone else's holds full lines.
type Statement struct {
	Party        registry.Party
	From, To     time.Time // first day of the first month, last day of the last
	Periods      []PeriodStatus
	Lines        []Line
	RoyaltyLines []RoyaltyLine
	Totals       Totals

	// Ledger is the tree the statement was computed at (the head in the
	// statement's snapshot): a later checkpoint proves it by a consistency
	// proof from Ledger.Size.
	Ledger LedgerRef
	// Films are the statement's films: their titles in the three languages
	// and their recoupment to the end of the statement.
	Films map[string]FilmRef
	// Lang is the language of the exports' titles, headers and film titles
	// (the JSON keys and the line's film_title stay as they are).
	Lang i18n.Lang

	openRecouped map[string]decimal.Decimal // open-month recoupment up to To, per film
}

// LedgerRef names a ledger tree: its size and RFC 6962 root hash.
type LedgerRef struct {
	Size int64
	Root [32]byte
}

// FilmRef is what a statement document says about one of its films.
type FilmRef struct {
	ID                        string
	TitleKK, TitleRU, TitleEN string
	Expenses                  decimal.Decimal // recoupable expenses of the distributor
	Recouped                  decimal.Decimal // recovered from producer gross through the statement's last month
}

// Title returns the film's title in l.
func (f FilmRef) Title(l i18n.Lang) string { return l.Pick(f.TitleKK, f.TitleRU, f.TitleEN) }

// remaining returns the expenses not yet recovered after the statement.
func (f FilmRef) remaining() decimal.Decimal {
	r := f.Expenses.Sub(f.Recouped)
	if r.IsNegative() {
		return decimal.Zero
	}
	return r
}

// ShowsRecoupment reports whether the statement shows recoupment and
// producer_share: the distributor's recovery is between distributor and
// producer, so exhibitor statements leave it out.
func (st *Statement) ShowsRecoupment() bool { return st.Party.Kind != registry.KindExhibitor }

// IsRoyalty reports whether this is a rights holder's royalty statement.
func (st *Statement) IsRoyalty() bool { return st.Party.Kind == registry.KindRightsHolder }

// validateStatementQuery checks the query's dates.
func validateStatementQuery(q StatementQuery) error {
	var errs validate.Errors
	if errs.Period(q.From, q.To) && monthOf(q.From).AddDate(0, maxStatementMonths, 0).Before(monthOf(q.To).AddDate(0, 1, 0)) {
		errs.Add("to", "out_of_range", "a statement covers at most %d months", maxStatementMonths)
	}
	return errs.Err()
}

// Statement returns a party's statement. Closed months come from the frozen
// rows; open months are computed from the sales rollup now.
func (s *Service) Statement(ctx context.Context, q StatementQuery) (*Statement, error) {
	if err := validateStatementQuery(q); err != nil {
		return nil, err
	}
	p, err := partyByID(ctx, s.pool, q.PartyID)
	if err != nil {
		return nil, err
	}
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return nil, fmt.Errorf("settlement: begin: %w", err)
	}
	defer tx.Rollback(ctx)
	// One snapshot for frozen and computed parts.
	if _, err := tx.Exec(ctx, "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY"); err != nil {
		return nil, fmt.Errorf("settlement: snapshot: %w", err)
	}
	st, err := statement(ctx, tx, p, monthOf(q.From), monthOf(q.To), q.CinemaID)
	if err != nil {
		return nil, err
	}
	if err := st.addRefs(ctx, tx); err != nil {
		return nil, err
	}
	return st, nil
}

// addRefs reads, in the statement's snapshot, the ledger head and the
// films' titles and recoupment, for the documents (PDF, XLSX).
func (st *Statement) addRefs(ctx context.Context, q querier) error {
	h, err := ledger.ReadHead(ctx, q, ledger.DefaultLogID)
	if err != nil {
		return fmt.Errorf("settlement: %w", err)
	}
	st.Ledger = LedgerRef{Size: h.Size, Root: h.Root}
	seen := map[string]bool{}
	var ids []string
	add := func(id string) {
		if !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	for _, l := range st.Lines {
		add(l.FilmID)
	}
	for _, r := range st.RoyaltyLines {
		add(r.FilmID)
	}
	st.Films = map[string]FilmRef{}
	if len(ids) == 0 {
		return nil
	}
	rows, err := q.Query(ctx, sqlStatementFilms, ids, st.To)
	if err != nil {
		return fmt.Errorf("settlement: statement films: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var f FilmRef
		if err := rows.Scan(&f.ID, &f.TitleKK, &f.TitleRU, &f.TitleEN, &f.Expenses, &f.Recouped); err != nil {
			return err
		}
		f.Recouped = f.Recouped.Add(st.openRecouped[f.ID])
		st.Films[f.ID] = f
	}
	return rows.Err()
}

func statement(ctx context.Context, q querier, p registry.Party, fromM, toM time.Time, cinemaID string) (*Statement, error) {
	st := &Statement{Party: p, From: fromM, To: monthEnd(toM)}
	h, err := horizon(ctx, q)
	if err != nil {
		return nil, err
	}
	seqs := map[time.Time]int64{}
	rows, err := q.Query(ctx, sqlClosedPeriods, fromM, toM)
	if err != nil {
		return nil, fmt.Errorf("settlement: periods: %w", err)
	}
	for rows.Next() {
		var m time.Time
		var seq int64
		if err := rows.Scan(&m, &seq); err != nil {
			rows.Close()
			return nil, err
		}
		seqs[dateOf(m)] = seq
	}
	rows.Close()
	for m := fromM; !m.After(toM); m = m.AddDate(0, 1, 0) {
		ps := PeriodStatus{Period: m, Closed: !h.IsZero() && !m.After(h)}
		if seq, ok := seqs[m]; ok {
			ps.EntrySeq = &seq
		}
		st.Periods = append(st.Periods, ps)
	}
	// Frozen months.
	if !h.IsZero() && !fromM.After(h) {
		lastClosed := toM
		if h.Before(lastClosed) {
			lastClosed = h
		}
		lines, err := frozenLines(ctx, q, p, fromM, lastClosed)
		if err != nil {
			return nil, err
		}
		if st.IsRoyalty() {
			if err := frozenRoyalties(ctx, q, p.ID, fromM, lastClosed, lines); err != nil {
				return nil, err
			}
		}
		st.Lines = append(st.Lines, lines...)
	}
	// Open months.
	if h.IsZero() || toM.After(h) {
		var films, cinemas []string
		if p.Kind == registry.KindExhibitor {
			// Only its cinemas' rows: no cross-cinema recoupment to compute.
			cinemas, err = strings1(ctx, q, sqlExhibitorCinemas, p.ID)
		} else {
			films, err = filmsOf(ctx, q, p)
		}
		if err != nil {
			return nil, err
		}
		res, err := openLines(ctx, q, films, cinemas, monthEnd(toM), math.MaxInt64)
		if err != nil {
			return nil, err
		}
		st.openRecouped = map[string]decimal.Decimal{}
		for _, l := range res.lines {
			if !l.Period.After(toM) {
				st.openRecouped[l.FilmID] = st.openRecouped[l.FilmID].Add(l.Recoupment)
			}
			if l.Period.Before(fromM) || !partyLine(p, &l) {
				continue
			}
			st.Lines = append(st.Lines, l)
		}
	}
	if cinemaID != "" {
		kept := st.Lines[:0]
		for _, l := range st.Lines {
			if l.CinemaID == cinemaID {
				kept = append(kept, l)
			}
		}
		st.Lines = kept
	}
	st.finish()
	return st, nil
}

// finish turns a rights holder's lines into royalty lines and sums the totals.
func (st *Statement) finish() {
	if st.IsRoyalty() {
		for _, l := range st.Lines {
			for _, r := range l.Royalties {
				if r.PartyID != st.Party.ID {
					continue
				}
				st.RoyaltyLines = append(st.RoyaltyLines, RoyaltyLine{
					Period: l.Period, Adjustment: l.Adjustment, FilmID: l.FilmID, FilmTitle: l.FilmTitle,
					CinemaID: l.CinemaID, CinemaName: l.CinemaName, Week: l.Week, FirstDay: l.FirstDay, LastDay: l.LastDay,
					RoyaltyPool: l.Royalty, Role: r.Role, SharePct: r.SharePct, Amount: r.Amount,
				})
			}
		}
		st.Lines = nil
	}
	st.Totals = totalsOf(st)
}

// partyLine reports whether a line belongs on p's statement.
func partyLine(p registry.Party, l *Line) bool {
	switch p.Kind {
	case registry.KindProducer:
		return l.ProducerID == p.ID
	case registry.KindDistributor:
		return l.DistributorID == p.ID
	case registry.KindExhibitor:
		return l.ExhibitorID == p.ID
	case registry.KindRightsHolder:
		for _, r := range l.Royalties {
			if r.PartyID == p.ID {
				return true
			}
		}
	}
	return false
}

func frozenLines(ctx context.Context, q querier, p registry.Party, fromM, toM time.Time) ([]Line, error) {
	rows, err := q.Query(ctx, sqlFrozenLines, fromM, toM, p.Kind, p.ID)
	if err != nil {
		return nil, fmt.Errorf("settlement: frozen lines: %w", err)
	}
	defer rows.Close()
	var out []Line
	for rows.Next() {
		var l Line
		var parts []byte
		if err := rows.Scan(&l.Period, &l.LineNo, &l.Adjustment, &l.FilmID, &l.FilmTitle, &l.CinemaID, &l.CinemaName,
			&l.ExhibitorID, &l.ProducerID, &l.DistributorID, &l.Week, &l.FirstDay, &l.LastDay, &l.VATPayer,
			&l.RoyaltyPct, &l.DistributorPct, &l.DistributionFeePct, &l.Admissions, &l.Gross, &l.VAT, &l.Net,
			&l.Royalty, &l.ExhibitorShare, &l.DistributionFee, &l.ProducerGross, &l.Recoupment, &l.ProducerShare, &parts); err != nil {
			return nil, err
		}
		l.Period, l.FirstDay, l.LastDay = dateOf(l.Period), dateOf(l.FirstDay), dateOf(l.LastDay)
		var vp []vatPartStored
		if err := json.Unmarshal(parts, &vp); err != nil {
			return nil, fmt.Errorf("settlement: vat parts: %w", err)
		}
		for _, x := range vp {
			l.VATParts = append(l.VATParts, VATPart(x))
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

func frozenRoyalties(ctx context.Context, q querier, partyID string, fromM, toM time.Time, lines []Line) error {
	idx := map[[2]int64]int{}
	for i, l := range lines {
		idx[[2]int64{l.Period.Unix(), int64(l.LineNo)}] = i
	}
	rows, err := q.Query(ctx, sqlFrozenRoyalties, fromM, toM, partyID)
	if err != nil {
		return fmt.Errorf("settlement: frozen royalties: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var m time.Time
		var no int
		var r RoyaltyShare
		if err := rows.Scan(&m, &no, &r.PartyID, &r.Role, &r.SharePct, &r.Amount); err != nil {
			return err
		}
		if i, ok := idx[[2]int64{dateOf(m).Unix(), int64(no)}]; ok {
			lines[i].Royalties = append(lines[i].Royalties, r)
		}
	}
	return rows.Err()
}

func totalsOf(st *Statement) Totals {
	t := Totals{Gross: decimal.Zero, VAT: decimal.Zero, Net: decimal.Zero, Royalty: decimal.Zero,
		ExhibitorShare: decimal.Zero, DistributionFee: decimal.Zero, ProducerGross: decimal.Zero,
		Recoupment: decimal.Zero, ProducerShare: decimal.Zero, RoyaltyAmount: decimal.Zero}
	if st.IsRoyalty() {
		for _, r := range st.RoyaltyLines {
			t.Lines++
			t.RoyaltyAmount = t.RoyaltyAmount.Add(r.Amount)
		}
		return t
	}
	for _, l := range st.Lines {
		t.Lines++
		t.Admissions += l.Admissions
		t.Gross = t.Gross.Add(l.Gross)
		t.VAT = t.VAT.Add(l.VAT)
		t.Net = t.Net.Add(l.Net)
		t.Royalty = t.Royalty.Add(l.Royalty)
		t.ExhibitorShare = t.ExhibitorShare.Add(l.ExhibitorShare)
		t.DistributionFee = t.DistributionFee.Add(l.DistributionFee)
		t.ProducerGross = t.ProducerGross.Add(l.ProducerGross)
		t.Recoupment = t.Recoupment.Add(l.Recoupment)
		t.ProducerShare = t.ProducerShare.Add(l.ProducerShare)
	}
	return t
}

// vatPartStored is a line's VAT part as settlement_lines.vat_parts stores it.
type vatPartStored struct {
	Rate  decimal.Decimal `json:"rate"`
	Gross decimal.Decimal `json:"gross"`
	VAT   decimal.Decimal `json:"vat"`
}

func money(d decimal.Decimal) string { return d.StringFixed(2) }
func day(t time.Time) string         { return t.Format(time.DateOnly) }
func month(t time.Time) string       { return t.Format("2006-01") }
