package pgarray_test

import (
	"testing"

	"ecinema/internal/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }
