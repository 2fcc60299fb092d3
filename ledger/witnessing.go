package ledger

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/mod/sumdb/note"

	"ecinema/witness"
)

const (
	sqlCheckpointAt = `SELECT size, root_hash, note, published_at FROM ledger_checkpoints WHERE log_id = $1 AND size = $2`
	sqlCosignatures = `SELECT key_hash, line FROM ledger_cosignatures WHERE log_id = $1 AND size = $2 ORDER BY received_at, key_hash`
	sqlInsertCosig  = `INSERT INTO ledger_cosignatures (log_id, size, witness, key_hash, line) VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (log_id, size, key_hash) DO NOTHING`
)

// ErrQuorum reports a checkpoint with fewer valid witness cosignatures than
// the verifier requires.
var ErrQuorum = errors.New("ledger: checkpoint lacks the witness quorum")

// witnessMetrics count what the publisher gathered; nil-safe.
type witnessMetrics struct {
	cosigs *prometheus.CounterVec // cosignatures gathered, by witness
	errs   *prometheus.CounterVec // failed requests, by witness
	have   prometheus.Gauge       // cosignatures on the latest checkpoint
}

func newWitnessMetrics(reg prometheus.Registerer) *witnessMetrics {
	if reg == nil {
		return nil
	}
	m := &witnessMetrics{
		cosigs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ecinema_ledger_cosignatures_total",
			Help: "Witness cosignatures gathered by the checkpoint publisher, by witness.",
		}, []string{"witness"}),
		errs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ecinema_ledger_witness_errors_total",
			Help: "Requests to a witness that gave no cosignature (down, refused, invalid answer), by witness.",
		}, []string{"witness"}),
		have: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "ecinema_ledger_checkpoint_cosignatures",
			Help: "Valid witness cosignatures on the latest published checkpoint.",
		}),
	}
	reg.MustRegister(m.cosigs, m.errs, m.have)
	return m
}

// Signed returns the checkpoint as served: the log-signed note followed by
// the witnesses' cosignature lines (the log's signature first).
func (c Checkpoint) Signed() []byte {
	out := append([]byte{}, c.Note...)
	for _, l := range c.Cosignatures {
		out = append(out, l...)
	}
	return out
}

func loadCosignatures(ctx context.Context, q querier, logID string, c *Checkpoint) error {
	rows, err := q.Query(ctx, sqlCosignatures, logID, c.Size)
	if err != nil {
		return fmt.Errorf("ledger: read cosignatures: %w", err)
	}
	defer rows.Close()
	c.Cosignatures, c.cosignedBy = nil, map[uint32]bool{}
	for rows.Next() {
		var kh int64
		var line []byte
		if err := rows.Scan(&kh, &line); err != nil {
			return fmt.Errorf("ledger: read cosignatures: %w", err)
		}
		c.Cosignatures = append(c.Cosignatures, line)
		c.cosignedBy[uint32(kh)] = true
	}
	return rows.Err()
}

// GatherCosignatures asks every configured witness that has not cosigned
// the latest checkpoint yet for its cosignature, concurrently, each within
// its own timeout, waits for them and stores what it gets. It returns the
// latest checkpoint with its cosignatures. (Run does the same without
// waiting, one request per witness at a time.)
func (p *Publisher) GatherCosignatures(ctx context.Context) (Checkpoint, error) {
	cp, err := latestCheckpoint(ctx, p.pool, p.cfg.LogID)
	if err != nil {
		return cp, err
	}
	var wg sync.WaitGroup
	for _, w := range p.cfg.Witnesses {
		if cp.cosignedBy[w.Verifier.KeyHash()] {
			continue
		}
		wg.Add(1)
		go func() { defer wg.Done(); p.cosign(ctx, cp, w) }()
	}
	wg.Wait()
	if err := loadCosignatures(ctx, p.pool, p.cfg.LogID, &cp); err != nil {
		return cp, err
	}
	p.noteCosignatures(cp)
	return cp, nil
}

// gatherAsync starts, for each witness that has not cosigned the latest
// checkpoint and has no request in flight, a request in the background. A
// witness that hangs or is down delays nothing but its own cosignature
// (SPEC 12): neither the checkpoints nor the other witnesses wait for it.
func (p *Publisher) gatherAsync(ctx context.Context, wg *sync.WaitGroup) error {
	cp, err := latestCheckpoint(ctx, p.pool, p.cfg.LogID)
	if err != nil {
		return err
	}
	p.noteCosignatures(cp)
	for _, w := range p.cfg.Witnesses {
		kh := w.Verifier.KeyHash()
		if cp.cosignedBy[kh] {
			continue
		}
		p.mu.Lock()
		busy := p.inflight[kh]
		p.inflight[kh] = true
		p.mu.Unlock()
		if busy {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { p.mu.Lock(); delete(p.inflight, kh); p.mu.Unlock() }()
			p.cosign(ctx, cp, w)
		}()
	}
	return nil
}

// cosign asks one witness for its cosignature of cp and stores it.
func (p *Publisher) cosign(ctx context.Context, cp Checkpoint, w *witness.Client) {
	wctx, cancel := context.WithTimeout(ctx, p.cfg.WitnessTimeout)
	defer cancel()
	proof := func(ctx context.Context, from int64) ([][32]byte, error) {
		return NewReader(p.pool, p.cfg.LogID).ConsistencyProof(ctx, from, cp.Size)
	}
	line, err := w.Cosign(wctx, cp.Note, cp.Size, proof)
	if err == nil {
		_, err = p.pool.Exec(wctx, sqlInsertCosig, p.cfg.LogID, cp.Size, w.Verifier.Name(), int64(w.Verifier.KeyHash()), line)
	}
	if err != nil {
		if ctx.Err() != nil {
			return
		}
		if p.wm != nil {
			p.wm.errs.WithLabelValues(w.Verifier.Name()).Inc()
		}
		p.cfg.Logger.Warn("ledger: no cosignature", "log", p.cfg.LogID, "size", cp.Size, "witness", w.Verifier.Name(), "err", err)
		return
	}
	if p.wm != nil {
		p.wm.cosigs.WithLabelValues(w.Verifier.Name()).Inc()
	}
}

// noteCosignatures updates the gauge and warns below the quorum.
func (p *Publisher) noteCosignatures(cp Checkpoint) {
	if p.wm != nil {
		p.wm.have.Set(float64(len(cp.Cosignatures)))
	}
	if len(p.cfg.Witnesses) > 0 && len(cp.Cosignatures) < p.cfg.Quorum {
		p.cfg.Logger.Debug("ledger: checkpoint below the witness quorum", "log", p.cfg.LogID, "size", cp.Size,
			"cosignatures", len(cp.Cosignatures), "quorum", p.cfg.Quorum)
	}
}

// CheckWitnesses verifies a served checkpoint (log signature and
// cosignature lines): the log's signature must verify with logV, and at
// least quorum of the given witness keys must have a valid cosignature on
// it. It returns how many did.
func CheckWitnesses(msg []byte, logV note.Verifier, witnesses []note.Verifier, quorum int) (int, error) {
	known := map[uint32]bool{}
	for _, w := range witnesses {
		known[w.KeyHash()] = true
	}
	n, err := note.Open(msg, note.VerifierList(append([]note.Verifier{logV}, witnesses...)...))
	if err != nil {
		return 0, fmt.Errorf("%w: %v", errBadSignature, err)
	}
	logSigned, count := false, 0
	for _, s := range n.Sigs {
		switch {
		case s.Hash == logV.KeyHash() && s.Name == logV.Name():
			logSigned = true
		case known[s.Hash]:
			count++
			known[s.Hash] = false // one per witness
		}
	}
	if !logSigned {
		return count, fmt.Errorf("%w: no signature of the log key", errBadSignature)
	}
	if count < quorum {
		return count, fmt.Errorf("%w: %d of the %d required witness cosignatures", ErrQuorum, count, quorum)
	}
	return count, nil
}

// defaultWitnessTimeout bounds one request to one witness.
const defaultWitnessTimeout = 10 * time.Second

// CheckpointAt returns the stored checkpoint of exactly the given size with
// its cosignatures (ErrNotFound when none was published at that size).
// Every checkpoint is kept, so a verifier holding an old one can fetch its
// neighbours and ask for consistency proofs between them.
func (r *Reader) CheckpointAt(ctx context.Context, size int64) (Checkpoint, error) {
	var c Checkpoint
	var root []byte
	err := r.pool.QueryRow(ctx, sqlCheckpointAt, r.logID, size).Scan(&c.Size, &root, &c.Note, &c.PublishedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return c, fmt.Errorf("ledger: no checkpoint of size %d: %w", size, ErrNotFound)
	}
	if err != nil {
		return c, fmt.Errorf("ledger: read checkpoint %d: %w", size, err)
	}
	copy(c.Root[:], root)
	return c, loadCosignatures(ctx, r.pool, r.logID, &c)
}
