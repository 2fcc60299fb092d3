package ledger_test

import (
	"errors"
	"fmt"
	"regexp"
	"testing"

	"ecinema/internal/pgtest"
	"ecinema/ledger"
)

// The rows of the two probe tables, stored and rebuilt alike: one with a
// primary key (compared by joining on it) and one without (compared as
// multisets; it holds a row twice).
const (
	sqlProbeTables = `CREATE TABLE probe_keyed (k text, part int, amount numeric(12,2), note text, at timestamptz, tags text[], PRIMARY KEY (k, part));
CREATE TABLE probe_bag (k text, amount numeric(12,2), note text)`
	sqlProbeRows = `INSERT INTO %[1]sprobe_keyed VALUES ('a', 1, 10.50, NULL, '2026-01-01T00:00:00Z', '{x}'),
  ('b', 1, 20.00, '', '2026-01-01T00:00:00Z', '{}'), ('c', 2, 0.01, 'x', '2026-01-02T00:00:00Z', '{x,y}');
INSERT INTO %[1]sprobe_bag VALUES ('a', 10.50, NULL), ('a', 10.50, NULL), ('b', 20.00, '')`
)

var probeShadows = []ledger.ShadowTable{
	{Name: "probe_keyed", Columns: "k, part, amount, note, at, tags"},
	{Name: "probe_bag", Columns: "k, amount, note"},
}

// TestCompareShadowsFindsTampering: the comparison every deep check's shadow
// tables go through (registry, ingest's screenings and rollups, the
// culture modules) reports each way a stored row can differ from its
// rebuild, whether the table has a primary key (a join on it) or not (a
// multiset difference), and names the table and the row; rows equal in
// every column are not reported.
func TestCompareShadowsFindsTampering(t *testing.T) {
	t.Parallel()
	url := pgtest.NewDatabase(t)
	owner := pgtest.OwnerPool(t, url)
	ctx := t.Context()
	if _, err := owner.Exec(ctx, sqlProbeTables+";\n"+fmt.Sprintf(sqlProbeRows, "public.")); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, tamper, table, row string // row: "" for no mismatch
	}{
		{"untouched", "", "", ""},
		{"a row inserted", "INSERT INTO probe_keyed VALUES ('d', 1, 1.00, NULL, now(), '{}')", "probe_keyed", `^stored only: .*"k": ?"d"`},
		{"a row deleted", "DELETE FROM probe_keyed WHERE k = 'b'", "probe_keyed", `^rebuilt only: .*"k": ?"b"`},
		{"two rows' values swapped", "UPDATE probe_keyed p SET amount = o.amount FROM probe_keyed o WHERE (p.k, o.k) IN (('a', 'b'), ('b', 'a'))", "probe_keyed", `"k": ?"[ab]"`},
		{"one tiyn", "UPDATE probe_keyed SET amount = amount + 0.01 WHERE k = 'c'", "probe_keyed", `"amount": ?0.02.*"k": ?"c"`},
		{"a key's case", "UPDATE probe_keyed SET k = 'A' WHERE k = 'a'", "probe_keyed", `"k": ?"[Aa]"`},
		{"a key's white space", "UPDATE probe_keyed SET k = 'a ' WHERE k = 'a'", "probe_keyed", `"k": ?"a ?"`},
		{"the key's other column", "UPDATE probe_keyed SET part = 2 WHERE k = 'a'", "probe_keyed", `"k": ?"a"`},
		{"a text's white space", "UPDATE probe_keyed SET note = 'x ' WHERE k = 'c'", "probe_keyed", `"k": ?"c".*"note": ?"x "`},
		{"NULL made empty", "UPDATE probe_keyed SET note = '' WHERE k = 'a'", "probe_keyed", `"k": ?"a".*"note": ?""`},
		{"empty made NULL", "UPDATE probe_keyed SET note = NULL WHERE k = 'b'", "probe_keyed", `"k": ?"b".*"note": ?null`},
		{"a microsecond", "UPDATE probe_keyed SET at = at + interval '1 microsecond' WHERE k = 'a'", "probe_keyed", `"at": ?"2026-01-01T\d\d:00:00.000001.*"k": ?"a"`},
		{"an array's order", "UPDATE probe_keyed SET tags = '{y,x}' WHERE k = 'c'", "probe_keyed", `"k": ?"c"`},
		{"the primary key dropped and a row stored twice",
			"ALTER TABLE probe_keyed DROP CONSTRAINT probe_keyed_pkey; INSERT INTO probe_keyed SELECT * FROM probe_keyed WHERE k = 'b'", "probe_keyed", `^stored only: .*"k": ?"b"`},
		{"a row stored once more", "INSERT INTO probe_bag VALUES ('b', 20.00, '')", "probe_bag", `^stored only: .*"k": ?"b"`},
		{"one of two equal rows deleted", "DELETE FROM probe_bag WHERE ctid = (SELECT min(ctid) FROM probe_bag WHERE k = 'a')", "probe_bag", `^rebuilt only: .*"k": ?"a"`},
		{"the bag's NULL made empty", "UPDATE probe_bag SET note = '' WHERE k = 'a'", "probe_bag", `"k": ?"a"`},
		{"the bag's one tiyn", "UPDATE probe_bag SET amount = amount - 0.01 WHERE k = 'b'", "probe_bag", `"amount": ?19.99`},
		{"the bag's key's case", "UPDATE probe_bag SET k = 'B' WHERE k = 'b'", "probe_bag", `"k": ?"[Bb]"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// The tampering is rolled back with the comparison's
			// transaction; the shadows are made after it, as the
			// verification makes them after any tampering.
			tx, err := owner.Begin(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer tx.Rollback(ctx)
			if tc.tamper != "" {
				if _, err := tx.Exec(ctx, tc.tamper); err != nil {
					t.Fatal(err)
				}
			}
			if err := ledger.CreateShadows(ctx, tx, probeShadows); err != nil {
				t.Fatal(err)
			}
			if _, err := tx.Exec(ctx, fmt.Sprintf(sqlProbeRows, "pg_temp.")); err != nil {
				t.Fatal(err)
			}
			err = ledger.CompareShadows(ctx, tx, probeShadows)
			if tc.row == "" {
				if err != nil {
					t.Fatalf("compare: %v, want no mismatch", err)
				}
				return
			}
			var m *ledger.ProjectionMismatch
			if !errors.As(err, &m) || m.Table != tc.table || !regexp.MustCompile(tc.row).MatchString(m.Detail) {
				t.Fatalf("compare: %v, want a mismatch in %s naming a row matching %s", err, tc.table, tc.row)
			}
		})
	}
}
