package archive_test

import (
	"testing"

	"ecinema/culture/archive"
	"ecinema/internal/apptest"
	"ecinema/internal/pgtest"
)

// TestWithdrawalRacesUnitVersion: a unit version lands between the moment
// a withdrawal would have read the unit's record outside the lock and its
// append. The record is read under the head lock, so the withdrawal
// copies the version as it stands (the archivist's edit is not undone by
// the withdrawal) and verify --deep, which checks that a withdrawal
// states its unit's latest record, finds the log honest.
func TestWithdrawalRacesUnitVersion(t *testing.T) {
	env := apptest.New(t)
	ctx := t.Context()
	app := &apptest.HookAppender{App: env.App.Writer}
	svc := archive.NewService(env.App.Pool, app, archive.Config{Blobs: env.App.Blobs})
	rec := func(title string) archive.UnitRecord {
		return archive.UnitRecord{Title: map[string]string{"ru": title}, Access: "open",
			Citation: archive.Citation{Archive: "CGA-RK", Fond: "R-1", Inventory: "1", File: "12"}}
	}
	if _, err := svc.PutUnit(ctx, "test", "u1", rec("Призывной список")); err != nil {
		t.Fatal(err)
	}
	app.Arm("archive_unit", func() {
		if _, err := svc.PutUnit(ctx, "test", "u1", rec("Призывной список, 1941")); err != nil {
			t.Error(err)
		}
	})
	u, err := svc.WithdrawUnit(ctx, "test", "u1")
	if err != nil {
		t.Fatal(err)
	}
	var title string
	var withdrawn bool
	pgtest.Row(t, env.App.Pool, `SELECT record->'title'->>'ru', withdrawn FROM archive_units WHERE id = 'u1'`).Scan(&title, &withdrawn)
	if title != "Призывной список, 1941" || !withdrawn || u.Title["ru"] != title || u.Version != 3 {
		t.Errorf("withdrawn unit: stored %q (withdrawn %v), answered %q version %d; want the version written meanwhile, withdrawn, version 3",
			title, withdrawn, u.Title["ru"], u.Version)
	}
	if err := env.VerifyDeep(t, archive.NewDeepCheck()); err != nil {
		t.Errorf("verify --deep: %v", err)
	}
}
