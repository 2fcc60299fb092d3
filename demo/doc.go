// Package demo generates a realistic Kazakhstan-shaped data set and writes
// it through the real write path: parties, cinemas and films through
// registry.Service, every screening, sale and refund through ingest.Service,
// each one a ledger entry that passed the same rules a POS request passes.
// Nothing is inserted into projection tables directly.
//
// Shape (at scale 1): 20 regions, about 112 cinemas (most in Almaty, Astana
// and Shymkent; chains and single-cinema exhibitors, some not VAT payers)
// with about 400 halls; films released on Thursdays, about three a week
// (about 150 a year), about 45 % national and 10 % coproductions, with
// titles in Kazakh, Russian and English; a log-normal audience pull per film
// that decays week by week (national films hold longer), previews on the
// Wednesday before some releases, 21+ films only in late-night slots;
// weekend and evening peaks; about 2,700 screenings and 60,000 tickets a day
// (22 million a year); prices 1,500–4,500 tenge by format (2D, 3D, IMAX),
// hall (VIP), time of day, weekend and category, a few complimentary
// tickets at 0; about 2 % of tickets refunded before the show; about one
// cinema-day in 150 reported one to three days late (flagged late_report).
// --scale F multiplies the number of screenings (F ≤ 1) or the audience
// (F > 1, up to the halls' seats).
//
// POS behaviour: one sales request per screening with all its tickets (as a
// POS batches them; a screening whose sales span more than batchWindow
// sends several, in order), then one refund request for its refunds. The
// load is shaped like production traffic, many concurrent requests of one
// kind at a time (Config.Workers, 512 by default), so that the ledger
// writer decides and projects them in long runs of one kind: three days'
// screenings, then their sales (a sender posts one screening's batches in
// order, the screenings with the most batches first), then their refunds.
// Each request carries the time the POS
// would send it (a simulated clock, never later than the real clock), so
// historical days are not all flagged late.
//
// Determinism: the registry, every screening, ticket (id, time, price,
// seat, category, channel) and refund depend only on the seed, the span and
// the scale; each cinema-day has its own random stream, so concurrency does
// not change the data. Ledger sequence numbers and entry times do differ
// between runs, because requests are concurrent.
//
// Resuming: the parameters of a load (seed, scale, span) are kept in
// demo_datasets. Running Load again with the same ones finishes an
// interrupted load: registry ids, screenings, sales batches (each one entry,
// posted in order, so the tickets sold say how many are in) and refunds
// already there are skipped, so the result equals one straight load. A
// complete data set (ErrAlreadyLoaded), one with other parameters
// (errOtherDataset) and cinemas no demo wrote (ErrNotEmpty) are refused.
//
// BINs are 12 digits with the SPEC 2 check digit.
package demo
