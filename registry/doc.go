// Package registry keeps the parties, cinemas with their halls, films and
// per-exhibitor rental terms that every sale is settled against, and the
// reference table of Kazakhstan's regions.
//
// Invariants:
//   - Every write is a ledger entry (kinds party, cinema, film,
//     rental_terms) whose body is the whole normalised document; the tables
//     are projections written in the same transaction as the entry.
//   - PUT creates or replaces. A replacement is a new version: the current
//     tables hold the newest, registry_versions holds every version with the
//     seq of the entry that recorded it. Nothing is overwritten in history.
//   - A BIN has 12 digits and a valid check digit (ValidBIN).
//   - A film's rights holders' shares sum to exactly 100; its rental scale
//     starts at week 1 with from_week strictly ascending and percentages
//     0..100. Amounts have at most two decimals, percentages at most four.
//   - Referenced parties exist and have the right kind (a cinema's
//     exhibitor is an exhibitor, a film's producer a producer, its
//     distributor a distributor).
package registry
