package ngo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"ecinema/kztime"
	"ecinema/validate"
)

const (
	reportColumns = `bin, year, version, status, late, submitted_at, decided_at, comment, body`
	lockReport    = `SELECT ` + reportColumns + ` FROM ngo_reports WHERE bin = $1 AND year = $2 FOR UPDATE`
	selectReport  = `SELECT ` + reportColumns + ` FROM ngo_reports WHERE bin = $1 AND year = $2`
	upsertReport  = `INSERT INTO ngo_reports (bin, year, version, status, late, submitted_at, decided_at, comment, body, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
ON CONFLICT (bin, year) DO UPDATE SET version = EXCLUDED.version, status = EXCLUDED.status, late = EXCLUDED.late,
  submitted_at = EXCLUDED.submitted_at, decided_at = EXCLUDED.decided_at, comment = EXCLUDED.comment,
  body = EXCLUDED.body, updated_at = EXCLUDED.updated_at`
	insertReportVer = `INSERT INTO ngo_report_versions (bin, year, version, status, late, comment, body, actor, recorded_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`
	lockNGO = `SELECT status FROM ngos WHERE bin = $1 FOR SHARE`
)

func scanReport(r pgx.Row) (Report, error) {
	var rep Report
	var body []byte
	err := r.Scan(&rep.BIN, &rep.Year, &rep.Version, &rep.Status, &rep.Late, &rep.SubmittedAt, &rep.DecidedAt, &rep.Comment, &body)
	if err != nil {
		return Report{}, err
	}
	rep.Due = dueDate(rep.Year).Format(time.DateOnly)
	return rep, json.Unmarshal(body, &rep.ReportInput)
}

// change runs one step of a report's life in a transaction: it locks the
// NGO and the report (absent: found false), lets step decide the new
// state, then writes the current row and a new version row.
func (s *Service) change(ctx context.Context, actor, bin string, year int,
	step func(cur Report, found bool) (Report, error)) (Report, error) {
	var out Report
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var st string
		if err := tx.QueryRow(ctx, lockNGO, bin).Scan(&st); errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("%w: NGO %s is not registered", ErrNotFound, bin)
		} else if err != nil {
			return err
		}
		cur, err := scanReport(tx.QueryRow(ctx, lockReport, bin, year))
		found := err == nil
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		next, err := step(cur, found)
		if err != nil {
			return err
		}
		next.BIN, next.Year, next.Version = bin, year, cur.Version+1
		next.Due = dueDate(year).Format(time.DateOnly)
		body, _ := json.Marshal(next.ReportInput)
		at := s.now()
		if _, err := tx.Exec(ctx, upsertReport, bin, year, next.Version, next.Status, next.Late, next.SubmittedAt,
			next.DecidedAt, next.Comment, body, at); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, insertReportVer, bin, year, next.Version, next.Status, next.Late, next.Comment, body, actor, at); err != nil {
			return err
		}
		out = next
		return nil
	})
	if err != nil {
		if isDomain(err) {
			return Report{}, err
		}
		return Report{}, fmt.Errorf("ngo: report %s/%d: %w", bin, year, err)
	}
	return out, nil
}

func isDomain(err error) bool {
	var v *validate.Errors
	return errors.As(err, &v) || errors.Is(err, ErrNotFound) || errors.Is(err, ErrReportLocked) ||
		errors.Is(err, ErrInvalidTransition) || errors.Is(err, ErrUnknownRegion)
}

// PutReport writes the draft of an annual report: a new report, or a new
// version of a draft or of a returned report. A submitted or accepted
// report is locked (ErrReportLocked).
func (s *Service) PutReport(ctx context.Context, actor, bin string, year int, in ReportInput) (Report, error) {
	in, err := normaliseReport(year, s.now().In(kztime.Location).Year(), in)
	if err != nil {
		return Report{}, err
	}
	return s.change(ctx, actor, bin, year, func(cur Report, found bool) (Report, error) {
		if found && (cur.Status == StatusSubmitted || cur.Status == StatusAccepted) {
			return Report{}, fmt.Errorf("%w: the %d report is %s; only a draft or a returned report can be changed", ErrReportLocked, year, cur.Status)
		}
		return Report{Status: StatusDraft, ReportInput: in}, nil
	})
}

// Submit hands a draft or returned report to the ministry. A report
// submitted after 31 March of the next year is flagged late.
func (s *Service) Submit(ctx context.Context, actor, bin string, year int) (Report, error) {
	return s.change(ctx, actor, bin, year, func(cur Report, found bool) (Report, error) {
		if !found {
			return Report{}, fmt.Errorf("%w: NGO %s has no %d report", ErrNotFound, bin, year)
		}
		if cur.Status != StatusDraft && cur.Status != StatusReturned {
			return Report{}, fmt.Errorf("%w: the %d report is %s; only a draft or a returned report can be submitted", ErrInvalidTransition, year, cur.Status)
		}
		at := s.now().UTC()
		cur.Status, cur.SubmittedAt, cur.DecidedAt, cur.Comment = StatusSubmitted, &at, nil, ""
		cur.Late = isLate(year, at)
		return cur, nil
	})
}

// Decide is the ministry's accept (accept true) or return of a submitted
// report; a return needs a comment saying what to fix.
func (s *Service) Decide(ctx context.Context, actor, bin string, year int, accept bool, comment string) (Report, error) {
	comment = strings.TrimSpace(comment)
	if !accept && comment == "" {
		var v validate.Errors
		v.Add("comment", "required", "a returned report needs a comment saying what to fix")
		return Report{}, &v
	}
	return s.change(ctx, actor, bin, year, func(cur Report, found bool) (Report, error) {
		if !found {
			return Report{}, fmt.Errorf("%w: NGO %s has no %d report", ErrNotFound, bin, year)
		}
		if cur.Status != StatusSubmitted {
			return Report{}, fmt.Errorf("%w: the %d report is %s; only a submitted report can be accepted or returned", ErrInvalidTransition, year, cur.Status)
		}
		at := s.now().UTC()
		cur.Status, cur.DecidedAt, cur.Comment = StatusReturned, &at, comment
		if accept {
			cur.Status = StatusAccepted
		}
		return cur, nil
	})
}

// Report returns the current state of an annual report.
func (s *Service) Report(ctx context.Context, bin string, year int) (Report, error) {
	r, err := scanReport(s.pool.QueryRow(ctx, selectReport, bin, year))
	if errors.Is(err, pgx.ErrNoRows) {
		return Report{}, fmt.Errorf("%w: NGO %s has no %d report", ErrNotFound, bin, year)
	}
	if err != nil {
		return Report{}, fmt.Errorf("ngo: report %s/%d: %w", bin, year, err)
	}
	return r, nil
}

const selectReportVersions = `SELECT version, status, late, comment, actor, recorded_at, body
FROM ngo_report_versions WHERE bin = $1 AND year = $2 ORDER BY version`

// ReportVersions returns every recorded state of a report, oldest first.
func (s *Service) ReportVersions(ctx context.Context, bin string, year int) ([]ReportVersion, error) {
	rows, err := s.pool.Query(ctx, selectReportVersions, bin, year)
	if err != nil {
		return nil, fmt.Errorf("ngo: report versions: %w", err)
	}
	vs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (ReportVersion, error) {
		var v ReportVersion
		var body []byte
		if err := r.Scan(&v.Version, &v.Status, &v.Late, &v.Comment, &v.Actor, &v.RecordedAt, &body); err != nil {
			return v, err
		}
		return v, json.Unmarshal(body, &v.Body)
	})
	if err != nil {
		return nil, fmt.Errorf("ngo: report versions: %w", err)
	}
	if len(vs) == 0 {
		return nil, fmt.Errorf("%w: NGO %s has no %d report", ErrNotFound, bin, year)
	}
	return vs, nil
}

// Eligibility says whether an NGO may receive state grants now: it is
// registered, active, and its last due report is accepted (an NGO
// registered after that report's year owes none yet). An unregistered BIN
// is not an error: it is ineligible with the reason not_registered.
func (s *Service) Eligibility(ctx context.Context, bin string) (Eligibility, error) {
	return s.eligibilityAt(ctx, bin, s.now())
}

// eligibilityAt is Eligibility at time t.
func (s *Service) eligibilityAt(ctx context.Context, bin string, t time.Time) (Eligibility, error) {
	e := Eligibility{BIN: bin, Reasons: []Reason{}}
	n, err := s.NGO(ctx, bin)
	if errors.Is(err, ErrNotFound) {
		e.Reasons = append(e.Reasons, Reason{"not_registered", fmt.Sprintf("%s is not registered in the NGO database", bin)})
		return e, nil
	}
	if err != nil {
		return e, err
	}
	if n.Status != "active" {
		e.Reasons = append(e.Reasons, Reason{"not_active", fmt.Sprintf("the NGO is %s, not active", n.Status)})
	}
	due := LastDueYear(t)
	reg, _ := time.Parse(time.DateOnly, n.RegisteredOn)
	if reg.Year() <= due {
		e.DueYear = due
		r, err := s.Report(ctx, bin, due)
		switch {
		case errors.Is(err, ErrNotFound):
			e.Reasons = append(e.Reasons, Reason{"report_missing",
				fmt.Sprintf("the %d report (due %s) has not been filed", due, dueDate(due).Format(time.DateOnly))})
		case err != nil:
			return e, err
		case r.Status != StatusAccepted:
			e.Reasons = append(e.Reasons, Reason{"report_not_accepted",
				fmt.Sprintf("the %d report (due %s) is %s, not accepted", due, dueDate(due).Format(time.DateOnly), r.Status)})
		}
	}
	e.Eligible = len(e.Reasons) == 0
	return e, nil
}
