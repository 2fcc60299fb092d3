package oaipmh

import (
	"bytes"
	"encoding/xml"
)

// Value is one Dublin Core value, with its language (BCP 47) or "".
type Value struct {
	Lang string
	Text string
}

// DC is an unqualified Dublin Core record (the 15 elements, each
// repeatable), as oai_dc carries it.
type DC struct {
	Title, Creator, Subject, Description, Publisher, Contributor, Date, Type,
	Format, Identifier, Source, Language, Relation, Coverage, Rights []Value
}

// Plain turns strings into language-less values, skipping empty ones.
func Plain(s ...string) []Value {
	var v []Value
	for _, x := range s {
		if x != "" {
			v = append(v, Value{Text: x})
		}
	}
	return v
}

// Langs turns a language map into values in the order of langs (keys not
// listed follow in sorted order is not needed: callers pass every key).
func Langs(m map[string]string, langs ...string) []Value {
	var v []Value
	for _, l := range langs {
		if t, ok := m[l]; ok && t != "" {
			v = append(v, Value{Lang: l, Text: t})
		}
	}
	return v
}

// XML writes the record as an oai_dc:dc element valid against oai_dc.xsd,
// with its namespaces and schemaLocation declared on it, ready for
// Record.Metadata or a standalone dc.xml (prefix an XML declaration).
func (d DC) XML() []byte {
	var b bytes.Buffer
	b.WriteString(`<oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/" xmlns:dc="http://purl.org/dc/elements/1.1/" ` +
		`xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" ` +
		`xsi:schemaLocation="http://www.openarchives.org/OAI/2.0/oai_dc/ http://www.openarchives.org/OAI/2.0/oai_dc.xsd">`)
	for _, f := range []struct {
		name string
		v    []Value
	}{
		{"title", d.Title}, {"creator", d.Creator}, {"subject", d.Subject}, {"description", d.Description},
		{"publisher", d.Publisher}, {"contributor", d.Contributor}, {"date", d.Date}, {"type", d.Type},
		{"format", d.Format}, {"identifier", d.Identifier}, {"source", d.Source}, {"language", d.Language},
		{"relation", d.Relation}, {"coverage", d.Coverage}, {"rights", d.Rights},
	} {
		for _, v := range f.v {
			b.WriteString("<dc:" + f.name)
			if v.Lang != "" {
				b.WriteString(` xml:lang="`)
				xml.EscapeText(&b, []byte(v.Lang))
				b.WriteString(`"`)
			}
			b.WriteString(">")
			xml.EscapeText(&b, []byte(v.Text))
			b.WriteString("</dc:" + f.name + ">")
		}
	}
	b.WriteString("</oai_dc:dc>")
	return b.Bytes()
}
