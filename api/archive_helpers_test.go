package api_test

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"testing"
)

func newSHA256() hash.Hash           { return sha256.New() }
func hexOf(b []byte) string          { return hex.EncodeToString(b) }
func tarReader(b []byte) *tar.Reader { return tar.NewReader(bytes.NewReader(b)) }

func writeTar(t *testing.T, names []string, files map[string][]byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, n := range names {
		if err := tw.WriteHeader(&tar.Header{Name: n, Mode: 0o644, Size: int64(len(files[n])), Typeflag: tar.TypeReg, Format: tar.FormatPAX}); err != nil {
			t.Fatal(err)
		}
		tw.Write(files[n])
	}
	tw.Close()
	return buf.Bytes()
}
