// Package library is the e-Library (CULTURE.md section 3): a catalogue of
// works and their editions (books and audiobooks in kk, kk-Latn, ru, en),
// served to the reading apps people already use over OPDS 1.2 (Atom) and
// OPDS 2.0 (JSON), with Readium audiobook manifests, reader cards, loans
// limited by the copies the library holds, and a public lending right that
// pays the rights holders of works in copyright per loan.
//
// # Invariants
//
//   - Every write is a ledger entry through the one writer, with its
//     projection written in the same transaction by project, which
//     deepCheck (ecinema verify --deep) replays into temporary tables and
//     compares: library_work and library_edition (each a new version, kept
//     whole in library_versions), library_file (a blob attached to an
//     edition as its book file, cover, thumbnail or track n), library_loan,
//     library_return, library_hold and library_plr_rate. Reader cards and
//     the link-signing key are not ledger facts: they hold a password hash
//     and an HMAC key, which must never enter an append-only log.
//   - An ISBN is stored as 13 digits with a valid check digit; an ISBN-10 is
//     converted (978 + its first nine digits + a new check digit); 979-0 is
//     refused (ISMN, printed music); one ISBN belongs to one edition.
//     Languages are canonical BCP 47 tags (kk-Latn, never kk-latn).
//   - No more copies of a lent edition are on loan than it has: Borrow
//     counts the current loans (not returned, not past due) and the open
//     holds placed before the reader inside the ledger append, after the
//     head row is locked, so concurrent borrows in any number of processes
//     are serialised. A loan and a hold are decided alone under that lock
//     (ledger.Serial): the edition's access, work and loan period, which
//     the loan entry copies, are read there too, so an edition version
//     written meanwhile is the one the loan copies or refuses (not_loanable).
//     A borrow by a reader who already has the edition
//     returns that loan. A loan past its due time frees its copy without a
//     return. A rejected borrow stores nothing. verify --deep re-decides
//     these rules (and a return's, a hold's, an edition's ISBN) from the
//     entries before each one and checks the work and loan period a loan
//     copied (deepstate.go), so a row changed for one write and put back
//     is reported at that entry.
//   - Files of lent editions are served only through links signed with
//     HMAC-SHA256 over loan, resource and expiry; a link expires after
//     LinkTTL (one hour) and never outlives its loan's due time, and dies
//     when the loan is returned.
//   - Reader passwords are 16 random characters shown once and kept only as
//     bcrypt hashes (golang.org/x/crypto/bcrypt, cost 10 by default); a
//     sign-in is cached for five minutes by SHA-256 of card and password,
//     so a reading app that sends HTTP Basic with every request does not
//     pay a bcrypt each time.
//   - Public lending right: per work and calendar month (Kazakhstan time,
//     UTC+5) the pool is Σ loans × the per-loan rate in force on each
//     loan's day; the pool is split once among the work's rights holders by
//     share_pct with settlement.SplitRoyalty, the core's largest-remainder
//     rule, so the parts add up to the pool to the tiyn. Works without
//     rights holders (the public domain) leave their pool unallocated.
//
// # One catalogue model, two serialisations
//
// Feed (feed.go) is built once per request from the projections and
// serialised by Atom (opds1.go) or OPDS2 (opds2.go); a reader cannot see a
// book in one catalogue and miss it in the other. Hrefs in the model are
// absolute paths for files or tails under the OPDS root that each
// renderer resolves under /opds or /opds/v2. The OPDS 1.2 RELAX NG schema
// refuses braces in any href, so the 1.2 catalogue offers search through
// its OpenSearch description (whose Url template has {searchTerms}); OPDS
// 2.0 carries a templated search link.
//
// Display language: ?lang= wins over Accept-Language, matched with
// golang.org/x/text/language against kk, kk-Latn, ru and en; a language
// map falls back from the asked tag to its base language, then kk → ru →
// en (Negotiate, LangMap.In).
package library
