package apikey

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"
)

// Resolve reads the database for every request, as before: a revocation
// committed before a request arrived is seen by it, whichever process
// revoked. What it saves is the statements: the requests that arrive while
// a lookup is in flight are resolved together by the next one, one
// statement (a unique-index probe per secret) for all of them. Under a POS
// load that was one statement per request, a tenth of the server's CPU.

// maxResolving is how many lookups may be in flight at once. Each lookup
// is a round trip that wakes a PostgreSQL backend; with four in flight the
// real-time load sent one statement per 2.7–4 requests (13–24k statements
// in 10 s). With two, a request that finds both busy waits for one of them
// to end before its own lookup is sent, and the batches are larger
// (docs/PERFORMANCE.md, "Fourth pass on the real-time row").
const maxResolving = 2

// sqlResolveKeys looks up a batch of secret hashes; expiry is checked by
// each request against its own clock reading.
const sqlResolveKeys = `SELECT u.h, k.id, k.role, COALESCE(k.cinema_id, ''), COALESCE(k.party_id, ''), COALESCE(k.scope, ''), k.expires_at
FROM unnest($1::bytea[]) AS u(h)
CROSS JOIN LATERAL (SELECT * FROM api_keys k WHERE k.secret_hash = u.h AND k.revoked_at IS NULL LIMIT 1) k`

// resolveCall is one request waiting for its secret's key.
type resolveCall struct {
	ctx   context.Context
	hash  []byte
	now   time.Time
	p     Principal
	found bool
	err   error
	done  chan struct{}
}

// lookup queues a secret hash and waits for the batch that reads it.
func (s *Store) lookup(ctx context.Context, h []byte, now time.Time) (Principal, bool, error) {
	c := &resolveCall{ctx: ctx, hash: h, now: now, done: make(chan struct{})}
	s.mu.Lock()
	s.queue = append(s.queue, c)
	if s.resolving < maxResolving {
		s.resolving++
		go s.resolveLoop()
	}
	s.mu.Unlock()
	select {
	case <-c.done:
		return c.p, c.found, c.err
	case <-ctx.Done():
		return Principal{}, false, ctx.Err()
	}
}

// resolveLoop resolves queued calls, a batch at a time, until none wait.
func (s *Store) resolveLoop() {
	for {
		s.mu.Lock()
		batch := s.queue
		s.queue = nil
		if len(batch) == 0 {
			s.resolving--
			s.mu.Unlock()
			return
		}
		s.mu.Unlock()
		s.resolveBatch(batch)
	}
}

// resolveBatch runs one lookup for calls; it is cancelled once every
// caller has given up (a frozen database must not hold the loop forever).
func (s *Store) resolveBatch(calls []*resolveCall) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var waiting atomic.Int64
	waiting.Store(int64(len(calls)))
	hashes := make([][]byte, len(calls))
	byHash := make(map[string][]*resolveCall, len(calls))
	for i, c := range calls {
		hashes[i] = c.hash
		byHash[string(c.hash)] = append(byHash[string(c.hash)], c)
		stop := context.AfterFunc(c.ctx, func() {
			if waiting.Add(-1) == 0 {
				cancel()
			}
		})
		defer stop()
	}
	rows, err := s.pool.Query(ctx, sqlResolveKeys, hashes)
	if err == nil {
		for rows.Next() {
			var h []byte
			var p Principal
			var expires *time.Time
			if err = rows.Scan(&h, &p.KeyID, &p.Role, &p.CinemaID, &p.PartyID, &p.Scope, &expires); err != nil {
				break
			}
			for _, c := range byHash[string(h)] {
				if expires == nil || expires.After(c.now) {
					c.p, c.found = p, true
				}
			}
		}
		rows.Close()
		if err == nil {
			err = rows.Err()
		}
	}
	for _, c := range calls {
		if err != nil {
			c.p, c.found, c.err = Principal{}, false, fmt.Errorf("apikey: resolve: %w", err)
		}
		close(c.done)
	}
}
