package archive

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"ecinema/ledger"
)

// Entry bodies. The ledger keeps them byte for byte; project turns them
// into the tables, both live and in verify --deep.

// unitBody is an archive_unit entry: a version of the record, or its withdrawal.
type unitBody struct {
	UnitRecord
	Withdrawn bool `json:"withdrawn,omitempty"`
}

// aipBody is an archive_aip entry: a deposit that passed the checks, its
// files by hash, and the PREMIS events of its ingest.
type aipBody struct {
	UnitID     string       `json:"unit_id"`
	ExternalID string       `json:"external_identifier"`
	BagInfo    [][2]string  `json:"bag_info"`
	Octets     int64        `json:"payload_octets"`
	Files      int          `json:"payload_files"`
	AllFiles   []File       `json:"files"`
	Events     []eventInput `json:"events"`
}

// eventBody is an archive_event entry: PREMIS events about one unit (a
// fixity check of one AIP, a withdrawal).
type eventBody struct {
	UnitID string       `json:"unit_id"`
	AIPSeq int64        `json:"aip_seq,omitempty"`
	Events []eventInput `json:"events"`
}

type eventInput struct {
	Type    string `json:"type"`
	Outcome string `json:"outcome"`
	Detail  string `json:"detail"`
	Object  string `json:"object"`
}

const (
	unitNextVersion = `SELECT COALESCE(max(version), 0) + 1 FROM archive_unit_versions WHERE unit_id = $1`
	unitInsertVer   = `INSERT INTO archive_unit_versions (unit_id, version, entry_seq, body, recorded_at) VALUES ($1, $2, $3, $4, $5)`
	unitUpsert      = `INSERT INTO archive_units (id, version, record, fond, access, withdrawn, datestamp, search_text, entry_seq)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
ON CONFLICT (id) DO UPDATE SET version = EXCLUDED.version, record = EXCLUDED.record, fond = EXCLUDED.fond,
  access = EXCLUDED.access, withdrawn = EXCLUDED.withdrawn, datestamp = EXCLUDED.datestamp,
  search_text = EXCLUDED.search_text, entry_seq = EXCLUDED.entry_seq`
	unitDelPersons = `DELETE FROM archive_unit_persons WHERE unit_id = $1`
	unitInsPersons = `INSERT INTO archive_unit_persons (unit_id, person_id) SELECT $1, unnest($2::text[]) ON CONFLICT DO NOTHING`
	aipInsert      = `INSERT INTO archive_aips (entry_seq, unit_id, external_id, bag_info, payload_octets, payload_files, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7)`
	fileInsert = `INSERT INTO archive_files (aip_seq, path, payload, sha256, sha512, size, media_type)
SELECT $1, * FROM unnest($2::text[], $3::boolean[], $4::text[], $5::text[], $6::bigint[], $7::text[])`
	eventInsert = `INSERT INTO archive_events (entry_seq, n, unit_id, aip_seq, type, at, outcome, detail, object)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`
	aipFixity         = `UPDATE archive_aips SET fixity_at = $2, fixity_outcome = $3 WHERE entry_seq = $1`
	personNextVersion = `SELECT COALESCE(max(version), 0) + 1 FROM archive_person_versions WHERE person_id = $1`
	personInsertVer   = `INSERT INTO archive_person_versions (person_id, version, entry_seq, body, recorded_at) VALUES ($1, $2, $3, $4, $5)`
	personUpsert      = `INSERT INTO archive_persons (id, version, body, datestamp, search_text, entry_seq) VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (id) DO UPDATE SET version = EXCLUDED.version, body = EXCLUDED.body, datestamp = EXCLUDED.datestamp,
  search_text = EXCLUDED.search_text, entry_seq = EXCLUDED.entry_seq`
)

// project writes the projection of one archive entry and returns the
// version it recorded (units and persons; 0 otherwise).
func project(ctx context.Context, tx pgx.Tx, kind string, body json.RawMessage, e ledger.Entry) (int, error) {
	switch kind {
	case kindUnit:
		var u unitBody
		if err := json.Unmarshal(body, &u); err != nil {
			return 0, fmt.Errorf("archive: unit body: %w", err)
		}
		var v int
		if err := tx.QueryRow(ctx, unitNextVersion, u.ID).Scan(&v); err != nil {
			return 0, fmt.Errorf("archive: unit version: %w", err)
		}
		if _, err := tx.Exec(ctx, unitInsertVer, u.ID, v, e.Seq, []byte(body), e.At); err != nil {
			return 0, fmt.Errorf("archive: unit version: %w", err)
		}
		if _, err := tx.Exec(ctx, unitUpsert, u.ID, v, []byte(body), u.Citation.Fond, u.Access, u.Withdrawn, e.At, unitSearchText(u.UnitRecord), e.Seq); err != nil {
			return 0, fmt.Errorf("archive: unit: %w", err)
		}
		if _, err := tx.Exec(ctx, unitDelPersons, u.ID); err != nil {
			return 0, err
		}
		if _, err := tx.Exec(ctx, unitInsPersons, u.ID, u.Persons); err != nil {
			return 0, fmt.Errorf("archive: unit persons: %w", err)
		}
		if u.Withdrawn {
			ev := eventInput{Type: EventDeaccession, Outcome: "success", Detail: "unit withdrawn; its files are kept", Object: u.ID}
			if err := insertEvents(ctx, tx, e, u.ID, 0, []eventInput{ev}); err != nil {
				return 0, err
			}
		}
		return v, nil
	case kindAIP:
		var a aipBody
		if err := json.Unmarshal(body, &a); err != nil {
			return 0, fmt.Errorf("archive: aip body: %w", err)
		}
		info, _ := json.Marshal(a.BagInfo)
		if _, err := tx.Exec(ctx, aipInsert, e.Seq, a.UnitID, a.ExternalID, info, a.Octets, a.Files, e.At); err != nil {
			return 0, fmt.Errorf("archive: aip: %w", err)
		}
		n := len(a.AllFiles)
		paths, payload, s256, s512, sizes, types := make([]string, n), make([]bool, n), make([]string, n), make([]string, n), make([]int64, n), make([]string, n)
		for i, f := range a.AllFiles {
			paths[i], payload[i], s256[i], s512[i], sizes[i], types[i] = f.Path, f.Payload, f.SHA256, f.SHA512, f.Size, f.MediaType
		}
		if _, err := tx.Exec(ctx, fileInsert, e.Seq, paths, payload, s256, s512, sizes, types); err != nil {
			return 0, fmt.Errorf("archive: aip files: %w", err)
		}
		return 0, insertEvents(ctx, tx, e, a.UnitID, e.Seq, a.Events)
	case kindEvent:
		var b eventBody
		if err := json.Unmarshal(body, &b); err != nil {
			return 0, fmt.Errorf("archive: event body: %w", err)
		}
		if err := insertEvents(ctx, tx, e, b.UnitID, b.AIPSeq, b.Events); err != nil {
			return 0, err
		}
		for _, ev := range b.Events {
			if ev.Type == EventFixity && b.AIPSeq != 0 {
				if _, err := tx.Exec(ctx, aipFixity, b.AIPSeq, e.At, ev.Outcome); err != nil {
					return 0, fmt.Errorf("archive: fixity state: %w", err)
				}
			}
		}
		return 0, nil
	case kindPerson:
		var p PersonRecord
		if err := json.Unmarshal(body, &p); err != nil {
			return 0, fmt.Errorf("archive: person body: %w", err)
		}
		var v int
		if err := tx.QueryRow(ctx, personNextVersion, p.ID).Scan(&v); err != nil {
			return 0, fmt.Errorf("archive: person version: %w", err)
		}
		if _, err := tx.Exec(ctx, personInsertVer, p.ID, v, e.Seq, []byte(body), e.At); err != nil {
			return 0, fmt.Errorf("archive: person version: %w", err)
		}
		if _, err := tx.Exec(ctx, personUpsert, p.ID, v, []byte(body), e.At, personSearchText(p), e.Seq); err != nil {
			return 0, fmt.Errorf("archive: person: %w", err)
		}
		return v, nil
	}
	return 0, fmt.Errorf("archive: %q is not an archive kind", kind)
}

func insertEvents(ctx context.Context, tx pgx.Tx, e ledger.Entry, unitID string, aipSeq int64, evs []eventInput) error {
	var aip *int64
	if aipSeq != 0 {
		aip = &aipSeq
	}
	for i, ev := range evs {
		if _, err := tx.Exec(ctx, eventInsert, e.Seq, i, unitID, aip, ev.Type, e.At, ev.Outcome, ev.Detail, ev.Object); err != nil {
			return fmt.Errorf("archive: event: %w", err)
		}
	}
	return nil
}

// unitSearchText is what search matches: every title, description,
// subject, creator, coverage and the citation, lower-cased, in all
// languages at once.
func unitSearchText(u UnitRecord) string {
	parts := []string{u.ID, u.Creator, u.Coverage, u.Type, u.Date, u.Citation.String()}
	for _, m := range []map[string]string{u.Title, u.Description} {
		for _, k := range []string{"kk", "kk-Latn", "ru", "en"} {
			parts = append(parts, m[k])
		}
	}
	parts = append(parts, u.Subject...)
	return strings.ToLower(strings.Join(parts, " "))
}

func personSearchText(p PersonRecord) string {
	var parts []string
	for _, n := range p.Names {
		parts = append(parts, n.Family, n.Given, n.Patronymic)
	}
	parts = append(parts, p.Rank, p.Unit)
	if p.Birth != nil {
		parts = append(parts, p.Birth.Place)
	}
	return strings.ToLower(strings.Join(parts, " "))
}

// archiveTables are the projections verify --deep rebuilds.
var archiveTables = []ledger.ShadowTable{
	{Name: "archive_units", Columns: "id, version, record, fond, access, withdrawn, datestamp, search_text, entry_seq", SeqColumn: "entry_seq"},
	{Name: "archive_unit_versions", Columns: "unit_id, version, entry_seq, body, recorded_at", SeqColumn: "entry_seq"},
	{Name: "archive_unit_persons", Columns: "unit_id, person_id"},
	{Name: "archive_aips", Columns: "entry_seq, unit_id, external_id, bag_info, payload_octets, payload_files, created_at, fixity_at, fixity_outcome", SeqColumn: "entry_seq"},
	{Name: "archive_files", Columns: "aip_seq, path, payload, sha256, sha512, size, media_type", SeqColumn: "aip_seq"},
	{Name: "archive_events", Columns: "entry_seq, n, unit_id, aip_seq, type, at, outcome, detail, object", SeqColumn: "entry_seq"},
	{Name: "archive_persons", Columns: "id, version, body, datestamp, search_text, entry_seq", SeqColumn: "entry_seq"},
	{Name: "archive_person_versions", Columns: "person_id, version, entry_seq, body, recorded_at", SeqColumn: "entry_seq"},
}

// deepCheck rebuilds the archive's tables from the ledger for
// ecinema verify --deep, through the same project function. Before it
// replays an entry it re-decides the entry's rules from the entries before
// it (deepState), so an entry written while a row was changed and put
// back is a mismatch at that entry.
type deepCheck struct{ st *deepState }

// NewDeepCheck returns the archive's projection rebuild.
func NewDeepCheck() ledger.DeepCheck { return &deepCheck{} }

// Name names the check.
func (*deepCheck) Name() string { return "archive" }

// Begin creates the temporary tables.
func (d *deepCheck) Begin(ctx context.Context, tx pgx.Tx) error {
	d.st = newDeepState()
	return ledger.CreateShadows(ctx, tx, archiveTables)
}

// Entry checks one archive entry against the rules, then replays it.
func (d *deepCheck) Entry(ctx context.Context, tx pgx.Tx, e ledger.Entry, p ledger.ParsedEntry) error {
	switch p.Kind {
	case kindUnit, kindAIP, kindEvent, kindPerson:
		if err := d.st.check(e, p.Kind, p.Body); err != nil {
			return err
		}
		_, err := project(ctx, tx, p.Kind, p.Body, e)
		return err
	}
	return nil
}

// Compare compares the rebuilt tables with the stored ones.
func (*deepCheck) Compare(ctx context.Context, tx pgx.Tx) error {
	return ledger.CompareShadows(ctx, tx, archiveTables)
}
