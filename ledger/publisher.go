package ledger

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"ecinema/witness"
)

const (
	sqlLatestCheckpoint = `SELECT size, root_hash, note, published_at FROM ledger_checkpoints
WHERE log_id = $1 ORDER BY size DESC LIMIT 1`
	sqlInsertCheckpoint = `INSERT INTO ledger_checkpoints (log_id, size, root_hash, note) VALUES ($1, $2, $3, $4)
ON CONFLICT (log_id, size) DO NOTHING`
	sqlCheckpoints = `SELECT size, root_hash, note, published_at FROM ledger_checkpoints
WHERE log_id = $1 AND size > $2 ORDER BY size LIMIT $3`
)

// Checkpoint is a published, signed checkpoint.
type Checkpoint struct {
	Size        int64
	Root        [32]byte
	Note        []byte // the log-signed note exactly as signed
	PublishedAt time.Time
	// Cosignatures are the witnesses' cosignature lines gathered for it,
	// each "— name base64\n"; Signed() serves them after the log's.
	Cosignatures [][]byte
	cosignedBy   map[uint32]bool
}

// PublisherConfig configures a Publisher.
type PublisherConfig struct {
	LogID    string        // default DefaultLogID
	Origin   string        // default DefaultOrigin
	Signer   note.Signer   // required
	Interval time.Duration // Run's period, default 10 s
	Logger   *slog.Logger  // default slog.Default()
	// Witnesses are asked to cosign every checkpoint (SPEC 12); Quorum is
	// how many cosignatures a checkpoint should carry (default all). Below
	// it the checkpoint is still published, with what it has.
	Witnesses      []*witness.Client
	Quorum         int
	WitnessTimeout time.Duration         // per witness request, default 10 s
	Metrics        prometheus.Registerer // witness metrics; none when nil
}

// Publisher signs and stores checkpoints of one log: every Interval when
// the tree grew (Run), and on demand (Publish). Several publishers may run
// against one database: signatures are deterministic (Ed25519) and the
// store keeps one checkpoint per size.
type Publisher struct {
	pool *pgxpool.Pool
	cfg  PublisherConfig
	wm   *witnessMetrics

	mu       sync.Mutex
	inflight map[uint32]bool // witnesses (by key hash) with a request under way
}

// NewPublisher returns a publisher; cfg.Signer must be set.
func NewPublisher(pool *pgxpool.Pool, cfg PublisherConfig) *Publisher {
	if cfg.LogID == "" {
		cfg.LogID = DefaultLogID
	}
	if cfg.Origin == "" {
		cfg.Origin = DefaultOrigin
	}
	if cfg.Interval <= 0 {
		cfg.Interval = 10 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Quorum <= 0 || cfg.Quorum > len(cfg.Witnesses) {
		cfg.Quorum = len(cfg.Witnesses)
	}
	if cfg.WitnessTimeout <= 0 {
		cfg.WitnessTimeout = defaultWitnessTimeout
	}
	p := &Publisher{pool: pool, cfg: cfg, inflight: map[uint32]bool{}}
	if len(cfg.Witnesses) > 0 {
		p.wm = newWitnessMetrics(cfg.Metrics)
	}
	return p
}

// Run publishes a checkpoint every Interval when the tree grew, until ctx
// ends.
func (p *Publisher) Run(ctx context.Context) error {
	t := time.NewTicker(p.cfg.Interval)
	defer t.Stop()
	// Cosignatures are gathered beside the publishing, one request per
	// witness at a time: a witness that hangs delays its own cosignature,
	// never a checkpoint nor another witness's.
	var gathering sync.WaitGroup
	defer gathering.Wait()
	for {
		if _, err := p.Publish(ctx); err != nil && !errors.Is(err, ErrNotFound) && ctx.Err() == nil {
			p.cfg.Logger.Error("ledger: publish checkpoint", "log", p.cfg.LogID, "err", err)
		}
		// Witnesses that missed a checkpoint catch up on a later tick.
		if len(p.cfg.Witnesses) > 0 {
			if err := p.gatherAsync(ctx, &gathering); err != nil && !errors.Is(err, ErrNotFound) && ctx.Err() == nil {
				p.cfg.Logger.Error("ledger: gather cosignatures", "log", p.cfg.LogID, "err", err)
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// Publish signs and stores a checkpoint of the committed tree when it grew
// since the latest checkpoint, and returns the latest checkpoint. Before
// signing it recomputes the root from the stored tree hashes and refuses
// (errCorrupt) when it differs from the head row. ErrNotFound: the log is
// empty and nothing was ever published.
func (p *Publisher) Publish(ctx context.Context) (Checkpoint, error) {
	var size int64
	var rootB []byte
	if err := p.pool.QueryRow(ctx, sqlHead, p.cfg.LogID).Scan(&size, &rootB); err != nil {
		if errors.Is(err, pgx.ErrNoRows) {
			return Checkpoint{}, fmt.Errorf("ledger: log %q: %w", p.cfg.LogID, ErrNotFound)
		}
		return Checkpoint{}, fmt.Errorf("ledger: read head: %w", err)
	}
	latest, err := latestCheckpoint(ctx, p.pool, p.cfg.LogID)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return Checkpoint{}, err
	}
	if size == 0 || (err == nil && latest.Size >= size) {
		return latest, err
	}
	root, err := tlog.TreeHash(size, &dbHashReader{ctx: ctx, q: p.pool, logID: p.cfg.LogID})
	if err != nil {
		return Checkpoint{}, fmt.Errorf("ledger: tree hash at %d: %w", size, err)
	}
	if string(root[:]) != string(rootB) {
		return Checkpoint{}, fmt.Errorf("%w: head root of log %q at size %d differs from its stored tree hashes", errCorrupt, p.cfg.LogID, size)
	}
	msg, err := signCheckpoint(p.cfg.Origin, size, root, p.cfg.Signer)
	if err != nil {
		return Checkpoint{}, err
	}
	if _, err := p.pool.Exec(ctx, sqlInsertCheckpoint, p.cfg.LogID, size, root[:], msg); err != nil {
		return Checkpoint{}, fmt.Errorf("ledger: store checkpoint %d: %w", size, err)
	}
	p.cfg.Logger.Info("ledger: checkpoint published", "log", p.cfg.LogID, "size", size)
	return latestCheckpoint(ctx, p.pool, p.cfg.LogID)
}

func latestCheckpoint(ctx context.Context, q querier, logID string) (Checkpoint, error) {
	var c Checkpoint
	var root []byte
	err := q.QueryRow(ctx, sqlLatestCheckpoint, logID).Scan(&c.Size, &root, &c.Note, &c.PublishedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return c, fmt.Errorf("ledger: no checkpoint of log %q: %w", logID, ErrNotFound)
	}
	if err != nil {
		return c, fmt.Errorf("ledger: read checkpoint: %w", err)
	}
	copy(c.Root[:], root)
	if err := loadCosignatures(ctx, q, logID, &c); err != nil {
		return c, err
	}
	return c, nil
}

// LatestCheckpoint returns the newest published checkpoint (ErrNotFound when
// none was published yet).
func (r *Reader) LatestCheckpoint(ctx context.Context) (Checkpoint, error) {
	return latestCheckpoint(ctx, r.pool, r.logID)
}

func eachCheckpoint(ctx context.Context, q querier, logID string, fn func(Checkpoint) error) error {
	after := int64(0)
	for {
		rows, err := q.Query(ctx, sqlCheckpoints, logID, after, 1000)
		if err != nil {
			return fmt.Errorf("ledger: read checkpoints: %w", err)
		}
		var page []Checkpoint
		for rows.Next() {
			var c Checkpoint
			var root []byte
			if err := rows.Scan(&c.Size, &root, &c.Note, &c.PublishedAt); err != nil {
				rows.Close()
				return fmt.Errorf("ledger: read checkpoints: %w", err)
			}
			copy(c.Root[:], root)
			page = append(page, c)
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("ledger: read checkpoints: %w", err)
		}
		for _, c := range page {
			if err := fn(c); err != nil {
				return err
			}
		}
		if len(page) < 1000 {
			return nil
		}
		after = page[len(page)-1].Size
	}
}
