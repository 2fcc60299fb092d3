package bagit

import (
	"bytes"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Algorithms this package checks and writes.
var algorithms = map[string]int{"sha256": 64, "sha512": 128}

// Info is bag-info.txt: labels in order with their values.
type Info []struct{ Label, Value string }

// Get returns the first value of label (compared case-insensitively).
func (in Info) Get(label string) string {
	for _, kv := range in {
		if strings.EqualFold(kv.Label, label) {
			return kv.Value
		}
	}
	return ""
}

// Result is a checked bag.
type Result struct {
	Problems []Problem
	Info     Info
	Payload  []*Entry // payload files in container order
	Tags     []*Entry // tag files in container order
}

// OK reports whether the bag is complete and valid.
func (r Result) OK() bool { return len(r.Problems) == 0 }

var (
	manifestRe    = regexp.MustCompile(`^manifest-([a-z0-9]+)\.txt$`)
	tagManifestRe = regexp.MustCompile(`^tagmanifest-([a-z0-9]+)\.txt$`)
	versionRe     = regexp.MustCompile(`^BagIt-Version: ([0-9]+)\.([0-9]+)$`)
	oxumRe        = regexp.MustCompile(`^([0-9]+)\.([0-9]+)$`)
)

// Check decides whether the inventory is a complete and valid bag whose
// bag-info.txt carries every label in required.
func Check(inv *Inventory, required ...string) Result {
	var res Result
	add := func(file, check, format string, a ...any) {
		res.Problems = append(res.Problems, Problem{File: file, Check: check, Message: fmt.Sprintf(format, a...)})
	}
	res.Problems = append(res.Problems, inv.Problems...)

	// 2.1.1 bagit.txt
	if b, ok := inv.Tags["bagit.txt"]; !ok {
		add("bagit.txt", CheckDeclare, "the bag declaration bagit.txt is missing")
	} else {
		lines := splitLines(b)
		switch {
		case len(lines) != 2:
			add("bagit.txt", CheckDeclare, "must be exactly two lines, found %d", len(lines))
		case !versionRe.MatchString(lines[0]):
			add("bagit.txt", CheckDeclare, "first line must be \"BagIt-Version: M.N\", found %q", lines[0])
		case lines[1] != "Tag-File-Character-Encoding: UTF-8":
			add("bagit.txt", CheckDeclare, "second line must be \"Tag-File-Character-Encoding: UTF-8\", found %q", lines[1])
		}
	}

	for _, p := range inv.Order {
		e := inv.Files[p]
		if strings.HasPrefix(p, "data/") {
			res.Payload = append(res.Payload, e)
		} else {
			res.Tags = append(res.Tags, e)
		}
	}

	// 2.1.3 payload manifests, 2.2.1 tag manifests.
	type listed struct {
		digest string
		line   int
	}
	payloadMan := map[string]map[string]listed{} // alg → path → digest
	tagMan := map[string]map[string]listed{}
	names := make([]string, 0, len(inv.Tags))
	for n := range inv.Tags {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		isTag := false
		m := manifestRe.FindStringSubmatch(n)
		if m == nil {
			if m = tagManifestRe.FindStringSubmatch(n); m == nil {
				continue
			}
			isTag = true
		}
		alg := m[1]
		want, ok := algorithms[alg]
		if !ok {
			add(n, CheckManifest, "algorithm %q is not supported here (use sha256 or sha512)", alg)
			continue
		}
		entries := map[string]listed{}
		if isTag {
			tagMan[alg] = entries
		} else {
			payloadMan[alg] = entries
		}
		if !utf8.Valid(inv.Tags[n]) {
			add(n, CheckManifest, "not UTF-8")
			continue
		}
		for i, line := range splitLines(inv.Tags[n]) {
			ln := i + 1
			if strings.TrimSpace(line) == "" {
				continue
			}
			digest, rawPath, ok := strings.Cut(line, " ")
			if !ok {
				if digest, rawPath, ok = strings.Cut(line, "\t"); !ok {
					add(n, CheckManifest, "line %d is not \"<digest> <path>\"", ln)
					continue
				}
			}
			rawPath = strings.TrimLeft(rawPath, " \t")
			digest = strings.ToLower(digest)
			if len(digest) != want || strings.Trim(digest, "0123456789abcdef") != "" {
				add(n, CheckManifest, "line %d: %q is not a %s digest", ln, digest, alg)
				continue
			}
			p, err := DecodePath(rawPath)
			if err != nil {
				add(rawPath, CheckEncoding, "%s line %d: %v", n, ln, err)
				continue
			}
			if _, bad := cleanName(p); bad != "" || strings.HasPrefix(p, "./") || strings.HasSuffix(p, "/") {
				if bad == "" {
					bad = "the path is not clean"
				}
				add(p, CheckPath, "%s line %d: %s", n, ln, bad)
				continue
			}
			inPayload := strings.HasPrefix(p, "data/")
			switch {
			case !isTag && !inPayload:
				add(p, CheckManifest, "%s line %d: a payload manifest may list only files under data/", n, ln)
				continue
			case isTag && inPayload:
				add(p, CheckTagMan, "%s line %d: a tag manifest may not list payload files", n, ln)
				continue
			case isTag && tagManifestRe.MatchString(p):
				add(p, CheckTagMan, "%s line %d: a tag manifest may not list a tag manifest", n, ln)
				continue
			}
			if _, dup := entries[p]; dup {
				add(p, CheckManifest, "%s line %d: listed twice", n, ln)
				continue
			}
			entries[p] = listed{digest, ln}
		}
	}
	if len(payloadMan) == 0 {
		add("", CheckManifest, "no payload manifest (manifest-sha256.txt or manifest-sha512.txt)")
	}
	digestOf := func(e *Entry, alg string) string {
		if alg == "sha256" {
			return e.SHA256
		}
		return e.SHA512
	}
	check := func(man map[string]map[string]listed, manName func(string) string) {
		algs := make([]string, 0, len(man))
		for a := range man {
			algs = append(algs, a)
		}
		sort.Strings(algs)
		for _, alg := range algs {
			paths := make([]string, 0, len(man[alg]))
			for p := range man[alg] {
				paths = append(paths, p)
			}
			sort.Strings(paths)
			for _, p := range paths {
				l := man[alg][p]
				e, ok := inv.Files[p]
				if !ok {
					add(p, CheckMissing, "listed in %s line %d but not in the bag", manName(alg), l.line)
					continue
				}
				if got := digestOf(e, alg); got != l.digest {
					add(p, CheckDigest, "%s line %d says %s %s, the file's is %s", manName(alg), l.line, alg, l.digest, got)
				}
			}
		}
	}
	check(payloadMan, func(a string) string { return "manifest-" + a + ".txt" })
	check(tagMan, func(a string) string { return "tagmanifest-" + a + ".txt" })
	// Every payload file in every payload manifest (3: complete).
	algs := make([]string, 0, len(payloadMan))
	for a := range payloadMan {
		algs = append(algs, a)
	}
	sort.Strings(algs)
	var octets int64
	for _, e := range res.Payload {
		octets += e.Size
		if len(algs) == 0 {
			add(e.Path, CheckUnlisted, "payload file not listed in any payload manifest")
		}
		for _, alg := range algs {
			if _, ok := payloadMan[alg][e.Path]; !ok {
				add(e.Path, CheckUnlisted, "payload file not listed in manifest-%s.txt", alg)
			}
		}
	}

	// 2.2.2 bag-info.txt
	if b, ok := inv.Tags["bag-info.txt"]; ok {
		info, probs := parseInfo(b)
		res.Info = info
		res.Problems = append(res.Problems, probs...)
		if ox := info.Get("Payload-Oxum"); ox != "" {
			m := oxumRe.FindStringSubmatch(ox)
			if m == nil {
				add("bag-info.txt", CheckOxum, "Payload-Oxum %q is not <octets>.<files>", ox)
			} else if o, _ := strconv.ParseInt(m[1], 10, 64); o != octets || m[2] != strconv.Itoa(len(res.Payload)) {
				add("bag-info.txt", CheckOxum, "Payload-Oxum says %s, the payload is %d.%d", ox, octets, len(res.Payload))
			}
		}
	}
	for _, l := range required {
		if strings.TrimSpace(res.Info.Get(l)) == "" {
			add("bag-info.txt", CheckBagInfo, "the label %s is required", l)
		}
	}
	return res
}

// parseInfo reads label: value lines with continuation lines (2.2.2).
func parseInfo(b []byte) (Info, []Problem) {
	var info Info
	var probs []Problem
	if !utf8.Valid(b) {
		return nil, []Problem{{File: "bag-info.txt", Check: CheckBagInfo, Message: "not UTF-8"}}
	}
	for i, line := range splitLines(b) {
		if line == "" {
			continue
		}
		if line[0] == ' ' || line[0] == '\t' {
			if len(info) == 0 {
				probs = append(probs, Problem{File: "bag-info.txt", Check: CheckBagInfo, Message: fmt.Sprintf("line %d continues no label", i+1)})
				continue
			}
			info[len(info)-1].Value += " " + strings.TrimSpace(line)
			continue
		}
		label, value, ok := strings.Cut(line, ":")
		if !ok || strings.TrimSpace(label) == "" {
			probs = append(probs, Problem{File: "bag-info.txt", Check: CheckBagInfo, Message: fmt.Sprintf("line %d is not \"Label: value\"", i+1)})
			continue
		}
		info = append(info, struct{ Label, Value string }{strings.TrimSpace(label), strings.TrimSpace(value)})
	}
	return info, probs
}

// splitLines splits on LF, CRLF or CR (RFC 8493 2.1: any of the three ends
// a line) and drops a final empty line.
func splitLines(b []byte) []string {
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	s := strings.ReplaceAll(string(b), "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	s = strings.TrimSuffix(s, "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// DecodePath undoes a manifest path's percent-encoding: %25, %0A and %0D
// (either case) are the only escapes RFC 8493 2.1.3 defines, and a bare %
// is an error because a % must always be encoded.
func DecodePath(s string) (string, error) {
	if !strings.Contains(s, "%") {
		return s, nil
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '%' {
			b.WriteByte(s[i])
			continue
		}
		if i+2 >= len(s) {
			return "", fmt.Errorf("a %% at byte %d is not encoded as %%25", i)
		}
		switch strings.ToUpper(s[i+1 : i+3]) {
		case "25":
			b.WriteByte('%')
		case "0A":
			b.WriteByte('\n')
		case "0D":
			b.WriteByte('\r')
		default:
			return "", fmt.Errorf("a %% at byte %d is not encoded as %%25 (only %%25, %%0A and %%0D are escapes)", i)
		}
		i += 2
	}
	return b.String(), nil
}

// EncodePath percent-encodes %, LF and CR for a manifest line.
func EncodePath(s string) string {
	return strings.NewReplacer("%", "%25", "\n", "%0A", "\r", "%0D").Replace(s)
}
