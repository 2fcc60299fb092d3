package ngo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"ecinema/culture/keyset"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"ecinema/validate"
)

// Service is the NGO database.
type Service struct {
	pool *pgxpool.Pool
	now  func() time.Time
}

// Config is what the NGO Service takes beyond the pool.
type Config struct {
	// Now is the clock (the submission time that decides the late flag);
	// time.Now when nil.
	Now func() time.Time
}

// NewService returns the NGO database on pool.
func NewService(pool *pgxpool.Pool, cfg Config) *Service {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Service{pool: pool, now: cfg.Now}
}

const (
	regionExists = `SELECT EXISTS (SELECT 1 FROM regions WHERE code = $1)`
	nextNGO      = `SELECT COALESCE(max(version), 0) + 1 FROM ngo_versions WHERE bin = $1`
	insertNGOVer = `INSERT INTO ngo_versions (bin, version, body, actor, recorded_at) VALUES ($1, $2, $3, $4, $5)`
	upsertNGO    = `INSERT INTO ngos (bin, version, name, legal_form, registered_on, status, region, address, activity_areas, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
ON CONFLICT (bin) DO UPDATE SET version = EXCLUDED.version, name = EXCLUDED.name, legal_form = EXCLUDED.legal_form,
  registered_on = EXCLUDED.registered_on, status = EXCLUDED.status, region = EXCLUDED.region,
  address = EXCLUDED.address, activity_areas = EXCLUDED.activity_areas, updated_at = EXCLUDED.updated_at`
	ngoColumns = `bin, version, name, legal_form, registered_on::text, status, region, address, activity_areas`
	selectNGO  = `SELECT ` + ngoColumns + ` FROM ngos WHERE bin = $1`
	selectNGOs = `SELECT ` + ngoColumns + ` FROM ngos WHERE bin > $1 ORDER BY bin LIMIT $2`
)

// PutNGO registers an NGO or records a new version of its registration.
func (s *Service) PutNGO(ctx context.Context, actor, bin string, n NGO) (NGO, error) {
	n, err := normaliseNGO(bin, n)
	if err != nil {
		return NGO{}, err
	}
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var ok bool
		if err := tx.QueryRow(ctx, regionExists, n.Region).Scan(&ok); err != nil {
			return err
		}
		if !ok {
			return validate.Refuse(ErrUnknownRegion, "region", "region %q is not an ISO 3166-2:KZ code of the regions table", n.Region)
		}
		// Serialise versions of one NGO: the row lock, or for a new NGO the
		// primary key of its first version.
		if _, err := tx.Exec(ctx, `SELECT 1 FROM ngos WHERE bin = $1 FOR UPDATE`, bin); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, nextNGO, bin).Scan(&n.Version); err != nil {
			return err
		}
		body, _ := json.Marshal(n)
		at := s.now()
		if _, err := tx.Exec(ctx, insertNGOVer, bin, n.Version, body, actor, at); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, upsertNGO, bin, n.Version, n.Name, n.LegalForm, n.RegisteredOn, n.Status, n.Region,
			n.Address, n.ActivityAreas, at)
		return err
	})
	if err != nil {
		var fe *validate.Errors
		if errors.As(err, &fe) {
			return NGO{}, err
		}
		return NGO{}, fmt.Errorf("ngo: put %s: %w", bin, err)
	}
	return n, nil
}

func scanNGO(r pgx.Row) (NGO, error) {
	var n NGO
	err := r.Scan(&n.BIN, &n.Version, &n.Name, &n.LegalForm, &n.RegisteredOn, &n.Status, &n.Region, &n.Address, &n.ActivityAreas)
	return n, err
}

// NGO returns the current registration of an NGO.
func (s *Service) NGO(ctx context.Context, bin string) (NGO, error) {
	n, err := scanNGO(s.pool.QueryRow(ctx, selectNGO, bin))
	if errors.Is(err, pgx.ErrNoRows) {
		return NGO{}, fmt.Errorf("%w: NGO %s is not registered", ErrNotFound, bin)
	}
	if err != nil {
		return NGO{}, fmt.Errorf("ngo: get %s: %w", bin, err)
	}
	return n, nil
}

// Exists reports whether bin is a registered NGO (nil) or not (ErrNotFound).
func (s *Service) Exists(ctx context.Context, bin string) error {
	_, err := s.NGO(ctx, bin)
	return err
}

// NGOs returns a page of NGOs ordered by BIN and the cursor of the next page.
func (s *Service) NGOs(ctx context.Context, p Page) ([]NGO, string, error) {
	return keyset.Read(ctx, s.pool, "ngo: list", p, scanNGO, func(n NGO) string { return n.BIN }, selectNGOs, p.Cursor, p.Fetch())
}

// NGOVersion is one recorded registration of an NGO.
type NGOVersion struct {
	Version    int       `json:"version"`
	Actor      string    `json:"actor"`
	RecordedAt time.Time `json:"recorded_at"`
	Body       NGO       `json:"body"`
}

const selectNGOVersions = `SELECT version, actor, recorded_at, body FROM ngo_versions WHERE bin = $1 ORDER BY version`

// NGOVersions returns every recorded registration of an NGO, oldest first.
func (s *Service) NGOVersions(ctx context.Context, bin string) ([]NGOVersion, error) {
	rows, err := s.pool.Query(ctx, selectNGOVersions, bin)
	if err != nil {
		return nil, fmt.Errorf("ngo: versions: %w", err)
	}
	vs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (NGOVersion, error) {
		var v NGOVersion
		err := r.Scan(&v.Version, &v.Actor, &v.RecordedAt, &v.Body)
		return v, err
	})
	if err != nil {
		return nil, fmt.Errorf("ngo: versions: %w", err)
	}
	if len(vs) == 0 {
		return nil, fmt.Errorf("%w: NGO %s is not registered", ErrNotFound, bin)
	}
	return vs, nil
}
