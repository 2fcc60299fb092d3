package ledger

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// groupConn is the writer's transaction on one pooled connection, begun
// and ended by statements the writer pipelines with its own (BEGIN with the
// head lock, COMMIT with the entries), which saves two round trips a group
// over pgx's Begin and Commit. It implements pgx.Tx for the Project funcs
// and Batchers; Begin makes savepoints.
type groupConn struct {
	c     *pgxpool.Conn
	depth int
	done  bool // COMMIT or ROLLBACK sent
}

var _ pgx.Tx = (*groupConn)(nil)

func (g *groupConn) Begin(ctx context.Context) (pgx.Tx, error) {
	g.depth++
	sp := &savepoint{groupConn: g, name: fmt.Sprintf("ledger_sp_%d", g.depth)}
	if _, err := g.c.Exec(ctx, "SAVEPOINT "+sp.name); err != nil {
		g.depth--
		return nil, err
	}
	return sp, nil
}

// Commit is not how the writer commits (it pipelines COMMIT); it is here
// for pgx.Tx.
func (g *groupConn) Commit(ctx context.Context) error {
	if g.done {
		return pgx.ErrTxClosed
	}
	g.done = true
	_, err := g.c.Exec(ctx, "COMMIT")
	return err
}

// Rollback ends the transaction unless it already ended.
func (g *groupConn) Rollback(ctx context.Context) error {
	if g.done {
		return nil
	}
	g.done = true
	_, err := g.c.Exec(ctx, "ROLLBACK")
	return err
}

func (g *groupConn) CopyFrom(ctx context.Context, t pgx.Identifier, cols []string, src pgx.CopyFromSource) (int64, error) {
	return g.c.CopyFrom(ctx, t, cols, src)
}

func (g *groupConn) SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults {
	return g.c.SendBatch(ctx, b)
}

func (g *groupConn) LargeObjects() pgx.LargeObjects { return pgx.LargeObjects{} }

func (g *groupConn) Prepare(ctx context.Context, name, sql string) (*pgconn.StatementDescription, error) {
	return g.c.Conn().Prepare(ctx, name, sql)
}

func (g *groupConn) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	return g.c.Exec(ctx, sql, args...)
}

func (g *groupConn) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	return g.c.Query(ctx, sql, args...)
}

func (g *groupConn) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	return g.c.QueryRow(ctx, sql, args...)
}

func (g *groupConn) Conn() *pgx.Conn { return g.c.Conn() }

// savepoint is a nested transaction of a groupConn.
type savepoint struct {
	*groupConn
	name string
	done bool
}

func (s *savepoint) Commit(ctx context.Context) error {
	if s.done {
		return pgx.ErrTxClosed
	}
	s.done = true
	_, err := s.groupConn.c.Exec(ctx, "RELEASE SAVEPOINT "+s.name)
	return err
}

func (s *savepoint) Rollback(ctx context.Context) error {
	if s.done {
		return nil
	}
	s.done = true
	_, err := s.groupConn.c.Exec(ctx, "ROLLBACK TO SAVEPOINT "+s.name)
	return err
}
