package museum

import (
	"context"
	"errors"
	"fmt"

	"ecinema/culture/ticketing"
)

// Directory finds museums among the e-ticketing venues: a museum is a
// venue of kind museum (CULTURE.md section 4). It is the Config.Museums
// of a wired service.
func Directory(t *ticketing.Service) func(ctx context.Context, id string) (Museum, error) {
	return func(ctx context.Context, id string) (Museum, error) {
		v, err := t.Venue(ctx, id)
		switch {
		case errors.Is(err, ticketing.ErrNotFound):
			return Museum{}, fmt.Errorf("%w: venue %q is not registered", ErrUnknownMuseum, id)
		case err != nil:
			return Museum{}, err
		case v.Kind != "museum":
			return Museum{}, fmt.Errorf("%w: venue %q is of kind %s, not museum", ErrUnknownMuseum, id, v.Kind)
		}
		return Museum{ID: v.ID, Name: LangMap(v.Name), City: v.City}, nil
	}
}
