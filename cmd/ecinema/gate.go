package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/hashicorp/go-retryablehttp"

	"ecinema/culture/ticketing"
)

const gateUsage = `usage:
  ecinema gate --url URL --venue ID [--gate NAME] [--device ID] [--queue FILE] [--codes FILE]
downloads the trust list and the venue's revocations (kept in FILE.trust.json
to start without the network next time), then reads ticket codes one a line
(stdin, or --codes FILE), checks each without the server, prints one JSON
line per code {"code","result","ticket_id"} and appends the scan to the queue
FILE (default gate-queue.ndjson).
  ecinema gate upload --url URL [--device ID] [--queue FILE]
sends the queued admissions to POST /v1/tickets/checkins/batch (1,000 a
request; a resend after a failure is safe: scans carry nonces), prints the
server's result per scan (duplicate_offline: another gate admitted the
ticket too) and moves the queue aside.
The venue's API key comes from ECINEMA_API_KEY.`

// gateState is what the gate keeps beside its queue: the trust list, the
// revoked tickets and the cursor of the revocation feed.
type gateState struct {
	Keys    []ticketing.PublicKey `json:"keys"`
	Revoked map[string]time.Time  `json:"revoked"`
	Cursor  string                `json:"cursor"`
	Fetched time.Time             `json:"fetched"`
}

// queuedScan is one line of the queue file.
type queuedScan struct {
	Code      string `json:"code"`
	Gate      string `json:"gate"`
	ScannedAt string `json:"scanned_at"`
	Nonce     string `json:"nonce"`
	Result    string `json:"result"` // what the gate answered offline
	TicketID  string `json:"ticket_id,omitempty"`
}

func cmdGate(ctx context.Context, env *cmdEnv, args []string) error {
	upload := len(args) > 0 && args[0] == "upload"
	if upload {
		args = args[1:]
	}
	fs := flag.NewFlagSet("gate", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	base := fs.String("url", "", "server base URL")
	venue := fs.String("venue", "", "venue id")
	gate := fs.String("gate", "main", "gate name")
	host, _ := os.Hostname()
	device := fs.String("device", deviceID(host), "device id")
	queue := fs.String("queue", "gate-queue.ndjson", "queue file")
	codes := fs.String("codes", "-", "file of codes, one a line (- is stdin)")
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 || *base == "" || (!upload && *venue == "") {
		return usagef("%s", gateUsage)
	}
	key := strings.TrimSpace(env.getenv("ECINEMA_API_KEY"))
	if key == "" {
		return errors.New("gate: ECINEMA_API_KEY is not set (a venue key)")
	}
	u, err := url.Parse(*base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return usagef("gate: --url %q is not an http(s) URL", *base)
	}
	rc := retryablehttp.NewClient()
	rc.Logger = nil
	rc.RetryMax = 3
	rc.HTTPClient.Timeout = 30 * time.Second
	g := &gateClient{base: strings.TrimRight(*base, "/"), key: key, http: rc.StandardClient()}
	if upload {
		return g.upload(ctx, env, *device, *queue)
	}
	in := io.Reader(os.Stdin)
	if *codes != "-" {
		f, err := os.Open(*codes)
		if err != nil {
			return fmt.Errorf("gate: %w", err)
		}
		defer f.Close()
		in = f
	}
	return g.scan(ctx, env, *venue, *gate, *queue, in)
}

// deviceID makes an id of the API's pattern from a host name.
func deviceID(host string) string {
	var b strings.Builder
	for _, r := range host {
		if r < 128 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '.') {
			b.WriteRune(r)
		}
	}
	s := b.String()
	if s == "" || s[0] == '-' || s[0] == '.' {
		s = "gate-" + s
	}
	return s[:min(len(s), 64)]
}

type gateClient struct {
	base, key string
	http      *http.Client
}

func (g *gateClient) get(ctx context.Context, path string, auth bool, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, g.base+path, nil)
	if err != nil {
		return err
	}
	if auth {
		req.Header.Set("Authorization", "Bearer "+g.key)
	}
	res, err := g.http.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(res.Body, 4096))
		return fmt.Errorf("GET %s: %s: %s", path, res.Status, bytes.TrimSpace(b))
	}
	return json.NewDecoder(res.Body).Decode(v)
}

// refresh downloads the trust list and the revocations since the kept
// cursor; without the network it keeps what it has.
func (g *gateClient) refresh(ctx context.Context, env *cmdEnv, file string) (*gateState, error) {
	st := &gateState{Revoked: map[string]time.Time{}}
	if b, err := os.ReadFile(file); err == nil {
		if err := json.Unmarshal(b, st); err != nil {
			return nil, fmt.Errorf("gate: %s: %w", file, err)
		}
		if st.Revoked == nil {
			st.Revoked = map[string]time.Time{}
		}
	}
	var keys struct {
		Keys []ticketing.PublicKey `json:"keys"`
	}
	err := g.get(ctx, "/v1/tickets/keys", false, &keys)
	if err == nil {
		st.Keys = keys.Keys
		for {
			var feed struct {
				Items []ticketing.Revocation `json:"items"`
				Next  string                 `json:"next"`
			}
			if err = g.get(ctx, "/v1/tickets/revocations?since="+url.QueryEscape(st.Cursor), true, &feed); err != nil {
				break
			}
			for _, r := range feed.Items {
				st.Revoked[r.TicketID] = r.RevokedAt
			}
			if len(feed.Items) == 0 || feed.Next == st.Cursor {
				break
			}
			st.Cursor = feed.Next
		}
	}
	if err != nil {
		if len(st.Keys) == 0 {
			return nil, fmt.Errorf("gate: no trust list (offline and none kept in %s): %w", file, err)
		}
		fmt.Fprintf(env.stderr, "gate: working offline with the trust list of %s: %v\n", st.Fetched.Format(time.RFC3339), err)
		return st, nil
	}
	st.Fetched = time.Now().UTC()
	b, _ := json.MarshalIndent(st, "", " ")
	if err := writeFileSync(file, b); err != nil {
		return nil, err
	}
	fmt.Fprintf(env.stderr, "gate: %d keys, %d revoked tickets\n", len(st.Keys), len(st.Revoked))
	return st, nil
}

func writeFileSync(file string, b []byte) error {
	tmp := file + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("gate: %w", err)
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return fmt.Errorf("gate: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("gate: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("gate: %w", err)
	}
	return os.Rename(tmp, file)
}

// scan checks codes offline, prints a result per code and queues each scan.
// Admissions are counted from the queue too, so a restarted gate still
// refuses a ticket it admitted (already_admitted).
func (g *gateClient) scan(ctx context.Context, env *cmdEnv, venue, gate, queue string, in io.Reader) error {
	st, err := g.refresh(ctx, env, queue+".trust.json")
	if err != nil {
		return err
	}
	trusted := map[string]ticketing.TrustedKey{}
	for _, k := range st.Keys {
		if t, err := k.Trusted(); err == nil {
			trusted[k.KID] = t
		}
	}
	lookup := func(kid string) (ticketing.TrustedKey, bool) { t, ok := trusted[kid]; return t, ok }
	admitted := map[string]int{}
	if prev, err := readQueue(queue); err == nil {
		for _, q := range prev {
			if q.Result == ticketing.ResultAdmitted {
				admitted[q.TicketID]++
			}
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return err
	}
	qf, err := os.OpenFile(queue, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("gate: %w", err)
	}
	defer qf.Close()
	out := json.NewEncoder(env.stdout)
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 0, 8192), 64*1024)
	for sc.Scan() {
		code := strings.TrimSpace(sc.Text())
		if code == "" {
			continue
		}
		now := time.Now().UTC()
		c, err := ticketing.Verify(code, venue, now, lookup)
		result := ticketing.ResultAdmitted
		var rf *ticketing.Refusal
		switch {
		case errors.As(err, &rf):
			result = rf.Result
		case err != nil:
			return err
		case !st.Revoked[c.TicketID].IsZero():
			result = ticketing.ResultRevoked
		case admitted[c.TicketID] >= c.Admissions:
			result = ticketing.ResultAlreadyAdmitted
		default:
			admitted[c.TicketID]++
		}
		nonce := make([]byte, 12)
		rand.Read(nonce)
		q := queuedScan{Code: code, Gate: gate, ScannedAt: now.Format(time.RFC3339Nano), Nonce: hex.EncodeToString(nonce), Result: result, TicketID: c.TicketID}
		line, _ := json.Marshal(q)
		if _, err := qf.Write(append(line, '\n')); err != nil {
			return fmt.Errorf("gate: queue: %w", err)
		}
		if err := qf.Sync(); err != nil {
			return fmt.Errorf("gate: queue: %w", err)
		}
		out.Encode(struct {
			Code     string `json:"code"`
			Result   string `json:"result"`
			TicketID string `json:"ticket_id"`
		}{code, result, c.TicketID})
	}
	return sc.Err()
}

func readQueue(file string) ([]queuedScan, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var qs []queuedScan
	for i, line := range bytes.Split(b, []byte("\n")) {
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		var q queuedScan
		if err := json.Unmarshal(line, &q); err != nil {
			return nil, fmt.Errorf("gate: %s line %d: %w", file, i+1, err)
		}
		qs = append(qs, q)
	}
	return qs, nil
}

// upload sends the queue in batches and empties it once every batch was
// answered; the server answers resent nonces with their first result.
func (g *gateClient) upload(ctx context.Context, env *cmdEnv, device, queue string) error {
	qs, err := readQueue(queue)
	if errors.Is(err, os.ErrNotExist) || (err == nil && len(qs) == 0) {
		fmt.Fprintln(env.stderr, "gate: nothing queued")
		return nil
	}
	if err != nil {
		return err
	}
	// Only admissions go up: a scan the gate refused let nobody in.
	admitted := qs[:0:0]
	for _, q := range qs {
		if q.Result == ticketing.ResultAdmitted {
			admitted = append(admitted, q)
		}
	}
	qs = admitted
	out := json.NewEncoder(env.stdout)
	for len(qs) > 0 {
		part := qs[:min(len(qs), ticketing.MaxScans)]
		qs = qs[len(part):]
		req := ticketing.BatchRequest{Device: device, Scans: make([]ticketing.BatchScan, len(part))}
		for i, q := range part {
			req.Scans[i] = ticketing.BatchScan{Code: q.Code, Gate: q.Gate, ScannedAt: q.ScannedAt, Nonce: q.Nonce}
		}
		body, _ := json.Marshal(req)
		hr, err := http.NewRequestWithContext(ctx, http.MethodPost, g.base+"/v1/tickets/checkins/batch", bytes.NewReader(body))
		if err != nil {
			return err
		}
		hr.Header.Set("Authorization", "Bearer "+g.key)
		hr.Header.Set("Content-Type", "application/json")
		res, err := g.http.Do(hr)
		if err != nil {
			return fmt.Errorf("gate: upload (the queue is kept; run again): %w", err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			return fmt.Errorf("gate: upload: %s: %s (the queue is kept)", res.Status, bytes.TrimSpace(b))
		}
		var br ticketing.BatchResult
		if err := json.Unmarshal(b, &br); err != nil {
			return fmt.Errorf("gate: upload: %w", err)
		}
		for _, r := range br.Results {
			out.Encode(r)
		}
	}
	done := fmt.Sprintf("%s.uploaded-%s", queue, time.Now().UTC().Format("20060102T150405Z"))
	if err := os.Rename(queue, done); err != nil {
		return fmt.Errorf("gate: %w", err)
	}
	fmt.Fprintf(env.stderr, "gate: queue uploaded and moved to %s\n", done)
	return nil
}
