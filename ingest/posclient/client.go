package posclient

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/hashicorp/go-retryablehttp"

	"ecinema/validate"
)

// Defaults of the retry policy; see the With* options.
const (
	DefaultRetryMax      = 5
	DefaultRetryWaitMin  = 250 * time.Millisecond
	DefaultRetryWaitMax  = 15 * time.Second
	DefaultMaxRetryAfter = time.Minute
	DefaultTimeout       = 30 * time.Second // per attempt, for the default HTTP client
)

// maxResponseBody bounds how much of a success response is read.
const maxResponseBody = 4 << 20

// userAgent identifies the client to the server's logs.
const userAgent = "ecinema-posclient/1"

// Client calls the ecinema POS API. It is safe for concurrent use; create one
// per API key and reuse it.
type Client struct {
	base    string // scheme://host[/prefix], no trailing slash
	apiKey  string
	rc      *retryablehttp.Client
	log     *slog.Logger
	now     func() time.Time
	newKey  func() string
	maxWait time.Duration // longest Retry-After the client waits for
}

// Option configures a Client in New.
type Option func(*Client)

// WithHTTPClient sets the HTTP client each attempt is made with (transport,
// TLS, proxy, per-attempt timeout). The default is a pooled client with a
// 30 s timeout per attempt.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *Client) { c.rc.HTTPClient = hc }
}

// WithRetryMax sets how many times a request is retried after the first
// attempt (0 disables retries).
func WithRetryMax(n int) Option {
	return func(c *Client) { c.rc.RetryMax = max(n, 0) }
}

// WithRetryWait sets the backoff bounds: the n-th retry waits a random
// duration between half and all of min·2ⁿ, capped at max.
func WithRetryWait(min, max time.Duration) Option {
	return func(c *Client) { c.rc.RetryWaitMin, c.rc.RetryWaitMax = min, max }
}

// WithMaxRetryAfter sets the longest Retry-After (on 429 and 503) the client
// waits for before retrying; a longer one ends the call at once with an
// *APIError whose RetryAfter says when to come back.
func WithMaxRetryAfter(d time.Duration) Option {
	return func(c *Client) { c.maxWait = d }
}

// WithLogger sets the logger for attempts and retries (default: discard).
// Logged attributes never include the API key.
func WithLogger(l *slog.Logger) Option {
	return func(c *Client) {
		if l != nil {
			c.log = l
		}
	}
}

// WithClock sets the time source used to read HTTP-date Retry-After values
// (a test seam; the default is time.Now).
func WithClock(now func() time.Time) Option {
	return func(c *Client) { c.now = now }
}

// WithIdempotencyKeys sets the generator of idempotency keys for requests
// that do not carry their own (a test seam; the default draws 128 bits from
// crypto/rand). Keys must be unique per logical request.
func WithIdempotencyKeys(next func() string) Option {
	return func(c *Client) { c.newKey = next }
}

// New returns a client for the API at baseURL (for example
// "https://ecinema.example.kz") authenticating with apiKey, a key of role pos.
func New(baseURL, apiKey string, opts ...Option) (*Client, error) {
	u, err := url.Parse(baseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("posclient: base URL %q: want http(s)://host[/prefix]", baseURL)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("posclient: base URL %q: must not have a query or fragment", baseURL)
	}
	if apiKey == "" {
		return nil, errors.New("posclient: empty API key")
	}
	rc := retryablehttp.NewClient()
	rc.HTTPClient.Timeout = DefaultTimeout
	rc.RetryMax = DefaultRetryMax
	rc.RetryWaitMin, rc.RetryWaitMax = DefaultRetryWaitMin, DefaultRetryWaitMax
	c := &Client{
		base:    strings.TrimRight(u.String(), "/"),
		apiKey:  apiKey,
		rc:      rc,
		log:     slog.New(slog.DiscardHandler),
		now:     time.Now,
		newKey:  rand.Text,
		maxWait: DefaultMaxRetryAfter,
	}
	for _, o := range opts {
		o(c)
	}
	if rc.RetryWaitMax < rc.RetryWaitMin {
		rc.RetryWaitMax = rc.RetryWaitMin
	}
	rc.Logger = c.log
	rc.CheckRetry = c.checkRetry
	rc.Backoff = c.backoff
	rc.ErrorHandler = retryablehttp.PassthroughErrorHandler
	rc.RequestLogHook = c.logAttempt
	return c, nil
}

// PutScreening creates or replaces screening id of the key's cinema. PUT is
// idempotent, so it is retried like a POST with a key. A screening that
// already has sales cannot be replaced (409 screening_has_sales).
func (c *Client) PutScreening(ctx context.Context, id string, s Screening) (*ScreeningResult, error) {
	if err := s.validate(id); err != nil {
		return nil, err
	}
	var res ScreeningResult
	status, err := c.do(ctx, http.MethodPut, "/v1/screenings/"+url.PathEscape(id), "", s, &res)
	if err != nil {
		return nil, err
	}
	res.Status = status
	return &res, nil
}

// PostSales records tickets sold for one screening. Every attempt of one call
// carries the same Idempotency-Key (r.IdempotencyKey, or one generated for
// the call), so retries after a lost response never record a sale twice.
func (c *Client) PostSales(ctx context.Context, r SalesRequest) (*SalesResult, error) {
	body, err := r.wire()
	if err != nil {
		return nil, err
	}
	key, err := c.keyFor(r.IdempotencyKey)
	if err != nil {
		return nil, err
	}
	var res SalesResult
	status, err := c.do(ctx, http.MethodPost, "/v1/sales", key, body, &res)
	if err != nil {
		return nil, err
	}
	res.Status, res.IdempotencyKey = status, key
	return &res, nil
}

// PostRefunds records full refunds of sold tickets of one screening, with the
// same idempotency guarantees as PostSales.
func (c *Client) PostRefunds(ctx context.Context, r RefundRequest) (*RefundResult, error) {
	if err := r.validate(); err != nil {
		return nil, err
	}
	key, err := c.keyFor(r.IdempotencyKey)
	if err != nil {
		return nil, err
	}
	var res RefundResult
	status, err := c.do(ctx, http.MethodPost, "/v1/refunds", key, r, &res)
	if err != nil {
		return nil, err
	}
	res.Status, res.IdempotencyKey = status, key
	return &res, nil
}

// Screenings returns the key's cinema's screenings of a box-office day
// (GET /v1/screenings?date=), with their sales so far: what the ledger
// holds, for a till to compare with its own records.
func (c *Client) Screenings(ctx context.Context, boxOfficeDay time.Time) ([]ScreeningState, error) {
	var res struct {
		Items []ScreeningState `json:"items"`
	}
	if _, err := c.do(ctx, http.MethodGet, "/v1/screenings?date="+boxOfficeDay.Format(time.DateOnly), "", nil, &res); err != nil {
		return nil, err
	}
	return res.Items, nil
}

// ScreeningTickets returns a screening of the key's cinema and every
// ticket sold for it, refunded ones included (GET
// /v1/screenings/{id}/tickets). Resend only the tickets missing here, with
// the batch's own idempotency key.
func (c *Client) ScreeningTickets(ctx context.Context, screeningID string) (*ScreeningState, []SoldTicket, error) {
	if !validate.MatchID(screeningID) {
		return nil, nil, &FieldError{Field: "id", Message: fmt.Sprintf("%q does not match %s", screeningID, validate.IDPattern)}
	}
	var res struct {
		Screening ScreeningState `json:"screening"`
		Tickets   []SoldTicket   `json:"tickets"`
	}
	if _, err := c.do(ctx, http.MethodGet, "/v1/screenings/"+url.PathEscape(screeningID)+"/tickets", "", nil, &res); err != nil {
		return nil, nil, err
	}
	return &res.Screening, res.Tickets, nil
}

// keyFor returns the caller's idempotency key, or a new one for this call.
func (c *Client) keyFor(given string) (string, error) {
	if given != "" {
		return given, nil
	}
	key := c.newKey()
	if key == "" {
		return "", &FieldError{Field: "IdempotencyKey", Message: "the key generator returned an empty key"}
	}
	return key, validateKey(key)
}

// callKey is the context key of the per-call state seen by the retry hooks.
type callKey struct{}

// call is the state of one logical request across its attempts.
type call struct {
	attempts int
	key      string
}

// do sends one logical request with retries and decodes a 2xx body into out.
// The body is encoded once, so every attempt sends the same bytes.
func (c *Client) do(ctx context.Context, method, path, key string, body, out any) (int, error) {
	var payload []byte
	if body != nil {
		var err error
		if payload, err = json.Marshal(body); err != nil {
			return 0, fmt.Errorf("%w: %v", ErrInvalidRequest, err)
		}
	}
	st := &call{key: key}
	req, err := retryablehttp.NewRequestWithContext(context.WithValue(ctx, callKey{}, st), method, c.base+path, payload)
	if err != nil {
		return 0, fmt.Errorf("posclient: %s %s: %w", method, path, err)
	}
	req.Header.Set("Authorization", "Bearer "+c.apiKey)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", userAgent)
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}

	resp, err := c.rc.Do(req)
	if err != nil {
		if resp != nil {
			resp.Body.Close()
		}
		if ctx.Err() != nil { // report the caller's reason, not the transport's symptom
			err = ctx.Err()
		}
		return 0, &TransportError{Method: method, Path: path, Attempts: st.attempts, IdempotencyKey: key, Err: err}
	}
	defer resp.Body.Close()

	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		raw, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
		ae := newAPIError(resp.StatusCode, resp.Header, raw)
		ae.IdempotencyKey = key
		if d, ok := c.retryAfter(resp); ok {
			ae.RetryAfter = d
		}
		c.log.LogAttrs(ctx, slog.LevelDebug, "posclient: request failed",
			slog.String("method", method), slog.String("path", path), slog.Int("status", resp.StatusCode),
			slog.String("code", ae.Code), slog.Int("attempts", st.attempts), slog.String("idempotency_key", key))
		return resp.StatusCode, ae
	}

	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBody+1))
	if err != nil {
		return 0, &TransportError{Method: method, Path: path, Attempts: st.attempts, IdempotencyKey: key, Err: err}
	}
	if len(raw) > maxResponseBody {
		return 0, fmt.Errorf("posclient: %s %s: response body over %d bytes", method, path, maxResponseBody)
	}
	if len(bytes.TrimSpace(raw)) > 0 {
		if err := json.Unmarshal(raw, out); err != nil {
			// The server acted; keep the key so the caller can ask again.
			return 0, fmt.Errorf("posclient: %s %s (Idempotency-Key %q): decode %d response: %w", method, path, key, resp.StatusCode, err)
		}
	}
	return resp.StatusCode, nil
}

// logAttempt is the retryablehttp request hook: it counts attempts of the
// call and logs retries.
func (c *Client) logAttempt(_ retryablehttp.Logger, r *http.Request, retry int) {
	st, _ := r.Context().Value(callKey{}).(*call)
	if st == nil {
		return
	}
	st.attempts = retry + 1
	level := slog.LevelDebug
	if retry > 0 {
		level = slog.LevelInfo
	}
	c.log.LogAttrs(r.Context(), level, "posclient: sending",
		slog.String("method", r.Method), slog.String("path", r.URL.Path),
		slog.Int("attempt", retry+1), slog.String("idempotency_key", st.key))
}
