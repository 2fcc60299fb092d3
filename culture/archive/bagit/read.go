package bagit

import (
	"archive/tar"
	"archive/zip"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
	"unicode/utf8"
)

// maxTagFile bounds a tag file kept in memory (manifests of large bags).
const maxTagFile = 64 << 20

// Entry is one regular file of the container, relative to the bag's base
// directory.
type Entry struct {
	Path   string
	Size   int64
	SHA256 string
	SHA512 string
}

// Inventory is what one pass over a container learnt.
type Inventory struct {
	Root     string            // the base directory inside the container ("" at the top)
	Files    map[string]*Entry // by bag-relative path
	Order    []string          // container order
	Tags     map[string][]byte // contents of the top-level tag files
	Problems []Problem         // container-level problems (paths, links, duplicates)
}

// Problem is one failed check.
type Problem struct {
	File    string `json:"file"`    // bag-relative path ("" for the bag as a whole)
	Check   string `json:"check"`   // see the Check* constants
	Message string `json:"message"` // for a person
}

// The checks a Problem can name.
const (
	CheckContainer = "container"     // not a readable zip/tar
	CheckPath      = "path"          // absolute, "..", not UTF-8, or duplicate
	CheckFileType  = "file_type"     // link, device, …
	CheckDeclare   = "bagit_txt"     // bagit.txt missing or wrong
	CheckManifest  = "manifest"      // manifest missing, malformed, bad algorithm
	CheckEncoding  = "path_encoding" // bad percent-encoding in a manifest
	CheckMissing   = "missing"       // listed in a manifest, not in the bag
	CheckUnlisted  = "not_in_manifest"
	CheckDigest    = "checksum"
	CheckOxum      = "payload_oxum"
	CheckBagInfo   = "bag_info"
	CheckTagMan    = "tag_manifest"
)

func (p Problem) String() string { return p.File + ": " + p.Check + ": " + p.Message }

// Format names a container format.
type Format string

// Container formats.
const (
	Zip Format = "zip"
	Tar Format = "tar"
)

// ReadTar reads a tar stream once.
func ReadTar(r io.Reader) (*Inventory, error) {
	return read(func(visit visitFunc) error { return walkTar(r, visit) })
}

// ReadZip reads a zip file.
func ReadZip(ra io.ReaderAt, size int64) (*Inventory, error) {
	return read(func(visit visitFunc) error { return walkZip(ra, size, visit) })
}

// visitFunc sees each container entry: its raw name, whether it is a
// regular file, a directory, or something else, and (for files) its bytes.
type visitFunc func(name string, kind entryKind, r io.Reader) error

type entryKind int

const (
	kindFile entryKind = iota
	kindDir
	kindOther
)

// ErrContainer is a container that cannot be read as zip or tar.
var ErrContainer = errors.New("bagit: unreadable container")

func walkTar(r io.Reader, visit visitFunc) error {
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%w: %v", ErrContainer, err)
		}
		k := kindOther
		switch h.Typeflag {
		case tar.TypeReg:
			k = kindFile
		case tar.TypeDir:
			k = kindDir
		case tar.TypeXGlobalHeader:
			continue
		}
		if err := visit(h.Name, k, tr); err != nil {
			return err
		}
	}
}

func walkZip(ra io.ReaderAt, size int64, visit visitFunc) error {
	zr, err := zip.NewReader(ra, size)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrContainer, err)
	}
	for _, f := range zr.File {
		k := kindFile
		mode := f.Mode()
		switch {
		case mode.IsDir() || strings.HasSuffix(f.Name, "/"):
			k = kindDir
		case !mode.IsRegular():
			k = kindOther
		}
		var rc io.ReadCloser
		if k == kindFile {
			if rc, err = f.Open(); err != nil {
				return fmt.Errorf("%w: %s: %v", ErrContainer, f.Name, err)
			}
		}
		err := visit(f.Name, k, rc)
		if rc != nil {
			rc.Close()
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// cleanName checks a container entry name and returns it with "./" and a
// trailing "/" removed.
func cleanName(name string) (string, string) {
	n := strings.TrimPrefix(name, "./")
	n = strings.TrimSuffix(n, "/")
	switch {
	case !utf8.ValidString(name):
		return "", "the name is not UTF-8"
	case strings.ContainsRune(name, '\\'):
		return "", "the name contains a backslash"
	case strings.HasPrefix(name, "/") || (len(name) > 1 && name[1] == ':'):
		return "", "absolute path"
	case n == "":
		return "", "empty name"
	}
	for _, part := range strings.Split(n, "/") {
		if part == ".." {
			return "", "the path leaves the bag (..)"
		}
		if part == "" || part == "." {
			return "", "the path is not clean"
		}
	}
	return n, ""
}

// isTagName reports whether a top-level name is a tag file kept in memory.
func isTagName(name string) bool {
	return name == "bagit.txt" || name == "bag-info.txt" || name == "fetch.txt" ||
		(strings.HasPrefix(name, "manifest-") || strings.HasPrefix(name, "tagmanifest-")) && strings.HasSuffix(name, ".txt")
}

func read(walk func(visitFunc) error) (*Inventory, error) {
	raw := map[string]*Entry{}
	var order []string
	tags := map[string][]byte{}
	var problems []Problem
	buf := make([]byte, 256<<10)
	err := walk(func(name string, k entryKind, r io.Reader) error {
		n, bad := cleanName(name)
		if bad != "" {
			problems = append(problems, Problem{File: name, Check: CheckPath, Message: bad})
			return nil
		}
		switch k {
		case kindDir:
			return nil
		case kindOther:
			problems = append(problems, Problem{File: n, Check: CheckFileType, Message: "not a regular file (link, device or special file)"})
			return nil
		}
		if _, dup := raw[n]; dup {
			problems = append(problems, Problem{File: n, Check: CheckPath, Message: "the container holds this name twice"})
			return nil
		}
		h256, h512 := sha256.New(), sha512.New()
		w := io.MultiWriter(h256, h512)
		var keep *limitedBuffer
		if depth := strings.Count(n, "/"); depth <= 1 && isTagName(path.Base(n)) {
			keep = &limitedBuffer{max: maxTagFile}
			w = io.MultiWriter(h256, h512, keep)
		}
		size, err := io.CopyBuffer(w, r, buf)
		if err != nil {
			return fmt.Errorf("%w: %s: %v", ErrContainer, n, err)
		}
		e := &Entry{Path: n, Size: size, SHA256: hex.EncodeToString(h256.Sum(nil)), SHA512: hex.EncodeToString(h512.Sum(nil))}
		raw[n] = e
		order = append(order, n)
		if keep != nil {
			if keep.over {
				problems = append(problems, Problem{File: n, Check: CheckManifest, Message: "tag file larger than 64 MiB"})
			}
			tags[n] = keep.b
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	inv := &Inventory{Files: map[string]*Entry{}, Tags: map[string][]byte{}, Problems: problems}
	// The base directory: bagit.txt at the top, or in the one top directory.
	if _, ok := raw["bagit.txt"]; !ok {
		tops := map[string]bool{}
		for n := range raw {
			tops[strings.SplitN(n, "/", 2)[0]] = true
		}
		if len(tops) == 1 {
			for t := range tops {
				if _, ok := raw[t+"/bagit.txt"]; ok {
					inv.Root = t
				}
			}
		}
	}
	strip := func(n string) (string, bool) {
		if inv.Root == "" {
			return n, true
		}
		return strings.CutPrefix(n, inv.Root+"/")
	}
	for _, n := range order {
		rel, ok := strip(n)
		if !ok {
			continue
		}
		e := raw[n]
		e.Path = rel
		inv.Files[rel] = e
		inv.Order = append(inv.Order, rel)
		if b, ok := tags[n]; ok && !strings.Contains(rel, "/") {
			inv.Tags[rel] = b
		}
	}
	for i := range inv.Problems {
		if rel, ok := strip(inv.Problems[i].File); ok && inv.Root != "" {
			inv.Problems[i].File = rel
		}
	}
	return inv, nil
}

type limitedBuffer struct {
	b    []byte
	max  int
	over bool
}

func (l *limitedBuffer) Write(p []byte) (int, error) {
	if len(l.b)+len(p) > l.max {
		l.over = true
		return len(p), nil
	}
	l.b = append(l.b, p...)
	return len(p), nil
}

// Walk streams the regular files of a container to fn with bag-relative
// paths (root stripped), for the second pass that stores them.
func Walk(f Format, ra io.ReaderAt, size int64, root string, fn func(rel string, r io.Reader) error) error {
	visit := func(name string, k entryKind, r io.Reader) error {
		if k != kindFile {
			return nil
		}
		n, bad := cleanName(name)
		if bad != "" {
			return nil
		}
		if root != "" {
			var ok bool
			if n, ok = strings.CutPrefix(n, root+"/"); !ok {
				return nil
			}
		}
		return fn(n, r)
	}
	if f == Zip {
		return walkZip(ra, size, visit)
	}
	return walkTar(io.NewSectionReader(ra, 0, size), visit)
}
