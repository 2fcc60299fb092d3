package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// perfExport is what an auditor takes home from the server of a perf run:
// the NDJSON export of the whole ledger (GET /v1/ledger/export with the
// admin key), a checkpoint signed just before it (POST
// /v1/ledger/checkpoints, then GET /v1/ledger/checkpoint) and the public
// key (GET /v1/ledger/public-key), as files for `ecinema verify --export`.
type perfExport struct {
	file, checkpoint, publicKey string
	origin                      string // the log's, from the checkpoint's first line
	entries, size               int64
	took                        time.Duration
}

// export fetches the export, a fresh checkpoint and the public key through
// HTTP into the run's directory.
func (p *perfServer) export(ctx context.Context) (*perfExport, error) {
	get := func(method, path string, auth bool, w io.Writer) error {
		req, err := http.NewRequestWithContext(ctx, method, p.url+path, nil)
		if err != nil {
			return err
		}
		if auth {
			req.Header.Set("Authorization", "Bearer "+p.adminKey)
		}
		// The bytes as they are: no gzip for a local file of a gigabyte.
		req.Header.Set("Accept-Encoding", "identity")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			b, _ := io.ReadAll(io.LimitReader(resp.Body, 1000))
			return fmt.Errorf("%s %s: %s: %s", method, path, resp.Status, b)
		}
		_, err = io.Copy(w, resp.Body)
		return err
	}
	x := &perfExport{file: filepath.Join(p.dir, "export.ndjson"), checkpoint: filepath.Join(p.dir, "checkpoint"),
		publicKey: filepath.Join(p.dir, "public.key")}
	var cp, key bytes.Buffer
	if err := get("POST", "/v1/ledger/checkpoints", true, io.Discard); err != nil {
		return nil, err
	}
	if err := get("GET", "/v1/ledger/checkpoint", false, &cp); err != nil {
		return nil, err
	}
	if err := get("GET", "/v1/ledger/public-key", false, &key); err != nil {
		return nil, err
	}
	x.origin, _, _ = strings.Cut(cp.String(), "\n")
	if err := os.WriteFile(x.checkpoint, cp.Bytes(), 0o644); err != nil {
		return nil, err
	}
	if err := os.WriteFile(x.publicKey, key.Bytes(), 0o644); err != nil {
		return nil, err
	}
	f, err := os.Create(x.file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	lc := &lineCounter{w: f}
	start := time.Now()
	if err := get("GET", "/v1/ledger/export", true, lc); err != nil {
		return nil, err
	}
	x.took = time.Since(start)
	x.entries, x.size = lc.lines, lc.n
	return x, f.Close()
}

// lineCounter counts the bytes and lines written through it.
type lineCounter struct {
	w        io.Writer
	n, lines int64
}

func (c *lineCounter) Write(b []byte) (int, error) {
	c.n += int64(len(b))
	c.lines += int64(bytes.Count(b, []byte{'\n'}))
	return c.w.Write(b)
}

func (x *perfExport) args() []string {
	return []string{"--export", x.file, "--checkpoint", x.checkpoint, "--public-key", x.publicKey, "--origin", x.origin,
		// as the online row: entries appended after the checkpoint (none
		// here) would make verify exit 4
		"--allow-unsigned-tail"}
}

// String describes the export for its row.
func (x *perfExport) String() string {
	return fmt.Sprintf("%d entries, %.0f MB through GET /v1/ledger/export in %.1f s", x.entries, float64(x.size)/1e6, x.took.Seconds())
}

// verifyOffline times `ecinema verify --export` of x in this process.
func (p *perfServer) verifyOffline(ctx context.Context, env *cmdEnv, x *perfExport) (string, error) {
	venv := &cmdEnv{stdout: io.Discard, stderr: env.stderr, getenv: func(string) string { return "" }}
	start := time.Now()
	if err := cmdVerify(ctx, venv, x.args()); err != nil {
		return "", err
	}
	return x.rate(time.Since(start)), nil
}

// verifyOfflineWith times another build's `ecinema verify --export` of x.
func (p *perfServer) verifyOfflineWith(ctx context.Context, bin string, x *perfExport) (string, error) {
	args := append([]string{"verify"}, x.args()...)
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = os.Environ()
	start := time.Now()
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("%s %v: %v\n%s", bin, args, err, out)
	}
	return x.rate(time.Since(start)), nil
}

func (x *perfExport) rate(d time.Duration) string {
	return fmt.Sprintf("%d entries in %.1f s: %.0f entries/s (%.0f MB/s of export)", x.entries, d.Seconds(), float64(x.entries)/d.Seconds(), float64(x.size)/1e6/d.Seconds())
}
