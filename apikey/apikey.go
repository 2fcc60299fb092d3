// Package apikey issues, lists, revokes and resolves API keys.
//
// Invariants:
//   - A secret is 32 random bytes, shown once when created and stored only
//     as its SHA-256 hash; the database never holds a usable secret.
//   - Roles that act for someone carry their scope: a pos or exhibitor key
//     one cinema (exhibitor keys may name their party instead), producer,
//     distributor and rights_holder keys one party; the culture roles their
//     one venue, museum, BIN, expert or hub (Principal.Scope), or none.
//   - A revoked key, or one past its expires_at, resolves to
//     ErrUnauthenticated, as an unknown one does.
//   - last_used_at is written at most once a minute per key and process
//     (Resolve remembers when it last wrote it), so the hot path reads only;
//     it is approximate by up to a minute, by design.
package apikey

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"ecinema/validate"
)

// Role is what a key may do.
type Role string

// The roles of SPEC 8.
const (
	RoleAdmin        Role = "admin"
	RolePOS          Role = "pos"
	RoleExhibitor    Role = "exhibitor"
	RoleDistributor  Role = "distributor"
	RoleProducer     Role = "producer"
	RoleRightsHolder Role = "rights_holder"
	RoleAnalyst      Role = "analyst"
	RoleTax          Role = "tax"
	RoleAuditor      Role = "auditor"
)

// The roles of the culture modules (CULTURE.md section 0). ScopeKind says
// which of them carry a scope and what it names.
const (
	RoleVenue       Role = "venue"        // one venue (Scope: venue id)
	RoleArchivist   Role = "archivist"    // national
	RoleLibrarian   Role = "librarian"    // national
	RoleCurator     Role = "curator"      // one museum (Scope: museum id)
	RoleNGO         Role = "ngo"          // one organisation (Scope: BIN)
	RoleApplicant   Role = "applicant"    // one company or entrepreneur (Scope: BIN)
	RoleFundOfficer Role = "fund_officer" // national
	RoleExpert      Role = "expert"       // itself (Scope: expert id)
	RoleHubOperator Role = "hub_operator" // one hub (Scope: hub id)
)

// Roles lists every role.
var Roles = []Role{RoleAdmin, RolePOS, RoleExhibitor, RoleDistributor, RoleProducer, RoleRightsHolder, RoleAnalyst, RoleTax, RoleAuditor,
	RoleVenue, RoleArchivist, RoleLibrarian, RoleCurator, RoleNGO, RoleApplicant, RoleFundOfficer, RoleExpert, RoleHubOperator}

// ScopeKind names what a culture role's Scope is ("venue", "museum",
// "bin", "expert", "hub"); it is also the CLI flag that sets it. Roles
// absent from the map carry no culture scope.
var ScopeKind = map[Role]string{
	RoleVenue: "venue", RoleCurator: "museum", RoleNGO: "bin", RoleApplicant: "bin",
	RoleExpert: "expert", RoleHubOperator: "hub",
}

// Principal is who a request acts as.
type Principal struct {
	KeyID    string
	Role     Role
	CinemaID string // pos, and exhibitor keys scoped to one cinema
	PartyID  string // producer, distributor, rights_holder, exhibitor
	Scope    string // culture roles: the venue, museum, BIN, expert or hub (see ScopeKind)
}

// Spec is what a new key is issued for.
type Spec struct {
	Name     string
	Role     Role
	CinemaID string // pos; exhibitor (or PartyID)
	PartyID  string // producer, distributor, rights_holder; exhibitor (or CinemaID)
	Scope    string // culture roles of ScopeKind
	// ExpiresAt, when set, is when the key stops working; it must be in the future.
	ExpiresAt *time.Time
}

// Key describes an issued key, without its secret.
type Key struct {
	ID         string     `json:"id"`
	Name       string     `json:"name"`
	Role       Role       `json:"role"`
	CinemaID   string     `json:"cinema_id,omitempty"`
	PartyID    string     `json:"party_id,omitempty"`
	Scope      string     `json:"scope,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
	ExpiresAt  *time.Time `json:"expires_at,omitempty"`
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
}

// ScopeMap returns the key's scope as the API names it: {"cinema": id},
// {"party": id}, or the culture scope under its kind ({"bin": …}); empty for
// national roles.
func (k Key) ScopeMap() map[string]string {
	m := map[string]string{}
	if k.CinemaID != "" {
		m["cinema"] = k.CinemaID
	}
	if k.PartyID != "" {
		m["party"] = k.PartyID
	}
	if kind, ok := ScopeKind[k.Role]; ok && k.Scope != "" {
		m[kind] = k.Scope
	}
	return m
}

// Errors of this package.
var (
	ErrUnauthenticated = errors.New("missing, unknown or revoked API key")
	ErrInvalidScope    = errors.New("invalid role or scope")
	ErrNotFound        = errors.New("API key not found")
)

const secretPrefix = "eck_"

// Store keeps keys in PostgreSQL.
type Store struct {
	pool    *pgxpool.Pool
	targets map[Role]func(ctx context.Context, id string) error
	now     func() time.Time

	mu      sync.Mutex
	touched map[string]time.Time // key id → when this process last wrote its last_used_at
	// Lookups waiting for a batch (resolve.go), and how many batches are
	// in flight; guarded by mu.
	queue     []*resolveCall
	resolving int
}

// usedEvery is how often at most Resolve writes a key's last_used_at.
const usedEvery = time.Minute

// NewStore returns a Store on pool.
func NewStore(pool *pgxpool.Pool) *Store {
	return &Store{pool: pool, targets: map[Role]func(context.Context, string) error{}, now: time.Now,
		touched: map[string]time.Time{}}
}

// SetClock replaces the store's clock (tests).
func (s *Store) SetClock(now func() time.Time) { s.now = now }

// SetScopeTarget registers how Create checks that a culture role's scope
// names something that exists (the module owning it knows its table):
// check returns nil, an error wrapping ErrInvalidScope, or a failure. Call
// it while wiring, before the store is used.
func (s *Store) SetScopeTarget(role Role, check func(ctx context.Context, id string) error) {
	s.targets[role] = check
}

// CheckScope reports whether a role's scope is complete and consistent.
func CheckScope(spec Spec) error {
	role, cinemaID, partyID := spec.Role, spec.CinemaID, spec.PartyID
	known := false
	for _, r := range Roles {
		known = known || r == role
	}
	if !known {
		return fmt.Errorf("%w: unknown role %q", ErrInvalidScope, role)
	}
	switch role {
	case RolePOS:
		if cinemaID == "" || partyID != "" {
			return fmt.Errorf("%w: pos keys need a cinema and no party", ErrInvalidScope)
		}
	case RoleExhibitor:
		if (cinemaID == "") == (partyID == "") {
			return fmt.Errorf("%w: exhibitor keys need exactly one of cinema or party", ErrInvalidScope)
		}
	case RoleProducer, RoleDistributor, RoleRightsHolder:
		if partyID == "" || cinemaID != "" {
			return fmt.Errorf("%w: %s keys need a party and no cinema", ErrInvalidScope, role)
		}
	default:
		if cinemaID != "" || partyID != "" {
			return fmt.Errorf("%w: %s keys take no cinema or party", ErrInvalidScope, role)
		}
	}
	kind, scoped := ScopeKind[role]
	switch {
	case scoped && spec.Scope == "":
		return fmt.Errorf("%w: %s keys need a %s", ErrInvalidScope, role, kind)
	case !scoped && spec.Scope != "":
		return fmt.Errorf("%w: %s keys take no culture scope", ErrInvalidScope, role)
	case scoped && kind == "bin" && !validate.BIN(spec.Scope):
		return fmt.Errorf("%w: bin %q is not a valid BIN", ErrInvalidScope, spec.Scope)
	case scoped && kind != "bin" && !validate.MatchID(spec.Scope):
		return fmt.Errorf("%w: %s %q is not a valid id", ErrInvalidScope, kind, spec.Scope)
	}
	return nil
}

const (
	insertKey = `INSERT INTO api_keys (id, name, role, cinema_id, party_id, scope, secret_hash, expires_at)
VALUES ($1, $2, $3, NULLIF($4, ''), NULLIF($5, ''), NULLIF($6, ''), $7, $8)
RETURNING created_at`
	cinemaExists = `SELECT EXISTS (SELECT 1 FROM cinemas WHERE id = $1)`
	selectKind   = `SELECT kind FROM parties WHERE id = $1`
)

// partyKindOf is the party kind a party-scoped role must act for; a
// rights_holder key may act for a party of any kind, since producers and
// others hold rights too.
var partyKindOf = map[Role]string{RoleProducer: "producer", RoleDistributor: "distributor", RoleExhibitor: "exhibitor"}

// checkScopeTarget checks that the scope names a registered cinema, a
// registered party of the kind the role acts for, or (through the check
// its module registered) the culture scope's venue, museum, expert or hub.
func (s *Store) checkScopeTarget(ctx context.Context, spec Spec) error {
	role, cinemaID, partyID := spec.Role, spec.CinemaID, spec.PartyID
	if check, ok := s.targets[role]; ok && spec.Scope != "" {
		if err := check(ctx, spec.Scope); err != nil {
			return err
		}
	}
	if cinemaID != "" {
		var ok bool
		if err := s.pool.QueryRow(ctx, cinemaExists, cinemaID).Scan(&ok); err != nil {
			return fmt.Errorf("apikey: check scope: %w", err)
		}
		if !ok {
			return fmt.Errorf("%w: cinema %q is not registered", ErrInvalidScope, cinemaID)
		}
	}
	if partyID == "" {
		return nil
	}
	var kind string
	err := s.pool.QueryRow(ctx, selectKind, partyID).Scan(&kind)
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("%w: party %q is not registered", ErrInvalidScope, partyID)
	}
	if err != nil {
		return fmt.Errorf("apikey: check scope: %w", err)
	}
	if want, ok := partyKindOf[role]; ok && kind != want {
		return fmt.Errorf("%w: party %q is of kind %s; %s keys need a party of kind %s", ErrInvalidScope, partyID, kind, role, want)
	}
	return nil
}

// Create issues a key and returns it with its secret, which is not kept.
// The scope must name a registered cinema or party, or the culture scope a
// target its module's check (SetScopeTarget) accepts.
func (s *Store) Create(ctx context.Context, spec Spec) (Key, string, error) {
	if strings.TrimSpace(spec.Name) == "" {
		return Key{}, "", fmt.Errorf("%w: a key needs a --name", ErrInvalidScope)
	}
	if err := CheckScope(spec); err != nil {
		return Key{}, "", err
	}
	if spec.ExpiresAt != nil && !spec.ExpiresAt.After(s.now()) {
		return Key{}, "", fmt.Errorf("%w: expires_at must be in the future", ErrInvalidScope)
	}
	if err := s.checkScopeTarget(ctx, spec); err != nil {
		return Key{}, "", err
	}
	name, role, cinemaID, partyID := spec.Name, spec.Role, spec.CinemaID, spec.PartyID
	raw := make([]byte, 32)
	rand.Read(raw)
	idb := make([]byte, 6)
	rand.Read(idb)
	k := Key{ID: "key_" + hex.EncodeToString(idb), Name: name, Role: role, CinemaID: cinemaID, PartyID: partyID, Scope: spec.Scope,
		ExpiresAt: spec.ExpiresAt}
	secret := secretPrefix + base64.RawURLEncoding.EncodeToString(raw)
	if err := s.pool.QueryRow(ctx, insertKey, k.ID, name, string(role), cinemaID, partyID, spec.Scope, hash(secret), spec.ExpiresAt).Scan(&k.CreatedAt); err != nil {
		return Key{}, "", fmt.Errorf("apikey: create: %w", err)
	}
	return k, secret, nil
}

const (
	selectKeys = `SELECT id, name, role, COALESCE(cinema_id, ''), COALESCE(party_id, ''), COALESCE(scope, ''), created_at, revoked_at,
       expires_at, last_used_at
FROM api_keys ORDER BY created_at, id`
	selectKey = `SELECT id, name, role, COALESCE(cinema_id, ''), COALESCE(party_id, ''), COALESCE(scope, ''), created_at, revoked_at,
       expires_at, last_used_at
FROM api_keys WHERE id = $1`
)

func scanKey(r pgx.Row) (Key, error) {
	var k Key
	err := r.Scan(&k.ID, &k.Name, &k.Role, &k.CinemaID, &k.PartyID, &k.Scope, &k.CreatedAt, &k.RevokedAt, &k.ExpiresAt, &k.LastUsedAt)
	return k, err
}

// Get returns a key by id (revoked and expired ones too).
func (s *Store) Get(ctx context.Context, id string) (Key, error) {
	k, err := scanKey(s.pool.QueryRow(ctx, selectKey, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return Key{}, fmt.Errorf("%w: %s", ErrNotFound, id)
	}
	if err != nil {
		return Key{}, fmt.Errorf("apikey: get: %w", err)
	}
	return k, nil
}

// List returns every key, revoked ones included.
func (s *Store) List(ctx context.Context) ([]Key, error) {
	rows, err := s.pool.Query(ctx, selectKeys)
	if err != nil {
		return nil, fmt.Errorf("apikey: list: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Key, error) { return scanKey(r) })
}

const revokeKey = `UPDATE api_keys SET revoked_at = COALESCE(revoked_at, now()) WHERE id = $1`

// Revoke revokes a key; revoking twice is not an error.
func (s *Store) Revoke(ctx context.Context, id string) error {
	tag, err := s.pool.Exec(ctx, revokeKey, id)
	if err != nil {
		return fmt.Errorf("apikey: revoke: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("%w: %s", ErrNotFound, id)
	}
	return nil
}

const (
	touchKey = `UPDATE api_keys SET last_used_at = $2
WHERE id = $1 AND (last_used_at IS NULL OR last_used_at <= $2::timestamptz - interval '1 minute')`
)

// Resolve returns the principal of a secret. It records the key's use at
// most once every usedEvery per key (a failed record does not fail the
// request: last_used_at is advisory).
func (s *Store) Resolve(ctx context.Context, secret string) (Principal, error) {
	if !strings.HasPrefix(secret, secretPrefix) {
		return Principal{}, ErrUnauthenticated
	}
	now := s.now()
	p, found, err := s.lookup(ctx, hash(secret), now)
	if err != nil {
		return Principal{}, err
	}
	if !found {
		return Principal{}, ErrUnauthenticated
	}
	s.touch(ctx, p.KeyID, now)
	return p, nil
}

// touch writes a key's last_used_at unless this process did so less than
// usedEvery ago.
func (s *Store) touch(ctx context.Context, id string, now time.Time) {
	s.mu.Lock()
	last, ok := s.touched[id]
	due := !ok || now.Sub(last) >= usedEvery
	if due {
		s.touched[id] = now
	}
	s.mu.Unlock()
	if !due {
		return
	}
	if _, err := s.pool.Exec(ctx, touchKey, id, now); err != nil {
		s.mu.Lock()
		delete(s.touched, id) // try again on the next request
		s.mu.Unlock()
	}
}

func hash(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}

const principalByID = `SELECT id, role, COALESCE(cinema_id, ''), COALESCE(party_id, ''), COALESCE(scope, '')
FROM api_keys WHERE id = $1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())`

// Principal returns the principal of a key by its id, for a web session
// that keeps the key id rather than its secret. A revoked or unknown key
// is ErrUnauthenticated, so revoking a key ends its sessions.
func (s *Store) Principal(ctx context.Context, keyID string) (Principal, error) {
	var p Principal
	err := s.pool.QueryRow(ctx, principalByID, keyID).Scan(&p.KeyID, &p.Role, &p.CinemaID, &p.PartyID, &p.Scope)
	if errors.Is(err, pgx.ErrNoRows) {
		return Principal{}, ErrUnauthenticated
	}
	if err != nil {
		return Principal{}, fmt.Errorf("apikey: principal: %w", err)
	}
	return p, nil
}
