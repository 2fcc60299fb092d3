package ingest

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"ecinema/ledger"
)

// Appender appends records to the ledger; *ledger.Writer implements it.
type Appender interface {
	Append(context.Context, ledger.Record) (ledger.Entry, error)
}

// ClockSkew is how far a POS clock may run ahead: times up to this far
// ahead of the server's clock are accepted.
const ClockSkew = 5 * time.Minute

// LateAfter is how long after sold_at a sale must arrive to be flagged late_report.
const LateAfter = 24 * time.Hour

// MinIdempotencyRetention is the shortest time idempotency keys are kept.
const MinIdempotencyRetention = 7 * 24 * time.Hour

// Anomaly flags recorded with sale entries.
const (
	FlagLateReport         = "late_report"
	FlagNightHighOccupancy = "night_high_occupancy"
	FlagSoldAfterStart     = "sold_after_start"
)

// Config tunes a Service. Zero values take the defaults.
type Config struct {
	Now                  func() time.Time // default time.Now
	IdempotencyRetention time.Duration    // default 8 days; never less than 7 days
	Logger               *slog.Logger     // default slog.Default()
}

// Service validates and records screenings, sales and refunds.
type Service struct {
	pool *pgxpool.Pool
	app  Appender
	cfg  Config
}

// NewService returns a service that reads projections from pool and writes
// every record through app.
func NewService(pool *pgxpool.Pool, app Appender, cfg Config) *Service {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.IdempotencyRetention < MinIdempotencyRetention {
		if cfg.IdempotencyRetention != 0 {
			cfg.IdempotencyRetention = MinIdempotencyRetention
		} else {
			cfg.IdempotencyRetention = 8 * 24 * time.Hour
		}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Service{pool: pool, app: app, cfg: cfg}
}

// Caller is the API key a request acts as: its id (the entry's actor and
// the idempotency scope) and the one cinema it may write for.
type Caller struct {
	KeyID    string
	CinemaID string
}

// Response is an answer to send exactly as it is: the status and the JSON
// body. For idempotent requests it is what a replay returns, byte for byte.
type Response struct {
	Status int
	Body   []byte
}

// EntryRef names a ledger entry in responses.
type EntryRef struct {
	Seq      int64  `json:"seq"`
	LeafHash string `json:"leaf_hash"`
}

func entryRef(e ledger.Entry) EntryRef {
	return EntryRef{Seq: e.Seq, LeafHash: hex.EncodeToString(e.LeafHash[:])}
}

// maxAttempts bounds the retries of an append whose premises (the
// screening version read before, the anomaly flags) changed in between.
const maxAttempts = 5

// errStale asks the service to read again and retry: what it read before
// Append no longer holds inside the writer's transaction.
type errStale struct{ why string }

func (e *errStale) Error() string { return "ingest: stale premise: " + e.why }

func isStale(err error) bool {
	var stale *errStale
	return errors.As(err, &stale)
}

// screeningRow is a screening as the rules need it.
type screeningRow struct {
	CinemaID      string
	ID            string
	HallID        string
	FilmID        string
	StartsAt      time.Time
	EndsAt        time.Time
	BoxOfficeDay  time.Time
	Seats         int
	EntrySeq      int64
	TicketsSold   int
	TicketsActive int
}

const sqlScreeningGet = `SELECT cinema_id, id, hall_id, film_id, starts_at, ends_at, box_office_day, seats,
  entry_seq, tickets_sold, tickets_active
FROM screenings WHERE cinema_id = $1 AND id = $2`

const sqlScreeningElsewhere = `SELECT EXISTS (SELECT 1 FROM screenings WHERE id = $1 AND cinema_id <> $2)`

func scanScreening(row pgx.Row) (*screeningRow, error) {
	var s screeningRow
	err := row.Scan(&s.CinemaID, &s.ID, &s.HallID, &s.FilmID, &s.StartsAt, &s.EndsAt, &s.BoxOfficeDay,
		&s.Seats, &s.EntrySeq, &s.TicketsSold, &s.TicketsActive)
	if err != nil {
		return nil, err
	}
	return &s, nil
}

// loadScreening reads a screening of the caller's cinema: 404 when it
// exists nowhere, 403 when it exists only in another cinema.
func (s *Service) loadScreening(ctx context.Context, cinemaID, id string) (*screeningRow, error) {
	sc, err := scanScreening(s.pool.QueryRow(ctx, sqlScreeningGet, cinemaID, id))
	if err == nil {
		return sc, nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("ingest: read screening %s/%s: %w", cinemaID, id, err)
	}
	var elsewhere bool
	if err := s.pool.QueryRow(ctx, sqlScreeningElsewhere, id, cinemaID).Scan(&elsewhere); err != nil {
		return nil, fmt.Errorf("ingest: read screening %s: %w", id, err)
	}
	if elsewhere {
		return nil, newErr(ErrOtherCinema, "screening %q belongs to another cinema than this API key's", id)
	}
	return nil, newErr(ErrScreeningNotFound, "screening %q not found in cinema %q", id, cinemaID)
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("ingest: marshal response: %v", err))
	}
	return b
}

const dateLayout = "2006-01-02"

func fmtTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000000Z") }

// mapWriteError turns constraint violations, which the state checks should
// have caught first (they are the database's backstop), into domain errors.
func mapWriteError(err error) error {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != "23505" {
		return err
	}
	switch pe.ConstraintName {
	case "tickets_pkey":
		return newErr(ErrDuplicateTicket, "a ticket id of the request was already sold in this cinema")
	case "tickets_active_seat":
		return newErr(ErrSeatAlreadySold, "a seat of the request is already sold")
	case "idempotency_keys_pkey":
		return errTwin
	}
	return err
}
