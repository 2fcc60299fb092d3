// Package boxoffice answers the ministry's box-office questions (SPEC 6):
// film rankings per day, weekend, week, month, year or custom period, and
// national/coproduction/foreign shares per month or year.
//
// Sources. Every figure is read from rollups written in the same
// transaction as each sale, refund and screening entry, never from tickets:
// boxoffice_daily (net gross and admissions per film, box-office day and
// region; migration 0005 keeps it in step with ingest's sales_daily through
// statement-level triggers, and about eight times smaller, so a year is
// about 115 thousand rows at Kazakhstan's scale however many cinemas there
// are) and ingest's screenings_daily (screenings per cinema, film and
// box-office day, for screenings and distinct cinemas), joined with the
// registry tables films and cinemas. The region of a figure is the
// cinema's region when the sale was written. Attribution is by box-office
// day of the screening (a screening that starts before 06:00 local time
// belongs to the previous day; ingest applies that rule when it writes
// sales_daily), so presales count on the screening's day. Refunds are
// netted on the original sale's row, so they lower the figures of the
// period the screening belongs to. Each answer is read in one
// repeatable-read, read-only transaction.
//
// Cost of the derived rollup: the triggers add one set-based upsert per
// statement that writes sales_daily (one per sale or refund entry), about
// 0.2 ms on the 2-core development machine, and a year of rankings reads
// about 115 thousand rows instead of about 950 thousand.
//
// Monthly and weekly rollups (migrations 0019 and 0022). A period is split
// into its whole calendar months, the whole weeks of the month outside them
// (days 1–7, 8–14, 15–21, 22–28 and 29 to the month's end, so a week never
// crosses a month; at most two runs) and the days outside those (at most
// twelve; splitPeriod). The months are read from boxoffice_film_monthly /
// boxoffice_monthly (sales, all regions / per region) and screens_monthly /
// screenings_region_monthly (screenings), the weeks from the weekly twins
// (boxoffice_film_weekly, boxoffice_weekly, screens_weekly,
// screenings_region_weekly), the days from boxoffice_daily and
// screens_daily / screenings_region_daily, so a year is a few thousand rows
// and a custom range a few thousand more. The sales rollups are kept by
// deltas in the same statement as boxoffice_daily. The screenings rollups
// (sales do not touch them) are kept by deltas too where that is exact
// (migration 0023: a screening inserted, a screenings_daily row inserted, or
// counts updated in place without one falling to zero add their counts and
// OR their bits into the day's, week's and month's rows), and otherwise
// recomputed, per (film, day) a statement on screenings_daily, screenings
// or cinemas touched, from those tables: days from the sources, weeks from
// days, months from weeks (a delete, a move to another key, a count falling
// to zero, a cinema's region, TRUNCATE).
// Distinct cinemas and screens do not add up over days, so screens_* hold
// the set of cinemas with screenings and of halls with a screening as
// bitmaps over stable numbers (boxoffice_cinema_numbers,
// boxoffice_hall_numbers); the service unites them over the period and
// counts the bits, after masking them with the cinemas (and their halls) of
// the region filter. Every cinema with screenings is assumed registered
// (ingest refuses others, the registry never deletes one). The deep check
// rebuilds every rollup from its sources. A ranking's reads run without
// parallel workers (sqlNoParallel): they are small, and starting workers
// costs more than they save.
//
// Periods (all inclusive, by box-office day): day; weekend = Friday to
// Sunday, the weekend containing the date or, for Monday to Thursday, the
// last one that ended before it; week = Thursday to Wednesday containing the
// date; the calendar month or year containing the date; custom = from..to
// (at most MaxCustomDays days). The previous period of the same kind is the
// day before, the weekend or week seven days earlier, the previous month or
// year, or for custom the span of equal length ending the day before from.
//
// Ranking. A film is ranked in a period when its net admissions there are
// positive. Films are ordered by the chosen figure (gross or admissions)
// descending, then the other figure descending, then film id ascending, so
// ranks are distinct and deterministic. The region and origin filters apply
// to everything: the ranked films, the totals, the previous period used for
// rank_change, and the cumulative figures (cumulative within the region).
//
//   - rank_change = previous rank − current rank (positive: moved up), computed
//     against the full ranking of the previous period with the same filters;
//     absent (null) when the film was not ranked in the previous period.
//   - new is true when the film had no net gross and no net admissions on any
//     box-office day before the period's first day (in the filter), i.e. this
//     period holds its first ticket sales: a release, or a first preview.
//   - cumulative_gross / cumulative_admissions: every box-office day up to and
//     including the period's last day, previews included (since release).
//   - gross_share_pct is the film's share of the period's total gross over all
//     ranked films in the filter (not just the top `limit`).
//   - title is the registry title in Kazakh, Russian and English.
//   - totals: net gross and admissions of every film in the filter, the
//     screenings and distinct cinemas with screenings (films without sales
//     included), and the number of ranked films.
//
// Shares and rounding. Percentages are decimal strings with two decimals.
// A set of shares that make up a whole (the gross shares of all ranked films
// of a period; the national/coproduction/foreign shares of a group) is
// rounded by the largest-remainder method: each share is floored to 0.01 %,
// then the hundredths missing to reach 100.00 go to the largest remainders
// (ties to the higher-ranked film, or national before coproduction before
// foreign). Such a set therefore adds up to exactly 100.00 when its total is
// positive, and every share is 0.00 when it is zero. Money is shopspring
// decimal, rendered with two decimals.
//
// Share groups. Each month or year of from..to (the first and last clipped
// to from and to) reports per origin the net gross and admissions with their
// shares, the number of films with sales, the number of national films in
// the group's top 10 by gross (in the region filter), and the films released
// in the group (by the registry's release_date; the region filter does not
// apply to releases).
package boxoffice
