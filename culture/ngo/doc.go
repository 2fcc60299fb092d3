// Package ngo is the NGO database (CULTURE.md section 5): the register of
// non-commercial organisations by BIN and their annual reports under the
// law on non-commercial organisations, due by 31 March of the next year.
//
// A report lives through draft → submitted → accepted | returned; a
// returned report is redrafted and submitted again. Only a draft or a
// returned report can be written (a submitted or accepted one is locked);
// only a submitted one can be accepted or returned, and a return carries a
// comment. A report submitted after 31 March of the next year, Kazakhstan
// time (UTC+5), is flagged late; the flag is set at submission from the
// service clock and never cleared by a later decision.
//
// Invariants:
//   - Nothing is edited away: every registration and every report state
//     (each write and each transition) is a new row of ngo_versions or
//     ngo_report_versions, which the service role may not update or delete;
//     ngos and ngo_reports hold the current version.
//   - Each change runs in one transaction holding the NGO row FOR SHARE
//     and the report row FOR UPDATE, so two transitions of one report
//     cannot both win.
//   - Eligibility for state grants = registered, status active, and the
//     last due report (the year whose 31 March deadline has passed)
//     accepted — unless the NGO was registered after that year.
//   - The open data (JSON and CSV) publishes registered NGOs and accepted
//     reports only, never founders' identity numbers.
//   - BINs are checked by the core's check-digit rule (validate.BIN), not a copy.
package ngo
