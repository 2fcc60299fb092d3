package registry

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"ecinema/ledger"
)

// registryTables are the projections of registry entries, each with the
// columns compared by deepCheck and the column naming the writing entry.
var registryTables = []ledger.ShadowTable{
	{Name: "registry_versions", Columns: "kind, id, version, entry_seq, body, recorded_at", SeqColumn: "entry_seq"},
	{Name: "parties", Columns: "id, version, kind, name, bin, entry_seq", SeqColumn: "entry_seq"},
	{Name: "cinemas", Columns: "id, version, name, exhibitor_id, region, city, vat_payer, entry_seq", SeqColumn: "entry_seq"},
	{Name: "halls", Columns: "cinema_id, id, name, seats"},
	{Name: "films", Columns: filmColumns + ", entry_seq", SeqColumn: "entry_seq"},
	{Name: "film_rights_holders", Columns: "film_id, party_id, role, share_pct"},
	{Name: "film_rental_terms", Columns: "film_id, from_week, distributor_pct"},
	{Name: "cinema_ownership", Columns: "cinema_id, exhibitor_id, valid_from, valid_to, entry_seq", SeqColumn: "entry_seq"},
	{Name: "film_ownership", Columns: "film_id, producer_id, distributor_id, valid_from, valid_to, entry_seq", SeqColumn: "entry_seq"},
	{Name: "rental_term_overrides", Columns: "film_id, exhibitor_id, effective_from, from_week, distributor_pct, version, entry_seq", SeqColumn: "entry_seq"},
}

// deepCheck rebuilds the registry tables from the ledger for
// `ecinema verify --deep`. It creates empty temporary tables with the same
// names, which PostgreSQL searches before the real ones, replays every
// registry entry through the same project function the live write uses,
// and compares each rebuilt table with the stored one.
type deepCheck struct{}

// NewDeepCheck returns the registry's projection rebuild.
func NewDeepCheck() ledger.DeepCheck { return &deepCheck{} }

// Name names the check.
func (deepCheck) Name() string { return "registry" }

// Begin creates the temporary tables.
func (deepCheck) Begin(ctx context.Context, tx pgx.Tx) error {
	if err := ledger.CreateShadows(ctx, tx, registryTables); err != nil {
		return fmt.Errorf("registry: deep check: %w", err)
	}
	return nil
}

// Entry replays a registry entry into the temporary tables.
func (deepCheck) Entry(ctx context.Context, tx pgx.Tx, e ledger.Entry, p ledger.ParsedEntry) error {
	switch p.Kind {
	case "party", "cinema", "film", "rental_terms":
		_, err := project(ctx, tx, p.Kind, p.Body, e)
		return err
	}
	return nil
}

// Compare compares every rebuilt table with the stored one, then drops the
// temporary tables so that later checks see the real ones again.
func (deepCheck) Compare(ctx context.Context, tx pgx.Tx) error {
	return ledger.CompareShadows(ctx, tx, registryTables)
}
