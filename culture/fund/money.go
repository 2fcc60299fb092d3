package fund

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"ecinema/culture/idempotency"
	"ecinema/kztime"
	"ecinema/ledger"
	"ecinema/validate"
)

// Ledger kinds of the fund (see ledger/doc.go).
const (
	kindAward        = "fund_award"
	kindRejection    = "fund_rejection"
	kindDisbursement = "fund_disbursement"
)

// minReviews is how many reviews without a declared conflict of interest a
// decision needs.
const minReviews = 3

// decisionBody is the body of a fund_award or fund_rejection entry.
type decisionBody struct {
	ApplicationID string `json:"application_id"`
	CallID        string `json:"call_id"`
	BIN           string `json:"bin"`
	DecidedOn     string `json:"decided_on"`
	GrantID       string `json:"grant_id,omitempty"`
	Amount        string `json:"amount,omitempty"`
}

// disbursementBody is the body of a fund_disbursement entry.
type disbursementBody struct {
	ID            string `json:"id"`
	GrantID       string `json:"grant_id"`
	CallID        string `json:"call_id"`
	BIN           string `json:"bin"`
	Amount        string `json:"amount"`
	Date          string `json:"date"`
	Milestone     string `json:"milestone"`
	ExportRevenue string `json:"export_revenue"`
}

const (
	selectForDecision = `SELECT a.call_id, a.bin, a.amount_requested,
  EXISTS (SELECT 1 FROM fund_decisions d WHERE d.application_id = a.id),
  (SELECT count(*) FROM fund_reviews r WHERE r.application_id = a.id AND NOT r.conflict_of_interest)
FROM fund_applications a WHERE a.id = $1 FOR UPDATE OF a`
	lockBudget     = `SELECT budget FROM fund_calls WHERE id = $1 FOR UPDATE`
	insertDecision = `INSERT INTO fund_decisions (application_id, award, grant_id, amount, decided_on, entry_seq) VALUES ($1, $2, NULLIF($3, ''), $4, $5, $6)`
	insertGrant    = `INSERT INTO fund_grants (id, application_id, call_id, bin, amount, awarded_on, entry_seq, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`
	lockGrant      = `SELECT call_id, bin, amount, awarded_on::text, (SELECT COALESCE(sum(amount), 0) FROM fund_disbursements WHERE grant_id = g.id)
FROM fund_grants g WHERE id = $1`
	insertDisbursement = `INSERT INTO fund_disbursements (id, grant_id, amount, date, milestone, export_revenue, entry_seq, recorded_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`
)

// Decide records the fund officer's decision on an application as a
// ledger entry. It needs minReviews reviews without a declared conflict;
// an award is at most the amount requested and never takes the call's
// awards above its budget. The rules run inside the append transaction,
// after the ledger head and the call row are locked, so concurrent awards
// cannot overspend a budget.
//
// Under an idempotency key (k not zero) a repeated request answers the
// stored decision and appends nothing (idempotency.Do); the key is stored
// with the entry.
func (s *Service) Decide(ctx context.Context, actor, appID string, in DecisionInput, k idempotency.Key) (Decision, error) {
	return idempotency.Do(ctx, s.pool, k, func() (Decision, error) { return s.decide(ctx, actor, appID, in, k) })
}

func (s *Service) decide(ctx context.Context, actor, appID string, in DecisionInput, k idempotency.Key) (Decision, error) {
	var v validate.Errors
	var amount decimal.Decimal
	switch {
	case in.Award == nil:
		v.Add("award", "required", "is required (true or false)")
	case *in.Award:
		amount = v.Money("amount", in.Amount, decimal.RequireFromString("0.01"), maxMoney)
	case in.Amount != "":
		v.Add("amount", "not_allowed", "a rejection has no amount")
	}
	if err := v.Err(); err != nil {
		return Decision{}, err
	}
	app, err := s.Application(ctx, appID)
	if err != nil {
		return Decision{}, err
	}
	body := decisionBody{ApplicationID: appID, CallID: app.CallID, BIN: app.BIN,
		DecidedOn: s.cfg.Now().In(kztime.Location).Format(time.DateOnly)}
	kind := kindRejection
	if *in.Award {
		kind = kindAward
		body.GrantID = "grant-" + strings.TrimPrefix(appID, "app-")
		body.Amount = amount.StringFixed(2)
	}
	var d Decision
	_, err = s.app.Append(ctx, ledger.Record{Kind: kind, Actor: actor, Body: body,
		Project: func(ctx context.Context, tx pgx.Tx, e ledger.Entry) error {
			if err := checkDecision(ctx, tx, body, *in.Award, amount); err != nil {
				return err
			}
			if err := project(ctx, tx, kind, e, body); err != nil {
				return err
			}
			d = Decision{ApplicationID: appID, Award: *in.Award, GrantID: body.GrantID, Amount: body.Amount, EntrySeq: e.Seq}
			return idempotency.Save(ctx, tx, k, d)
		}})
	if err != nil {
		return Decision{}, wrap("decide "+appID, err)
	}
	return d, nil
}

// checkDecision enforces the decision rules under the ledger head lock.
func checkDecision(ctx context.Context, tx pgx.Tx, b decisionBody, award bool, amount decimal.Decimal) error {
	var callID, bin string
	var requested decimal.Decimal
	var decided bool
	var reviews int
	if err := tx.QueryRow(ctx, selectForDecision, b.ApplicationID).Scan(&callID, &bin, &requested, &decided, &reviews); err != nil {
		return err
	}
	switch {
	case decided:
		return refuse(ErrAlreadyDecided, "", fmt.Sprintf("application %s is already decided", b.ApplicationID))
	case reviews < minReviews:
		return refuse(ErrNotEnoughReviews, "", fmt.Sprintf("application %s has %d of the %d reviews without a conflict of interest a decision needs", b.ApplicationID, reviews, minReviews))
	case !award:
		return nil
	case amount.GreaterThan(requested):
		return refuse(ErrOverRequest, "amount", fmt.Sprintf("the award %s is more than the %s requested", amount.StringFixed(2), requested.StringFixed(2)))
	}
	var budget, awarded decimal.Decimal
	if err := tx.QueryRow(ctx, lockBudget, callID).Scan(&budget); err != nil {
		return err
	}
	if err := tx.QueryRow(ctx, callAwarded, callID).Scan(&awarded); err != nil {
		return err
	}
	if awarded.Add(amount).GreaterThan(budget) {
		return refuse(ErrBudgetExceeded, "amount", fmt.Sprintf("call %s has awarded %s of its %s budget; %s more would exceed it",
			callID, awarded.StringFixed(2), budget.StringFixed(2), amount.StringFixed(2)))
	}
	return nil
}

// Disburse records a payment against a grant as a ledger entry. The
// payments of a grant never add up to more than the award, and none is
// dated before the award: the rule runs inside the append transaction,
// after the ledger head is locked, so concurrent payments are serialised.
// A payment is a fact of the past: none is dated after today in
// Kazakhstan. Under an idempotency key (k not zero) a repeated request
// answers the stored payment and appends nothing (idempotency.Do).
func (s *Service) Disburse(ctx context.Context, actor, grantID string, in DisbursementInput, k idempotency.Key) (Disbursement, error) {
	return idempotency.Do(ctx, s.pool, k, func() (Disbursement, error) { return s.disburse(ctx, actor, grantID, in, k) })
}

func (s *Service) disburse(ctx context.Context, actor, grantID string, in DisbursementInput, k idempotency.Key) (Disbursement, error) {
	var v validate.Errors
	amount := v.Money("amount", in.Amount, decimal.RequireFromString("0.01"), maxMoney)
	v.Date("date", in.Date)
	in.Milestone = strings.TrimSpace(in.Milestone)
	v.Required("milestone", in.Milestone)
	export := decimal.Zero
	if in.ExportRevenue != "" {
		export = v.Money("export_revenue", in.ExportRevenue, decimal.Zero, maxMoney)
	}
	if err := v.Err(); err != nil {
		return Disbursement{}, err
	}
	if today := s.cfg.Now().In(kztime.Location).Format(time.DateOnly); in.Date > today {
		return Disbursement{}, refuse(ErrDateInFuture, "date", fmt.Sprintf("a payment cannot be dated %s: today is %s in Kazakhstan", in.Date, today))
	}
	g, err := s.Grant(ctx, grantID)
	if err != nil {
		return Disbursement{}, err
	}
	idb := make([]byte, 6)
	rand.Read(idb)
	body := disbursementBody{ID: "disb-" + hex.EncodeToString(idb), GrantID: grantID, CallID: g.CallID, BIN: g.BIN,
		Amount: amount.StringFixed(2), Date: in.Date, Milestone: in.Milestone, ExportRevenue: export.StringFixed(2)}
	var d Disbursement
	_, err = s.app.Append(ctx, ledger.Record{Kind: kindDisbursement, Actor: actor, Body: body,
		Project: func(ctx context.Context, tx pgx.Tx, e ledger.Entry) error {
			var callID, bin, awardedOn string
			var award, paid decimal.Decimal
			if err := tx.QueryRow(ctx, lockGrant, grantID).Scan(&callID, &bin, &award, &awardedOn, &paid); err != nil {
				return err
			}
			if body.Date < awardedOn {
				return refuse(ErrBeforeAward, "date", fmt.Sprintf("grant %s was awarded on %s; a payment cannot be dated %s", grantID, awardedOn, body.Date))
			}
			if paid.Add(amount).GreaterThan(award) {
				return refuse(ErrOverAward, "amount", fmt.Sprintf("grant %s of %s has %s paid; %s more would exceed the award",
					grantID, award.StringFixed(2), paid.StringFixed(2), amount.StringFixed(2)))
			}
			if err := project(ctx, tx, kindDisbursement, e, body); err != nil {
				return err
			}
			d = Disbursement{ID: body.ID, GrantID: grantID, Amount: body.Amount, Date: body.Date, Milestone: body.Milestone,
				ExportRevenue: body.ExportRevenue, EntrySeq: e.Seq}
			return idempotency.Save(ctx, tx, k, d)
		}})
	if err != nil {
		return Disbursement{}, wrap("disburse "+grantID, err)
	}
	return d, nil
}

// project writes the projection rows of one fund entry. The live append
// and the rebuild of verify --deep both run it.
func project(ctx context.Context, tx pgx.Tx, kind string, e ledger.Entry, body any) error {
	var err error
	switch b := body.(type) {
	case decisionBody:
		var amount *string
		if b.Amount != "" {
			amount = &b.Amount
		}
		if _, err = tx.Exec(ctx, insertDecision, b.ApplicationID, kind == kindAward, b.GrantID, amount, b.DecidedOn, e.Seq); err == nil && kind == kindAward {
			_, err = tx.Exec(ctx, insertGrant, b.GrantID, b.ApplicationID, b.CallID, b.BIN, b.Amount, b.DecidedOn, e.Seq, e.At)
		}
	case disbursementBody:
		_, err = tx.Exec(ctx, insertDisbursement, b.ID, b.GrantID, b.Amount, b.Date, b.Milestone, b.ExportRevenue, e.Seq, e.At)
	default:
		err = fmt.Errorf("unknown body %T", body)
	}
	if err != nil {
		return fmt.Errorf("fund: project %s seq %d: %w", kind, e.Seq, err)
	}
	return nil
}

// replay decodes a stored fund entry's body and projects it.
func replay(ctx context.Context, tx pgx.Tx, e ledger.Entry, p ledger.ParsedEntry) error {
	switch p.Kind {
	case kindAward, kindRejection:
		var b decisionBody
		if err := json.Unmarshal(p.Body, &b); err != nil {
			return fmt.Errorf("fund: %s body: %w", p.Kind, err)
		}
		return project(ctx, tx, p.Kind, e, b)
	case kindDisbursement:
		var b disbursementBody
		if err := json.Unmarshal(p.Body, &b); err != nil {
			return fmt.Errorf("fund: %s body: %w", p.Kind, err)
		}
		return project(ctx, tx, p.Kind, e, b)
	}
	return nil
}

// fundTables are the projections of fund entries that verify --deep rebuilds.
var fundTables = []ledger.ShadowTable{
	{Name: "fund_decisions", Columns: "application_id, award, grant_id, amount, decided_on, entry_seq", SeqColumn: "entry_seq"},
	{Name: "fund_grants", Columns: "id, application_id, call_id, bin, amount, awarded_on, entry_seq, recorded_at", SeqColumn: "entry_seq"},
	{Name: "fund_disbursements", Columns: "id, grant_id, amount, date, milestone, export_revenue, entry_seq, recorded_at", SeqColumn: "entry_seq"},
}

// deepCheck rebuilds the fund's decisions, grants and disbursements from
// the ledger for `ecinema verify --deep` and compares them with the stored
// tables. Before it replays an entry it checks the entry against the rules
// of Decide and Disburse (deepState), so an entry written while a row they
// read was changed and put back is a mismatch at that entry.
type deepCheck struct{ st *deepState }

// NewDeepCheck returns the fund's projection rebuild.
func NewDeepCheck() ledger.DeepCheck { return &deepCheck{} }

// Name names the check.
func (*deepCheck) Name() string { return "fund" }

// Begin reads the calls and applications the rules read and creates the
// temporary tables.
func (d *deepCheck) Begin(ctx context.Context, tx pgx.Tx) error {
	st, err := loadDeepState(ctx, tx)
	if err != nil {
		return err
	}
	d.st = st
	return ledger.CreateShadows(ctx, tx, fundTables)
}

// Entry checks a fund entry against the rules, then replays it.
func (d *deepCheck) Entry(ctx context.Context, tx pgx.Tx, e ledger.Entry, p ledger.ParsedEntry) error {
	var err error
	switch p.Kind {
	case kindAward, kindRejection:
		var b decisionBody
		if json.Unmarshal(p.Body, &b) == nil {
			err = d.st.decision(e, p.Kind, b)
		}
	case kindDisbursement:
		var b disbursementBody
		if json.Unmarshal(p.Body, &b) == nil {
			err = d.st.disbursement(e, b)
		}
	}
	if err != nil {
		return err
	}
	return replay(ctx, tx, e, p)
}

// Compare compares the rebuilt tables with the stored ones.
func (*deepCheck) Compare(ctx context.Context, tx pgx.Tx) error {
	return ledger.CompareShadows(ctx, tx, fundTables)
}

const (
	selectGrant = `SELECT g.id, g.application_id, g.call_id, g.bin, g.amount::text, g.awarded_on::text, g.entry_seq,
  (SELECT COALESCE(sum(amount), 0) FROM fund_disbursements WHERE grant_id = g.id)::numeric(16,2)::text
FROM fund_grants g WHERE g.id = $1`
	selectDisbursements = `SELECT id, grant_id, amount::text, date::text, milestone, export_revenue::text, entry_seq
FROM fund_disbursements WHERE grant_id = $1 ORDER BY date, entry_seq`
)

// Grant returns a grant with its payments.
func (s *Service) Grant(ctx context.Context, id string) (Grant, error) {
	var g Grant
	err := s.pool.QueryRow(ctx, selectGrant, id).Scan(&g.ID, &g.ApplicationID, &g.CallID, &g.BIN, &g.Amount, &g.AwardedOn, &g.EntrySeq, &g.Disbursed)
	if errors.Is(err, pgx.ErrNoRows) {
		return Grant{}, refuse(ErrNotFound, "", fmt.Sprintf("grant %q not found", id))
	}
	if err != nil {
		return Grant{}, fmt.Errorf("fund: grant %s: %w", id, err)
	}
	g.Remaining = decimal.RequireFromString(g.Amount).Sub(decimal.RequireFromString(g.Disbursed)).StringFixed(2)
	rows, err := s.pool.Query(ctx, selectDisbursements, id)
	if err != nil {
		return Grant{}, fmt.Errorf("fund: grant %s: %w", id, err)
	}
	g.Disbursements, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (Disbursement, error) {
		var d Disbursement
		err := r.Scan(&d.ID, &d.GrantID, &d.Amount, &d.Date, &d.Milestone, &d.ExportRevenue, &d.EntrySeq)
		return d, err
	})
	if err != nil {
		return Grant{}, fmt.Errorf("fund: grant %s: %w", id, err)
	}
	return g, nil
}
