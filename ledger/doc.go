// Package ledger is ecinema's tamper-evident, append-only log: every fact
// that moves money or statistics is an entry, stored as exact bytes,
// chained by hash, with an RFC 6962 Merkle tree over the entries and signed
// checkpoints of that tree. It also serves proofs and verifies.
//
// The pure parts (entry bytes, hashing, the tree frontier, checkpoints,
// offline verification) live in entry.go, tree.go, checkpoint.go and
// verify.go; the PostgreSQL parts in writer.go, reader.go, store.go,
// publisher.go, proofs.go, scope.go and verifydb.go.
//
// # Format (enough to write an independent verifier)
//
// A log is a sequence of entries numbered seq = 0, 1, 2, … without gaps.
// Entry seq is a byte string B(seq): one compact JSON object, UTF-8, with
// exactly these members in this order and no white space outside strings:
//
//		{"v":1,"seq":<seq>,"prev":"<64 lowercase hex>","at":"<time>","kind":"<kind>","actor":"<actor>","body":<object>}
//
//	  - v is the format version, 1.
//	  - seq is the decimal entry number, equal to the entry's position.
//	  - prev is the leaf hash (below) of entry seq-1 in lowercase hex; for
//	    seq 0 it is 64 zeros. This makes the entries a hash chain.
//	  - at is the time the writer assigned, UTC, layout
//	    YYYY-MM-DDTHH:MM:SS.ffffffZ (always six fraction digits).
//	  - kind matches ^[a-z][a-z0-9_]{0,31}$: party, cinema, film,
//	    rental_terms, screening, sale, refund, fiscal_totals, period_close, …
//	    The culture modules name their kinds <module>_<fact> (CULTURE.md
//	    writes "ticketing.sale"; a dot is not in the pattern, so the entry
//	    kind is ticketing_sale): ticketing_venue, ticketing_key,
//	    ticketing_event, ticketing_session, ticketing_sale, ticketing_refund,
//	    ticketing_checkin, ticketing_gate_batch (package culture/ticketing);
//	    museum_object, museum_event, museum_image (package culture/museum);
//	    fund_award, fund_rejection, fund_disbursement (culture/fund);
//	    archive_unit, archive_aip, archive_event, archive_person (package
//	    culture/archive); library_work, library_edition, library_file,
//	    library_loan, library_return, library_hold, library_plr_rate
//	    (culture/library); hub_deal (culture/hubs).
//	  - actor is the id of the API key that caused the entry — "key_" and
//	    12 lowercase hex digits, e.g. "key_3f9a0c12d4e5" — or "system" for
//	    entries the service makes itself (demo loads, the janitor); it is a
//	    JSON string like kind.
//	  - body is a JSON object written by the domain package that appended the
//	    entry (encoding/json, compact, HTML characters not escaped). Amounts
//	    inside are decimal strings ("2500.00"), times RFC 3339, hashes lowercase hex.
//
// A verifier must hash the bytes exactly as delivered and never re-encode
// the JSON; it should parse them only to read seq and prev (and the body for
// projection checks). The bytes are canonical: a verifier may (and ecinema
// verify does) refuse bytes that are not exactly the encoding above —
// another member order or case ("SEQ"), white space, upper-case hex, another
// time layout — as bad_entry, before hashing.
//
// Leaf hash: leaf(seq) = SHA-256(0x00 || B(seq)) (RFC 6962 section 2.1).
//
// Tree: the RFC 6962 Merkle Tree Hash over leaf(0) … leaf(n-1), with
// interior nodes SHA-256(0x01 || left || right); the tree of size n is the
// tree of the first n entries (the tree hash of the empty tree is SHA-256 of
// the empty string, but no checkpoint is ever published for it). Inclusion
// proofs (RFC 6962 2.1.1 audit paths, leaf to root) and consistency proofs
// (2.1.2) are lists of 32-byte hashes as golang.org/x/mod/sumdb/tlog
// ProveRecord/ProveTree produce them, which is the order
// github.com/transparency-dev/merkle/proof VerifyInclusion/VerifyConsistency
// expect. The API serves them as lowercase hex strings.
//
// Checkpoint: a C2SP tlog-checkpoint body
//
//	<origin>\n<tree size, decimal>\n<base64 (std, padded) of the 32-byte root>\n
//
// signed as a C2SP signed note with Ed25519 (golang.org/x/mod/sumdb/note):
// the body, an empty line, then "— <key name> <base64(4-byte key hash ||
// 64-byte signature)>\n" (— is U+2014 followed by a space). The signature
// is over the body bytes (the three lines with their newlines, not the
// blank line). The key hash is the first 4 bytes, big-endian, of
// SHA-256(<key name> || "\n" || 0x01 || 32-byte public key); a signature
// line whose name or key hash differs from the verifier key's is not this
// key's and is ignored (other keys' lines, such as witnesses', may follow). The origin of the main log is ECINEMA_LOG_ORIGIN
// (default DefaultOrigin, "ecinema.kz/ledger/main"); the key name is set
// when the key is generated (ecinema logkey generate defaults it to the
// origin). The verifier key, "<name>+<hash hex>+<base64(0x01 || 32-byte
// public key)>", is served at /v1/ledger/public-key and printed by
// ecinema logkey generate; with it, golang.org/x/mod/sumdb/note and
// github.com/transparency-dev/formats/log open the checkpoint. Every
// published checkpoint is kept, so any two can be proven consistent.
//
// Export: GET /v1/ledger/export?from=&to= (and the file ecinema verify
// --export reads) is NDJSON, one line per entry in seq order, each line
// exactly
//
//	{"seq":N,"leaf_hash":"<64 lowercase hex>","bytes":"<std base64 of B(N)>"}
//
// followed by "\n" (no CR, no blank lines, the last line ends with "\n"
// too; members in this order and case, no white space). from is
// inclusive, to exclusive (default and maximum: the tree size); from equal
// to the tree size is an empty 200, from beyond it (or beyond to) is 400
// invalid_range. A key that may read only some entries (a cinema's, a
// film's) gets only those, so only admin and auditor exports verify as a
// whole.
//
// An independent verifier of a full export (from seq 0) against a
// checkpoint of size n: for each line in order, check seq is the next
// number, decode bytes, check the JSON's seq equals it and its prev equals
// the previous leaf hash (zeros for 0), compute the leaf hash and compare it
// with leaf_hash; then compute the RFC 6962 root of the first n leaves and
// compare it with the checkpoint's root after checking the checkpoint's
// Ed25519 signature with the published key. That is what VerifyExport does.
// Entries after the checkpoint's size are checked for chain and hashes, but
// no signature covers them: say how many (ecinema verify exits 4 for such an
// unsigned tail unless --allow-unsigned-tail).
//
// Which seq a failure names: the first seq at which the ledger stops being
// what it should be. A seq that appears twice or out of order names the
// repeated seq (unexpected_seq); a gap names the missing seq (missing_seq);
// a root that differs from a checkpoint of size n names n-1, the last entry
// that checkpoint covers (root_mismatch), since any entry below it may be
// the changed one; a checkpoint beyond the end names the size reached.
//
// # Storage and invariants
//
//   - ledger_entries holds the exact bytes, the leaf hash, and the interior
//     tree hashes each leaf completes (tlog's stored-hash layout, see
//     migrations/0002_ledger.sql), so a proof reads O(log n) rows by primary
//     key. Scope columns (cinema_id, film_id) and anomaly flags sit beside
//     the bytes and are not hashed.
//   - The ledger reads only its own tables (ledger_entries, ledger_heads,
//     ledger_checkpoints, …). A read Scope is All or a list of Grants —
//     cinema or film ids with a range of business days — that the layer
//     above resolves (the registry knows who held which cinema or film and
//     when); an entry's business day is the box_office_day its body names
//     (sales, refunds, screenings), read from the hashed bytes, so no second
//     copy can disagree with what was signed and entries written before
//     dated ownership need no backfill. An entry without one (a cinema's or
//     film's registry entry) is covered by any grant of its id. Packages
//     that keep projections ask Changes what entries of some kinds touched
//     which cinema × film since a seq (settlement's late data after a
//     close) instead of querying ledger_entries.
//   - Append-only: the service role holds only SELECT and INSERT on entries
//     and checkpoints (and may only move the head row forward); triggers
//     reject UPDATE, DELETE and TRUNCATE and are ENABLE ALWAYS, so
//     session_replication_role = replica does not bypass them. No trigger
//     reads the table.
//   - One writer per log at a time holds the head row FOR UPDATE: Writer
//     gathers waiting Appends (group commit), assigns seqs, computes the
//     hashes in Go (the only implementation of the hash), runs each plain
//     Record.Project in a savepoint of the same transaction, hands each run
//     of group-path records (Record.Batch) to its Batcher (Prepare decides
//     the run under the lock, Project queues set-based writes computed from
//     the encoded bodies; a group whose optimistic run meets a unique index
//     is rolled back and run again careful, see Careful; Serial decides
//     rarely written Decider records one at a time), inserts the
//     entries and moves the head in one
//     statement sent with the queued writes, commits, then answers every
//     waiter. A rejected record consumes no seq and affects no other
//     record; a failed transaction answers every waiter with an error and
//     writes nothing. Writer.LockHead takes the same lock inside a caller's
//     transaction, for a record whose large projection is written before
//     the lock (the period close): its entries are inserted and the head
//     moved by the same guarded statement, and exist only if the caller
//     commits. The writer
//     reloads its cached tree frontier from the stored hashes whenever the
//     head moved under it (another process appended) or after any error.
//   - Projections exist only with their entry: they are written by
//     Record.Project or the record's Batcher inside the append transaction.
//   - Publisher signs a checkpoint of the committed head when the tree grew,
//     after recomputing the root from the stored tree hashes.
//   - VerifyDB checks, in one REPEATABLE READ snapshot, bytes → leaf hash →
//     chain → stored tree hashes → root against every stored checkpoint
//     (signatures checked) and the head row, consistency proofs between
//     consecutive checkpoints, and the DeepCheck projection rebuilds that
//     domain packages provide. A check that rebuilds in parts reads
//     entries again in the same snapshot (DeepRereader), so the same
//     bytes; the progress counts those entries too.
//     A check may send its shadow writes with SendBatchLater and go on;
//     every other use of the transaction waits for that batch first, so
//     each statement still sees every write sent before it. The part of a
//     comparison that reads only stored tables and entries (DeepBesider)
//     runs on a read-only transaction that imports the verification's
//     snapshot, beside the other comparisons; errors are still reported
//     in the checks' order, and VerifyDB returns only after every such
//     part has ended.
package ledger
