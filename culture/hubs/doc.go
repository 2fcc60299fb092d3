// Package hubs is the registry of creative hubs in the regions (CULTURE.md
// section 5): hubs with their location, facilities and sectors, their
// events, and the meeting of resident projects with investors — investor
// profiles, pitches, matching, introductions and their outcomes.
//
// Open data: WriteGeoJSON writes every hub as an RFC 7946 FeatureCollection
// of Points (longitude, latitude; WGS 84); WriteICal writes a hub's events
// as an RFC 5545 calendar. Both are checked in tests by tools that are not
// this code (@mapbox/geojsonhint and ical.js, testdata/hubs).
//
// Rules:
//   - A hub's location must lie in Kazakhstan's bounding box (lat 40..56,
//     lon 46..88), which catches swapped coordinates.
//   - An event ends after it starts. Writes to a hub's events and pitches
//     are serialised on the hub row.
//   - An investor matches a pitch when the pitch's sector, region and
//     instrument are among the investor's and its amount lies within the
//     investor's ticket range; matches are ordered by score (100 at the
//     middle of the ticket range, 50 at its ends), then by id.
//   - An introduction goes only to a matching investor, one open request per
//     pitch and investor; the investor's consent is its outcome, deal or
//     declined, and an introduction has exactly one outcome.
//
// Invariants:
//   - A deal is a ledger entry (kind hub_deal) written through
//     ledger.Writer; it is decided alone under the head lock
//     (ledger.Serial): the introduction (locked, still requested, its
//     investor) and the pitch's BIN, sector and region, which the entry
//     copies, are read there, so a pitch version written meanwhile is the
//     one the deal records. Its projection hub_deals is written in the same
//     transaction by the function that `ecinema verify --deep` replays
//     (deepCheck). Investments feeds the
//     fund's statistics from it. deepCheck also reports a deal entry whose
//     introduction is not, as it stands, that deal (hub, pitch, investor,
//     state deal), or was closed by an earlier deal.
//   - An introduction and an outcome may carry an Idempotency-Key
//     (culture/idempotency): the answer is stored in the transaction that
//     stores the introduction or closes it (the deal's append), so a retry
//     after a lost answer gets that answer and creates nothing.
//   - Every version of a hub, event, investor profile and pitch is kept in
//     hub_versions, which the service role may only read and insert.
package hubs
