// An independent verifier of ecinema culture ticket codes, sharing no code
// with the Go implementation: published npm packages for Base45 (base45),
// CBOR (cbor) and Ed25519 (@noble/ed25519); the COSE_Sign1 structure
// (RFC 9052 section 4.4) is assembled here from the CBOR package.
//
//   node verify.mjs BASE_URL VENUE_ID CODE...
//
// fetches BASE_URL/v1/tickets/keys (the public trust list), verifies each
// code for VENUE_ID now, and prints one JSON line per code:
// {"ok":true,"claims":{...}} or {"ok":false,"error":"..."}. Exit status 1
// when any code fails.
import { decode as b45decode } from 'base45';
import cbor from 'cbor';
import * as ed from '@noble/ed25519';

const [baseURL, venueID, ...codes] = process.argv.slice(2);
if (!baseURL || !venueID || codes.length === 0) {
  console.error('usage: node verify.mjs BASE_URL VENUE_ID CODE...');
  process.exit(2);
}

const res = await fetch(baseURL + '/v1/tickets/keys');
if (!res.ok) throw new Error('trust list: HTTP ' + res.status);
const { keys } = await res.json();
const byKid = new Map(keys.map((k) => [k.kid, k]));

function check(code) {
  if (!code.startsWith('KZT1:')) throw new Error('no KZT1: prefix');
  const raw = Buffer.from(b45decode(code.slice(5)));
  const tagged = cbor.decodeFirstSync(raw, { preferWeb: false });
  if (!(tagged instanceof cbor.Tagged) || tagged.tag !== 18) throw new Error('not a COSE_Sign1 (tag 18)');
  const [protectedBytes, unprotected, payload, signature] = tagged.value;
  const hdr = cbor.decodeFirstSync(protectedBytes);
  if (hdr.get(1) !== -8) throw new Error('alg is not EdDSA (-8)');
  const kid = Buffer.from(hdr.get(4)).toString('hex');
  const key = byKid.get(kid);
  if (!key) throw new Error('unknown kid ' + kid);
  // Sig_structure = ["Signature1", body_protected, external_aad, payload]
  const toBeSigned = cbor.encodeCanonical(['Signature1', protectedBytes, Buffer.alloc(0), payload]);
  return { kid, key, toBeSigned, signature, payload };
}

let failed = false;
for (const code of codes) {
  try {
    const { kid, key, toBeSigned, signature, payload } = check(code);
    const pub = Buffer.from(key.public_key, 'base64');
    const good = await ed.verifyAsync(new Uint8Array(signature), new Uint8Array(toBeSigned), new Uint8Array(pub));
    if (!good) throw new Error('bad signature for kid ' + kid);
    // The payload must be deterministic CBOR (RFC 8949 section 4.2): re-encode and compare.
    const claims = cbor.decodeFirstSync(payload);
    if (!Buffer.from(cbor.encodeCanonical(claims)).equals(Buffer.from(payload))) throw new Error('payload is not deterministic CBOR');
    const c = Object.fromEntries([...claims.entries()].map(([k, v]) => [String(k), v]));
    const nbf = Number(c['6']), exp = Number(c['7']), now = Date.now() / 1000;
    const from = Date.parse(key.valid_from) / 1000, to = key.valid_to ? Date.parse(key.valid_to) / 1000 : Infinity;
    if (nbf < from || nbf > to) throw new Error('signed outside the key validity');
    if (c['3'] !== venueID || key.venue_id !== venueID) throw new Error('wrong venue ' + c['3']);
    if (now < nbf) throw new Error('not yet valid');
    if (now > exp + 3600) throw new Error('expired');
    console.log(JSON.stringify({ ok: true, kid, claims: { version: c['1'], ticket_id: c['2'], venue_id: c['3'], session_id: c['4'],
      seat: c['5'], not_before: nbf, expires: exp, tariff: c['8'], admissions: c['9'] } }));
  } catch (e) {
    failed = true;
    console.log(JSON.stringify({ ok: false, error: String(e.message || e) }));
  }
}
process.exit(failed ? 1 : 0);
