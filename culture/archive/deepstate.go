package archive

import (
	"bytes"
	"encoding/json"
	"fmt"

	"ecinema/ledger"
)

// deepState is what the archive's rules read, as the entries before the
// one being replayed made it, for verify --deep. A unit version, a
// withdrawal and a deposit are refused under the head lock when the unit
// (read from archive_units) is withdrawn, a withdrawal and a deposit when
// it does not exist, and a withdrawal copies the unit's current record; a
// fixity event names an AIP of its unit. A row changed for one write and
// put back leaves every table equal to its rebuild; deepState re-decides
// each rule from the entries and reports the entry that breaks one.
type deepState struct {
	units map[string]*deepUnit
	aips  map[int64]string // AIP entry → its unit
}

type deepUnit struct {
	record    []byte // the record of its latest version, as a withdrawal writes it
	seq       int64  // its latest version's entry
	withdrawn bool
}

func newDeepState() *deepState {
	return &deepState{units: map[string]*deepUnit{}, aips: map[int64]string{}}
}

func mismatch(table string, e ledger.Entry, format string, args ...any) error {
	return &ledger.ProjectionMismatch{Table: table, Seq: e.Seq, Detail: fmt.Sprintf(format, args...)}
}

// withdrawal is the body a withdrawal of a unit whose record is rec writes.
func withdrawal(rec UnitRecord) []byte {
	b, _ := json.Marshal(unitBody{UnitRecord: rec, Withdrawn: true})
	return b
}

// check re-decides the rules of an archive entry, then applies it.
func (st *deepState) check(e ledger.Entry, kind string, body json.RawMessage) error {
	switch kind {
	case kindUnit:
		var b unitBody
		if json.Unmarshal(body, &b) != nil {
			return nil
		}
		u := st.units[b.ID]
		switch {
		case u != nil && u.withdrawn:
			return mismatch("archive_units", e, "unit entry %d: unit %q was withdrawn by entry %d", e.Seq, b.ID, u.seq)
		case b.Withdrawn && u == nil:
			return mismatch("archive_units", e, "unit entry %d: withdraws unit %q, which no entry made", e.Seq, b.ID)
		case b.Withdrawn && !bytes.Equal(withdrawal(b.UnitRecord), u.record):
			return mismatch("archive_units", e, "unit entry %d: the withdrawal of unit %q states another record than its version of entry %d", e.Seq, b.ID, u.seq)
		}
		if u == nil {
			u = &deepUnit{}
			st.units[b.ID] = u
		}
		u.record, u.seq, u.withdrawn = withdrawal(b.UnitRecord), e.Seq, b.Withdrawn
	case kindAIP:
		var a aipBody
		if json.Unmarshal(body, &a) != nil {
			return nil
		}
		u := st.units[a.UnitID]
		switch {
		case u == nil:
			return mismatch("archive_units", e, "aip entry %d: deposits into unit %q, which no entry made", e.Seq, a.UnitID)
		case u.withdrawn:
			return mismatch("archive_units", e, "aip entry %d: deposits into unit %q, withdrawn by entry %d", e.Seq, a.UnitID, u.seq)
		}
		st.aips[e.Seq] = a.UnitID
	case kindEvent:
		var b eventBody
		if json.Unmarshal(body, &b) != nil || b.AIPSeq == 0 {
			return nil
		}
		if unit, ok := st.aips[b.AIPSeq]; !ok || unit != b.UnitID {
			return mismatch("archive_aips", e, "event entry %d: names AIP %d of unit %q; that entry is no AIP of the unit", e.Seq, b.AIPSeq, b.UnitID)
		}
	}
	return nil
}
