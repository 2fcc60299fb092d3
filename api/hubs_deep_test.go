package api_test

import (
	"testing"

	"ecinema/apikey"
	"ecinema/culture/hubs"
	"ecinema/internal/apptest"
)

// TestHubsDeepCheckFindsTamperingUndone: a deal is decided under the head
// lock from hub_introductions (still requested) and copies the
// introduction's investor. An introduction changed for one deal and put
// back leaves hub_deals equal to its rebuild; verify --deep reports the
// deal entry whose introduction is not that deal (exit status 1).
func TestHubsDeepCheckFindsTamperingUndone(t *testing.T) {
	for _, tc := range []struct {
		name, tamper, undo string // %[1]s: i2's introduction, %[2]s: i1's (declined)
		table, detail      string
		deal               int // 1: i2's introduction, 2: i1's
	}{
		{name: "the investor of an introduction", tamper: `UPDATE hub_introductions SET investor_id = 'i1' WHERE id = '%[1]s'`,
			undo: `UPDATE hub_introductions SET investor_id = 'i2' WHERE id = '%[1]s'`, deal: 1,
			table: "hub_introductions", detail: `^deal entry \d+: introduction "\S+" of hub "astana", pitch "p1", investor "i1"; hub_introductions holds hub "astana", pitch "p1", investor "i2" in state "deal"$`},
		{name: "a declined introduction", tamper: `UPDATE hub_introductions SET state = 'requested' WHERE id = '%[2]s'`,
			undo: `UPDATE hub_introductions SET state = 'declined' WHERE id = '%[2]s'`, deal: 2,
			table: "hub_introductions", detail: `^deal entry \d+: introduction "\S+" of hub "astana", pitch "p1", investor "i1"; hub_introductions holds hub "astana", pitch "p1", investor "i1" in state "declined"$`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := apptest.New(t)
			expect(t, "astana", env.Do("PUT", "/v1/hubs/astana", env.AdminKey, hubBody("KZ-71", "Astana", 51.128, 71.430)), 200, "")
			op := scopedKey(t, env, apikey.RoleHubOperator, "astana")
			expect(t, "i1", env.Do("PUT", "/v1/investors/i1", env.AdminKey, investorBody("10000000", "50000000", []string{"film", "music"}, []string{"KZ-71", "KZ-75"}, []string{"equity", "loan"})), 200, "")
			expect(t, "i2", env.Do("PUT", "/v1/investors/i2", env.AdminKey, investorBody("5000000", "25000000", []string{"film"}, []string{"KZ-71"}, []string{"equity"})), 200, "")
			expect(t, "pitch", env.Do("PUT", "/v1/hubs/astana/pitches/p1", op, pitchBody("15000000", "equity")), 200, "")
			var in2, in1 struct{ ID string }
			r := env.Do("POST", "/v1/hubs/astana/pitches/p1/introductions", op, map[string]string{"investor_id": "i2"})
			expect(t, "introduce i2", r, 201, "")
			r.JSON(t, &in2)
			r = env.Do("POST", "/v1/hubs/astana/pitches/p1/introductions", op, map[string]string{"investor_id": "i1"})
			expect(t, "introduce i1", r, 201, "")
			r.JSON(t, &in1)
			expect(t, "declined", env.Do("POST", "/v1/hubs/astana/pitches/p1/introductions/"+in1.ID+"/outcome", op, map[string]any{"status": "declined"}), 200, "")
			id := map[int]string{1: in2.ID, 2: in1.ID}[tc.deal]
			args := func(s string) string { return sprintfArgs(s, in2.ID, in1.ID) }
			tamperUndone(t, env, hubs.NewDeepCheck(), args(tc.tamper), func() {
				expect(t, "deal", env.Do("POST", "/v1/hubs/astana/pitches/p1/introductions/"+id+"/outcome", op,
					map[string]any{"status": "deal", "amount": "12000000.00", "instrument": "equity"}), 200, "")
			}, args(tc.undo), tc.table, tc.detail)
		})
	}
}
