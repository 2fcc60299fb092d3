package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"ecinema/apikey"
	"ecinema/culture/hubs"
	"ecinema/internal/apptest"
	"ecinema/internal/pgtest"
	"ecinema/ledger"
)

func hubBody(region, city string, lat, lon float64) map[string]any {
	return map[string]any{"name": map[string]string{"kk": "Креативті хаб " + city, "ru": "Креативный хаб " + city, "en": city + " Creative Hub"},
		"operator_bin": companyBIN, "region": region, "city": city, "address": "Abai avenue 1",
		"location": map[string]float64{"lat": lat, "lon": lon}, "facilities": []string{"coworking", "sound studio"},
		"sectors": []string{"film", "music"}, "opened_on": "2025-09-01", "status": "active"}
}

func investorBody(min, max string, sectors, regions, instruments []string) map[string]any {
	return map[string]any{"name": map[string]string{"kk": "Инвестор", "ru": "Инвестор"}, "sectors": sectors, "regions": regions,
		"ticket": map[string]string{"min": min, "max": max}, "instruments": instruments}
}

func pitchBody(amount, instrument string) map[string]any {
	return map[string]any{"bin": companyBIN, "title": map[string]string{"kk": "Дала әуендері", "ru": "Мелодии степи"},
		"sector": "film", "region": "KZ-71", "amount": amount, "instrument": instrument, "export_markets": []string{"UZ", "TR"}}
}

// TestHubsWorkflow walks the hubs' rules through the API: each refusal with
// its status and code and nothing stored, matching, introductions, a deal
// on the ledger that the fund's stats count and verify --deep rebuilds.
func TestHubsWorkflow(t *testing.T) {
	env := apptest.New(t)
	admin := env.AdminKey
	versions := func() int { return countRows(t, env, "SELECT count(*) FROM hub_versions") }

	// Hubs: admin only, a location in Kazakhstan, a known region.
	expect(t, "analyst registers", env.Do("PUT", "/v1/hubs/astana", env.Key(apikey.RoleAnalyst, "", ""), hubBody("KZ-71", "Astana", 51.128, 71.430)), 403, "forbidden")
	expect(t, "swapped lat/lon", env.Do("PUT", "/v1/hubs/astana", admin, hubBody("KZ-71", "Astana", 71.430, 51.128)), 400, "invalid_request")
	expect(t, "unknown region", env.Do("PUT", "/v1/hubs/astana", admin, hubBody("KZ-00", "Astana", 51.128, 71.430)), 422, "unknown_reference")
	b := hubBody("KZ-71", "Astana", 51.128, 71.430)
	b["status"] = "open"
	expect(t, "bad status", env.Do("PUT", "/v1/hubs/astana", admin, b), 400, "invalid_request")
	if n := versions(); n != 0 {
		t.Fatalf("%d versions stored by refused requests", n)
	}
	if _, _, err := env.App.Keys.Create(context.Background(), apikey.Spec{Name: "x", Role: apikey.RoleHubOperator, Scope: "astana"}); err == nil {
		t.Fatal("a hub_operator key for an unregistered hub was issued")
	}
	expect(t, "astana", env.Do("PUT", "/v1/hubs/astana", admin, hubBody("KZ-71", "Astana", 51.128, 71.430)), 200, "")
	expect(t, "uralsk", env.Do("PUT", "/v1/hubs/uralsk", admin, hubBody("KZ-27", "Oral", 51.233, 51.367)), 200, "")
	op, other := scopedKey(t, env, apikey.RoleHubOperator, "astana"), scopedKey(t, env, apikey.RoleHubOperator, "uralsk")

	// Events: the hub's own operator, ends after start.
	ev := func(start, end string) map[string]any {
		return map[string]any{"title": map[string]string{"kk": "Питч-күн; кино, музыка", "ru": "Питч-день: кино, музыка", "en": "Pitch day"},
			"starts_at": start, "ends_at": end,
			"description": map[string]string{"ru": "Проекты встречают инвесторов.\nВход свободный — для всех резидентов хаба, которые хотят показать свою работу"}}
	}
	expect(t, "other hub's operator", env.Do("PUT", "/v1/hubs/astana/events/e1", other, ev("2026-12-05T15:00:00+05:00", "2026-12-05T18:00:00+05:00")), 403, "forbidden")
	expect(t, "ends before start", env.Do("PUT", "/v1/hubs/astana/events/e1", op, ev("2026-12-05T15:00:00+05:00", "2026-12-05T14:00:00+05:00")), 400, "invalid_request")
	expect(t, "no offset", env.Do("PUT", "/v1/hubs/astana/events/e1", op, ev("2026-12-05T15:00:00", "2026-12-05T18:00:00")), 400, "invalid_request")
	if n := countRows(t, env, "SELECT count(*) FROM hub_events"); n != 0 {
		t.Fatalf("%d events stored by refused requests", n)
	}
	expect(t, "event", env.Do("PUT", "/v1/hubs/astana/events/e1", op, ev("2026-12-05T15:00:00+05:00", "2026-12-05T18:00:00+05:00")), 200, "")
	expect(t, "event again", env.Do("PUT", "/v1/hubs/astana/events/e1", op, ev("2026-12-05T16:00:00+05:00", "2026-12-05T19:00:00+05:00")), 200, "")
	expect(t, "event 2", env.Do("PUT", "/v1/hubs/astana/events/e2", op, ev("2026-12-12T10:00:00+05:00", "2026-12-12T12:30:00+05:00")), 200, "")

	// Investors and matching.
	expect(t, "bad ticket", env.Do("PUT", "/v1/investors/i1", admin, investorBody("900", "100", []string{"film"}, []string{"KZ-71"}, []string{"equity"})), 400, "invalid_request")
	expect(t, "i1", env.Do("PUT", "/v1/investors/i1", admin, investorBody("10000000", "50000000", []string{"film", "music"}, []string{"KZ-71", "KZ-75"}, []string{"equity", "loan"})), 200, "")
	expect(t, "i2", env.Do("PUT", "/v1/investors/i2", admin, investorBody("5000000", "25000000", []string{"film"}, []string{"KZ-71"}, []string{"equity"})), 200, "")
	expect(t, "i3 wrong sector", env.Do("PUT", "/v1/investors/i3", admin, investorBody("1000000", "90000000", []string{"games"}, []string{"KZ-71"}, []string{"equity"})), 200, "")
	expect(t, "i4 wrong region", env.Do("PUT", "/v1/investors/i4", admin, investorBody("1000000", "90000000", []string{"film"}, []string{"KZ-75"}, []string{"equity"})), 200, "")
	expect(t, "i5 ticket too small", env.Do("PUT", "/v1/investors/i5", admin, investorBody("1000000", "5000000", []string{"film"}, []string{"KZ-71"}, []string{"equity"})), 200, "")
	expect(t, "i6 loans only", env.Do("PUT", "/v1/investors/i6", admin, investorBody("1000000", "90000000", []string{"film"}, []string{"KZ-71"}, []string{"loan"})), 200, "")
	// The lists are of no one hub: a hub_operator reads them too (the hub
	// scope once refused it, for want of an :id).
	expect(t, "operator lists investors", env.Do("GET", "/v1/investors", op, nil), 200, "")
	expect(t, "operator lists hubs", env.Do("GET", "/v1/hubs", op, nil), 200, "")
	expect(t, "pitch for another hub", env.Do("PUT", "/v1/hubs/astana/pitches/p1", other, pitchBody("15000000", "equity")), 403, "forbidden")
	p := pitchBody("15000000", "equity")
	p["export_markets"] = []string{"KZ"}
	expect(t, "export to KZ", env.Do("PUT", "/v1/hubs/astana/pitches/p1", op, p), 400, "invalid_request")
	// Not only the shape: XX is user-assigned, EU and UK reserved (the
	// United Kingdom is GB); no country of ISO 3166-1.
	for _, c := range []string{"XX", "EU", "UK", "AA"} {
		p["export_markets"] = []string{"UZ", c}
		expect(t, "export to "+c, env.Do("PUT", "/v1/hubs/astana/pitches/p1", op, p), 400, "invalid_request")
	}
	p["export_markets"] = []string{"UZ", "TR", "GB", "CN"}
	expect(t, "export to UZ, TR, GB, CN", env.Do("PUT", "/v1/hubs/astana/pitches/p0", op, p), 200, "")
	expect(t, "pitch", env.Do("PUT", "/v1/hubs/astana/pitches/p1", op, pitchBody("15000000", "equity")), 200, "")
	var ms struct {
		Items []struct {
			InvestorID string `json:"investor_id"`
			Score      int
		}
	}
	env.Do("GET", "/v1/hubs/astana/pitches/p1/matches", op, nil).JSON(t, &ms)
	// i2: 15M is the middle of 5..25M → 100; i1: 10..50M, middle 30M, 15M is 15/20 off → 62.5 → 63.
	if len(ms.Items) != 2 || ms.Items[0].InvestorID != "i2" || ms.Items[0].Score != 100 || ms.Items[1].InvestorID != "i1" || ms.Items[1].Score != 63 {
		t.Fatalf("matches %+v", ms.Items)
	}
	expect(t, "other hub's matches", env.Do("GET", "/v1/hubs/astana/pitches/p1/matches", other, nil), 403, "forbidden")

	// Introductions: only to a match, one open at a time, one outcome.
	intro := func(inv string) apptest.Response {
		return env.Do("POST", "/v1/hubs/astana/pitches/p1/introductions", op, map[string]string{"investor_id": inv})
	}
	expect(t, "not a match", intro("i3"), 422, "not_a_match")
	expect(t, "unknown investor", intro("nobody"), 422, "unknown_reference")
	if n := countRows(t, env, "SELECT count(*) FROM hub_introductions"); n != 0 {
		t.Fatalf("%d introductions stored by refused requests", n)
	}
	res := intro("i2")
	expect(t, "introduce i2", res, 201, "")
	var in struct{ ID, State string }
	res.JSON(t, &in)
	if in.State != "requested" {
		t.Fatalf("introduction %s", res.Body)
	}
	expect(t, "introduce i2 again", intro("i2"), 409, "introduction_exists")
	res = intro("i1")
	var in1 struct{ ID string }
	res.JSON(t, &in1)
	out := func(id string, body map[string]any) apptest.Response {
		return env.Do("POST", "/v1/hubs/astana/pitches/p1/introductions/"+id+"/outcome", op, body)
	}
	entries0 := entries(t, env)
	expect(t, "deal without amount", out(in.ID, map[string]any{"status": "deal", "instrument": "equity"}), 400, "invalid_request")
	expect(t, "declined with amount", out(in.ID, map[string]any{"status": "declined", "amount": "1.00"}), 400, "invalid_request")
	expect(t, "maybe", out(in.ID, map[string]any{"status": "maybe"}), 400, "invalid_request")
	if entries(t, env) != entries0 {
		t.Fatal("refused outcomes appended entries")
	}
	res = out(in.ID, map[string]any{"status": "deal", "amount": "12000000.00", "instrument": "equity"})
	expect(t, "deal", res, 200, "")
	var deal struct {
		State    string
		Amount   string
		EntrySeq *int64 `json:"entry_seq"`
	}
	res.JSON(t, &deal)
	if deal.State != "deal" || deal.Amount != "12000000.00" || deal.EntrySeq == nil {
		t.Fatalf("deal %s", res.Body)
	}
	expect(t, "second outcome", out(in.ID, map[string]any{"status": "declined"}), 409, "introduction_closed")
	expect(t, "declined", out(in1.ID, map[string]any{"status": "declined"}), 200, "")
	if n := countRows(t, env, "SELECT count(*) FROM ledger_entries WHERE kind = 'hub_deal'"); n != 1 {
		t.Fatalf("%d hub_deal entries, want 1", n)
	}

	// The fund's stats count the deal as private investment in film, Astana.
	var st struct {
		PrivateInvestment string `json:"private_investment"`
		Deals             int
		BySector          []struct {
			Key               string
			PrivateInvestment string `json:"private_investment"`
		} `json:"by_sector"`
	}
	env.Do("GET", fmt.Sprintf("/v1/fund/stats?year=%d", time.Now().In(time.FixedZone("", 5*3600)).Year()), admin, nil).JSON(t, &st)
	if st.PrivateInvestment != "12000000.00" || st.Deals != 1 || len(st.BySector) != 1 || st.BySector[0].Key != "film" {
		t.Fatalf("stats %+v", st)
	}

	// The deal's projection rebuilds from the ledger; tampering is found.
	ctx := context.Background()
	if _, err := env.App.Publisher.Publish(ctx); err != nil {
		t.Fatal(err)
	}
	v, _ := ledger.NewVerifier(env.Verifier)
	owner := pgtest.OwnerPool(t, env.DBURL)
	verify := func() error {
		_, err := ledger.VerifyDB(ctx, owner, ledger.VerifyOptions{Verifier: v, Origin: "ecinema.test/ledger", Deep: []ledger.DeepCheck{hubs.NewDeepCheck()}})
		return err
	}
	if err := verify(); err != nil {
		t.Fatalf("deep verify: %v", err)
	}
	owner.Exec(ctx, `UPDATE hub_deals SET amount = 1`)
	var ve *ledger.VerifyError
	if err := verify(); !errors.As(err, &ve) || !strings.Contains(ve.Detail, "hub_deals") {
		t.Fatalf("tampered deal: %v", err)
	}

	// Open data: public GeoJSON and iCalendar, checked by parsers that are not ours.
	res = env.Do("GET", "/open-data/hubs.geojson", "", nil)
	expect(t, "geojson", res, 200, "")
	if ct := res.Header.Get("Content-Type"); ct != "application/geo+json" {
		t.Errorf("geojson content type %q", ct)
	}
	var gj struct {
		Features []struct {
			ID, Title string
			Lon, Lat  float64
		}
	}
	nodeCheck(t, "geojson", res.Body, &gj)
	if len(gj.Features) != 2 || gj.Features[0].ID != "astana" || gj.Features[0].Lon != 71.43 || gj.Features[0].Lat != 51.128 ||
		gj.Features[0].Title != "Креативті хаб Astana" {
		t.Errorf("geojson as read by check-geojson: %+v", gj)
	}
	res = env.Do("GET", "/hubs/astana/events.ics?lang=ru", "", nil)
	expect(t, "ics", res, 200, "")
	if ct := res.Header.Get("Content-Type"); ct != "text/calendar; charset=utf-8" {
		t.Errorf("ics content type %q", ct)
	}
	for _, l := range strings.Split(strings.TrimSuffix(string(res.Body), "\r\n"), "\r\n") {
		if len(l) > 75 {
			t.Errorf("unfolded line of %d octets: %q", len(l), l)
		}
	}
	var ic struct {
		Events []struct {
			UID, Summary, Description, Start, End, Dtstamp string
			Sequence                                       int
		}
	}
	nodeCheck(t, "ical", res.Body, &ic)
	if len(ic.Events) != 2 {
		t.Fatalf("ical.js read %+v", ic)
	}
	e1 := ic.Events[0]
	if e1.UID != "e1@astana.hubs.ecinema.kz" || e1.Summary != "Питч-день: кино, музыка" || e1.Start != "2026-12-05T11:00:00.000Z" ||
		e1.End != "2026-12-05T14:00:00.000Z" || e1.Sequence != 1 || !strings.Contains(e1.Description, "\n") || e1.Dtstamp == "" {
		t.Errorf("event as read by ical.js: %+v", e1)
	}
	expect(t, "ics of an unknown hub", env.Do("GET", "/hubs/nowhere/events.ics", "", nil), 404, "not_found")
}

// nodeCheck runs testdata/hubs/check.mjs (a GeoJSON checker and an
// iCalendar parser from npm) on body and decodes what it read into v.
// Skipped without node or its node_modules unless CI is set.
func nodeCheck(t *testing.T, mode string, body []byte, v any) {
	t.Helper()
	dir, _ := filepath.Abs("../testdata/hubs")
	node, err := exec.LookPath("node")
	if err == nil {
		_, err = os.Stat(filepath.Join(dir, "node_modules", "ical.js"))
	}
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI: node and testdata/hubs/node_modules are required (.ci/run runs npm ci): %v", err)
		}
		t.Skipf("node checkers not available (install node, run npm ci in testdata/hubs): %v", err)
	}
	f := filepath.Join(t.TempDir(), "doc."+mode)
	if err := os.WriteFile(f, body, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(node, "check.mjs", mode, f)
	cmd.Dir = dir
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node check %s: %v: %s\n%s", mode, err, stderr.String(), body)
	}
	if err := json.Unmarshal(out, v); err != nil {
		t.Fatalf("node check %s printed %s: %v", mode, out, err)
	}
}

// TestHubsNodeCheckersRefuse shows the checkers are not vacuous: a Point
// with one coordinate and a calendar whose event lacks its end are refused.
func TestHubsNodeCheckersRefuse(t *testing.T) {
	node, err := exec.LookPath("node")
	dir, _ := filepath.Abs("../testdata/hubs")
	if err == nil {
		_, err = os.Stat(filepath.Join(dir, "node_modules", "ical.js"))
	}
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI: node and testdata/hubs/node_modules are required: %v", err)
		}
		t.Skipf("node checkers not available: %v", err)
	}
	for mode, doc := range map[string]string{
		"geojson": `{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Point","coordinates":[71.4]},"properties":{}}]}`,
		"ical":    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//x//y//EN\r\nBEGIN:VEVENT\r\nUID:a@b\r\nDTSTAMP:20261201T000000Z\r\nDTSTART:20261201T100000Z\r\nSUMMARY:x\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
	} {
		f := filepath.Join(t.TempDir(), "bad")
		os.WriteFile(f, []byte(doc), 0o600)
		cmd := exec.Command(node, "check.mjs", mode, f)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err == nil {
			t.Errorf("%s checker accepted a broken document: %s", mode, out)
		}
	}
}
