// Package oaipmhtest checks OAI-PMH responses against the official
// schemas in ../shared/schemas/oai-pmh with xmllint, for the tests of the
// provider and of every module that plugs a source into it.
package oaipmhtest

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Driver schemas in ../shared/schemas/oai-pmh (see its README).
const (
	DriverOAIDC     = "oai-pmh-with-oai_dc.xsd"
	DriverOAIDCLido = "oai-pmh-with-oai_dc-and-lido.xsd"
)

// SchemaDir returns ../shared/schemas/oai-pmh seen from the module root.
// Without it (or without xmllint) the test is skipped, unless CI=true,
// where it fails.
func SchemaDir(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("oaipmhtest: go.mod not found above the test")
		}
		dir = parent
	}
	schemas := filepath.Join(dir, "..", "shared", "schemas", "oai-pmh")
	if _, err := os.Stat(filepath.Join(schemas, "OAI-PMH.xsd")); err != nil {
		missing(t, "the official OAI-PMH schemas ("+schemas+") are absent")
	}
	if _, err := exec.LookPath("xmllint"); err != nil {
		missing(t, "xmllint is not installed (Debian package libxml2-utils)")
	}
	return schemas
}

func missing(t testing.TB, why string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatal(why)
	}
	t.Skip(why)
}

// Validate checks one response against OAI-PMH.xsd and oai_dc.xsd.
func Validate(t testing.TB, body []byte) {
	t.Helper()
	ValidateWith(t, DriverOAIDC, body)
}

// ValidateWith checks one response against the named driver schema.
func ValidateWith(t testing.TB, driver string, body []byte) {
	t.Helper()
	dir := SchemaDir(t)
	f := filepath.Join(t.TempDir(), "response.xml")
	if err := os.WriteFile(f, body, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("xmllint", "--nonet", "--noout", "--schema", filepath.Join(dir, driver), f)
	cmd.Env = append(os.Environ(), "XML_CATALOG_FILES="+filepath.Join(dir, "catalog.xml"))
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "validates") {
		t.Fatalf("response does not validate against %s: %v\n%s\n--- response ---\n%s", driver, err, out, body)
	}
}
