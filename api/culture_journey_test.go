package api_test

import (
	"bytes"
	"fmt"
	"testing"

	"ecinema/apikey"
	"ecinema/internal/apptest"
)

// located checks that a 201 names the record it created in Location and
// that reading it there gives what the 201 answered (want: the body, or
// nil to check only that the read succeeds).
func located(t *testing.T, env *apptest.Env, what string, res apptest.Response, key, want string) {
	t.Helper()
	loc := res.Header.Get("Location")
	if loc != want {
		t.Fatalf("%s: Location %q, want %q", what, loc, want)
	}
	if r := env.Do("GET", loc, key, nil); r.Status != 200 {
		t.Fatalf("%s: GET %s: %d %s", what, loc, r.Status, r.Body)
	}
}

// TestCultureCreatedLocation: the fund's and the hubs' create requests
// answer 201 with a Location a client can read the record at (RFC 9110
// 15.3.2): an application, the grant of an award, the grant a payment is
// part of, an introduction (whose own GET is new).
func TestCultureCreatedLocation(t *testing.T) {
	w := newFundWorld(t)
	res := w.Do("POST", "/v1/fund/calls/c1/applications", w.company, application("100000.00"))
	expect(t, "apply", res, 201, "")
	var app struct{ ID string }
	res.JSON(t, &app)
	located(t, w.Env, "application", res, w.company, "/v1/fund/applications/"+app.ID)
	w.review(t, app.ID, "e1", "e2", "e3")
	res = w.Do("POST", "/v1/fund/applications/"+app.ID+"/decision", w.officer, map[string]any{"award": true, "amount": "90000.00"})
	expect(t, "award", res, 201, "")
	var dec struct {
		GrantID string `json:"grant_id"`
	}
	res.JSON(t, &dec)
	located(t, w.Env, "award", res, w.officer, "/v1/fund/grants/"+dec.GrantID)
	res = w.Do("POST", "/v1/fund/grants/"+dec.GrantID+"/disbursements", w.officer,
		map[string]any{"amount": "1000.00", "date": day(w.today, 0), "milestone": "script"})
	expect(t, "pay", res, 201, "")
	located(t, w.Env, "payment", res, w.officer, "/v1/fund/grants/"+dec.GrantID)
	other := w.apply(t, w.ngoKey, "1000.00")
	w.review(t, other, "e1", "e2", "e3")
	res = w.Do("POST", "/v1/fund/applications/"+other+"/decision", w.officer, map[string]any{"award": false})
	expect(t, "reject", res, 201, "")
	located(t, w.Env, "rejection", res, w.officer, "/v1/fund/applications/"+other)

	env := w.Env
	expect(t, "hub", env.Do("PUT", "/v1/hubs/astana", env.AdminKey, hubBody("KZ-71", "Astana", 51.128, 71.430)), 200, "")
	op := scopedKey(t, env, apikey.RoleHubOperator, "astana")
	expect(t, "i2", env.Do("PUT", "/v1/investors/i2", env.AdminKey, investorBody("5000000", "25000000", []string{"film"}, []string{"KZ-71"}, []string{"equity"})), 200, "")
	expect(t, "pitch", env.Do("PUT", "/v1/hubs/astana/pitches/p1", op, pitchBody("15000000", "equity")), 200, "")
	res = env.Do("POST", "/v1/hubs/astana/pitches/p1/introductions", op, map[string]string{"investor_id": "i2"})
	expect(t, "introduce", res, 201, "")
	var in struct{ ID string }
	res.JSON(t, &in)
	located(t, env, "introduction", res, op, "/v1/hubs/astana/pitches/p1/introductions/"+in.ID)
	if r := env.Do("GET", res.Header.Get("Location"), op, nil); !bytes.Equal(r.Body, res.Body) {
		t.Fatalf("the introduction read back %s, answered %s", r.Body, res.Body)
	}
	expect(t, "unknown introduction", env.Do("GET", "/v1/hubs/astana/pitches/p1/introductions/intro-999", op, nil), 404, "not_found")
}

// TestFundApplicationsCursor: a cursor that names no application is a
// query parameter at fault, 400 invalid_query (it was 404 not_found, which
// reads as "no such call").
func TestFundApplicationsCursor(t *testing.T) {
	w := newFundWorld(t)
	w.apply(t, w.company, "1000.00")
	expect(t, "bad cursor", w.Do("GET", "/v1/fund/calls/c1/applications?cursor=zzz", w.officer, nil), 400, "invalid_query")
}

// TestFundApplicationsListedByTheirReaders: an applicant (ngo or applicant
// key) lists its own applications to a call, and an expert lists them all,
// so that neither needs the ids from elsewhere; pages follow next_cursor.
func TestFundApplicationsListedByTheirReaders(t *testing.T) {
	w := newFundWorld(t)
	co1, ngo1, co2 := w.apply(t, w.company, "1000.00"), w.apply(t, w.ngoKey, "2000.00"), w.apply(t, w.company, "3000.00")
	list := func(key, query string) (ids []string, next string) {
		t.Helper()
		return pageIDs(t, "list "+query, w.Do("GET", "/v1/fund/calls/c1/applications"+query, key, nil))
	}
	for _, tc := range []struct {
		who, key string
		want     []string
	}{
		{"the company", w.company, []string{co1, co2}},
		{"the NGO", w.ngoKey, []string{ngo1}},
		{"an applicant without applications", w.other, nil},
		{"an expert", w.experts["e1"], []string{co1, ngo1, co2}},
		{"the officer", w.officer, []string{co1, ngo1, co2}},
	} {
		if got, _ := list(tc.key, ""); fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("%s lists %v, want %v", tc.who, got, tc.want)
		}
	}
	first, next := list(w.company, "?limit=1")
	second, last := list(w.company, "?limit=1&cursor="+next)
	if fmt.Sprint(first, second) != fmt.Sprint([]string{co1}, []string{co2}) || next != co1 || last != "" {
		t.Errorf("the company's pages %v %q, %v %q", first, next, second, last)
	}
}

// TestHubListsForOperators: a hub operator reads back its hub's pitches (a
// page at a time) and events as JSON, as it reads its introductions; it
// needed their ids from elsewhere (the events only as iCalendar).
func TestHubListsForOperators(t *testing.T) {
	env := apptest.New(t)
	expect(t, "astana", env.Do("PUT", "/v1/hubs/astana", env.AdminKey, hubBody("KZ-71", "Astana", 51.128, 71.430)), 200, "")
	expect(t, "uralsk", env.Do("PUT", "/v1/hubs/uralsk", env.AdminKey, hubBody("KZ-27", "Oral", 51.233, 51.367)), 200, "")
	op, other := scopedKey(t, env, apikey.RoleHubOperator, "astana"), scopedKey(t, env, apikey.RoleHubOperator, "uralsk")
	for _, pid := range []string{"p2", "p1"} {
		expect(t, "pitch "+pid, env.Do("PUT", "/v1/hubs/astana/pitches/"+pid, op, pitchBody("15000000", "equity")), 200, "")
	}
	ev := func(start string) map[string]any {
		return map[string]any{"title": map[string]string{"ru": "Питч-день"}, "starts_at": start, "ends_at": "2026-12-31T18:00:00+05:00"}
	}
	expect(t, "event late", env.Do("PUT", "/v1/hubs/astana/events/late", op, ev("2026-12-20T15:00:00+05:00")), 200, "")
	expect(t, "event early", env.Do("PUT", "/v1/hubs/astana/events/early", op, ev("2026-12-05T15:00:00+05:00")), 200, "")
	if got, next := pageIDs(t, "pitches", env.Do("GET", "/v1/hubs/astana/pitches", op, nil)); fmt.Sprint(got) != "[p1 p2]" || next != "" {
		t.Errorf("pitches %v %q", got, next)
	}
	first, next := pageIDs(t, "pitches page 1", env.Do("GET", "/v1/hubs/astana/pitches?limit=1", op, nil))
	second, last := pageIDs(t, "pitches page 2", env.Do("GET", "/v1/hubs/astana/pitches?limit=1&cursor="+next, op, nil))
	if fmt.Sprint(first, second) != "[p1] [p2]" || next != "p1" || last != "" {
		t.Errorf("pitch pages %v %q %v %q", first, next, second, last)
	}
	if got, _ := pageIDs(t, "events", env.Do("GET", "/v1/hubs/astana/events", op, nil)); fmt.Sprint(got) != "[early late]" {
		t.Errorf("events in time order %v", got)
	}
	if got, _ := pageIDs(t, "a hub without events", env.Do("GET", "/v1/hubs/uralsk/events", other, nil)); len(got) != 0 {
		t.Errorf("uralsk events %v", got)
	}
	expect(t, "another hub's pitches", env.Do("GET", "/v1/hubs/astana/pitches", other, nil), 403, "forbidden")
	expect(t, "unknown hub's pitches", env.Do("GET", "/v1/hubs/nowhere/pitches", env.AdminKey, nil), 404, "not_found")
	expect(t, "unknown hub's events", env.Do("GET", "/v1/hubs/nowhere/events", env.AdminKey, nil), 404, "not_found")
}

// TestCultureNotFoundMessages: a 404 of the fund and the hubs says what was
// not found in a sentence ("grant \"grant-x\" not found"), not the error
// class's prefix ("not found: grant …").
func TestCultureNotFoundMessages(t *testing.T) {
	w := newFundWorld(t)
	expect(t, "hub", w.Do("PUT", "/v1/hubs/astana", w.AdminKey, hubBody("KZ-71", "Astana", 51.128, 71.430)), 200, "")
	for _, tc := range []struct{ path, key, want string }{
		{"/v1/fund/grants/grant-x", w.officer, `grant "grant-x" not found`},
		{"/v1/fund/applications/app-x", w.officer, `application "app-x" not found`},
		{"/v1/fund/calls/nope", w.officer, `call "nope" not found`},
		{"/v1/hubs/nowhere", w.AdminKey, `hub "nowhere" not found`},
		{"/v1/hubs/astana/pitches/p9", w.AdminKey, `pitch "p9" of hub "astana" not found`},
		{"/v1/investors/i9", w.AdminKey, `investor "i9" not found`},
	} {
		res := w.Do("GET", tc.path, tc.key, nil)
		expect(t, tc.path, res, 404, "not_found")
		var eb struct{ Error struct{ Message string } }
		res.JSON(t, &eb)
		if eb.Error.Message != tc.want {
			t.Errorf("GET %s: message %q, want %q", tc.path, eb.Error.Message, tc.want)
		}
	}
}

// TestCultureRefusalMessages: the refusals a new user meets on the way read
// as sentences: a second outcome names the first, too few reviews say how
// many of how many.
func TestCultureRefusalMessages(t *testing.T) {
	w := newFundWorld(t)
	message := func(res apptest.Response) string {
		var eb struct{ Error struct{ Message string } }
		res.JSON(t, &eb)
		return eb.Error.Message
	}
	app := w.apply(t, w.company, "1000.00")
	w.review(t, app, "e1")
	res := w.Do("POST", "/v1/fund/applications/"+app+"/decision", w.officer, map[string]any{"award": false})
	expect(t, "one review", res, 422, "not_enough_reviews")
	if got, want := message(res), "application "+app+" has 1 of the 3 reviews without a conflict of interest a decision needs"; got != want {
		t.Errorf("not_enough_reviews: %q, want %q", got, want)
	}
	env := w.Env
	expect(t, "hub", env.Do("PUT", "/v1/hubs/astana", env.AdminKey, hubBody("KZ-71", "Astana", 51.128, 71.430)), 200, "")
	op := scopedKey(t, env, apikey.RoleHubOperator, "astana")
	expect(t, "i2", env.Do("PUT", "/v1/investors/i2", env.AdminKey, investorBody("5000000", "25000000", []string{"film"}, []string{"KZ-71"}, []string{"equity"})), 200, "")
	expect(t, "pitch", env.Do("PUT", "/v1/hubs/astana/pitches/p1", op, pitchBody("15000000", "equity")), 200, "")
	for i, first := range []map[string]any{{"status": "deal", "amount": "15000000.00", "instrument": "equity"}, {"status": "declined"}} {
		res := env.Do("POST", "/v1/hubs/astana/pitches/p1/introductions", op, map[string]string{"investor_id": "i2"})
		expect(t, "introduce", res, 201, "")
		var in struct{ ID string }
		res.JSON(t, &in)
		out := "/v1/hubs/astana/pitches/p1/introductions/" + in.ID + "/outcome"
		expect(t, "outcome", env.Do("POST", out, op, first), 200, "")
		res = env.Do("POST", out, op, map[string]any{"status": "declined"})
		expect(t, "second outcome", res, 409, "introduction_closed")
		want := []string{"it ended in a deal", "it was declined"}[i]
		if got := message(res); got != "introduction "+in.ID+" already has its outcome: "+want {
			t.Errorf("second outcome after %v: %q", first["status"], got)
		}
	}
}

// pageIDs expects a 200 page of items and returns their ids and the next
// cursor.
func pageIDs(t *testing.T, what string, res apptest.Response) (ids []string, next string) {
	t.Helper()
	expect(t, what, res, 200, "")
	var page struct {
		Items []struct{ ID string }
		Next  string `json:"next_cursor"`
	}
	res.JSON(t, &page)
	for _, it := range page.Items {
		ids = append(ids, it.ID)
	}
	return ids, page.Next
}
