// Package ingest is the write path of cinema point-of-sale systems:
// screenings, ticket sales and refunds, each request one ledger entry,
// validated, idempotent and flagged.
//
// The service is typed: Sell(Caller, Idem, *Sale), Refund(Caller, Idem,
// *Refund) and PutScreening(Caller, *Screening) return SaleResult,
// RefundResult and ScreeningResult. The API decodes and validates the
// request once (ParseSales, ParseRefunds, ParseScreening) and hashes the
// exact bytes (RequestHash); demo builds the typed requests directly.
//
// Invariants:
//
//   - Every write goes through the ledger (ledger.Appender.Append) on the
//     writer's group path (ledger.Batcher): one Batcher per kind decides
//     a run of requests under the ledger head lock. Its Prepare reads the
//     state of the whole run in one round trip and applies every state
//     rule (the screening exists in the key's cinema, a ticket id is unique
//     within the cinema, a seat is sold once per screening until refunded,
//     sales never exceed the seats, refunds only of sold and not refunded
//     tickets, no overlapping screening in a hall, a screening with sales
//     is never replaced) to each request in order, each seeing the effects
//     of the ones accepted before it. A rejected request writes nothing and
//     consumes no seq. Nothing is read outside the lock and re-checked:
//     no retries. Static checks (field formats, prices 0..1,000,000.00 with
//     at most two decimals, categories, ids, at most maxTickets tickets,
//     duplicate ids or seats inside one request) run in Parse*; the clock
//     rules (sold_at, refunded_at not in the future) against the
//     service's clock.
//   - Projections (screenings with their totals, tickets, sales_daily,
//     screenings_daily) are computed from the encoded entry bodies by one
//     function per kind (salesRowsOf, projectRefunds, projectScreenings),
//     one set-based statement per table for a whole run, sent in one
//     round trip with the entries. `ecinema verify --deep` (deepCheck)
//     replays the log through the same functions. A sale's "tickets"
//     member depends only on its request: it is encoded, and read back as
//     a decoder of the body reads it, in the request's goroutine
//     (newSaleTickets); the writer adds the header it decides under the
//     lock and passes the bytes as a ledger.RawBody, and the live
//     projection reads the saleEntry the body was encoded from
//     (TestSaleEntryLiveEqualsParsed pins bytes and rows against
//     encoding/json and a parse of the body; the ingest tests compare
//     every live run with its parsed bodies). The same goroutine encodes
//     the sale's ticket columns for the tickets insert (ticketsWire, in
//     PostgreSQL's binary array format, internal/pgarray); they are the
//     bytes pgx gives for the columns salesRowsOf computes (checked with
//     the rows). verify --deep keeps the
//     rebuilt tickets in memory, in as many parts (sets of cinemas, the
//     entries of each part after the first read again) as fit
//     DeepOptions.Memory; a part's rows and verdict do not depend on the
//     others. The unique indexes of
//     tickets remain the database's backstop: a violation fails the group.
//     Idempotency rows and anomaly rows are written beside them by the
//     live path only (they are not facts of the log).
//   - sales_daily is net of refunds: a refund subtracts price and one
//     admission from the row of the original sale's (box_office_day,
//     sale_date). Rows are summed per run; sums commute, so the rows do
//     not depend on how entries were grouped.
//   - Local dates are taken in Asia/Almaty (UTC+5). The box-office day of
//     a screening is the local date of its start, minus one day when it
//     starts before 06:00 (kztime.BoxOfficeDay); a ticket's sale_date is the local
//     date of sold_at.
//   - Idempotency: (API key, Idempotency-Key) maps to the SHA-256 of the
//     endpoint and the exact body and to the result. The key row is
//     inserted in the same transaction as the entry; the run's Prepare sees
//     every committed key and the keys accepted earlier in its run, so
//     concurrent identical requests make one entry and the others get its
//     result; the same key with another body is ErrIdempotencyKeyReused.
//     Only accepted requests are stored. Keys are kept at least 7 days.
//   - Anomaly flags (late_report, night_high_occupancy, sold_after_start)
//     never reject: they are computed in Prepare from the state under the
//     lock and stored with the entry and in the anomalies table.
package ingest
