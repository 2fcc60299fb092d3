package main

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"ecinema/internal/pgtest"
	"ecinema/ledger"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// testEnv is an environment for run: a fresh database, a signer key file
// and a free address.
func testEnv(t *testing.T) map[string]string {
	t.Helper()
	skey, _, err := ledger.GenerateKey("ecinema-test")
	if err != nil {
		t.Fatal(err)
	}
	keyFile := filepath.Join(t.TempDir(), "log.key")
	if err := os.WriteFile(keyFile, []byte(skey), 0o600); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return map[string]string{
		"ECINEMA_DATABASE_URL": pgtest.NewDatabase(t),
		"ECINEMA_LOG_KEY_FILE": keyFile,
		"ECINEMA_ADDR":         addr,
		"ECINEMA_BLOB_DIR":     filepath.Join(t.TempDir(), "blobs"),
	}
}

func runCmd(t *testing.T, env map[string]string, args ...string) (string, string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	err := run(t.Context(), args, func(k string) string { return env[k] }, &out, &errb)
	return out.String(), errb.String(), err
}

func get(t *testing.T, url, key string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

func TestServeEndToEnd(t *testing.T) {
	env := testEnv(t)
	if _, _, err := runCmd(t, env, "migrate"); err != nil {
		t.Fatal(err)
	}
	secret, info, err := runCmd(t, env, "apikey", "create", "--role", "admin", "--name", "ops team")
	if err != nil {
		t.Fatal(err)
	}
	secret = strings.TrimSuffix(secret, "\n")
	if !strings.HasPrefix(secret, "eck_") || strings.Contains(secret, "\n") || strings.Contains(secret, " ") {
		t.Fatalf("apikey create printed %q on stdout; want the secret alone", secret)
	}
	if !strings.Contains(info, "key_") {
		t.Fatalf("stderr = %q, want the key id", info)
	}

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve"}, func(k string) string { return env[k] }, io.Discard, io.Discard)
	}()
	base := "http://" + env["ECINEMA_ADDR"]
	deadline := time.Now().Add(20 * time.Second)
	for {
		if code, _ := get(t, base+"/readyz", ""); code == 200 {
			break
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("/readyz never answered 200: %v", <-done)
		}
		time.Sleep(50 * time.Millisecond)
	}
	req, _ := http.NewRequest("PUT", base+"/v1/parties/kazakhfilm", strings.NewReader(`{"kind":"producer","name":"Қазақфильм","bin":"100000000001"}`))
	req.Header.Set("Authorization", "Bearer "+secret)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("PUT party: %d", res.StatusCode)
	}
	if code, body := get(t, base+"/v1/parties/kazakhfilm", secret); code != 200 || !strings.Contains(body, "Қазақфильм") {
		t.Fatalf("GET party: %d %s", code, body)
	}
	code, metrics := get(t, base+"/metrics", "")
	for _, want := range []string{
		`ecinema_http_requests_total{method="PUT",route="/v1/parties/:id",status="200"} 1`,
		`ecinema_http_request_duration_seconds_bucket{method="GET",route="/v1/parties/:id",status="200"`,
		"ecinema_db_pool_total_connections",
	} {
		if code != 200 || !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}

	list, _, err := runCmd(t, env, "apikey", "list")
	if err != nil || !strings.Contains(list, "ops team") || !strings.Contains(list, "admin") {
		t.Fatalf("apikey list = %q, %v", list, err)
	}
	id := strings.Fields(strings.Split(list, "\n")[1])[0]
	if _, _, err := runCmd(t, env, "apikey", "revoke", id); err != nil {
		t.Fatal(err)
	}
	if code, body := get(t, base+"/v1/parties/kazakhfilm", secret); code != 401 {
		t.Fatalf("revoked key: %d %s", code, body)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve returned %v after shutdown", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop")
	}
	if code, _ := get(t, base+"/livez", ""); code != 0 {
		t.Fatalf("server still answering after shutdown: %d", code)
	}
}

func TestConfigErrors(t *testing.T) {
	_, err := loadConfig(func(string) string { return "" })
	if err == nil || !strings.Contains(err.Error(), "ECINEMA_DATABASE_URL is not set: run 'make run' for a local database, or set it") {
		t.Fatalf("err = %v", err)
	}
	env := map[string]string{"ECINEMA_DATABASE_URL": "postgres://x", "ECINEMA_LOG_KEY_FILE": "/nonexistent/key",
		"ECINEMA_RATE_LIMIT": "fast", "ECINEMA_CHECKPOINT_INTERVAL": "-1s", "ECINEMA_LOG_LEVEL": "loud"}
	_, err = loadConfig(func(k string) string { return env[k] })
	for _, want := range []string{"ECINEMA_LOG_KEY_FILE", "ECINEMA_RATE_LIMIT", "ECINEMA_CHECKPOINT_INTERVAL", "ECINEMA_LOG_LEVEL"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("config error %v does not name %s", err, want)
		}
	}
}

func TestUsage(t *testing.T) {
	if _, _, err := runCmd(t, nil, "frobnicate"); exitCode(err) != 2 {
		t.Fatalf("unknown subcommand: %v (exit %d), want exit 2", err, exitCode(err))
	}
	if _, _, err := runCmd(t, map[string]string{"ECINEMA_DATABASE_URL": "postgres://x"}, "apikey", "create", "--role", "pos", "--name", "x"); err == nil || !strings.Contains(err.Error(), "--cinema") {
		t.Fatalf("pos key without cinema: %v", err)
	}
}
