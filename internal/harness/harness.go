// Package harness drives a built ecinema binary from outside, as an
// operator would: its subcommands, and its server started, killed and
// restarted. The crash and fault tests (scripts/crashtest,
// scripts/faulttest) are written on it.
//
// Invariants: a server is ready only when /readyz answers 200; every
// server it starts listens on 127.0.0.1; the environment of each run is
// the caller's plus the harness's settings, the later of two values of a
// key winning (os/exec keeps the last).
package harness

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"ecinema/validate"
)

// Binary is an ecinema binary set up on one database: its address, log
// key and first admin key.
type Binary struct {
	Path  string   // absolute path of the binary
	Env   []string // the environment of every run
	Base  string   // http://127.0.0.1:port of its server
	Admin string   // the secret of an admin API key
}

// Setup readies the binary at path on the database dbURL: a free address,
// a log key in dir, the migrations, an admin key named name. env adds to
// (or overrides) the defaults: no rate limit, a checkpoint every 500 ms,
// warnings only in the log.
func Setup(path, dbURL, dir, name string, env ...string) (*Binary, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	keyFile := filepath.Join(dir, "log.key")
	b := &Binary{Path: abs, Base: "http://" + addr}
	b.Env = append(os.Environ(),
		"ECINEMA_DATABASE_URL="+dbURL, "ECINEMA_ADDR="+addr, "ECINEMA_LOG_KEY_FILE="+keyFile,
		"ECINEMA_RATE_LIMIT=0", "ECINEMA_CHECKPOINT_INTERVAL=500ms", "ECINEMA_LOG_LEVEL=warn")
	b.Env = append(b.Env, env...)
	if _, err := b.Run("logkey", "generate", keyFile); err != nil {
		return nil, err
	}
	if _, err := b.Run("migrate"); err != nil {
		return nil, err
	}
	if b.Admin, err = b.Key("--role", "admin", "--name", name); err != nil {
		return nil, err
	}
	return b, nil
}

// Run runs a subcommand to its end and returns its standard output; its
// error carries both outputs.
func (b *Binary) Run(args ...string) (string, error) {
	cmd := exec.Command(b.Path, args...)
	cmd.Env = b.Env
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return out.String(), fmt.Errorf("%s %s: %v\n%s%s", filepath.Base(b.Path), strings.Join(args, " "), err, out.String(), errb.String())
	}
	return out.String(), nil
}

// Key creates an API key (`apikey create` with args) and returns its secret.
func (b *Binary) Key(args ...string) (string, error) {
	out, err := b.Run(append([]string{"apikey", "create"}, args...)...)
	return strings.TrimSpace(out), err
}

// Serve starts `ecinema serve` with its output in logFile and returns
// once /readyz answers 200, or fails (the server killed, its log in the
// error) after a minute.
func (b *Binary) Serve(logFile string) (*exec.Cmd, error) {
	lf, err := os.Create(logFile)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(b.Path, "serve")
	cmd.Env = b.Env
	cmd.Stdout, cmd.Stderr = lf, lf
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		res, err := http.Get(b.Base + "/readyz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return cmd, nil
			}
		}
	}
	cmd.Process.Kill()
	cmd.Wait()
	log, _ := os.ReadFile(logFile)
	return nil, fmt.Errorf("server not ready after a minute:\n%s", log)
}

// CreateDatabase creates database name through the maintenance database
// at url.
func CreateDatabase(ctx context.Context, url, name string) error {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize())
	return err
}

// freeAddr is a 127.0.0.1 address with a port free a moment ago.
func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// BIN is a valid BIN (validate.BIN) derived from n, for test parties
// (the registry does not ask a BIN to be unique).
func BIN(n int) string {
	for p := 30000000000 + n*7907; ; p++ {
		if b, ok := validate.CompleteBIN(fmt.Sprintf("%011d", p%100000000000)); ok {
			return b
		}
	}
}
