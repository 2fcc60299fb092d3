package museum

import (
	"errors"
	"testing"
	"time"
)

func TestApplyRules(t *testing.T) {
	t0 := time.Date(2026, 1, 10, 9, 0, 0, 0, time.UTC)
	now := t0.Add(30 * 24 * time.Hour)
	ev := func(typ, loc string) Event { return Event{Type: typ, Location: loc} }
	// run applies evs in order (an hour apart) and returns the state and
	// the error of the last event.
	run := func(evs ...Event) (state, error) {
		var s state
		for i, e := range evs {
			e.At = t0.Add(time.Duration(i) * time.Hour)
			next, err := apply(s, e, now)
			if err != nil {
				if i != len(evs)-1 {
					t.Fatalf("event %d (%s) refused: %v", i, e.Type, err)
				}
				return s, err
			}
			s = next
		}
		return s, nil
	}
	entry, acc := ev(EventObjectEntry, "store A"), ev(EventAccession, "")
	forbidden := []struct {
		name string
		evs  []Event
		want error
	}{
		{"exit before accession", []Event{ev(EventExit, "")}, ErrNotAccessioned},
		{"exit of an entered object", []Event{entry, ev(EventExit, "")}, ErrNotAccessioned},
		{"loan out before accession", []Event{entry, ev(EventLoanOut, "Louvre")}, ErrNotAccessioned},
		{"loan out of nothing", []Event{ev(EventLoanOut, "Louvre")}, ErrNotAccessioned},
		{"loan return without a loan", []Event{entry, acc, ev(EventLoanReturn, "")}, ErrNotOnLoan},
		{"second loan return", []Event{entry, acc, ev(EventLoanOut, "Louvre"), ev(EventLoanReturn, ""), ev(EventLoanReturn, "")}, ErrNotOnLoan},
		{"second loan out", []Event{entry, acc, ev(EventLoanOut, "Louvre"), ev(EventLoanOut, "Hermitage")}, ErrOnLoan},
		{"exit while on loan", []Event{entry, acc, ev(EventLoanOut, "Louvre"), ev(EventExit, "")}, ErrOnLoan},
		{"move while on loan", []Event{entry, acc, ev(EventLoanOut, "Louvre"), ev(EventLocationChange, "hall 2")}, ErrOnLoan},
		{"check at a second location", []Event{entry, acc, ev(EventInventoryCheck, "hall 9")}, ErrLocationMismatch},
		{"condition check at a second location", []Event{entry, ev(EventConditionCheck, "hall 9")}, ErrLocationMismatch},
		{"second entry", []Event{entry, entry}, ErrAlreadyInCustody},
		{"second accession", []Event{entry, acc, acc}, ErrAlreadyAccessioned},
		{"move before entry", []Event{ev(EventLocationChange, "hall 2")}, ErrNotInCustody},
		{"check after exit", []Event{entry, acc, ev(EventExit, ""), ev(EventInventoryCheck, "")}, ErrNotInCustody},
		{"second exit", []Event{entry, acc, ev(EventExit, ""), ev(EventExit, "")}, ErrNotInCustody},
	}
	for _, tc := range forbidden {
		t.Run(tc.name, func(t *testing.T) {
			_, err := run(tc.evs...)
			if !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
		})
	}

	s, err := run(entry, acc, ev(EventLocationChange, "hall 3"), ev(EventInventoryCheck, "hall 3"),
		ev(EventLoanOut, "Louvre"), ev(EventLoanReturn, ""), ev(EventConditionCheck, ""))
	if err != nil {
		t.Fatal(err)
	}
	if s.Status != statusAccessioned || s.Location != "hall 3" || s.Events != 7 {
		t.Fatalf("state after a loan round trip: %+v", s)
	}
	if s, err = apply(s, Event{Type: EventExit, At: s.LastAt}, now); err != nil || s.Status != statusExited || s.Location != "" {
		t.Fatalf("exit: %+v %v", s, err)
	}
	if s, err = apply(s, Event{Type: EventObjectEntry, Location: "quarantine", At: s.LastAt}, now); err != nil || s.Accessioned {
		t.Fatalf("re-entry after exit: %+v %v", s, err)
	}

	if _, err := apply(s, Event{Type: EventConditionCheck, At: s.LastAt.Add(-time.Second)}, now); !errors.Is(err, ErrEventOutOfOrder) {
		t.Fatalf("out of order: %v", err)
	}
	if _, err := apply(state{}, Event{Type: EventObjectEntry, Location: "x", At: now.Add(time.Hour)}, now); !errors.Is(err, ErrEventInFuture) {
		t.Fatalf("future: %v", err)
	}
}

func TestDerivativeSizes(t *testing.T) {
	got := derivativeSizes(1000, 333, []int{200, 400, 800, 1600})
	want := []Size{{200, 67}, {400, 133}, {800, 266}, {1000, 333}}
	if len(got) != len(want) {
		t.Fatalf("got %v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("got %v, want %v", got, want)
		}
	}
}
