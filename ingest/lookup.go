package ingest

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// ErrTicketUnknown reports a ticket id the cinema never sold.
var ErrTicketUnknown = errors.New("no such ticket")

const sqlTicketEntries = `SELECT sale_seq, refund_seq FROM tickets WHERE cinema_id = $1 AND id = $2`

// TicketEntries returns the ledger seq of the sale entry that holds a
// ticket, and of its refund entry when it was refunded. It answers "is my
// ticket in the ledger?" through the tickets primary key.
func (s *Service) TicketEntries(ctx context.Context, cinemaID, ticketID string) (sale int64, refund *int64, err error) {
	err = s.pool.QueryRow(ctx, sqlTicketEntries, cinemaID, ticketID).Scan(&sale, &refund)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil, fmt.Errorf("ticket %s of cinema %s: %w", ticketID, cinemaID, ErrTicketUnknown)
	}
	if err != nil {
		return 0, nil, fmt.Errorf("ingest: ticket entries: %w", err)
	}
	return sale, refund, nil
}
