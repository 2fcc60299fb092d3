package api_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"ecinema/apikey"
	"ecinema/internal/apptest"
	"ecinema/internal/pgtest"
	"ecinema/kztime"
)

// The refusals a real user met while walking the journeys of SPEC section 1
// with curl against make run: each must say precisely, in the client's
// terms, what is wrong, and store nothing.

// posFixture registers the cinema and film of registry_test and a screening
// s1 starting in three hours, and returns the cinema's pos key.
func posFixture(t *testing.T) (*apptest.Env, string, time.Time) {
	t.Helper()
	env := registered(t)
	if r := env.Do("PUT", "/v1/cinemas/chaplin-mega", env.AdminKey, cinema()); r.Status != 200 {
		t.Fatalf("PUT cinema: %d %s", r.Status, r.Body)
	}
	if r := env.Do("PUT", "/v1/films/gulsary", env.AdminKey, film()); r.Status != 200 {
		t.Fatalf("PUT film: %d %s", r.Status, r.Body)
	}
	pos := env.Key(apikey.RolePOS, "chaplin-mega", "")
	start := time.Now().Add(3 * time.Hour).Truncate(time.Minute)
	if r := env.Do("PUT", "/v1/screenings/s1", pos, map[string]string{"hall_id": "h1", "film_id": "gulsary",
		"starts_at": start.UTC().Format(time.RFC3339), "format": "2D", "language": "kk"}); r.Status != 201 {
		t.Fatalf("PUT screening: %d %s", r.Status, r.Body)
	}
	return env, pos, start
}

// headSize is the main log's head size.
func headSize(t *testing.T, env *apptest.Env) int64 {
	t.Helper()
	var n int64
	pgtest.Row(t, env.App.Pool, `SELECT size FROM ledger_heads WHERE log_id = 'main'`).Scan(&n)
	return n
}

type errorDetail struct {
	Field, Code, Message string
}

func errorOf(t *testing.T, r apptest.Response) (string, []errorDetail) {
	t.Helper()
	var b struct {
		Error struct {
			Message string
			Details []errorDetail
		}
	}
	r.JSON(t, &b)
	return b.Error.Message, b.Error.Details
}

// TestWrongTypeInJSONWords: a value of the wrong JSON type is named in
// JSON's words ("must be an array, not object"), never as a Go type
// ("[]ingest.ticketJSON", "bool"), on the sale path's own decoder and on
// the API's.
func TestWrongTypeInJSONWords(t *testing.T) {
	env, pos, _ := posFixture(t)
	before := headSize(t, env)
	for _, tc := range []struct {
		method, path, key, body, field, msg string
	}{
		{"POST", "/v1/sales", pos, `{"screening_id":"s1","tickets":{}}`, "tickets", "must be an array, not object"},
		{"POST", "/v1/sales", pos, `{"screening_id":"s1","tickets":[{"id":"t1","sold_at":"2026-01-01T00:00:00Z","price":2500,` +
			`"category":"adult","channel":"web"}]}`, "tickets.price", "must be a string, not number"},
		{"POST", "/v1/refunds", pos, `{"screening_id":5,"tickets":[]}`, "screening_id", "must be a string, not number"},
		{"PUT", "/v1/cinemas/c2", env.AdminKey, `{"name":"X","exhibitor_id":"exh","region":"KZ-75","city":"Almaty","vat_payer":"yes",` +
			`"halls":[{"id":"h1","name":"H","seats":10}]}`, "vat_payer", "must be true or false, not string"},
		{"PUT", "/v1/cinemas/c2", env.AdminKey, `{"name":"X","exhibitor_id":"exh","region":"KZ-75","city":"Almaty","vat_payer":true,` +
			`"halls":[{"id":"h1","name":"H","seats":1.5}]}`, "halls.seats", "must be an integer, not number 1.5"},
	} {
		r := env.Do(tc.method, tc.path, tc.key, tc.body, "Idempotency-Key", "k-"+tc.field)
		if r.Status != 400 || r.ErrorCode() != "invalid_request" {
			t.Errorf("%s %s: %d %s", tc.method, tc.body, r.Status, r.Body)
			continue
		}
		_, details := errorOf(t, r)
		if len(details) != 1 || details[0].Field != tc.field || details[0].Code != "wrong_type" || details[0].Message != tc.msg {
			t.Errorf("%s: details %+v, want %s %q", tc.body, details, tc.field, tc.msg)
		}
	}
	if after := headSize(t, env); after != before {
		t.Errorf("refused requests appended %d entries", after-before)
	}
}

// TestRefusalsNameRoleAndScope: a 403 says which keys may act (without
// "a admin key"), and a statement outside the key's scope names the party
// the key does read; a reference of the wrong kind reads as plainly.
func TestRefusalsNameRoleAndScope(t *testing.T) {
	env := registered(t)
	analyst := env.Key(apikey.RoleAnalyst, "", "")
	r := env.Do("POST", "/v1/sales", analyst, `{}`, "Idempotency-Key", "k1")
	if msg, _ := errorOf(t, r); r.Status != 403 || msg != "analyst keys may not do this; allowed roles: pos" {
		t.Errorf("analyst sale: %d %s", r.Status, r.Body)
	}
	prod := env.Key(apikey.RoleProducer, "", "prod")
	r = env.Do("GET", "/v1/statements?party=dist&from=2026-01-01&to=2026-01-31", prod, nil)
	msg, details := errorOf(t, r)
	if r.Status != 403 || r.ErrorCode() != "forbidden" || !strings.Contains(msg, `reads only party "prod"'s statements, not party "dist"'s`) ||
		len(details) != 1 || details[0].Field != "party" {
		t.Errorf("producer reading another party: %d %s", r.Status, r.Body)
	}
	// The key API answers in its own fields (cinema, party), not in the
	// CLI's flags, and without "a admin key".
	for _, tc := range []struct{ body, msg string }{
		{`{"role":"admin","name":"x","party":"prod"}`, "admin keys take no cinema or party"},
		{`{"role":"pos","name":"x"}`, "pos keys need a cinema and no party"},
		{`{"role":"producer","name":"x","party":"dist"}`, `party "dist" is of kind distributor; producer keys need a party of kind producer`},
	} {
		r := env.Do("POST", "/v1/apikeys", env.AdminKey, tc.body)
		if msg, _ := errorOf(t, r); r.Status != 422 || r.ErrorCode() != "invalid_scope" || !strings.HasSuffix(msg, tc.msg) {
			t.Errorf("%s: %d %s, want ...%q", tc.body, r.Status, r.Body, tc.msg)
		}
	}
	body := cinema()
	body["exhibitor_id"] = "prod"
	r = env.Do("PUT", "/v1/cinemas/c2", env.AdminKey, body)
	if msg, _ := errorOf(t, r); r.Status != 422 || !strings.Contains(msg, `party "prod" is of kind producer, not exhibitor`) {
		t.Errorf("cinema with a producer as exhibitor: %d %s", r.Status, r.Body)
	}
}

// TestTicketRulesNameTheField: a 422 about one ticket's time names that
// ticket's field in details, as the 409s do, so a till can drop the ticket
// and resend the rest; a seat already sold names the ticket that asked for
// it first, not as if it held the seat.
func TestTicketRulesNameTheField(t *testing.T) {
	env, pos, _ := posFixture(t)
	now := time.Now().UTC()
	ticket := func(id, soldAt, seat string) map[string]string {
		return map[string]string{"id": id, "sold_at": soldAt, "price": "2500.00", "category": "adult", "seat": seat, "channel": "web"}
	}
	sale := func(key string, tickets ...map[string]string) apptest.Response {
		return env.Do("POST", "/v1/sales", pos, map[string]any{"screening_id": "s1", "tickets": tickets}, "Idempotency-Key", key)
	}
	if r := sale("k1", ticket("t1", now.Format(time.RFC3339), "R1-1")); r.Status != 201 {
		t.Fatalf("sale: %d %s", r.Status, r.Body)
	}
	before := headSize(t, env)
	check := func(r apptest.Response, status int, code, field, msgPrefix string) {
		t.Helper()
		msg, details := errorOf(t, r)
		if r.Status != status || r.ErrorCode() != code || len(details) != 1 || details[0].Field != field ||
			!strings.HasPrefix(msg, msgPrefix) {
			t.Errorf("%d %s, want %d %s naming %s", r.Status, r.Body, status, code, field)
		}
	}
	check(sale("k2", ticket("t2", now.Format(time.RFC3339), "R1-2"), ticket("t3", now.Add(time.Hour).Format(time.RFC3339), "R1-3")),
		422, "sold_at_in_future", "tickets[1].sold_at", `ticket "t3": sold_at`)
	check(sale("k3", ticket("t4", now.Format(time.RFC3339), "R1-1")), 409, "seat_already_sold", "tickets[0].seat",
		`ticket "t4": seat "R1-1" of screening "s1" is already sold`)
	refund := func(key string, at time.Time, reason string) apptest.Response {
		return env.Do("POST", "/v1/refunds", pos, map[string]any{"screening_id": "s1", "reason": reason,
			"tickets": []map[string]string{{"id": "t1", "refunded_at": at.Format(time.RFC3339)}}}, "Idempotency-Key", key)
	}
	check(refund("r1", now.Add(-24*time.Hour), "customer_request"), 422, "refunded_before_sale", "tickets[0].refunded_at", `ticket "t1"`)
	check(refund("r2", now.Add(time.Hour), "customer_request"), 422, "refunded_at_in_future", "tickets[0].refunded_at", `ticket "t1"`)
	if after := headSize(t, env); after != before {
		t.Errorf("refused requests appended %d entries", after-before)
	}
}

// TestFiscalTotalsRefuseFutureDays: a fiscal total for a day after today
// (Kazakhstan time) cannot exist yet, so it is a mistyped date: 400 naming
// the record's date, and nothing stored, in JSON and in CSV. Today is taken.
func TestFiscalTotalsRefuseFutureDays(t *testing.T) {
	env := registered(t)
	tax := env.Key(apikey.RoleTax, "", "")
	today := kztime.LocalDate(time.Now())
	tomorrow := today.AddDate(0, 0, 1).Format(time.DateOnly)
	before := headSize(t, env)
	rec := func(date string) map[string]any {
		return map[string]any{"bin": "000000000101", "date": date, "amount": "100.00", "receipts": 1}
	}
	for _, r := range []apptest.Response{
		env.Do("POST", "/v1/tax/fiscal-totals", tax, map[string]any{"records": []any{rec("2026-01-09"), rec(tomorrow)}}),
		env.Do("POST", "/v1/tax/fiscal-totals", tax, fmt.Sprintf("bin,date,amount,receipts\n000000000101,2026-01-09,1.00,1\n000000000101,%s,1.00,1\n", tomorrow),
			"Content-Type", "text/csv"),
	} {
		_, details := errorOf(t, r)
		if r.Status != 400 || r.ErrorCode() != "invalid_request" || len(details) != 1 || details[0].Field != "records[1].date" ||
			details[0].Code != "in_future" {
			t.Errorf("future day: %d %s", r.Status, r.Body)
		}
	}
	var n int
	pgtest.Row(t, env.App.Pool, `SELECT count(*) FROM fiscal_totals`).Scan(&n)
	if after := headSize(t, env); after != before || n != 0 {
		t.Errorf("refused uploads stored %d entries and %d rows", after-before, n)
	}
	if r := env.Do("POST", "/v1/tax/fiscal-totals", tax, map[string]any{"records": []any{rec(today.Format(time.DateOnly))}}); r.Status != 201 {
		t.Errorf("today: %d %s", r.Status, r.Body)
	}
}

// TestUnauthorizedChallenges: every 401 carries a WWW-Authenticate
// challenge (RFC 9110 11.6.1): Bearer for the API, with
// error="invalid_token" when a key was sent and refused (RFC 6750 3).
func TestUnauthorizedChallenges(t *testing.T) {
	env := apptest.New(t)
	for _, tc := range []struct{ key, want string }{
		{"", `Bearer realm="ecinema"`},
		{"eck_not-a-key", `Bearer realm="ecinema", error="invalid_token"`},
	} {
		r := env.Do("GET", "/v1/whoami", tc.key, nil)
		if r.Status != 401 || r.ErrorCode() != "unauthenticated" || r.Header.Get("WWW-Authenticate") != tc.want {
			t.Errorf("key %q: %d %q %s, want challenge %q", tc.key, r.Status, r.Header.Get("WWW-Authenticate"), r.Body, tc.want)
		}
	}
}

// TestLeafPastTheLogIsNotFound: the public proof of an entry the log does
// not hold is 404, not "try again after the next checkpoint" (409), which
// only an entry newer than the checkpoint deserves.
func TestLeafPastTheLogIsNotFound(t *testing.T) {
	env := registered(t)
	if _, err := env.App.Publisher.Publish(t.Context()); err != nil {
		t.Fatal(err)
	}
	size := headSize(t, env)
	if r := env.Do("PUT", "/v1/parties/late", env.AdminKey, party("producer", "Late Films", "100000000001")); r.Status != 200 {
		t.Fatalf("PUT party: %d %s", r.Status, r.Body)
	}
	for _, tc := range []struct {
		seq    int64
		status int
		code   string
	}{
		{size - 1, 200, ""},
		{size, 409, "not_in_checkpoint"},
		{size + 100, 404, "not_found"},
	} {
		r := env.Do("GET", fmt.Sprintf("/v1/ledger/leaves/%d", tc.seq), "", nil)
		if r.Status != tc.status || r.ErrorCode() != tc.code {
			t.Errorf("leaf %d (checkpoint size %d): %d %s, want %d %s", tc.seq, size, r.Status, r.Body, tc.status, tc.code)
		}
	}
}

// TestSeatSpellingCannotResellASeat: "R1-1 " or "R1  1" would sell the seat
// "R1-1" or "R1 1" of a screening a second time under another spelling;
// such seats are refused (400 naming the seat) and nothing is stored.
func TestSeatSpellingCannotResellASeat(t *testing.T) {
	env, pos, _ := posFixture(t)
	now := time.Now().UTC().Format(time.RFC3339)
	sale := func(key, id, seat string) apptest.Response {
		return env.Do("POST", "/v1/sales", pos, map[string]any{"screening_id": "s1", "tickets": []map[string]string{
			{"id": id, "sold_at": now, "price": "2500.00", "category": "adult", "seat": seat, "channel": "web"}}}, "Idempotency-Key", key)
	}
	if r := sale("k1", "t1", "R1 1"); r.Status != 201 {
		t.Fatalf("sale: %d %s", r.Status, r.Body)
	}
	before := headSize(t, env)
	for i, seat := range []string{"R1 1 ", "R1  1", "Ряд 1 "} {
		r := sale(fmt.Sprintf("k%d", i+2), fmt.Sprintf("t%d", i+2), seat)
		_, details := errorOf(t, r)
		if r.Status != 400 || r.ErrorCode() != "invalid_request" || len(details) != 1 || details[0].Field != "tickets[0].seat" {
			t.Errorf("seat %q: %d %s", seat, r.Status, r.Body)
		}
	}
	if after := headSize(t, env); after != before {
		t.Errorf("refused sales appended %d entries", after-before)
	}
}
