package archive

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"ecinema/culture/langmap"
	"ecinema/ledger"
	"ecinema/validate"
)

var (
	codeRe   = regexp.MustCompile(`^[A-Za-z0-9\-_.!~*'()]{1,64}$`) // OAI setSpec-safe
	sheetsRe = regexp.MustCompile(`^[0-9]+[a-z]?(-[0-9]+[a-z]?)?(,[0-9]+[a-z]?(-[0-9]+[a-z]?)?)*$`)
	langRe   = regexp.MustCompile(`^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$`)
)

// checkUnit validates a record written to id.
func checkUnit(id string, u *UnitRecord) error {
	var errs validate.Errors
	errs.ID("id", id)
	if u.ID != "" && u.ID != id {
		errs.Add("id", "path_mismatch", "differs from the id in the path")
	}
	u.ID = id
	langmap.Check(&errs, "title", u.Title)
	langmap.Optional(&errs, "description", u.Description)
	for field, v := range map[string]string{"creator": u.Creator, "date": u.Date, "coverage": u.Coverage, "type": u.Type, "rights": u.Rights} {
		if len(v) > 500 {
			errs.Add(field, "invalid_value", "must be at most 500 characters")
		}
	}
	for i, l := range u.Language {
		if !langRe.MatchString(l) {
			errs.Add(fmt.Sprintf("language[%d]", i), "invalid_language", "must be a BCP 47 tag like kk or ru")
		}
	}
	for i, s := range u.Subject {
		if strings.TrimSpace(s) == "" || len(s) > 200 {
			errs.Add(fmt.Sprintf("subject[%d]", i), "invalid_value", "must be 1..200 characters")
		}
	}
	c := u.Citation
	for field, v := range map[string]string{"citation.archive": c.Archive, "citation.fond": c.Fond} {
		if v == "" {
			errs.Add(field, "required", "is required")
		}
	}
	for field, v := range map[string]string{"citation.archive": c.Archive, "citation.fond": c.Fond, "citation.inventory": c.Inventory, "citation.file": c.File} {
		if v != "" && !codeRe.MatchString(v) {
			errs.Add(field, "invalid_code", "must be an ASCII code of letters, digits and -_.!~*'() (it names an OAI-PMH set)")
		}
	}
	if c.Sheets != "" && !sheetsRe.MatchString(c.Sheets) {
		errs.Add("citation.sheets", "invalid_value", "must be sheet numbers like 1-10 or 3,5-7")
	}
	errs.OneOf("access", u.Access, "open", "restricted")
	seen := map[string]bool{}
	for i, p := range u.Persons {
		errs.ID(fmt.Sprintf("persons[%d]", i), p)
		if seen[p] {
			errs.Add(fmt.Sprintf("persons[%d]", i), "duplicate", "is listed twice")
		}
		seen[p] = true
	}
	return errs.Err()
}

const (
	selectUnit = `SELECT record, version, withdrawn, datestamp FROM archive_units WHERE id = $1`
	lockUnit   = `SELECT withdrawn FROM archive_units WHERE id = $1 FOR UPDATE`
)

func scanUnit(row pgx.Row) (Unit, error) {
	var raw []byte
	var u Unit
	if err := row.Scan(&raw, &u.Version, &u.Withdrawn, &u.UpdatedAt); err != nil {
		return Unit{}, err
	}
	var b unitBody
	if err := json.Unmarshal(raw, &b); err != nil {
		return Unit{}, fmt.Errorf("archive: stored unit: %w", err)
	}
	u.UnitRecord = b.UnitRecord
	u.UpdatedAt = u.UpdatedAt.UTC()
	return u, nil
}

// PutUnit writes a new version of a unit.
func (s *Service) PutUnit(ctx context.Context, actor, id string, rec UnitRecord) (Unit, error) {
	if err := checkUnit(id, &rec); err != nil {
		return Unit{}, err
	}
	body, err := json.Marshal(unitBody{UnitRecord: rec})
	if err != nil {
		return Unit{}, err
	}
	var version int
	e, err := s.w.Append(ctx, ledger.Record{Kind: kindUnit, Actor: actor, Body: json.RawMessage(body),
		Project: func(ctx context.Context, tx pgx.Tx, e ledger.Entry) error {
			var withdrawn bool
			err := tx.QueryRow(ctx, lockUnit, id).Scan(&withdrawn)
			if err == nil && withdrawn {
				return fmt.Errorf("%w: %s", ErrWithdrawn, id)
			}
			if err != nil && !errors.Is(err, pgx.ErrNoRows) {
				return err
			}
			version, err = project(ctx, tx, kindUnit, body, e)
			return err
		}})
	if err != nil {
		return Unit{}, err
	}
	return Unit{UnitRecord: rec, Version: version, UpdatedAt: e.At}, nil
}

// WithdrawUnit withdraws a unit: a new version marked withdrawn, its files
// kept, reported deleted over OAI-PMH. Withdrawing twice changes nothing.
// The withdrawal is decided under the ledger head lock (withdrawReq): the
// unit's current record, which the withdrawal copies, is read there, so a
// version written meanwhile is the one withdrawn.
func (s *Service) WithdrawUnit(ctx context.Context, actor, id string) (Unit, error) {
	r := &withdrawReq{id: id}
	e, err := s.w.Append(ctx, ledger.Record{Kind: kindUnit, Actor: actor, Batch: ledger.Serial, Request: r})
	if errors.Is(err, ErrWithdrawn) {
		return s.Unit(ctx, id, true)
	}
	if err != nil {
		return Unit{}, err
	}
	return Unit{UnitRecord: r.rec, Version: r.version, Withdrawn: true, UpdatedAt: e.At}, nil
}

// withdrawReq is a withdrawal on its way through the writer.
type withdrawReq struct {
	id      string
	rec     UnitRecord // the record withdrawn, set by Decide
	version int        // set by Project
}

func (r *withdrawReq) Decide(ctx context.Context, tx pgx.Tx) (ledger.Prepared, error) {
	u, err := scanUnit(tx.QueryRow(ctx, selectUnit, r.id))
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return ledger.Prepared{Err: fmt.Errorf("%w: unit %s", ErrNotFound, r.id)}, nil
	case err != nil:
		return ledger.Prepared{}, fmt.Errorf("archive: unit %s: %w", r.id, err)
	case u.Withdrawn:
		return ledger.Prepared{Err: fmt.Errorf("%w: %s", ErrWithdrawn, r.id)}, nil
	}
	body, err := json.Marshal(unitBody{UnitRecord: u.UnitRecord, Withdrawn: true})
	if err != nil {
		return ledger.Prepared{}, err
	}
	r.rec = u.UnitRecord
	return ledger.Prepared{Body: json.RawMessage(body)}, nil
}

func (r *withdrawReq) Project(ctx context.Context, tx pgx.Tx, e ledger.Entry) error {
	body, err := ledger.EntryBody(e.Bytes)
	if err != nil {
		return err
	}
	r.version, err = project(ctx, tx, kindUnit, body, e)
	return err
}

// Unit returns a unit. Without privilege (no archivist or auditor key),
// restricted and withdrawn units are ErrNotFound.
func (s *Service) Unit(ctx context.Context, id string, privileged bool) (Unit, error) {
	u, err := scanUnit(s.pool.QueryRow(ctx, selectUnit, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return Unit{}, fmt.Errorf("%w: unit %s", ErrNotFound, id)
	}
	if err != nil {
		return Unit{}, fmt.Errorf("archive: unit %s: %w", id, err)
	}
	if !privileged && (u.Access != "open" || u.Withdrawn) {
		return Unit{}, fmt.Errorf("%w: unit %s", ErrNotFound, id)
	}
	return u, nil
}

// UnitVersions lists every version of a unit, oldest first.
func (s *Service) UnitVersions(ctx context.Context, id string, privileged bool) ([]Version, error) {
	if _, err := s.Unit(ctx, id, privileged); err != nil {
		return nil, err
	}
	return versions(ctx, s, `SELECT version, entry_seq, recorded_at, body FROM archive_unit_versions WHERE unit_id = $1 ORDER BY version`, id)
}

func versions(ctx context.Context, s *Service, q, id string) ([]Version, error) {
	rows, err := s.pool.Query(ctx, q, id)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Version, error) {
		var v Version
		var body []byte
		err := r.Scan(&v.Version, &v.EntrySeq, &v.RecordedAt, &body)
		v.Body, v.RecordedAt = body, v.RecordedAt.UTC()
		return v, err
	})
}

// Query is a unit search.
type Query struct {
	Q          string // words, each must appear (kk, ru or en; any case; substrings)
	Fond       string
	Person     string
	Cursor     string // last id of the previous page
	Limit      int
	Privileged bool // archivist or auditor: restricted units too
}

// searchUnits: each word of q must occur in search_text (ILIKE, served by
// the trigram index); ordered by id for stable paging.
const searchUnits = `SELECT record, version, withdrawn, datestamp FROM archive_units u
WHERE id > $1 AND NOT withdrawn AND (access = 'open' OR $2)
  AND ($3 = '' OR fond = $3)
  AND ($4 = '' OR EXISTS (SELECT 1 FROM archive_unit_persons p WHERE p.unit_id = u.id AND p.person_id = $4))
  AND NOT EXISTS (SELECT 1 FROM unnest($5::text[]) w WHERE u.search_text NOT ILIKE '%' || w || '%')
ORDER BY id LIMIT $6`

// Units searches units; it returns a page and the next cursor ("" on the last).
func (s *Service) Units(ctx context.Context, q Query) ([]Unit, string, error) {
	if q.Limit == 0 {
		q.Limit = 50
	}
	if q.Limit < 1 || q.Limit > 500 {
		return nil, "", fmt.Errorf("%w: limit must be 1..500", ErrBadQuery)
	}
	if len(q.Q) > 200 {
		return nil, "", fmt.Errorf("%w: q must be at most 200 characters", ErrBadQuery)
	}
	var words []string
	for _, w := range strings.Fields(strings.ToLower(q.Q)) {
		// LIKE's own wildcards are taken literally.
		w = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(w)
		words = append(words, w)
	}
	if words == nil {
		words = []string{}
	}
	rows, err := s.pool.Query(ctx, searchUnits, q.Cursor, q.Privileged, q.Fond, q.Person, words, q.Limit+1)
	if err != nil {
		return nil, "", fmt.Errorf("archive: search: %w", err)
	}
	units, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Unit, error) { return scanUnit(r) })
	if err != nil {
		return nil, "", fmt.Errorf("archive: search: %w", err)
	}
	next := ""
	if len(units) > q.Limit {
		units = units[:q.Limit]
		next = units[len(units)-1].ID
	}
	return units, next, nil
}

// Events lists a unit's PREMIS events in ledger order.
func (s *Service) Events(ctx context.Context, id string, privileged bool) ([]Event, error) {
	if _, err := s.Unit(ctx, id, privileged); err != nil {
		return nil, err
	}
	rows, err := s.pool.Query(ctx, `SELECT type, at, outcome, detail, object, entry_seq FROM archive_events WHERE unit_id = $1 ORDER BY entry_seq, n`, id)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Event, error) {
		var e Event
		err := r.Scan(&e.Type, &e.At, &e.Outcome, &e.Detail, &e.Object, &e.Seq)
		e.At = e.At.UTC()
		return e, err
	})
}

var _ = time.Second
