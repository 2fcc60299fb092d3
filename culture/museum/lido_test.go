package museum

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// schemaDir returns ../shared/schemas/<sub> from the repository root, or
// skips (fails under CI) when it is absent.
func schemaDir(t *testing.T, sub string) string {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join("..", "..", "..", "shared", "schemas", sub))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("schemas missing under CI: %v", err)
		}
		t.Skipf("schemas not found at %s: %v", dir, err)
	}
	return dir
}

// tool returns the path of a command, or skips (fails under CI).
func tool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s missing under CI", name)
		}
		t.Skipf("%s not installed", name)
	}
	return p
}

// xmllintSchema validates doc against xsd with xmllint --nonet.
func xmllintSchema(t *testing.T, xsd string, doc []byte) {
	t.Helper()
	f := filepath.Join(t.TempDir(), "doc.xml")
	if err := os.WriteFile(f, doc, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(tool(t, "xmllint"), "--nonet", "--noout", "--schema", xsd, f).CombinedOutput()
	if err != nil {
		t.Fatalf("xmllint --schema %s: %v\n%s\n%s", filepath.Base(xsd), err, out, doc)
	}
	if !strings.Contains(string(out), "validates") {
		t.Fatalf("xmllint: %s", out)
	}
}

func sampleObject() ObjectView {
	e, l := -500, -300
	pub := true
	return ObjectView{Object: Object{
		MuseumID: "nm-astana", ID: "kp-1001", InventoryNumber: "КП-1001/12", ObjectName: "домбыра",
		Title:       LangMap{"kk": "Құрманғазының домбырасы", "ru": "Домбра Курмангазы", "en": "Dombra of Kurmangazy"},
		Description: LangMap{"kk": "Екі ішекті аспап & <ою>", "ru": "Двухструнный инструмент"},
		Maker:       "Unknown master", Date: &Date{Display: "V–III c. BC", Earliest: &e, Latest: &l},
		Place: "Zhetysu", Materials: []string{"wood", "gut"}, Techniques: []string{"carving"}, Dimensions: "90 × 20 cm",
		NumberOfObjects: 1, Rights: "http://creativecommons.org/licenses/by/4.0/",
		CreditLine: LangMap{"ru": "Дар семьи", "en": "Gift of the family"}, StateRegisterNo: "ГК-77", Published: &pub,
	}}
}

func sampleImages() []ImageInfo {
	return []ImageInfo{{ID: "nm-astana~kp-1001~1", MuseumID: "nm-astana", ObjectID: "kp-1001", N: 1, Width: 640, Height: 480,
		Sizes: []Size{{200, 150}, {400, 300}, {640, 480}}}}
}

func TestLIDOValidatesAgainstXSD(t *testing.T) {
	xsd := filepath.Join(schemaDir(t, "lido"), "lido-v1.1.xsd")
	m := Museum{ID: "nm-astana", Name: LangMap{"kk": "Ұлттық музей", "ru": "Национальный музей", "en": "National Museum"}, City: "Astana"}
	links := Links{Base: "http://127.0.0.1:8080"}
	o := sampleObject()
	doc := LIDODocument(links, m, o, sampleImages())
	xmllintSchema(t, xsd, doc)
	for _, want := range []string{`<lido:descriptiveMetadata xml:lang="kk">`, `<lido:administrativeMetadata xml:lang="en">`,
		"КП-1001/12", "&amp; &lt;ою&gt;", "<lido:earliestDate>-500</lido:earliestDate>"} {
		if !strings.Contains(string(doc), want) {
			t.Errorf("LIDO lacks %q", want)
		}
	}
	// A minimal object (no optional field, no image) is valid too.
	min := ObjectView{Object: Object{MuseumID: "m", ID: "o", InventoryNumber: "1", ObjectName: "x",
		Title: LangMap{"ru": "x"}, Rights: "http://rightsstatements.org/vocab/InC/1.0/"}}
	xmllintSchema(t, xsd, LIDODocument(links, m, min, nil))
}
