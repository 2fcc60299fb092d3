// Package ticketing is the unified e-ticketing register of CULTURE.md
// section 1: one national register of every culture ticket (theatres,
// museums, concert halls, philharmonics, circuses, galleries), sold at the
// venue's box office or web shop, checked at any gate, online or off. It is
// the first module under culture/ and keeps the core's habits: no echo
// here, typed requests and results, errors as domain values (errors.go)
// that api/errors.go maps in its one table, SQL as consts beside the code
// that scans it, schema in migrations/0010_ticketing.sql.
//
// # Ledger
//
// Every fact is a ledger entry written through the one ledger.Writer, with
// its projections in the same transaction. Kinds are <module>_<fact>
// (a dot is not allowed by the ledger's kind pattern, so CULTURE.md's
// "ticketing.sale" is the kind ticketing_sale):
//
//	ticketing_venue       a venue version; the first carries the venue's signing key
//	ticketing_key         a key rotation: the new public key and the kid it retires
//	ticketing_event       an event version
//	ticketing_session     a session version with its tariffs
//	ticketing_sale        tickets sold, each with its signed code
//	ticketing_refund      tickets refunded (and so revoked)
//	ticketing_checkin     one online admission (amount 0, never revenue)
//	ticketing_gate_batch  the queued scans of an offline gate device, each with its result
//
// Projections (ticketing_venues, _zones, _keys, _events, _sessions,
// _tariffs, _versions, _tickets, _scans) are written by apply* functions
// that the live Project funcs and deepCheck (ecinema verify --deep) share,
// so the two cannot drift. Nothing is edited in place: a change is a new
// version, a refund a new entry. Not rebuilt: the sealed private keys and
// the idempotency rows, which are not facts of the log.
//
// The rules are decided, and some facts of an entry copied, from the
// tables under the head lock (a sale's tariff price and admissions, its
// session's venue, event, day and end, the venue's current key and its
// valid_from, the capacity, ids and seats taken; a refund's ticket and
// session start; a scan's ticket state; a session version's event, venue
// and zone capacity and whether it has sales; an event version's venue and
// the venue of the event as it stands). So that a row changed for one write and put back
// cannot hide, deepCheck keeps the register the entries make in memory
// (deepstate.go), re-decides each entry's rules and re-derives what it
// copied before replaying it, and reports an entry that contradicts the
// ones before it as a mismatch at that entry.
//
// # Ticket codes
//
// A code is "KZT1:" followed by Base45 (RFC 9285) of a tagged COSE_Sign1
// (RFC 9052, CBOR tag 18) signed with EdDSA (alg -8, Ed25519) by the
// venue's key, no external data. The protected header holds alg and kid,
// the first 8 bytes of SHA-256 of the raw 32-byte public key (lowercase hex
// in JSON). The payload is a deterministic CBOR map (RFC 8949 section 4.2)
// with integer keys:
//
//	1 version (1)          4 session id (text)       7 expires: the session's end (unix s)
//	2 ticket id (text)     5 seat (text or null)     8 tariff code (text)
//	3 venue id (text)      6 not before: sale time   9 admissions allowed (int)
//
// A verifier needs only the public trust list (GET /v1/tickets/keys): find
// the kid, check the signature, check that the key was in force at the
// code's not-before (valid_from ≤ nbf ≤ valid_to, valid_to null for a
// current key: so a rotated-out key cannot sign new codes, and codes it
// signed before stay valid until they expire), then the venue, then the
// time: refused before 6 (not_yet_valid) and after 7 plus expiryGrace, one
// hour (expired). Verify is that function, pure; the gate tool
// (ecinema gate) and the server both use it, and testdata/ticketing holds
// an independent Node.js verifier. Each venue's Ed25519 keys are generated
// here; the private halves are stored sealed (AES-256-GCM, the kid as
// additional data) under the key of ECINEMA_TICKET_KEY_FILE.
//
// # Rules
//
// A sale (role venue, Idempotency-Key as for cinema sales) is refused
// whole, storing nothing, when a session is another venue's (403), unknown
// (404), ended (422 session_ended), when a tariff is unknown (422
// unknown_tariff) or a price differs from its tariff's (422
// price_mismatch; a tariff of 0.00 is free), when the session's capacity
// would be exceeded (422 capacity_exceeded), a ticket id was ever sold
// (ids are national, 409 duplicate_ticket) or a seat is sold and not
// refunded (409 seat_already_sold). Sales and refunds are records on the
// ledger writer's group path (ledger.Batcher, batch.go): every state rule
// is decided once, inside the writer's transaction under the head lock,
// for a whole run of requests in order, and the entry's body is computed
// from the state seen there, so concurrent sales cannot both take the last
// place, and nothing is re-checked or retried. Refunds follow the cinema's rules: before
// the session starts, or after it only with reason session_cancelled;
// a refunded ticket is revoked and appears in the venue's revocation feed.
//
// # Exactly once at the gate
//
// A ticket admits at most `admissions` times (1 for a ticket, more for a
// pass). Check-ins and gate batches are decided on the writer's group path
// (checkinsBatcher): the code is verified before (a pure check), the
// admission under the ledger head lock against the register as it stands
// there, scans of a run in order, and the admission is written with a
// conditional UPDATE that fails the group if it did not fit: of any number
// of concurrent scans of a one-admission ticket exactly one commits an
// entry and answers admitted,
// the others 409 already_admitted naming when and at which gate, and store
// nothing. Scans carry (device, nonce): a replayed nonce answers the first
// result without a new entry. An offline batch is one entry whose body
// records every scan with its result, decided in scan order against the
// register: a ticket already admitted (online, by another device, or
// earlier in the batch) is recorded as duplicate_offline, never admitted
// twice, and never dropped. Each scan has its own result, so a device with
// a wrong clock loses no scan: one dated more than clockSkew (5 minutes)
// after the server's clock is recorded as in_future and admits nobody
// (its ticket stays unused; the time is not trusted for a verdict), unless
// its code is invalid or another venue's; one dated long ago is decided
// like any other (not_yet_valid before the sale). verify --deep takes
// in_future as a stateless refusal: the entry holds neither the code nor
// the clock it was decided by. The gate tool (ecinema gate) uploads only the
// scans it admitted; the ones it refused let nobody in.
//
// Venue, event and session versions and key rotations are decided alone
// under the head lock (ledger.Serial): whether a venue is new (and so gets
// the key generated with the request), whether a body is unchanged, which
// key a rotation retires, an event's venue (an event never moves to
// another venue, and a venue key never writes another venue's event), a
// session's event, zone capacity and sales are read there. No write of
// this package plans outside the lock and re-checks or retries.
//
// # Caches
//
// A server process keeps each venue's opened signing key and the trust
// list in memory. A sale's codes are signed ahead with the cached key;
// under the head lock they are kept only when that key is still the
// venue's current one and the claims are what the session there gives,
// and are signed again with the current key otherwise, so no code is ever
// signed by a retired key. A sale's time (the codes' not-before) is taken
// before the lock; when a rotation decided in between made a key current
// from a later second, the sale is made at that second, so every code's
// key is in force at its not-before (valid_from ≤ nbf) and the gates admit
// it; the trust list used by the gates is re-read every trustTTL (5 s) and
// at once after this process creates or rotates a key.
//
// # Demo
//
// LoadDemo writes seven venues with a month of sessions, sales, refunds and
// gate batches through Sell, Refund and CheckinBatch on a moved clock, so
// the demo takes exactly the path production takes.
package ticketing
