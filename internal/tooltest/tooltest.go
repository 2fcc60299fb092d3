// Package tooltest gives the tests of a standard what they need outside
// Go — the repository root, the official schemas in ../shared/schemas, a
// Debian or npm tool — and skips a test that lacks one, or fails it under
// CI=true (CI installs them all: .ci/run, scripts/ensure-test-tools.sh).
package tooltest

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// Missing skips the test with why, or fails it under CI=true.
func Missing(t testing.TB, why string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatal(why)
	}
	t.Skip(why)
}

// Root returns the repository root: the nearest directory above the test
// holding go.mod.
func Root(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("tooltest: go.mod not found above the test")
		}
		dir = parent
	}
}

// Schemas returns ../shared/schemas/sub seen from the root, once file (a
// path below it) is there; Missing otherwise.
func Schemas(t testing.TB, sub, file string) string {
	t.Helper()
	dir := filepath.Join(Root(t), "..", "shared", "schemas", sub)
	if _, err := os.Stat(filepath.Join(dir, file)); err != nil {
		Missing(t, "the official schemas "+dir+" are absent (no "+file+")")
	}
	return dir
}

// Need returns the path of the program name, or is Missing, with how to
// install it.
func Need(t testing.TB, name, install string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		Missing(t, name+" is not installed ("+install+")")
	}
	return path
}
