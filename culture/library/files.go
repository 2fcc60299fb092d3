package library

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"math"
	"mime"
	"strconv"

	"github.com/jackc/pgx/v5"

	"ecinema/validate"
)

// File roles.
const (
	RoleFile      = "file"
	RoleCover     = "cover"
	RoleThumbnail = "thumbnail"
	RoleTrack     = "track"
)

// Media types of book files and audio tracks.
const (
	mediaEPUB = "application/epub+zip"
	mediaPDF  = "application/pdf"
)

// trackTypes are the audio media types a track may have.
var trackTypes = []string{"audio/mpeg", "audio/mp4", "audio/ogg"}

// thumbnailWidth is the width of generated cover thumbnails, in pixels.
const thumbnailWidth = 160

const (
	selectFiles = `SELECT edition_id, role, n, sha256, size, media_type, title, duration::float8, bitrate
FROM library_files WHERE edition_id = $1 ORDER BY role, n`
	selectFile = `SELECT edition_id, role, n, sha256, size, media_type, title, duration::float8, bitrate
FROM library_files WHERE edition_id = $1 AND role = $2 AND n = $3`
)

func baseMedia(ct string) string {
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return ""
	}
	return mt
}

// UploadFile stores the book file of an epub or pdf edition.
func (s *Service) UploadFile(ctx context.Context, actor, editionID, contentType string, r io.Reader) (FileBody, error) {
	ed, err := s.Edition(ctx, editionID)
	if err != nil {
		return FileBody{}, err
	}
	mt := baseMedia(contentType)
	want := map[string]string{formatEPUB: mediaEPUB, formatPDF: mediaPDF}[ed.Format]
	if want == "" || mt != want {
		return FileBody{}, fmt.Errorf("%w: a %s edition's file is %s", ErrBadMedia, ed.Format, orNone(want))
	}
	r, ok := sniff(r, mt)
	if !ok {
		return FileBody{}, fmt.Errorf("%w: the body is not %s", ErrBadMedia, describe[mt])
	}
	return s.attach(ctx, actor, FileBody{EditionID: editionID, Role: RoleFile, MediaType: mt}, r)
}

// describe names what each media type's bytes are, for a refusal.
var describe = map[string]string{
	mediaEPUB:    "an EPUB (a ZIP whose first entry is mimetype)",
	mediaPDF:     "a PDF (%PDF- in its first 1024 bytes)",
	"audio/mpeg": "MPEG audio (an ID3 tag or a frame sync first)",
	"audio/mp4":  "MP4 audio (an ftyp box first)",
	"audio/ogg":  "Ogg audio (OggS first)",
}

// sniff peeks at the head of an upload and reports whether its bytes are
// of media type mt, returning the reader to go on with: an EPUB is an OCF
// ZIP container whose first entry is "mimetype" (EPUB OCF 3.3 section
// 4.2.6), a PDF has "%PDF-" in its first 1024 bytes (as readers accept
// it), MPEG audio starts with an ID3v2 tag or a frame sync (11 bits set),
// MP4 with an ftyp box, Ogg with the page capture pattern OggS.
func sniff(r io.Reader, mt string) (io.Reader, bool) {
	br := bufio.NewReaderSize(r, 1024)
	head, _ := br.Peek(1024)
	switch mt {
	case mediaEPUB:
		return br, len(head) >= 38 && bytes.HasPrefix(head, []byte("PK\x03\x04")) &&
			head[26] == 8 && head[27] == 0 && string(head[30:38]) == "mimetype"
	case mediaPDF:
		return br, bytes.Contains(head, []byte("%PDF-"))
	case "audio/mpeg":
		return br, bytes.HasPrefix(head, []byte("ID3")) || len(head) >= 2 && head[0] == 0xFF && head[1]&0xE0 == 0xE0
	case "audio/mp4":
		return br, len(head) >= 8 && string(head[4:8]) == "ftyp"
	case "audio/ogg":
		return br, bytes.HasPrefix(head, []byte("OggS"))
	}
	return br, false
}

func orNone(s string) string {
	if s == "" {
		return "not uploaded (upload its tracks)"
	}
	return s
}

// UploadTrack stores audio track n (1..999) of an audiobook edition, with
// its title and duration in seconds; the bitrate (kbit/s) follows from the
// size and the duration.
func (s *Service) UploadTrack(ctx context.Context, actor, editionID string, n int, contentType, title string, duration float64, r io.Reader) (FileBody, error) {
	ed, err := s.Edition(ctx, editionID)
	if err != nil {
		return FileBody{}, err
	}
	if ed.Format != FormatAudiobook {
		return FileBody{}, fmt.Errorf("%w: only audiobook editions have tracks", ErrBadMedia)
	}
	mt := baseMedia(contentType)
	ok := false
	for _, t := range trackTypes {
		ok = ok || t == mt
	}
	if !ok {
		return FileBody{}, fmt.Errorf("%w: a track is audio/mpeg, audio/mp4 or audio/ogg", ErrBadMedia)
	}
	if n < 1 || n > 999 {
		return FileBody{}, badQuery("n", "must be 1..999")
	}
	if !(duration > 0 && duration < 100*3600) || math.IsNaN(duration) {
		return FileBody{}, badQuery("duration", "must be a number of seconds above 0")
	}
	if title == "" {
		title = "Track " + strconv.Itoa(n)
	}
	if len(title) > 200 {
		return FileBody{}, badQuery("title", "must be at most 200 characters")
	}
	r, ok = sniff(r, mt)
	if !ok {
		return FileBody{}, fmt.Errorf("%w: the body is not %s", ErrBadMedia, describe[mt])
	}
	f := FileBody{EditionID: editionID, Role: RoleTrack, N: n, MediaType: mt, Title: title, Duration: math.Round(duration*1000) / 1000}
	return s.attach(ctx, actor, f, r)
}

// UploadCover stores a JPEG or PNG cover and a thumbnail thumbnailWidth
// pixels wide made from it.
func (s *Service) UploadCover(ctx context.Context, actor, editionID, contentType string, r io.Reader) (FileBody, error) {
	if _, err := s.Edition(ctx, editionID); err != nil {
		return FileBody{}, err
	}
	mt := baseMedia(contentType)
	if mt != "image/jpeg" && mt != "image/png" {
		return FileBody{}, fmt.Errorf("%w: a cover is image/jpeg or image/png", ErrBadMedia)
	}
	// Covers are small: read it whole to check it decodes and to scale it.
	data, err := io.ReadAll(io.LimitReader(r, 20<<20+1))
	if err != nil {
		return FileBody{}, fmt.Errorf("library: read cover: %w", err)
	}
	if len(data) > 20<<20 {
		return FileBody{}, fmt.Errorf("%w: a cover is at most 20 MiB", ErrTooLarge)
	}
	img, format, err := image.Decode(bytes.NewReader(data))
	if err != nil || "image/"+format != mt {
		return FileBody{}, fmt.Errorf("%w: the body is not a %s image", ErrBadMedia, mt)
	}
	var thumb bytes.Buffer
	small := thumbnail(img, thumbnailWidth)
	if format == "png" {
		err = png.Encode(&thumb, small)
	} else {
		err = jpeg.Encode(&thumb, small, &jpeg.Options{Quality: 85})
	}
	if err != nil {
		return FileBody{}, fmt.Errorf("library: thumbnail: %w", err)
	}
	cover, err := s.attach(ctx, actor, FileBody{EditionID: editionID, Role: RoleCover, MediaType: mt}, bytes.NewReader(data))
	if err != nil {
		return FileBody{}, err
	}
	if _, err := s.attach(ctx, actor, FileBody{EditionID: editionID, Role: RoleThumbnail, MediaType: mt}, &thumb); err != nil {
		return FileBody{}, err
	}
	return cover, nil
}

// attach streams r into the blob store and appends the library_file entry.
func (s *Service) attach(ctx context.Context, actor string, f FileBody, r io.Reader) (FileBody, error) {
	if s.blobs == nil {
		return FileBody{}, errors.New("library: no blob store configured")
	}
	b, err := s.blobs.Put(ctx, r, s.cfg.MaxUpload)
	if err != nil {
		return FileBody{}, err
	}
	f.SHA256, f.Size = b.Hash, b.Size
	if f.Role == RoleTrack && f.Duration > 0 {
		f.Bitrate = int(math.Round(float64(f.Size) * 8 / f.Duration / 1000))
	}
	if _, _, err := s.appendRecord(ctx, actor, kindFile, f, nil); err != nil {
		return FileBody{}, err
	}
	return f, nil
}

func scanFile(row pgx.Row) (FileBody, error) {
	var f FileBody
	err := row.Scan(&f.EditionID, &f.Role, &f.N, &f.SHA256, &f.Size, &f.MediaType, &f.Title, &f.Duration, &f.Bitrate)
	return f, err
}

// OpenFile opens an edition's file of role and number n.
func (s *Service) OpenFile(ctx context.Context, editionID, role string, n int) (FileBody, io.ReadCloser, error) {
	f, err := scanFile(s.pool.QueryRow(ctx, selectFile, editionID, role, n))
	if errors.Is(err, pgx.ErrNoRows) {
		return FileBody{}, nil, ErrNoFile
	}
	if err != nil {
		return FileBody{}, nil, fmt.Errorf("library: file: %w", err)
	}
	rc, err := s.blobs.Open(ctx, f.SHA256)
	if err != nil {
		return FileBody{}, nil, fmt.Errorf("library: open blob %s: %w", f.SHA256, err)
	}
	return f, rc, nil
}

// thumbnail scales img to width w (keeping the aspect ratio) by averaging
// the source pixels under each target pixel.
func thumbnail(img image.Image, w int) image.Image {
	b := img.Bounds()
	if b.Dx() <= w {
		return img
	}
	h := max(1, b.Dy()*w/b.Dx())
	out := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		y0, y1 := b.Min.Y+y*b.Dy()/h, b.Min.Y+(y+1)*b.Dy()/h
		for x := range w {
			x0, x1 := b.Min.X+x*b.Dx()/w, b.Min.X+(x+1)*b.Dx()/w
			var r, g, bl, a, n uint64
			for sy := y0; sy < max(y1, y0+1); sy++ {
				for sx := x0; sx < max(x1, x0+1); sx++ {
					cr, cg, cb, ca := img.At(sx, sy).RGBA()
					r, g, bl, a, n = r+uint64(cr), g+uint64(cg), bl+uint64(cb), a+uint64(ca), n+1
				}
			}
			out.Set(x, y, color.RGBA64{uint16(r / n), uint16(g / n), uint16(bl / n), uint16(a / n)})
		}
	}
	return out
}

// badQuery is a 400 invalid_query naming the query parameter at fault.
func badQuery(field, msg string) error {
	return validate.Refuse(ErrInvalidQuery, field, "%s %s", field, msg)
}
