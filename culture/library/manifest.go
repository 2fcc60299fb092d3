package library

import (
	"context"
	"math"
	"net/url"
	"strconv"
)

// AudiobookProfile is the Readium profile an audiobook manifest conforms to.
const AudiobookProfile = "https://readium.org/webpub-manifest/profiles/audiobook"

type jsonManifest struct {
	Context      string      `json:"@context"`
	Metadata     jsonPubMeta `json:"metadata"`
	Links        []jsonLink  `json:"links"`
	ReadingOrder []jsonLink  `json:"readingOrder"`
	Resources    []jsonLink  `json:"resources,omitempty"`
}

// manifest renders a Readium Web Publication Manifest with the audiobook
// profile: metadata.duration, a readingOrder of the tracks with their
// duration, type and bitrate, and the cover. self is the manifest's own
// href; track gives each track's href (signed for lent editions).
func manifest(it Item, lang, self string, track func(n int) string) []byte {
	m := jsonManifest{Context: "https://readium.org/webpub-manifest/context.jsonld", Metadata: pubMeta(it, lang)}
	m.Metadata.ConformsTo = AudiobookProfile
	m.Metadata.Description = ""
	m.Links = []jsonLink{{Rel: "self", Href: self, Type: MediaAudiobook}}
	m.ReadingOrder = []jsonLink{}
	for _, t := range it.Tracks() {
		m.ReadingOrder = append(m.ReadingOrder, jsonLink{Href: track(t.N), Type: t.MediaType, Title: t.Title,
			Duration: t.Duration, Bitrate: math.Max(1, float64(t.Bitrate))})
	}
	if c, ok := it.File(RoleCover); ok {
		m.Resources = append(m.Resources, jsonLink{Rel: "cover", Href: "/library/editions/" + url.PathEscape(it.Edition.ID) + "/cover", Type: c.MediaType})
	}
	return marshal(m)
}

// OpenManifest is the manifest of an open-access audiobook.
func (s *Service) OpenManifest(ctx context.Context, editionID, lang string) ([]byte, error) {
	it, err := s.Item(ctx, editionID)
	if err != nil {
		return nil, err
	}
	if it.Edition.Format != FormatAudiobook {
		return nil, ErrNoFile
	}
	if it.Edition.Access != AccessOpen {
		return nil, ErrNotOpen
	}
	base := "/library/editions/" + url.PathEscape(editionID)
	return manifest(it, lang, base+"/manifest.json", func(n int) string { return base + "/tracks/" + strconv.Itoa(n) }), nil
}

// LoanManifest is the manifest of a lent audiobook, its tracks behind
// signed links that expire with the manifest's own.
func (s *Service) LoanManifest(ctx context.Context, l Loan, lang string) ([]byte, error) {
	it, err := s.Item(ctx, l.EditionID)
	if err != nil {
		return nil, err
	}
	if it.Edition.Format != FormatAudiobook {
		return nil, ErrNoFile
	}
	self, err := s.DownloadURL(ctx, l, "manifest.json")
	if err != nil {
		return nil, err
	}
	hrefs := map[int]string{}
	for _, t := range it.Tracks() {
		h, err := s.DownloadURL(ctx, l, "tracks/"+strconv.Itoa(t.N))
		if err != nil {
			return nil, err
		}
		hrefs[t.N] = h
	}
	return manifest(it, lang, self, func(n int) string { return hrefs[n] }), nil
}
