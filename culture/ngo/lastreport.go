package ngo

import (
	"context"
	"fmt"
)

const selectLastAccepted = `SELECT bin, max(year) FROM ngo_reports WHERE status = 'accepted' AND bin = ANY($1) GROUP BY bin`

// LastAccepted returns, for each of bins that has one, the year of its
// latest accepted annual report (the public register's "last report").
func (s *Service) LastAccepted(ctx context.Context, bins []string) (map[string]int, error) {
	rows, err := s.pool.Query(ctx, selectLastAccepted, bins)
	if err != nil {
		return nil, fmt.Errorf("ngo: last accepted: %w", err)
	}
	defer rows.Close()
	out := make(map[string]int, len(bins))
	for rows.Next() {
		var bin string
		var year int
		if err := rows.Scan(&bin, &year); err != nil {
			return nil, fmt.Errorf("ngo: last accepted: %w", err)
		}
		out[bin] = year
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("ngo: last accepted: %w", err)
	}
	return out, nil
}
