package main

import (
	"bytes"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCheckoutEnv: run from a checkout where make run keeps its cluster,
// verify and apikey find the database and the log key without variables.
func TestCheckoutEnv(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	none := func(string) string { return "" }
	var stderr bytes.Buffer
	env := &cmdEnv{getenv: none, stderr: &stderr}
	if got := checkoutEnv(env); got != env {
		t.Fatal("no .data: the environment must stay as it is")
	}
	os.MkdirAll(filepath.Join(dir, ".data", "pg"), 0o755)
	os.WriteFile(filepath.Join(dir, ".data", "pg", "PG_VERSION"), []byte("16\n"), 0o644)
	os.WriteFile(filepath.Join(dir, ".data", "log.key"), []byte("k\n"), 0o600)
	got := checkoutEnv(env)
	abs, _ := filepath.Abs(".data")
	url := got.getenv("ECINEMA_DATABASE_URL")
	if !strings.Contains(url, "host="+devSocketDir(abs)) || !strings.HasPrefix(url, "postgres://postgres@/ecinema?") {
		t.Errorf("url %q", url)
	}
	if kf := got.getenv("ECINEMA_LOG_KEY_FILE"); kf != filepath.Join(abs, "log.key") {
		t.Errorf("key file %q", kf)
	}
	if !strings.Contains(stderr.String(), "make run's database") {
		t.Errorf("stderr %q", stderr.String())
	}
	set := &cmdEnv{getenv: func(k string) string {
		if k == "ECINEMA_DATABASE_URL" {
			return "postgres://elsewhere/db"
		}
		return ""
	}, stderr: &stderr}
	if checkoutEnv(set) != set {
		t.Error("a set ECINEMA_DATABASE_URL must win")
	}
}

// TestAddressInUse: make run and serve whose address is taken say so at
// once, naming the variable and what to do, before a cluster starts or a
// demo loads (make run used to load the whole demo first).
func TestAddressInUse(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	addr := taken.Addr().String()
	t.Chdir(t.TempDir())
	for _, cmd := range []string{"dev", "serve"} {
		env := map[string]string{"ECINEMA_ADDR": addr}
		if cmd == "serve" {
			env = testEnv(t)
			env["ECINEMA_ADDR"] = addr
		}
		_, _, err := runCmd(t, env, cmd)
		want := "listen on ECINEMA_ADDR " + addr + ": "
		if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "another server (another make run?) is using it; stop it, or choose another address, e.g. ECINEMA_ADDR=127.0.0.1:8081 make run") {
			t.Errorf("%s: err = %v", cmd, err)
		}
		if exitCode(err) != 1 {
			t.Errorf("%s: exit %d, want 1", cmd, exitCode(err))
		}
	}
	if _, err := os.Stat(".data"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("dev made .data before binding its address: %v", err)
	}
}
