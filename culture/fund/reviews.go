package fund

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"ecinema/validate"
)

const (
	lockApplication = `SELECT a.call_id, c.criteria, EXISTS (SELECT 1 FROM fund_decisions d WHERE d.application_id = a.id)
FROM fund_applications a JOIN fund_calls c ON c.id = a.call_id WHERE a.id = $1 FOR UPDATE OF a`
	nextReviewVer = `SELECT COALESCE(max(version), 0) + 1 FROM fund_review_versions WHERE application_id = $1 AND expert_id = $2`
	upsertReview  = `INSERT INTO fund_reviews (application_id, expert_id, version, scores, conflict_of_interest, comment, weighted, recorded_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
ON CONFLICT (application_id, expert_id) DO UPDATE SET version = EXCLUDED.version, scores = EXCLUDED.scores,
  conflict_of_interest = EXCLUDED.conflict_of_interest, comment = EXCLUDED.comment, weighted = EXCLUDED.weighted,
  recorded_at = EXCLUDED.recorded_at`
	insertReviewVer = `INSERT INTO fund_review_versions (application_id, expert_id, version, scores, conflict_of_interest, comment, actor, recorded_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`
	selectReviews = `SELECT application_id, expert_id, version, scores, conflict_of_interest, comment, COALESCE(weighted::text, ''), recorded_at
FROM fund_reviews WHERE application_id = $1 ORDER BY expert_id`
)

// PutReview records an expert's review of an application (a new version
// when the expert reviews again). Every criterion of the call is scored
// with an integer 0..10 unless the expert declares a conflict of
// interest, which excludes the review. Reviews close with the decision.
func (s *Service) PutReview(ctx context.Context, actor, appID, expertID string, in ReviewInput) (Review, error) {
	var v validate.Errors
	v.ID("expert", expertID)
	if in.ConflictOfInterest == nil {
		v.Add("conflict_of_interest", "required", "is required (true or false)")
	}
	scores := checkScores(&v, in.Scores)
	if err := v.Err(); err != nil {
		return Review{}, err
	}
	r := Review{ApplicationID: appID, ExpertID: expertID, ConflictOfInterest: *in.ConflictOfInterest,
		Comment: strings.TrimSpace(in.Comment), Scores: make(map[string]json.Number, len(scores)), Excluded: *in.ConflictOfInterest}
	for id, sc := range scores {
		r.Scores[id] = json.Number(strconv.FormatInt(sc, 10))
	}
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var callID string
		var criteria []Criterion
		var decided bool
		err := tx.QueryRow(ctx, lockApplication, appID).Scan(&callID, &criteria, &decided)
		if errors.Is(err, pgx.ErrNoRows) {
			return refuse(ErrNotFound, "", fmt.Sprintf("application %q not found", appID))
		}
		if err != nil {
			return err
		}
		if decided {
			return refuse(ErrAlreadyDecided, "", fmt.Sprintf("application %s is decided; its reviews are closed", appID))
		}
		var weighted *decimal.Decimal
		if !r.ConflictOfInterest {
			w, err := scoreReview(criteria, scores)
			if err != nil {
				return err
			}
			weighted = &w
			r.Weighted = w.StringFixed(2)
		}
		if err := tx.QueryRow(ctx, nextReviewVer, appID, expertID).Scan(&r.Version); err != nil {
			return err
		}
		r.At = s.cfg.Now()
		stored, _ := json.Marshal(scores)
		if _, err := tx.Exec(ctx, upsertReview, appID, expertID, r.Version, stored, r.ConflictOfInterest, r.Comment, weighted, r.At); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, insertReviewVer, appID, expertID, r.Version, stored, r.ConflictOfInterest, r.Comment, actor, r.At)
		return err
	})
	if err != nil {
		return Review{}, wrap("review "+appID, err)
	}
	return r, nil
}

// checkScores checks that every score is a JSON integer 0..10 (not a
// string, a fraction or null), recording each one at fault as
// scores.<criterion>, in criterion id order.
func checkScores(v *validate.Errors, raw map[string]json.RawMessage) map[string]int64 {
	ids := make([]string, 0, len(raw))
	for id := range raw {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	out := make(map[string]int64, len(raw))
	for _, id := range ids {
		if sc, ok := v.JSONInt("scores."+id, raw[id], 0, maxScore); ok {
			out[id] = sc
		}
	}
	return out
}

// maxScore is the highest score of a criterion.
const maxScore = 10

// scoreReview checks that every criterion, and no other, has a score
// (each already an integer 0..10, checkScores) and returns the weighted
// score Σ score × weight / 10 (0..100).
func scoreReview(criteria []Criterion, scores map[string]int64) (decimal.Decimal, error) {
	var v validate.Errors
	total := decimal.Zero
	known := map[string]bool{}
	for _, c := range criteria {
		known[c.ID] = true
		sc, ok := scores[c.ID]
		if !ok {
			v.Add("scores."+c.ID, "required", "criterion %q needs a score 0..10", c.ID)
			continue
		}
		total = total.Add(decimal.NewFromInt(sc).Mul(weight(c)).Div(ten))
	}
	ids := make([]string, 0, len(scores))
	for id := range scores {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		if !known[id] {
			v.Add("scores."+id, "unknown_criterion", "the call has no criterion %q", id)
		}
	}
	return total, v.Err()
}

// Reviews returns the reviews of an application, excluded ones marked.
func (s *Service) Reviews(ctx context.Context, appID string) ([]Review, error) {
	if _, err := s.Application(ctx, appID); err != nil {
		return nil, err
	}
	rows, err := s.pool.Query(ctx, selectReviews, appID)
	if err != nil {
		return nil, fmt.Errorf("fund: reviews: %w", err)
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (Review, error) {
		var r Review
		err := row.Scan(&r.ApplicationID, &r.ExpertID, &r.Version, &r.Scores, &r.ConflictOfInterest, &r.Comment, &r.Weighted, &r.At)
		r.Excluded = r.ConflictOfInterest
		return r, err
	})
}
