package fund

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"ecinema/culture/idempotency"
	"ecinema/culture/keyset"
	"ecinema/culture/ngo"
	"ecinema/kztime"
	"ecinema/validate"
)

// ApplicantKind is the kind of a BIN-scoped applicant: an ngo key applies
// as an NGO; an applicant key whose BIN has 4 or 5 as its fifth digit (a
// resident or non-resident legal entity) is a company, and one with 6
// there (joint individual entrepreneurship) or an IIN (the fifth digit is
// the first of the day of birth, 0..3) is an individual entrepreneur.
func ApplicantKind(isNGO bool, bin string) string {
	switch {
	case isNGO:
		return kindNGO
	case len(bin) == 12 && (bin[4] == '4' || bin[4] == '5'):
		return kindCompany
	default:
		return kindEntrepreneur
	}
}

const (
	regionExists      = `SELECT EXISTS (SELECT 1 FROM regions WHERE code = $1)`
	insertApplication = `WITH n AS (SELECT nextval('fund_application_seq') AS seq)
INSERT INTO fund_applications (id, seq, call_id, bin, applicant_kind, applicant_name, title, summary,
  amount_requested, region, sector, submitted_at, actor)
SELECT 'app-' || n.seq, n.seq, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11 FROM n RETURNING id`
	applicationColumns = `a.id, a.call_id, a.bin, a.applicant_kind, a.applicant_name, a.title, a.summary, a.amount_requested::text,
  a.region, a.sector, a.submitted_at,
  CASE WHEN d.award IS NULL THEN 'submitted' WHEN d.award THEN 'awarded' ELSE 'rejected' END, COALESCE(d.grant_id, ''),
  (SELECT count(*) FROM fund_reviews r WHERE r.application_id = a.id AND NOT r.conflict_of_interest),
  (SELECT COALESCE(round(avg(r.weighted), 2)::text, '') FROM fund_reviews r WHERE r.application_id = a.id AND NOT r.conflict_of_interest)`
	selectApplication  = `SELECT ` + applicationColumns + ` FROM fund_applications a LEFT JOIN fund_decisions d ON d.application_id = a.id WHERE a.id = $1`
	selectApplications = `SELECT ` + applicationColumns + ` FROM fund_applications a LEFT JOIN fund_decisions d ON d.application_id = a.id
WHERE a.call_id = $1 AND a.seq > $2 AND ($4 = '' OR a.bin = $4) ORDER BY a.seq LIMIT $3`
)

// Apply checks an application at once and stores it when the applicant
// is eligible: its kind among the call's, its BIN valid, an NGO eligible
// in the NGO database, the amount within the call's budget. An
// ineligible application is ErrNotEligible with every reason, and nothing
// is stored. Under an idempotency key (k not zero) a repeated request
// answers the stored application and stores nothing (idempotency.Do).
func (s *Service) Apply(ctx context.Context, actor, callID, bin, kind string, in ApplicationInput, k idempotency.Key) (Application, error) {
	return idempotency.Do(ctx, s.pool, k, func() (Application, error) { return s.apply(ctx, actor, callID, bin, kind, in, k) })
}

func (s *Service) apply(ctx context.Context, actor, callID, bin, kind string, in ApplicationInput, k idempotency.Key) (Application, error) {
	call, err := s.Call(ctx, callID)
	if err != nil {
		return Application{}, err
	}
	var v validate.Errors
	in.Title, in.Summary, in.Sector = strings.TrimSpace(in.Title), strings.TrimSpace(in.Summary), strings.TrimSpace(in.Sector)
	in.ApplicantName = strings.TrimSpace(in.ApplicantName)
	v.Required("title", in.Title)
	v.Required("summary", in.Summary)
	amount := v.Money("amount_requested", in.AmountRequested, decimal.RequireFromString("0.01"), maxMoney)
	in.AmountRequested = amount.StringFixed(2)
	v.Required("region", in.Region)
	v.Required("sector", in.Sector)
	if err := v.Err(); err != nil {
		return Application{}, err
	}
	today := s.cfg.Now().In(kztime.Location).Format(time.DateOnly)
	if today < call.Opens || today > call.Closes {
		return Application{}, refuse(ErrCallClosed, "", fmt.Sprintf("call %s takes applications from %s to %s; today is %s", callID, call.Opens, call.Closes, today))
	}
	var ok bool
	if err := s.pool.QueryRow(ctx, regionExists, in.Region).Scan(&ok); err != nil {
		return Application{}, fmt.Errorf("fund: apply: %w", err)
	}
	if !ok {
		return Application{}, refuse(ErrUnknownRegion, "region", fmt.Sprintf("region %q is not an ISO 3166-2:KZ code of the regions table", in.Region))
	}
	reasons, name, err := s.eligibility(ctx, call, bin, kind, amount)
	if err != nil {
		return Application{}, err
	}
	if len(reasons) > 0 {
		msgs := make([]string, len(reasons))
		for i, r := range reasons {
			msgs[i] = r.Message
		}
		return Application{}, &validate.Errors{Class: ErrNotEligible, Message: "not eligible: " + strings.Join(msgs, "; "), Fields: reasons}
	}
	if in.ApplicantName == "" {
		in.ApplicantName = name
	}
	var a Application
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var id string
		if err := tx.QueryRow(ctx, insertApplication, callID, bin, kind, in.ApplicantName, in.Title, in.Summary,
			in.AmountRequested, in.Region, in.Sector, s.cfg.Now(), actor).Scan(&id); err != nil {
			return err
		}
		var err error
		if a, err = scanApplication(tx.QueryRow(ctx, selectApplication, id)); err != nil {
			return err
		}
		return idempotency.Save(ctx, tx, k, a)
	})
	if err != nil {
		return Application{}, fmt.Errorf("fund: apply: %w", err)
	}
	return a, nil
}

// eligibility lists why bin may not apply to call (none: eligible) and
// the applicant's name in the NGO database, if any.
func (s *Service) eligibility(ctx context.Context, call Call, bin, kind string, amount decimal.Decimal) ([]validate.FieldError, string, error) {
	var reasons []validate.FieldError
	add := func(field, code, format string, args ...any) {
		reasons = append(reasons, validate.FieldError{Field: field, Code: code, Message: fmt.Sprintf(format, args...)})
	}
	if !ngo.ValidBIN(bin) {
		add("bin", "invalid_bin", "%s is not a valid BIN", bin)
	}
	if !slices.Contains(call.Eligible, kind) {
		add("applicant_kind", "kind_not_eligible", "call %s is open to %s, not to a %s", call.ID, strings.Join(call.Eligible, ", "), kind)
	}
	name := ""
	if kind == kindNGO {
		e, err := s.ngos.Eligibility(ctx, bin)
		if err != nil {
			return nil, "", err
		}
		for _, r := range e.Reasons {
			add("bin", r.Code, "NGO database: %s", r.Message)
		}
		if n, err := s.ngos.NGO(ctx, bin); err == nil {
			name = n.Name.Pick("ru")
		}
	} else {
		// A BIN in the NGO database is an NGO, whatever key it holds: it
		// applies as one, so that the database's eligibility applies.
		switch _, err := s.ngos.NGO(ctx, bin); {
		case err == nil:
			add("bin", "registered_ngo", "%s is registered in the NGO database: an NGO applies with its ngo key, as an NGO", bin)
		case !errors.Is(err, ngo.ErrNotFound):
			return nil, "", err
		}
	}
	if amount.GreaterThan(decimal.RequireFromString(call.Budget)) {
		add("amount_requested", "amount_over_budget", "%s is more than the call's budget of %s", amount.StringFixed(2), call.Budget)
	}
	return reasons, name, nil
}

func scanApplication(r pgx.Row) (Application, error) {
	var a Application
	err := r.Scan(&a.ID, &a.CallID, &a.BIN, &a.ApplicantKind, &a.ApplicantName, &a.Title, &a.Summary, &a.AmountRequested,
		&a.Region, &a.Sector, &a.SubmittedAt, &a.Status, &a.GrantID, &a.Reviews, &a.Score)
	return a, err
}

// Application returns an application with its state.
func (s *Service) Application(ctx context.Context, id string) (Application, error) {
	a, err := scanApplication(s.pool.QueryRow(ctx, selectApplication, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return Application{}, refuse(ErrNotFound, "", fmt.Sprintf("application %q not found", id))
	}
	if err != nil {
		return Application{}, fmt.Errorf("fund: application %s: %w", id, err)
	}
	return a, nil
}

const applicationSeq = `SELECT seq FROM fund_applications WHERE id = $1`

// Applications returns a page of a call's applications in the order they
// came; only those of bin when bin is not "" (an applicant's own).
func (s *Service) Applications(ctx context.Context, callID, bin string, p Page) ([]Application, string, error) {
	if _, err := s.Call(ctx, callID); err != nil {
		return nil, "", err
	}
	var after int64
	if p.Cursor != "" {
		err := s.pool.QueryRow(ctx, applicationSeq, p.Cursor).Scan(&after)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil, "", validate.Refuse(validate.ErrInvalidQuery, "cursor", "cursor %q names no application: pass the next_cursor of the page before", p.Cursor)
		}
		if err != nil {
			return nil, "", fmt.Errorf("fund: applications cursor: %w", err)
		}
	}
	return keyset.Read(ctx, s.pool, "fund: applications", p, scanApplication, func(a Application) string { return a.ID },
		selectApplications, callID, after, p.Fetch(), bin)
}
