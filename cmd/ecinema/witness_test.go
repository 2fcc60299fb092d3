package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestWitnessesEndToEnd (SPEC 12, issue 13): two `ecinema witness serve`
// processes (run through run, as the binary does) witness a log served by
// `ecinema serve` with ECINEMA_WITNESSES; the served checkpoint carries both
// cosignatures and `verify --witness A --witness B --quorum 2` passes. One
// witness is restarted from its state directory. Then a fork — a second
// database signed with the same key, as a restored copy continued
// differently would be — is refused by both witnesses: its checkpoint has
// no cosignature and verify --witness fails with exit 1.
func TestWitnessesEndToEnd(t *testing.T) {
	env := testEnv(t)
	env["ECINEMA_LOG_ORIGIN"] = "ecinema-test" // the key's name
	env["ECINEMA_CHECKPOINT_INTERVAL"] = "100ms"
	logV, _, err := runCmd(t, env, "logkey", "public", env["ECINEMA_LOG_KEY_FILE"])
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	type wit struct {
		env    map[string]string
		vkey   string
		cancel context.CancelFunc
		done   chan error
	}
	start := func(w *wit) {
		ctx, cancel := context.WithCancel(context.Background())
		w.cancel, w.done = cancel, make(chan error, 1)
		go func() {
			w.done <- run(ctx, []string{"witness", "serve"}, func(k string) string { return w.env[k] }, io.Discard, io.Discard)
		}()
		waitFor(t, func() bool {
			c, err := net.Dial("tcp", w.env["ECINEMA_WITNESS_ADDR"])
			if err == nil {
				c.Close()
			}
			return err == nil
		})
	}
	stop := func(w *wit) {
		w.cancel()
		if err := <-w.done; err != nil {
			t.Errorf("witness serve: %v", err)
		}
	}
	var wits []*wit
	var specs []string
	for _, name := range []string{"a", "b"} {
		keyFile := filepath.Join(dir, name+".key")
		vkey, _, err := runCmd(t, nil, "witness", "keygen", keyFile, "--name", "witness.test/"+name)
		if err != nil {
			t.Fatal(err)
		}
		w := &wit{vkey: strings.TrimSpace(vkey), env: map[string]string{
			"ECINEMA_WITNESS_ADDR": testAddr(t), "ECINEMA_WITNESS_KEY_FILE": keyFile,
			"ECINEMA_WITNESS_STATE": filepath.Join(dir, name+"-state"), "ECINEMA_WITNESS_LOGS": strings.TrimSpace(logV)}}
		start(w)
		t.Cleanup(func() { w.cancel() })
		wits = append(wits, w)
		specs = append(specs, "http://"+w.env["ECINEMA_WITNESS_ADDR"]+"|"+w.vkey)
	}
	env["ECINEMA_WITNESSES"] = strings.Join(specs, ",")
	verifyArgs := []string{"verify", "--allow-unsigned-tail", "--witness", wits[0].vkey, "--witness", wits[1].vkey}

	// The log.
	base, admin, stopLog := serveLog(t, env)
	putParty(t, base, admin, "p1")
	waitFor(t, func() bool { return strings.Count(getCheckpoint(t, base), "\n— ") == 3 })
	out, _, err := runCmd(t, env, append(verifyArgs, "--quorum", "2")...)
	if err != nil || !strings.Contains(out, "2 witness cosignatures") {
		t.Fatalf("verify --witness of the log: %q %v", out, err)
	}
	// A witness restarted from its state keeps following the log.
	stop(wits[0])
	start(wits[0])
	putParty(t, base, admin, "p2")
	putParty(t, base, admin, "p3")
	waitFor(t, func() bool {
		cp := getCheckpoint(t, base)
		return strings.Contains(cp, "\n3\n") && strings.Count(cp, "\n— ") == 3
	})
	stopLog()

	// The fork: the same key on another database.
	fork := testEnv(t)
	for _, k := range []string{"ECINEMA_LOG_ORIGIN", "ECINEMA_CHECKPOINT_INTERVAL", "ECINEMA_WITNESSES", "ECINEMA_LOG_KEY_FILE"} {
		fork[k] = env[k]
	}
	fbase, fadmin, stopFork := serveLog(t, fork)
	defer stopFork()
	for _, id := range []string{"f1", "f2", "f3", "f4", "f5"} {
		putParty(t, fbase, fadmin, id)
	}
	waitFor(t, func() bool { return strings.Contains(getCheckpoint(t, fbase), "\n5\n") })
	time.Sleep(500 * time.Millisecond) // a few publisher ticks asking the witnesses
	if cp := getCheckpoint(t, fbase); strings.Count(cp, "\n— ") != 1 {
		t.Fatalf("the fork's checkpoint was cosigned:\n%s", cp)
	}
	_, _, err = runCmd(t, fork, append(verifyArgs, "--quorum", "1")...)
	if exitCode(err) != 1 || !strings.Contains(err.Error(), "quorum") {
		t.Fatalf("verify --witness of the fork: exit %d, %v", exitCode(err), err)
	}
}

func testAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func waitFor(t *testing.T, ok func() bool) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); !ok(); {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached in 20 s")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// serveLog migrates env's database, makes an admin key and serves until the
// returned stop is called.
func serveLog(t *testing.T, env map[string]string) (base, admin string, stop func()) {
	t.Helper()
	if _, _, err := runCmd(t, env, "migrate"); err != nil {
		t.Fatal(err)
	}
	admin, _, err := runCmd(t, env, "apikey", "create", "--role", "admin", "--name", "witness test")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve"}, func(k string) string { return env[k] }, io.Discard, io.Discard)
	}()
	base = "http://" + env["ECINEMA_ADDR"]
	waitFor(t, func() bool { c, _ := get(t, base+"/readyz", ""); return c == 200 })
	var once bool
	return base, strings.TrimSpace(admin), func() {
		if !once {
			once = true
			cancel()
			<-done
		}
	}
}

func putParty(t *testing.T, base, admin, id string) {
	t.Helper()
	req, _ := http.NewRequest("PUT", base+"/v1/parties/"+id, strings.NewReader(`{"kind":"producer","name":"Witnessed `+id+`","bin":"100000000001"}`))
	req.Header.Set("Authorization", "Bearer "+admin)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("PUT party %s: %d", id, res.StatusCode)
	}
}

func getCheckpoint(t *testing.T, base string) string {
	_, body := get(t, base+"/v1/ledger/checkpoint", "")
	return body
}
