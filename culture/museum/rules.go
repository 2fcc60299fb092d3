package museum

import (
	"fmt"
	"time"
)

// state is what an object's events say about it now. It is derived only
// from the events, in their order, by apply.
type state struct {
	Status       string
	Location     string // the one current location; empty when not in custody
	HomeLocation string // where a lent object returns to
	Accessioned  bool
	Events       int
	LastAt       time.Time
}

// maxClockSkew is how far in the future an event may be dated (a device
// clock a little ahead).
const maxClockSkew = 5 * time.Minute

// apply returns the state after event e, or the rule e breaks. It is pure:
// the live write and the rebuild of verify --deep both call it.
//
// The rules (CULTURE.md section 4): an object leaves (exit, loan_out) only
// when accessioned; it has one current location, so a check that names
// another location is refused and a move happens only in custody; a loan
// return takes back only an object that went out; events are recorded in
// the order they happened.
func apply(s state, e Event, now time.Time) (state, error) {
	if !now.IsZero() && e.At.After(now.Add(maxClockSkew)) {
		return s, fmt.Errorf("%w: at %s", ErrEventInFuture, e.At.Format(time.RFC3339))
	}
	if s.Events > 0 && e.At.Before(s.LastAt) {
		return s, fmt.Errorf("%w: at %s is before %s", ErrEventOutOfOrder,
			e.At.Format(time.RFC3339), s.LastAt.Format(time.RFC3339))
	}
	if s.Status == "" {
		s.Status = statusNone
	}
	inCustody := s.Status == statusEntered || s.Status == statusAccessioned
	switch e.Type {
	case EventObjectEntry:
		if s.Status != statusNone && s.Status != statusExited {
			return s, fmt.Errorf("%w: status %s", ErrAlreadyInCustody, s.Status)
		}
		s.Status, s.Location, s.Accessioned = statusEntered, e.Location, false
	case EventAccession:
		switch s.Status {
		case statusAccessioned, statusOnLoan:
			return s, fmt.Errorf("%w: status %s", ErrAlreadyAccessioned, s.Status)
		case statusExited:
			return s, fmt.Errorf("%w: the object has exited; record an object_entry first", ErrNotInCustody)
		}
		if e.Location != "" {
			s.Location = e.Location
		}
		s.Status, s.Accessioned = statusAccessioned, true
	case EventLocationChange:
		if err := inCustodyHere(s, inCustody, ""); err != nil {
			return s, err
		}
		s.Location = e.Location
	case EventInventoryCheck, EventConditionCheck:
		if err := inCustodyHere(s, inCustody, e.Location); err != nil {
			return s, err
		}
	case EventLoanOut:
		switch {
		case s.Status == statusOnLoan:
			return s, fmt.Errorf("%w: a loan out is already open", ErrOnLoan)
		case !s.Accessioned || s.Status != statusAccessioned:
			return s, fmt.Errorf("%w: status %s; only an accessioned object may be lent", ErrNotAccessioned, s.Status)
		}
		s.Status, s.HomeLocation, s.Location = statusOnLoan, s.Location, e.Location
	case EventLoanReturn:
		if s.Status != statusOnLoan {
			return s, fmt.Errorf("%w: status %s; only an object lent out can return", ErrNotOnLoan, s.Status)
		}
		s.Status, s.Location = statusAccessioned, s.HomeLocation
		if e.Location != "" {
			s.Location = e.Location
		}
		s.HomeLocation = ""
	case EventExit:
		switch {
		case s.Status == statusOnLoan:
			return s, fmt.Errorf("%w: return the loan before the exit", ErrOnLoan)
		case s.Status == statusExited:
			return s, fmt.Errorf("%w: the object has already exited", ErrNotInCustody)
		case !s.Accessioned:
			return s, fmt.Errorf("%w: status %s; only an accessioned object may exit", ErrNotAccessioned, s.Status)
		}
		s.Status, s.Location, s.HomeLocation, s.Accessioned = statusExited, "", "", false
	default:
		return s, fmt.Errorf("museum: unknown event type %q", e.Type)
	}
	s.Events++
	s.LastAt = e.At
	return s, nil
}

// inCustodyHere checks that the object is in the museum and, when loc is
// given, at loc.
func inCustodyHere(s state, inCustody bool, loc string) error {
	switch {
	case s.Status == statusOnLoan:
		return fmt.Errorf("%w: the object is at %q", ErrOnLoan, s.Location)
	case !inCustody:
		return fmt.Errorf("%w: status %s", ErrNotInCustody, s.Status)
	case loc != "" && loc != s.Location:
		return fmt.Errorf("%w: recorded at %q, not %q; record a location_change first", ErrLocationMismatch, s.Location, loc)
	}
	return nil
}
