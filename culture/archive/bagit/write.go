package bagit

import (
	"archive/tar"
	"archive/zip"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"sort"
	"strings"
	"time"
)

// PayloadFile is one file to put under data/.
type PayloadFile struct {
	Path string // relative to data/
	Size int64
	// Open returns the bytes; SHA512, when set, is what they must hash to
	// (a mismatch fails the write rather than serving damaged bytes).
	Open   func() (io.ReadCloser, error)
	SHA512 string
}

// TagFile is a tag file written verbatim (e.g. metadata/dc.xml).
type TagFile struct {
	Path string
	Data []byte
}

// ErrDamaged reports a payload file whose bytes do not hash to its
// recorded SHA-512.
type ErrDamaged struct{ Path, Want, Got string }

func (e *ErrDamaged) Error() string {
	return fmt.Sprintf("bagit: %s: sha512 %s, recorded %s", e.Path, e.Got, e.Want)
}

// WriteZip writes a bag as a zip with SHA-512 manifests; see Write.
func WriteZip(w io.Writer, root string, info Info, payload []PayloadFile, tags []TagFile, at time.Time) error {
	return Write(w, Zip, root, info, payload, tags, at, "sha512")
}

// Write writes a bag to w in one pass, under the base directory root:
// bagit.txt, bag-info.txt (info, plus Bagging-Date when absent, plus
// Payload-Oxum), data/…, manifest-<alg>.txt for each of algs (sha256,
// sha512), the tag files, then tagmanifest-<alg>.txt over every tag file.
// Payload entries are stored uncompressed (scans do not compress), with
// modification time at.
func Write(w io.Writer, f Format, root string, info Info, payload []PayloadFile, tags []TagFile, at time.Time, algs ...string) error {
	if len(algs) == 0 {
		algs = []string{"sha512"}
	}
	for _, a := range algs {
		if _, ok := algorithms[a]; !ok {
			return fmt.Errorf("bagit: algorithm %q", a)
		}
	}
	var cw containerWriter
	if f == Zip {
		cw = &zipWriter{zw: zip.NewWriter(w)}
	} else {
		cw = &tarWriter{tw: tar.NewWriter(w)}
	}
	name := func(p string) string {
		if root == "" {
			return p
		}
		return root + "/" + p
	}
	tagSums := map[string]map[string]string{} // path → alg → hex
	put := func(p string, data []byte) error {
		out, err := cw.create(name(p), int64(len(data)), true, at)
		if err != nil {
			return err
		}
		if _, err := out.Write(data); err != nil {
			return err
		}
		tagSums[p] = map[string]string{}
		for _, a := range algs {
			h := newHash(a)
			h.Write(data)
			tagSums[p][a] = hex.EncodeToString(h.Sum(nil))
		}
		return nil
	}
	if err := put("bagit.txt", []byte("BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n")); err != nil {
		return err
	}
	var octets int64
	for _, p := range payload {
		octets += p.Size
	}
	var bi strings.Builder
	for _, kv := range info {
		if strings.EqualFold(kv.Label, "Payload-Oxum") {
			continue
		}
		fmt.Fprintf(&bi, "%s: %s\n", kv.Label, strings.ReplaceAll(kv.Value, "\n", " "))
	}
	if info.Get("Bagging-Date") == "" {
		fmt.Fprintf(&bi, "Bagging-Date: %s\n", at.UTC().Format("2006-01-02"))
	}
	fmt.Fprintf(&bi, "Payload-Oxum: %d.%d\n", octets, len(payload))
	if err := put("bag-info.txt", []byte(bi.String())); err != nil {
		return err
	}
	mans := map[string]*strings.Builder{}
	for _, a := range algs {
		mans[a] = &strings.Builder{}
	}
	buf := make([]byte, 256<<10)
	for _, p := range payload {
		out, err := cw.create(name("data/"+p.Path), p.Size, false, at)
		if err != nil {
			return err
		}
		rc, err := p.Open()
		if err != nil {
			return fmt.Errorf("bagit: open %s: %w", p.Path, err)
		}
		hs := map[string]hash.Hash{}
		ws := []io.Writer{out}
		for _, a := range algs {
			hs[a] = newHash(a)
			ws = append(ws, hs[a])
		}
		var check hash.Hash
		if p.SHA512 != "" && hs["sha512"] == nil {
			check = sha512.New()
			ws = append(ws, check)
		} else if p.SHA512 != "" {
			check = hs["sha512"]
		}
		n, err := io.CopyBuffer(io.MultiWriter(ws...), io.LimitReader(rc, p.Size+1), buf)
		rc.Close()
		if err != nil {
			return fmt.Errorf("bagit: copy %s: %w", p.Path, err)
		}
		if n != p.Size {
			return &ErrDamaged{Path: "data/" + p.Path, Want: fmt.Sprintf("%d bytes", p.Size), Got: fmt.Sprintf("%d bytes", n)}
		}
		if check != nil {
			if got := hex.EncodeToString(check.Sum(nil)); got != p.SHA512 {
				return &ErrDamaged{Path: "data/" + p.Path, Want: p.SHA512, Got: got}
			}
		}
		for _, a := range algs {
			fmt.Fprintf(mans[a], "%s  %s\n", hex.EncodeToString(hs[a].Sum(nil)), EncodePath("data/"+p.Path))
		}
	}
	for _, a := range algs {
		if err := put("manifest-"+a+".txt", []byte(mans[a].String())); err != nil {
			return err
		}
	}
	for _, t := range tags {
		if err := put(t.Path, t.Data); err != nil {
			return err
		}
	}
	names := make([]string, 0, len(tagSums))
	for n := range tagSums {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, a := range algs {
		var tm strings.Builder
		for _, n := range names {
			fmt.Fprintf(&tm, "%s  %s\n", tagSums[n][a], EncodePath(n))
		}
		out, err := cw.create(name("tagmanifest-"+a+".txt"), int64(tm.Len()), true, at)
		if err != nil {
			return err
		}
		if _, err := io.WriteString(out, tm.String()); err != nil {
			return err
		}
	}
	return cw.close()
}

func newHash(alg string) hash.Hash {
	if alg == "sha256" {
		return sha256.New()
	}
	return sha512.New()
}

type containerWriter interface {
	create(name string, size int64, compress bool, at time.Time) (io.Writer, error)
	close() error
}

type zipWriter struct{ zw *zip.Writer }

func (z *zipWriter) create(name string, _ int64, compress bool, at time.Time) (io.Writer, error) {
	m := zip.Store
	if compress {
		m = zip.Deflate
	}
	return z.zw.CreateHeader(&zip.FileHeader{Name: name, Method: m, Modified: at})
}

func (z *zipWriter) close() error { return z.zw.Close() }

type tarWriter struct{ tw *tar.Writer }

func (t *tarWriter) create(name string, size int64, _ bool, at time.Time) (io.Writer, error) {
	err := t.tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: size, ModTime: at, Typeflag: tar.TypeReg, Format: tar.FormatPAX})
	return t.tw, err
}

func (t *tarWriter) close() error { return t.tw.Close() }
