package ingest

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/maphash"
	"strings"
	"time"
	"unsafe"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/shopspring/decimal"

	"ecinema/ledger"
)

// deepTickets is verify --deep's rebuild of the tickets table, in memory:
// the rows salesProjection computes from the sale entries, changed by the
// refunds refundProjection computes, kept by primary key (cinema_id, id)
// in a table of its own (no pointers: a national year's tens of millions
// of rows cost the garbage collector nothing).
// Compare then reads the stored table once, in whatever order PostgreSQL
// returns it (one sequential scan, binary), and looks every stored row up.
//
// Until this rebuild the tickets went into an indexed temporary table
// (1.6 M rows for the 30-day demo) and were compared by a full join: more
// than 90% of verify --deep's time. The rows and the statements' effects
// are the same: a ticket is inserted once (a second sale of one id fails
// as the primary key would), the price is stored as numeric(12,2) (rounded
// to two decimals), an empty seat as NULL, times at microseconds, and a
// refund changes exactly the tickets it names that are sold in its
// screening and not refunded (else it fails as the refund statement's row
// count check does). A second sale of an id and a refund that contradicts
// the ticket's sale (refund) are mismatches of tickets at that entry: the
// live write decided them from the stored rows, so such an entry means a
// row was changed for it, even when it was put back since.
type deepTickets struct {
	names  []string          // interned cinema, screening, film, category, channel and price strings
	intern map[string]uint32 // name → index in names
	prices map[string]uint32 // a body's price → its stored text, interned
	// The rows hold no pointers (the garbage collector skips them): ids
	// and seats are kept back to back in chunks of text (a chunk never
	// moves, so the text grows without a copy), and the primary key index
	// is an open-addressing table, a power of two at most half full, of
	// the key's hash (high 32 bits) and the row number + 1 (low; 0 is
	// empty): a probe reads a row only when the hashes agree, so a new
	// key costs one cache miss instead of one for every occupied slot it
	// passes (the probes were the check's hottest code on a national
	// year). The few refunded rows keep their refund beside them.
	text    textArena
	slots   []uint64
	rows    []deepTicket
	refunds map[uint32]deepRefund // row number → its refund
	seed    maphash.Seed
}

// deepTicket is one rebuilt row, 64 bytes. Strings of few values are
// interned; times are microseconds and dates days since 2000-01-01,
// PostgreSQL's binary encoding.
type deepTicket struct {
	soldAt, saleSeq                                   int64
	hash                                              uint32 // of cinema and id, its low bits
	off                                               uint32 // of id, then seat, in text
	cinema, screening, film, price, category, channel uint32
	saleDate, bod                                     int32
	idLen, seatLen                                    uint16
	flags                                             uint8 // deepRefunded, deepSeen
}

const (
	deepRefunded = 1 << iota
	deepSeen
)

func (r *deepTicket) refunded() bool { return r.flags&deepRefunded != 0 }
func (r *deepTicket) seen() bool     { return r.flags&deepSeen != 0 }

// deepRefund is the refund of a rebuilt row.
type deepRefund struct{ at, seq int64 }

// newDeepTickets returns an empty table sized for about expect rows (the
// stored tickets it will be compared with), so that it need not grow.
func newDeepTickets(expect int64) *deepTickets {
	expect = min(max(expect, 0), 1<<30)
	slots := 1 << 12
	for int64(slots) < 2*(expect+1) {
		slots *= 2
	}
	return &deepTickets{intern: map[string]uint32{}, prices: map[string]uint32{}, slots: make([]uint64, slots),
		rows: make([]deepTicket, 0, expect+expect/64), refunds: map[uint32]deepRefund{}, seed: maphash.MakeSeed()}
}

func (d *deepTickets) id(r *deepTicket) string { return d.text.at(r.off, int(r.idLen)) }

func (d *deepTickets) seat(r *deepTicket) string {
	return d.text.at(r.off+uint32(r.idLen), int(r.seatLen))
}

// addText appends id and seat to the text and returns their offset.
func (d *deepTickets) addText(id, seat string) (uint32, error) {
	if len(id) > 0xffff || len(seat) > 0xffff {
		return 0, fmt.Errorf("ticket %q: an id or seat longer than %d bytes", id, 0xffff)
	}
	off, err := d.text.add(id, seat)
	if err != nil {
		return 0, fmt.Errorf("%w: give --deep-parts or less --deep-memory", err)
	}
	return off, nil
}

// textArena keeps strings back to back in chunks of textChunk bytes, for
// tables of millions of rows that hold no pointers (the garbage collector
// skips them): a row keeps the offset and lengths of its strings. A chunk
// never moves, so the text grows without a copy, and a string read back
// (at) stays valid as long as the arena.
type textArena struct{ chunks [][]byte }

// textChunk is the size of a chunk of text: an offset addresses 4 GiB.
const textChunk = 1 << 20

// add appends a and b back to back and returns the offset of a.
func (t *textArena) add(a, b string) (uint32, error) {
	n := len(a) + len(b)
	last := len(t.chunks) - 1
	if last < 0 || len(t.chunks[last])+n > textChunk {
		if len(t.chunks) == 1<<32/textChunk || n > textChunk {
			return 0, errors.New("more than 4 GiB of text, or a string longer than 1 MiB, in one table")
		}
		t.chunks = append(t.chunks, make([]byte, 0, textChunk))
		last++
	}
	off := uint32(last*textChunk + len(t.chunks[last]))
	t.chunks[last] = append(append(t.chunks[last], a...), b...)
	return off, nil
}

// at returns the n bytes of text at off.
func (t *textArena) at(off uint32, n int) string {
	c := t.chunks[off/textChunk]
	o := off % textChunk
	return bytesString(c[o : int(o)+n])
}

func (d *deepTickets) keyHash(cinema uint32, id string) uint32 {
	return uint32(maphash.String(d.seed, id) ^ (uint64(cinema)+1)*0x9e3779b97f4a7c15)
}

// find returns the slot of (cinema, id) and its row number + 1, or the
// empty slot where it would go and 0.
func (d *deepTickets) find(cinema uint32, id string, h uint32) (int, uint32) {
	mask := uint32(len(d.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		s := d.slots[i]
		if s == 0 {
			return int(i), 0
		}
		if uint32(s>>32) != h {
			continue
		}
		if r := &d.rows[uint32(s)-1]; r.cinema == cinema && d.id(r) == id {
			return int(i), uint32(s)
		}
	}
}

// grow doubles the index when it is half full.
func (d *deepTickets) grow() {
	if 2*(len(d.rows)+1) <= len(d.slots) {
		return
	}
	d.slots = make([]uint64, 2*len(d.slots))
	mask := uint32(len(d.slots) - 1)
	for j := range d.rows {
		h := d.rows[j].hash
		i := h & mask
		for d.slots[i] != 0 {
			i = (i + 1) & mask
		}
		d.slots[i] = slot(h, uint32(j+1))
	}
}

func (d *deepTickets) str(s string) uint32 {
	if i, ok := d.intern[s]; ok {
		return i
	}
	i := uint32(len(d.names))
	d.names = append(d.names, s)
	d.intern[s] = i
	return i
}

// pgEpoch is 2000-01-01 UTC, the origin of PostgreSQL's binary times.
var pgEpoch = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// pgMicros is t as a binary timestamptz: microseconds since pgEpoch,
// truncated as pgx encodes it.
func pgMicros(t time.Time) int64 { return t.UnixMicro() - pgEpoch.UnixMicro() }

// pgDays is the calendar date of t (as pgx encodes a date) in days since
// pgEpoch.
func pgDays(t time.Time) int32 {
	y, m, dd := t.Date()
	return int32(time.Date(y, m, dd, 0, 0, 0, 0, time.UTC).Sub(pgEpoch) / (24 * time.Hour))
}

// insert adds the tickets of a run of sale entries, those of the cinemas
// want takes (all when want is nil).
func (d *deepTickets) insert(t *ticketRows, want func(cinema string) bool) error {
	// The tickets of one entry share cinema, screening and film.
	var lastC, lastS, lastF string
	var c, scr, film uint32
	keep := true
	for i, id := range t.id {
		if i == 0 || t.cinema[i] != lastC || t.screening[i] != lastS || t.film[i] != lastF {
			if i == 0 || t.cinema[i] != lastC {
				keep = want == nil || want(t.cinema[i])
			}
			lastC, lastS, lastF = t.cinema[i], t.screening[i], t.film[i]
			if keep {
				c, scr, film = d.str(lastC), d.str(lastS), d.str(lastF)
			}
		}
		if !keep {
			continue
		}
		d.grow()
		h := d.keyHash(c, id)
		at, j := d.find(c, id, h)
		if j != 0 {
			// The live write checks the id against the stored tickets:
			// a row was deleted for this sale.
			return &ledger.ProjectionMismatch{Table: "tickets", Seq: t.seq[i], Detail: fmt.Sprintf(
				"sale entry %d: ticket %q of cinema %q was sold before, by entry %d", t.seq[i], id, t.cinema[i], d.rows[j-1].saleSeq)}
		}
		price, ok := d.prices[t.price[i]]
		if !ok {
			price = d.str(t.prices[i].StringFixed(2)) // numeric(12,2)
			d.prices[t.price[i]] = price
		}
		off, err := d.addText(id, t.seat[i])
		if err != nil {
			return fmt.Errorf("ingest: sale entry %d: %w", t.seq[i], err)
		}
		d.rows = append(d.rows, deepTicket{hash: h, off: off, idLen: uint16(len(id)), seatLen: uint16(len(t.seat[i])),
			cinema: c, screening: scr, film: film, price: price, category: d.str(t.category[i]), channel: d.str(t.channel[i]),
			saleDate: pgDays(t.saleDate[i]), bod: pgDays(t.bod[i]), soldAt: pgMicros(t.soldAt[i]), saleSeq: t.seq[i]})
		d.slots[at] = slot(h, uint32(len(d.rows)))
	}
	return nil
}

// slot is an index slot of row number + 1 n of hash h.
func slot(h, n uint32) uint64 { return uint64(h)<<32 | uint64(n) }

// refund applies the refunds of a run of refund entries.
//
// The live write decides a refund from the stored tickets and copies into
// the entry each ticket's price and sale date and its screening's film and
// box-office day, as the tables held them under the lock. So a ticket row
// changed (or inserted) for a refund and put back (or deleted) right after
// leaves every table equal to its replay, but a refund entry that
// contradicts the sale entry before it: a ticket never sold or already
// refunded, refunded before its sale, or another price, sale date, film or
// box-office day (refunds net out of the sales_daily row they name). Such
// an entry is a mismatch of tickets at its seq.
func (d *deepTickets) refund(aps []refundApply) error {
	for k := range aps {
		ap := &aps[k]
		c, okc := d.intern[ap.cinema]
		s, oks := d.intern[ap.screening]
		missed, first := 0, ""
		bod := pgDays(ap.bod)
		for i, id := range ap.ids {
			var j uint32
			if okc {
				_, j = d.find(c, id, d.keyHash(c, id))
			}
			if j == 0 || !oks || d.rows[j-1].screening != s || d.rows[j-1].refunded() {
				if missed++; missed == 1 {
					first = id
				}
				continue
			}
			r := &d.rows[j-1]
			at := pgMicros(ap.at[i])
			if err := d.refundAgrees(r, ap, i, at, bod); err != nil {
				return err
			}
			r.flags |= deepRefunded
			d.refunds[j-1] = deepRefund{at: at, seq: ap.seq}
		}
		if missed > 0 {
			return &ledger.ProjectionMismatch{Table: "tickets", Seq: ap.seq, Detail: fmt.Sprintf(
				"refund entry %d: %d of its %d tickets (the first %q) were not sold in screening %q of cinema %q or were already refunded",
				ap.seq, missed, len(ap.ids), first, ap.screening, ap.cinema)}
		}
	}
	return nil
}

// refundAgrees checks what refund ap states of its i-th ticket, refunded at
// at (microseconds) in a screening of box-office day bod (days), against
// rebuilt row r, the ticket as its sale entry made it.
func (d *deepTickets) refundAgrees(r *deepTicket, ap *refundApply, i int, at int64, bod int32) error {
	n := d.names
	price := n[r.price] == ap.price[i] || sameAmount(n[r.price], ap.price[i])
	saleDate := pgDays(ap.saleDate[i])
	if price && saleDate == r.saleDate && n[r.film] == ap.film && bod == r.bod && at >= r.soldAt {
		return nil
	}
	m := &ledger.ProjectionMismatch{Table: "tickets", Seq: ap.seq}
	day := func(days int32) string { return pgEpoch.AddDate(0, 0, int(days)).Format(time.DateOnly) }
	if at < r.soldAt {
		m.Detail = fmt.Sprintf("refund entry %d: ticket %q of cinema %q: refunded at %s, before its sale (entry %d) at %s",
			ap.seq, ap.ids[i], ap.cinema, ap.at[i].UTC().Format(time.RFC3339Nano), r.saleSeq,
			pgEpoch.Add(time.Duration(r.soldAt)*time.Microsecond).Format(time.RFC3339Nano))
		return m
	}
	m.Detail = fmt.Sprintf("refund entry %d: ticket %q of cinema %q: the entry states price %s, sale date %s, film %q, box-office day %s; "+
		"its sale (entry %d) price %s, sale date %s, film %q, box-office day %s",
		ap.seq, ap.ids[i], ap.cinema, ap.price[i], day(saleDate), ap.film, day(bod),
		r.saleSeq, n[r.price], day(r.saleDate), n[r.film], day(r.bod))
	return m
}

// sameAmount reports whether two decimal strings are the same amount.
func sameAmount(a, b string) bool {
	x, err1 := decimal.NewFromString(a)
	y, err2 := decimal.NewFromString(b)
	return err1 == nil && err2 == nil && x.Equal(y)
}

// The stored tickets as compare reads them: every compared column, price
// as text (numeric's text is exact), the others binary.
const sqlDeepStoredTickets = `SELECT cinema_id, id, screening_id, film_id, price, category, seat, channel,
  sold_at, sale_date, box_office_day, sale_seq, refunded_at, refund_seq FROM public.tickets`

var deepTicketColumns = []struct {
	name string
	oid  uint32
}{
	{"cinema_id", pgtype.TextOID}, {"id", pgtype.TextOID}, {"screening_id", pgtype.TextOID}, {"film_id", pgtype.TextOID},
	{"price", pgtype.NumericOID}, {"category", pgtype.TextOID}, {"seat", pgtype.TextOID}, {"channel", pgtype.TextOID},
	{"sold_at", pgtype.TimestamptzOID}, {"sale_date", pgtype.DateOID}, {"box_office_day", pgtype.DateOID},
	{"sale_seq", pgtype.Int8OID}, {"refunded_at", pgtype.TimestamptzOID}, {"refund_seq", pgtype.Int8OID},
}

// compare reads the stored tickets (those filter selects, a condition on
// the text[] arg; all when filter is "") and returns a
// *ledger.ProjectionMismatch for the first row that differs from its
// rebuild or exists on one side only. It calls counted with the rows read
// every deepCountEvery rows.
func (d *deepTickets) compare(ctx context.Context, tx pgx.Tx, filter, arg string, counted func(int)) error {
	formats := make([]int16, len(deepTicketColumns))
	for i := range formats {
		formats[i] = pgx.BinaryFormatCode
	}
	formats[4] = pgx.TextFormatCode
	var params [][]byte
	var oids []uint32
	if filter != "" {
		params, oids = [][]byte{[]byte(arg)}, []uint32{pgtype.TextArrayOID}
	}
	rr := tx.Conn().PgConn().ExecParams(ctx, sqlDeepStoredTickets+filter, params, oids, nil, formats)
	fds := rr.FieldDescriptions()
	for i, c := range deepTicketColumns {
		if i >= len(fds) || fds[i].DataTypeOID != c.oid {
			rr.Close()
			return fmt.Errorf("ingest: deep check: tickets.%s is not of the type the check reads (oid %d)", c.name, c.oid)
		}
	}
	var mismatch error
	matched, n := 0, 0
	next := uint32(1) // the rebuilt row the next stored row likely is (its number + 1)
	for rr.NextRow() {
		if n++; n == deepCountEvery {
			counted(n)
			n = 0
		}
		v := rr.Values()
		// The stored rows come mostly in the order they were inserted,
		// which is the ledger's, as the rebuilt rows are: the row after the
		// last one found is tried first, read in order, and only a row
		// elsewhere (a refunded ticket's new version, a page reused) is
		// looked up in the index, a cache miss.
		j := next
		if !d.isRow(j, v) {
			j = d.lookup(v)
		}
		if j != 0 && !d.rows[j-1].seen() && d.equal(j, v) {
			d.rows[j-1].flags |= deepSeen
			matched++
			next = j + 1
			continue
		}
		mismatch = d.mismatch(v)
		break
	}
	counted(n)
	if _, err := rr.Close(); err != nil {
		return fmt.Errorf("ingest: deep check: read tickets: %w", err)
	}
	if mismatch != nil {
		return mismatch
	}
	if matched != len(d.rows) {
		for i := range d.rows {
			if r := &d.rows[i]; !r.seen() {
				return &ledger.ProjectionMismatch{Table: "tickets", Seq: r.saleSeq, Detail: "rebuilt only: " + d.rebuiltJSON(uint32(i+1))}
			}
		}
	}
	return nil
}

// deepCountEvery is how many compared rows compare counts at once.
const deepCountEvery = 1 << 16

// bytesString is b as a string without copying, for lookups and
// comparisons only (never kept).
func bytesString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// isRow reports whether rebuilt row j (its number + 1) has stored row v's
// key.
func (d *deepTickets) isRow(j uint32, v [][]byte) bool {
	if j == 0 || int(j) > len(d.rows) {
		return false
	}
	r := &d.rows[j-1]
	return d.names[r.cinema] == bytesString(v[0]) && d.id(r) == bytesString(v[1])
}

// lookup finds the rebuilt row of a stored row's key: its row number + 1,
// or 0.
func (d *deepTickets) lookup(v [][]byte) uint32 {
	c, ok := d.intern[bytesString(v[0])]
	if !ok {
		return 0
	}
	id := bytesString(v[1])
	_, j := d.find(c, id, d.keyHash(c, id))
	return j
}

func be64(b []byte) (int64, bool) {
	if len(b) != 8 {
		return 0, false
	}
	return int64(binary.BigEndian.Uint64(b)), true
}

func be32(b []byte) (int32, bool) {
	if len(b) != 4 {
		return 0, false
	}
	return int32(binary.BigEndian.Uint32(b)), true
}

// equal reports whether stored row v equals rebuilt row r in every
// compared column (as IS NOT DISTINCT FROM: numbers by value, NULLs equal).
func (d *deepTickets) equal(j uint32, v [][]byte) bool {
	r := &d.rows[j-1]
	n := d.names
	if v[2] == nil || bytesString(v[2]) != n[r.screening] || v[3] == nil || bytesString(v[3]) != n[r.film] ||
		v[5] == nil || bytesString(v[5]) != n[r.category] || v[7] == nil || bytesString(v[7]) != n[r.channel] {
		return false
	}
	if (v[6] == nil) != (r.seatLen == 0) || bytesString(v[6]) != d.seat(r) {
		return false
	}
	if v[4] == nil {
		return false
	}
	if bytesString(v[4]) != n[r.price] {
		a, err1 := decimal.NewFromString(string(v[4]))
		b, err2 := decimal.NewFromString(n[r.price])
		if err1 != nil || err2 != nil || !a.Equal(b) {
			return false
		}
	}
	soldAt, ok1 := be64(v[8])
	saleDate, ok2 := be32(v[9])
	bod, ok3 := be32(v[10])
	saleSeq, ok4 := be64(v[11])
	if !ok1 || !ok2 || !ok3 || !ok4 || soldAt != r.soldAt || saleDate != r.saleDate || bod != r.bod || saleSeq != r.saleSeq {
		return false
	}
	if (v[12] == nil) != !r.refunded() || (v[13] == nil) != !r.refunded() {
		return false
	}
	if r.refunded() {
		at, ok1 := be64(v[12])
		seq, ok2 := be64(v[13])
		rf := d.refunds[j-1]
		if !ok1 || !ok2 || at != rf.at || seq != rf.seq {
			return false
		}
	}
	return true
}

// mismatch reports stored row v and the rebuilt row of its key.
func (d *deepTickets) mismatch(v [][]byte) error {
	row := map[string]any{}
	for i, c := range deepTicketColumns {
		row[c.name] = storedValue(v[i], c.oid)
	}
	b, _ := json.Marshal(row)
	m := &ledger.ProjectionMismatch{Table: "tickets", Seq: -1, Detail: "stored only: " + string(b)}
	if s, ok := be64(v[11]); ok {
		m.Seq = s
	}
	if j := d.lookup(v); j != 0 {
		m.Detail += "; rebuilt only: " + d.rebuiltJSON(j)
		if d.rows[j-1].seen() {
			m.Detail += " (stored twice)"
		}
	}
	return m
}

// storedValue is a stored column for a report.
func storedValue(b []byte, oid uint32) any {
	if b == nil {
		return nil
	}
	switch oid {
	case pgtype.TimestamptzOID:
		if us, ok := be64(b); ok {
			return pgEpoch.Add(time.Duration(us) * time.Microsecond).Format(time.RFC3339Nano)
		}
	case pgtype.DateOID:
		if days, ok := be32(b); ok {
			return pgEpoch.AddDate(0, 0, int(days)).Format(time.DateOnly)
		}
	case pgtype.Int8OID:
		if n, ok := be64(b); ok {
			return n
		}
	default:
		return string(b)
	}
	return fmt.Sprintf("%x", b)
}

// rebuiltJSON is rebuilt row j (its number + 1) for a report.
func (d *deepTickets) rebuiltJSON(j uint32) string {
	r := &d.rows[j-1]
	n := d.names
	row := map[string]any{"cinema_id": n[r.cinema], "id": d.id(r), "screening_id": n[r.screening], "film_id": n[r.film],
		"price": n[r.price], "category": n[r.category], "seat": nil, "channel": n[r.channel],
		"sold_at":        pgEpoch.Add(time.Duration(r.soldAt) * time.Microsecond).Format(time.RFC3339Nano),
		"sale_date":      pgEpoch.AddDate(0, 0, int(r.saleDate)).Format(time.DateOnly),
		"box_office_day": pgEpoch.AddDate(0, 0, int(r.bod)).Format(time.DateOnly),
		"sale_seq":       r.saleSeq, "refunded_at": nil, "refund_seq": nil}
	if r.seatLen > 0 {
		row["seat"] = d.seat(r)
	}
	if r.refunded() {
		rf := d.refunds[j-1]
		row["refunded_at"] = pgEpoch.Add(time.Duration(rf.at) * time.Microsecond).Format(time.RFC3339Nano)
		row["refund_seq"] = rf.seq
	}
	b, _ := json.Marshal(row)
	return strings.TrimSpace(string(b))
}
