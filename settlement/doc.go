// Package settlement divides box-office money between exhibitors,
// distributors, producers and rights holders, produces statements and
// their exports, closes periods and reconciles the ledger with the tax
// authority's fiscal-receipt totals.
//
// Invariants (SPEC 5):
//
//   - A line is film × cinema × release week × statement period (a calendar
//     month of box-office days), further split when the rental percentage in
//     force changes inside the week (an exhibitor override from mid-week).
//     Late data for a closed period forms separate adjustment lines in the
//     next open period, keeping the original box-office days.
//   - VAT is included in the price: per rate part of a line,
//     round half-up(gross × rate / (100 + rate)), the rate taken from the
//     dated vat_rates table by the local sale date, zero for non-VAT-payers.
//   - The net is divided exactly (big.Rat) into royalty, exhibitor share,
//     distribution fee and producer gross; the four are floored to tiyn and
//     the missing tiyn go to the largest remainders, ties in the order
//     producer, distribution fee, exhibitor, royalty. So
//     vat + royalty + exhibitor_share + distribution_fee + producer_gross = gross
//     holds exactly on every line and every total. A negative line (refunds
//     of a closed month, settled as an adjustment) is divided as its
//     magnitude and negated, like VAT's half-up, so rounding is symmetric
//     about zero and a full refund cancels its sale to the tiyn for every
//     party and rights holder.
//   - Tax views (VAT summary, reconciliation) round VAT once per cinema and
//     sale date, as a fiscal receipt total is kept; statements round it per
//     line and rate part. The two may differ by a few tiyn over a month.
//   - Recoupment: the amount recovered after a line is the film's cumulative
//     producer gross clamped to [0, recoupable_expenses]; a line's recoupment
//     is the change, in date order across lines and periods.
//   - The royalty pool of a line is split among the film's rights holders by
//     share with the same rule, ties by party id.
//   - A closed period's lines are frozen in settlement tables in the same
//     transaction as its period_close ledger entry; its statements are
//     rendered from the frozen rows and never change.
//   - A close holds the ledger head lock only for its last late-data check,
//     its entry and its period row (ledger.Writer.LockHead in the close's
//     own transaction): the close is computed in a snapshot and its frozen
//     rows are written in that transaction before the lock, invisible
//     until it commits, so a crash leaves nothing and sales keep flowing.
//     The entries appended since the snapshot are checked for late data
//     before the lock, pass after pass, until at most 64 are left; under
//     the lock the close checks only those and the writer group it waited
//     for, whatever the month's or the ledger's size (an attempt that
//     cannot get that close does not lock the head and is retried).
//     Closes are serialised by an advisory lock held for the transaction.
//   - Months close one after another, only after they ended (UTC+5). The
//     period_close entry's body (CloseBody, body.go) lists, per party with
//     lines in the month, totals_hash = hex SHA-256 of TotalsBody: that
//     party's statement totals for exactly that month, encoded compactly
//     with sorted keys (as encoding/json writes a map), e.g.
//     {"admissions":4,"distribution_fee":"654.81",...,"vat":"1282.76"}.
//     The statement's JSON (api) carries these bytes as its "totals", so
//     anyone holding the statement can recompute it. The bytes of a body
//     never change (TestCloseEntryBodyPinned); settlement has no API JSON.
//   - Everything up to the latest closed month is settled: a sales_daily row
//     of a closed day differs from the sum of what closes settled of it only
//     if a sale or refund entry for its cinema and film came at or after the
//     ledger size the latest close was computed at (ledger_size in its
//     body), so only those cinema × film pairs are compared. A close looks
//     at entries below its own ledger_size, so its recompute under the
//     ledger lock and verify --deep's replay see the same entries, and late
//     data recorded meanwhile goes to the next close instead of being lost.
//   - Money is decimal.Decimal (never float); JSON money is a string with two
//     fraction digits. The split uses exact integer or rational arithmetic.
//   - The documents (PDF, and the titles and headers of CSV and XLSX) are in
//     the statement's Lang; every figure in them is the statement's own
//     decimal, only grouped as the language writes numbers, and the PDF names
//     the ledger tree (size and root, read in the statement's snapshot) it
//     was computed at. Text the PDF fonts cannot draw is replaced, never a
//     failure (pdfText).
package settlement
