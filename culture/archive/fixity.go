package archive

import (
	"context"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"ecinema/culture/blobstore"
	"ecinema/ledger"
)

// FixityFailure is one file of an AIP that is changed or gone.
type FixityFailure struct {
	UnitID  string `json:"unit_id"`
	AIPSeq  int64  `json:"aip_seq"`
	Path    string `json:"path"`
	Problem string `json:"problem"`
}

// FixityReport sums up one fixity run.
type FixityReport struct {
	AIPs     int             `json:"aips"`
	Files    int             `json:"files"`
	Bytes    int64           `json:"bytes"`
	Failures []FixityFailure `json:"failures"`
}

const (
	selectAIPsForFixity = `SELECT entry_seq, unit_id, external_id FROM archive_aips
WHERE ($1 = '' OR unit_id = $1) ORDER BY fixity_at NULLS FIRST, entry_seq LIMIT $2`
	countAIPs     = `SELECT count(*) FROM archive_aips`
	selectAIPFile = `SELECT path, sha256, sha512, size FROM archive_files WHERE aip_seq = $1 ORDER BY path`
)

// Fixity re-hashes the files of up to limit AIPs (0: all), those checked
// longest ago first, or of one unit's AIPs, and appends a fixity check
// event per AIP with its outcome. Failures are logged as errors.
func (s *Service) Fixity(ctx context.Context, actor, unitID string, limit int) (FixityReport, error) {
	if limit <= 0 {
		limit = 1 << 30
	}
	rows, err := s.pool.Query(ctx, selectAIPsForFixity, unitID, limit)
	if err != nil {
		return FixityReport{}, fmt.Errorf("archive: fixity: %w", err)
	}
	type aip struct {
		seq       int64
		unit, ext string
	}
	aips, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (aip, error) {
		var a aip
		return a, r.Scan(&a.seq, &a.unit, &a.ext)
	})
	if err != nil {
		return FixityReport{}, fmt.Errorf("archive: fixity: %w", err)
	}
	var rep FixityReport
	buf := make([]byte, 1<<20)
	for _, a := range aips {
		frows, err := s.pool.Query(ctx, selectAIPFile, a.seq)
		if err != nil {
			return rep, err
		}
		files, err := pgx.CollectRows(frows, pgx.RowToStructByPos[storedFile])
		if err != nil {
			return rep, err
		}
		var problems []string
		for _, f := range files {
			n, problem := s.rehash(ctx, f, buf)
			rep.Files++
			rep.Bytes += n
			if problem != "" {
				if ctx.Err() != nil {
					return rep, ctx.Err()
				}
				problems = append(problems, f.Path+": "+problem)
				rep.Failures = append(rep.Failures, FixityFailure{UnitID: a.unit, AIPSeq: a.seq, Path: f.Path, Problem: problem})
				s.log.ErrorContext(ctx, "archive fixity failure", "unit", a.unit, "aip_seq", a.seq, "path", f.Path, "sha256", f.SHA256, "problem", problem)
			}
		}
		ev := eventInput{Type: EventFixity, Outcome: "success", Object: a.ext,
			Detail: fmt.Sprintf("%d files re-hashed (SHA-256 and SHA-512): all match", len(files))}
		if len(problems) > 0 {
			ev.Outcome = "failure"
			ev.Detail = fmt.Sprintf("%d of %d files failed: %s", len(problems), len(files), strings.Join(problems, "; "))
		}
		body, _ := json.Marshal(eventBody{UnitID: a.unit, AIPSeq: a.seq, Events: []eventInput{ev}})
		if _, err := s.w.Append(ctx, ledger.Record{Kind: kindEvent, Actor: actor, Body: json.RawMessage(body),
			Project: func(ctx context.Context, tx pgx.Tx, e ledger.Entry) error {
				_, err := project(ctx, tx, kindEvent, body, e)
				return err
			}}); err != nil {
			return rep, fmt.Errorf("archive: fixity event: %w", err)
		}
		rep.AIPs++
	}
	return rep, nil
}

// storedFile is the part of a stored file that fixity needs.
type storedFile struct {
	Path, SHA256, SHA512 string
	Size                 int64
}

func (s *Service) rehash(ctx context.Context, f storedFile, buf []byte) (int64, string) {
	rc, err := s.cfg.Blobs.Open(ctx, f.SHA256)
	if errors.Is(err, blobstore.ErrNotFound) {
		return 0, "missing from the blob store"
	}
	if err != nil {
		return 0, "unreadable: " + err.Error()
	}
	defer rc.Close()
	h256, h512 := sha256.New(), sha512.New()
	n, err := io.CopyBuffer(io.MultiWriter(h256, h512), rc, buf)
	if err != nil {
		return n, "unreadable: " + err.Error()
	}
	switch {
	case n != f.Size:
		return n, fmt.Sprintf("size %d, recorded %d", n, f.Size)
	case hex.EncodeToString(h256.Sum(nil)) != f.SHA256:
		return n, "SHA-256 differs from the recorded digest"
	case hex.EncodeToString(h512.Sum(nil)) != f.SHA512:
		return n, "SHA-512 differs from the recorded digest"
	}
	return n, ""
}

// RunFixity re-hashes on a schedule until ctx ends: every interval/24 it
// checks the AIPs checked longest ago, 1/24 of them (rounded up), so every
// AIP is checked within the interval. Failures count in
// ecinema_archive_fixity_failures_total.
func (s *Service) RunFixity(ctx context.Context, interval time.Duration) {
	if interval <= 0 {
		interval = 24 * time.Hour
	}
	const slices = 24
	tick := interval / slices
	t := time.NewTicker(tick)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		s.fixitySlice(ctx, slices)
	}
}

// fixitySlice checks one slice, in one server process at a time (a
// session advisory lock; the others skip this tick).
func (s *Service) fixitySlice(ctx context.Context, slices int) {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		s.log.ErrorContext(ctx, "archive fixity: connection", "err", err)
		return
	}
	defer conn.Release()
	var got bool
	if err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock(hashtext('ecinema.archive.fixity'))`).Scan(&got); err != nil || !got {
		return
	}
	defer conn.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock(hashtext('ecinema.archive.fixity'))`)
	var total int
	if err := s.pool.QueryRow(ctx, countAIPs).Scan(&total); err != nil {
		s.log.ErrorContext(ctx, "archive fixity: count", "err", err)
		return
	}
	if total == 0 {
		return
	}
	rep, err := s.Fixity(ctx, "system", "", (total+slices-1)/slices)
	if err != nil && ctx.Err() == nil {
		s.log.ErrorContext(ctx, "archive fixity run failed", "err", err)
	}
	s.metrics.fixityChecked.Add(float64(rep.AIPs))
	aipsFailed := map[int64]bool{}
	for _, f := range rep.Failures {
		aipsFailed[f.AIPSeq] = true
	}
	s.metrics.fixityFailures.Add(float64(len(aipsFailed)))
	s.log.InfoContext(ctx, "archive fixity slice", "aips", rep.AIPs, "files", rep.Files, "bytes", rep.Bytes, "failures", len(rep.Failures))
}
