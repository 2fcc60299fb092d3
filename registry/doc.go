// Package registry keeps the parties, cinemas with their halls, films and
// per-exhibitor rental terms that every sale is settled against, and the
// reference table of Kazakhstan's regions.
//
// Invariants:
//   - Every write is a ledger entry (kinds party, cinema, film,
//     rental_terms) whose body is the whole normalised document, encoded by
//     the …Body types of body.go, whose bytes never change
//     (TestEntryBodiesPinned); the tables are projections written in the
//     same transaction as the entry. The exported types are plain structs:
//     the API's JSON of them is api's (api/wire_registry.go).
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
//   - Ownership is dated (deviation from SPEC 2, which gives a cinema one
//     exhibitor and a film one producer and distributor, so a PUT that
//     changed them moved the whole history: issue 13 D6). cinema_ownership
//     and film_ownership hold, per cinema and film, the holders on
//     box-office days [valid_from, valid_to) (NULL: open), projected from
//     the cinema and film entries by the same function the live write and
//     verify --deep use (ownership.go), so the history is rebuilt from the
//     entry bodies and compared. The rule:
//     a PUT that changes exhibitor_id (or producer_id or distributor_id)
//     carries effective_from, the first box-office day of the new holder:
//     required; a date 2000-01-01..2099-12-31 (validate.OperationalDate);
//     after the day the holder in force took over (a history never runs
//     backwards; a wrong change is corrected by a later one); after the
//     last day of the latest closed month (closed statements are frozen;
//     settlement supplies that day through SetClosedThrough). The checks run
//     under the ledger head lock, so a concurrent change or close cannot
//     slip between. A future date is allowed (a hand-over agreed ahead).
//     The entry body records effective_from only with a change; a PUT that
//     keeps the holders, or creates the object, drops it. An entry that
//     changed a holder without effective_from (written before dated
//     ownership) means "from the beginning": it replaces the history with
//     one row, which is what it did when it was written.
//   - Who reads what follows the history: settlement splits each sale's
//     line to the holders on its box-office day (a change inside a week
//     splits the line), reconciliation and VAT summaries put the day's
//     gross under the exhibitor operating the cinema then, and the ledger
//     read scopes of exhibitor, producer and distributor keys are the
//     grants CinemaGrants and FilmGrants resolve from the history (the
//     ledger itself knows no parties). The cinemas and films tables keep
//     the newest holders, for the registry's own answers.
package registry
