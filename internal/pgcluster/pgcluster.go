// Package pgcluster starts and stops a private PostgreSQL cluster with the
// server binaries installed on the machine (initdb, pg_ctl). It serves both
// `make run` (a cluster under ./.data that survives restarts) and the test
// harness (a throwaway cluster with fast, unsafe settings).
//
// PostgreSQL refuses to run as root, so when the caller is root the binaries
// run as the `postgres` user and the data directory is owned by it. The
// server listens only on a Unix socket whose directory path is kept short
// (sockets are limited to about 100 bytes).
package pgcluster

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"syscall"
	"time"
)

// Options describe a cluster.
type Options struct {
	DataDir   string // the cluster's data directory; created by initdb when missing
	SocketDir string // directory of the Unix socket; keep it short, e.g. /tmp/ecinema-pg-XXXX
	Port      int    // the port number in the socket's name; 5432 when zero
	Fast      bool   // no fsync, no synchronous commit: for throwaway test clusters only
	LogFile   string // server log; DataDir/../postgres.log when empty
	// Settings are extra server settings, "name=value" each (for example
	// shared_preload_libraries=pg_stat_statements for a benchmark).
	Settings []string
}

// Cluster is a running PostgreSQL server.
type Cluster struct {
	opts   Options
	bindir string
	asUser *user.User // nil when the binaries run as the current user
}

// binDir finds the directory of initdb and pg_ctl: PATH first, then the
// Debian layout /usr/lib/postgresql/<version>/bin, newest version first.
func binDir() (string, error) {
	if p, err := exec.LookPath("initdb"); err == nil {
		if real, err := filepath.EvalSymlinks(p); err == nil {
			return filepath.Dir(real), nil
		}
		return filepath.Dir(p), nil
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return version(dirs[i]) > version(dirs[j]) })
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			return d, nil
		}
	}
	return "", errors.New("pgcluster: initdb not found: install PostgreSQL (apt-get install postgresql)")
}

func version(bindir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(bindir)))
	return n
}

// Start initialises the cluster when its data directory is empty and starts
// the server, waiting until it accepts connections.
func Start(ctx context.Context, opts Options) (*Cluster, error) {
	if opts.Port == 0 {
		opts.Port = 5432
	}
	if opts.LogFile == "" {
		opts.LogFile = filepath.Join(filepath.Dir(opts.DataDir), "postgres.log")
	}
	bindir, err := binDir()
	if err != nil {
		return nil, err
	}
	c := &Cluster{opts: opts, bindir: bindir}
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			return nil, fmt.Errorf("pgcluster: running as root needs the postgres user: %w", err)
		}
		c.asUser = u
	}
	for _, dir := range []string{opts.DataDir, opts.SocketDir, filepath.Dir(opts.LogFile)} {
		if err := c.mkdirOwned(dir); err != nil {
			return nil, err
		}
	}
	if _, err := os.Stat(filepath.Join(opts.DataDir, "PG_VERSION")); errors.Is(err, os.ErrNotExist) {
		// Text compares by bytes (LC_COLLATE C): for UTF-8 the same order as
		// C.UTF-8's code points, without strcoll in every index comparison
		// (a tenth of the tickets insert's time on the ledger writer).
		// Character classes stay C.UTF-8's.
		args := []string{"-D", opts.DataDir, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C.UTF-8", "--lc-collate=C"}
		if opts.Fast {
			args = append(args, "--no-sync")
		}
		if out, err := c.run(ctx, "initdb", args...); err != nil {
			return nil, fmt.Errorf("pgcluster: initdb: %w\n%s", err, out)
		}
	}
	serverOpts := fmt.Sprintf("-c listen_addresses='' -c unix_socket_directories=%s -c port=%d -c max_connections=200",
		opts.SocketDir, opts.Port)
	if opts.Fast {
		serverOpts += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
	}
	for _, kv := range opts.Settings {
		serverOpts += " -c " + kv
	}
	if out, err := c.run(ctx, "pg_ctl", "-D", opts.DataDir, "-l", opts.LogFile, "-o", serverOpts, "-w", "-t", "60", "start"); err != nil {
		log, _ := os.ReadFile(opts.LogFile)
		return nil, fmt.Errorf("pgcluster: pg_ctl start: %w\n%s\n%s", err, out, tail(log, 2000))
	}
	return c, nil
}

// URL returns a connection string for database db as the superuser postgres.
func (c *Cluster) URL(db string) string {
	q := url.Values{"host": {c.opts.SocketDir}, "port": {strconv.Itoa(c.opts.Port)}, "sslmode": {"disable"}}
	return "postgres://postgres@/" + db + "?" + q.Encode()
}

// Stop shuts the server down with the fast mode: open transactions roll
// back, committed work stays.
func (c *Cluster) Stop() error {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if out, err := c.run(ctx, "pg_ctl", "-D", c.opts.DataDir, "-m", "fast", "-w", "stop"); err != nil {
		return fmt.Errorf("pgcluster: pg_ctl stop: %w\n%s", err, out)
	}
	return nil
}

// StopImmediate stops the server the way a crash would (pg_ctl -m
// immediate: no checkpoint, every backend killed; the next start runs
// crash recovery from the WAL). For fault tests.
func (c *Cluster) StopImmediate() error {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if out, err := c.run(ctx, "pg_ctl", "-D", c.opts.DataDir, "-m", "immediate", "-w", "stop"); err != nil {
		return fmt.Errorf("pgcluster: pg_ctl stop -m immediate: %w\n%s", err, out)
	}
	return nil
}

func (c *Cluster) run(ctx context.Context, name string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, filepath.Join(c.bindir, name), args...)
	cmd.Dir = "/"
	cmd.Env = append(os.Environ(), "LC_ALL=C.UTF-8")
	if c.asUser != nil {
		uid, _ := strconv.Atoi(c.asUser.Uid)
		gid, _ := strconv.Atoi(c.asUser.Gid)
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}}
		cmd.Env = append(cmd.Env, "HOME="+c.asUser.HomeDir, "USER=postgres")
	}
	// pg_ctl start leaves the server running with our stdout; use a buffer
	// only for its own messages and do not wait on the server's pipes.
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	cmd.WaitDelay = 5 * time.Second
	err := cmd.Run()
	return out.Bytes(), err
}

func (c *Cluster) mkdirOwned(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("pgcluster: %w", err)
	}
	if c.asUser == nil {
		return nil
	}
	uid, _ := strconv.Atoi(c.asUser.Uid)
	gid, _ := strconv.Atoi(c.asUser.Gid)
	if err := os.Chown(dir, uid, gid); err != nil {
		return fmt.Errorf("pgcluster: chown %s: %w", dir, err)
	}
	// The postgres user must be able to reach the directory through its parents.
	for p := filepath.Dir(dir); p != "/" && p != "."; p = filepath.Dir(p) {
		st, err := os.Stat(p)
		if err != nil {
			break
		}
		if st.Mode().Perm()&0o001 == 0 {
			_ = os.Chmod(p, st.Mode().Perm()|0o001)
		}
	}
	return nil
}

func tail(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}
