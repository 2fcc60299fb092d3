package api_test

import (
	"bytes"
	"fmt"
	"sync"
	"testing"

	"ecinema/apikey"
	"ecinema/culture/archive/archivetest"
	"ecinema/culture/archive/bagit"
	"ecinema/internal/apptest"
)

// idem is the header pair of an Idempotency-Key.
func idem(key string) []string { return []string{"Idempotency-Key", key} }

// TestCultureIdempotencyFund: the fund's create requests take an optional
// Idempotency-Key as SPEC section 4 gives it for sales: the same key with
// the same request answers the first answer byte for byte and creates
// nothing (also when it comes with other spacing and member order, and
// when ten copies race); another request under it is 409
// idempotency_key_reused; a malformed key is 400 idempotency_key_required;
// a refused request stores no key; a key is the API key's own; without the
// header each request creates a record, as before.
func TestCultureIdempotencyFund(t *testing.T) {
	w := newFundWorld(t)
	count := func(q string) int { return countRows(t, w.Env, q) }
	apps := func() int { return count("SELECT count(*) FROM fund_applications") }
	keys := func() int { return count("SELECT count(*) FROM culture_idempotency") }
	const path = "/v1/fund/calls/c1/applications"

	first := w.Do("POST", path, w.company, application("100000.00"), idem("apply-1")...)
	expect(t, "apply", first, 201, "")
	again := w.Do("POST", path, w.company, application("100000.00"), idem("apply-1")...)
	expect(t, "apply again", again, 201, "")
	if !bytes.Equal(again.Body, first.Body) {
		t.Fatalf("replay %s, first %s", again.Body, first.Body)
	}
	respaced := `{ "sector":"animation", "region":"KZ-75", "amount_requested":"100000.00",
	  "summary":"12 episodes in kk and ru for streaming abroad", "title":"Animated series «Алдар Көсе»" }`
	if res := w.Do("POST", path, w.company, respaced, idem("apply-1")...); res.Status != 201 || !bytes.Equal(res.Body, first.Body) {
		t.Fatalf("the same request spaced otherwise: %d %s", res.Status, res.Body)
	}
	if n, k := apps(), keys(); n != 1 || k != 1 {
		t.Fatalf("%d applications and %d keys after three sends of one request, want 1 and 1", n, k)
	}
	expect(t, "another request under the key", w.Do("POST", path, w.company, application("200000.00"), idem("apply-1")...), 409, "idempotency_key_reused")
	expect(t, "the key on another call", w.Do("POST", "/v1/fund/calls/c2/applications", w.company, application("100000.00"), idem("apply-1")...), 409, "idempotency_key_reused")
	expect(t, "a key with a space", w.Do("POST", path, w.company, application("100000.00"), idem("apply 2")...), 400, "idempotency_key_required")
	expect(t, "refused: over the budget", w.Do("POST", path, w.company, application("5000000.01"), idem("apply-3")...), 422, "not_eligible")
	if n, k := apps(), keys(); n != 1 || k != 1 {
		t.Fatalf("refused requests stored: %d applications, %d keys", n, k)
	}
	// The key of another API key is its own.
	expect(t, "another applicant, the same key", w.Do("POST", path, w.ngoKey, application("100000.00"), idem("apply-1")...), 201, "")
	// Without the header, each request is a new application.
	expect(t, "no key", w.Do("POST", path, w.company, application("100000.00")), 201, "")
	expect(t, "no key again", w.Do("POST", path, w.company, application("100000.00")), 201, "")
	if n, k := apps(), keys(); n != 4 || k != 2 {
		t.Fatalf("%d applications and %d keys, want 4 and 2", n, k)
	}

	// Ten copies of one request at once: one application, ten equal answers.
	var wg sync.WaitGroup
	answers := make([]apptest.Response, 10)
	for i := range answers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			answers[i] = w.Do("POST", path, w.other, application("300000.00"), idem("race")...)
		}()
	}
	wg.Wait()
	for i, a := range answers {
		if a.Status != 201 || !bytes.Equal(a.Body, answers[0].Body) {
			t.Fatalf("racing copy %d: %d %s (copy 0: %s)", i, a.Status, a.Body, answers[0].Body)
		}
	}
	if n := count("SELECT count(*) FROM fund_applications WHERE bin = '" + otherCo + "'"); n != 1 {
		t.Fatalf("%d applications from ten racing copies", n)
	}

	// A decision and a payment retried after a lost answer.
	var app struct{ ID string }
	first.JSON(t, &app)
	w.review(t, app.ID, "e1", "e2", "e3")
	decide := "/v1/fund/applications/" + app.ID + "/decision"
	award := map[string]any{"award": true, "amount": "90000.00"}
	d1 := w.Do("POST", decide, w.officer, award, idem("decide-1")...)
	expect(t, "award", d1, 201, "")
	d2 := w.Do("POST", decide, w.officer, award, idem("decide-1")...)
	if d2.Status != 201 || !bytes.Equal(d2.Body, d1.Body) {
		t.Fatalf("award retried: %d %s, first %s", d2.Status, d2.Body, d1.Body)
	}
	expect(t, "award retried without the key", w.Do("POST", decide, w.officer, award), 409, "already_decided")
	var dec struct {
		GrantID string `json:"grant_id"`
	}
	d1.JSON(t, &dec)
	pay := map[string]any{"amount": "10000.00", "date": day(w.today, 0), "milestone": "script", "export_revenue": "0"}
	p1 := w.Do("POST", "/v1/fund/grants/"+dec.GrantID+"/disbursements", w.officer, pay, idem("pay-1")...)
	expect(t, "pay", p1, 201, "")
	p2 := w.Do("POST", "/v1/fund/grants/"+dec.GrantID+"/disbursements", w.officer, pay, idem("pay-1")...)
	if p2.Status != 201 || !bytes.Equal(p2.Body, p1.Body) {
		t.Fatalf("payment retried: %d %s, first %s", p2.Status, p2.Body, p1.Body)
	}
	if n, e := count("SELECT count(*) FROM fund_disbursements"), count("SELECT count(*) FROM ledger_entries WHERE kind IN ('fund_award', 'fund_disbursement')"); n != 1 || e != 2 {
		t.Fatalf("%d payments and %d entries after retries, want 1 and 2", n, e)
	}
	pay["amount"] = "20000.00"
	expect(t, "another payment under the key", w.Do("POST", "/v1/fund/grants/"+dec.GrantID+"/disbursements", w.officer, pay, idem("pay-1")...), 409, "idempotency_key_reused")
	checkFundDeep(t, w.Env, dec.GrantID)
}

// TestCultureIdempotencyHubs: an introduction and its outcome retried with
// their Idempotency-Key answer the first answer and create nothing more.
func TestCultureIdempotencyHubs(t *testing.T) {
	env := apptest.New(t)
	count := func(q string) int { return countRows(t, env, q) }
	expect(t, "hub", env.Do("PUT", "/v1/hubs/astana", env.AdminKey, hubBody("KZ-71", "Astana", 51.128, 71.430)), 200, "")
	op := scopedKey(t, env, apikey.RoleHubOperator, "astana")
	expect(t, "i2", env.Do("PUT", "/v1/investors/i2", env.AdminKey, investorBody("5000000", "25000000", []string{"film"}, []string{"KZ-71"}, []string{"equity"})), 200, "")
	expect(t, "pitch", env.Do("PUT", "/v1/hubs/astana/pitches/p1", op, pitchBody("15000000", "equity")), 200, "")

	path := "/v1/hubs/astana/pitches/p1/introductions"
	i1 := env.Do("POST", path, op, map[string]string{"investor_id": "i2"}, idem("intro-1")...)
	expect(t, "introduce", i1, 201, "")
	i2 := env.Do("POST", path, op, map[string]string{"investor_id": "i2"}, idem("intro-1")...)
	if i2.Status != 201 || !bytes.Equal(i2.Body, i1.Body) {
		t.Fatalf("introduction retried: %d %s, first %s", i2.Status, i2.Body, i1.Body)
	}
	var in struct{ ID string }
	i1.JSON(t, &in)
	deal := map[string]any{"status": "deal", "amount": "15000000.00", "instrument": "equity"}
	out := fmt.Sprintf("%s/%s/outcome", path, in.ID)
	o1 := env.Do("POST", out, op, deal, idem("deal-1")...)
	expect(t, "deal", o1, 200, "")
	o2 := env.Do("POST", out, op, deal, idem("deal-1")...)
	if o2.Status != 200 || !bytes.Equal(o2.Body, o1.Body) {
		t.Fatalf("outcome retried: %d %s, first %s", o2.Status, o2.Body, o1.Body)
	}
	expect(t, "outcome retried without the key", env.Do("POST", out, op, deal), 409, "introduction_closed")
	if n, d, e := count("SELECT count(*) FROM hub_introductions"), count("SELECT count(*) FROM hub_deals"),
		count("SELECT count(*) FROM ledger_entries WHERE kind = 'hub_deal'"); n != 1 || d != 1 || e != 1 {
		t.Fatalf("%d introductions, %d deals, %d deal entries after retries, want 1 each", n, d, e)
	}
	// After the deal, a new introduction under the first key is the first answer, not a new request.
	if res := env.Do("POST", path, op, map[string]string{"investor_id": "i2"}, idem("intro-1")...); res.Status != 201 || !bytes.Equal(res.Body, i1.Body) {
		t.Fatalf("introduction retried after its deal: %d %s", res.Status, res.Body)
	}
	declined := map[string]any{"status": "declined"}
	expect(t, "declined under the deal's key", env.Do("POST", out, op, declined, idem("deal-1")...), 409, "idempotency_key_reused")
}

// TestCultureIdempotencyMuseumEvents: a custody event retried with its
// Idempotency-Key answers the first answer and records one event, one
// entry.
func TestCultureIdempotencyMuseumEvents(t *testing.T) {
	env := newMuseumEnv(t, 0)
	if r := env.Do("PUT", "/v1/museums/nm-astana/objects/kp-1", env.curator, dombra(true)); r.Status != 200 {
		t.Fatalf("object: %d %s", r.Status, r.Body)
	}
	path := "/v1/museums/nm-astana/objects/kp-1/events"
	ev := map[string]string{"type": "object_entry", "at": "2026-11-02T10:00:00+05:00", "location": "store A"}
	entries := countRows(t, env.Env, "SELECT count(*) FROM ledger_entries WHERE kind = 'museum_event'")
	r1 := env.Do("POST", path, env.curator, ev, idem("entry-1")...)
	expect(t, "event", r1, 201, "")
	r2 := env.Do("POST", path, env.curator, ev, idem("entry-1")...)
	if r2.Status != 201 || !bytes.Equal(r2.Body, r1.Body) {
		t.Fatalf("event retried: %d %s, first %s", r2.Status, r2.Body, r1.Body)
	}
	if n, e := countRows(t, env.Env, "SELECT count(*) FROM museum_events"), countRows(t, env.Env, "SELECT count(*) FROM ledger_entries WHERE kind = 'museum_event'"); n != 1 || e != entries+1 {
		t.Fatalf("%d events, %d new entries after a retry, want 1 and 1", n, e-entries)
	}
	ev["location"] = "store B"
	expect(t, "another event under the key", env.Do("POST", path, env.curator, ev, idem("entry-1")...), 409, "idempotency_key_reused")
}

// TestCultureIdempotencyKeyRotation: a venue key rotation retried with its
// Idempotency-Key answers the first new key and rotates once.
func TestCultureIdempotencyKeyRotation(t *testing.T) {
	w := newTicketWorld(t)
	rotations := func() int { return w.entriesOfKind(t, "ticketing_key") }
	before := rotations()
	r1 := w.must("POST", "/v1/venues/abai/keys/rotate", w.env.AdminKey, nil, 201, idem("rotate-1")...)
	r2 := w.must("POST", "/v1/venues/abai/keys/rotate", w.env.AdminKey, nil, 201, idem("rotate-1")...)
	if !bytes.Equal(r1.Body, r2.Body) {
		t.Fatalf("rotation retried: %s, first %s", r2.Body, r1.Body)
	}
	if n := rotations(); n != before+1 {
		t.Fatalf("%d rotations after a retry, want 1", n-before)
	}
	expect(t, "the key on another venue", w.env.Do("POST", "/v1/venues/other/keys/rotate", w.env.AdminKey, nil, idem("rotate-1")...), 409, "idempotency_key_reused")
}

// TestCultureIdempotencyArchiveDeposit: a deposit retried with its
// Idempotency-Key after a lost answer answers the first answer byte for
// byte and stores one AIP with one entry, also when the bag comes packed
// otherwise (the same bag as a tar, under another base directory: the
// request is the bag's content, not its container's bytes) and when ten
// copies race; another bag under the key is 409 idempotency_key_reused
// and stores nothing (no row, no entry, no blob); a refused bag stores no
// key; a malformed key is 400 before the body is read; a retry after the
// unit's withdrawal still answers the deposit made before it.
func TestCultureIdempotencyArchiveDeposit(t *testing.T) {
	e := newArchiveEnv(t)
	e.putUnit(t, "u1", unitBody("Момышұлы", "open", "R-1"))
	e.putUnit(t, "u2", unitBody("Момышұлы", "open", "R-1"))
	count := func(q string) int { return countRows(t, e.Env, q) }
	stored := func() [4]int {
		return [4]int{count("SELECT count(*) FROM archive_aips"), count("SELECT count(*) FROM ledger_entries WHERE kind = 'archive_aip'"),
			count("SELECT count(*) FROM culture_idempotency"), e.blobCount(t)}
	}
	const path = "/v1/archive/units/u1/deposits"
	zipCT, tarCT := []string{"Content-Type", "application/zip"}, []string{"Content-Type", "application/x-tar"}
	headers := func(ct []string, key string) []string { return append(append([]string{}, ct...), idem(key)...) }
	bag := archivetest.Bag(bagit.Zip, "R-1_1_12", "R-1/1/12", sampleFiles())

	d1 := e.Do("POST", path, e.arch, bag, headers(zipCT, "deposit-1")...)
	expect(t, "deposit", d1, 201, "")
	d2 := e.Do("POST", path, e.arch, bag, headers(zipCT, "deposit-1")...)
	if d2.Status != 201 || !bytes.Equal(d2.Body, d1.Body) {
		t.Fatalf("deposit retried: %d %s, first %s", d2.Status, d2.Body, d1.Body)
	}
	asTar := archivetest.Bag(bagit.Tar, "", "R-1/1/12", sampleFiles())
	if r := e.Do("POST", path, e.arch, asTar, headers(tarCT, "deposit-1")...); r.Status != 201 || !bytes.Equal(r.Body, d1.Body) {
		t.Fatalf("the same bag as a tar: %d %s, first %s", r.Status, r.Body, d1.Body)
	}
	after := stored()
	if after[0] != 1 || after[1] != 1 || after[2] != 1 {
		t.Fatalf("%d AIPs, %d archive_aip entries, %d keys after three sends of one bag, want 1 each", after[0], after[1], after[2])
	}

	other := sampleFiles()
	other["scans/sheet-2.txt"] = []byte("another sheet")
	expect(t, "another bag under the key", e.Do("POST", path, e.arch, archivetest.Bag(bagit.Zip, "R-1_1_12", "R-1/1/12", other), headers(zipCT, "deposit-1")...), 409, "idempotency_key_reused")
	expect(t, "the bag on another unit under the key", e.Do("POST", "/v1/archive/units/u2/deposits", e.arch, bag, headers(zipCT, "deposit-1")...), 409, "idempotency_key_reused")
	expect(t, "a key with a space", e.Do("POST", path, e.arch, bag, headers(zipCT, "deposit 2")...), 400, "idempotency_key_required")
	broken := archivetest.Bag(bagit.Tar, "", "R-1/1/12", other)
	broken = bytes.Replace(broken, []byte("another sheet"), []byte("Another sheet"), 1)
	expect(t, "an invalid bag", e.Do("POST", path, e.arch, broken, headers(tarCT, "deposit-3")...), 422, "invalid_bag")
	if now := stored(); now != after {
		t.Fatalf("refused deposits stored something: AIPs, entries, keys, blobs %v, before %v", now, after)
	}

	// Ten copies of one deposit at once: one AIP, ten equal answers.
	var wg sync.WaitGroup
	answers := make([]apptest.Response, 10)
	raced := archivetest.Bag(bagit.Zip, "", "R-1/1/13", other)
	for i := range answers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			answers[i] = e.Do("POST", "/v1/archive/units/u2/deposits", e.arch, raced, headers(zipCT, "race")...)
		}()
	}
	wg.Wait()
	for i, a := range answers {
		if a.Status != 201 || !bytes.Equal(a.Body, answers[0].Body) {
			t.Fatalf("racing copy %d: %d %s (copy 0: %s)", i, a.Status, a.Body, answers[0].Body)
		}
	}
	if n, en := count("SELECT count(*) FROM archive_aips WHERE unit_id = 'u2'"),
		count("SELECT count(*) FROM ledger_entries WHERE kind = 'archive_aip'"); n != 1 || en != 2 {
		t.Fatalf("%d AIPs of u2 and %d archive_aip entries in all after ten racing copies, want 1 and 2", n, en)
	}

	// Without the header, each deposit is a new AIP, as before.
	expect(t, "no key", e.Do("POST", path, e.arch, bag, zipCT...), 201, "")
	if n := count("SELECT count(*) FROM archive_aips WHERE unit_id = 'u1'"); n != 2 {
		t.Fatalf("%d AIPs of u1 after a deposit without a key, want 2", n)
	}
	// After the unit's withdrawal the retry still answers the deposit made
	// before it; a new deposit is refused.
	expect(t, "withdraw u1", e.Do("DELETE", "/v1/archive/units/u1", e.arch, nil), 200, "")
	if r := e.Do("POST", path, e.arch, bag, headers(zipCT, "deposit-1")...); r.Status != 201 || !bytes.Equal(r.Body, d1.Body) {
		t.Fatalf("deposit retried after the withdrawal: %d %s", r.Status, r.Body)
	}
	expect(t, "a new deposit after the withdrawal", e.Do("POST", path, e.arch, bag, headers(zipCT, "deposit-4")...), 409, "withdrawn")
	expect(t, "a new deposit without a key after the withdrawal", e.Do("POST", path, e.arch, bag, zipCT...), 409, "withdrawn")
}
