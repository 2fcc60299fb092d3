package api

import (
	"encoding/hex"
	"errors"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"ecinema/ingest"
	"ecinema/validate"
)

// errNotInCheckpoint: the entry is newer than the checkpoint asked for.
var errNotInCheckpoint = errors.New("the entry is not yet covered by a signed checkpoint; try again after the next one")

// leafJSON is the public proof of one entry: its leaf hash and the
// inclusion proof into a signed tree size. Content stays with readers.
type leafJSON struct {
	Seq            int64    `json:"seq"`
	LeafHash       string   `json:"leaf_hash"`
	TreeSize       int64    `json:"tree_size"`
	InclusionProof []string `json:"inclusion_proof"`
	RefundSeq      *int64   `json:"refund_seq,omitempty"`
}

// leaf answers for entry seq: its leaf hash and inclusion proof into tree
// size ?size= (default: the latest signed checkpoint's).
func leaf(c echo.Context, d *LedgerDeps, seq int64, refund *int64) error {
	ctx := c.Request().Context()
	size, err := queryInt64(c, "size", 0)
	if err != nil {
		return err
	}
	if size == 0 {
		cp, err := d.Reader.LatestCheckpoint(ctx)
		if err != nil {
			return err
		}
		size = cp.Size
	}
	e, err := d.Reader.Entry(ctx, seq)
	if err != nil {
		return err // 404 for a seq past the log's end: no later checkpoint will cover it
	}
	if seq >= size {
		return errNotInCheckpoint
	}
	proof, err := d.Reader.InclusionProof(ctx, seq, size)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, leafJSON{Seq: seq, LeafHash: hex.EncodeToString(e.LeafHash[:]), TreeSize: size,
		InclusionProof: hexList(proof), RefundSeq: refund})
}

// handleLedgerTicketLeaf answers GET /v1/ledger/tickets/{cinema}/{ticket}
// (public): the sale entry holding the ticket, as a leaf with its proof.
func handleLedgerTicketLeaf(d *LedgerDeps, svc *ingest.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		var ve validate.Errors
		ve.ID("cinema", c.Param("cinema"))
		ve.ID("ticket", c.Param("ticket"))
		if err := ve.Err(); err != nil {
			return err
		}
		sale, refund, err := svc.TicketEntries(c.Request().Context(), c.Param("cinema"), c.Param("ticket"))
		if err != nil {
			return err
		}
		return leaf(c, d, sale, refund)
	}
}

// handleLedgerLeaf answers GET /v1/ledger/leaves/{seq} (public).
func handleLedgerLeaf(d *LedgerDeps) echo.HandlerFunc {
	return func(c echo.Context) error {
		seq, err := strconv.ParseInt(c.Param("seq"), 10, 64)
		if err != nil || seq < 0 {
			return badQuery("seq", "must be a non-negative integer")
		}
		return leaf(c, d, seq, nil)
	}
}
