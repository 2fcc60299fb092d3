package ingest

import "context"

// PurgeIdempotencyKeys is purgeIdempotencyKeys, for the external tests.
func (s *Service) PurgeIdempotencyKeys(ctx context.Context) (int64, error) {
	return s.purgeIdempotencyKeys(ctx)
}

// Every live run of sales in the tests is compared with its parsed bodies.
func init() { checkLiveSales = true }

// SQLDeepSeatIndex counts the unique indexes of active seats verify --deep
// recognises on tickets.
const SQLDeepSeatIndex = sqlDeepSeatIndex
