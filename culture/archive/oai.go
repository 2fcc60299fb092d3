package archive

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"ecinema/culture/oaipmh"
)

// OAISource serves open units over OAI-PMH (package culture/oaipmh) in
// the sets "archive" and "archive:fond:{fond}". Restricted units are never
// listed; withdrawn units stay as deleted records.
type OAISource struct {
	s      *Service
	prefix string // oai:<repository>:archive:
}

// OAISource returns the archive's record source; prefix is the identifier
// prefix the provider gives the module (Provider.Identifier("archive", "")).
func (s *Service) OAISource(prefix string) *OAISource {
	return &OAISource{s: s, prefix: prefix}
}

// Sets implements oaipmh.Source.
func (o *OAISource) Sets(ctx context.Context) ([]oaipmh.Set, error) {
	rows, err := o.s.pool.Query(ctx, `SELECT DISTINCT fond FROM archive_units WHERE access = 'open' ORDER BY fond`)
	if err != nil {
		return nil, err
	}
	fonds, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, err
	}
	sets := []oaipmh.Set{{Spec: "archive", Name: "e-Archive: archival units"}}
	for _, f := range fonds {
		sets = append(sets, oaipmh.Set{Spec: "archive:fond:" + f, Name: "e-Archive fond " + f})
	}
	return sets, nil
}

// Formats implements oaipmh.Source.
func (o *OAISource) Formats() []oaipmh.Format { return []oaipmh.Format{oaipmh.FormatOAIDC} }

// Earliest implements oaipmh.EarliestSource.
func (o *OAISource) Earliest(ctx context.Context) (time.Time, bool, error) {
	var t *time.Time
	if err := o.s.pool.QueryRow(ctx, `SELECT min(datestamp) FROM archive_units WHERE access = 'open'`).Scan(&t); err != nil || t == nil {
		return time.Time{}, false, err
	}
	return t.Truncate(time.Second), true, nil
}

const (
	oaiWhere = `access = 'open' AND ($1 = '' OR fond = $1)
  AND ($2::timestamptz IS NULL OR datestamp >= $2) AND ($3::timestamptz IS NULL OR datestamp < $3)`
	oaiCount = `SELECT count(*) FROM archive_units WHERE ` + oaiWhere
	oaiList  = `SELECT record, version, withdrawn, datestamp FROM archive_units WHERE ` + oaiWhere + `
  AND ($4::timestamptz IS NULL OR (datestamp, id) > ($4, $5))
ORDER BY datestamp, id LIMIT $6`
)

// List implements oaipmh.Source.
func (o *OAISource) List(ctx context.Context, q oaipmh.Query) (oaipmh.Page, error) {
	fond, ok := q.Scope("archive", "archive:fond:")
	if !ok || !oaipmh.Offers(o.Formats(), q.Prefix) {
		return oaipmh.Page{}, nil
	}
	from, before := q.Bounds()
	var pg oaipmh.Page
	if err := o.s.pool.QueryRow(ctx, oaiCount, fond, from, before).Scan(&pg.Total); err != nil {
		return pg, fmt.Errorf("archive: oai count: %w", err)
	}
	if q.Limit == 0 {
		return pg, nil
	}
	afterAt, afterID, err := q.After()
	if err != nil {
		return pg, err
	}
	rows, err := o.s.pool.Query(ctx, oaiList, fond, from, before, afterAt, afterID, q.Limit+1)
	if err != nil {
		return pg, fmt.Errorf("archive: oai list: %w", err)
	}
	units, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Unit, error) { return scanUnit(r) })
	if err != nil {
		return pg, fmt.Errorf("archive: oai list: %w", err)
	}
	units, pg.Next = oaipmh.Cut(units, q.Limit, func(u Unit) (time.Time, string) { return u.UpdatedAt, u.ID })
	for _, u := range units {
		pg.Records = append(pg.Records, o.record(u, !q.HeadersOnly))
	}
	return pg, nil
}

func (o *OAISource) record(u Unit, metadata bool) oaipmh.Record {
	r := oaipmh.Record{Header: oaipmh.Header{Identifier: o.prefix + u.ID, Datestamp: u.UpdatedAt,
		Sets: []string{"archive", "archive:fond:" + u.Citation.Fond}, Deleted: u.Withdrawn}}
	if metadata && !u.Withdrawn {
		r.Metadata = dcOf(u, o.s.dipLink(u.ID)).XML()
	}
	return r
}

// Get implements oaipmh.Source.
func (o *OAISource) Get(ctx context.Context, identifier, prefix string) (oaipmh.Record, error) {
	id, ok := strings.CutPrefix(identifier, o.prefix)
	if !ok {
		return oaipmh.Record{}, oaipmh.ErrIDDoesNotExist
	}
	u, err := o.s.Unit(ctx, id, true)
	if errors.Is(err, ErrNotFound) || (err == nil && u.Access != "open") {
		return oaipmh.Record{}, oaipmh.ErrIDDoesNotExist
	}
	if err != nil {
		return oaipmh.Record{}, err
	}
	if err := oaipmh.CheckFormat(o.Formats(), prefix); err != nil {
		return oaipmh.Record{}, err
	}
	return o.record(u, prefix != ""), nil
}
