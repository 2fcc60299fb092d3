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

	"ecinema/internal/tooltest"
)

// Driver schemas in ../shared/schemas/oai-pmh (see its README).
const (
	driverOAIDC     = "oai-pmh-with-oai_dc.xsd"
	DriverOAIDCLido = "oai-pmh-with-oai_dc-and-lido.xsd"
)

// SchemaDir returns ../shared/schemas/oai-pmh seen from the module root.
// Without it (or without xmllint) the test is skipped, unless CI=true,
// where it fails.
func SchemaDir(t testing.TB) string {
	t.Helper()
	schemas := tooltest.Schemas(t, "oai-pmh", "OAI-PMH.xsd")
	tooltest.Need(t, "xmllint", "Debian package libxml2-utils")
	return schemas
}

// Validate checks one response against OAI-PMH.xsd and oai_dc.xsd.
func Validate(t testing.TB, body []byte) {
	t.Helper()
	ValidateWith(t, driverOAIDC, body)
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
