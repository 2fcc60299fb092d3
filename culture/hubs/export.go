package hubs

import (
	"encoding/json"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"ecinema/culture/langmap"
)

// feature is one RFC 7946 Feature: a hub as a Point.
type feature struct {
	Type       string         `json:"type"`
	ID         string         `json:"id"`
	Geometry   point          `json:"geometry"`
	Properties map[string]any `json:"properties"`
}

type point struct {
	Type        string     `json:"type"`
	Coordinates [2]float64 `json:"coordinates"`
}

// WriteGeoJSON writes the hubs as an RFC 7946 FeatureCollection of Points
// with coordinates in longitude, latitude order (WGS 84); lang picks the
// "title" property, eventsURL(id) is each hub's iCalendar feed.
func WriteGeoJSON(w io.Writer, hubs []Hub, lang string, eventsURL func(id string) string) error {
	fc := struct {
		Type     string    `json:"type"`
		Features []feature `json:"features"`
	}{"FeatureCollection", make([]feature, len(hubs))}
	for i, h := range hubs {
		fc.Features[i] = feature{Type: "Feature", ID: h.ID,
			Geometry: point{Type: "Point", Coordinates: [2]float64{*h.Location.Lon, *h.Location.Lat}},
			Properties: map[string]any{"id": h.ID, "title": h.Name.Pick(lang), "name": h.Name, "operator_bin": h.OperatorBIN,
				"region": h.Region, "city": h.City, "address": h.Address, "facilities": h.Facilities, "sectors": h.Sectors,
				"opened_on": h.OpenedOn, "status": h.Status, "events": eventsURL(h.ID)}}
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(fc)
}

// iCalDomain is the right-hand side of every event UID.
const iCalDomain = "hubs.ecinema.kz"

// WriteICal writes a hub's events as an RFC 5545 VCALENDAR: one VEVENT
// each with UID (stable: event@hub.ICalDomain), DTSTAMP (the last change),
// DTSTART, DTEND (UTC), SEQUENCE (version - 1), SUMMARY and DESCRIPTION in
// lang (falling back kk → ru → en), LOCATION and GEO. Lines end in CRLF
// and are folded at 75 octets without splitting a UTF-8 character.
func WriteICal(w io.Writer, h Hub, events []Event, lang string) error {
	var b strings.Builder
	line := func(name, value string) { fold(&b, name+":"+value) }
	line("BEGIN", "VCALENDAR")
	line("VERSION", "2.0")
	line("PRODID", "-//ecinema//creative hubs//EN")
	line("CALSCALE", "GREGORIAN")
	line("METHOD", "PUBLISH")
	line("X-WR-CALNAME", escape(h.Name.Pick(lang)))
	loc := escape(h.Address + ", " + h.City)
	geo := strconv.FormatFloat(*h.Location.Lat, 'f', 6, 64) + ";" + strconv.FormatFloat(*h.Location.Lon, 'f', 6, 64)
	for _, e := range events {
		line("BEGIN", "VEVENT")
		line("UID", e.ID+"@"+h.ID+"."+iCalDomain)
		line("DTSTAMP", icalTime(e.UpdatedAt))
		line("DTSTART", icalTime(e.StartsAt))
		line("DTEND", icalTime(e.EndsAt))
		line("SEQUENCE", strconv.Itoa(e.Version-1))
		line("SUMMARY", escape(e.Title.Pick(lang)))
		if d := langmap.Map(e.Description).Pick(lang); d != "" {
			line("DESCRIPTION", escape(d))
		}
		line("LOCATION", loc)
		line("GEO", geo)
		line("END", "VEVENT")
	}
	line("END", "VCALENDAR")
	_, err := io.WriteString(w, b.String())
	return err
}

func icalTime(t time.Time) string { return t.UTC().Format("20060102T150405Z") }

// escape escapes a TEXT value (RFC 5545 3.3.11).
func escape(s string) string {
	r := strings.NewReplacer(`\`, `\\`, ";", `\;`, ",", `\,`, "\r\n", `\n`, "\n", `\n`, "\r", `\n`)
	return r.Replace(s)
}

// fold writes one content line, folded at 75 octets (RFC 5545 3.1): each
// continuation starts with a space, and no UTF-8 sequence is split.
func fold(b *strings.Builder, s string) {
	limit := 75
	for len(s) > limit {
		cut := limit
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		b.WriteString(s[:cut])
		b.WriteString("\r\n ")
		s = s[cut:]
		limit = 74 // the leading space counts
	}
	b.WriteString(s)
	b.WriteString("\r\n")
}
