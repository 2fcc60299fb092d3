// Checks the hubs' open data with parsers that are not ecinema's, for the
// Go tests (api/hubs_test.go):
//   node check.mjs geojson FILE  — @placemarkio/check-geojson (RFC 7946)
//   node check.mjs ical FILE     — ical.js (RFC 5545)
// Prints what the parser read as JSON on stdout; exits 1 with the problems
// on stderr when the file is rejected.
import { readFileSync } from "node:fs";
import { check } from "@placemarkio/check-geojson";
import ICAL from "ical.js";

const [mode, file] = process.argv.slice(2);
const text = readFileSync(file, "utf8");

function fail(msg) {
  process.stderr.write(msg + "\n");
  process.exit(1);
}

if (mode === "geojson") {
  let fc;
  try {
    fc = check(text);
  } catch (e) {
    fail("geojson rejected: " + JSON.stringify(e.issues ?? String(e)));
  }
  if (fc.type !== "FeatureCollection") fail("not a FeatureCollection: " + fc.type);
  const points = fc.features.map((f) => {
    if (f.geometry?.type !== "Point") fail(`feature ${f.id}: not a Point`);
    const [lon, lat] = f.geometry.coordinates;
    if (!(lon >= -180 && lon <= 180 && lat >= -90 && lat <= 90)) fail(`feature ${f.id}: coordinates out of range`);
    return { id: f.id, lon, lat, title: f.properties?.title };
  });
  process.stdout.write(JSON.stringify({ features: points }) + "\n");
} else if (mode === "ical") {
  let comp;
  try {
    comp = new ICAL.Component(ICAL.parse(text));
  } catch (e) {
    fail("icalendar rejected: " + e);
  }
  if (comp.name !== "vcalendar") fail("not a VCALENDAR: " + comp.name);
  if (comp.getFirstPropertyValue("version") !== "2.0") fail("VERSION is not 2.0");
  if (!comp.getFirstPropertyValue("prodid")) fail("no PRODID");
  const events = comp.getAllSubcomponents("vevent").map((v) => {
    for (const p of ["uid", "dtstamp", "dtstart", "dtend", "summary"]) {
      if (!v.hasProperty(p)) fail(`VEVENT without ${p.toUpperCase()}`);
    }
    const ev = new ICAL.Event(v);
    return {
      uid: ev.uid,
      summary: ev.summary,
      description: ev.description,
      location: ev.location,
      start: ev.startDate.toJSDate().toISOString(),
      end: ev.endDate.toJSDate().toISOString(),
      dtstamp: v.getFirstPropertyValue("dtstamp").toJSDate().toISOString(),
      sequence: ev.sequence,
    };
  });
  process.stdout.write(JSON.stringify({ events }) + "\n");
} else {
  fail("usage: node check.mjs geojson|ical FILE");
}
