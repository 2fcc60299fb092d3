package settlement

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"ecinema/ledger"
	"ecinema/registry"
)

// Errors of settlement; api/errors.go maps them.
var (
	ErrPartyNotFound     = errors.New("settlement: party not found")
	ErrPeriodClosed      = errors.New("settlement: period already closed")
	ErrPeriodNotEnded    = errors.New("settlement: period has not ended yet")
	ErrEarlierPeriodOpen = errors.New("settlement: an earlier period is still open")
	ErrSnapshotChanged   = errors.New("settlement: data changed while closing; retry")
)

// Service computes statements, closes periods and reconciles tax data.
type Service struct {
	pool    *pgxpool.Pool
	app     ledger.Appender
	now     func() time.Time
	metrics *closeMetrics // nil: not measured (SetMetrics)
}

// Config is what a settlement Service takes beyond the pool and the ledger.
type Config struct {
	// Now is the clock (which periods have ended); time.Now when nil.
	Now func() time.Time
}

// NewService returns a settlement service appending its entries (period
// closes, fiscal totals) through app. Local dates are kztime's
// (Asia/Almaty).
func NewService(pool *pgxpool.Pool, app ledger.Appender, cfg Config) *Service {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Service{pool: pool, app: app, now: cfg.Now}
}

const (
	sqlParty = `SELECT id, kind, name, bin FROM parties WHERE id = $1`

	// A party's films and cinemas are those it ever held (dated ownership,
	// registry/ownership.go); its lines are those of the days it held them.
	sqlProducerFilms    = `SELECT DISTINCT film_id FROM film_ownership WHERE producer_id = $1`
	sqlDistributorFilms = `SELECT DISTINCT film_id FROM film_ownership WHERE distributor_id = $1`
	sqlHolderFilms      = `SELECT DISTINCT film_id FROM film_rights_holders WHERE party_id = $1`
	sqlExhibitorCinemas = `SELECT DISTINCT cinema_id FROM cinema_ownership WHERE exhibitor_id = $1 ORDER BY 1`
	sqlCinemaExhibitor  = `SELECT exhibitor_id FROM cinemas WHERE id = $1`
	sqlClosedList       = `SELECT period, entry_seq, closed_at, lines, body FROM settlement_periods ORDER BY period`
)

// PartyByID reads a party.
func (s *Service) PartyByID(ctx context.Context, id string) (registry.Party, error) {
	return partyByID(ctx, s.pool, id)
}

func partyByID(ctx context.Context, q querier, id string) (registry.Party, error) {
	var p registry.Party
	err := q.QueryRow(ctx, sqlParty, id).Scan(&p.ID, &p.Kind, &p.Name, &p.BIN)
	if errors.Is(err, pgx.ErrNoRows) {
		return registry.Party{}, fmt.Errorf("%w: %s", ErrPartyNotFound, id)
	}
	if err != nil {
		return registry.Party{}, fmt.Errorf("settlement: party %s: %w", id, err)
	}
	return p, nil
}

// filmsOf returns the films whose lines may appear on the statement of a
// producer, distributor or rights holder (an exhibitor's statement is read
// by its cinemas instead).
func filmsOf(ctx context.Context, q querier, p registry.Party) ([]string, error) {
	switch p.Kind {
	case registry.KindProducer:
		return strings1(ctx, q, sqlProducerFilms, p.ID)
	case registry.KindDistributor:
		return strings1(ctx, q, sqlDistributorFilms, p.ID)
	case registry.KindRightsHolder:
		return strings1(ctx, q, sqlHolderFilms, p.ID)
	}
	return nil, fmt.Errorf("settlement: no films for party kind %q", p.Kind)
}

func strings1(ctx context.Context, q querier, sql string, args ...any) ([]string, error) {
	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		return nil, fmt.Errorf("settlement: query: %w", err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("settlement: query: %w", err)
	}
	if out == nil {
		out = []string{}
	}
	return out, nil
}

// ClosedThrough returns the last day of the latest closed month (zero when
// none is closed), read through tx: the registry's bound for a change of
// cinema or film holder (registry.Service.SetClosedThrough).
func ClosedThrough(ctx context.Context, tx pgx.Tx) (time.Time, error) {
	h, err := horizon(ctx, tx)
	if err != nil || h.IsZero() {
		return time.Time{}, err
	}
	return monthEnd(h), nil
}

// ErrCinemaNotFound is returned for an unknown cinema.
var ErrCinemaNotFound = errors.New("settlement: cinema not found")

// ExhibitorOf returns the exhibitor party that owns a cinema.
func (s *Service) ExhibitorOf(ctx context.Context, cinemaID string) (string, error) {
	var id string
	err := s.pool.QueryRow(ctx, sqlCinemaExhibitor, cinemaID).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", fmt.Errorf("%w: %s", ErrCinemaNotFound, cinemaID)
	}
	if err != nil {
		return "", fmt.Errorf("settlement: cinema %s: %w", cinemaID, err)
	}
	return id, nil
}

// ClosedPeriod is a closed month with its period_close entry.
type ClosedPeriod struct {
	Period   time.Time
	EntrySeq int64
	ClosedAt time.Time
	Lines    int
	Body     CloseBody
}

// ClosedPeriods lists the closed months, oldest first.
func (s *Service) ClosedPeriods(ctx context.Context) ([]ClosedPeriod, error) {
	rows, err := s.pool.Query(ctx, sqlClosedList)
	if err != nil {
		return nil, fmt.Errorf("settlement: periods: %w", err)
	}
	defer rows.Close()
	out := []ClosedPeriod{}
	for rows.Next() {
		var cp ClosedPeriod
		var body []byte
		if err := rows.Scan(&cp.Period, &cp.EntrySeq, &cp.ClosedAt, &cp.Lines, &body); err != nil {
			return nil, err
		}
		cp.Period = dateOf(cp.Period)
		if err := json.Unmarshal(body, &cp.Body); err != nil {
			return nil, fmt.Errorf("settlement: period body: %w", err)
		}
		out = append(out, cp)
	}
	return out, rows.Err()
}
