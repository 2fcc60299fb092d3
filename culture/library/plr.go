package library

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"ecinema/settlement"
	"ecinema/validate"
)

// Public lending right: every loan of a lent edition earns its work the
// per-loan rate in force on the loan's day (Kazakhstan time, UTC+5). Per
// work and month the loans × rate make one pool, split once among the
// work's rights holders by share_pct with the core's largest-remainder
// rule (settlement.SplitRoyalty), so the parts add up to the pool to the
// tiyn.

var maxRate = decimal.RequireFromString("100000.00")

// PutRate records the per-loan rate in force from a day on.
func (s *Service) PutRate(ctx context.Context, actor, from string, perLoan string) (RateBody, error) {
	var v validate.Errors
	d := v.Date("from", from)
	rate := v.Money("per_loan", perLoan, decimal.Zero, maxRate)
	if err := v.Err(); err != nil {
		return RateBody{}, err
	}
	body := RateBody{ValidFrom: d.Format(time.DateOnly), PerLoan: rate.StringFixed(2)}
	if _, _, err := s.appendRecord(ctx, actor, kindPLRRate, body, nil); err != nil {
		return RateBody{}, err
	}
	return body, nil
}

// Rates lists the per-loan rates, oldest first.
func (s *Service) Rates(ctx context.Context) ([]RateBody, error) {
	rows, err := s.pool.Query(ctx, `SELECT to_char(valid_from, 'YYYY-MM-DD'), per_loan::text FROM library_plr_rates ORDER BY valid_from`)
	if err != nil {
		return nil, fmt.Errorf("library: rates: %w", err)
	}
	rs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (RateBody, error) {
		var b RateBody
		err := r.Scan(&b.ValidFrom, &b.PerLoan)
		return b, err
	})
	if err != nil {
		return nil, fmt.Errorf("library: rates: %w", err)
	}
	return rs, nil
}

// RateLoans are the loans of a work in a month at one rate.
type RateLoans struct {
	ValidFrom string `json:"valid_from,omitempty"` // "" when no rate was in force
	PerLoan   Money  `json:"per_loan"`
	Loans     int    `json:"loans"`
}

// Share is a rights holder's part of a pool.
type Share struct {
	PartyID  string          `json:"party_id"`
	SharePct decimal.Decimal `json:"share_pct"`
	Amount   Money           `json:"amount"`
}

// WorkPool is one work's lending right in one month.
type WorkPool struct {
	Period    string      `json:"period"` // YYYY-MM
	WorkID    string      `json:"work_id"`
	WorkTitle string      `json:"work_title"`
	Loans     int         `json:"loans"`
	Rates     []RateLoans `json:"rates"`
	Pool      Money       `json:"pool"`
	Shares    []Share     `json:"shares"` // empty: no rights holders (public domain), the pool is unallocated
}

// HolderLine is a rights holder's part of one work pool: the statement
// line, in the shape of a film royalty line.
type HolderLine struct {
	Period    string          `json:"period"`
	WorkID    string          `json:"work_id"`
	WorkTitle string          `json:"work_title"`
	Loans     int             `json:"loans"`
	Pool      Money           `json:"pool"`
	SharePct  decimal.Decimal `json:"share_pct"`
	Amount    Money           `json:"amount"`
}

// HolderStatement is a rights holder's remuneration over the period.
type HolderStatement struct {
	PartyID string       `json:"party_id"`
	Name    string       `json:"name"`
	Loans   int          `json:"loans"`
	Amount  Money        `json:"amount"`
	Lines   []HolderLine `json:"lines"`
}

// Remuneration is the public lending right over from..to.
type Remuneration struct {
	From        string            `json:"from"`
	To          string            `json:"to"`
	Holders     []HolderStatement `json:"holders"`
	Works       []WorkPool        `json:"works"`
	Loans       int               `json:"loans"`
	Pool        Money             `json:"pool"`
	Allocated   Money             `json:"allocated"`
	Unallocated Money             `json:"unallocated"`
}

const selectLoanCounts = `SELECT to_char(d, 'YYYY-MM'), e.work_id, w.title,
  COALESCE(to_char(r.valid_from, 'YYYY-MM-DD'), ''), COALESCE(r.per_loan, 0), count(*)
FROM library_loans l
JOIN library_editions e ON e.id = l.edition_id
JOIN library_works w ON w.id = e.work_id
CROSS JOIN LATERAL (SELECT ((l.borrowed_at AT TIME ZONE 'UTC') + interval '5 hours')::date AS d) day
LEFT JOIN LATERAL (SELECT valid_from, per_loan FROM library_plr_rates
                   WHERE valid_from <= day.d ORDER BY valid_from DESC LIMIT 1) r ON true
WHERE day.d BETWEEN $1 AND $2
GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 4`

const selectHolders = `SELECT h.work_id, h.party_id, h.share_pct, p.name FROM library_work_rights_holders h
JOIN parties p ON p.id = h.party_id WHERE h.work_id = ANY($1) ORDER BY h.work_id, h.party_id`

// Remuneration computes the lending right of the loans borrowed from..to
// (dates, inclusive); party, when set, keeps that rights holder only.
func (s *Service) Remuneration(ctx context.Context, from, to, party, lang string) (*Remuneration, error) {
	var v validate.Errors
	f, t := v.Date("from", from), v.Date("to", to)
	if err := v.Err(); err != nil {
		return nil, err
	}
	if t.Before(f) {
		return nil, badQuery("to", "must not be before from")
	}
	if t.Sub(f) > 3*366*24*time.Hour {
		return nil, badQuery("to", "a report covers at most three years")
	}
	rows, err := s.pool.Query(ctx, selectLoanCounts, f, t)
	if err != nil {
		return nil, fmt.Errorf("library: remuneration: %w", err)
	}
	rep := &Remuneration{From: from, To: to, Holders: []HolderStatement{}, Works: []WorkPool{}}
	var period, work, validFrom string
	var title []byte
	var rate decimal.Decimal
	var n int
	pools := map[[2]string]*WorkPool{}
	var order [][2]string
	_, err = pgx.ForEachRow(rows, []any{&period, &work, &title, &validFrom, &rate, &n}, func() error {
		k := [2]string{period, work}
		wp := pools[k]
		if wp == nil {
			var tm LangMap
			json.Unmarshal(title, &tm)
			name, _ := tm.In(lang)
			wp = &WorkPool{Period: period, WorkID: work, WorkTitle: name, Shares: []Share{}}
			pools[k] = wp
			order = append(order, k)
		}
		wp.Loans += n
		wp.Rates = append(wp.Rates, RateLoans{ValidFrom: validFrom, PerLoan: Money{rate}, Loans: n})
		wp.Pool = Money{wp.Pool.Add(rate.Mul(decimal.NewFromInt(int64(n))))}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("library: remuneration: %w", err)
	}
	works := []string{}
	for _, k := range order {
		works = append(works, k[1])
	}
	rows, err = s.pool.Query(ctx, selectHolders, works)
	if err != nil {
		return nil, fmt.Errorf("library: remuneration holders: %w", err)
	}
	holders := map[string][]settlement.Holder{}
	names := map[string]string{}
	var pid, pname string
	var pct decimal.Decimal
	_, err = pgx.ForEachRow(rows, []any{&work, &pid, &pct, &pname}, func() error {
		holders[work] = append(holders[work], settlement.Holder{PartyID: pid, Role: "rights_holder", SharePct: pct})
		names[pid] = pname
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("library: remuneration holders: %w", err)
	}
	byHolder := map[string]*HolderStatement{}
	for _, k := range order {
		wp := pools[k]
		for _, sh := range settlement.SplitRoyalty(wp.Pool.Decimal, holders[wp.WorkID]) {
			wp.Shares = append(wp.Shares, Share{PartyID: sh.PartyID, SharePct: sh.SharePct, Amount: Money{sh.Amount}})
			hs := byHolder[sh.PartyID]
			if hs == nil {
				hs = &HolderStatement{PartyID: sh.PartyID, Name: names[sh.PartyID], Lines: []HolderLine{}}
				byHolder[sh.PartyID] = hs
			}
			hs.Loans += wp.Loans
			hs.Amount = Money{hs.Amount.Add(sh.Amount)}
			hs.Lines = append(hs.Lines, HolderLine{Period: wp.Period, WorkID: wp.WorkID, WorkTitle: wp.WorkTitle,
				Loans: wp.Loans, Pool: wp.Pool, SharePct: sh.SharePct, Amount: Money{sh.Amount}})
		}
		if party != "" && !hasShare(wp.Shares, party) {
			continue
		}
		rep.Works = append(rep.Works, *wp)
		rep.Loans += wp.Loans
		rep.Pool = Money{rep.Pool.Add(wp.Pool.Decimal)}
		for _, sh := range wp.Shares {
			if party == "" || sh.PartyID == party {
				rep.Allocated = Money{rep.Allocated.Add(sh.Amount.Decimal)}
			}
		}
		if len(wp.Shares) == 0 {
			rep.Unallocated = Money{rep.Unallocated.Add(wp.Pool.Decimal)}
		}
	}
	for id, hs := range byHolder {
		if party == "" || id == party {
			rep.Holders = append(rep.Holders, *hs)
		}
	}
	sort.Slice(rep.Holders, func(i, j int) bool { return rep.Holders[i].PartyID < rep.Holders[j].PartyID })
	return rep, nil
}

func hasShare(ss []Share, party string) bool {
	for _, s := range ss {
		if s.PartyID == party {
			return true
		}
	}
	return false
}

// WriteCSV writes the rights holders' statement lines: a header row, one
// row per holder × work × month, and a last row whose first field is
// "total" (the royalty statement's shape).
func (r *Remuneration) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"party_id", "party_name", "period", "work_id", "work_title", "loans", "pool", "share_pct", "amount"})
	total, loans := decimal.Zero, 0
	for _, h := range r.Holders {
		for _, l := range h.Lines {
			cw.Write([]string{h.PartyID, h.Name, l.Period, l.WorkID, l.WorkTitle, strconv.Itoa(l.Loans),
				l.Pool.StringFixed(2), l.SharePct.String(), l.Amount.StringFixed(2)})
			total = total.Add(l.Amount.Decimal)
			loans += l.Loans
		}
	}
	cw.Write([]string{"total", "", "", "", "", strconv.Itoa(loans), "", "", total.StringFixed(2)})
	cw.Flush()
	return cw.Error()
}

// Money is an amount in tenge, written in JSON as a string with two
// decimals ("50.00"), as every amount of the API.
type Money struct{ decimal.Decimal }

// MarshalJSON writes the amount with two decimals.
func (m Money) MarshalJSON() ([]byte, error) { return []byte(`"` + m.StringFixed(2) + `"`), nil }
