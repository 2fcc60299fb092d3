package museum

import (
	"context"
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

// Entry replays a museum entry into the temporary tables.
func (deepCheck) Entry(ctx context.Context, tx pgx.Tx, e ledger.Entry, p ledger.ParsedEntry) error {
	switch p.Kind {
	case kindObject, kindEvent, kindImage:
		if _, err := project(ctx, tx, p.Kind, p.Body, e, time.Time{}); err != nil {
			return fmt.Errorf("museum: replay entry %d: %w", e.Seq, err)
		}
	}
	return nil
}

// Compare compares every rebuilt table with the stored one and drops the
// temporary tables.
func (deepCheck) Compare(ctx context.Context, tx pgx.Tx) error {
	return ledger.CompareShadows(ctx, tx, museumTables)
}
