package registry

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"ecinema/ledger"
	"ecinema/validate"
)

// Service reads and writes the registry.
type Service struct {
	pool          *pgxpool.Pool
	app           ledger.Appender
	closedThrough func(ctx context.Context, tx pgx.Tx) (time.Time, error)
}

// NewService returns a registry on pool whose writes go through app.
func NewService(pool *pgxpool.Pool, app ledger.Appender) *Service {
	return &Service{pool: pool, app: app}
}

const (
	selectPartyKinds = `SELECT id, kind FROM parties WHERE id = ANY($1)`
	regionExists     = `SELECT EXISTS (SELECT 1 FROM regions WHERE code = $1)`
)

// checkParties checks that each referenced party exists with the wanted kind
// ("" accepts any kind). field names the request field for the message.
func (s *Service) checkParties(ctx context.Context, refs []partyRef) error {
	ids := make([]string, len(refs))
	for i, r := range refs {
		ids[i] = r.id
	}
	rows, err := s.pool.Query(ctx, selectPartyKinds, ids)
	if err != nil {
		return fmt.Errorf("registry: check parties: %w", err)
	}
	kinds := map[string]string{}
	var id, kind string
	if _, err := pgx.ForEachRow(rows, []any{&id, &kind}, func() error { kinds[id] = kind; return nil }); err != nil {
		return fmt.Errorf("registry: check parties: %w", err)
	}
	for _, r := range refs {
		k, ok := kinds[r.id]
		switch {
		case !ok:
			return validate.Refuse(ErrUnknownReference, r.field, "%s: party %q is not registered", r.field, r.id)
		case r.kind != "" && k != r.kind:
			return validate.Refuse(ErrUnknownReference, r.field, "%s: party %q is of kind %s, not %s", r.field, r.id, k, r.kind)
		}
	}
	return nil
}

type partyRef struct{ field, id, kind string }

// appendVersion appends a registry entry whose body is the normalised
// object's entry body (body.go) and returns the version its projection
// recorded.
// check, when not nil, enforces a state rule inside the append transaction.
func (s *Service) appendVersion(ctx context.Context, actor, kind string, body any, scope ledger.Record,
	check func(ctx context.Context, tx pgx.Tx) error) (int, error) {
	var version int
	rec := ledger.Record{Kind: kind, Actor: actor, Body: body, CinemaID: scope.CinemaID, FilmID: scope.FilmID,
		Project: func(ctx context.Context, tx pgx.Tx, e ledger.Entry) error {
			if check != nil {
				if err := check(ctx, tx); err != nil {
					return err
				}
			}
			p, err := ledger.ParseEntry(e.Bytes)
			if err != nil {
				return err
			}
			version, err = project(ctx, tx, kind, p.Body, e)
			return err
		}}
	if _, err := s.app.Append(ctx, rec); err != nil {
		return 0, err
	}
	return version, nil
}

// Version is one recorded version of a registry object: the entry that
// wrote it and that entry's body.
type Version struct {
	Version    int
	EntrySeq   int64
	RecordedAt time.Time
	Body       json.RawMessage
}

const selectVersions = `SELECT version, entry_seq, recorded_at, body FROM registry_versions
WHERE kind = $1 AND id = $2 ORDER BY version`

// Versions returns every version of a registry object, oldest first.
func (s *Service) Versions(ctx context.Context, kind, id string) ([]Version, error) {
	rows, err := s.pool.Query(ctx, selectVersions, kind, id)
	if err != nil {
		return nil, fmt.Errorf("registry: versions: %w", err)
	}
	vs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Version, error) {
		var v Version
		err := r.Scan(&v.Version, &v.EntrySeq, &v.RecordedAt, &v.Body)
		return v, err
	})
	if err != nil {
		return nil, fmt.Errorf("registry: versions: %w", err)
	}
	if len(vs) == 0 {
		return nil, fmt.Errorf("%w: %s %q", ErrNotFound, kind, id)
	}
	return vs, nil
}

func notFound(err error, what, id string) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("%w: %s %q", ErrNotFound, what, id)
	}
	return fmt.Errorf("registry: get %s: %w", what, err)
}
