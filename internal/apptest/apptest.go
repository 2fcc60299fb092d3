// Package apptest runs the whole wired service (internal/app) on a fresh
// PostgreSQL database behind an httptest server, for API tests that go
// through HTTP exactly as clients do.
package apptest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"ecinema/apikey"
	"ecinema/culture/blobstore"
	"ecinema/culture/ticketing"
	"ecinema/internal/app"
	"ecinema/internal/pgtest"
	"ecinema/ledger"
)

// Env is a running service for one test.
type Env struct {
	T        testing.TB
	URL      string // base URL of the HTTP server
	DBURL    string // owner (superuser) URL of the test database
	App      *app.App
	AdminKey string // secret of an admin key
	Verifier string // checkpoint verifier key
	// OnResponse, when set, sees every request Do sends with its answer
	// (an OpenAPI response validator, for one).
	OnResponse func(req *http.Request, reqBody []byte, res *http.Response, body []byte)
}

// New starts the service on a fresh database; everything stops when the
// test ends. Pass options to adjust the configuration.
func New(t testing.TB, opts ...func(*app.Config)) *Env {
	t.Helper()
	dbURL := pgtest.NewDatabase(t)
	pool := pgtest.Pool(t, dbURL)
	signer, verifier, err := ledger.GenerateKey("ecinema-test")
	if err != nil {
		t.Fatal(err)
	}
	s, err := ledger.NewSigner(signer)
	if err != nil {
		t.Fatal(err)
	}
	blobs, err := blobstore.NewFS(t.TempDir(), 0)
	if err != nil {
		t.Fatal(err)
	}
	tk, err := ticketing.GenerateMasterKey()
	if err != nil {
		t.Fatal(err)
	}
	sealer, err := ticketing.NewSealer(tk)
	if err != nil {
		t.Fatal(err)
	}
	cfg := app.Config{TicketSealer: sealer, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Signer: s, Verifier: verifier, LogOrigin: "ecinema.test/ledger",
		Blobs: blobs}
	for _, o := range opts {
		o(&cfg)
	}
	a, err := app.New(pool, cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); a.Run(ctx) }()
	srv := httptest.NewServer(a.API)
	t.Cleanup(func() { srv.Close(); cancel(); <-done })
	_, admin, err := a.Keys.Create(context.Background(), apikey.Spec{Name: "test admin", Role: apikey.RoleAdmin})
	if err != nil {
		t.Fatal(err)
	}
	return &Env{T: t, URL: srv.URL, DBURL: dbURL, App: a, AdminKey: admin, Verifier: verifier}
}

// Key creates an API key and returns its secret.
func (e *Env) Key(role apikey.Role, cinemaID, partyID string) string {
	e.T.Helper()
	_, secret, err := e.App.Keys.Create(context.Background(), apikey.Spec{Name: "test " + string(role), Role: role, CinemaID: cinemaID, PartyID: partyID})
	if err != nil {
		e.T.Fatal(err)
	}
	return secret
}

// Response is an HTTP answer with its body read.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body into v, failing the test on error.
func (r Response) JSON(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode %s: %v", r.Body, err)
	}
}

// ErrorCode returns the error code of an error answer ("" when none).
func (r Response) ErrorCode() string {
	var b struct {
		Error struct {
			Code string `json:"code"`
		} `json:"error"`
	}
	json.Unmarshal(r.Body, &b)
	return b.Error.Code
}

// Do sends a request with key as bearer token ("" for none). A body that is
// not []byte, string or nil is marshalled as JSON.
func (e *Env) Do(method, path, key string, body any, headers ...string) Response {
	e.T.Helper()
	var rd io.Reader
	var raw []byte
	switch b := body.(type) {
	case nil:
	case []byte:
		raw = b
	case string:
		raw = []byte(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			e.T.Fatal(err)
		}
		raw = j
	}
	if body != nil {
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, e.URL+path, rd)
	if err != nil {
		e.T.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.T.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		e.T.Fatal(err)
	}
	if e.OnResponse != nil {
		e.OnResponse(req, raw, res, b)
	}
	return Response{Status: res.StatusCode, Header: res.Header, Body: b}
}

// VerifyDeep publishes a checkpoint and verifies the whole ledger against
// it with the given projection checks, as the owner role, as ecinema
// verify --deep does; it returns the verification's error (a
// *ledger.VerifyError for a mismatch).
func (e *Env) VerifyDeep(t testing.TB, checks ...ledger.DeepCheck) error {
	t.Helper()
	ctx := context.Background()
	if _, err := e.App.Publisher.Publish(ctx); err != nil {
		t.Fatal(err)
	}
	verifier, err := ledger.NewVerifier(e.Verifier)
	if err != nil {
		t.Fatal(err)
	}
	_, err = ledger.VerifyDB(ctx, pgtest.OwnerPool(t, e.DBURL), ledger.VerifyOptions{Verifier: verifier,
		Origin: "ecinema.test/ledger", Deep: checks})
	return err
}
