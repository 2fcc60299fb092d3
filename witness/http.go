package witness

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/mod/sumdb/note"
)

// maxRequestBytes bounds an add-checkpoint body: a checkpoint with a few
// signatures and at most maxProofLines hashes.
const maxRequestBytes = 64 << 10

// Handler serves the C2SP tlog-witness API: POST /add-checkpoint. metrics
// may be nil.
func (w *Witness) Handler(logger *slog.Logger, metrics prometheus.Registerer) http.Handler {
	if logger == nil {
		logger = slog.Default()
	}
	requests := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "ecinema_witness_add_checkpoint_total",
		Help: "add-checkpoint requests by result (cosigned, conflict, bad_proof, bad_signature, unknown_log, bad_request, error).",
	}, []string{"result"})
	if metrics != nil {
		metrics.MustRegister(requests)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /add-checkpoint", func(rw http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(http.MaxBytesReader(rw, r.Body, maxRequestBytes))
		if err != nil {
			requests.WithLabelValues("bad_request").Inc()
			http.Error(rw, "request body too large or unreadable", http.StatusRequestEntityTooLarge)
			return
		}
		old, proof, cp, err := parseRequest(body)
		var cosig []byte
		if err == nil {
			cosig, err = w.addCheckpoint(old, proof, cp)
		}
		var conflict *conflictError
		switch {
		case err == nil:
			requests.WithLabelValues("cosigned").Inc()
			rw.Header().Set("Content-Type", "text/plain; charset=utf-8")
			rw.Write(cosig)
			return
		case errors.As(err, &conflict):
			requests.WithLabelValues("conflict").Inc()
			rw.Header().Set("Content-Type", "text/x.tlog.size")
			rw.WriteHeader(http.StatusConflict)
			fmt.Fprintf(rw, "%d\n", conflict.Size)
			return
		case errors.Is(err, errUnknownLog):
			requests.WithLabelValues("unknown_log").Inc()
			http.Error(rw, err.Error(), http.StatusNotFound)
		case errors.Is(err, errBadSignature):
			requests.WithLabelValues("bad_signature").Inc()
			http.Error(rw, err.Error(), http.StatusForbidden)
		case errors.Is(err, errBadProof):
			requests.WithLabelValues("bad_proof").Inc()
			http.Error(rw, err.Error(), http.StatusUnprocessableEntity)
		case errors.Is(err, errBadRequest):
			requests.WithLabelValues("bad_request").Inc()
			http.Error(rw, err.Error(), http.StatusBadRequest)
		default:
			requests.WithLabelValues("error").Inc()
			logger.Error("witness: add-checkpoint", "err", err)
			http.Error(rw, "internal error", http.StatusInternalServerError)
			return
		}
		logger.Warn("witness: refused a checkpoint", "err", err)
	})
	return mux
}

// Client asks one witness for cosignatures of one log's checkpoints,
// following C2SP tlog-witness: it remembers the witness's size, learns it
// from a 409 when it does not know it, and sends the consistency proof from
// that size.
type Client struct {
	URL      string        // base URL; the request goes to URL + "/add-checkpoint"
	Verifier note.Verifier // the witness's cosignature/v1 key
	Key      string        // that key as text ("name+hash+base64"), for pages that verify in the browser
	HTTP     *http.Client

	mu   sync.Mutex
	size int64 // the witness's size as last learned (0: unknown or empty)
}

// ProofFunc returns the consistency proof from size from to the
// checkpoint's size.
type ProofFunc func(ctx context.Context, from int64) ([][32]byte, error)

// Cosign sends a signed checkpoint of the given size and returns the
// witness's verified cosignature line(s).
func (c *Client) Cosign(ctx context.Context, checkpoint []byte, size int64, proof ProofFunc) ([]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	old := c.size
	for attempt := 0; attempt < 3; attempt++ {
		if old > size {
			return nil, fmt.Errorf("witness %s holds size %d, larger than this log's %d: it saw another tree", c.Verifier.Name(), old, size)
		}
		var p [][32]byte
		if old > 0 && old < size {
			var err error
			if p, err = proof(ctx, old); err != nil {
				return nil, err
			}
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(c.URL, "/")+"/add-checkpoint", bytes.NewReader(formatRequest(old, p, checkpoint)))
		if err != nil {
			return nil, err
		}
		res, err := hc.Do(req)
		if err != nil {
			return nil, fmt.Errorf("witness %s: %w", c.Verifier.Name(), err)
		}
		body, _ := io.ReadAll(io.LimitReader(res.Body, maxRequestBytes))
		res.Body.Close()
		switch {
		case res.StatusCode == http.StatusOK:
			if _, err := note.Open(append(append([]byte{}, checkpoint...), body...), note.VerifierList(c.Verifier)); err != nil {
				return nil, fmt.Errorf("witness %s answered a cosignature that does not verify: %v", c.Verifier.Name(), err)
			}
			c.size = size
			return body, nil
		case res.StatusCode == http.StatusConflict && strings.HasPrefix(res.Header.Get("Content-Type"), "text/x.tlog.size"):
			n, err := strconv.ParseInt(strings.TrimSpace(string(body)), 10, 64)
			if err != nil || n < 0 {
				return nil, fmt.Errorf("witness %s: 409 with size %q", c.Verifier.Name(), body)
			}
			if n == old {
				// Same size, another root: the witness holds a fork of this log.
				return nil, fmt.Errorf("witness %s refuses: it cosigned another tree of size %d", c.Verifier.Name(), n)
			}
			old = n
			c.size = n
		default:
			return nil, fmt.Errorf("witness %s: %s: %s", c.Verifier.Name(), res.Status, strings.TrimSpace(string(body)))
		}
	}
	return nil, fmt.Errorf("witness %s: its size kept changing", c.Verifier.Name())
}

// ParseWitnessSpec parses "URL|verifier key", the form of one entry of
// ECINEMA_WITNESSES.
func ParseWitnessSpec(s string) (*Client, error) {
	u, k, ok := strings.Cut(strings.TrimSpace(s), "|")
	if !ok || u == "" {
		return nil, fmt.Errorf("witness %q: want URL|verifier key", s)
	}
	v, err := NewVerifier(k)
	if err != nil {
		return nil, err
	}
	return &Client{URL: u, Verifier: v, Key: strings.TrimSpace(k)}, nil
}
