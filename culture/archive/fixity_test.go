package archive_test

import (
	"bytes"
	"context"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"ecinema/culture/archive"
	"ecinema/culture/archive/archivetest"
	"ecinema/culture/archive/bagit"
	"ecinema/culture/blobstore"
	"ecinema/culture/idempotency"
	"ecinema/internal/app"
	"ecinema/internal/apptest"
)

func deposit(t *testing.T, env *apptest.Env, unit, ext string, files map[string][]byte) archive.DepositResult {
	t.Helper()
	expectUnit(t, env, unit)
	res, err := env.App.Archive.Deposit(context.Background(), "test", unit, bagit.Tar, bytes.NewReader(archivetest.Bag(bagit.Tar, "", ext, files)), idempotency.Pending{})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func payloadHash(res archive.DepositResult, path string) string {
	for _, f := range res.Files {
		if f.Path == path {
			return f.SHA256
		}
	}
	panic(path)
}

// TestFixity: a flipped byte and a deleted blob are each found, with a
// failure event on their AIP; the untouched AIP gets a success event.
func TestFixity(t *testing.T) {
	env := apptest.New(t)
	svc := env.App.Archive
	store := env.App.Blobs.(*blobstore.FS)
	a := deposit(t, env, "u-flip", "flip", map[string][]byte{"scan-1.tif": bytes.Repeat([]byte("A"), 4096), "scan-2.tif": []byte("two")})
	b := deposit(t, env, "u-gone", "gone", map[string][]byte{"letter.txt": []byte("Хат, 1944")})
	deposit(t, env, "u-ok", "ok", map[string][]byte{"list.txt": []byte("Призывной список")})

	// A clean run first: every AIP succeeds.
	rep, err := svc.Fixity(context.Background(), "test", "", 0)
	if err != nil || rep.AIPs != 3 || len(rep.Failures) != 0 {
		t.Fatalf("clean run %+v, %v", rep, err)
	}
	// Damage: one flipped byte, one deleted blob.
	p := store.Path(payloadHash(a, "data/scan-1.tif"))
	os.Chmod(p, 0o644)
	data, _ := os.ReadFile(p)
	data[100] ^= 0x20
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(store.Path(payloadHash(b, "data/letter.txt"))); err != nil {
		t.Fatal(err)
	}
	rep, err = svc.Fixity(context.Background(), "test", "", 0)
	if err != nil || rep.AIPs != 3 || len(rep.Failures) != 2 {
		t.Fatalf("damaged run %+v, %v", rep, err)
	}
	got := map[string]string{}
	for _, f := range rep.Failures {
		got[f.UnitID+" "+f.Path] = f.Problem
	}
	if !strings.Contains(got["u-flip data/scan-1.tif"], "SHA-256 differs") || !strings.Contains(got["u-gone data/letter.txt"], "missing") {
		t.Fatalf("failures %v", got)
	}
	for unit, want := range map[string][]string{"u-flip": {"success", "failure"}, "u-gone": {"success", "failure"}, "u-ok": {"success", "success"}} {
		evs, err := svc.Events(context.Background(), unit, true)
		if err != nil {
			t.Fatal(err)
		}
		var outcomes []string
		for _, e := range evs {
			if e.Type == archive.EventFixity {
				outcomes = append(outcomes, e.Outcome)
				if e.Outcome == "failure" && !strings.Contains(e.Detail, "data/") {
					t.Errorf("failure event without the file: %+v", e)
				}
			}
		}
		if strings.Join(outcomes, ",") != strings.Join(want, ",") {
			t.Errorf("%s fixity outcomes %v, want %v", unit, outcomes, want)
		}
	}
	// The DIP of a damaged unit is refused mid-stream rather than served wrong.
	_, write, err := svc.DIP(context.Background(), "u-flip", true)
	if err != nil {
		t.Fatal(err)
	}
	var sink bytes.Buffer
	if err := write(&sink); err == nil {
		t.Fatal("a damaged DIP was written whole")
	}
	// A slice: only the AIPs checked longest ago.
	rep, err = svc.Fixity(context.Background(), "test", "", 1)
	if err != nil || rep.AIPs != 1 {
		t.Fatalf("slice %+v, %v", rep, err)
	}
}

// TestScheduledFixityMetric: the server's rolling fixity (an interval of
// 240 ms, so a slice every 10 ms) finds a flipped byte on its own and
// counts it in ecinema_archive_fixity_failures_total.
func TestScheduledFixityMetric(t *testing.T) {
	env := apptest.New(t, func(c *app.Config) { c.FixityInterval = 240 * time.Millisecond })
	store := env.App.Blobs.(*blobstore.FS)
	res := deposit(t, env, "u1", "e1", map[string][]byte{"scan.tif": bytes.Repeat([]byte("Z"), 2048)})
	p := store.Path(payloadHash(res, "data/scan.tif"))
	data, _ := os.ReadFile(p)
	data[7] ^= 1
	os.WriteFile(p, data, 0o600)
	deadline := time.Now().Add(20 * time.Second)
	for {
		r := env.Do("GET", "/metrics", "", nil)
		if m := regexp.MustCompile(`(?m)^ecinema_archive_fixity_failures_total (\d+)`).FindSubmatch(r.Body); m != nil && string(m[1]) != "0" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no scheduled fixity failure counted:\n%s", grepMetrics(r.Body))
		}
		time.Sleep(20 * time.Millisecond)
	}
	evs, err := env.App.Archive.Events(context.Background(), "u1", true)
	if err != nil {
		t.Fatal(err)
	}
	last := evs[len(evs)-1]
	if last.Type != archive.EventFixity || last.Outcome != "failure" {
		t.Fatalf("last event %+v", last)
	}
}

func grepMetrics(b []byte) string {
	var out []string
	for _, l := range strings.Split(string(b), "\n") {
		if strings.Contains(l, "archive") {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
