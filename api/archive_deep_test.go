package api_test

import (
	"context"
	"testing"

	"ecinema/culture/archive"
	"ecinema/culture/archive/archivetest"
	"ecinema/culture/archive/bagit"
)

// TestArchiveDeepCheckFindsTamperingUndone: a unit version and a deposit
// are refused under the head lock when archive_units says the unit is
// withdrawn, a withdrawal copies the unit's record from it, and a fixity
// event names the AIP and unit read from archive_aips. A row changed for
// one such write (and put back) leaves every table equal to its rebuild;
// verify --deep reports the entry that breaks the rule (exit status 1).
func TestArchiveDeepCheckFindsTamperingUndone(t *testing.T) {
	deposit := func(e *archiveEnv, t *testing.T, unit string) {
		expect(t, "deposit", e.Do("POST", "/v1/archive/units/"+unit+"/deposits", e.arch, archivetest.Bag(bagit.Zip, "b", "e-"+unit, sampleFiles()),
			"Content-Type", "application/zip"), 201, "")
	}
	for _, tc := range []struct {
		name, tamper, undo string
		write              func(e *archiveEnv, t *testing.T)
		table, detail      string
	}{
		{name: "a withdrawn unit changed", tamper: `UPDATE archive_units SET withdrawn = false WHERE id = 'u3'`,
			write: func(e *archiveEnv, t *testing.T) { e.putUnit(t, "u3", unitBody("три bis", "open", "R-2")) },
			table: "archive_units", detail: `^unit entry \d+: unit "u3" was withdrawn by entry \d+$`},
		{name: "a deposit into a withdrawn unit", tamper: `UPDATE archive_units SET withdrawn = false WHERE id = 'u3'`,
			undo:  `UPDATE archive_units SET withdrawn = true WHERE id = 'u3'`,
			write: func(e *archiveEnv, t *testing.T) { deposit(e, t, "u3") },
			table: "archive_units", detail: `^aip entry \d+: deposits into unit "u3", withdrawn by entry \d+$`},
		{name: "the record a withdrawal copies", tamper: `UPDATE archive_units SET record = jsonb_set(record, '{access}', '"open"') WHERE id = 'u2'`,
			write: func(e *archiveEnv, t *testing.T) {
				expect(t, "withdraw", e.Do("DELETE", "/v1/archive/units/u2", e.arch, nil), 200, "")
			},
			table: "archive_units", detail: `^unit entry \d+: the withdrawal of unit "u2" states another record than its version of entry \d+$`},
		{name: "the unit of an AIP checked for fixity", tamper: `UPDATE archive_aips SET unit_id = 'u2' WHERE unit_id = 'u1'`,
			undo: `UPDATE archive_aips SET unit_id = 'u1' WHERE unit_id = 'u2'`,
			write: func(e *archiveEnv, t *testing.T) {
				if _, err := e.App.Archive.Fixity(context.Background(), "test", "u2", 0); err != nil {
					t.Fatal(err)
				}
			},
			table: "archive_aips", detail: `^event entry \d+: names AIP \d+ of unit "u2"; that entry is no AIP of the unit$`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newArchiveEnv(t)
			e.putUnit(t, "u1", unitBody("один", "open", "R-1"))
			e.putUnit(t, "u2", unitBody("два", "restricted", "R-1"))
			e.putUnit(t, "u3", unitBody("три", "open", "R-2"))
			deposit(e, t, "u1")
			expect(t, "withdraw", e.Do("DELETE", "/v1/archive/units/u3", e.arch, nil), 200, "")
			tamperUndone(t, e.Env, archive.NewDeepCheck(), tc.tamper, func() { tc.write(e, t) }, tc.undo, tc.table, tc.detail)
		})
	}
}
