// Package keyset reads the culture modules' lists a page at a time, by key
// (keyset pagination): a page is at most Size items after Cursor, the key
// of the last item of the page before, and the query asks for one row more
// (Fetch) to learn whether another page follows.
//
// Invariants: a page holds 1..500 items (100 when the caller names no
// limit); the next cursor is "" exactly when no item follows the page.
package keyset

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// Page asks for one page of a list.
type Page struct {
	Limit  int    // 1..500; 0 means 100
	Cursor string // the key of the previous page's last item ("" for the first page)
}

// Size is the most items the page holds.
func (p Page) Size() int {
	if p.Limit <= 0 {
		return 100
	}
	return min(p.Limit, 500)
}

// Fetch is how many rows to ask for: one more than Size.
func (p Page) Fetch() int { return p.Size() + 1 }

// cut trims items, read with Fetch rows, to the page and returns the key of
// its last item when another page follows ("" when none does).
func cut[T any](p Page, items []T, key func(T) string) ([]T, string) {
	if len(items) <= p.Size() {
		return items, ""
	}
	items = items[:p.Size()]
	return items, key(items[len(items)-1])
}

// Querier is what Read needs of a pool or a transaction.
type Querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// Read runs query with args (among them p.Fetch(), the row count), scans
// each row and cuts the list to the page (cut). Its errors say what.
func Read[T any](ctx context.Context, db Querier, what string, p Page, scan func(pgx.Row) (T, error), key func(T) string, query string, args ...any) ([]T, string, error) {
	rows, err := db.Query(ctx, query, args...)
	if err != nil {
		return nil, "", fmt.Errorf("%s: %w", what, err)
	}
	items, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (T, error) { return scan(r) })
	if err != nil {
		return nil, "", fmt.Errorf("%s: %w", what, err)
	}
	items, next := cut(p, items, key)
	return items, next, nil
}
