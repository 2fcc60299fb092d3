// Package ingest is the write path of cinema point-of-sale systems:
// screenings, ticket sales and refunds, each request one ledger entry,
// validated, idempotent and flagged.
//
// Invariants:
//
//   - Every write goes through the ledger (Appender.Append). Static checks
//     (field formats, prices 0..1,000,000.00 with at most two decimals,
//     categories, ids, at most MaxTickets tickets, duplicate ids or seats
//     inside one request) run before Append. Every state rule (the
//     screening exists in the key's cinema, a ticket id is unique within
//     the cinema, a seat is sold once per screening until refunded, sales
//     never exceed the seats, refunds only of sold and not refunded
//     tickets, no overlapping screening in a hall, a screening with sales
//     is never replaced) is checked again inside the record's Project
//     func, which runs in the writer's transaction after the ledger head
//     is locked FOR UPDATE: appends are serialised by the database, and a
//     failing record writes nothing (its savepoint is rolled back and its
//     seq not consumed).
//   - Projections (screenings with their totals, tickets, sales_daily,
//     screenings_daily, anomalies, idempotency keys) are written by the
//     same Project func, with set-based statements over unnest arrays
//     pipelined in one round trip, so they change exactly when an entry is
//     appended. Duplicate ticket ids and sold seats are found by the unique
//     indexes of tickets (INSERT ... ON CONFLICT DO NOTHING RETURNING id):
//     a short count fails the record. DeepCheck rebuilds the projections
//     from the log for `ecinema verify --deep`.
//   - sales_daily is net of refunds: a refund subtracts price and one
//     admission from the row of the original sale's (box_office_day,
//     sale_date).
//   - Local dates are taken in Asia/Almaty (UTC+5). The box-office day of
//     a screening is the local date of its start, minus one day when it
//     starts before 06:00 (BoxOfficeDay); a ticket's sale_date is the local
//     date of sold_at.
//   - Idempotency: (API key, Idempotency-Key) maps to the SHA-256 of the
//     endpoint and the exact body and to the exact response. The key row
//     is inserted in the same transaction as the entry, so concurrent
//     identical requests make one entry and the others replay its
//     response; the same key with another body is ErrIdempotencyKeyReused.
//     Only accepted requests are stored. Keys are kept at least 7 days.
//   - Anomaly flags (late_report, night_high_occupancy, sold_after_start)
//     never reject: they are stored with the entry and in the anomalies
//     table. The flags are computed before Append and recomputed inside
//     Project; when they differ (a concurrent sale crossed the 80%
//     occupancy line) the append is retried with the corrected flags.
package ingest
