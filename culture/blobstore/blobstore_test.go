package blobstore_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"ecinema/culture/blobstore"
)

func sum(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }

func TestPutOpenStat(t *testing.T) {
	dir := t.TempDir()
	s, err := blobstore.NewFS(dir, 1024)
	if err != nil {
		t.Fatal(err)
	}
	body := []byte("Наградной лист, 1943")
	info, err := s.Put(t.Context(), bytes.NewReader(body), 0)
	if err != nil {
		t.Fatal(err)
	}
	if info.Hash != sum(body) || info.Size != int64(len(body)) {
		t.Fatalf("info = %+v, want %s %d", info, sum(body), len(body))
	}
	if _, err := os.Stat(filepath.Join(dir, info.Hash[:2], info.Hash)); err != nil {
		t.Fatalf("blob not named by its hash: %v", err)
	}
	rc, err := s.Open(t.Context(), info.Hash)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(rc)
	rc.Close()
	if !bytes.Equal(got, body) {
		t.Fatalf("read %q", got)
	}
	st, err := s.Stat(t.Context(), info.Hash)
	if err != nil || st != info {
		t.Fatalf("stat = %+v, %v", st, err)
	}
	tmp, _ := os.ReadDir(filepath.Join(dir, "tmp"))
	if len(tmp) != 0 {
		t.Fatalf("temporary files left: %d", len(tmp))
	}
}

func TestPutNeverOverwrites(t *testing.T) {
	s, _ := blobstore.NewFS(t.TempDir(), 0)
	body := []byte("same bytes")
	info, err := s.Put(t.Context(), bytes.NewReader(body), 0)
	if err != nil {
		t.Fatal(err)
	}
	p := s.Path(info.Hash)
	before, _ := os.Stat(p)
	// Damage the stored copy: a second Put of the same content must not
	// silently "repair" (overwrite) it, or fixity could never see damage.
	os.WriteFile(p, []byte("damaged!!!"), 0o640)
	if _, err := s.Put(t.Context(), bytes.NewReader(body), 0); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(p)
	if string(got) != "damaged!!!" {
		t.Fatalf("existing blob overwritten: %q", got)
	}
	after, _ := os.Stat(p)
	if !os.SameFile(before, after) {
		t.Fatal("blob file replaced")
	}
}

func TestPutLimit(t *testing.T) {
	dir := t.TempDir()
	s, _ := blobstore.NewFS(dir, 10)
	if _, err := s.Put(t.Context(), strings.NewReader("0123456789"), 0); err != nil {
		t.Fatalf("exactly the limit: %v", err)
	}
	if _, err := s.Put(t.Context(), strings.NewReader("0123456789A"), 0); !errors.Is(err, blobstore.ErrTooLarge) {
		t.Fatalf("over the store limit: %v", err)
	}
	if _, err := s.Put(t.Context(), strings.NewReader("01234"), 4); !errors.Is(err, blobstore.ErrTooLarge) {
		t.Fatalf("over the call's limit: %v", err)
	}
	tmp, _ := os.ReadDir(filepath.Join(dir, "tmp"))
	if len(tmp) != 0 {
		t.Fatalf("temporary files left after rejected puts: %d", len(tmp))
	}
	if _, err := s.Stat(t.Context(), sum([]byte("0123456789A"))); !errors.Is(err, blobstore.ErrNotFound) {
		t.Fatalf("rejected body stored: %v", err)
	}
}

func TestPutCancelled(t *testing.T) {
	dir := t.TempDir()
	s, _ := blobstore.NewFS(dir, 0)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := s.Put(ctx, strings.NewReader("x"), 0); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
	tmp, _ := os.ReadDir(filepath.Join(dir, "tmp"))
	if len(tmp) != 0 {
		t.Fatal("temporary file left")
	}
}

func TestOpenMissingAndBadHash(t *testing.T) {
	s, _ := blobstore.NewFS(t.TempDir(), 0)
	if _, err := s.Open(t.Context(), sum([]byte("nothing"))); !errors.Is(err, blobstore.ErrNotFound) {
		t.Fatalf("missing: %v", err)
	}
	for _, h := range []string{"", "../../etc/passwd", strings.Repeat("A", 64), strings.Repeat("a", 63)} {
		if _, err := s.Open(t.Context(), h); !errors.Is(err, blobstore.ErrBadHash) {
			t.Fatalf("Open(%q) = %v", h, err)
		}
		if _, err := s.Stat(t.Context(), h); !errors.Is(err, blobstore.ErrBadHash) {
			t.Fatalf("Stat(%q) = %v", h, err)
		}
	}
}

// TestPutStreams checks a body larger than any buffer goes through without
// being held whole: 8 MiB from a generator reader.
func TestPutStreams(t *testing.T) {
	s, _ := blobstore.NewFS(t.TempDir(), 0)
	const n = 8 << 20
	h := sha256.New()
	r := io.TeeReader(io.LimitReader(zeroes{}, n), h)
	info, err := s.Put(t.Context(), r, 0)
	if err != nil {
		t.Fatal(err)
	}
	if info.Size != n || info.Hash != hex.EncodeToString(h.Sum(nil)) {
		t.Fatalf("info = %+v", info)
	}
}

type zeroes struct{}

func (zeroes) Read(p []byte) (int, error) { clear(p); return len(p), nil }
