package api_test

import (
	"testing"

	"ecinema/apikey"
	"ecinema/culture/hubs"
	"ecinema/culture/idempotency"
	"ecinema/internal/apptest"
	"ecinema/internal/pgtest"
)

// TestHubsDealRacesPitchVersion: a pitch version (another BIN, sector and
// region) lands between the moment a deal would have read the pitch
// outside the lock and its append. The pitch is read under the head lock,
// so the deal entry and hub_deals (the fund's investment statistics by
// sector and region) copy the pitch as it stands; verify --deep finds the
// log honest.
func TestHubsDealRacesPitchVersion(t *testing.T) {
	env := apptest.New(t)
	ctx := t.Context()
	expect(t, "astana", env.Do("PUT", "/v1/hubs/astana", env.AdminKey, hubBody("KZ-71", "Astana", 51.128, 71.430)), 200, "")
	op := scopedKey(t, env, apikey.RoleHubOperator, "astana")
	expect(t, "i1", env.Do("PUT", "/v1/investors/i1", env.AdminKey, investorBody("10000000", "50000000", []string{"film", "music"}, []string{"KZ-71", "KZ-75"}, []string{"equity", "loan"})), 200, "")
	expect(t, "pitch", env.Do("PUT", "/v1/hubs/astana/pitches/p1", op, pitchBody("15000000", "equity")), 200, "")
	var in struct{ ID string }
	r := env.Do("POST", "/v1/hubs/astana/pitches/p1/introductions", op, map[string]string{"investor_id": "i1"})
	expect(t, "introduce", r, 201, "")
	r.JSON(t, &in)

	app := &apptest.HookAppender{App: env.App.Writer}
	svc := hubs.NewService(env.App.Pool, app, hubs.Config{})
	app.Arm("hub_deal", func() {
		p := hubs.Pitch{BIN: "180140000107", Title: map[string]string{"ru": "Мелодии степи"}, Sector: "music", Region: "KZ-75",
			Amount: "15000000.00", Instrument: "equity", ExportMarkets: []string{"UZ"}}
		if _, err := svc.PutPitch(ctx, "test", "astana", "p1", p); err != nil {
			t.Error(err)
		}
	})
	if _, err := svc.Outcome(ctx, "test", "astana", "p1", in.ID, hubs.OutcomeInput{Status: "deal", Amount: "12000000.00", Instrument: "equity"}, idempotency.Key{}); err != nil {
		t.Fatal(err)
	}
	var bin, sector, region, entry string
	pgtest.Row(t, env.App.Pool, `SELECT bin, sector, region FROM hub_deals WHERE introduction_id = $1`, in.ID).Scan(&bin, &sector, &region)
	pgtest.Row(t, env.App.Pool, `SELECT convert_from(bytes, 'UTF8')::jsonb->'body'->>'sector' FROM ledger_entries WHERE kind = 'hub_deal'`).Scan(&entry)
	if bin != "180140000107" || sector != "music" || region != "KZ-75" || entry != "music" {
		t.Errorf("the deal copies BIN %s, sector %q (entry %q), region %s; want the pitch as it stands: 180140000107, music, KZ-75",
			bin, sector, entry, region)
	}
	verifyDeepHubs(t, env)
}

func verifyDeepHubs(t *testing.T, env *apptest.Env) {
	t.Helper()
	if err := env.VerifyDeep(t, hubs.NewDeepCheck()); err != nil {
		t.Errorf("verify --deep: %v", err)
	}
}
