package ticketing

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"ecinema/culture/keyset"
	"ecinema/culture/langmap"
	"ecinema/ledger"
	"ecinema/validate"
)

// Venue kinds.
var venueKinds = []string{"theatre", "museum", "concert_hall", "philharmonic", "circus", "gallery", "other"}

// Venue is a theatre, museum, concert hall… with its zones.
type Venue struct {
	ID          string      `json:"id"`
	Version     int         `json:"version,omitempty"`
	Kind        string      `json:"kind"`
	Name        langmap.Map `json:"name"`
	OperatorBIN string      `json:"operator_bin"`
	Region      string      `json:"region"`
	City        string      `json:"city"`
	VATPayer    *bool       `json:"vat_payer"`
	Zones       []Zone      `json:"zones"`
}

// Zone is a part of a venue with its own capacity (stalls, balcony, a hall).
type Zone struct {
	ID       string      `json:"id"`
	Name     langmap.Map `json:"name"`
	Capacity int         `json:"capacity"`
}

// MaxCapacity bounds a zone's and a session's capacity.
const MaxCapacity = 200000

// venueBody is the body of a ticketing_venue entry: the venue, and on its
// first version the signing key created with it.
type venueBody struct {
	Venue
	SigningKey *keyBody `json:"signing_key,omitempty"`
}

// keyBody is a public key as the ledger records it; a ticketing_key entry
// (rotation) also names the key it retires, whose validity ends at
// valid_from of the new one.
type keyBody struct {
	VenueID   string `json:"venue_id"`
	KID       string `json:"kid"`
	PublicKey string `json:"public_key"` // std base64 of the 32 raw bytes
	ValidFrom string `json:"valid_from"`
	Retires   string `json:"retires,omitempty"`
}

const (
	sqlRegionExists = `SELECT EXISTS (SELECT 1 FROM regions WHERE code = $1)`
	sqlVenueGet     = `SELECT id, version, kind, name, operator_bin, region, city, vat_payer FROM ticketing_venues WHERE id = $1`
	sqlVenueList    = `SELECT id, version, kind, name, operator_bin, region, city, vat_payer FROM ticketing_venues
WHERE id > $1 AND ($2 = '' OR kind = $2) ORDER BY id LIMIT $3`
	sqlZonesOf = `SELECT venue_id, id, name, capacity FROM ticketing_zones WHERE venue_id = ANY ($1) ORDER BY venue_id, id`

	sqlVenueUpsert = `INSERT INTO ticketing_venues (id, version, kind, name, operator_bin, region, city, vat_payer, entry_seq)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
ON CONFLICT (id) DO UPDATE SET version = $2, kind = $3, name = $4, operator_bin = $5, region = $6, city = $7,
  vat_payer = $8, entry_seq = $9`
	sqlZonesDelete = `DELETE FROM ticketing_zones WHERE venue_id = $1`
	sqlZonesInsert = `INSERT INTO ticketing_zones (venue_id, id, name, capacity)
SELECT $1, u.id, u.name, u.capacity FROM unnest($2::text[], $3::jsonb[], $4::int[]) AS u(id, name, capacity)`
	sqlKeyInsert  = `INSERT INTO ticketing_keys (kid, venue_id, public_key, valid_from, entry_seq) VALUES ($1, $2, $3, $4, $5)`
	sqlKeyRetire  = `UPDATE ticketing_keys SET valid_to = $2 WHERE kid = $1 AND valid_to IS NULL`
	sqlKeySecret  = `INSERT INTO ticketing_key_secrets (kid, sealed) VALUES ($1, $2)`
	sqlVenueKeyOf = `SELECT kid FROM ticketing_keys WHERE venue_id = $1 AND valid_to IS NULL`
)

func (v *Venue) check(ctx context.Context, s *Service, pathID string) error {
	var errs validate.Errors
	if v.ID == "" {
		v.ID = pathID
	} else if v.ID != pathID {
		errs.Add("id", "path_mismatch", "the body says %q but the path says %q", v.ID, pathID)
	}
	errs.ID("id", v.ID)
	errs.OneOf("kind", v.Kind, venueKinds...)
	langmap.Check(&errs, "name", v.Name)
	if errs.Required("operator_bin", v.OperatorBIN) && !validate.BIN(v.OperatorBIN) {
		errs.Add("operator_bin", "invalid_bin", "is not a valid 12-digit BIN")
	}
	errs.Required("region", v.Region)
	errs.Required("city", v.City)
	if v.VATPayer == nil {
		errs.Add("vat_payer", "required", "is required: true or false")
	}
	if len(v.Zones) == 0 {
		errs.Add("zones", "required", "at least one zone is required")
	}
	seen := map[string]bool{}
	for i, z := range v.Zones {
		f := fmt.Sprintf("zones[%d]", i)
		errs.ID(f+".id", z.ID)
		if seen[z.ID] {
			errs.Add(f+".id", "duplicate", "zone %q appears twice", z.ID)
		}
		seen[z.ID] = true
		langmap.Check(&errs, f+".name", z.Name)
		if z.Capacity < 1 || z.Capacity > MaxCapacity {
			errs.Add(f+".capacity", "out_of_range", "must be 1..%d", MaxCapacity)
		}
	}
	if err := errs.Err(); err != nil {
		return err
	}
	var ok bool
	if err := s.pool.QueryRow(ctx, sqlRegionExists, v.Region).Scan(&ok); err != nil {
		return fmt.Errorf("ticketing: check region: %w", err)
	}
	if !ok {
		return fieldErr("region", ErrUnknownReference, "region %q is not an ISO 3166-2:KZ code of the regions table", v.Region)
	}
	return nil
}

// PutVenue creates or replaces a venue (a ticketing_venue entry). A new
// venue gets its Ed25519 signing key in the same entry; the private half is
// sealed and stored beside it. Repeating the current version writes nothing.
func (s *Service) PutVenue(ctx context.Context, c Caller, id string, v Venue) (Venue, error) {
	if err := v.check(ctx, s, id); err != nil {
		return Venue{}, err
	}
	v.Version = 0
	r := &venueReq{svc: s, id: id, body: venueBody{Venue: v}}
	if s.cfg.Sealer != nil {
		kb, sealed, err := s.newKey(id)
		if err != nil {
			return Venue{}, err
		}
		r.key, r.sealed = &kb, sealed
	}
	if _, err := s.app.Append(ctx, ledger.Record{Kind: KindVenue, Actor: c.KeyID, Batch: ledger.Serial, Request: r}); err != nil {
		var u *errUnchanged
		if errors.As(err, &u) {
			v.Version = u.version
			return v, nil
		}
		return Venue{}, asRuleError(err)
	}
	s.trust.Store(nil)
	v.Version = r.version
	return v, nil
}

// venueReq is a venue version on its way through the writer: a new venue
// gets the key generated beside the request, decided under the head lock.
type venueReq struct {
	svc     *Service
	id      string
	body    venueBody
	key     *keyBody // generated before the append; used only for a new venue
	sealed  []byte
	version int // set by project
}

// errUnchanged: the venue's current version has this body; nothing is written.
type errUnchanged struct{ version int }

func (e *errUnchanged) Error() string { return "ticketing: unchanged" }

func (r *venueReq) Decide(ctx context.Context, tx pgx.Tx) (ledger.Prepared, error) {
	if v, same, err := latestSame(ctx, tx, "venue", r.id, r.body.Venue); err != nil || same {
		return ledger.Prepared{Err: &errUnchanged{version: v}}, err
	}
	var kid string
	err := tx.QueryRow(ctx, sqlVenueKeyOf, r.id).Scan(&kid)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		if r.key == nil {
			return ledger.Prepared{Err: ErrNoSigningKey}, nil
		}
		r.body.SigningKey = r.key
	case err != nil:
		return ledger.Prepared{}, fmt.Errorf("ticketing: current key of %s: %w", r.id, err)
	default:
		r.body.SigningKey = nil
	}
	return ledger.Prepared{Body: r.body}, nil
}

func (r *venueReq) Project(ctx context.Context, tx pgx.Tx, e ledger.Entry) error {
	var body venueBody
	if err := decodeEntryBody(e, &body); err != nil {
		return err
	}
	if body.SigningKey != nil {
		if _, err := tx.Exec(ctx, sqlKeySecret, body.SigningKey.KID, r.sealed); err != nil {
			return fmt.Errorf("store sealed key: %w", err)
		}
	}
	var err error
	r.version, err = applyVenue(ctx, tx, e, body)
	return err
}

// newKey generates a signing key for venueID valid from now (whole seconds,
// as the codes' not-before) and seals its private half.
func (s *Service) newKey(venueID string) (keyBody, []byte, error) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return keyBody{}, nil, fmt.Errorf("ticketing: generate key: %w", err)
	}
	kid := keyIDHex(pub)
	sealed, err := s.cfg.Sealer.seal(kid, priv)
	if err != nil {
		return keyBody{}, nil, fmt.Errorf("ticketing: seal key: %w", err)
	}
	return keyBody{VenueID: venueID, KID: kid, PublicKey: base64.StdEncoding.EncodeToString(pub),
		ValidFrom: fmtTime(s.cfg.Now().Truncate(time.Second))}, sealed, nil
}

// applyVenue writes the projection of a venue entry (live and in the deep
// check's rebuild) and returns the version it recorded.
func applyVenue(ctx context.Context, tx pgx.Tx, e ledger.Entry, b venueBody) (int, error) {
	raw := mustJSON(b.Venue)
	v, err := recordVersion(ctx, tx, "venue", b.ID, e, raw)
	if err != nil {
		return 0, err
	}
	if _, err := tx.Exec(ctx, sqlVenueUpsert, b.ID, v, b.Kind, mustJSON(b.Name), b.OperatorBIN, b.Region, b.City, *b.VATPayer, e.Seq); err != nil {
		return 0, fmt.Errorf("write venue: %w", err)
	}
	ids, names, caps := make([]string, len(b.Zones)), make([]string, len(b.Zones)), make([]int32, len(b.Zones))
	for i, z := range b.Zones {
		ids[i], names[i], caps[i] = z.ID, string(mustJSON(z.Name)), int32(z.Capacity)
	}
	if _, err := tx.Exec(ctx, sqlZonesDelete, b.ID); err != nil {
		return 0, fmt.Errorf("write zones: %w", err)
	}
	if _, err := tx.Exec(ctx, sqlZonesInsert, b.ID, ids, names, caps); err != nil {
		return 0, fmt.Errorf("write zones: %w", err)
	}
	if b.SigningKey != nil {
		if err := applyKey(ctx, tx, e, *b.SigningKey); err != nil {
			return 0, err
		}
	}
	return v, nil
}

func applyKey(ctx context.Context, tx pgx.Tx, e ledger.Entry, k keyBody) error {
	pub, err := base64.StdEncoding.DecodeString(k.PublicKey)
	if err != nil {
		return fmt.Errorf("key %s: %w", k.KID, err)
	}
	from, err := time.Parse(time.RFC3339, k.ValidFrom)
	if err != nil {
		return fmt.Errorf("key %s: %w", k.KID, err)
	}
	if k.Retires != "" {
		if _, err := tx.Exec(ctx, sqlKeyRetire, k.Retires, from); err != nil {
			return fmt.Errorf("retire key %s: %w", k.Retires, err)
		}
	}
	if _, err := tx.Exec(ctx, sqlKeyInsert, k.KID, k.VenueID, pub, from, e.Seq); err != nil {
		return fmt.Errorf("write key %s: %w", k.KID, err)
	}
	return nil
}

func scanVenue(row pgx.Row) (Venue, error) {
	var v Venue
	var name []byte
	var vat bool
	if err := row.Scan(&v.ID, &v.Version, &v.Kind, &name, &v.OperatorBIN, &v.Region, &v.City, &vat); err != nil {
		return Venue{}, err
	}
	v.VATPayer = &vat
	if err := json.Unmarshal(name, &v.Name); err != nil {
		return Venue{}, err
	}
	return v, nil
}

// Venue returns a venue with its zones.
func (s *Service) Venue(ctx context.Context, id string) (Venue, error) {
	v, err := scanVenue(s.pool.QueryRow(ctx, sqlVenueGet, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return Venue{}, newErr(ErrNotFound, "venue %q not found", id)
	}
	if err != nil {
		return Venue{}, fmt.Errorf("ticketing: read venue %s: %w", id, err)
	}
	vs := []Venue{v}
	if err := s.fillZones(ctx, vs); err != nil {
		return Venue{}, err
	}
	return vs[0], nil
}

const sqlVenueExists = `SELECT EXISTS (SELECT 1 FROM ticketing_venues WHERE id = $1)`

// VenueExists returns nil when the venue exists, else an ErrNotFound; the
// API key store uses it to check a venue key's scope.
func VenueExists(ctx context.Context, pool *pgxpool.Pool, id string) error {
	var ok bool
	if err := pool.QueryRow(ctx, sqlVenueExists, id).Scan(&ok); err != nil {
		return fmt.Errorf("ticketing: venue exists: %w", err)
	}
	if !ok {
		return newErr(ErrNotFound, "venue %q not found", id)
	}
	return nil
}

// Page asks for one page of a list (keyset.Page).
type Page = keyset.Page

// Venues lists venues by id (kind filters when not empty) and returns the
// next page's cursor ("" on the last page).
func (s *Service) Venues(ctx context.Context, kind string, p Page) ([]Venue, string, error) {
	vs, next, err := keyset.Read(ctx, s.pool, "ticketing: list venues", p, scanVenue, func(v Venue) string { return v.ID },
		sqlVenueList, p.Cursor, kind, p.Fetch())
	if err != nil {
		return nil, "", err
	}
	return vs, next, s.fillZones(ctx, vs)
}

func (s *Service) fillZones(ctx context.Context, vs []Venue) error {
	ids := make([]string, len(vs))
	at := map[string]int{}
	for i, v := range vs {
		ids[i] = v.ID
		at[v.ID] = i
		vs[i].Zones = []Zone{}
	}
	rows, err := s.pool.Query(ctx, sqlZonesOf, ids)
	if err != nil {
		return fmt.Errorf("ticketing: read zones: %w", err)
	}
	var vid string
	var z Zone
	var name []byte
	_, err = pgx.ForEachRow(rows, []any{&vid, &z.ID, &name, &z.Capacity}, func() error {
		zz := Zone{ID: z.ID, Capacity: z.Capacity}
		if err := json.Unmarshal(name, &zz.Name); err != nil {
			return err
		}
		vs[at[vid]].Zones = append(vs[at[vid]].Zones, zz)
		return nil
	})
	if err != nil {
		return fmt.Errorf("ticketing: read zones: %w", err)
	}
	return nil
}
