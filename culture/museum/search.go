package museum

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
)

// Query is a catalogue search. Every field is optional; Q's words must all
// occur (case-insensitively) in an object's texts.
type Query struct {
	Q          string
	Museum     string
	ObjectName string
	FromYear   *int // the object's date range reaches this year or later
	ToYear     *int // the object's date range starts this year or earlier
}

// Hit is one search result.
type Hit struct {
	MuseumID        string  `json:"museum_id"`
	ID              string  `json:"id"`
	InventoryNumber string  `json:"inventory_number"`
	ObjectName      string  `json:"object_name"`
	Title           LangMap `json:"title"`
	Maker           string  `json:"maker,omitempty"`
	Date            *Date   `json:"date,omitempty"`
	ImageID         string  `json:"image_id,omitempty"`
}

const sqlSearch = `SELECT o.museum_id, o.id, o.body,
  coalesce((SELECT i.id FROM museum_images i WHERE i.museum_id = o.museum_id AND i.object_id = o.id ORDER BY i.n LIMIT 1), '')
FROM museum_objects o
WHERE o.published
  AND NOT EXISTS (SELECT 1 FROM unnest($1::text[]) AS w(word) WHERE position(w.word IN o.search_text) = 0)
  AND ($2 = '' OR o.museum_id = $2)
  AND ($3 = '' OR lower(o.object_name) = lower($3))
  AND ($4::int IS NULL OR coalesce(o.latest, o.earliest) >= $4)
  AND ($5::int IS NULL OR coalesce(o.earliest, o.latest) <= $5)
  AND (o.museum_id, o.id) > ($6, $7)
ORDER BY o.museum_id, o.id
LIMIT $8`

// Search finds published objects; unpublished ones never appear.
func (s *Service) Search(ctx context.Context, q Query, page Page) ([]Hit, string, error) {
	afterMuseum, afterID, err := decodeCursor(page.Cursor)
	if err != nil {
		return nil, "", err
	}
	words := strings.Fields(strings.ToLower(q.Q))
	if words == nil {
		words = []string{}
	}
	limit := page.Size()
	rows, err := s.pool.Query(ctx, sqlSearch, words, q.Museum, strings.TrimSpace(q.ObjectName), q.FromYear, q.ToYear,
		afterMuseum, afterID, limit+1)
	if err != nil {
		return nil, "", fmt.Errorf("museum: search: %w", err)
	}
	hits, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Hit, error) {
		var h Hit
		var body []byte
		if err := r.Scan(&h.MuseumID, &h.ID, &body, &h.ImageID); err != nil {
			return h, err
		}
		var o Object
		if err := json.Unmarshal(body, &o); err != nil {
			return h, err
		}
		h.InventoryNumber, h.ObjectName, h.Title, h.Maker, h.Date = o.InventoryNumber, o.ObjectName, o.Title, o.Maker, o.Date
		return h, nil
	})
	if err != nil {
		return nil, "", fmt.Errorf("museum: search: %w", err)
	}
	if len(hits) <= limit {
		return hits, "", nil
	}
	hits = hits[:limit]
	last := hits[limit-1]
	return hits, encodeCursor(last.MuseumID, last.ID), nil
}

// ErrBadCursor is a cursor this service did not issue.
var ErrBadCursor = fmt.Errorf("invalid cursor")

func encodeCursor(mid, id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(mid + "\n" + id))
}

func decodeCursor(c string) (string, string, error) {
	if c == "" {
		return "", "", nil
	}
	b, err := base64.RawURLEncoding.DecodeString(c)
	mid, id, ok := strings.Cut(string(b), "\n")
	if err != nil || !ok {
		return "", "", ErrBadCursor
	}
	return mid, id, nil
}
