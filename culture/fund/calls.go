package fund

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/shopspring/decimal"

	"ecinema/culture/keyset"
	"ecinema/culture/langmap"
	"ecinema/culture/ngo"
	"ecinema/ledger"
	"ecinema/validate"
)

// NGOs answers whether an NGO may receive state grants; *ngo.Service is
// the implementation.
type NGOs interface {
	Eligibility(ctx context.Context, bin string) (ngo.Eligibility, error)
	NGO(ctx context.Context, bin string) (ngo.NGO, error)
}

// Config is what the fund needs beyond its stores.
type Config struct {
	Funder Org              // the fund in the open data; DefaultFunder when empty
	Now    func() time.Time // clock; time.Now when nil
}

// DefaultFunder names the Creative Industry Development Fund in the open
// data until its real BIN is configured.
var DefaultFunder = Org{BIN: "240140000004", Name: "Creative Industry Development Fund"}

// Service is the Creative Industry Development Fund.
type Service struct {
	pool *pgxpool.Pool
	app  ledger.Appender
	ngos NGOs
	cfg  Config
}

// NewService returns the fund on pool; money moves through app; NGO
// applicants are checked against ngos.
func NewService(pool *pgxpool.Pool, app ledger.Appender, ngos NGOs, cfg Config) *Service {
	if cfg.Funder.BIN == "" {
		cfg.Funder = DefaultFunder
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Service{pool: pool, app: app, ngos: ngos, cfg: cfg}
}

var (
	maxMoney = decimal.RequireFromString("999999999999.99")
	hundred  = decimal.NewFromInt(100)
	ten      = decimal.NewFromInt(10)
)

// normaliseCall checks a call and returns it in canonical form.
func normaliseCall(id string, c Call) (Call, error) {
	var v validate.Errors
	v.ID("id", id)
	if c.ID != "" && c.ID != id {
		v.Add("id", "path_mismatch", "must equal the id of the path, %q", id)
	}
	c.ID, c.Version, c.Awarded, c.Remaining = id, 0, "", ""
	langmap.Check(&v, "title", c.Title)
	b := v.Money("budget", c.Budget, decimal.NewFromInt(1), maxMoney)
	c.Budget = b.StringFixed(2)
	opens, closes := v.Date("opens", c.Opens), v.Date("closes", c.Closes)
	if !opens.IsZero() && !closes.IsZero() && closes.Before(opens) {
		v.Add("closes", "out_of_range", "must not be before opens")
	}
	v.OneOf("instrument", c.Instrument, instruments...)
	if len(c.Eligible) == 0 {
		v.Add("eligible", "required", "name at least one of %s", strings.Join(kinds, ", "))
	}
	seenKind := []string{}
	for i, k := range c.Eligible {
		v.OneOf(fmt.Sprintf("eligible[%d]", i), k, kinds...)
		if !slices.Contains(seenKind, k) {
			seenKind = append(seenKind, k)
		}
	}
	c.Eligible = seenKind
	if len(c.Criteria) == 0 {
		v.Add("criteria", "required", "a call has at least one criterion")
	}
	sum, seen, summed := decimal.Zero, map[string]bool{}, true
	for i, cr := range c.Criteria {
		f := fmt.Sprintf("criteria[%d]", i)
		v.ID(f+".id", cr.ID)
		if seen[cr.ID] {
			v.Add(f+".id", "duplicate", "criterion %q appears twice", cr.ID)
		}
		seen[cr.ID] = true
		c.Criteria[i].Name = strings.TrimSpace(cr.Name)
		v.Required(f+".name", c.Criteria[i].Name)
		w, ok := v.JSONNumber(f+".weight", cr.Weight)
		if ok && (!w.IsPositive() || w.GreaterThan(hundred)) {
			v.Add(f+".weight", "out_of_range", "must be a number above 0 and at most 100")
			ok = false
		}
		summed = summed && ok
		sum = sum.Add(w)
	}
	if summed && len(c.Criteria) > 0 && !sum.Equal(hundred) { // a sum of the weights that are numbers would mislead
		v.Add("criteria", "weights_sum", "weights add up to %s, not 100", sum)
	}
	return c, v.Err()
}

const (
	lockCall     = `SELECT criteria FROM fund_calls WHERE id = $1 FOR UPDATE`
	callAwarded  = `SELECT COALESCE(sum(amount), 0) FROM fund_grants WHERE call_id = $1`
	callReviewed = `SELECT EXISTS (SELECT 1 FROM fund_reviews r JOIN fund_applications a ON a.id = r.application_id WHERE a.call_id = $1)`
	nextCallVer  = `SELECT COALESCE(max(version), 0) + 1 FROM fund_call_versions WHERE id = $1`
	insertCallV  = `INSERT INTO fund_call_versions (id, version, body, actor, recorded_at) VALUES ($1, $2, $3, $4, $5)`
	upsertCall   = `INSERT INTO fund_calls (id, version, title, budget, opens, closes, instrument, eligible, criteria, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
ON CONFLICT (id) DO UPDATE SET version = EXCLUDED.version, title = EXCLUDED.title, budget = EXCLUDED.budget,
  opens = EXCLUDED.opens, closes = EXCLUDED.closes, instrument = EXCLUDED.instrument, eligible = EXCLUDED.eligible,
  criteria = EXCLUDED.criteria, updated_at = EXCLUDED.updated_at`
	callColumns = `c.id, c.version, c.title, c.budget::text, c.opens::text, c.closes::text, c.instrument, c.eligible, c.criteria,
  (SELECT COALESCE(sum(g.amount), 0) FROM fund_grants g WHERE g.call_id = c.id)::numeric(16,2)::text`
	selectCall  = `SELECT ` + callColumns + ` FROM fund_calls c WHERE c.id = $1`
	selectCalls = `SELECT ` + callColumns + ` FROM fund_calls c WHERE c.id > $1 ORDER BY c.id LIMIT $2`
)

// PutCall creates a call or records a new version of it. Its criteria
// cannot change once reviews exist, nor its budget fall below what it has
// awarded; the call row lock serialises this with awards.
func (s *Service) PutCall(ctx context.Context, actor, id string, c Call) (Call, error) {
	c, err := normaliseCall(id, c)
	if err != nil {
		return Call{}, err
	}
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var old []Criterion
		err := tx.QueryRow(ctx, lockCall, id).Scan(&old)
		exists := err == nil
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		if exists {
			var reviewed bool
			if err := tx.QueryRow(ctx, callReviewed, id).Scan(&reviewed); err != nil {
				return err
			}
			if reviewed && !sameCriteria(old, c.Criteria) {
				return refuse(ErrCallInReview, "criteria", "the call's applications have reviews; its criteria can no longer change")
			}
			var awarded decimal.Decimal
			if err := tx.QueryRow(ctx, callAwarded, id).Scan(&awarded); err != nil {
				return err
			}
			if decimal.RequireFromString(c.Budget).LessThan(awarded) {
				return refuse(ErrBudgetBelow, "budget", fmt.Sprintf("the call has awarded %s; its budget cannot be less", awarded.StringFixed(2)))
			}
		}
		if err := tx.QueryRow(ctx, nextCallVer, id).Scan(&c.Version); err != nil {
			return err
		}
		body, _ := json.Marshal(c)
		at := s.cfg.Now()
		if _, err := tx.Exec(ctx, insertCallV, id, c.Version, body, actor, at); err != nil {
			return err
		}
		crit, _ := json.Marshal(c.Criteria)
		_, err = tx.Exec(ctx, upsertCall, id, c.Version, c.Title, c.Budget, c.Opens, c.Closes, c.Instrument, c.Eligible, crit, at)
		return err
	})
	if err != nil {
		return Call{}, wrap("put call "+id, err)
	}
	return s.Call(ctx, id)
}

func sameCriteria(a, b []Criterion) bool {
	return slices.EqualFunc(a, b, func(x, y Criterion) bool { return x.ID == y.ID && weight(x).Equal(weight(y)) })
}

// weight is a checked criterion's weight.
func weight(c Criterion) decimal.Decimal {
	w, _ := decimal.NewFromString(string(c.Weight))
	return w
}

// wrap prefixes infrastructure errors and passes domain errors through.
func wrap(what string, err error) error {
	var ve *validate.Errors
	if errors.As(err, &ve) || errors.Is(err, ErrNotFound) {
		return err
	}
	return fmt.Errorf("fund: %s: %w", what, err)
}

func scanCall(r pgx.Row) (Call, error) {
	var c Call
	var awarded string
	if err := r.Scan(&c.ID, &c.Version, &c.Title, &c.Budget, &c.Opens, &c.Closes, &c.Instrument, &c.Eligible, &c.Criteria, &awarded); err != nil {
		return Call{}, err
	}
	c.Awarded = awarded
	c.Remaining = decimal.RequireFromString(c.Budget).Sub(decimal.RequireFromString(awarded)).StringFixed(2)
	return c, nil
}

// Call returns a call with what it has awarded.
func (s *Service) Call(ctx context.Context, id string) (Call, error) {
	c, err := scanCall(s.pool.QueryRow(ctx, selectCall, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return Call{}, refuse(ErrNotFound, "", fmt.Sprintf("call %q not found", id))
	}
	if err != nil {
		return Call{}, fmt.Errorf("fund: call %s: %w", id, err)
	}
	return c, nil
}

// Calls returns a page of calls ordered by id.
func (s *Service) Calls(ctx context.Context, p Page) ([]Call, string, error) {
	return keyset.Read(ctx, s.pool, "fund: calls", p, scanCall, func(c Call) string { return c.ID }, selectCalls, p.Cursor, p.Fetch())
}
