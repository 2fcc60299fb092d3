package museum

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"ecinema/ledger"
)

// museumTables are the projections of museum entries, each with the
// columns deepCheck compares and the column naming the writing entry.
var museumTables = []ledger.ShadowTable{
	{Name: "museum_objects", Columns: "museum_id, id, version, inventory_number, object_name, earliest, latest, published, search_text, body, entry_seq, updated_at", SeqColumn: "entry_seq"},
	{Name: "museum_object_versions", Columns: "museum_id, id, version, entry_seq, body, recorded_at", SeqColumn: "entry_seq"},
	{Name: "museum_events", Columns: "museum_id, object_id, n, type, at, location, note, actor, entry_seq", SeqColumn: "entry_seq"},
	{Name: "museum_object_state", Columns: "museum_id, object_id, status, location, home_location, accessioned, events, last_at, entry_seq", SeqColumn: "entry_seq"},
	{Name: "museum_images", Columns: "id, museum_id, object_id, n, version, width, height, media_type, sha256, size, entry_seq, recorded_at", SeqColumn: "entry_seq"},
	{Name: "museum_image_sizes", Columns: "image_id, width, height, sha256, size"},
}

// deepCheck rebuilds the museum tables from the ledger for
// `ecinema verify --deep`: the catalogue, every event and the current
// location and status derived from them, and the images. It replays each
// museum entry through the same project function the live write uses
// (the state rules included, so a stored event the rules forbid fails the
// check) into temporary tables and compares them with the stored ones.
type deepCheck struct{}

// NewDeepCheck returns the museum projection rebuild.
func NewDeepCheck() ledger.DeepCheck { return deepCheck{} }

// Name names the check.
func (deepCheck) Name() string { return "museum" }

// Begin creates the temporary tables.
func (deepCheck) Begin(ctx context.Context, tx pgx.Tx) error {
	if err := ledger.CreateShadows(ctx, tx, museumTables); err != nil {
		return fmt.Errorf("museum: deep check: %w", err)
	}
	return nil
}

// Entry replays a museum entry into the temporary tables. The rules the
// live write decided under the head lock from the tables (an inventory
// number of one object, an event or image of an existing object, the
// state rules of apply) are decided again by project against the rebuilt
// tables; an entry that breaks one, written while a row was changed and
// put back, is a mismatch at that entry (exit status 1), not a failed
// rebuild.
func (deepCheck) Entry(ctx context.Context, tx pgx.Tx, e ledger.Entry, p ledger.ParsedEntry) error {
	switch p.Kind {
	case kindObject, kindEvent, kindImage:
		if _, err := project(ctx, tx, p.Kind, p.Body, e, time.Time{}); err != nil {
			if table := ruleTable(err); table != "" {
				var ids struct {
					MuseumID string `json:"museum_id"`
					ID       string `json:"id"`
					ObjectID string `json:"object_id"`
				}
				_ = json.Unmarshal(p.Body, &ids)
				return &ledger.ProjectionMismatch{Table: table, Seq: e.Seq, Detail: fmt.Sprintf("%s entry %d: object %q of museum %q: %v",
					p.Kind, e.Seq, cmp.Or(ids.ObjectID, ids.ID), ids.MuseumID, err)}
			}
			return fmt.Errorf("museum: replay entry %d: %w", e.Seq, err)
		}
	}
	return nil
}

// ruleTable names the table whose rows the rule err reports broke, or ""
// when err is not a rule's.
func ruleTable(err error) string {
	switch {
	case errors.Is(err, ErrInventoryNumberTaken), errors.Is(err, ErrNotFound):
		return "museum_objects"
	case errors.Is(err, ErrNotAccessioned), errors.Is(err, ErrAlreadyAccessioned), errors.Is(err, ErrAlreadyInCustody),
		errors.Is(err, ErrNotInCustody), errors.Is(err, ErrOnLoan), errors.Is(err, ErrNotOnLoan),
		errors.Is(err, ErrLocationMismatch), errors.Is(err, ErrEventOutOfOrder):
		return "museum_object_state"
	}
	return ""
}

// Compare compares every rebuilt table with the stored one and drops the
// temporary tables.
func (deepCheck) Compare(ctx context.Context, tx pgx.Tx) error {
	return ledger.CompareShadows(ctx, tx, museumTables)
}
