// Package archive is the e-Archive of CULTURE.md section 2: an
// OAIS-shaped archive whose deposits arrive as BagIt bags, are checked to
// the byte, kept with fixity, described in Dublin Core, harvested over
// OAI-PMH, and whose WWII person records reach the memorial platform
// Batyrlarga tagzym exactly once per version.
//
// # Ledger
//
// Every custody fact is a ledger entry written through ledger.Writer, with
// its projection in the same transaction and rebuilt by verify --deep
// (deepCheck replays the same project function):
//
//   - archive_unit: a version of a unit's record (Dublin Core, citation,
//     access, persons), or its withdrawal ("withdrawn": true), which also
//     records a PREMIS "deaccession" event. Nothing is edited in place:
//     archive_unit_versions keeps every version.
//   - archive_aip: an accepted deposit — bag-info, every file (payload and
//     tag files) with SHA-256, SHA-512, size and media type — and its PREMIS
//     events validation, message digest calculation and ingestion.
//   - archive_event: later PREMIS events of one AIP (a fixity check with
//     outcome success or failure, and the details of each failing file).
//   - archive_person: a version of a person of the WWII authority file.
//
// The rules read under the head lock (no version or deposit of a withdrawn
// unit, a withdrawal of an existing unit copying its current record, a
// fixity event of an AIP of its unit) are re-decided by deepCheck from the
// entries before each one (deepstate.go), so a row changed for one write
// and put back is reported at that entry. A withdrawal is decided alone
// there (ledger.Serial), so the record it copies is the latest version
// even when one was written while the request waited.
//
// # Deposits
//
// A deposit body (zip or tar) is spooled to a temporary file, never held in
// memory, and read twice: the first pass hashes every file and package
// bagit decides whether the bag is complete and valid per RFC 8493
// (bag-info.txt must carry Source-Organization, External-Identifier and
// Bagging-Date); only then does the second pass put each file into the
// blob store by its SHA-256 (checking the stored bytes are the bytes
// checked) and the archive_aip entry is appended. A refused bag is 422
// invalid_bag naming each failing file and check, and leaves no blob, no
// row and no entry behind.
//
// A deposit takes an optional Idempotency-Key (culture/idempotency): an
// agency's records system that lost the answer sends the bag again under
// the same key and gets the first answer, and no second AIP. The request
// the key names is the bag's content — every file, payload and tag files,
// with its path, size and SHA-256 as the first pass computed them — not the
// container's bytes, so the same bag zipped or tarred again is the same
// request, and a retry costs the spool and the first pass but no blob
// write. The key is looked up after the check and before the second pass,
// so another bag under it (409 idempotency_key_reused) stores no blob; the
// answer is stored in the transaction of the archive_aip entry, so of
// concurrent retries one appends and the others answer its answer. A
// retry after the unit's withdrawal still answers the deposit made before
// it (without a key, a withdrawn unit is refused before the body is read).
//
// # Access and OAI-PMH
//
// Open units, their search, events, versions and DIPs are public;
// restricted units need an archivist or auditor key; withdrawn units are
// gone for the public (their files are kept). The DIP is a zip bag with
// SHA-512 manifests, bag-info.txt, metadata/dc.xml (oai_dc) and
// metadata/premis.xml (PREMIS 3 events), hashed while it streams so a
// damaged blob breaks the download instead of serving a wrong bag. The
// OAI-PMH source serves open units in the sets archive and
// archive:fond:{fond}; a withdrawn open unit stays a deleted record
// (deletedRecord persistent); restricted units are never harvested.
//
// # Search
//
// Units (and persons) are searched with PostgreSQL trigram indexes
// (pg_trgm, GIN over a lower-cased text of every title, description,
// subject, creator, coverage and citation in all languages): each query
// word must occur as a substring. Kazakh has no PostgreSQL text-search
// dictionary and is agglutinative (батыр, батырлар, батырлардың), and
// names are in two scripts; substring matching finds every form of a stem
// in kk and ru alike without a stemmer, where the russian configuration
// would stem only Russian and 'simple' would miss every inflected form.
//
// # Fixity
//
// RunFixity re-hashes (SHA-256 and SHA-512) the files of the AIPs checked
// longest ago, 1/24 of them every 1/24 of ECINEMA_FIXITY_INTERVAL, so every
// AIP is checked within the interval (one server process per slice, under
// a PostgreSQL advisory lock); `ecinema archive fixity` checks all now. Each AIP checked gets a "fixity check" archive_event with outcome
// success or failure; a failure (changed bytes, wrong size or a missing
// blob) is also an error log and, in the server, a count in
// ecinema_archive_fixity_failures_total.
//
// # Batyrlarga tagzym sync
//
// Each person version writes an archive_sync_outbox row in the
// transaction of its ledger entry, holding the exact JSON to send (the
// person, "version", and "sources": citations and DIP links of its open
// units). A worker (RunSync, only when ECINEMA_BATYRLAR_URL is set) claims
// due rows with FOR UPDATE SKIP LOCKED and leases them (next_at moved past
// the send), so several server processes never send one row at once; a
// version waits while an earlier version of the same person is pending, so
// versions arrive in order. It PUTs {URL}/persons/{id} with Authorization:
// Bearer, Idempotency-Key: the row id (the same on every retry and after a
// crash), and If-Match: "<previous version>" (none for the first), through
// go-retryablehttp (jittered exponential backoff, Retry-After honoured,
// 429 and 5xx retried) under a per-call context timeout. 2xx → done; 412 →
// reconcile (the remote copy is fetched and kept); other 4xx → dead with
// the body kept; retries spent, a network error or a crash → pending again
// after a growing delay (30 s doubling to 6 h) or the lease. Dead and
// reconcile rows go back to pending through POST /v1/archive/sync/{id}/retry.
package archive
