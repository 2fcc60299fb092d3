package registry

import (
	"strings"
	"testing"

	"ecinema/ledger"
)

// A cinema body without vat_payer cannot be projected, and the error says
// why (it said "<nil>" before).
func TestProjectCinemaWithoutVATPayer(t *testing.T) {
	_, err := project(t.Context(), nil, "cinema", []byte(`{"id":"c1","name":"A","exhibitor_id":"e","region":"KZ-75","city":"Almaty","halls":[]}`), ledger.Entry{Seq: 7})
	if err == nil {
		t.Fatal("projected a cinema without vat_payer")
	}
	if strings.Contains(err.Error(), "<nil>") || !strings.Contains(err.Error(), "vat_payer") {
		t.Fatalf("error %q does not name vat_payer", err)
	}
}
