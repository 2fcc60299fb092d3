// Package museum is the museums' catalogue (CULTURE.md section 4): objects
// described with the SPECTRUM 5.1 object identification and description
// fields, their procedures as custody events on the ledger, their images
// served by a IIIF Image API 3.0 level 0 service, IIIF Presentation 3.0
// manifests and collections, and LIDO 1.1 records, also harvested over the
// shared OAI-PMH provider (package culture/oaipmh).
//
// A museum is a venue of kind museum of the e-ticketing module; the
// service looks museums up through Config.Museums and never writes them.
//
// # Invariants
//
//   - Every write is a ledger entry through the one writer, with its
//     projection in the same transaction: museum_object (a whole new
//     version of a record; nothing is edited in place), museum_event (one
//     procedure) and museum_image (an image and its derivatives). The
//     project function that writes the tables is the one deepCheck replays
//     for ecinema verify --deep, so the stored tables and the rebuild
//     cannot drift apart.
//   - Inventory numbers are unique within a museum (checked in the append
//     transaction, after the ledger head lock).
//   - The current location and status of an object are derived only from
//     its events, in order, by the pure function apply: an object leaves
//     (exit, loan_out) only when accessioned; it has one current location,
//     so a check naming another place is refused and it moves only while
//     in custody; a loan return takes back only an object lent out; events
//     are dated in order and not in the future. A refused event stores
//     nothing and consumes no sequence number. An event may carry an
//     Idempotency-Key (culture/idempotency), stored with its entry: a retry
//     after a lost answer gets that answer and records no second event.
//   - Images: the upload is spooled to a temporary file, its type sniffed
//     (JPEG or PNG only), and its header read with image.DecodeConfig so
//     that an image over Config.MaxPixels is refused before any pixel
//     memory is allocated; at most two images decode at once. JPEG
//     derivatives at fixed widths (Config.Widths, those below the image's
//     width) and at full size are made once, largest first, each scaled
//     from the one above it, and kept in the blob store by
//     SHA-256; the IIIF service serves exactly those, so every listed size
//     is exactly that size. A refused upload keeps nothing.
//   - Unpublished objects are invisible to the public everywhere: search,
//     the object itself, IIIF info, images, manifests, collections, LIDO
//     and OAI-PMH. An object once published and later unpublished stays in
//     OAI-PMH as a deleted record (deletedRecord persistent).
//   - IIIF and LIDO documents are built from absolute URLs of the site the
//     client reached (Links); rights are the http Creative Commons or
//     RightsStatements.org URIs IIIF requires; texts are language maps
//     (BCP 47 keys, a kk or ru text required for titles).
package museum
