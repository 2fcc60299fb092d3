// /verify: checks a ticket's ledger entry in this browser, trusting only the
// published public key. Steps: the signed checkpoint (Ed25519 over the note
// text, key hash as golang.org/x/mod/sumdb/note defines it), the entry's
// leaf hash (SHA-256 of 0x00 || entry bytes, when the session may read the
// bytes), and the RFC 6962 / RFC 9162 inclusion proof from that leaf to the
// checkpoint's root.
"use strict";
(function () {
  const msgs = JSON.parse(document.getElementById("verify-messages").textContent);
  const witnesses = JSON.parse(document.getElementById("verify-witnesses").textContent);
  const form = document.getElementById("verify-form");
  const steps = document.getElementById("steps");
  const result = document.getElementById("result");
  const enc = new TextEncoder();

  const hex = (b) => Array.from(new Uint8Array(b), (x) => x.toString(16).padStart(2, "0")).join("");
  const unhex = (s) => {
    if (!/^([0-9a-f]{2})*$/.test(s)) throw new Error("bad hex");
    const out = new Uint8Array(s.length / 2);
    for (let i = 0; i < out.length; i++) out[i] = parseInt(s.substr(2 * i, 2), 16);
    return out;
  };
  const b64 = (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
  const concat = (...parts) => {
    const n = parts.reduce((a, p) => a + p.length, 0);
    const out = new Uint8Array(n);
    let o = 0;
    for (const p of parts) { out.set(p, o); o += p.length; }
    return out;
  };
  const sha256 = async (b) => new Uint8Array(await crypto.subtle.digest("SHA-256", b));
  const equal = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);

  function step(ok, text, detail) {
    const li = document.createElement("li");
    li.className = ok === true ? "ok" : ok === false ? "bad" : "info";
    li.textContent = (ok === true ? "✔ " : ok === false ? "✘ " : "• ") + text;
    if (detail) {
      const code = document.createElement("code");
      code.textContent = detail;
      li.appendChild(document.createElement("br"));
      li.appendChild(code);
    }
    steps.appendChild(li);
  }

  async function fetchOK(url) {
    const r = await fetch(url, { credentials: "same-origin" });
    if (!r.ok) throw new Error(url + " → HTTP " + r.status);
    return r;
  }

  // Verifier key "<name>+<hash hex>+<base64(0x01 || 32-byte key)>".
  function parseVerifier(text) {
    // The base64 key may itself contain "+": split at the first two only.
    const t = text.trim(), i = t.indexOf("+"), j = t.indexOf("+", i + 1);
    if (i < 1 || j < 0) throw new Error("public key: not name+hash+key");
    const parts = [t.slice(0, i), t.slice(i + 1, j), t.slice(j + 1)];
    const key = b64(parts[2]);
    if (key.length !== 33 || key[0] !== 1) throw new Error("public key: not an Ed25519 note key");
    return { name: parts[0], hash: unhex(parts[1].padStart(8, "0")), key };
  }

  // Signed note: text, blank line, "— <name> <base64(4-byte key hash || sig)>" lines.
  async function openCheckpoint(note, v) {
    const cut = note.indexOf("\n\n");
    if (cut < 0) throw new Error("checkpoint: no signature block");
    const text = note.slice(0, cut + 1);
    const wantHash = (await sha256(concat(enc.encode(v.name + "\n"), v.key))).slice(0, 4);
    if (!equal(wantHash, v.hash)) throw new Error("public key: key hash does not match");
    const pub = await crypto.subtle.importKey("raw", v.key.slice(1), { name: "Ed25519" }, false, ["verify"]);
    let verified = false;
    for (const line of note.slice(cut + 2).split("\n")) {
      const m = /^\u2014 (\S+) (\S+)$/.exec(line);
      if (!m || m[1] !== v.name) continue;
      const sig = b64(m[2]);
      if (sig.length !== 68 || !equal(sig.slice(0, 4), v.hash)) continue;
      verified = await crypto.subtle.verify({ name: "Ed25519" }, pub, sig.slice(4), enc.encode(text));
      if (verified) break;
    }
    if (!verified) throw new Error("checkpoint: no valid signature by " + v.name);
    const lines = text.split("\n");
    return { origin: lines[0], size: Number(lines[1]), root: b64(lines[2]), text, sigs: note.slice(cut + 2).split("\n") };
  }

  // C2SP tlog-cosignature: a witness key "<name>+<hash>+base64(0x04 || key)";
  // its signature line carries base64(4-byte key hash || 8-byte big-endian
  // time || Ed25519 signature of "cosignature/v1\ntime <t>\n" + note text).
  async function countCosignatures(cp) {
    let valid = 0;
    const names = [];
    for (const vk of witnesses.keys) {
      const i = vk.indexOf("+"), j = vk.indexOf("+", i + 1);
      const name = vk.slice(0, i), key = b64(vk.slice(j + 1));
      const pub = key.slice(1);
      const hash = (await sha256(concat(enc.encode(name + "\n"), Uint8Array.of(4), pub))).slice(0, 4);
      const ck = await crypto.subtle.importKey("raw", pub, { name: "Ed25519" }, false, ["verify"]);
      for (const line of cp.sigs) {
        const m = /^\u2014 (\S+) (\S+)$/.exec(line);
        if (!m || m[1] !== name) continue;
        const sig = b64(m[2]);
        if (sig.length !== 4 + 8 + 64 || !equal(sig.slice(0, 4), hash)) continue;
        const t = new DataView(sig.buffer, sig.byteOffset + 4, 8).getBigUint64(0);
        const msg = enc.encode("cosignature/v1\ntime " + t.toString() + "\n" + cp.text);
        if (await crypto.subtle.verify({ name: "Ed25519" }, ck, sig.slice(12), msg)) {
          valid++;
          names.push(name);
          break;
        }
      }
    }
    return { valid, names };
  }

  // RFC 9162 section 2.1.3.2: the root an inclusion proof leads to.
  async function rootFromInclusion(index, size, leaf, proof) {
    if (index >= size) throw new Error("proof: index beyond tree size");
    let fn = index, sn = size - 1, r = leaf;
    for (const p of proof) {
      if (sn === 0) throw new Error("proof: too long");
      if ((fn & 1) === 1 || fn === sn) {
        r = await sha256(concat(Uint8Array.of(1), p, r));
        if ((fn & 1) === 0) {
          while ((fn & 1) === 0 && fn !== 0) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); }
        }
      } else {
        r = await sha256(concat(Uint8Array.of(1), r, p));
      }
      fn = Math.floor(fn / 2); sn = Math.floor(sn / 2);
    }
    if (sn !== 0) throw new Error("proof: too short");
    return r;
  }

  async function verify(cinema, ticket, seq) {
    steps.textContent = "";
    result.textContent = "";
    result.className = "result";
    try {
      const v = parseVerifier(await (await fetchOK("/v1/ledger/public-key")).text());
      const cp = await openCheckpoint(await (await fetchOK("/v1/ledger/checkpoint")).text(), v);
      step(true, msgs.sig, cp.origin + " · size " + cp.size + " · root " + hex(cp.root));
      if (witnesses.keys.length > 0) {
        const w = await countCosignatures(cp);
        const detail = w.valid + " / " + witnesses.quorum + (w.names.length ? " · " + w.names.join(", ") : "");
        if (w.valid < witnesses.quorum) throw new Error(msgs.witness + ": " + detail);
        step(true, msgs.witness, detail);
      }
      const leafURL = seq !== ""
        ? "/v1/ledger/leaves/" + encodeURIComponent(seq) + "?size=" + cp.size
        : "/v1/ledger/tickets/" + encodeURIComponent(cinema) + "/" + encodeURIComponent(ticket) + "?size=" + cp.size;
      const leaf = await (await fetchOK(leafURL)).json();
      step(true, msgs.lookup, "seq " + leaf.seq + " · leaf " + leaf.leaf_hash);
      const leafHash = unhex(leaf.leaf_hash);
      if (form.dataset.signedIn) {
        const r = await fetch("/verify/entries/" + leaf.seq, { credentials: "same-origin" });
        if (r.ok) {
          const bytes = new Uint8Array(await r.arrayBuffer());
          const h = await sha256(concat(Uint8Array.of(0), bytes));
          if (!equal(h, leafHash)) throw new Error(msgs.entry + ": " + hex(h) + " ≠ " + leaf.leaf_hash);
          step(true, msgs.entry, new TextDecoder().decode(bytes).slice(0, 300));
        } else {
          step(null, msgs.nocontent);
        }
      } else {
        step(null, msgs.nocontent);
      }
      const root = await rootFromInclusion(leaf.seq, cp.size, leafHash, leaf.inclusion_proof.map(unhex));
      if (!equal(root, cp.root)) throw new Error(msgs.proof + ": " + hex(root) + " ≠ " + hex(cp.root));
      step(true, msgs.proof, leaf.inclusion_proof.length + " hashes");
      result.textContent = msgs.ok;
      result.className = "result ok";
    } catch (e) {
      step(false, String(e.message || e));
      result.textContent = msgs.fail + String(e.message || e);
      result.className = "result bad";
    }
  }

  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const cinema = form.cinema.value.trim(), ticket = form.ticket.value.trim(), seq = form.seq.value.trim();
    if (!(seq !== "" || (cinema !== "" && ticket !== ""))) {
      result.textContent = msgs.bad_input;
      result.className = "result bad";
      return;
    }
    verify(cinema, ticket, seq);
  });
  if (form.seq.value.trim() !== "" || (form.cinema.value.trim() !== "" && form.ticket.value.trim() !== "")) {
    form.requestSubmit();
  }
})();
