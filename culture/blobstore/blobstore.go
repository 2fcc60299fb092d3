package blobstore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// DefaultDir is the store directory when ECINEMA_BLOB_DIR is unset.
const DefaultDir = "./.data/blobs"

// DefaultMaxUpload is the size limit when ECINEMA_MAX_UPLOAD is unset (2 GiB).
const DefaultMaxUpload int64 = 2 << 30

var (
	// ErrNotFound is returned for a hash the store does not hold.
	ErrNotFound = errors.New("blobstore: blob not found")
	// ErrTooLarge is returned by Put when the body exceeds the limit.
	ErrTooLarge = errors.New("blobstore: body exceeds the upload limit")
	// ErrBadHash is returned for a name that is not 64 lowercase hex digits.
	ErrBadHash = errors.New("blobstore: not a SHA-256 hex digest")
)

// Info describes a stored blob.
type Info struct {
	Hash string // SHA-256 of the bytes, 64 lowercase hex digits
	Size int64  // bytes
}

// Store is the blob store as the culture modules see it.
type Store interface {
	// Put streams r into the store and returns its hash and size. limit is
	// the largest body accepted in bytes; 0 or less means the store's limit.
	Put(ctx context.Context, r io.Reader, limit int64) (Info, error)
	// Open returns the blob's bytes; ErrNotFound when it is absent.
	Open(ctx context.Context, hash string) (io.ReadCloser, error)
	// Stat returns the blob's size; ErrNotFound when it is absent.
	Stat(ctx context.Context, hash string) (Info, error)
}

// FS is a Store on a local directory: <dir>/<first two hex digits>/<hash>,
// temporary files in <dir>/tmp.
type FS struct {
	dir string
	max int64
}

// NewFS opens (creating when needed) a store in dir with the given upload
// limit (DefaultMaxUpload when 0 or less).
func NewFS(dir string, maxUpload int64) (*FS, error) {
	if dir == "" {
		dir = DefaultDir
	}
	if maxUpload <= 0 {
		maxUpload = DefaultMaxUpload
	}
	if err := os.MkdirAll(filepath.Join(dir, "tmp"), 0o750); err != nil {
		return nil, fmt.Errorf("blobstore: %w", err)
	}
	return &FS{dir: dir, max: maxUpload}, nil
}

// Dir is the store's directory.
func (s *FS) Dir() string { return s.dir }

// MaxUpload is the store's size limit in bytes (internal/app gives it to
// the museum through an interface assertion).
func (s *FS) MaxUpload() int64 { return s.max }

// Path is the file that holds hash (whether or not it exists). Fixity
// tests use it to damage a blob on purpose.
func (s *FS) Path(hash string) string {
	return filepath.Join(s.dir, hash[:2], hash)
}

// validHash reports whether h is 64 lowercase hex digits.
func validHash(h string) bool {
	if len(h) != 64 {
		return false
	}
	for _, c := range h {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// Put implements Store.
func (s *FS) Put(ctx context.Context, r io.Reader, limit int64) (info Info, err error) {
	if limit <= 0 || limit > s.max {
		limit = s.max
	}
	tmp, err := os.CreateTemp(filepath.Join(s.dir, "tmp"), "put-*")
	if err != nil {
		return Info{}, fmt.Errorf("blobstore: put: %w", err)
	}
	defer func() {
		tmp.Close()
		os.Remove(tmp.Name()) // the blob is a hard link by now, or the put failed
	}()
	h := sha256.New()
	// Read one byte past the limit to tell "exactly the limit" from "more".
	n, err := io.Copy(io.MultiWriter(tmp, h), &ctxReader{ctx: ctx, r: io.LimitReader(r, limit+1)})
	if err != nil {
		return Info{}, fmt.Errorf("blobstore: put: %w", err)
	}
	if n > limit {
		return Info{}, ErrTooLarge
	}
	if err := tmp.Sync(); err != nil {
		return Info{}, fmt.Errorf("blobstore: put: fsync: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return Info{}, fmt.Errorf("blobstore: put: %w", err)
	}
	info = Info{Hash: hex.EncodeToString(h.Sum(nil)), Size: n}
	final := s.Path(info.Hash)
	if err := os.MkdirAll(filepath.Dir(final), 0o750); err != nil {
		return Info{}, fmt.Errorf("blobstore: put: %w", err)
	}
	// A hard link never replaces an existing name, unlike rename.
	if err := os.Link(tmp.Name(), final); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return info, nil // same hash, same bytes: keep the first copy
		}
		// Filesystems without hard links: rename, unless the blob exists.
		if _, serr := os.Stat(final); serr == nil {
			return info, nil
		}
		if rerr := os.Rename(tmp.Name(), final); rerr != nil {
			return Info{}, fmt.Errorf("blobstore: put: %w", rerr)
		}
	}
	if err := syncDir(filepath.Dir(final)); err != nil {
		return Info{}, fmt.Errorf("blobstore: put: fsync dir: %w", err)
	}
	return info, nil
}

// Open implements Store.
func (s *FS) Open(_ context.Context, hash string) (io.ReadCloser, error) {
	if !validHash(hash) {
		return nil, ErrBadHash
	}
	f, err := os.Open(s.Path(hash))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("blobstore: open %s: %w", hash, err)
	}
	return f, nil
}

// Stat implements Store.
func (s *FS) Stat(_ context.Context, hash string) (Info, error) {
	if !validHash(hash) {
		return Info{}, ErrBadHash
	}
	fi, err := os.Stat(s.Path(hash))
	if errors.Is(err, fs.ErrNotExist) {
		return Info{}, ErrNotFound
	}
	if err != nil {
		return Info{}, fmt.Errorf("blobstore: stat %s: %w", hash, err)
	}
	return Info{Hash: hash, Size: fi.Size()}, nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// ctxReader stops a long copy when the request is cancelled.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c *ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
