// Package iiiftest checks IIIF Presentation 3 documents with tools that are
// not ours: the JSON schema the official IIIF presentation validator uses
// (../shared/schemas/iiif/iiif_3_0.json) and @iiif/parser from npm (the
// Node script testdata/museum/normalise.mjs). Without the schema, node or
// the npm packages the tests are skipped, unless CI=true, where they fail.
package iiiftest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"ecinema/internal/tooltest"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// schema compiles the IIIF Presentation 3 JSON schema with format
// assertions on.
func schema(t testing.TB) *jsonschema.Schema {
	t.Helper()
	path := filepath.Join(tooltest.Root(t), "..", "shared", "schemas", "iiif", "iiif_3_0.json")
	f, err := os.Open(path)
	if err != nil {
		tooltest.Missing(t, "the IIIF Presentation 3 schema is absent: "+err.Error())
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft7)
	c.AssertFormat()
	if err := c.AddResource("file:///iiif_3_0.json", doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile("file:///iiif_3_0.json")
	if err != nil {
		t.Fatal(err)
	}
	return sch
}

// Validate checks each document (name → JSON) against the schema, then
// normalises them all with @iiif/parser and returns the parser's summary
// lines (one JSON object per document).
func Validate(t testing.TB, docs map[string][]byte) []map[string]any {
	t.Helper()
	sch := schema(t)
	dir := t.TempDir()
	var files []string
	for name, b := range docs {
		v, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if err := sch.Validate(v); err != nil {
			t.Fatalf("%s does not validate against the IIIF Presentation 3 schema: %v\n%s", name, err, b)
		}
		f := filepath.Join(dir, fmt.Sprintf("doc%d.json", len(files)))
		if err := os.WriteFile(f, b, 0o600); err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	return normalise(t, files)
}

// normalise runs testdata/museum/normalise.mjs on files.
func normalise(t testing.TB, files []string) []map[string]any {
	t.Helper()
	script := filepath.Join(tooltest.Root(t), "testdata", "museum")
	tooltest.Need(t, "node", "Debian package nodejs")
	if _, err := os.Stat(filepath.Join(script, "node_modules", "@iiif", "parser")); err != nil {
		tooltest.Missing(t, "run npm ci in testdata/museum for @iiif/parser")
	}
	cmd := exec.Command("node", append([]string{filepath.Join(script, "normalise.mjs")}, files...)...)
	cmd.Dir = script
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var lines []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		if l == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("normalise.mjs printed %q", l)
		}
		lines = append(lines, m)
	}
	if err != nil {
		t.Fatalf("@iiif/parser refused a document: %v\n%s\n%s", err, out.String(), errb.String())
	}
	if len(lines) != len(files) {
		t.Fatalf("normalise.mjs summarised %d of %d files:\n%s", len(lines), len(files), out.String())
	}
	return lines
}
