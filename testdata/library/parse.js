// Reads an OPDS 1.2 feed (Atom) and an OPDS 2.0 feed with Thorium's own
// parser, r2-opds-js (the way Thorium Reader does: xmldom + the XML mapper +
// convertOpds1ToOpds2 for Atom, ta-json for OPDS 2.0), and prints what a
// reading app sees as JSON: the feed title, each publication's title and
// acquisition link, and the facets.
//
//   node parse.js feed.xml feed.json
"use strict";
require("reflect-metadata");
const fs = require("fs");
const { DOMParser } = require("@xmldom/xmldom");
const { initGlobalConverters_OPDS, initGlobalConverters_GENERIC } = require("r2-opds-js/dist/es8-es2017/src/opds/init-globals");
const { initGlobalConverters_SHARED } = require("r2-shared-js/dist/es8-es2017/src/init-globals");
const { OPDS } = require("r2-opds-js/dist/es8-es2017/src/opds/opds1/opds");
const { OPDSFeed } = require("r2-opds-js/dist/es8-es2017/src/opds/opds2/opds2");
const { convertOpds1ToOpds2 } = require("r2-opds-js/dist/es8-es2017/src/opds/converter");
const { XML } = require("r2-utils-js/dist/es8-es2017/src/_utils/xml-js-mapper");
const { TaJsonDeserialize } = require("r2-lcp-js/dist/es8-es2017/src/serializable");

initGlobalConverters_OPDS();
initGlobalConverters_SHARED();
initGlobalConverters_GENERIC();

function summary(feed) {
  const title = (t) => (typeof t === "string" ? t : t && (t.en || t.kk || t.ru || Object.values(t)[0])) || "";
  const pubs = (feed.Publications || []).map((p) => {
    const acq = (p.Links || []).find((l) => (l.Rel || []).some((r) => r.indexOf("acquisition") >= 0));
    return {
      Title: title(p.Metadata && p.Metadata.Title),
      Acquisition: acq ? acq.Rel.join(" ") + " " + acq.Href : "",
      Type: acq ? acq.TypeLink || "" : "",
    };
  });
  const facets = [];
  for (const f of feed.Facets || []) {
    for (const l of f.Links || []) facets.push(title(f.Metadata && f.Metadata.Title) + ": " + l.Title);
  }
  return { Title: title(feed.Metadata && feed.Metadata.Title), Publications: pubs, Facets: facets };
}

const xml = fs.readFileSync(process.argv[2], "utf8");
const dom = new DOMParser().parseFromString(xml, "application/xml");
const opds1 = XML.deserialize(dom, OPDS);
const v1 = convertOpds1ToOpds2(opds1);
const v2 = TaJsonDeserialize(JSON.parse(fs.readFileSync(process.argv[3], "utf8")), OPDSFeed);
process.stdout.write(JSON.stringify({ V1: summary(v1), V2: summary(v2) }, null, 1) + "\n");
