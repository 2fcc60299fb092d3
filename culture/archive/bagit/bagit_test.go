package bagit_test

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"fmt"
	"io"
	"sort"
	"strings"
	"testing"
	"time"

	"ecinema/culture/archive/bagit"
)

// The payload of the test bag: a Cyrillic name with a space and a %.
const oddName = "data/Наградной лист 100%.txt"

type file struct {
	name string
	body string
	link bool // a symlink (tar only)
}

func hexSum(alg, s string) string {
	if alg == "sha256" {
		x := sha256.Sum256([]byte(s))
		return hex.EncodeToString(x[:])
	}
	x := sha512.Sum512([]byte(s))
	return hex.EncodeToString(x[:])
}

// goodBag is a complete, valid bag with SHA-256 and SHA-512 manifests and
// a SHA-256 tag manifest. Its files are ordered as written.
func goodBag() []file {
	payload := []file{
		{name: oddName, body: "Марапат парағы: Байсейітов Қ., 1943\n"},
		{name: "data/scans/sheet-1.txt", body: "sheet one"},
		{name: "data/empty.txt", body: ""},
	}
	var octets int
	for _, p := range payload {
		octets += len(p.body)
	}
	fs := []file{
		{"bagit.txt", "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n", false},
		{"bag-info.txt", fmt.Sprintf("Source-Organization: ЦГА РК\nExternal-Identifier: R-1/1/12\nBagging-Date: 2026-11-29\nPayload-Oxum: %d.%d\nExternal-Description: a long\n  continued value\n", octets, len(payload)), false},
	}
	fs = append(fs, payload...)
	for _, alg := range []string{"sha256", "sha512"} {
		var m strings.Builder
		for _, p := range payload {
			fmt.Fprintf(&m, "%s  %s\n", hexSum(alg, p.body), bagit.EncodePath(p.name))
		}
		fs = append(fs, file{name: "manifest-" + alg + ".txt", body: m.String()})
	}
	return withTagManifest(fs)
}

// withTagManifest (re)writes tagmanifest-sha256.txt over the tag files.
func withTagManifest(fs []file) []file {
	var out []file
	var tm strings.Builder
	for _, f := range fs {
		if f.name == "tagmanifest-sha256.txt" {
			continue
		}
		out = append(out, f)
		if !strings.HasPrefix(f.name, "data/") && !f.link {
			fmt.Fprintf(&tm, "%s %s\n", hexSum("sha256", f.body), f.name)
		}
	}
	return append(out, file{name: "tagmanifest-sha256.txt", body: tm.String()})
}

func set(fs []file, name, body string) []file {
	out := append([]file(nil), fs...)
	for i := range out {
		if out[i].name == name {
			out[i].body = body
			return out
		}
	}
	return append(out, file{name: name, body: body})
}

func drop(fs []file, name string) []file {
	var out []file
	for _, f := range fs {
		if f.name != name {
			out = append(out, f)
		}
	}
	return out
}

func tarOf(t *testing.T, root string, fs []file) []byte {
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	for _, f := range fs {
		name := f.name
		if root != "" && !strings.HasPrefix(name, "/") {
			name = root + "/" + name
		}
		h := &tar.Header{Name: name, Mode: 0o644, Size: int64(len(f.body)), Typeflag: tar.TypeReg, ModTime: time.Unix(0, 0), Format: tar.FormatPAX}
		if f.link {
			h.Typeflag, h.Size, h.Linkname = tar.TypeSymlink, 0, "/etc/passwd"
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if !f.link {
			tw.Write([]byte(f.body))
		}
	}
	tw.Close()
	return b.Bytes()
}

func zipOf(t *testing.T, root string, fs []file) []byte {
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for _, f := range fs {
		name := f.name
		if root != "" && !strings.HasPrefix(name, "/") {
			name = root + "/" + name
		}
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(f.body))
	}
	zw.Close()
	return b.Bytes()
}

var required = []string{"Source-Organization", "External-Identifier", "Bagging-Date"}

func checkTar(t *testing.T, root string, fs []file) bagit.Result {
	t.Helper()
	inv, err := bagit.ReadTar(bytes.NewReader(tarOf(t, root, fs)))
	if err != nil {
		t.Fatal(err)
	}
	return bagit.Check(inv, required...)
}

func checkZip(t *testing.T, root string, fs []file) bagit.Result {
	t.Helper()
	z := zipOf(t, root, fs)
	inv, err := bagit.ReadZip(bytes.NewReader(z), int64(len(z)))
	if err != nil {
		t.Fatal(err)
	}
	return bagit.Check(inv, required...)
}

func TestGoodBag(t *testing.T) {
	for _, root := range []string{"", "R-1_1_12"} {
		for name, check := range map[string]func(*testing.T, string, []file) bagit.Result{"tar": checkTar, "zip": checkZip} {
			res := check(t, root, goodBag())
			if !res.OK() {
				t.Fatalf("%s root %q: %v", name, root, res.Problems)
			}
			if len(res.Payload) != 3 || res.Payload[0].Path != oddName {
				t.Fatalf("payload %+v", res.Payload)
			}
			if res.Info.Get("external-identifier") != "R-1/1/12" || res.Info.Get("External-Description") != "a long continued value" {
				t.Fatalf("info %+v", res.Info)
			}
		}
	}
}

// TestBadBags has one case per failure class; each must name the file and
// the check, and the zip and tar forms must agree.
func TestBadBags(t *testing.T) {
	g := goodBag()
	type want struct{ file, check string }
	cases := []struct {
		name  string
		files []file
		want  []want
	}{
		{"no bagit.txt", withTagManifest(drop(g, "bagit.txt")), []want{{"bagit.txt", bagit.CheckDeclare}}},
		{"bagit.txt wrong version line", withTagManifest(set(g, "bagit.txt", "BagIt-Version: one\nTag-File-Character-Encoding: UTF-8\n")), []want{{"bagit.txt", bagit.CheckDeclare}}},
		{"bagit.txt wrong encoding", withTagManifest(set(g, "bagit.txt", "BagIt-Version: 1.0\nTag-File-Character-Encoding: ISO-8859-1\n")), []want{{"bagit.txt", bagit.CheckDeclare}}},
		{"no payload manifest", withTagManifest(drop(drop(g, "manifest-sha256.txt"), "manifest-sha512.txt")),
			[]want{{"", bagit.CheckManifest}, {oddName, bagit.CheckUnlisted}, {"data/scans/sheet-1.txt", bagit.CheckUnlisted}, {"data/empty.txt", bagit.CheckUnlisted}}},
		{"md5 manifest", withTagManifest(set(g, "manifest-md5.txt", "d41d8cd98f00b204e9800998ecf8427e  data/empty.txt\n")), []want{{"manifest-md5.txt", bagit.CheckManifest}}},
		{"payload checksum", set(g, "data/scans/sheet-1.txt", "sheet 0ne"),
			[]want{{"data/scans/sheet-1.txt", bagit.CheckDigest}, {"data/scans/sheet-1.txt", bagit.CheckDigest}}},
		{"listed file missing", drop(g, "data/scans/sheet-1.txt"),
			[]want{{"data/scans/sheet-1.txt", bagit.CheckMissing}, {"data/scans/sheet-1.txt", bagit.CheckMissing}, {"bag-info.txt", bagit.CheckOxum}}},
		{"payload file not in manifests", set(g, "data/extra.txt", ""),
			[]want{{"data/extra.txt", bagit.CheckUnlisted}, {"data/extra.txt", bagit.CheckUnlisted}, {"bag-info.txt", bagit.CheckOxum}}},
		{"Payload-Oxum wrong", withTagManifest(set(g, "bag-info.txt", "Source-Organization: x\nExternal-Identifier: y\nBagging-Date: 2026-11-29\nPayload-Oxum: 1.1\n")),
			[]want{{"bag-info.txt", bagit.CheckOxum}}},
		{"required labels missing", withTagManifest(set(g, "bag-info.txt", "Contact-Name: nobody\n")),
			[]want{{"bag-info.txt", bagit.CheckBagInfo}, {"bag-info.txt", bagit.CheckBagInfo}, {"bag-info.txt", bagit.CheckBagInfo}}},
		{"tag file changed after the tag manifest", set(g, "bag-info.txt", "Source-Organization: x\nExternal-Identifier: y\nBagging-Date: 2026-11-29\n"),
			[]want{{"bag-info.txt", bagit.CheckDigest}}},
		{"tag manifest lists a payload file", set(g, "tagmanifest-sha256.txt", hexSum("sha256", "")+" data/empty.txt\n"),
			[]want{{"data/empty.txt", bagit.CheckTagMan}}},
		{"tag manifest lists a tag manifest", set(g, "tagmanifest-sha512.txt", hexSum("sha512", "")+" tagmanifest-sha256.txt\n"),
			[]want{{"tagmanifest-sha256.txt", bagit.CheckTagMan}}},
		{"manifest line without a path", withTagManifest(set(g, "manifest-sha256.txt", strings.Replace(mustBody(g, "manifest-sha256.txt"), "  data/empty.txt", "", 1))),
			[]want{{"manifest-sha256.txt", bagit.CheckManifest}, {"data/empty.txt", bagit.CheckUnlisted}}},
		{"manifest digest not hex", withTagManifest(set(g, "manifest-sha256.txt", mustBody(g, "manifest-sha256.txt")+"zz  data/x.txt\n")),
			[]want{{"manifest-sha256.txt", bagit.CheckManifest}}},
		{"manifest path with ..", withTagManifest(set(g, "manifest-sha256.txt", mustBody(g, "manifest-sha256.txt")+hexSum("sha256", "")+"  data/../../etc/passwd\n")),
			[]want{{"data/../../etc/passwd", bagit.CheckPath}}},
		{"manifest absolute path", withTagManifest(set(g, "manifest-sha256.txt", mustBody(g, "manifest-sha256.txt")+hexSum("sha256", "")+"  /etc/passwd\n")),
			[]want{{"/etc/passwd", bagit.CheckPath}}},
		{"manifest lists a tag file", withTagManifest(set(g, "manifest-sha256.txt", mustBody(g, "manifest-sha256.txt")+hexSum("sha256", "")+"  bag-info.txt\n")),
			[]want{{"bag-info.txt", bagit.CheckManifest}}},
		// The Cyrillic name with a space and an unencoded %: RFC 8493 2.1.3
		// requires %25, so the line is refused and the file is unlisted.
		{"percent not encoded", withTagManifest(set(g, "manifest-sha256.txt", strings.Replace(mustBody(g, "manifest-sha256.txt"), "100%25", "100%", 1))),
			[]want{{"data/Наградной лист 100%.txt", bagit.CheckEncoding}, {oddName, bagit.CheckUnlisted}}},
		{"container entry with ..", set(g, "../evil.txt", "x"), []want{{"../evil.txt", bagit.CheckPath}}},
		{"container entry absolute", set(g, "/etc/cron.d/evil", "x"), []want{{"/etc/cron.d/evil", bagit.CheckPath}}},
	}
	for _, c := range cases {
		for fname, check := range map[string]func(*testing.T, string, []file) bagit.Result{"tar": checkTar, "zip": checkZip} {
			t.Run(c.name+"/"+fname, func(t *testing.T) {
				res := check(t, "", c.files)
				var got []string
				for _, p := range res.Problems {
					if p.Message == "" {
						t.Errorf("problem without message: %+v", p)
					}
					got = append(got, p.File+" "+p.Check)
				}
				var exp []string
				for _, w := range c.want {
					exp = append(exp, w.file+" "+w.check)
				}
				sort.Strings(got)
				sort.Strings(exp)
				if strings.Join(got, "\n") != strings.Join(exp, "\n") {
					t.Fatalf("problems:\n%v\nwant:\n%s", res.Problems, strings.Join(exp, "\n"))
				}
			})
		}
	}
}

func mustBody(fs []file, name string) string {
	for _, f := range fs {
		if f.name == name {
			return f.body
		}
	}
	panic(name)
}

func TestTarOnly(t *testing.T) {
	// A symbolic link is refused by name.
	fs := append(goodBag(), file{name: "data/link", link: true})
	res := checkTar(t, "", fs)
	if len(res.Problems) != 1 || res.Problems[0].File != "data/link" || res.Problems[0].Check != bagit.CheckFileType {
		t.Fatalf("%v", res.Problems)
	}
	// The same name twice.
	fs = append(goodBag(), file{name: "data/empty.txt", body: "again"})
	res = checkTar(t, "", fs)
	if len(res.Problems) != 1 || res.Problems[0].Check != bagit.CheckPath || res.Problems[0].File != "data/empty.txt" {
		t.Fatalf("%v", res.Problems)
	}
	// Not a container at all.
	if _, err := bagit.ReadTar(strings.NewReader("this is not a tar file, just text that is long enough to fill a block" + strings.Repeat(".", 600))); err == nil {
		t.Fatal("text read as tar")
	}
	if _, err := bagit.ReadZip(strings.NewReader("PK nope"), 7); err == nil {
		t.Fatal("text read as zip")
	}
}

func TestDecodePath(t *testing.T) {
	for in, want := range map[string]string{"a%25b": "a%b", "a%0Ab%0dc": "a\nb\rc", "plain": "plain"} {
		if got, err := bagit.DecodePath(in); err != nil || got != want {
			t.Errorf("DecodePath(%q) = %q, %v", in, got, err)
		}
	}
	for _, in := range []string{"100%", "100%.txt", "%41", "%2"} {
		if _, err := bagit.DecodePath(in); err == nil {
			t.Errorf("DecodePath(%q) accepted", in)
		}
	}
	if bagit.EncodePath("a%b\nc") != "a%25b%0Ac" {
		t.Fatal("EncodePath")
	}
}

// TestWriteZipRoundTrip writes a bag and checks it with this package; the
// independent checks (sha512sum, bagit-python) are in the archive tests.
func TestWriteZipRoundTrip(t *testing.T) {
	var b bytes.Buffer
	body := "scan bytes"
	payload := []bagit.PayloadFile{{Path: "Хат 5%.txt", Size: int64(len(body)), SHA512: hexSum("sha512", body),
		Open: func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(body)), nil }}}
	info := bagit.Info{{"Source-Organization", "ecinema"}, {"External-Identifier", "u1"}}
	if err := bagit.WriteZip(&b, "u1", info, payload, []bagit.TagFile{{Path: "metadata/dc.xml", Data: []byte("<x/>")}}, time.Now()); err != nil {
		t.Fatal(err)
	}
	inv, err := bagit.ReadZip(bytes.NewReader(b.Bytes()), int64(b.Len()))
	if err != nil {
		t.Fatal(err)
	}
	if res := bagit.Check(inv, required...); !res.OK() || inv.Root != "u1" {
		t.Fatalf("%v root %q", res.Problems, inv.Root)
	}
	// A damaged payload stops the write.
	payload[0].SHA512 = hexSum("sha512", "other")
	err = bagit.WriteZip(io.Discard, "u1", info, payload, nil, time.Now())
	if _, ok := err.(*bagit.ErrDamaged); !ok {
		t.Fatalf("err = %v", err)
	}
}

// TestWriteTarBothAlgorithms: a tar bag with SHA-256 and SHA-512
// manifests and tag manifests, a % and a Cyrillic space in a name, and a
// base directory, checks clean.
func TestWriteTarBothAlgorithms(t *testing.T) {
	var b bytes.Buffer
	body := "Марапат"
	payload := []bagit.PayloadFile{{Path: "Наградной лист 100%.txt", Size: int64(len(body)),
		Open: func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(body)), nil }}}
	info := bagit.Info{{"Source-Organization", "x"}, {"External-Identifier", "y"}, {"Bagging-Date", "2026-11-29"}}
	if err := bagit.Write(&b, bagit.Tar, "root", info, payload, nil, time.Now(), "sha256", "sha512"); err != nil {
		t.Fatal(err)
	}
	inv, err := bagit.ReadTar(&b)
	if err != nil {
		t.Fatal(err)
	}
	res := bagit.Check(inv, required...)
	if !res.OK() || inv.Root != "root" || len(res.Payload) != 1 || res.Info.Get("Payload-Oxum") != fmt.Sprintf("%d.1", len(body)) {
		t.Fatalf("%v root %q info %v", res.Problems, inv.Root, res.Info)
	}
	for _, f := range []string{"manifest-sha256.txt", "manifest-sha512.txt", "tagmanifest-sha256.txt", "tagmanifest-sha512.txt"} {
		if _, ok := inv.Files[f]; !ok {
			t.Errorf("no %s", f)
		}
	}
	if !strings.Contains(string(inv.Tags["manifest-sha256.txt"]), "data/Наградной лист 100%25.txt") {
		t.Errorf("manifest %s", inv.Tags["manifest-sha256.txt"])
	}
}
