package api_test

import (
	"strings"
	"testing"

	"ecinema/culture/oaipmh/oaipmhtest"
	"ecinema/internal/apptest"
)

// TestOAIMounted checks /oai answers the protocol over GET and POST with
// schema-valid XML, without a key.
func TestOAIMounted(t *testing.T) {
	env := apptest.New(t)
	r := env.Do("GET", "/oai?verb=Identify", "", nil)
	if r.Status != 200 || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/xml") || !strings.Contains(string(r.Body), "<Identify>") {
		t.Fatalf("GET /oai: %d %s %s", r.Status, r.Header.Get("Content-Type"), r.Body)
	}
	oaipmhtest.Validate(t, r.Body)
	r = env.Do("POST", "/oai", "", "verb=Nope", "Content-Type", "application/x-www-form-urlencoded")
	if r.Status != 200 || !strings.Contains(string(r.Body), `code="badVerb"`) {
		t.Fatalf("POST /oai: %d %s", r.Status, r.Body)
	}
	oaipmhtest.Validate(t, r.Body)
}
