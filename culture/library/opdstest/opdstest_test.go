package opdstest

import (
	"os"
	"path/filepath"
	"testing"
)

// TestValidatorsOnSamples: the validators accept the specifications' own
// examples and refuse the broken ones, so a pass elsewhere means something.
func TestValidatorsOnSamples(t *testing.T) {
	dir := schemaDir(t)
	s12 := filepath.Join(dir, "opds", "1.2", "samples")
	if err := jingFile(t, filepath.Join(s12, "spec-2.2-navigation.xml"), filepath.Join(s12, "spec-2.3-acquisition.xml")); err != nil {
		t.Fatalf("OPDS 1.2 samples: %v", err)
	}
	if err := jingFile(t, filepath.Join(s12, "bad-buy-without-price.xml")); err == nil {
		t.Fatal("jing accepted a buy link without a price")
	}
	for _, c := range []struct {
		schema, file string
		ok           bool
	}{
		{OPDS2Feed, "opds/2.0/samples/spec-2.1-navigation.json", true},
		{OPDS2Feed, "opds/2.0/samples/spec-2.5-groups.json", true},
		{OPDS2Feed, "opds/2.0/samples/good-2.2-publications-open-access.json", true},
		{OPDS2Feed, "opds/2.0/samples/bad-spec-2.2-publications-download-rel.json", false},
		{OPDS2Feed, "opds/2.0/samples/bad-navigation-without-title.json", false},
		{AuthDocument, "opds/auth/samples/spec-auth-example.json", true},
		{AuthDocument, "opds/auth/samples/bad-no-authentication.json", false},
		{Readium, "readium/samples/Flatland-manifest.json", true},
	} {
		b, err := os.ReadFile(filepath.Join(dir, c.file))
		if err != nil {
			t.Fatal(err)
		}
		err = jsonErr(t, c.schema, b)
		if (err == nil) != c.ok {
			t.Errorf("%s: valid = %v, want %v (%v)", c.file, err == nil, c.ok, err)
		}
	}
}
