package api_test

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"ecinema/internal/apptest"
	"ecinema/internal/pgtest"
	"ecinema/ledger"
)

// tamperUndone runs tamper as the owner, then write (the live write the
// tampering lets through), then undo (when not ""), and wants verify
// --deep with check to report the last entry as a mismatch of table whose
// detail after "<check>: table <table>: " matches detail.
func tamperUndone(t *testing.T, env *apptest.Env, check ledger.DeepCheck, tamper string, write func(), undo, table, detail string) {
	t.Helper()
	ctx := context.Background()
	owner := pgtest.OwnerPool(t, env.DBURL)
	if _, err := owner.Exec(ctx, tamper); err != nil {
		t.Fatal(err)
	}
	write()
	var seq int64
	pgtest.Row(t, owner, `SELECT max(seq) FROM ledger_entries`).Scan(&seq)
	if undo != "" {
		if _, err := owner.Exec(ctx, undo); err != nil {
			t.Fatal(err)
		}
	}
	err := env.VerifyDeep(t, check)
	var ve *ledger.VerifyError
	prefix := check.Name() + ": table " + table + ": "
	if !errors.As(err, &ve) || ve.Reason != ledger.ReasonProjection || ve.Seq != seq || !strings.HasPrefix(ve.Detail, prefix) ||
		!regexp.MustCompile(detail).MatchString(strings.TrimPrefix(ve.Detail, prefix)) {
		t.Fatalf("verify = %v, want a mismatch of %s at entry %d matching %s", err, table, seq, detail)
	}
}

// sprintfArgs fills the %[n]s of s with args; s without any stays as it is.
func sprintfArgs(s string, args ...any) string {
	if !strings.Contains(s, "%[") {
		return s
	}
	return fmt.Sprintf(s, args...)
}
