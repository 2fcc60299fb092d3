package boxoffice

import (
	"os"
	"strings"
	"testing"
)

// migrationFunction is the CREATE OR REPLACE statement of the plpgsql
// function name as the Up section of migrations/file defines it, for the
// benchmarks that run an older trigger function beside the one in force.
func migrationFunction(tb testing.TB, file, name string) string {
	tb.Helper()
	b, err := os.ReadFile("../migrations/" + file)
	if err != nil {
		tb.Fatal(err)
	}
	up, _, _ := strings.Cut(string(b), "-- +goose Down")
	i := strings.Index(up, "FUNCTION "+name+"()")
	if i < 0 {
		tb.Fatalf("%s: no %s", file, name)
	}
	j := strings.Index(up[i:], "$$;")
	if j < 0 {
		tb.Fatalf("%s: %s does not end", file, name)
	}
	return "CREATE OR REPLACE " + up[i:i+j+3]
}
