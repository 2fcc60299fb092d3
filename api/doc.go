// Package api is the HTTP face of ecinema and the only package that imports
// echo: routes.go lists every route, errors.go turns domain errors into
// statuses and codes in one table, auth.go resolves API keys and decides
// access by role.
//
// Invariants:
//   - Every error answer has the shape {"error":{"code","message","details"}}.
//   - Request bodies are at most 1 MiB. JSON bodies with unknown fields or
//     trailing data are rejected with 400 invalid_request; an unknown field
//     is named in a detail of code unknown_field (the same answer whether
//     decodeJSON or ingest, which decodes POS bodies itself, finds it).
//   - Every /v1 route except the public ledger checkpoint and public key needs
//     a Bearer API key; allow() checks the role, handlers check the object
//     scope (a pos key's cinema, a producer key's party).
//   - Every refusal is a *validate.Errors (the one error type of bad input)
//     or a domain error class, mapped by the one table in errors.go; no
//     handler translates a domain error itself.
//   - The JSON of every answer and request is a type of this package
//     (wire_<module>.go, or beside a small handler) converted from or to the
//     domain's plain structs; a domain type whose JSON is a ledger entry
//     body (…Body) is never the API's JSON, except settlement.TotalsBody,
//     which a statement carries so that a party can check it against the
//     close. TestBoxOfficeWirePinned, TestStatementWireGolden and
//     TestRegistryWirePinned pin the bytes.
//   - A 5xx never leaks internals: the client gets the request id, the log
//     gets the error (TestInternalErrorsDoNotLeak). A failed lookup behind a
//     scope decision is a failure, not a 403 (TestScopeLookupFailureIsNotForbidden).
package api
