package museum

import (
	"bytes"
	"encoding/xml"
	"maps"
	"slices"
	"strconv"
)

// LIDO 1.1 names.
const (
	lidoNamespace      = "http://www.lido-schema.org"
	lidoSchemaLocation = "http://www.lido-schema.org http://lido-schema.org/schema/v1.1/lido-v1.1.xsd"
	// lidoLocalID is the LIDO terminology's "local identifier" type.
	lidoLocalID = "http://terminology.lido-schema.org/lido00100"
	// lidoProduction is the LIDO event type "Production".
	lidoProduction = "http://terminology.lido-schema.org/lido00007"
	// lidoRecordItem is the LIDO record type "Item-level record".
	lidoRecordItem = "http://terminology.lido-schema.org/lido00141"
)

// xw writes LIDO elements with the lido: prefix.
type xw struct{ b bytes.Buffer }

func (w *xw) open(name string, attrs ...string) {
	w.b.WriteString("<lido:" + name)
	for i := 0; i+1 < len(attrs); i += 2 {
		w.b.WriteString(" " + attrs[i] + `="`)
		xml.EscapeText(&w.b, []byte(attrs[i+1]))
		w.b.WriteString(`"`)
	}
	w.b.WriteString(">")
}

func (w *xw) close(name string) { w.b.WriteString("</lido:" + name + ">") }

func (w *xw) text(name, s string, attrs ...string) {
	w.open(name, attrs...)
	xml.EscapeText(&w.b, []byte(s))
	w.close(name)
}

// wrap writes name around the elements fn writes.
func (w *xw) wrap(name string, fn func(), attrs ...string) {
	w.open(name, attrs...)
	fn()
	w.close(name)
}

// langs lists the languages of an object's record: those of its title,
// Kazakh and Russian first.
func langs(o Object) []string {
	ls := slices.Sorted(maps.Keys(o.Title))
	rank := func(l string) int {
		switch l {
		case "kk":
			return 0
		case "ru":
			return 1
		case "en":
			return 2
		}
		return 3
	}
	slices.SortStableFunc(ls, func(a, b string) int { return rank(a) - rank(b) })
	return ls
}

// lidoRecord writes one object as a lido:lido element (without the XML
// declaration or a wrapper), with one descriptiveMetadata and one
// administrativeMetadata per language of its title.
func lidoRecord(l Links, m Museum, o ObjectView, images []ImageInfo, declareNS bool) []byte {
	var w xw
	var attrs []string
	if declareNS {
		attrs = []string{"xmlns:lido", lidoNamespace, "xmlns:xsi", "http://www.w3.org/2001/XMLSchema-instance",
			"xsi:schemaLocation", lidoSchemaLocation}
	}
	recID := o.MuseumID + "/" + o.ID
	w.wrap("lido", func() {
		w.text("lidoRecID", recID, "lido:type", lidoLocalID, "lido:source", m.Name.Pick("en"))
		w.wrap("category", func() {
			w.text("conceptID", "http://www.cidoc-crm.org/cidoc-crm/E22_Human-Made_Object", "lido:type", "http://terminology.lido-schema.org/lido00099")
			w.text("term", "Human-Made Object", "xml:lang", "en")
		})
		for _, lang := range langs(o.Object) {
			w.wrap("descriptiveMetadata", func() { lidoDescriptive(&w, m, o, lang) }, "xml:lang", lang)
		}
		for _, lang := range langs(o.Object) {
			w.wrap("administrativeMetadata", func() { lidoAdministrative(&w, l, m, o, images, lang) }, "xml:lang", lang)
		}
	}, attrs...)
	return w.b.Bytes()
}

func lidoDescriptive(w *xw, m Museum, o ObjectView, lang string) {
	w.wrap("objectClassificationWrap", func() {
		w.wrap("objectWorkTypeWrap", func() {
			w.wrap("objectWorkType", func() { w.text("term", o.ObjectName) })
		})
	})
	w.wrap("objectIdentificationWrap", func() {
		w.wrap("titleWrap", func() {
			w.wrap("titleSet", func() {
				w.text("appellationValue", o.Title.Pick(lang), "lido:pref", "preferred")
			})
		})
		w.wrap("repositoryWrap", func() {
			w.wrap("repositorySet", func() {
				w.wrap("repositoryName", func() {
					w.wrap("legalBodyName", func() { w.text("appellationValue", m.Name.Pick(lang)) })
				})
				w.text("workID", o.InventoryNumber, "lido:type", "inventory number")
				if o.StateRegisterNo != "" {
					w.text("workID", o.StateRegisterNo, "lido:type", "state register number")
				}
				if m.City != "" {
					w.wrap("repositoryLocation", func() {
						w.wrap("namePlaceSet", func() { w.text("appellationValue", m.City) })
					})
				}
			}, "lido:type", "current")
		})
		if d := o.Description.Pick(lang); d != "" {
			w.wrap("objectDescriptionWrap", func() {
				w.wrap("objectDescriptionSet", func() { w.text("descriptiveNoteValue", d) })
			})
		}
		if o.Dimensions != "" {
			w.wrap("objectMeasurementsWrap", func() {
				w.wrap("objectMeasurementsSet", func() { w.text("displayObjectMeasurements", o.Dimensions) })
			})
		}
	})
	w.wrap("eventWrap", func() {
		w.wrap("eventSet", func() {
			w.wrap("event", func() {
				w.wrap("eventType", func() {
					w.text("conceptID", lidoProduction, "lido:type", "URI")
					w.text("term", "production", "xml:lang", "en")
				})
				if o.Maker != "" {
					w.wrap("eventActor", func() { w.text("displayActorInRole", o.Maker) })
				}
				if o.Date != nil {
					w.wrap("eventDate", func() {
						w.text("displayDate", o.Date.Display)
						if o.Date.Earliest != nil || o.Date.Latest != nil {
							w.wrap("date", func() {
								if o.Date.Earliest != nil {
									w.text("earliestDate", strconv.Itoa(*o.Date.Earliest))
								}
								if o.Date.Latest != nil {
									w.text("latestDate", strconv.Itoa(*o.Date.Latest))
								}
							})
						}
					})
				}
				if o.Place != "" {
					w.wrap("eventPlace", func() { w.text("displayPlace", o.Place) })
				}
				for _, mt := range append(slices.Clone(o.Materials), o.Techniques...) {
					w.wrap("eventMaterialsTech", func() { w.text("displayMaterialsTech", mt) })
				}
			})
		})
	})
}

func lidoAdministrative(w *xw, l Links, m Museum, o ObjectView, images []ImageInfo, lang string) {
	museumName := m.Name.Pick(lang)
	w.wrap("rightsWorkWrap", func() {
		w.wrap("rightsWorkSet", func() {
			w.wrap("rightsType", func() { w.text("conceptID", o.Rights, "lido:type", "URI") })
			w.wrap("rightsHolder", func() {
				w.wrap("legalBodyName", func() { w.text("appellationValue", museumName) })
			})
			if c := o.CreditLine.Pick(lang); c != "" {
				w.text("creditLine", c)
			}
		})
	})
	w.wrap("recordWrap", func() {
		w.text("recordID", o.InventoryNumber, "lido:type", lidoLocalID)
		w.wrap("recordType", func() {
			w.text("conceptID", lidoRecordItem, "lido:type", "URI")
			w.text("term", "item", "xml:lang", "en")
		})
		w.wrap("recordSource", func() {
			w.wrap("legalBodyName", func() { w.text("appellationValue", museumName) })
		})
		w.wrap("recordInfoSet", func() {
			w.text("recordInfoLink", l.lido(o.MuseumID, o.ID))
		})
	})
	if len(images) > 0 {
		w.wrap("resourceWrap", func() {
			for i, im := range images {
				w.wrap("resourceSet", func() {
					w.wrap("resourceRepresentation", func() {
						w.text("linkResource", l.ImageURL(im.ID, 0), "lido:formatResource", MediaJPEG)
					}, "lido:type", "http://terminology.lido-schema.org/lido00465")
					w.wrap("resourceType", func() { w.text("term", "image", "xml:lang", "en") })
					w.wrap("rightsResource", func() {
						w.wrap("rightsType", func() { w.text("conceptID", o.Rights, "lido:type", "URI") })
					})
				}, "lido:sortorder", strconv.Itoa(i+1))
			}
		})
	}
}

// LIDODocument is a standalone LIDO record: the XML declaration and a
// lido:lidoWrap holding the object's lido:lido.
func LIDODocument(l Links, m Museum, o ObjectView, images []ImageInfo) []byte {
	var b bytes.Buffer
	b.WriteString(xml.Header)
	b.WriteString(`<lido:lidoWrap xmlns:lido="` + lidoNamespace + `" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="` + lidoSchemaLocation + `">`)
	b.Write(lidoRecord(l, m, o, images, false))
	b.WriteString("</lido:lidoWrap>\n")
	return b.Bytes()
}
