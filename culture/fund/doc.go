// Package fund is the Creative Industry Development Fund (CULTURE.md
// section 5): calls with weighted criteria and a budget, applications
// checked for eligibility at once, expert reviews, decisions, grants and
// their disbursements, the fund's statistics and the 360Giving open data.
//
// Rules:
//   - A call's criteria weights add up to exactly 100. Its criteria cannot
//     change once any of its applications has a review, and its budget
//     never falls below what it has awarded.
//   - An application is stored only when the applicant is eligible: its
//     kind (ngo for an ngo key; company or individual_entrepreneur for an
//     applicant key, from the BIN's fifth digit — see ApplicantKind) is
//     among the call's, its BIN is valid (validate.BIN), an NGO is eligible
//     in the NGO database (culture/ngo), the amount is within the budget and
//     the call is open (Kazakhstan date). Otherwise ErrNotEligible lists
//     every reason and nothing is written.
//   - An expert scores every criterion with a JSON integer 0..10 (not a
//     string, a fraction or null: validate.JSONInt); the weighted score is
//     Σ score × weight / 10 (0..100). A declared conflict of interest
//     excludes the review from the count and the score. Reviews close with
//     the decision.
//   - A decision needs minReviews (3) reviews without a conflict. An award
//     is at most the amount requested and the call's awards never exceed its
//     budget; the payments of a grant never exceed the award and are never
//     dated before it.
//
// Invariants:
//   - Every decision and every payment is a ledger entry (kinds fund_award,
//     fund_rejection, fund_disbursement) written through ledger.Writer; its
//     projection (fund_decisions, fund_grants, fund_disbursements) is written
//     in the same transaction by the same project function that
//     `ecinema verify --deep` replays (deepCheck). Nothing there is updated
//     or deleted: the service role holds only SELECT and INSERT.
//   - The budget and award rules run inside the append transaction, after
//     the ledger head row is locked FOR UPDATE (and the call row, which a
//     call update also locks), so concurrent officers — in one process or
//     several — cannot overspend a budget or an award.
//   - verify --deep checks each decision and payment entry against the
//     rules before it replays it (deepstate.go): awards and payments are
//     re-derived from the entries before it, the budgets, applications and
//     reviews (not ledger facts) read as they stand; so a row changed for
//     one write and put back is reported at that entry.
//   - An application, a decision and a payment may carry an Idempotency-Key
//     (culture/idempotency): its answer is stored in the transaction that
//     stores the application or appends the entry, so a retry after a lost
//     answer gets that answer and creates nothing.
//   - Calls, applications and reviews are not money and are not ledger
//     entries; every version of a call or a review is kept in
//     fund_call_versions and fund_review_versions (read and insert only).
//   - The 360Giving export (GivingPackage) is valid against the official
//     360Giving package schema: ids are givingPrefix + grant id,
//     organisations are KZ-BIN-<bin>, amounts are JSON numbers in KZT with
//     exactly two decimals, dates YYYY-MM-DD.
package fund
