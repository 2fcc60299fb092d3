package api_test

import (
	"net/http"
	"regexp"
	"sort"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"ecinema/api"
	"ecinema/internal/apptest"
)

// TestOpenAPICoversRoutes fails when a route exists that the OpenAPI
// document lacks, or the document names an operation no route serves.
func TestOpenAPICoversRoutes(t *testing.T) {
	env := apptest.New(t)
	r := env.Do("GET", "/openapi.yaml", "", nil)
	if r.Status != 200 || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/yaml") {
		t.Fatalf("GET /openapi.yaml: %d %s", r.Status, r.Header.Get("Content-Type"))
	}
	var doc struct {
		OpenAPI string                            `yaml:"openapi"`
		Paths   map[string]map[string]interface{} `yaml:"paths"`
	}
	if err := yaml.Unmarshal(r.Body, &doc); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Fatalf("openapi = %q, want 3.x", doc.OpenAPI)
	}
	documented := map[string]bool{}
	for path, ops := range doc.Paths {
		for method := range ops {
			switch method {
			case "get", "put", "post", "delete", "patch", "head":
				documented[strings.ToUpper(method)+" "+path] = true
			}
		}
	}
	param := regexp.MustCompile(`:([a-z_]+)`)
	served := map[string]bool{}
	for _, rt := range api.New(api.Deps{}).Routes() {
		if rt.Method == "echo_route_not_found" || strings.HasSuffix(rt.Path, "/*") || rt.Name == api.PageRoute {
			continue
		}
		served[rt.Method+" "+param.ReplaceAllString(rt.Path, "{$1}")] = true
	}
	var missing, extra []string
	for k := range served {
		if !documented[k] {
			missing = append(missing, k)
		}
	}
	for k := range documented {
		if !served[k] {
			extra = append(extra, k)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	if len(missing) > 0 {
		t.Errorf("routes missing from openapi.yaml:\n  %s", strings.Join(missing, "\n  "))
	}
	if len(extra) > 0 {
		t.Errorf("openapi.yaml documents routes that do not exist:\n  %s", strings.Join(extra, "\n  "))
	}
	if len(served) < 10 {
		t.Fatalf("only %d routes found", len(served))
	}
}

func TestReadyzDrains(t *testing.T) {
	env := apptest.New(t)
	if r := env.Do("GET", "/readyz", "", nil); r.Status != http.StatusOK {
		t.Fatalf("readyz: %d %s", r.Status, r.Body)
	}
	if r := env.Do("GET", "/livez", "", nil); r.Status != http.StatusOK {
		t.Fatalf("livez: %d", r.Status)
	}
	env.App.API.Drain()
	if r := env.Do("GET", "/readyz", "", nil); r.Status != http.StatusServiceUnavailable || r.ErrorCode() != "not_ready" {
		t.Fatalf("readyz while draining: %d %s", r.Status, r.Body)
	}
	if r := env.Do("GET", "/v1/regions", env.AdminKey, nil); r.Status != http.StatusOK {
		t.Fatalf("requests still served while draining: %d", r.Status)
	}
}

func TestUnknownRouteAndMethod(t *testing.T) {
	env := apptest.New(t)
	if r := env.Do("GET", "/v1/nothing", env.AdminKey, nil); r.Status != 404 || r.ErrorCode() != "not_found" {
		t.Fatalf("unknown route: %d %s", r.Status, r.Body)
	}
	// A method a known path lacks is 405 with Allow (TestMethodNotAllowed).
	if r := env.Do("DELETE", "/v1/films/x", env.AdminKey, nil); r.Status != 405 || r.ErrorCode() != "method_not_allowed" {
		t.Fatalf("wrong method: %d %s", r.Status, r.Body)
	}
	if r := env.Do("GET", "/v1/regions", env.AdminKey, nil); r.Header.Get("X-Request-Id") == "" {
		t.Fatal("no X-Request-Id on answers")
	}
}
