package boxoffice

import (
	"context"
	"fmt"
)

// The derived rollup against sales_daily summed per film, day and region
// (with the cinema's current region).
const qCheckRollup = `
WITH a AS (
  SELECT d.film_id, d.box_office_day, coalesce(c.region, '') AS region, sum(d.gross) AS gross, sum(d.admissions) AS admissions
  FROM sales_daily d LEFT JOIN cinemas c ON c.id = d.cinema_id GROUP BY 1, 2, 3
)
SELECT count(*) FROM a FULL JOIN boxoffice_daily b USING (film_id, box_office_day, region)
WHERE coalesce(a.gross, 0) <> coalesce(b.gross, 0) OR coalesce(a.admissions, 0) <> coalesce(b.admissions, 0)`

// checkRollup counts the (film, box-office day, region) rows where the
// derived rollup boxoffice_daily differs from sales_daily, for
// `ecinema verify --deep`: 0 when they agree. A cinema that changed region
// after its sales makes rows differ too (the rollup keeps the region of the
// time of the sale).
func (s *Service) checkRollup(ctx context.Context) (int, error) {
	var n int
	if err := s.pool.QueryRow(ctx, qCheckRollup).Scan(&n); err != nil {
		return 0, fmt.Errorf("boxoffice: check rollup: %w", err)
	}
	return n, nil
}
