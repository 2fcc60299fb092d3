package library

import (
	"archive/zip"
	"bytes"
	"fmt"
	"hash/fnv"
	"html"
	"image"
	"image/color"
	"image/png"
	"math"
	"strings"
	"time"
)

// Generated files for the demo data set and the tests: small but real
// EPUB 3 books, PNG covers with an ornament, and MP3 tracks.

// GenerateEPUB returns a minimal EPUB 3 (OCF zip with the mimetype entry
// first and stored, a package document, a navigation document and one
// chapter per paragraph group).
func GenerateEPUB(id, title, author, lang string, paragraphs []string) []byte {
	var b bytes.Buffer
	z := zip.NewWriter(&b)
	w, _ := z.CreateHeader(&zip.FileHeader{Name: "mimetype", Method: zip.Store})
	w.Write([]byte("application/epub+zip"))
	put := func(name, body string) {
		w, _ := z.Create(name)
		w.Write([]byte(body))
	}
	esc := html.EscapeString
	put("META-INF/container.xml", `<?xml version="1.0" encoding="UTF-8"?>
<container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">
  <rootfiles><rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/></rootfiles>
</container>`)
	put("OEBPS/content.opf", fmt.Sprintf(`<?xml version="1.0" encoding="UTF-8"?>
<package xmlns="http://www.idpf.org/2007/opf" version="3.0" unique-identifier="uid" xml:lang="%[3]s">
  <metadata xmlns:dc="http://purl.org/dc/elements/1.1/">
    <dc:identifier id="uid">urn:ecinema:library:edition:%[4]s</dc:identifier>
    <dc:title>%[1]s</dc:title>
    <dc:creator>%[2]s</dc:creator>
    <dc:language>%[3]s</dc:language>
    <meta property="dcterms:modified">%[5]s</meta>
  </metadata>
  <manifest>
    <item id="nav" href="nav.xhtml" media-type="application/xhtml+xml" properties="nav"/>
    <item id="text" href="text.xhtml" media-type="application/xhtml+xml"/>
  </manifest>
  <spine><itemref idref="text"/></spine>
</package>`, esc(title), esc(author), esc(lang), esc(id), time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Format(time.RFC3339)))
	put("OEBPS/nav.xhtml", fmt.Sprintf(`<?xml version="1.0" encoding="UTF-8"?>
<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops" xml:lang="%[2]s" lang="%[2]s">
<head><title>%[1]s</title></head>
<body><nav epub:type="toc"><ol><li><a href="text.xhtml">%[1]s</a></li></ol></nav></body>
</html>`, esc(title), esc(lang)))
	var body strings.Builder
	for _, p := range paragraphs {
		body.WriteString("<p>" + esc(p) + "</p>\n")
	}
	put("OEBPS/text.xhtml", fmt.Sprintf(`<?xml version="1.0" encoding="UTF-8"?>
<html xmlns="http://www.w3.org/1999/xhtml" xml:lang="%[3]s" lang="%[3]s">
<head><title>%[1]s</title></head>
<body><h1>%[1]s</h1><p><em>%[2]s</em></p>
%[4]s</body>
</html>`, esc(title), esc(author), esc(lang), body.String()))
	z.Close()
	return b.Bytes()
}

// GenerateCover draws a 300×450 PNG cover: a colour drawn from seed, a
// border and a Kazakh-style ram's-horn (qoshqar müiz) ornament band.
func GenerateCover(seed string) []byte {
	h := fnv.New32a()
	h.Write([]byte(seed))
	v := h.Sum32()
	bg := hsv(float64(v%360), 0.55, 0.55)
	fg := hsv(float64((v/360)%360), 0.35, 0.92)
	const w, ht = 300, 450
	img := image.NewRGBA(image.Rect(0, 0, w, ht))
	for y := range ht {
		for x := range w {
			c := bg
			shade := 1 - 0.25*float64(y)/ht
			c = color.RGBA{uint8(float64(c.R) * shade), uint8(float64(c.G) * shade), uint8(float64(c.B) * shade), 255}
			border := x < 12 || x >= w-12 || y < 12 || y >= ht-12
			inner := (x >= 18 && x < 21) || (x >= w-21 && x < w-18) || (y >= 18 && y < 21) || (y >= ht-21 && y < ht-18)
			if border || (inner && x >= 18 && x < w-18 && y >= 18 && y < ht-18) {
				c = fg
			}
			// The ornament band: spirals repeated every 60 px around y = 300.
			dx, dy := float64((x-30+600)%60-30), float64(y-300)
			r, a := math.Hypot(dx, dy), math.Atan2(dy, dx)
			if r > 4 && r < 26 && math.Abs(math.Mod(r-3*a+60*math.Pi, 2*math.Pi*3)-9) < 2.2 {
				c = fg
			}
			// A diamond above it.
			if math.Abs(float64(x-w/2))+math.Abs(float64(y-150)) < 60 && math.Abs(float64(x-w/2))+math.Abs(float64(y-150)) > 50 {
				c = fg
			}
			img.Set(x, y, c)
		}
	}
	var b bytes.Buffer
	png.Encode(&b, img)
	return b.Bytes()
}

func hsv(hue, s, v float64) color.RGBA {
	c := v * s
	x := c * (1 - math.Abs(math.Mod(hue/60, 2)-1))
	m := v - c
	var r, g, b float64
	switch {
	case hue < 60:
		r, g = c, x
	case hue < 120:
		r, g = x, c
	case hue < 180:
		g, b = c, x
	case hue < 240:
		g, b = x, c
	case hue < 300:
		r, b = x, c
	default:
		r, b = c, x
	}
	return color.RGBA{uint8((r + m) * 255), uint8((g + m) * 255), uint8((b + m) * 255), 255}
}

// GenerateMP3 returns an MPEG-2 Layer III stream of about seconds length:
// mono, 16 kHz, 8 kbit/s, frames of 576 samples (36 ms, 36 bytes) whose
// side information and main data are zero, which decoders play as silence.
// It is a real, decodable MP3 a tenth the size of any tone.
func GenerateMP3(seconds float64) []byte {
	frames := int(math.Ceil(seconds / 0.036))
	frame := make([]byte, 36)
	// 0xFFF3: sync, MPEG-2, Layer III, no CRC; 0x18: 8 kbit/s, 16 kHz, no
	// padding; 0xC0: mono.
	copy(frame, []byte{0xFF, 0xF3, 0x18, 0xC0})
	return bytes.Repeat(frame, frames)
}

// generatePDF returns a one-page PDF 1.4 with a line of text (Helvetica
// covers Latin only, so the page names the edition in ASCII; the title and
// author travel in the document information).
func generatePDF(title, author string) []byte {
	var b bytes.Buffer
	var offsets []int
	obj := func(body string) {
		offsets = append(offsets, b.Len())
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", len(offsets), body)
	}
	utf16 := func(s string) string {
		var h strings.Builder
		h.WriteString("<FEFF")
		for _, r := range s {
			if r > 0xFFFF {
				r = '?'
			}
			fmt.Fprintf(&h, "%04X", r)
		}
		return h.String() + ">"
	}
	b.WriteString("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
	obj("<< /Type /Catalog /Pages 2 0 R >>")
	obj("<< /Type /Pages /Kids [3 0 R] /Count 1 >>")
	obj("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 420 595] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>")
	text := "BT /F1 18 Tf 60 500 Td (National e-Library of Kazakhstan) Tj 0 -30 Td (Demo edition) Tj ET"
	obj(fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(text), text))
	obj("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
	obj(fmt.Sprintf("<< /Title %s /Author %s >>", utf16(title), utf16(author)))
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(offsets)+1)
	for _, o := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", o)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(offsets)+1, len(offsets), xref)
	return b.Bytes()
}

func bytesReader(b []byte) *bytes.Reader { return bytes.NewReader(b) }
