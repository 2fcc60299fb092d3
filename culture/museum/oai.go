package museum

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"ecinema/culture/oaipmh"
)

// formatLIDO is LIDO 1.1 as an OAI-PMH metadata format.
var formatLIDO = oaipmh.Format{
	Prefix:    "lido",
	Schema:    "http://lido-schema.org/schema/v1.1/lido-v1.1.xsd",
	Namespace: lidoNamespace,
}

// OAISource is the museum catalogue as a source of the shared OAI-PMH
// provider: every published object, in oai_dc and lido, in the sets
// "museum" and "museum:{id}". An object that was published and no longer
// is stays as a deleted record (deletedRecord persistent); one never
// published is never seen.
type OAISource struct {
	svc    *Service
	prefix string // oai:<repository>:museum:
}

// NewOAISource returns the catalogue's OAI-PMH source; prefix is the
// identifier prefix (oaipmh.Provider.Identifier("museum", "")).
func NewOAISource(svc *Service, prefix string) *OAISource {
	return &OAISource{svc: svc, prefix: prefix}
}

const (
	oaiSetAll    = "museum"
	oaiSetPrefix = "museum:"

	// sqlOAIItems are the harvestable objects: published now or once (a
	// deleted record), with the datestamp of their last change (a new
	// version or image), at one-second granularity.
	sqlOAIItems = `WITH items AS (
  SELECT o.museum_id, o.id, o.published, o.body, o.version,
    date_trunc('second', greatest(o.updated_at, coalesce(
      (SELECT max(i.recorded_at) FROM museum_images i WHERE i.museum_id = o.museum_id AND i.object_id = o.id), o.updated_at))) AS ds,
    (o.museum_id || '/' || o.id) COLLATE "C" AS local
  FROM museum_objects o
  WHERE ($1 = '' OR o.museum_id = $1)
    AND (o.published OR EXISTS (SELECT 1 FROM museum_object_versions v
      WHERE v.museum_id = o.museum_id AND v.id = o.id AND (v.body->>'published')::boolean)))
`
	sqlOAIList = sqlOAIItems + `SELECT museum_id, id, published, body, version, ds FROM items
WHERE ($2::timestamptz IS NULL OR ds >= $2) AND ($3::timestamptz IS NULL OR ds < $3)
  AND ($4::timestamptz IS NULL OR (ds, local) > ($4, $5::text COLLATE "C"))
ORDER BY ds, local LIMIT $6`
	sqlOAICount = sqlOAIItems + `SELECT count(*) FROM items
WHERE ($2::timestamptz IS NULL OR ds >= $2) AND ($3::timestamptz IS NULL OR ds < $3)`
	sqlOAIOne  = sqlOAIItems + `SELECT museum_id, id, published, body, version, ds FROM items WHERE museum_id = $2 AND id = $3`
	sqlOAISets = `SELECT DISTINCT museum_id FROM museum_objects o WHERE o.published
  OR EXISTS (SELECT 1 FROM museum_object_versions v WHERE v.museum_id = o.museum_id AND v.id = o.id AND (v.body->>'published')::boolean)
ORDER BY 1`
)

// Sets lists "museum" and one "museum:{id}" per museum with harvestable objects.
func (s *OAISource) Sets(ctx context.Context) ([]oaipmh.Set, error) {
	rows, err := s.svc.pool.Query(ctx, sqlOAISets)
	if err != nil {
		return nil, fmt.Errorf("museum: oai sets: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("museum: oai sets: %w", err)
	}
	sets := []oaipmh.Set{{Spec: oaiSetAll, Name: "Museums of Kazakhstan"}}
	for _, id := range ids {
		name := id
		if m, err := s.svc.Museum(ctx, id); err == nil {
			name = m.Name.Pick("kk")
		}
		sets = append(sets, oaipmh.Set{Spec: oaiSetPrefix + id, Name: name})
	}
	return sets, nil
}

// Formats are oai_dc and lido.
func (s *OAISource) Formats() []oaipmh.Format { return []oaipmh.Format{oaipmh.FormatOAIDC, formatLIDO} }

type oaiRow struct {
	mid, id   string
	published bool
	body      []byte
	version   int
	ds        time.Time
}

// List returns one page of records.
func (s *OAISource) List(ctx context.Context, q oaipmh.Query) (oaipmh.Page, error) {
	mid, ok := q.Scope(oaiSetAll, oaiSetPrefix)
	if !ok || !oaipmh.Offers(s.Formats(), q.Prefix) {
		return oaipmh.Page{}, nil
	}
	from, before := q.Bounds()
	var pg oaipmh.Page
	if err := s.svc.pool.QueryRow(ctx, sqlOAICount, mid, from, before).Scan(&pg.Total); err != nil {
		return oaipmh.Page{}, fmt.Errorf("museum: oai count: %w", err)
	}
	if q.Limit <= 0 {
		return pg, nil
	}
	afterTS, afterLocal, err := q.After()
	if err != nil {
		return oaipmh.Page{}, err
	}
	rows, err := s.svc.pool.Query(ctx, sqlOAIList, mid, from, before, afterTS, afterLocal, q.Limit+1)
	if err != nil {
		return oaipmh.Page{}, fmt.Errorf("museum: oai list: %w", err)
	}
	var rs []oaiRow
	var r oaiRow
	if _, err := forEach(rows, []any{&r.mid, &r.id, &r.published, &r.body, &r.version, &r.ds}, func() { rs = append(rs, r) }); err != nil {
		return oaipmh.Page{}, fmt.Errorf("museum: oai list: %w", err)
	}
	rs, pg.Next = oaipmh.Cut(rs, q.Limit, func(r oaiRow) (time.Time, string) { return r.ds, r.mid + "/" + r.id })
	for _, r := range rs {
		rec, err := s.record(ctx, r, q.Prefix, q.HeadersOnly)
		if err != nil {
			return oaipmh.Page{}, err
		}
		pg.Records = append(pg.Records, rec)
	}
	return pg, nil
}

// Get returns one record.
func (s *OAISource) Get(ctx context.Context, identifier, prefix string) (oaipmh.Record, error) {
	local, ok := strings.CutPrefix(identifier, s.prefix)
	mid, id, ok2 := strings.Cut(local, "/")
	if !ok || !ok2 {
		return oaipmh.Record{}, oaipmh.ErrIDDoesNotExist
	}
	var r oaiRow
	err := s.svc.pool.QueryRow(ctx, sqlOAIOne, mid, mid, id).Scan(&r.mid, &r.id, &r.published, &r.body, &r.version, &r.ds)
	if errors.Is(err, pgx.ErrNoRows) {
		return oaipmh.Record{}, oaipmh.ErrIDDoesNotExist
	}
	if err != nil {
		return oaipmh.Record{}, fmt.Errorf("museum: oai get: %w", err)
	}
	if err := oaipmh.CheckFormat(s.Formats(), prefix); err != nil {
		return oaipmh.Record{}, err
	}
	return s.record(ctx, r, prefix, prefix == "")
}

func (s *OAISource) record(ctx context.Context, r oaiRow, prefix string, headerOnly bool) (oaipmh.Record, error) {
	rec := oaipmh.Record{Header: oaipmh.Header{
		Identifier: s.prefix + r.mid + "/" + r.id,
		Datestamp:  r.ds.UTC(),
		Sets:       []string{oaiSetAll, oaiSetPrefix + r.mid},
		Deleted:    !r.published,
	}}
	if rec.Deleted || headerOnly {
		return rec, nil
	}
	m, o, images, err := s.svc.recordData(ctx, r.mid, r.id)
	if err != nil {
		return oaipmh.Record{}, err
	}
	links := Links{Base: strings.TrimSuffix(oaipmh.BaseURL(ctx), "/oai")}
	if prefix == formatLIDO.Prefix {
		rec.Metadata = lidoRecord(links, m, o, images, true)
	} else {
		rec.Metadata = dublinCore(links, m, o).XML()
	}
	return rec, nil
}

// recordData gathers an object's museum, current version and images for
// its LIDO and Dublin Core records.
func (s *Service) recordData(ctx context.Context, mid, id string) (Museum, ObjectView, []ImageInfo, error) {
	o, err := s.Object(ctx, mid, id, true)
	if err != nil {
		return Museum{}, ObjectView{}, nil, err
	}
	m, err := s.Museum(ctx, mid)
	if err != nil {
		m = Museum{ID: mid, Name: LangMap{"en": mid}}
	}
	infos := make([]ImageInfo, 0, len(o.Images))
	for _, ref := range o.Images {
		info, err := s.Image(ctx, ref.ImageID, true)
		if err != nil {
			return Museum{}, ObjectView{}, nil, err
		}
		infos = append(infos, info)
	}
	return m, o, infos, nil
}

// LIDOData returns what an object's LIDO record needs; an unpublished
// object is ErrNotFound unless withUnpublished.
func (s *Service) LIDOData(ctx context.Context, mid, id string, withUnpublished bool) (Museum, ObjectView, []ImageInfo, error) {
	if _, err := s.Object(ctx, mid, id, withUnpublished); err != nil {
		return Museum{}, ObjectView{}, nil, err
	}
	return s.recordData(ctx, mid, id)
}

// dublinCore maps an object to unqualified Dublin Core.
func dublinCore(l Links, m Museum, o ObjectView) oaipmh.DC {
	order := langs(o.Object)
	dc := oaipmh.DC{
		Title:       oaipmh.Langs(o.Title, order...),
		Creator:     oaipmh.Plain(o.Maker),
		Subject:     oaipmh.Plain(o.ObjectName),
		Description: oaipmh.Langs(o.Description, order...),
		Publisher:   oaipmh.Langs(m.Name, langs(Object{Title: m.Name})...),
		Type:        oaipmh.Plain("PhysicalObject"),
		Format:      oaipmh.Plain(append(append([]string{o.Dimensions}, o.Materials...), o.Techniques...)...),
		Identifier:  oaipmh.Plain(o.InventoryNumber, l.Manifest(o.MuseumID, o.ID)),
		Coverage:    oaipmh.Plain(o.Place),
		Rights:      oaipmh.Plain(o.Rights),
	}
	if o.Date != nil {
		dc.Date = oaipmh.Plain(o.Date.Display)
	}
	return dc
}
