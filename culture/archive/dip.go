package archive

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"ecinema/culture/archive/bagit"
	"ecinema/culture/oaipmh"
)

// filesOfUnit lists a unit's current payload: the files of every AIP, a
// later deposit's file replacing an earlier one of the same path.
const filesOfUnit = `SELECT DISTINCT ON (f.path) f.path, f.sha256, f.sha512, f.size
FROM archive_files f JOIN archive_aips a ON a.entry_seq = f.aip_seq
WHERE a.unit_id = $1 AND f.payload
ORDER BY f.path, f.aip_seq DESC`

// DIP prepares the dissemination package of a unit: a BagIt bag (zip)
// with SHA-512 manifests, bag-info.txt, metadata/dc.xml (oai_dc) and
// metadata/premis.xml. The returned func writes it; access is decided
// before anything is written.
func (s *Service) DIP(ctx context.Context, id string, privileged bool) (name string, write func(io.Writer) error, err error) {
	u, err := s.Unit(ctx, id, privileged)
	if err != nil {
		return "", nil, err
	}
	rows, err := s.pool.Query(ctx, filesOfUnit, id)
	if err != nil {
		return "", nil, err
	}
	type f struct {
		path, sha256, sha512 string
		size                 int64
	}
	files, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (f, error) {
		var x f
		return x, r.Scan(&x.path, &x.sha256, &x.sha512, &x.size)
	})
	if err != nil {
		return "", nil, fmt.Errorf("archive: dip files: %w", err)
	}
	events, err := s.Events(ctx, id, true)
	if err != nil {
		return "", nil, err
	}
	payload := make([]bagit.PayloadFile, len(files))
	for i, x := range files {
		x := x
		payload[i] = bagit.PayloadFile{Path: strings.TrimPrefix(x.path, "data/"), Size: x.size, SHA512: x.sha512,
			Open: func() (io.ReadCloser, error) { return s.cfg.Blobs.Open(ctx, x.sha256) }}
	}
	now := s.cfg.Now().UTC()
	info := bagit.Info{
		{Label: "Source-Organization", Value: s.cfg.Organization},
		{Label: "External-Identifier", Value: u.ID},
		{Label: "External-Description", Value: u.Title.Pick("kk")},
		{Label: "Bag-Group-Identifier", Value: u.Citation.Archive + "/" + u.Citation.Fond},
		{Label: "Bagging-Date", Value: now.Format("2006-01-02")},
		{Label: "Internal-Sender-Identifier", Value: u.Citation.String()},
	}
	dc := append([]byte(`<?xml version="1.0" encoding="UTF-8"?>`+"\n"), dcOf(u, s.dipLink(u.ID)).XML()...)
	tags := []bagit.TagFile{
		{Path: "metadata/dc.xml", Data: append(dc, '\n')},
		{Path: "metadata/premis.xml", Data: premisXML(u, events)},
	}
	root := safeName(u.ID)
	return root + ".zip", func(w io.Writer) error {
		return bagit.WriteZip(w, root, info, payload, tags, now)
	}, nil
}

func (s *Service) dipLink(id string) string {
	return strings.TrimSuffix(s.cfg.PublicURL, "/") + "/v1/archive/units/" + id + "/dip"
}

func safeName(id string) string {
	return strings.Map(func(r rune) rune {
		if r == ':' || r == '/' {
			return '_'
		}
		return r
	}, id)
}

// dcOf is a unit's Dublin Core record, as oai_dc serves it.
func dcOf(u Unit, dip string) oaipmh.DC {
	langs := []string{"kk", "kk-Latn", "ru", "en"}
	d := oaipmh.DC{
		Title:       oaipmh.Langs(u.Title, langs...),
		Creator:     oaipmh.Plain(u.Creator),
		Subject:     oaipmh.Plain(u.Subject...),
		Description: oaipmh.Langs(u.Description, langs...),
		Date:        oaipmh.Plain(u.Date),
		Type:        oaipmh.Plain(u.Type),
		Identifier:  oaipmh.Plain(u.ID, u.Citation.String(), dip),
		Language:    oaipmh.Plain(u.Language...),
		Coverage:    oaipmh.Plain(u.Coverage),
		Rights:      oaipmh.Plain(u.Rights),
		Publisher:   oaipmh.Plain(u.Citation.Archive),
	}
	for _, p := range u.Persons {
		d.Relation = append(d.Relation, oaipmh.Value{Text: "person:" + p})
	}
	return d
}

// premisXML lists the unit's events as PREMIS 3 (namespace
// http://www.loc.gov/premis/v3) with the unit as intellectual entity.
func premisXML(u Unit, events []Event) []byte {
	var b bytes.Buffer
	esc := func(s string) string {
		var x bytes.Buffer
		xml.EscapeText(&x, []byte(s))
		return x.String()
	}
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	b.WriteString(`<premis xmlns="http://www.loc.gov/premis/v3" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" version="3.0">` + "\n")
	fmt.Fprintf(&b, `  <object xsi:type="intellectualEntity"><objectIdentifier><objectIdentifierType>ecinema unit</objectIdentifierType><objectIdentifierValue>%s</objectIdentifierValue></objectIdentifier></object>`+"\n", esc(u.ID))
	for i, e := range events {
		fmt.Fprintf(&b, "  <event><eventIdentifier><eventIdentifierType>ecinema ledger entry</eventIdentifierType><eventIdentifierValue>%d/%d</eventIdentifierValue></eventIdentifier>"+
			"<eventType>%s</eventType><eventDateTime>%s</eventDateTime><eventDetailInformation><eventDetail>%s</eventDetail></eventDetailInformation>"+
			"<eventOutcomeInformation><eventOutcome>%s</eventOutcome></eventOutcomeInformation>"+
			"<linkingObjectIdentifier><linkingObjectIdentifierType>ecinema unit</linkingObjectIdentifierType><linkingObjectIdentifierValue>%s</linkingObjectIdentifierValue></linkingObjectIdentifier></event>\n",
			e.Seq, i, esc(e.Type), e.At.UTC().Format(time.RFC3339), esc(e.Detail), esc(e.Outcome), esc(u.ID))
	}
	b.WriteString("</premis>\n")
	return b.Bytes()
}
