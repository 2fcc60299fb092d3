package api

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"ecinema/apikey"
	"ecinema/ledger"
	"ecinema/validate"
)

// LedgerDeps are the ledger services the API serves.
type LedgerDeps struct {
	Reader    *ledger.Reader
	Publisher *ledger.Publisher
	PublicKey string // note verifier key served at /v1/ledger/public-key
	// WitnessKeys are the cosignature/v1 verifier keys of the log's
	// witnesses and WitnessQuorum how many must cosign (SPEC 12); /verify
	// embeds them.
	WitnessKeys   []string
	WitnessQuorum int
	// Grants resolves party keys' read scopes (the registry: who operates
	// which cinema, who produces or distributes which film, and when).
	Grants GrantSource
}

// GrantSource resolves parties to the ledger grants of their read scope.
type GrantSource interface {
	CinemaGrants(ctx context.Context, exhibitorID string) ([]ledger.Grant, error)
	FilmGrants(ctx context.Context, partyID string) ([]ledger.Grant, error)
}

func (d *LedgerDeps) reader() *ledger.Reader {
	if d == nil {
		return nil
	}
	return d.Reader
}

func (d *LedgerDeps) witnessKeys() []string {
	if d == nil {
		return nil
	}
	return d.WitnessKeys
}

func (d *LedgerDeps) witnessQuorum() int {
	if d == nil {
		return 0
	}
	return d.WitnessQuorum
}

// ledgerScope maps a principal to the entries it may read (SPEC 4): admin
// and auditor all; pos its cinema; exhibitor its cinema or the cinemas it
// operates, on the days it operates them; producer and distributor the
// entries of their films, on the days they hold them; others none. A
// failure to resolve is a real failure (500), never a 403.
func (d *LedgerDeps) ledgerScope(ctx context.Context, p apikey.Principal) (ledger.Scope, error) {
	switch p.Role {
	case apikey.RoleAdmin, apikey.RoleAuditor:
		return ledger.Scope{All: true}, nil
	case apikey.RolePOS:
		return ledger.Scope{Cinemas: []ledger.Grant{{ID: p.CinemaID}}}, nil
	case apikey.RoleExhibitor:
		if p.CinemaID != "" {
			return ledger.Scope{Cinemas: []ledger.Grant{{ID: p.CinemaID}}}, nil
		}
		gs, err := d.Grants.CinemaGrants(ctx, p.PartyID)
		return ledger.Scope{Cinemas: gs}, err
	case apikey.RoleProducer, apikey.RoleDistributor:
		gs, err := d.Grants.FilmGrants(ctx, p.PartyID)
		return ledger.Scope{Films: gs}, err
	}
	return ledger.Scope{}, nil
}

// queryInt64 reads a required (or, with def >= 0, optional) non-negative
// integer query parameter.
func queryInt64(c echo.Context, name string, def int64) (int64, error) {
	s := c.QueryParam(name)
	if s == "" {
		if def >= 0 {
			return def, nil
		}
		return 0, badQuery(name, "is required")
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return 0, badQuery(name, "must be a non-negative integer")
	}
	return n, nil
}

func hexList(hs [][32]byte) []string {
	out := make([]string, len(hs))
	for i, h := range hs {
		out[i] = hex.EncodeToString(h[:])
	}
	return out
}

// handleLedgerCheckpoint serves the latest signed checkpoint (public).
func handleLedgerCheckpoint(d *LedgerDeps) echo.HandlerFunc {
	return func(c echo.Context) error {
		cp, err := d.Reader.LatestCheckpoint(c.Request().Context())
		if err != nil {
			return err
		}
		return c.Blob(http.StatusOK, "text/plain; charset=utf-8", cp.Signed())
	}
}

// handleLedgerCheckpointAt serves the stored checkpoint of size N (public):
// GET /v1/ledger/checkpoints?size=N, with its cosignatures.
func handleLedgerCheckpointAt(d *LedgerDeps) echo.HandlerFunc {
	return func(c echo.Context) error {
		size, err := strconv.ParseInt(c.QueryParam("size"), 10, 64)
		if err != nil || size < 1 {
			return badQuery("size", "must be a tree size ≥ 1 at which a checkpoint was published")
		}
		cp, err := d.Reader.CheckpointAt(c.Request().Context(), size)
		if err != nil {
			return err
		}
		return c.Blob(http.StatusOK, "text/plain; charset=utf-8", cp.Signed())
	}
}

// handleLedgerPublicKey serves the note verifier key (public).
func handleLedgerPublicKey(d *LedgerDeps) echo.HandlerFunc {
	return func(c echo.Context) error {
		return c.String(http.StatusOK, d.PublicKey+"\n")
	}
}

// handleLedgerPublish signs a checkpoint now when the tree grew and answers
// the latest checkpoint (admin).
func handleLedgerPublish(d *LedgerDeps) echo.HandlerFunc {
	return func(c echo.Context) error {
		cp, err := d.Publisher.Publish(c.Request().Context())
		if err != nil {
			return err
		}
		return c.Blob(http.StatusOK, "text/plain; charset=utf-8", cp.Signed())
	}
}

type ledgerEntryJSON struct {
	Seq      int64  `json:"seq"`
	LeafHash string `json:"leaf_hash"`
	Bytes    string `json:"bytes"` // base64 of the exact bytes
}

// handleLedgerEntry serves one entry within the key's read scope.
func handleLedgerEntry(d *LedgerDeps) echo.HandlerFunc {
	return func(c echo.Context) error {
		seq, err := strconv.ParseInt(c.Param("seq"), 10, 64)
		if err != nil || seq < 0 {
			return &validate.Errors{Message: "seq must be a non-negative integer",
				Fields: []validate.FieldError{{Field: "seq", Code: "invalid", Message: "must be a non-negative integer"}}}
		}
		ctx := c.Request().Context()
		scope, err := d.ledgerScope(ctx, principal(c))
		if err != nil {
			return err
		}
		e, err := d.Reader.EntryIn(ctx, seq, scope)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, ledgerEntryJSON{Seq: e.Seq, LeafHash: hex.EncodeToString(e.LeafHash[:]),
			Bytes: base64.StdEncoding.EncodeToString(e.Bytes)})
	}
}

// handleLedgerInclusion serves the inclusion proof of an entry the key may
// read in the tree of the given size.
func handleLedgerInclusion(d *LedgerDeps) echo.HandlerFunc {
	return func(c echo.Context) error {
		seq, err := queryInt64(c, "seq", -1)
		if err != nil {
			return err
		}
		size, err := queryInt64(c, "size", -1)
		if err != nil {
			return err
		}
		ctx := c.Request().Context()
		scope, err := d.ledgerScope(ctx, principal(c))
		if err != nil {
			return err
		}
		if _, err := d.Reader.EntryIn(ctx, seq, scope); err != nil {
			return err
		}
		p, err := d.Reader.InclusionProof(ctx, seq, size)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, struct {
			Seq    int64    `json:"seq"`
			Size   int64    `json:"size"`
			Hashes []string `json:"hashes"`
		}{seq, size, hexList(p)})
	}
}

// handleLedgerConsistency serves the consistency proof between two tree
// sizes.
func handleLedgerConsistency(d *LedgerDeps) echo.HandlerFunc {
	return func(c echo.Context) error {
		from, err := queryInt64(c, "from", -1)
		if err != nil {
			return err
		}
		to, err := queryInt64(c, "to", -1)
		if err != nil {
			return err
		}
		p, err := d.Reader.ConsistencyProof(c.Request().Context(), from, to)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, struct {
			From   int64    `json:"from"`
			To     int64    `json:"to"`
			Hashes []string `json:"hashes"`
		}{from, to, hexList(p)})
	}
}

// handleLedgerExport streams the entries from <= seq < to (to defaults to
// the current tree size) that the key may read, as NDJSON.
func handleLedgerExport(d *LedgerDeps) echo.HandlerFunc {
	return func(c echo.Context) error {
		from, err := queryInt64(c, "from", 0)
		if err != nil {
			return err
		}
		to := int64(-1)
		if c.QueryParam("to") != "" {
			if to, err = queryInt64(c, "to", -1); err != nil {
				return err
			}
		}
		ctx := c.Request().Context()
		scope, err := d.ledgerScope(ctx, principal(c))
		if err != nil {
			return err
		}
		if to >= 0 && from > to {
			return badQuery("from", "must not exceed to")
		}
		res := c.Response()
		enc := json.NewEncoder(res)
		n := 0
		err = d.Reader.Export(ctx, from, to, scope, func(e ledger.Entry) error {
			if n == 0 {
				res.Header().Set(echo.HeaderContentType, "application/x-ndjson")
				res.WriteHeader(http.StatusOK)
			}
			n++
			if err := enc.Encode(ledger.NewExportLine(e)); err != nil {
				return err
			}
			if n%1000 == 0 {
				res.Flush()
			}
			return nil
		})
		if err != nil {
			if res.Committed {
				// The stream is cut; the client sees a short export and the
				// log has the reason.
				slog.ErrorContext(ctx, "ledger export cut short", "from", from, "sent", n, "err", err)
				return nil
			}
			return err
		}
		if n == 0 {
			res.Header().Set(echo.HeaderContentType, "application/x-ndjson")
			res.WriteHeader(http.StatusOK)
		}
		res.Flush()
		return nil
	}
}
