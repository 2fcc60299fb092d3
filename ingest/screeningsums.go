package ingest

import (
	"fmt"
	"hash/maphash"
	"math"
	"strings"
	"time"

	"ecinema/ledger"
)

// screeningSums are verify --deep's screening totals of every run, summed
// (sold, or refunded): tickets and gross in tiyn, by value. The gross
// strings added are a run's totals as the live write sends them (two
// decimals, sortedScreeningTotals), so the sums are exact.
//
// A national year has about a million screenings, and the sums hold no
// pointers, for the garbage collector marks every pointer on each of its
// cycles (~180 in a national year's check): kept as decimals behind
// pointers they were more than a third of the check's time, and keyed by
// the two strings still 130 MB of pointers. The map is keyed by a seeded
// hash of the key; the key's strings are kept in a textArena, and an add
// whose hash meets another key is an error rather than a silent merge
// (with 64 bits and a random seed, never in practice).
//
// The sold sums also keep what the screening's first sale entry states of
// it (film, box-office day) and that entry's seq, the sale entries that
// state otherwise (header), and the screening's last screening entry
// (registered, from projectScreenings): checkHeaders compares them in
// memory. (A statement joining a row a screening with the rebuilt table
// took 3.5 s of a national year's check and 50–100 MB of arrays.)
//
// They also replay, in seq order (replay), the rules the live write decides
// from the stored screening row: the version in force (its seats, start
// and end, from the screening entries) and the active tickets (the sale
// entries' tickets less the refund entries'). A sale past the seats or
// sold after the end, or a refund after the start without reason
// screening_cancelled, is the first entry that broke a rule (broken).
type screeningSums struct {
	seed      maphash.Seed
	m         map[uint64]screeningSum
	text      textArena
	films     []string
	film      map[string]uint32 // film → its index in films + 1
	conflicts []saleHeader      // sale entries that state other than their screening's first sale
	rules     [][]scrRules      // of the registered screenings (screeningSum.rules), in chunks of rulesChunk
	nRules    uint32
	broken    *ledger.ProjectionMismatch
}

type screeningSum struct {
	tiyn             int64
	seq              int64 // the first sale entry's (header)
	regSeq           int64 // the last screening entry's (registered)
	n                int32
	off              uint32 // of cinema, then id, in text
	film             uint32 // the first sale entry's film, index in films + 1; 0: no sale
	bod              int32  // days since pgEpoch
	regFilm          uint32 // the last screening entry's film, as film; 0: none
	regBod           int32
	cinemaLen, idLen uint16
	// rules is the index + 1 of the screening's state in rules (0: no
	// screening entry yet), and its top bit (summedBit) tells that totals
	// were added (a registration alone adds none). The value stays 56
	// bytes, as before the rules were replayed: a national year's million
	// screenings are kept twice (sold, refunded), and the memory the check
	// takes beside the tickets makes its garbage collector run more often.
	rules uint32
}

const summedBit = 1 << 31

func (v *screeningSum) summed() bool { return v.rules&summedBit != 0 }

// scrRules is a registered screening's state that the rules read: the
// start (microseconds since pgEpoch), end and seats of the version in
// force, its version, and the active tickets after the entries so far.
type scrRules struct {
	starts                 int64
	dur                    uint32 // the end, in seconds after the start
	active, seats, version int32
}

func (r *scrRules) ends() int64 { return r.starts + int64(r.dur)*1e6 }

// rulesChunk is how many screenings' states a chunk of rules holds: the
// states are never copied as they grow (a million screenings' growing
// slice left its old copies to the garbage collector, under the memory
// limit of the check).
const rulesChunk = 1 << 14

// rule returns the state of index + 1 k.
func (m *screeningSums) rule(k uint32) *scrRules {
	return &m.rules[(k-1)/rulesChunk][(k-1)%rulesChunk]
}

func newScreeningSums() *screeningSums {
	return &screeningSums{seed: maphash.MakeSeed(), m: map[uint64]screeningSum{}, film: map[string]uint32{}}
}

// saleHeader is what a sale entry states of its screening, its tickets and
// the last sold_at of them (microseconds since pgEpoch).
type saleHeader struct {
	cinema, screening, film string
	bod                     time.Time
	seq                     int64
	n                       int32
	lastSold                int64
}

// scrVersion is what a screening entry states that the rules of the sales
// and refunds read: its seats, start and end (microseconds since pgEpoch);
// and, for the rules of the registry (deepRegistry), its hall and runtime.
type scrVersion struct {
	cinema, id, film, hall  string
	bod                     time.Time
	seq                     int64
	seats, version, runtime int32
	starts, ends            int64
}

// maxConflicts bounds the sale entries kept that state otherwise than
// their screening's first sale (each is a mismatch; the first is reported).
const maxConflicts = 1000

// sum returns the hash and sum of a screening, with its key's text added
// when it is new.
func (m *screeningSums) sum(cinema, id string) (uint64, screeningSum, error) {
	h := m.hash(cinema, id)
	v, ok := m.m[h]
	if !ok {
		if len(cinema) > 0xffff || len(id) > 0xffff {
			return 0, v, fmt.Errorf("screening %q: an id longer than %d bytes", id, 0xffff)
		}
		var err error
		if v.off, err = m.text.add(cinema, id); err != nil {
			return 0, v, fmt.Errorf("screening %q: %w", id, err)
		}
		v.cinemaLen, v.idLen = uint16(len(cinema)), uint16(len(id))
	} else if k := m.key(v); k.cinema != cinema || k.id != id {
		return 0, v, fmt.Errorf("screenings %q of %q and %q of %q have the same hash: run the check again (another seed)", id, cinema, k.id, k.cinema)
	}
	return h, v, nil
}

// header notes what sale entry s states of its screening, and replays the
// sale's rules against the version in force (the live write's, decideSale:
// no ticket sold after the end, the active tickets within the seats);
// entries come in seq order.
func (m *screeningSums) header(s saleHeader) error {
	h, v, err := m.sum(s.cinema, s.screening)
	if err != nil {
		return err
	}
	bod := pgDays(s.bod)
	if v.film == 0 {
		v.film, v.bod, v.seq = m.filmIndex(s.film), bod, s.seq
		m.m[h] = v
	} else if (m.films[v.film-1] != s.film || v.bod != bod) && len(m.conflicts) < maxConflicts {
		m.conflicts = append(m.conflicts, s)
	}
	i := v.rules &^ summedBit
	if i == 0 { // a sale of no version is checkHeaders'
		return nil
	}
	r := m.rule(i)
	if m.open(s.seq) {
		switch {
		case s.lastSold > r.ends():
			m.broke(s.seq, fmt.Sprintf("sale entry %d sold a ticket of screening %q of cinema %q at %s, after its end %s (screening entry %d)",
				s.seq, s.screening, s.cinema, microsTime(s.lastSold), microsTime(r.ends()), v.regSeq))
		case int64(r.active)+int64(s.n) > int64(r.seats):
			m.broke(s.seq, fmt.Sprintf("sale entry %d sold %d tickets of screening %q of cinema %q with %d active: more than its %d seats (screening entry %d)",
				s.seq, s.n, s.screening, s.cinema, r.active, r.seats, v.regSeq))
		}
	}
	r.active += s.n
	return nil
}

// refund replays a refund entry's rule against the version in force (the
// live write's, decideRefund: a ticket refunded after the start needs
// reason screening_cancelled) and takes its tickets off the active ones.
func (m *screeningSums) refund(r *refundApply) error {
	_, v, err := m.sum(r.cinema, r.screening)
	if err != nil {
		return err
	}
	k := v.rules &^ summedBit
	if k == 0 {
		return nil
	}
	st := m.rule(k)
	if m.open(r.seq) && !r.cancelled {
		for i, at := range r.at {
			if u := pgMicros(at); u > st.starts {
				m.broke(r.seq, fmt.Sprintf("refund entry %d refunded ticket %q of screening %q of cinema %q at %s, after its start %s (screening entry %d), without reason %q",
					r.seq, r.ids[i], r.screening, r.cinema, microsTime(u), microsTime(st.starts), v.regSeq, reasonScreeningCancelled))
				break
			}
		}
	}
	st.active -= int32(len(r.ids))
	return nil
}

// replay applies a run's screening versions, sale headers (the parts of
// the run's sales, one after the other) and refunds in seq order (each in
// seq order).
func (m *screeningSums) replay(vs []scrVersion, hss [][]saleHeader, rs []refundApply) error {
	var hs []saleHeader
	for {
		for len(hs) == 0 && len(hss) > 0 {
			hs, hss = hss[0], hss[1:]
		}
		if len(vs)+len(hs)+len(rs) == 0 {
			return nil
		}
		next, kind := int64(math.MaxInt64), 0
		if len(vs) > 0 {
			next = vs[0].seq
		}
		if len(hs) > 0 && hs[0].seq < next {
			next, kind = hs[0].seq, 1
		}
		if len(rs) > 0 && rs[0].seq < next {
			kind = 2
		}
		var err error
		switch kind {
		case 0:
			err, vs = m.registered(vs[0]), vs[1:]
		case 1:
			err, hs = m.header(hs[0]), hs[1:]
		default:
			err, rs = m.refund(&rs[0]), rs[1:]
		}
		if err != nil {
			return err
		}
	}
}

// broke notes an entry that broke a rule, when it is the first so far.
func (m *screeningSums) broke(seq int64, detail string) {
	if m.open(seq) {
		m.broken = &ledger.ProjectionMismatch{Table: "screenings", Seq: seq, Detail: detail}
	}
}

// open tells whether an entry at seq would come before the first that
// broke a rule so far.
func (m *screeningSums) open(seq int64) bool { return m.broken == nil || seq < m.broken.Seq }

// microsTime formats microseconds since pgEpoch as the entries do.
func microsTime(u int64) string {
	return fmtTime(pgEpoch.Add(time.Duration(u) * time.Microsecond))
}

// registered notes screening entry s, the last of its screening so far:
// its film, box-office day and seq for checkHeaders, and the seats, start
// and end the rules read from then on; screening entries come in seq
// order.
func (m *screeningSums) registered(s scrVersion) error {
	h, v, err := m.sum(s.cinema, s.id)
	if err != nil {
		return err
	}
	d := s.ends - s.starts
	if d < 0 || d%1e6 != 0 || d/1e6 > math.MaxUint32 {
		return fmt.Errorf("screening entry %d: its end is not a whole number of seconds after its start", s.seq)
	}
	k := v.rules &^ summedBit
	if k == 0 {
		if m.nRules%rulesChunk == 0 {
			m.rules = append(m.rules, make([]scrRules, rulesChunk))
		}
		m.nRules++
		k = m.nRules
		if k >= summedBit {
			return fmt.Errorf("screening entry %d: more than %d screenings", s.seq, summedBit-1)
		}
		v.rules |= k
	}
	r := m.rule(k)
	// The live write numbers a screening's versions from the stored row's
	// (decide): 1, then one more than the version before.
	if s.version != r.version+1 && m.open(s.seq) {
		before := "none"
		if v.regFilm != 0 {
			before = fmt.Sprintf("version %d (entry %d)", r.version, v.regSeq)
		}
		m.broke(s.seq, fmt.Sprintf("screening entry %d made version %d of screening %q of cinema %q; the version before: %s",
			s.seq, s.version, s.id, s.cinema, before))
	}
	r.version, r.seats, r.starts, r.dur = s.version, s.seats, s.starts, uint32(d/1e6)
	v.regFilm, v.regBod, v.regSeq = m.filmIndex(s.film), pgDays(s.bod), s.seq
	m.m[h] = v
	return nil
}

// filmIndex is film's index in films + 1, added when new.
func (m *screeningSums) filmIndex(film string) uint32 {
	f, ok := m.film[film]
	if !ok {
		m.films = append(m.films, film)
		f = uint32(len(m.films))
		m.film[film] = f
	}
	return f
}

func (m *screeningSums) hash(cinema, id string) uint64 {
	return maphash.String(m.seed, id) ^ (maphash.String(m.seed, cinema)+1)*0x9e3779b97f4a7c15
}

func (m *screeningSums) key(v screeningSum) scrKey {
	return scrKey{m.text.at(v.off, int(v.cinemaLen)), m.text.at(v.off+uint32(v.cinemaLen), int(v.idLen))}
}

// add adds a run's totals.
func (m *screeningSums) add(s screeningTotals) error {
	for i := range s.id {
		t, err := parseTiyn(s.gross[i])
		if err != nil {
			return fmt.Errorf("screening %q: %w", s.id[i], err)
		}
		h, v, err := m.sum(s.cinema[i], s.id[i])
		if err != nil {
			return err
		}
		if (t > 0 && v.tiyn > math.MaxInt64-t) || (t < 0 && v.tiyn < math.MinInt64-t) {
			return fmt.Errorf("screening %q: gross overflows", s.id[i])
		}
		v.n += s.n[i]
		v.tiyn += t
		v.rules |= summedBit
		m.m[h] = v
	}
	return nil
}

// sorted returns the sums in key order, as sortedScreeningTotals does.
func (m *screeningSums) sorted() screeningTotals {
	return screeningTotalsOf(func(yield func(scrKey, screeningSum) bool) {
		for _, v := range m.m {
			if v.summed() && !yield(m.key(v), v) {
				return
			}
		}
	}, func(v screeningSum) (int32, string) { return v.n, formatTiyn(v.tiyn) })
}

// parseTiyn reads an amount of exactly two decimals ("-12.30") as tiyn.
func parseTiyn(s string) (int64, error) {
	t, ok := tiynOf(s)
	if !ok {
		return 0, fmt.Errorf("amount %q is not of two decimals", s)
	}
	return t, nil
}

// tiynOf is parseTiyn without the error.
func tiynOf(s string) (int64, bool) {
	neg := strings.HasPrefix(s, "-")
	u := strings.TrimPrefix(s, "-")
	whole, frac, ok := strings.Cut(u, ".")
	w, okW := digits(whole)
	f, okF := digits(frac)
	if !ok || len(frac) != 2 || whole == "" || len(whole) > 16 || !okW || !okF {
		return 0, false
	}
	t := int64(w)*100 + int64(f)
	if neg {
		return -t, true
	}
	return t, true
}

// formatTiyn is t tiyn as decimal.StringFixed(2) writes the amount.
func formatTiyn(t int64) string {
	sign := ""
	u := uint64(t)
	if t < 0 {
		sign, u = "-", uint64(-t) // MinInt64 wraps to itself as uint64: 2^63, right
	}
	return fmt.Sprintf("%s%d.%02d", sign, u/100, u%100)
}

// checkHeaders compares what the sale entries state of their screenings
// (each screening's first sale, and every sale that states otherwise) with
// the screening entries (the last version of each). A sale entry copies its
// screening's film and box-office day from the stored row under the lock,
// and the rule that a screening with sales is never replaced reads the
// stored totals: a row changed for a sale or a replacement and put back
// leaves the tables equal to their replay, but the entries contradicting
// each other. The entry at which the log first stops being consistent (a
// sale stating otherwise, a sale of a screening no entry registered, or a
// screening entry after the screening's first sale) is reported as a
// *ledger.ProjectionMismatch of screenings at its seq; or the first entry
// that broke a rule of the replay (broken), when it comes before.
func (m *screeningSums) checkHeaders() error {
	var first *ledger.ProjectionMismatch
	var firstSale int64
	consider := func(u saleHeader, v screeningSum) {
		at := u.seq
		switch {
		case v.regFilm == 0:
		case m.films[v.regFilm-1] != u.film || v.regBod != pgDays(u.bod) || v.regSeq > u.seq:
			at = max(at, v.regSeq)
		default:
			return
		}
		if first != nil && (at > first.Seq || at == first.Seq && u.seq >= firstSale) {
			return
		}
		firstSale = u.seq
		day := func(t time.Time) string { return t.Format(time.DateOnly) }
		regBod := pgEpoch.AddDate(0, 0, int(v.regBod))
		mm := &ledger.ProjectionMismatch{Table: "screenings", Seq: at}
		switch {
		case v.regFilm == 0:
			mm.Detail = fmt.Sprintf("sale entry %d sold screening %q of cinema %q, which no screening entry registered", u.seq, u.screening, u.cinema)
		case v.regSeq > u.seq:
			mm.Detail = fmt.Sprintf("screening entry %d made screening %q of cinema %q film %q on box-office day %s after sale entry %d sold it as film %q on %s",
				v.regSeq, u.screening, u.cinema, m.films[v.regFilm-1], day(regBod), u.seq, u.film, day(u.bod))
		default:
			mm.Detail = fmt.Sprintf("sale entry %d sold screening %q of cinema %q as film %q on box-office day %s, its screening entry %d as film %q on %s",
				u.seq, u.screening, u.cinema, u.film, day(u.bod), v.regSeq, m.films[v.regFilm-1], day(regBod))
		}
		first = mm
	}
	for _, v := range m.m {
		if v.film != 0 {
			k := m.key(v)
			consider(saleHeader{cinema: k.cinema, screening: k.id, film: m.films[v.film-1], bod: pgEpoch.AddDate(0, 0, int(v.bod)), seq: v.seq}, v)
		}
	}
	for _, c := range m.conflicts {
		consider(c, m.m[m.hash(c.cinema, c.screening)])
	}
	if b := m.broken; b != nil && (first == nil || b.Seq < first.Seq) {
		return b
	}
	if first == nil {
		return nil
	}
	return first
}
