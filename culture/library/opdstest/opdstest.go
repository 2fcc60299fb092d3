// Package opdstest checks OPDS documents with the standard's own tools:
// OPDS 1.2 feeds and entries with jing against the official RELAX NG
// schema, OPDS 2.0 feeds and publications, Readium audiobook manifests
// and Authentication for OPDS documents against the official JSON schemas,
// all from ../shared/schemas (never copied into the repository). Without
// the schemas or jing the test is skipped, unless CI=true, where it fails.
package opdstest

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"ecinema/internal/tooltest"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// schemaDir returns ../shared/schemas seen from the module root, once the
// official OPDS schemas are there.
func schemaDir(t testing.TB) string {
	t.Helper()
	return filepath.Dir(tooltest.Schemas(t, "opds", filepath.Join("1.2", "opds.rnc")))
}

// Doc is a named document to validate.
type Doc struct {
	Name string
	Body []byte
}

// Jing validates OPDS 1.2 documents (feeds or entries) with jing against
// opds/1.2/opds.rnc, in one run.
func Jing(t testing.TB, docs ...Doc) {
	t.Helper()
	schemas := schemaDir(t)
	tooltest.Need(t, "jing", "Debian package jing")
	dir := t.TempDir()
	args := []string{"-c", filepath.Join(schemas, "opds", "1.2", "opds.rnc")}
	for i, d := range docs {
		f := filepath.Join(dir, fmt.Sprintf("%02d-%s.xml", i, sanitize(d.Name)))
		if err := os.WriteFile(f, d.Body, 0o600); err != nil {
			t.Fatal(err)
		}
		args = append(args, f)
	}
	if err := runJing(args); err != nil {
		out := []byte(err.Error())
		var bodies strings.Builder
		for i, d := range docs {
			if strings.Contains(string(out), fmt.Sprintf("%02d-", i)) {
				fmt.Fprintf(&bodies, "--- %s ---\n%s\n", d.Name, d.Body)
			}
		}
		t.Fatalf("jing: %s\n%s", out, bodies.String())
	}
}

func runJing(args []string) error {
	// jing reports problems on stdout and exits 1; the Debian wrapper
	// warns about optional jars on stderr, which is not a finding.
	var stderr bytes.Buffer
	cmd := exec.Command("jing", args...)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil || len(bytes.TrimSpace(out)) > 0 {
		return fmt.Errorf("%v: %s%s", err, out, stderr.Bytes())
	}
	return nil
}

// jingFile validates files on disk and returns jing's complaint.
func jingFile(t testing.TB, files ...string) error {
	t.Helper()
	schemas := schemaDir(t)
	tooltest.Need(t, "jing", "Debian package jing")
	return runJing(append([]string{"-c", filepath.Join(schemas, "opds", "1.2", "opds.rnc")}, files...))
}

func sanitize(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' {
			return r
		}
		return '_'
	}, strings.ToLower(s))
}

// JSON schema entry points.
const (
	OPDS2Feed        = "https://specs.opds.io/schema/feed.schema.json"
	OPDS2Publication = "https://specs.opds.io/schema/publication.schema.json"
	Readium          = "https://readium.org/webpub-manifest/schema/publication.schema.json"
	AuthDocument     = "https://drafts.opds.io/schema/authentication.schema.json"
)

var (
	compileOnce sync.Once
	compiled    map[string]*jsonschema.Schema
	compileErr  error
)

// compile loads every schema of opds/2.0, opds/auth and readium. Readium's
// link schema refers to https://drafts.opds.io/schema/properties.schema.json
// while the OPDS files carry ids under https://specs.opds.io/schema/, so
// the OPDS files are registered under both.
func compile(schemas string) (map[string]*jsonschema.Schema, error) {
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	add := func(url, path string, setID bool) error {
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		if m, ok := doc.(map[string]any); ok && setID {
			m["$id"] = url
		}
		return c.AddResource(url, doc)
	}
	err := filepath.WalkDir(filepath.Join(schemas, "readium"), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".schema.json") {
			return err
		}
		rel, _ := filepath.Rel(filepath.Join(schemas, "readium"), p)
		return add("https://readium.org/webpub-manifest/schema/"+filepath.ToSlash(rel), p, false)
	})
	if err != nil {
		return nil, err
	}
	files, _ := filepath.Glob(filepath.Join(schemas, "opds", "2.0", "*.schema.json"))
	for _, f := range files {
		name := filepath.Base(f)
		if err := add("https://specs.opds.io/schema/"+name, f, false); err != nil {
			return nil, err
		}
		if err := add("https://drafts.opds.io/schema/"+name, f, true); err != nil {
			return nil, err
		}
	}
	if err := add(AuthDocument, filepath.Join(schemas, "opds", "auth", "authentication.schema.json"), false); err != nil {
		return nil, err
	}
	out := map[string]*jsonschema.Schema{}
	for _, u := range []string{OPDS2Feed, OPDS2Publication, Readium, AuthDocument} {
		s, err := c.Compile(u)
		if err != nil {
			return nil, fmt.Errorf("compile %s: %w", u, err)
		}
		out[u] = s
	}
	return out, nil
}

// JSON validates a document against one of the schema entry points.
func JSON(t testing.TB, schema, name string, body []byte) {
	t.Helper()
	if err := jsonErr(t, schema, body); err != nil {
		t.Fatalf("%s does not validate against %s:\n%v\n--- document ---\n%s", name, schema, err, body)
	}
}

// jsonErr validates a document and returns the validator's complaint.
func jsonErr(t testing.TB, schema string, body []byte) error {
	t.Helper()
	schemas := schemaDir(t)
	compileOnce.Do(func() { compiled, compileErr = compile(schemas) })
	if compileErr != nil {
		t.Fatalf("opdstest: %v", compileErr)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("not JSON: %w", err)
	}
	return compiled[schema].Validate(doc)
}
