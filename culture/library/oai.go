package library

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"ecinema/culture/oaipmh"
)

// setSpec is the OAI-PMH set of the library's editions.
const setSpec = "library"

// OAISource offers the editions to the shared OAI-PMH provider as the set
// "library" in oai_dc. An edition's datestamp is its last change (a new
// version or an attached file), to the second.
type OAISource struct {
	s      *Service
	prefix string // oai:<repository>:library:
}

// NewOAISource returns the library's OAI-PMH source; prefix is
// oaipmh.IdentifierPrefix(repositoryID, "library").
func NewOAISource(s *Service, prefix string) *OAISource { return &OAISource{s: s, prefix: prefix} }

// Sets lists the library set.
func (o *OAISource) Sets(context.Context) ([]oaipmh.Set, error) {
	return []oaipmh.Set{{Spec: setSpec, Name: "e-Library: editions of books and audiobooks"}}, nil
}

// Formats is oai_dc only.
func (o *OAISource) Formats() []oaipmh.Format { return []oaipmh.Format{oaipmh.FormatOAIDC} }

const oaiList = `SELECT e.id, date_trunc('second', e.updated_at) FROM library_editions e
WHERE ($1::timestamptz IS NULL OR date_trunc('second', e.updated_at) >= $1)
  AND ($2::timestamptz IS NULL OR date_trunc('second', e.updated_at) < $2)
  AND ($3::timestamptz IS NULL OR (date_trunc('second', e.updated_at), e.id) > ($3, $4))
ORDER BY date_trunc('second', e.updated_at), e.id LIMIT $5`

const oaiCount = `SELECT count(*) FROM library_editions e
WHERE ($1::timestamptz IS NULL OR date_trunc('second', e.updated_at) >= $1)
  AND ($2::timestamptz IS NULL OR date_trunc('second', e.updated_at) < $2)`

// List returns the editions in (datestamp, id) order.
func (o *OAISource) List(ctx context.Context, q oaipmh.Query) (oaipmh.Page, error) {
	if _, ok := q.Scope(setSpec, ""); !ok || !oaipmh.Offers(o.Formats(), q.Prefix) {
		return oaipmh.Page{}, nil
	}
	from, before := q.Bounds()
	var page oaipmh.Page
	if err := o.s.pool.QueryRow(ctx, oaiCount, from, before).Scan(&page.Total); err != nil {
		return oaipmh.Page{}, fmt.Errorf("library: oai count: %w", err)
	}
	if q.Limit <= 0 {
		return page, nil
	}
	after, afterID, err := q.After()
	if err != nil {
		return oaipmh.Page{}, err
	}
	rows, err := o.s.pool.Query(ctx, oaiList, from, before, after, afterID, q.Limit+1)
	if err != nil {
		return oaipmh.Page{}, fmt.Errorf("library: oai list: %w", err)
	}
	type row struct {
		id string
		at time.Time
	}
	rs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (row, error) {
		var x row
		err := r.Scan(&x.id, &x.at)
		return x, err
	})
	if err != nil {
		return oaipmh.Page{}, fmt.Errorf("library: oai list: %w", err)
	}
	rs, page.Next = oaipmh.Cut(rs, q.Limit, func(r row) (time.Time, string) { return r.at, r.id })
	ids := make([]string, len(rs))
	for i, r := range rs {
		ids[i] = r.id
	}
	items, err := o.s.itemsByID(ctx, ids)
	if err != nil {
		return oaipmh.Page{}, err
	}
	for _, it := range items {
		rec := oaipmh.Record{Header: o.header(it)}
		if !q.HeadersOnly {
			rec.Metadata = dublinCore(it).XML()
		}
		page.Records = append(page.Records, rec)
	}
	return page, nil
}

// Get returns one edition's record.
func (o *OAISource) Get(ctx context.Context, identifier, prefix string) (oaipmh.Record, error) {
	id, ok := strings.CutPrefix(identifier, o.prefix)
	if !ok || id == "" {
		return oaipmh.Record{}, oaipmh.ErrIDDoesNotExist
	}
	it, err := o.s.Item(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return oaipmh.Record{}, oaipmh.ErrIDDoesNotExist
	}
	if err != nil {
		return oaipmh.Record{}, err
	}
	if err := oaipmh.CheckFormat(o.Formats(), prefix); err != nil {
		return oaipmh.Record{}, err
	}
	rec := oaipmh.Record{Header: o.header(it)}
	if prefix != "" {
		rec.Metadata = dublinCore(it).XML()
	}
	return rec, nil
}

// Earliest is the datestamp of the first edition.
func (o *OAISource) Earliest(ctx context.Context) (time.Time, bool, error) {
	var t *time.Time
	if err := o.s.pool.QueryRow(ctx, `SELECT min(date_trunc('second', updated_at)) FROM library_editions`).Scan(&t); err != nil {
		return time.Time{}, false, fmt.Errorf("library: oai earliest: %w", err)
	}
	if t == nil {
		return time.Time{}, false, nil
	}
	return t.UTC(), true, nil
}

func (o *OAISource) header(it Item) oaipmh.Header {
	return oaipmh.Header{Identifier: o.prefix + it.Edition.ID, Datestamp: it.Updated.UTC().Truncate(time.Second), Sets: []string{setSpec}}
}

// dublinCore describes an edition in unqualified Dublin Core.
func dublinCore(it Item) oaipmh.DC {
	ed := it.Edition
	langs := func(m LangMap) []oaipmh.Value {
		keys := []string{"kk", "ru", "en", "kk-Latn"}
		for k := range m {
			if !strings.Contains(" kk ru en kk-Latn ", " "+k+" ") {
				keys = append(keys, k)
			}
		}
		return oaipmh.Langs(m, keys...)
	}
	d := oaipmh.DC{Title: langs(it.Work.Title), Publisher: oaipmh.Plain(ed.Publisher), Date: oaipmh.Plain(ed.Issued),
		Language: oaipmh.Plain(ed.Language), Subject: oaipmh.Plain(it.Work.Subjects...),
		Identifier: oaipmh.Plain(editionURN(ed.ID))}
	for _, a := range it.Work.Authors {
		if a.Role == "author" {
			d.Creator = append(d.Creator, langs(a.Name)...)
		} else {
			d.Contributor = append(d.Contributor, langs(a.Name)...)
		}
	}
	d.Contributor = append(d.Contributor, oaipmh.Plain(append(append([]string{}, ed.Translators...), ed.Narrators...)...)...)
	if ed.ISBN != "" {
		d.Identifier = append(d.Identifier, oaipmh.Value{Text: "urn:isbn:" + ed.ISBN})
	}
	switch ed.Format {
	case FormatAudiobook:
		d.Type, d.Format = oaipmh.Plain("Sound"), oaipmh.Plain(MediaAudiobook)
	case formatEPUB:
		d.Type, d.Format = oaipmh.Plain("Text"), oaipmh.Plain(mediaEPUB)
	default:
		d.Type, d.Format = oaipmh.Plain("Text"), oaipmh.Plain(mediaPDF)
	}
	if ed.Access == AccessOpen {
		d.Rights = oaipmh.Plain("open access")
	} else {
		d.Rights = oaipmh.Plain("lent to library card holders")
	}
	return d
}
