package library

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// Sort orders of acquisition feeds.
const (
	SortNew     = "new"
	SortPopular = "popular"
)

// perPage is the size of an acquisition feed page.
const perPage = 50

// Query selects a page of editions for a feed.
type Query struct {
	Language string // edition language (the Language facet); "" for all
	Subject  string // a work subject; "" for all
	Format   string // "audiobook" for the audiobooks feed; "" for all
	Search   string // words that must all occur in a title or a contributor's name
	Sort     string // SortNew (default) or SortPopular
	Page     int    // 1-based
	PerPage  int    // default perPage
}

// Item is an edition with its work, files and availability: everything a
// feed entry or a publication shows.
type Item struct {
	Edition   Edition
	Work      Work
	Files     []FileBody
	Created   time.Time
	Updated   time.Time
	OnLoan    int // copies currently lent
	Holds     int // open holds
	Available int // copies free now (0 for open access)
}

// Duration is the total length of an audiobook's tracks in seconds.
func (it Item) Duration() float64 {
	var d float64
	for _, f := range it.Files {
		if f.Role == RoleTrack {
			d += f.Duration
		}
	}
	return d
}

// File returns the item's file of role (n 0), if any.
func (it Item) File(role string) (FileBody, bool) {
	for _, f := range it.Files {
		if f.Role == role {
			return f, true
		}
	}
	return FileBody{}, false
}

// Tracks returns an audiobook's tracks in order.
func (it Item) Tracks() []FileBody {
	var ts []FileBody
	for _, f := range it.Files {
		if f.Role == RoleTrack {
			ts = append(ts, f)
		}
	}
	return ts
}

const itemColumns = `e.id, e.version, e.work_id, e.language, COALESCE(e.isbn, ''), e.format, e.publisher, e.issued,
  e.translators, e.narrators, e.access, e.copies, e.loan_days, e.created_at, e.updated_at,
  w.title, w.authors, w.subjects, w.original_language,
  (SELECT count(*) FROM library_loans l WHERE l.edition_id = e.id AND l.returned_at IS NULL AND l.due_at > $1),
  (SELECT count(*) FROM library_holds h WHERE h.edition_id = e.id AND h.closed_seq IS NULL)`

const selectFilesOf = `SELECT edition_id, role, n, sha256, size, media_type, title, duration::float8, bitrate
FROM library_files WHERE edition_id = ANY($1) ORDER BY edition_id, role, n`

// where builds the filter of q over library_editions e, with its
// arguments numbered from $first. Conditions on the work (subject, search)
// select the works first, in a MATERIALIZED CTE, so that the planner does
// not walk every edition in feed order testing each one's work.
func (q Query) where(first int) (cte, where string, args []any) {
	var econds, wconds []string
	add := func(conds *[]string, cond string, v any) {
		args = append(args, v)
		*conds = append(*conds, strings.ReplaceAll(cond, "?", "$"+strconv.Itoa(len(args)+first-1)))
	}
	if q.Language != "" {
		add(&econds, "e.language = ?", q.Language)
	}
	if q.Format != "" {
		add(&econds, "e.format = ?", q.Format)
	}
	if q.Subject != "" {
		add(&wconds, "? = ANY(w.subjects)", q.Subject)
	}
	for i, word := range strings.Fields(strings.ToLower(q.Search)) {
		if i >= 12 {
			break
		}
		add(&wconds, "strpos(w.search, ?) > 0", word)
	}
	if len(wconds) > 0 {
		cte = "WITH m AS MATERIALIZED (SELECT w.id FROM library_works w WHERE " + strings.Join(wconds, " AND ") + ") "
		econds = append(econds, "e.work_id IN (SELECT id FROM m)")
	}
	if len(econds) > 0 {
		where = " WHERE " + strings.Join(econds, " AND ")
	}
	return cte, where, args
}

// Items returns a page of editions for q and how many match in all. The
// page's ids are chosen on library_editions alone (its feed-order index
// serves deep pages), then the items are read by id.
func (s *Service) Items(ctx context.Context, q Query) ([]Item, int, error) {
	if q.PerPage <= 0 {
		q.PerPage = perPage
	}
	if q.Page < 1 {
		q.Page = 1
	}
	cte, where, args := q.where(1)
	var total int
	if err := s.pool.QueryRow(ctx, cte+`SELECT count(*) FROM library_editions e`+where, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("library: count editions: %w", err)
	}
	from, order := " FROM library_editions e", " ORDER BY e.created_at DESC, e.id"
	if q.Sort == SortPopular {
		// One pass over the month's loans, joined by hash: a correlated
		// count per edition would scan the loans once per edition.
		cte, where, args = q.where(2)
		args = append([]any{s.now()}, args...)
		from += ` LEFT JOIN (SELECT edition_id, count(*) AS n FROM library_loans
  WHERE borrowed_at > $1::timestamptz - interval '30 days' GROUP BY edition_id) pop ON pop.edition_id = e.id`
		order = " ORDER BY COALESCE(pop.n, 0) DESC, e.created_at DESC, e.id"
	}
	sql := cte + "SELECT e.id" + from + where + order + fmt.Sprintf(" LIMIT %d OFFSET %d", q.PerPage, (q.Page-1)*q.PerPage)
	rows, err := s.pool.Query(ctx, sql, args...)
	if err != nil {
		return nil, 0, fmt.Errorf("library: editions page: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, 0, fmt.Errorf("library: editions page: %w", err)
	}
	items, err := s.itemsByID(ctx, ids)
	return items, total, err
}

// Item returns one edition with its work and files.
func (s *Service) Item(ctx context.Context, editionID string) (Item, error) {
	items, err := s.queryItems(ctx, "SELECT "+itemColumns+
		" FROM library_editions e JOIN library_works w ON w.id = e.work_id WHERE e.id = $2", s.now(), editionID)
	if err != nil {
		return Item{}, err
	}
	if len(items) == 0 {
		return Item{}, fmt.Errorf("%w: edition %q", ErrNotFound, editionID)
	}
	return items[0], nil
}

// itemsByID returns the editions of ids, in that order (missing ones left out).
func (s *Service) itemsByID(ctx context.Context, ids []string) ([]Item, error) {
	items, err := s.queryItems(ctx, "SELECT "+itemColumns+
		" FROM library_editions e JOIN library_works w ON w.id = e.work_id WHERE e.id = ANY($2)", s.now(), ids)
	if err != nil {
		return nil, err
	}
	byID := map[string]Item{}
	for _, it := range items {
		byID[it.Edition.ID] = it
	}
	out := make([]Item, 0, len(ids))
	for _, id := range ids {
		if it, ok := byID[id]; ok {
			out = append(out, it)
		}
	}
	return out, nil
}

func (s *Service) queryItems(ctx context.Context, sql string, args ...any) ([]Item, error) {
	rows, err := s.pool.Query(ctx, sql, args...)
	if err != nil {
		return nil, fmt.Errorf("library: editions: %w", err)
	}
	items, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Item, error) {
		var it Item
		e := &it.Edition
		var title, authors []byte
		err := r.Scan(&e.ID, &e.Version, &e.WorkID, &e.Language, &e.ISBN, &e.Format, &e.Publisher, &e.Issued,
			&e.Translators, &e.Narrators, &e.Access, &e.Copies, &e.LoanDays, &it.Created, &it.Updated,
			&title, &authors, &it.Work.Subjects, &it.Work.OriginalLanguage, &it.OnLoan, &it.Holds)
		if err != nil {
			return it, err
		}
		it.Work.ID = e.WorkID
		if err := json.Unmarshal(title, &it.Work.Title); err != nil {
			return it, err
		}
		if err := json.Unmarshal(authors, &it.Work.Authors); err != nil {
			return it, err
		}
		if e.Access == accessLoan {
			it.Available = max(0, e.Copies-it.OnLoan)
		}
		return it, nil
	})
	if err != nil {
		return nil, fmt.Errorf("library: editions: %w", err)
	}
	if len(items) == 0 {
		return items, nil
	}
	ids := make([]string, len(items))
	idx := map[string]int{}
	for i, it := range items {
		ids[i] = it.Edition.ID
		idx[it.Edition.ID] = i
	}
	rows, err = s.pool.Query(ctx, selectFilesOf, ids)
	if err != nil {
		return nil, fmt.Errorf("library: files: %w", err)
	}
	fs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (FileBody, error) { return scanFile(r) })
	if err != nil {
		return nil, fmt.Errorf("library: files: %w", err)
	}
	for _, f := range fs {
		i := idx[f.EditionID]
		items[i].Files = append(items[i].Files, f)
	}
	return items, nil
}

// Count is a facet value with the number of editions it selects.
type Count struct {
	Value string
	Count int
}

// Languages returns the edition languages with their counts, by tag.
func (s *Service) Languages(ctx context.Context) ([]Count, error) {
	return memo(s, "languages", func() ([]Count, error) {
		return s.counts(ctx, `SELECT language, count(*) FROM library_editions GROUP BY language ORDER BY language`)
	})
}

// languageCounts are the Language facets of the feed of q: every language
// of the catalogue, each with the number of editions its facet's feed
// holds (q in that language), 0 when none.
func (s *Service) languageCounts(ctx context.Context, q Query) ([]Count, error) {
	all, err := s.Languages(ctx)
	if err != nil || q.Format == "" && q.Subject == "" && strings.TrimSpace(q.Search) == "" {
		return all, err
	}
	q.Language = ""
	cte, where, args := q.where(1)
	rows, err := s.pool.Query(ctx, cte+`SELECT e.language, count(*) FROM library_editions e`+where+` GROUP BY e.language`, args...)
	if err != nil {
		return nil, fmt.Errorf("library: language counts: %w", err)
	}
	n := map[string]int{}
	var lang string
	var c int
	if _, err := pgx.ForEachRow(rows, []any{&lang, &c}, func() error { n[lang] = c; return nil }); err != nil {
		return nil, fmt.Errorf("library: language counts: %w", err)
	}
	cs := make([]Count, len(all))
	for i, a := range all {
		cs[i] = Count{Value: a.Value, Count: n[a.Value]}
	}
	return cs, nil
}

// subjects returns the work subjects with their edition counts, by name.
func (s *Service) subjects(ctx context.Context) ([]Count, error) {
	return memo(s, "subjects", func() ([]Count, error) {
		return s.counts(ctx, `SELECT s, count(*) FROM library_editions e JOIN library_works w ON w.id = e.work_id,
  unnest(w.subjects) AS s GROUP BY s ORDER BY s`)
	})
}

func (s *Service) counts(ctx context.Context, sql string) ([]Count, error) {
	rows, err := s.pool.Query(ctx, sql)
	if err != nil {
		return nil, fmt.Errorf("library: counts: %w", err)
	}
	cs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Count, error) {
		var c Count
		err := r.Scan(&c.Value, &c.Count)
		return c, err
	})
	if err != nil {
		return nil, fmt.Errorf("library: counts: %w", err)
	}
	return cs, nil
}

// LastUpdate is the time of the latest catalogue change (feed updated).
func (s *Service) LastUpdate(ctx context.Context) (time.Time, error) {
	return memo(s, "updated", func() (time.Time, error) { return s.lastUpdate(ctx) })
}

func (s *Service) lastUpdate(ctx context.Context) (time.Time, error) {
	var t *time.Time
	err := s.pool.QueryRow(ctx, `SELECT max(updated_at) FROM library_editions`).Scan(&t)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return time.Time{}, fmt.Errorf("library: last update: %w", err)
	}
	if t == nil {
		return time.Unix(0, 0).UTC(), nil
	}
	return t.UTC(), nil
}
