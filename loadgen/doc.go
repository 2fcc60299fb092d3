// Package loadgen is the load generator behind `ecinema bench`: it measures
// the POS write path end to end (HTTP, authentication, rate limiting, rules,
// the ledger writer's group commit, PostgreSQL) against a running server,
// the way a cinema chain's box offices and web sellers hit it.
//
// A run first registers its own fixture through the HTTP API with an admin
// key: an exhibitor, a producer and a distributor party, Config.Cinemas
// cinemas in Almaty (KZ-75), each with enough halls that every worker owns
// one hall, and one 12+ film whose certificate is valid from 30 days ago to
// 2099. The POS keys of those cinemas cannot be made over HTTP (the API has
// no key endpoint); Config.NewPOSKey makes them (cmd/ecinema uses the
// apikey package against ECINEMA_DATABASE_URL, tests use apptest).
//
// Then Config.Workers goroutines post sales for Config.Duration through
// ingest/posclient, the client POS vendors use, each with its own
// Idempotency-Key. Every id starts with Config.Prefix, so repeated runs on
// the same database do not collide. The rules the server enforces hold by
// construction, so every request should be accepted:
//
//   - a worker owns one hall and registers its screenings there one after
//     another, each starting a film runtime plus a break after the previous
//     one (no overlap), never between 00:00 and 06:00 local time (no
//     night_high_occupancy flag), from the next full hour plus one hour on;
//   - a screening takes at most hallSeats tickets, each seat once; a worker
//     moves to its next screening when the next request would not fit;
//   - sold_at is a second before the request is built: not in the future,
//     and before the screening even starts.
//
// A run is bounded by Config.Duration and Config.MaxRequests and stops
// early when its context is cancelled (Ctrl-C). When the time is up no new
// request starts, but requests in flight finish, so Result.Tickets equals
// the tickets the server stored; a request cancelled by the context has an
// unknown outcome and is counted under the code "canceled". Requests go
// only to Config.URL: the HTTP client does not follow redirects.
//
// Latency is measured per sales request, from the call into posclient to
// its return (retries included when Config.Retries > 0; none by default,
// so a failure is counted, not hidden). Screening registrations are counted
// but not part of the latency figures.
package loadgen
