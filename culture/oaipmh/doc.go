// Package oaipmh is ecinema's OAI-PMH 2.0 data provider
// (https://www.openarchives.org/OAI/openarchivesprotocol.html), shared by
// the archive, museum and library modules. It holds the protocol only: the
// six verbs, argument checks, error codes, resumption tokens, XML. The
// records come from Sources that the modules register.
//
// # How a module plugs in
//
// Implement Source and register it once at wiring time (internal/app):
//
//	app.OAI.Register(archive.NewOAISource(...))
//
// A Source says which sets it owns (Sets), which metadata formats it can
// disseminate (Formats; every source must offer oai_dc, FormatOAIDC), lists
// records for a Query (a metadataPrefix, an optional set, a from/before
// window, its own opaque cursor and a limit), and gets one record by
// identifier. It never sees tokens, verbs or XML envelopes. Record.Metadata
// is the XML of the one element inside <metadata> (for oai_dc, DC.XML
// writes it), with its namespace and xsi:schemaLocation declared on it.
//
//   - Identifiers are oai:<RepositoryID>:<module>:<local id>, built with
//     Provider.Identifier, so each source can tell its own identifiers
//     apart (ErrIDDoesNotExist for the others').
//   - Datestamps are UTC and compared at one-second granularity: a record
//     is in the window when From <= datestamp < Before (Before is the
//     second after the harvester's until; a day-granularity until becomes
//     the next midnight). Datestamps are written truncated to seconds.
//   - List returns records ordered by (datestamp, identifier) so that its
//     cursor is stable while records are added; Page.Total is the number of
//     records matching the query without the cursor; with Limit 0 List only
//     counts.
//   - A set the source does not own gives an empty page, not an error.
//   - Deleted records (deletedRecord "persistent") keep their header with
//     Deleted set and no metadata, forever.
//   - Restricted items are simply not listed and not found.
//
// # Protocol choices
//
// Sources are harvested one after another in registration order. A
// resumption token is base64url JSON of the query, the source index, that
// source's cursor, the records already sent (the cursor attribute) and the
// completeListSize fixed by the first page; any change to it is
// badResumptionToken. The last page carries an empty resumptionToken with
// completeListSize and cursor. Lists of sets are answered in one response.
// HTTP status is 200 for protocol errors, as the protocol requires; the
// request element repeats the arguments except after badVerb or
// badArgument.
package oaipmh
