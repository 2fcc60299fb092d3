package archive

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"ecinema/kztime"
	"ecinema/ledger"
	"ecinema/validate"
)

// checkPerson checks a person; today is the local date in Kazakhstan, after
// which no conscription or award can be dated.
func checkPerson(id string, p *PersonRecord, today time.Time) error {
	var errs validate.Errors
	errs.ID("id", id)
	if p.ID != "" && p.ID != id {
		errs.Add("id", "path_mismatch", "differs from the id in the path")
	}
	p.ID = id
	if len(p.Names) == 0 {
		errs.Add("names", "required", "at least one name (kk or ru)")
	}
	hasKKRU := false
	for i, n := range p.Names {
		f := fmt.Sprintf("names[%d]", i)
		errs.OneOf(f+".lang", n.Lang, "kk", "kk-Latn", "ru", "en")
		hasKKRU = hasKKRU || n.Lang == "kk" || n.Lang == "kk-Latn" || n.Lang == "ru"
		if strings.TrimSpace(n.Family) == "" {
			errs.Add(f+".family", "required", "is required")
		}
		for _, v := range []string{n.Family, n.Given, n.Patronymic} {
			if len(v) > 200 {
				errs.Add(f, "invalid_value", "names are at most 200 characters")
			}
		}
	}
	if len(p.Names) > 0 && !hasKKRU {
		errs.Add("names", "required", "needs a name in kk or ru")
	}
	if p.Birth != nil && p.Birth.Year != 0 && (p.Birth.Year < 1850 || p.Birth.Year > 1945) {
		errs.Add("birth.year", "invalid_value", "must be a year from 1850 to 1945")
	}
	if p.Conscription != nil {
		errs.PastPartialDate("conscription.date", p.Conscription.Date, "invalid_value", today)
	}
	if p.Fate != "" {
		errs.OneOf("fate", p.Fate, "returned", "killed", "missing", "pow")
	}
	for i, a := range p.Awards {
		if strings.TrimSpace(a.Name) == "" {
			errs.Add(fmt.Sprintf("awards[%d].name", i), "required", "is required")
		}
		errs.PastPartialDate(fmt.Sprintf("awards[%d].date", i), a.Date, "invalid_value", today)
	}
	for i, s := range p.Sources {
		errs.ID(fmt.Sprintf("sources[%d]", i), s)
	}
	return errs.Err()
}

const (
	selectPerson = `SELECT body, version, datestamp FROM archive_persons WHERE id = $1`
	// outboxInsert queues the version for Batyrlarga tagzym in the
	// transaction of its ledger entry.
	outboxInsert = `INSERT INTO archive_sync_outbox (person_id, version, payload, next_at) VALUES ($1, $2, $3, $4)`
	// existingUnits are those of a person's sources that are units.
	existingUnits = `SELECT id FROM archive_units WHERE id = ANY($1)`
	// openSources are the citations and DIP links of a person's open units.
	openSources = `SELECT id, record FROM archive_units WHERE id = ANY($1) AND access = 'open' AND NOT withdrawn ORDER BY id`
)

// checkSources refuses a source that names no unit (ErrUnknownReference on
// sources[i]). Units are withdrawn, never deleted, so one that exists now
// still exists when the person's entry is appended.
func (s *Service) checkSources(ctx context.Context, sources []string) error {
	if len(sources) == 0 {
		return nil
	}
	rows, err := s.pool.Query(ctx, existingUnits, sources)
	if err != nil {
		return fmt.Errorf("archive: person sources: %w", err)
	}
	found := map[string]bool{}
	var id string
	if _, err := pgx.ForEachRow(rows, []any{&id}, func() error { found[id] = true; return nil }); err != nil {
		return fmt.Errorf("archive: person sources: %w", err)
	}
	for i, u := range sources {
		if !found[u] {
			return validate.Refuse(ErrUnknownReference, fmt.Sprintf("sources[%d]", i), "unit %q is not in the archive", u)
		}
	}
	return nil
}

// SyncSource is a source as the platform receives it.
type SyncSource struct {
	UnitID   string `json:"unit_id"`
	Citation string `json:"citation"`
	DIP      string `json:"dip"`
}

// PutPerson writes a new version of a person and, in the same
// transaction, the outbox row that sends it to Batyrlarga tagzym.
func (s *Service) PutPerson(ctx context.Context, actor, id string, rec PersonRecord) (Person, error) {
	if err := checkPerson(id, &rec, kztime.LocalDate(s.cfg.Now())); err != nil {
		return Person{}, err
	}
	if err := s.checkSources(ctx, rec.Sources); err != nil {
		return Person{}, err
	}
	body, err := json.Marshal(rec)
	if err != nil {
		return Person{}, err
	}
	var version int
	e, err := s.w.Append(ctx, ledger.Record{Kind: kindPerson, Actor: actor, Body: json.RawMessage(body),
		Project: func(ctx context.Context, tx pgx.Tx, e ledger.Entry) error {
			var err error
			if version, err = project(ctx, tx, kindPerson, body, e); err != nil {
				return err
			}
			payload, err := s.syncPayload(ctx, tx, rec, version)
			if err != nil {
				return err
			}
			_, err = tx.Exec(ctx, outboxInsert, rec.ID, version, payload, e.At)
			return err
		}})
	if err != nil {
		return Person{}, err
	}
	return Person{PersonRecord: rec, Version: version, UpdatedAt: e.At}, nil
}

// syncPayload is the JSON sent for one version: the person, "version" and
// "sources" (citations and DIP links of its open units).
func (s *Service) syncPayload(ctx context.Context, tx pgx.Tx, p PersonRecord, version int) ([]byte, error) {
	sources := []SyncSource{}
	if len(p.Sources) > 0 {
		rows, err := tx.Query(ctx, openSources, p.Sources)
		if err != nil {
			return nil, err
		}
		type row struct {
			id  string
			rec []byte
		}
		rs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (row, error) {
			var x row
			return x, r.Scan(&x.id, &x.rec)
		})
		if err != nil {
			return nil, err
		}
		for _, r := range rs {
			var b unitBody
			if err := json.Unmarshal(r.rec, &b); err != nil {
				return nil, err
			}
			sources = append(sources, SyncSource{UnitID: r.id, Citation: b.Citation.String(), DIP: s.dipLink(r.id)})
		}
	}
	out := struct {
		PersonRecord
		Version int          `json:"version"`
		Sources []SyncSource `json:"sources"`
	}{p, version, sources}
	return json.Marshal(out)
}

// Person returns a person.
func (s *Service) Person(ctx context.Context, id string) (Person, error) {
	var raw []byte
	var p Person
	err := s.pool.QueryRow(ctx, selectPerson, id).Scan(&raw, &p.Version, &p.UpdatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return Person{}, fmt.Errorf("%w: person %s", ErrNotFound, id)
	}
	if err != nil {
		return Person{}, err
	}
	if err := json.Unmarshal(raw, &p.PersonRecord); err != nil {
		return Person{}, err
	}
	p.UpdatedAt = p.UpdatedAt.UTC()
	return p, nil
}

// PersonVersions lists every version of a person.
func (s *Service) PersonVersions(ctx context.Context, id string) ([]Version, error) {
	if _, err := s.Person(ctx, id); err != nil {
		return nil, err
	}
	return versions(ctx, s, `SELECT version, entry_seq, recorded_at, body FROM archive_person_versions WHERE person_id = $1 ORDER BY version`, id)
}

const searchPersons = `SELECT body, version, datestamp FROM archive_persons p
WHERE id > $1 AND NOT EXISTS (SELECT 1 FROM unnest($2::text[]) w WHERE p.search_text NOT ILIKE '%' || w || '%')
ORDER BY id LIMIT $3`

// Persons searches persons by name words (kk or ru), paged by id.
func (s *Service) Persons(ctx context.Context, q, cursor string, limit int) ([]Person, string, error) {
	if limit == 0 {
		limit = 50
	}
	if limit < 1 || limit > 500 {
		return nil, "", fmt.Errorf("%w: limit must be 1..500", ErrBadQuery)
	}
	words := []string{}
	for _, w := range strings.Fields(strings.ToLower(q)) {
		words = append(words, strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(w))
	}
	rows, err := s.pool.Query(ctx, searchPersons, cursor, words, limit+1)
	if err != nil {
		return nil, "", err
	}
	ps, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Person, error) {
		var raw []byte
		var p Person
		if err := r.Scan(&raw, &p.Version, &p.UpdatedAt); err != nil {
			return p, err
		}
		p.UpdatedAt = p.UpdatedAt.UTC()
		return p, json.Unmarshal(raw, &p.PersonRecord)
	})
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(ps) > limit {
		ps = ps[:limit]
		next = ps[len(ps)-1].ID
	}
	return ps, next, nil
}
