package posclient

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

// attempt is one request the fake server received.
type attempt struct {
	Method, Path, Key, Auth, ContentType string
	Body                                 []byte
	At                                   time.Time
}

// fakePOS is an httptest server with the server's idempotency semantics for
// POST /v1/sales: the first request with a key is recorded, later ones with
// the same key and body get the first answer again. Before that logic, the
// script answers the first attempts with injected failures.
type fakePOS struct {
	t   *testing.T
	srv *httptest.Server

	mu       sync.Mutex
	attempts []attempt
	script   []func(w http.ResponseWriter, r *http.Request, record func() []byte) bool // true: handled
	sales    int                                                                       // sales recorded
	byKey    map[string][]byte                                                         // key → first 201 body
}

func newFakePOS(t *testing.T, script ...func(w http.ResponseWriter, r *http.Request, record func() []byte) bool) *fakePOS {
	t.Helper()
	f := &fakePOS{t: t, script: script, byKey: map[string][]byte{}}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakePOS) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.attempts = append(f.attempts, attempt{
		Method: r.Method, Path: r.URL.EscapedPath(), Key: r.Header.Get("Idempotency-Key"),
		Auth: r.Header.Get("Authorization"), ContentType: r.Header.Get("Content-Type"), Body: body, At: time.Now(),
	})
	key := r.Header.Get("Idempotency-Key")
	// record stores the sale (once per key) and returns the answer to send.
	record := func() []byte {
		if first, ok := f.byKey[key]; ok {
			return first
		}
		var req struct{ Tickets []json.RawMessage }
		if err := json.Unmarshal(body, &req); err != nil {
			f.t.Errorf("fake server: decode %s: %v", body, err)
		}
		f.sales++
		first := fmt.Appendf(nil, `{"entry":{"seq":%d,"leaf_hash":"%064x"},"accepted":%d,"flags":["late_report"]}`,
			41+f.sales, f.sales, len(req.Tickets))
		f.byKey[key] = first
		return first
	}
	if n := len(f.attempts) - 1; n < len(f.script) && f.script[n] != nil {
		if f.script[n](w, r, record) {
			return
		}
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	w.Write(record())
}

func (f *fakePOS) snapshot() ([]attempt, int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]attempt(nil), f.attempts...), f.sales
}

// status answers with code and an error body, optionally with headers.
func status(code int, errCode string, hdr ...string) func(http.ResponseWriter, *http.Request, func() []byte) bool {
	return func(w http.ResponseWriter, _ *http.Request, _ func() []byte) bool {
		for i := 0; i+1 < len(hdr); i += 2 {
			w.Header().Set(hdr[i], hdr[i+1])
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		fmt.Fprintf(w, `{"error":{"code":%q,"message":"injected"}}`, errCode)
		return true
	}
}

func newTestClient(t *testing.T, url string, opts ...Option) *Client {
	t.Helper()
	opts = append([]Option{WithRetryWait(time.Millisecond, 5*time.Millisecond)}, opts...)
	c, err := New(url, "pos-secret", opts...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

var soldAt = time.Date(2026, 1, 8, 19, 30, 0, 0, time.FixedZone("+05", 5*3600))

func sampleSale() SalesRequest {
	return SalesRequest{ScreeningID: "S-2026-01-08-1", Tickets: []Ticket{
		{ID: "T1", SoldAt: soldAt, Price: decimal.RequireFromString("2500"), Category: "adult", Seat: "R5-12", Channel: "box_office"},
		{ID: "T2", SoldAt: soldAt, Price: decimal.RequireFromString("1800.5"), Category: "child", Seat: "R5-13", Channel: "box_office"},
	}}
}

// The scenario: 503, then 500 after the sale was recorded (the
// answer is lost), then success. Exactly one sale is recorded, and all three
// tries carry the same Idempotency-Key and the same bytes.
func TestPostSalesRetries503Then500ThenSuccess(t *testing.T) {
	f := newFakePOS(t,
		status(http.StatusServiceUnavailable, "not_ready"),
		func(w http.ResponseWriter, _ *http.Request, record func() []byte) bool {
			record() // committed, then the answer is lost
			http.Error(w, "upstream connection reset", http.StatusInternalServerError)
			return true
		},
	)
	c := newTestClient(t, f.srv.URL)

	res, err := c.PostSales(t.Context(), sampleSale())
	if err != nil {
		t.Fatalf("PostSales: %v", err)
	}
	atts, sales := f.snapshot()
	if sales != 1 {
		t.Errorf("sales recorded = %d, want 1", sales)
	}
	if len(atts) != 3 {
		t.Fatalf("attempts = %d, want 3", len(atts))
	}
	key := atts[0].Key
	if len(key) < 16 {
		t.Fatalf("Idempotency-Key %q: want a generated key of at least 16 characters", key)
	}
	for i, a := range atts {
		if a.Method != http.MethodPost || a.Path != "/v1/sales" {
			t.Errorf("attempt %d: %s %s", i, a.Method, a.Path)
		}
		if a.Key != key {
			t.Errorf("attempt %d: Idempotency-Key %q, want %q", i, a.Key, key)
		}
		if !bytes.Equal(a.Body, atts[0].Body) {
			t.Errorf("attempt %d: body %s differs from %s", i, a.Body, atts[0].Body)
		}
		if a.Auth != "Bearer pos-secret" || a.ContentType != "application/json" {
			t.Errorf("attempt %d: Authorization %q Content-Type %q", i, a.Auth, a.ContentType)
		}
	}
	want := &SalesResult{
		Entry:    Entry{Seq: 42, LeafHash: fmt.Sprintf("%064x", 1)},
		Accepted: 2, Flags: []string{"late_report"}, Status: http.StatusCreated, IdempotencyKey: key,
	}
	if !reflect.DeepEqual(res, want) {
		t.Errorf("result = %+v, want %+v", res, want)
	}

	// A second logical call gets a fresh key and records a second sale.
	res2, err := c.PostSales(t.Context(), sampleSale())
	if err != nil {
		t.Fatal(err)
	}
	if res2.IdempotencyKey == key || res2.Entry.Seq != 43 {
		t.Errorf("second call: key %q (first %q), seq %d; want a new key and seq 43", res2.IdempotencyKey, key, res2.Entry.Seq)
	}
}

func TestPostSalesCallerKeyAndKeySeam(t *testing.T) {
	f := newFakePOS(t, status(http.StatusBadGateway, "bad_gateway"))
	n := 0
	c := newTestClient(t, f.srv.URL, WithIdempotencyKeys(func() string { n++; return fmt.Sprintf("seam-%d", n) }))

	r := sampleSale()
	r.IdempotencyKey = "batch-2026-01-08-0001"
	res, err := c.PostSales(t.Context(), r)
	if err != nil {
		t.Fatal(err)
	}
	if res.IdempotencyKey != r.IdempotencyKey {
		t.Errorf("result key %q, want %q", res.IdempotencyKey, r.IdempotencyKey)
	}
	res, err = c.PostSales(t.Context(), sampleSale())
	if err != nil {
		t.Fatal(err)
	}
	if res.IdempotencyKey != "seam-1" {
		t.Errorf("generated key %q, want seam-1", res.IdempotencyKey)
	}
	atts, _ := f.snapshot()
	var keys []string
	for _, a := range atts {
		keys = append(keys, a.Key)
	}
	if want := []string{"batch-2026-01-08-0001", "batch-2026-01-08-0001", "seam-1"}; !reflect.DeepEqual(keys, want) {
		t.Errorf("keys sent = %q, want %q", keys, want)
	}
	if n != 1 {
		t.Errorf("key generator called %d times, want 1 (the caller's key needs none)", n)
	}

	for _, bad := range []string{"has space", strings.Repeat("k", 256), "ключ"} {
		r.IdempotencyKey = bad
		if _, err := c.PostSales(t.Context(), r); !errors.Is(err, ErrInvalidRequest) {
			t.Errorf("key %q: err = %v, want ErrInvalidRequest", bad, err)
		}
	}
}

func TestRetryAfterHonoured(t *testing.T) {
	t.Run("seconds on 429", func(t *testing.T) {
		f := newFakePOS(t, status(http.StatusTooManyRequests, "rate_limited", "Retry-After", "1"))
		c := newTestClient(t, f.srv.URL)
		if _, err := c.PostSales(t.Context(), sampleSale()); err != nil {
			t.Fatal(err)
		}
		atts, sales := f.snapshot()
		if len(atts) != 2 || sales != 1 {
			t.Fatalf("attempts %d sales %d, want 2 and 1", len(atts), sales)
		}
		// The backoff alone would wait at most 5 ms.
		if gap := atts[1].At.Sub(atts[0].At); gap < 950*time.Millisecond {
			t.Errorf("retried after %v, want about 1s (Retry-After: 1)", gap)
		}
		if atts[0].Key != atts[1].Key {
			t.Errorf("keys %q and %q differ", atts[0].Key, atts[1].Key)
		}
	})
	t.Run("HTTP date on 503 read with the clock seam", func(t *testing.T) {
		now := time.Date(2026, 1, 8, 14, 0, 0, 0, time.UTC)
		f := newFakePOS(t, status(http.StatusServiceUnavailable, "not_ready",
			"Retry-After", now.Add(time.Second).Format(http.TimeFormat)))
		c := newTestClient(t, f.srv.URL, WithClock(func() time.Time { return now }))
		if _, err := c.PostSales(t.Context(), sampleSale()); err != nil {
			t.Fatal(err)
		}
		atts, _ := f.snapshot()
		if len(atts) != 2 {
			t.Fatalf("attempts %d, want 2", len(atts))
		}
		if gap := atts[1].At.Sub(atts[0].At); gap < 950*time.Millisecond {
			t.Errorf("retried after %v, want about 1s", gap)
		}
	})
	t.Run("longer than MaxRetryAfter: not waited for", func(t *testing.T) {
		f := newFakePOS(t, status(http.StatusTooManyRequests, "rate_limited", "Retry-After", "120"))
		c := newTestClient(t, f.srv.URL, WithMaxRetryAfter(10*time.Second))
		start := time.Now()
		_, err := c.PostSales(t.Context(), sampleSale())
		var ae *APIError
		if !errors.As(err, &ae) || ae.Status != http.StatusTooManyRequests || ae.Code != "rate_limited" || ae.RetryAfter != 2*time.Minute {
			t.Fatalf("err = %#v, want APIError 429 rate_limited RetryAfter 2m", err)
		}
		if !IsTemporary(err) || ae.IdempotencyKey == "" {
			t.Errorf("IsTemporary %v, key %q: want true and the key to retry with", IsTemporary(err), ae.IdempotencyKey)
		}
		if el := time.Since(start); el > time.Second {
			t.Errorf("returned after %v", el)
		}
		if atts, sales := f.snapshot(); len(atts) != 1 || sales != 0 {
			t.Errorf("attempts %d sales %d, want 1 and 0", len(atts), sales)
		}
	})
	t.Run("beyond the context deadline: not waited for", func(t *testing.T) {
		f := newFakePOS(t, status(http.StatusServiceUnavailable, "not_ready", "Retry-After", "30"))
		c := newTestClient(t, f.srv.URL)
		ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
		defer cancel()
		start := time.Now()
		_, err := c.PostSales(ctx, sampleSale())
		if ae := (*APIError)(nil); !errors.As(err, &ae) || ae.Status != 503 || ae.RetryAfter != 30*time.Second {
			t.Fatalf("err = %v, want APIError 503 with RetryAfter 30s", err)
		}
		if el := time.Since(start); el > time.Second {
			t.Errorf("returned after %v, want at once", el)
		}
	})
}

func TestFinalAnswersAreNotRetried(t *testing.T) {
	cases := []struct {
		status  int
		body    string
		code    string
		details []Detail
		is      func(error) bool
	}{
		{400, `{"error":{"code":"invalid_request","message":"invalid fields","details":[{"field":"tickets[0].price","code":"too_many_decimals","message":"at most 2 fraction digits"},{"field":"tickets[1].category","code":"invalid","message":"unknown category"}]}}`,
			"invalid_request", []Detail{{"tickets[0].price", "too_many_decimals", "at most 2 fraction digits"}, {"tickets[1].category", "invalid", "unknown category"}}, IsInvalid},
		{401, `{"error":{"code":"unauthorized","message":"missing or unknown API key"}}`, "unauthorized", nil, nil},
		{403, `{"error":{"code":"forbidden","message":"screening of another cinema"}}`, "forbidden", nil, nil},
		{404, `{"error":{"code":"screening_not_found","message":"no such screening"}}`, "screening_not_found", nil, IsNotFound},
		{409, `{"error":{"code":"duplicate_ticket","message":"ticket T1 already recorded","details":[{"field":"tickets[0].id","code":"duplicate_ticket","message":"T1"}]}}`,
			"duplicate_ticket", []Detail{{"tickets[0].id", "duplicate_ticket", "T1"}}, IsConflict},
		{409, `{"error":{"code":"idempotency_key_reused","message":"key used with another body"}}`, "idempotency_key_reused", nil, IsConflict},
		{413, `{"error":{"code":"too_large","message":"over 1000 tickets"}}`, "too_large", nil, nil},
		{422, `{"error":{"code":"capacity_exceeded","message":"more tickets than seats","details":[{"field":"tickets","code":"capacity_exceeded","message":"hall has 120 seats"}]}}`,
			"capacity_exceeded", []Detail{{"tickets", "capacity_exceeded", "hall has 120 seats"}}, IsRuleViolation},
		{501, `{"error":{"code":"not_implemented","message":"no"}}`, "not_implemented", nil, nil},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("%d_%s", tc.status, tc.code), func(t *testing.T) {
			f := newFakePOS(t, func(w http.ResponseWriter, _ *http.Request, _ func() []byte) bool {
				w.Header().Set("Content-Type", "application/json")
				w.Header().Set("X-Request-Id", "req-7")
				w.WriteHeader(tc.status)
				io.WriteString(w, tc.body)
				return true
			})
			c := newTestClient(t, f.srv.URL)
			res, err := c.PostSales(t.Context(), sampleSale())
			if res != nil {
				t.Errorf("result = %+v, want nil", res)
			}
			var ae *APIError
			if !errors.As(err, &ae) {
				t.Fatalf("err = %v (%T), want *APIError", err, err)
			}
			if ae.Status != tc.status || ae.Code != tc.code || !reflect.DeepEqual(ae.Details, tc.details) || ae.RequestID != "req-7" {
				t.Errorf("APIError = %+v, want status %d code %s details %+v", ae, tc.status, tc.code, tc.details)
			}
			if Code(err) != tc.code {
				t.Errorf("Code(err) = %q", Code(err))
			}
			if tc.is != nil && !tc.is(err) {
				t.Errorf("predicate false for %v", err)
			}
			if IsTemporary(err) {
				t.Errorf("IsTemporary(%v) = true", err)
			}
			if atts, sales := f.snapshot(); len(atts) != 1 || sales != 0 {
				t.Errorf("attempts %d sales %d, want 1 and 0", len(atts), sales)
			}
		})
	}
}

func TestRetried408And5xx(t *testing.T) {
	for _, code := range []int{408, 500, 502, 503, 504} {
		t.Run(fmt.Sprint(code), func(t *testing.T) {
			f := newFakePOS(t, status(code, "x"), status(code, "x"))
			c := newTestClient(t, f.srv.URL)
			if _, err := c.PostSales(t.Context(), sampleSale()); err != nil {
				t.Fatal(err)
			}
			if atts, sales := f.snapshot(); len(atts) != 3 || sales != 1 {
				t.Errorf("attempts %d sales %d, want 3 and 1", len(atts), sales)
			}
		})
	}
}

func TestRetriesExhausted(t *testing.T) {
	always := func(w http.ResponseWriter, r *http.Request, rec func() []byte) bool {
		return status(503, "not_ready")(w, r, rec)
	}
	f := newFakePOS(t, always, always, always, always)
	c := newTestClient(t, f.srv.URL, WithRetryMax(2))
	_, err := c.PostSales(t.Context(), sampleSale())
	var ae *APIError
	if !errors.As(err, &ae) || ae.Status != 503 || ae.Code != "not_ready" || !IsTemporary(err) {
		t.Fatalf("err = %v, want temporary APIError 503 not_ready", err)
	}
	if atts, _ := f.snapshot(); len(atts) != 3 {
		t.Errorf("attempts = %d, want 3 (1 + RetryMax 2)", len(atts))
	}
}

func TestNonJSONErrorBody(t *testing.T) {
	f := newFakePOS(t, func(w http.ResponseWriter, _ *http.Request, _ func() []byte) bool {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusBadGateway)
		io.WriteString(w, "<html>\n<body><h1>502 Bad Gateway</h1>\n  nginx</body></html>")
		return true
	})
	c := newTestClient(t, f.srv.URL, WithRetryMax(0))
	_, err := c.PostSales(t.Context(), sampleSale())
	var ae *APIError
	if !errors.As(err, &ae) {
		t.Fatalf("err = %v, want *APIError", err)
	}
	if ae.Status != 502 || ae.Code != "" || ae.Message != "Bad Gateway: <html> <body><h1>502 Bad Gateway</h1> nginx</body></html>" {
		t.Errorf("APIError = %+v", ae)
	}
	if got := err.Error(); got != "posclient: HTTP 502: Bad Gateway: <html> <body><h1>502 Bad Gateway</h1> nginx</body></html>" {
		t.Errorf("Error() = %q", got)
	}
}

func TestTransportErrorAfterRetries(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var keys []string
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			req, err := http.ReadRequest(bufio.NewReader(conn))
			if err == nil {
				mu.Lock()
				keys = append(keys, req.Header.Get("Idempotency-Key"))
				mu.Unlock()
			}
			conn.Close() // the answer is lost
		}
	}()
	t.Cleanup(func() { ln.Close() })

	c := newTestClient(t, "http://"+ln.Addr().String(), WithRetryMax(2))
	_, err = c.PostRefunds(t.Context(), RefundRequest{ScreeningID: "S1",
		Tickets: []RefundTicket{{ID: "T1", RefundedAt: soldAt}}, Reason: ReasonScreeningCancelled})
	var te *TransportError
	if !errors.As(err, &te) {
		t.Fatalf("err = %v (%T), want *TransportError", err, err)
	}
	if te.Attempts != 3 || te.Method != "POST" || te.Path != "/v1/refunds" || te.IdempotencyKey == "" || !IsTemporary(err) {
		t.Errorf("TransportError = %+v", te)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(keys) != 3 || keys[0] != te.IdempotencyKey || keys[1] != keys[0] || keys[2] != keys[0] {
		t.Errorf("keys received %q, want three times %q", keys, te.IdempotencyKey)
	}
}

func TestContextCancelledDuringBackoff(t *testing.T) {
	f := newFakePOS(t, status(503, "not_ready", "Retry-After", "30"))
	c := newTestClient(t, f.srv.URL)
	ctx, cancel := context.WithCancel(t.Context())
	time.AfterFunc(100*time.Millisecond, cancel)
	start := time.Now()
	_, err := c.PostSales(ctx, sampleSale())
	el := time.Since(start)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	var te *TransportError
	if !errors.As(err, &te) || te.Attempts != 1 || te.IdempotencyKey == "" {
		t.Errorf("err = %#v, want TransportError after 1 attempt with the key", err)
	}
	if el > 600*time.Millisecond {
		t.Errorf("returned %v after start, want promptly after the 100 ms cancel", el)
	}
	if atts, sales := f.snapshot(); len(atts) != 1 || sales != 0 {
		t.Errorf("attempts %d sales %d, want 1 and 0", len(atts), sales)
	}
}

func TestContextCancelledDuringRequest(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) })
	c := newTestClient(t, srv.URL)
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.PutScreening(ctx, "S1", Screening{HallID: "H1", FilmID: "F1", StartsAt: soldAt, Format: "2D", Language: "kk"})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want DeadlineExceeded", err)
	}
	if el := time.Since(start); el > 600*time.Millisecond {
		t.Errorf("returned after %v", el)
	}
}

func TestPutScreening(t *testing.T) {
	var got attempt
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		got = attempt{Method: r.Method, Path: r.URL.EscapedPath(), Key: r.Header.Get("Idempotency-Key"), Auth: r.Header.Get("Authorization"), Body: body}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, `{"entry":{"seq":7,"leaf_hash":"ab"},"screening":{"id":"S:1","version":1,"hall_id":"H1","film_id":"F1","starts_at":"2026-01-08T14:30:00.000000Z","ends_at":"2026-01-08T16:30:00.000000Z","box_office_day":"2026-01-08","format":"2D","language":"kk","seats":120}}`)
	}))
	t.Cleanup(srv.Close)
	c := newTestClient(t, srv.URL+"/") // trailing slash tolerated

	res, err := c.PutScreening(t.Context(), "S:1", Screening{HallID: "H1", FilmID: "F1", StartsAt: soldAt, Format: "2D", Language: "kk"})
	if err != nil {
		t.Fatal(err)
	}
	if got.Method != "PUT" || got.Path != "/v1/screenings/S:1" || got.Key != "" || got.Auth != "Bearer pos-secret" {
		t.Errorf("request %s %s key %q auth %q", got.Method, got.Path, got.Key, got.Auth)
	}
	if want := `{"hall_id":"H1","film_id":"F1","starts_at":"2026-01-08T19:30:00+05:00","format":"2D","language":"kk"}`; string(got.Body) != want {
		t.Errorf("body\n got %s\nwant %s", got.Body, want)
	}
	want := &ScreeningResult{Status: 201, Entry: Entry{Seq: 7, LeafHash: "ab"}, Screening: ScreeningView{
		ID: "S:1", Version: 1, HallID: "H1", FilmID: "F1",
		StartsAt: time.Date(2026, 1, 8, 14, 30, 0, 0, time.UTC), EndsAt: time.Date(2026, 1, 8, 16, 30, 0, 0, time.UTC),
		BoxOfficeDay: "2026-01-08", Format: "2D", Language: "kk", Seats: 120,
	}}
	if !reflect.DeepEqual(res, want) {
		t.Errorf("result\n got %+v\nwant %+v", res, want)
	}

	for _, id := range []string{"", "../sales", "a/b", "-x", strings.Repeat("x", 65)} {
		if _, err := c.PutScreening(t.Context(), id, Screening{StartsAt: soldAt}); !errors.Is(err, ErrInvalidRequest) {
			t.Errorf("id %q: err = %v, want ErrInvalidRequest", id, err)
		}
	}
	if _, err := c.PutScreening(t.Context(), "S2", Screening{HallID: "H1"}); !IsInvalid(err) {
		t.Errorf("zero starts_at: err = %v, want invalid", err)
	}
}

func TestPostRefundsBody(t *testing.T) {
	f := newFakePOS(t)
	c := newTestClient(t, f.srv.URL, WithIdempotencyKeys(func() string { return "k-1" }))
	_, err := c.PostRefunds(t.Context(), RefundRequest{ScreeningID: "S1", Reason: ReasonScreeningCancelled,
		Tickets: []RefundTicket{{ID: "T1", RefundedAt: time.Date(2026, 1, 8, 15, 0, 0, 0, time.UTC)}}})
	if err != nil {
		t.Fatal(err)
	}
	atts, _ := f.snapshot()
	if len(atts) != 1 || atts[0].Path != "/v1/refunds" || atts[0].Key != "k-1" {
		t.Fatalf("attempts %+v", atts)
	}
	if want := `{"screening_id":"S1","tickets":[{"id":"T1","refunded_at":"2026-01-08T15:00:00Z"}],"reason":"screening_cancelled"}`; string(atts[0].Body) != want {
		t.Errorf("body\n got %s\nwant %s", atts[0].Body, want)
	}
	if _, err := c.PostRefunds(t.Context(), RefundRequest{ScreeningID: "S1", Tickets: []RefundTicket{{ID: "T1"}}}); !errors.Is(err, ErrInvalidRequest) {
		t.Errorf("zero refunded_at: err = %v", err)
	}
}

func TestNew(t *testing.T) {
	for _, bad := range []string{"", "ftp://x", "localhost:8080", "http://", "http://x/?a=1"} {
		if _, err := New(bad, "k"); err == nil {
			t.Errorf("New(%q) succeeded", bad)
		}
	}
	if _, err := New("http://x", ""); err == nil {
		t.Error("New with empty key succeeded")
	}
	c, err := New("https://api.example.kz/ecinema/", "k")
	if err != nil || c.base != "https://api.example.kz/ecinema" {
		t.Errorf("base %q err %v", c.base, err)
	}
}

// Retries are logged with the attempt and the idempotency key; the API key
// never appears in the log.
func TestLoggingNeverShowsTheAPIKey(t *testing.T) {
	var buf syncBuffer
	f := newFakePOS(t, status(503, "not_ready"))
	c := newTestClient(t, f.srv.URL, WithLogger(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))),
		WithIdempotencyKeys(func() string { return "key-42" }))
	if _, err := c.PostSales(t.Context(), sampleSale()); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if strings.Contains(out, "pos-secret") {
		t.Errorf("log shows the API key:\n%s", out)
	}
	for _, want := range []string{"level=INFO msg=\"posclient: sending\" method=POST path=/v1/sales attempt=2 idempotency_key=key-42"} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestBadGeneratedKeyAndUndecodableSuccess(t *testing.T) {
	f := newFakePOS(t)
	c := newTestClient(t, f.srv.URL, WithIdempotencyKeys(func() string { return "has space" }))
	if _, err := c.PostSales(t.Context(), sampleSale()); !errors.Is(err, ErrInvalidRequest) {
		t.Errorf("generated key with a space: err = %v, want ErrInvalidRequest", err)
	}
	if atts, _ := f.snapshot(); len(atts) != 0 {
		t.Errorf("server received %d requests, want 0", len(atts))
	}

	portal := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, "<html>captive portal</html>")
	}))
	t.Cleanup(portal.Close)
	c = newTestClient(t, portal.URL, WithIdempotencyKeys(func() string { return "k-7" }))
	_, err := c.PostSales(t.Context(), sampleSale())
	if err == nil || !strings.Contains(err.Error(), `Idempotency-Key "k-7"`) || !strings.Contains(err.Error(), "decode 201 response") {
		t.Errorf("undecodable 201: err = %v", err)
	}
}
