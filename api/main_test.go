package api_test

import (
	"testing"

	"ecinema/internal/pgtest"
)

// TestMain runs the tests on the shared throwaway cluster; the ticketing
// benchmarks' own durable cluster is stopped after them.
func TestMain(m *testing.M) { pgtest.Main(m, func() { benchCleanup() }) }
