// Package web serves the pages people read (SPEC section 11): the public
// box office at /, the analysts' /boxoffice, /statements, and /verify,
// where a browser checks a ticket's ledger entry itself. Pages are
// server-rendered html/template with embedded CSS and one plain script
// (verify.js); they work without JavaScript except /verify.
//
// Invariants:
//   - One rule source. Pages read the same domain services as the API, and
//     who may see what comes from the API (Access: its role sets and its
//     statement and ledger scope functions), never a copy of it.
//   - Sessions are server-side: the cookie holds a random token (HttpOnly,
//     SameSite=Strict, Secure under TLS) and the database only its SHA-256
//     with the API key id; a revoked key ends its sessions at once. Every
//     form carries a CSRF token (the session's, or before sign-in a
//     double-submit cookie). Every page is sent with a strict
//     Content-Security-Policy (scripts, styles and fetches from this origin
//     only) and no framing.
//   - Every string is in kk, ru and en (catalog; a test forbids a missing
//     one); ?lang= wins and is kept in a cookie, then Accept-Language, then
//     kk. Money and counts are formatted for the language.
//   - /verify trusts only the public key: the browser verifies the
//     checkpoint's Ed25519 signature, hashes the entry bytes when the
//     session may read them (otherwise it says the content was not checked)
//     and recomputes the root from the inclusion proof (RFC 9162 2.1.3.2).
//     When the log has witnesses (ECINEMA_WITNESSES), the page embeds their
//     cosignature/v1 keys and the quorum, and the browser requires that many
//     valid C2SP tlog-cosignatures on the checkpoint.
//
// Echo is imported here and in api only; the API's route table mounts the
// handlers of Pages.
package web
