package ngo_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"ecinema/culture/ngo"
	"ecinema/internal/pgtest"
	"ecinema/kztime"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// TestLateAndEligibilityByClock drives the service with its own clock:
// a report submitted on 31 March is on time, one submitted on 1 April is
// late, and eligibility follows the last due report.
func TestLateAndEligibilityByClock(t *testing.T) {
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	now := time.Date(2026, 3, 31, 23, 30, 0, 0, kztime.Location)
	svc := ngo.NewService(pool, ngo.Config{Now: func() time.Time { return now }})
	staff := 3
	in := ngo.ReportInput{Staff: &staff, Volunteers: &staff,
		Funding: []ngo.Funding{{Source: "grant", Amount: "1000000.00"}}}
	for _, bin := range []string{"070440000096", "071045706654"} {
		if _, err := svc.PutNGO(ctx, "admin", bin, ngo.NGO{Name: map[string]string{"kk": "Қор"}, LegalForm: "foundation",
			RegisteredOn: "2020-02-01", Status: "active", Region: "KZ-11", Address: "Kokshetau"}); err != nil {
			t.Fatal(err)
		}
	}
	e, err := svc.Eligibility(ctx, "070440000096")
	if err != nil || e.Eligible || e.DueYear != 2024 || e.Reasons[0].Code != "report_missing" {
		t.Fatalf("before any report: %+v %v", e, err)
	}
	if _, err := svc.PutReport(ctx, "k1", "070440000096", 2025, in); err != nil {
		t.Fatal(err)
	}
	r, err := svc.Submit(ctx, "k1", "070440000096", 2025)
	if err != nil || r.Late || r.Status != ngo.StatusSubmitted {
		t.Fatalf("submitted on 31 March 23:30: %+v %v", r, err)
	}
	now = time.Date(2026, 4, 1, 0, 0, 0, 0, kztime.Location)
	if _, err := svc.PutReport(ctx, "k2", "071045706654", 2025, in); err != nil {
		t.Fatal(err)
	}
	r, err = svc.Submit(ctx, "k2", "071045706654", 2025)
	if err != nil || !r.Late {
		t.Fatalf("submitted on 1 April 00:00: %+v %v", r, err)
	}
	// Returned and resubmitted later: the new submission decides the flag.
	if _, err := svc.Decide(ctx, "admin", "070440000096", 2025, false, "sign the property section"); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.PutReport(ctx, "k1", "070440000096", 2025, in); err != nil {
		t.Fatal(err)
	}
	if r, err = svc.Submit(ctx, "k1", "070440000096", 2025); err != nil || !r.Late {
		t.Fatalf("resubmitted on 1 April: %+v %v", r, err)
	}
	if _, err := svc.Decide(ctx, "admin", "070440000096", 2025, true, ""); err != nil {
		t.Fatal(err)
	}
	e, err = svc.Eligibility(ctx, "070440000096")
	if err != nil || !e.Eligible || e.DueYear != 2025 || len(e.Reasons) != 0 {
		t.Fatalf("after acceptance: %+v %v", e, err)
	}
	vs, err := svc.ReportVersions(ctx, "070440000096", 2025)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"draft", "submitted", "returned", "draft", "submitted", "accepted"}
	if len(vs) != len(want) {
		t.Fatalf("versions %+v", vs)
	}
	for i, v := range vs {
		if v.Version != i+1 || v.Status != want[i] {
			t.Errorf("version %d: %d %s, want %s", i, v.Version, v.Status, want[i])
		}
	}
	if vs[2].Comment != "sign the property section" {
		t.Errorf("return comment %q", vs[2].Comment)
	}
	// The version rows cannot be changed by the service role.
	if _, err := pool.Exec(ctx, `UPDATE ngo_report_versions SET status = 'accepted'`); err == nil {
		t.Error("the service role could update report versions")
	}
	if _, err := svc.Report(ctx, "070440000096", 2023); !errors.Is(err, ngo.ErrNotFound) {
		t.Errorf("missing report: %v", err)
	}
}
