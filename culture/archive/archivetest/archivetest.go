// Package archivetest builds BagIt bags for the archive's tests, demo and
// benchmark, through bagit.Write (SHA-256 and SHA-512 manifests and tag
// manifests, Payload-Oxum, the required bag-info labels).
package archivetest

import (
	"bytes"
	"io"
	"sort"
	"time"

	"ecinema/culture/archive/bagit"
)

// Bag returns a complete, valid bag of files (path under data/ → bytes)
// in format f under the base directory root, with external id ext.
func Bag(f bagit.Format, root, ext string, files map[string][]byte) []byte {
	var b bytes.Buffer
	if err := write(&b, f, root, ext, files); err != nil {
		panic(err)
	}
	return b.Bytes()
}

// write writes such a bag to w.
func write(w io.Writer, f bagit.Format, root, ext string, files map[string][]byte) error {
	paths := make([]string, 0, len(files))
	for p := range files {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	var payload []bagit.PayloadFile
	for _, p := range paths {
		data := files[p]
		payload = append(payload, bagit.PayloadFile{Path: p, Size: int64(len(data)),
			Open: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }})
	}
	info := bagit.Info{
		{Label: "Source-Organization", Value: "Central State Archive of the Republic of Kazakhstan"},
		{Label: "External-Identifier", Value: ext},
		{Label: "Bagging-Date", Value: "2026-11-29"},
	}
	return bagit.Write(w, f, root, info, payload, nil, time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC), "sha256", "sha512")
}

// Stream returns a payload file of n bytes generated on the fly (for
// large benchmark bags that must not sit in memory).
func Stream(name string, n int64, seed byte) bagit.PayloadFile {
	return bagit.PayloadFile{Path: name, Size: n, Open: func() (io.ReadCloser, error) {
		return io.NopCloser(io.LimitReader(&pattern{b: seed}, n)), nil
	}}
}

type pattern struct{ b byte }

func (p *pattern) Read(q []byte) (int, error) {
	for i := range q {
		p.b = p.b*31 + 7
		q[i] = p.b
	}
	return len(q), nil
}
