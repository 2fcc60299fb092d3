package api_test

import (
	"bytes"
	"context"
	"fmt"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"

	"ecinema/culture/ticketing"
)

type soldTicket struct{ ID, Code string }

var idemN int

func tk(id, tariff, price, seat string) map[string]string {
	m := map[string]string{"id": id, "tariff": tariff, "price": price}
	if seat != "" {
		m["seat"] = seat
	}
	return m
}

// sell posts a sale and returns its tickets; status is the wanted answer.
func (w *ticketWorld) sell(t *testing.T, session string, status int, code string, tickets ...map[string]string) []soldTicket {
	t.Helper()
	idemN++
	r := w.env.Do("POST", "/v1/tickets/sales", w.venueKey, map[string]any{"session_id": session, "tickets": tickets},
		"Idempotency-Key", "sale-"+strconv.Itoa(idemN))
	if r.Status != status || (code != "" && r.ErrorCode() != code) {
		t.Fatalf("sale %v: %d %s, want %d %s", tickets, r.Status, r.Body, status, code)
	}
	var out struct{ Tickets []soldTicket }
	if status == 201 {
		r.JSON(t, &out)
	}
	return out.Tickets
}

// counts returns the ticketing tickets and ledger entries stored.
func (w *ticketWorld) counts(t *testing.T) (tickets, entries int) {
	t.Helper()
	ctx := context.Background()
	if err := w.env.App.Pool.QueryRow(ctx, "SELECT count(*) FROM ticketing_tickets").Scan(&tickets); err != nil {
		t.Fatal(err)
	}
	if err := w.env.App.Pool.QueryRow(ctx, "SELECT count(*) FROM ledger_entries").Scan(&entries); err != nil {
		t.Fatal(err)
	}
	return tickets, entries
}

func (w *ticketWorld) checkin(code, gate, device, nonce string, at time.Time) (int, string, []byte) {
	r := w.env.Do("POST", "/v1/tickets/checkins", w.venueKey, map[string]string{"code": code, "gate": gate,
		"scanned_at": at.Format(time.RFC3339Nano), "device": device, "nonce": nonce})
	res := r.ErrorCode()
	if r.Status == 200 {
		var ok struct{ Result string }
		r.JSON(w.env.T, &ok)
		res = ok.Result
	}
	return r.Status, res, r.Body
}

// TestTicketSaleRules: every sale rule answers its status and code, and a
// refused sale stores nothing (no ticket, no ledger entry).
func TestTicketSaleRules(t *testing.T) {
	w := newTicketWorld(t)
	w.sell(t, "s2", 201, "", tk("b1", "adult", "3000.00", "B1"), tk("b2", "free", "0.00", "B2"))
	for _, tc := range []struct {
		name    string
		session string
		status  int
		code    string
		tickets []map[string]string
		key     string
	}{
		{"over capacity", "s2", 422, "capacity_exceeded", []map[string]string{tk("b3", "adult", "3000.00", "B3"), tk("b4", "adult", "3000.00", "B4")}, ""},
		{"seat sold", "s2", 409, "seat_already_sold", []map[string]string{tk("b3", "adult", "3000.00", "B1")}, ""},
		{"seat sold, spelt with a trailing space", "s2", 400, "invalid_request", []map[string]string{tk("b3", "adult", "3000.00", "B1 ")}, ""},
		{"seat twice in the request", "s1", 409, "seat_already_sold", []map[string]string{tk("x1", "adult", "3000.00", "A1"), tk("x2", "adult", "3000.00", "A1")}, ""},
		{"ticket id sold", "s1", 409, "duplicate_ticket", []map[string]string{tk("b1", "adult", "3000.00", "")}, ""},
		{"ticket id twice", "s1", 409, "duplicate_ticket", []map[string]string{tk("x1", "adult", "3000.00", ""), tk("x1", "adult", "3000.00", "")}, ""},
		{"unknown tariff", "s1", 422, "unknown_tariff", []map[string]string{tk("x1", "vip", "3000.00", "")}, ""},
		{"wrong price", "s1", 422, "price_mismatch", []map[string]string{tk("x1", "adult", "2999.00", "")}, ""},
		{"free tariff with a price", "s1", 422, "price_mismatch", []map[string]string{tk("x1", "free", "1.00", "")}, ""},
		{"unknown session", "nope", 404, "session_not_found", []map[string]string{tk("x1", "adult", "3000.00", "")}, ""},
		{"bad price", "s1", 400, "invalid_request", []map[string]string{tk("x1", "adult", "30.001", "")}, ""},
		{"no tickets", "s1", 400, "invalid_request", []map[string]string{}, ""},
		{"another venue's session", "os1", 403, "forbidden", []map[string]string{tk("x1", "adult", "3000.00", "")}, ""},
		{"admin key", "s1", 403, "forbidden", []map[string]string{tk("x1", "adult", "3000.00", "")}, w.env.AdminKey},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.session == "os1" {
				w.must("PUT", "/v1/events/o1", w.env.AdminKey, map[string]any{"venue_id": "other", "kind": "concert",
					"title": map[string]string{"ru": "Концерт"}, "age_rating": "0+", "national": false}, 200)
				w.must("PUT", "/v1/events/o1/sessions/os1", w.env.AdminKey, sessionDoc(w.start, "stalls", 10), 200)
			}
			t0, e0 := w.counts(t)
			key := w.venueKey
			if tc.key != "" {
				key = tc.key
			}
			r := w.env.Do("POST", "/v1/tickets/sales", key, map[string]any{"session_id": tc.session, "tickets": tc.tickets},
				"Idempotency-Key", "rule-"+strings.ReplaceAll(tc.name, " ", "-"))
			if r.Status != tc.status || r.ErrorCode() != tc.code {
				t.Fatalf("%d %s, want %d %s", r.Status, r.Body, tc.status, tc.code)
			}
			if t1, e1 := w.counts(t); t1 != t0 || e1 != e0 {
				t.Fatalf("a refused sale stored something: tickets %d→%d, entries %d→%d", t0, t1, e0, e1)
			}
		})
	}
	// Too many tickets: 413.
	many := make([]map[string]string, ticketing.MaxTickets+1)
	for i := range many {
		many[i] = tk(fmt.Sprintf("m%d", i), "adult", "3000.00", "")
	}
	if r := w.env.Do("POST", "/v1/tickets/sales", w.venueKey, map[string]any{"session_id": "s1", "tickets": many}, "Idempotency-Key", "many"); r.Status != 413 || r.ErrorCode() != "too_many_tickets" {
		t.Fatalf("too many: %d %s", r.Status, r.Body)
	}
	// Idempotency: missing key 400; a replay answers the same bytes and stores nothing; the key with another body 409.
	body := map[string]any{"session_id": "s1", "tickets": []map[string]string{tk("i1", "adult", "3000.00", "C1")}}
	if r := w.env.Do("POST", "/v1/tickets/sales", w.venueKey, body); r.Status != 400 || r.ErrorCode() != "idempotency_key_required" {
		t.Fatalf("no key: %d %s", r.Status, r.Body)
	}
	first := w.must("POST", "/v1/tickets/sales", w.venueKey, body, 201, "Idempotency-Key", "same")
	t0, e0 := w.counts(t)
	again := w.must("POST", "/v1/tickets/sales", w.venueKey, body, 201, "Idempotency-Key", "same")
	if !bytes.Equal(first.Body, again.Body) {
		t.Fatalf("replay differs:\n%s\n%s", first.Body, again.Body)
	}
	if t1, e1 := w.counts(t); t1 != t0 || e1 != e0 {
		t.Fatal("a replay stored something")
	}
	body["tickets"] = []map[string]string{tk("i2", "adult", "3000.00", "C2")}
	if r := w.env.Do("POST", "/v1/tickets/sales", w.venueKey, body, "Idempotency-Key", "same"); r.Status != 409 || r.ErrorCode() != "idempotency_key_reused" {
		t.Fatalf("reused key: %d %s", r.Status, r.Body)
	}
	// Concurrent sales never exceed the capacity: s2 has one place left.
	var wg sync.WaitGroup
	var mu sync.Mutex
	statuses := map[int]int{}
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := w.env.Do("POST", "/v1/tickets/sales", w.venueKey, map[string]any{"session_id": "s2",
				"tickets": []map[string]string{tk(fmt.Sprintf("c%d", i), "adult", "3000.00", "")}}, "Idempotency-Key", fmt.Sprintf("conc-%d", i))
			mu.Lock()
			statuses[r.Status]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	if statuses[201] != 1 || statuses[422] != 7 {
		t.Fatalf("concurrent last place: %v", statuses)
	}
}

// TestTicketCodeAndQR: a sold code verifies offline against the public
// trust list, carries the sale's claims, and the QR PNG decodes back to it.
func TestTicketCodeAndQR(t *testing.T) {
	w := newTicketWorld(t)
	sold := w.sell(t, "s1", 201, "", tk("q1", "pass", "9000.00", "A7"), tk("q2", "adult", "3000.00", ""))
	var keys struct{ Keys []ticketing.PublicKey }
	w.must("GET", "/v1/tickets/keys", "", nil, 200).JSON(t, &keys)
	lookup := func(kid string) (ticketing.TrustedKey, bool) {
		for _, k := range keys.Keys {
			if k.KID == kid {
				tk, err := k.Trusted()
				return tk, err == nil
			}
		}
		return ticketing.TrustedKey{}, false
	}
	c, err := ticketing.Verify(sold[0].Code, "abai", time.Now(), lookup)
	if err != nil {
		t.Fatal(err)
	}
	if c.TicketID != "q1" || c.VenueID != "abai" || c.SessionID != "s1" || c.Seat == nil || *c.Seat != "A7" ||
		c.Tariff != "pass" || c.Admissions != 3 || c.Expires != w.start.Add(2*time.Hour).Unix() || time.Since(time.Unix(c.NotBefore, 0)) > time.Minute {
		t.Fatalf("claims = %+v", c)
	}
	c2, err := ticketing.Verify(sold[1].Code, "abai", time.Now(), lookup)
	if err != nil || c2.Seat != nil || c2.Admissions != 1 {
		t.Fatalf("unseated claims = %+v, %v", c2, err)
	}

	r := w.must("GET", "/v1/tickets/q1/qr.png", w.venueKey, nil, 200)
	if r.Header.Get("Content-Type") != "image/png" {
		t.Fatalf("content type %q", r.Header.Get("Content-Type"))
	}
	img, err := png.Decode(bytes.NewReader(r.Body))
	if err != nil {
		t.Fatal(err)
	}
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	res, err := qrcode.NewQRCodeReader().Decode(bmp, nil)
	switch {
	case err == nil:
		if res.GetText() != sold[0].Code {
			t.Fatalf("QR decodes to %q, want %q", res.GetText(), sold[0].Code)
		}
		if ec := res.GetResultMetadata()[gozxing.ResultMetadataType_ERROR_CORRECTION_LEVEL]; ec != "M" {
			t.Fatalf("error correction %v, want M", ec)
		}
	default:
		// gozxing's finder-pattern search misses about 1 code in 130 that
		// other readers decode (seen as a flaky NotFoundException on random
		// codes): then the code must decode with ZBar, a second reader.
		t.Logf("gozxing: %v; reading the code with zbarimg", err)
		if got := zbarDecode(t, r.Body); got != sold[0].Code {
			t.Fatalf("QR decodes to %q with zbarimg, want %q", got, sold[0].Code)
		}
	}
	// Another venue's key (admin sees all) cannot read the ticket.
	w.must("GET", "/v1/tickets/q1", w.env.AdminKey, nil, 200)
}

// zbarDecode reads the one QR code of a PNG with zbarimg (zbar-tools).
func zbarDecode(t *testing.T, pngBytes []byte) string {
	t.Helper()
	if _, err := exec.LookPath("zbarimg"); err != nil {
		t.Fatal("zbarimg (zbar-tools) is not installed: make test installs it")
	}
	f := filepath.Join(t.TempDir(), "code.png")
	if err := os.WriteFile(f, pngBytes, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("zbarimg", "--quiet", "--raw", f).Output()
	if err != nil {
		t.Fatalf("zbarimg: %v", err)
	}
	return strings.TrimSuffix(string(out), "\n")
}
