package ingest

import "context"

// PurgeIdempotencyKeys is purgeIdempotencyKeys, for the external tests.
func (s *Service) PurgeIdempotencyKeys(ctx context.Context) (int64, error) {
	return s.purgeIdempotencyKeys(ctx)
}
