package registry

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

const selectRegions = `SELECT code, name_kk, name_ru, name_en FROM regions ORDER BY code`

// Regions returns the reference table of regions.
func (s *Service) Regions(ctx context.Context) ([]Region, error) {
	rows, err := s.pool.Query(ctx, selectRegions)
	if err != nil {
		return nil, fmt.Errorf("registry: regions: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Region, error) {
		var g Region
		err := r.Scan(&g.Code, &g.Name.KK, &g.Name.RU, &g.Name.EN)
		return g, err
	})
}
