package oaipmh

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"sync"
	"time"
)

// Config describes the repository.
type Config struct {
	RepositoryName string   // Identify's repositoryName
	RepositoryID   string   // the namespace part of identifiers, e.g. "ecinema.kz"
	BaseURL        string   // absolute URL of the endpoint; derived from the request when empty
	AdminEmails    []string // at least one; "archive@ecinema.kz" when empty
	PageSize       int      // records per list response; 100 when zero
	// Earliest is Identify's earliestDatestamp when no source reports one.
	Earliest time.Time
	Now      func() time.Time
	Logger   *slog.Logger
}

// Provider serves OAI-PMH 2.0 over the registered sources. It is an
// http.Handler for GET and POST.
type Provider struct {
	cfg     Config
	mu      sync.RWMutex
	sources []Source
}

// New returns a provider with no sources.
func New(cfg Config) *Provider {
	if cfg.RepositoryName == "" {
		cfg.RepositoryName = "ecinema culture repository"
	}
	if cfg.RepositoryID == "" {
		cfg.RepositoryID = "ecinema.kz"
	}
	if len(cfg.AdminEmails) == 0 {
		cfg.AdminEmails = []string{"archive@ecinema.kz"}
	}
	if cfg.PageSize <= 0 {
		cfg.PageSize = 100
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Earliest.IsZero() {
		cfg.Earliest = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	return &Provider{cfg: cfg}
}

// Register adds a source. Sources are harvested in registration order;
// register them once at wiring time.
func (p *Provider) Register(s Source) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.sources = append(p.sources, s)
}

// Identifier builds oai:<RepositoryID>:<module>:<local>.
func (p *Provider) Identifier(module, local string) string {
	return IdentifierPrefix(p.cfg.RepositoryID, module) + local
}

// IdentifierPrefix is "oai:<repositoryID>:<module>:", for sources that are
// built before the provider.
func IdentifierPrefix(repositoryID, module string) string {
	if repositoryID == "" {
		repositoryID = "ecinema.kz"
	}
	return "oai:" + repositoryID + ":" + module + ":"
}

func (p *Provider) list() []Source {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return append([]Source(nil), p.sources...)
}

// Error codes of the protocol (section 3.6).
const (
	codeBadArgument       = "badArgument"
	codeBadResumption     = "badResumptionToken"
	codeBadVerb           = "badVerb"
	codeCannotDisseminate = "cannotDisseminateFormat"
	codeIDDoesNotExist    = "idDoesNotExist"
	codeNoRecords         = "noRecordsMatch"
	codeNoFormats         = "noMetadataFormats"
	codeNoSets            = "noSetHierarchy"
)

type oaiError struct{ code, msg string }

func (e *oaiError) Error() string { return e.code + ": " + e.msg }

func errf(code, format string, a ...any) *oaiError {
	return &oaiError{code: code, msg: fmt.Sprintf(format, a...)}
}

// allowed arguments per verb: required, optional, exclusive (resumptionToken).
var verbs = map[string]struct{ required, optional []string }{
	"Identify":            {},
	"ListMetadataFormats": {optional: []string{"identifier"}},
	"ListSets":            {optional: []string{"resumptionToken"}},
	"GetRecord":           {required: []string{"identifier", "metadataPrefix"}},
	"ListIdentifiers":     {required: []string{"metadataPrefix"}, optional: []string{"from", "until", "set", "resumptionToken"}},
	"ListRecords":         {required: []string{"metadataPrefix"}, optional: []string{"from", "until", "set", "resumptionToken"}},
}

// ServeHTTP answers one protocol request.
func (p *Provider) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var args url.Values
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		args = r.URL.Query()
	case http.MethodPost:
		ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if ct != "application/x-www-form-urlencoded" {
			http.Error(w, "OAI-PMH POST requests are application/x-www-form-urlencoded", http.StatusUnsupportedMediaType)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
		if err := r.ParseForm(); err != nil {
			http.Error(w, "bad form body", http.StatusBadRequest)
			return
		}
		args = r.PostForm
	default:
		w.Header().Set("Allow", "GET, POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	base := p.cfg.BaseURL
	if base == "" {
		scheme := "http"
		if r.TLS != nil {
			scheme = "https"
		}
		base = scheme + "://" + r.Host + r.URL.Path
	}
	body, err := p.respond(r.Context(), args, base)
	if err != nil {
		p.cfg.Logger.ErrorContext(r.Context(), "oai-pmh request failed", "err", err)
		w.Header().Set("Retry-After", "60")
		http.Error(w, "the repository could not answer; try again later", http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	w.Write(body)
}

// respond computes the XML answer to a request with arguments args at
// baseURL; ServeHTTP is a thin shell around it. An error means a source
// failed (not a protocol error, which is part of the answer).
func (p *Provider) respond(ctx context.Context, args url.Values, baseURL string) ([]byte, error) {
	ctx = context.WithValue(ctx, baseURLKey{}, baseURL)
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	b.WriteString(`<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" ` +
		`xsi:schemaLocation="http://www.openarchives.org/OAI/2.0/ http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd">` + "\n")
	b.WriteString("<responseDate>" + stamp(p.cfg.Now()) + "</responseDate>\n")

	verb, err := checkArgs(args)
	var body bytes.Buffer
	if err == nil {
		err = p.dispatch(ctx, verb, args, baseURL, &body)
	}
	var oe *oaiError
	if err != nil && !errors.As(err, &oe) {
		// A source failed: that is no protocol answer (a harvester would
		// take noRecordsMatch for the truth), so the caller answers 503.
		return nil, fmt.Errorf("oaipmh: %s: %w", verb, err)
	}
	// The request element repeats the arguments unless they were bad.
	b.WriteString("<request")
	if oe == nil || (oe.code != codeBadVerb && oe.code != codeBadArgument) {
		if echoable(args) {
			keys := make([]string, 0, len(args))
			for k := range args {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				b.WriteString(" " + k + `="`)
				escapeAttr(&b, args.Get(k))
				b.WriteString(`"`)
			}
		}
	}
	b.WriteString(">")
	xml.EscapeText(&b, []byte(baseURL))
	b.WriteString("</request>\n")
	if oe != nil {
		b.WriteString(`<error code="` + oe.code + `">`)
		xml.EscapeText(&b, []byte(oe.msg))
		b.WriteString("</error>\n")
	} else {
		b.Write(body.Bytes())
	}
	b.WriteString("</OAI-PMH>\n")
	return b.Bytes(), nil
}

var (
	prefixRe  = regexp.MustCompile(`^[A-Za-z0-9\-_.!~*'()]+$`)
	setSpecRe = regexp.MustCompile(`^[A-Za-z0-9\-_.!~*'()]+(:[A-Za-z0-9\-_.!~*'()]+)*$`)
)

// echoable reports whether every argument fits its attribute's type in
// OAI-PMH.xsd, so repeating them keeps the response valid.
func echoable(args url.Values) bool {
	for k, v := range args {
		s := v[0]
		switch k {
		case "metadataPrefix":
			if !prefixRe.MatchString(s) {
				return false
			}
		case "set":
			if !setSpecRe.MatchString(s) {
				return false
			}
		case "from", "until":
			if _, _, err := parseDate(s); err != nil {
				return false
			}
		case "identifier":
			if _, err := url.Parse(s); err != nil || s == "" {
				return false
			}
		}
	}
	return true
}

func checkArgs(args url.Values) (string, error) {
	vs := args["verb"]
	if len(vs) == 0 {
		return "", errf(codeBadVerb, "the verb argument is missing")
	}
	if len(vs) > 1 {
		return "", errf(codeBadVerb, "the verb argument is repeated")
	}
	verb := vs[0]
	spec, ok := verbs[verb]
	if !ok {
		return "", errf(codeBadVerb, "%q is not an OAI-PMH verb", verb)
	}
	known := map[string]bool{"verb": true}
	for _, a := range spec.required {
		known[a] = true
	}
	for _, a := range spec.optional {
		known[a] = true
	}
	for k, v := range args {
		if !known[k] {
			return verb, errf(codeBadArgument, "%s does not take the argument %q", verb, k)
		}
		if len(v) > 1 {
			return verb, errf(codeBadArgument, "the argument %q is repeated", k)
		}
		if v[0] == "" {
			return verb, errf(codeBadArgument, "the argument %q is empty", k)
		}
	}
	if _, ok := args["resumptionToken"]; ok {
		if len(args) != 2 {
			return verb, errf(codeBadArgument, "resumptionToken is an exclusive argument")
		}
		return verb, nil
	}
	for _, a := range spec.required {
		if _, ok := args[a]; !ok {
			return verb, errf(codeBadArgument, "%s requires the argument %q", verb, a)
		}
	}
	return verb, nil
}

func (p *Provider) dispatch(ctx context.Context, verb string, args url.Values, baseURL string, w *bytes.Buffer) error {
	switch verb {
	case "Identify":
		return p.identify(ctx, baseURL, w)
	case "ListMetadataFormats":
		return p.listFormats(ctx, args.Get("identifier"), w)
	case "ListSets":
		return p.listSets(ctx, args.Get("resumptionToken"), w)
	case "GetRecord":
		return p.getRecord(ctx, args.Get("identifier"), args.Get("metadataPrefix"), w)
	default:
		return p.listRecords(ctx, verb, args, w)
	}
}

func (p *Provider) identify(ctx context.Context, baseURL string, w *bytes.Buffer) error {
	earliest := time.Time{}
	for _, s := range p.list() {
		if es, ok := s.(EarliestSource); ok {
			t, ok, err := es.Earliest(ctx)
			if err != nil {
				return err
			}
			if ok && (earliest.IsZero() || t.Before(earliest)) {
				earliest = t
			}
		}
	}
	if earliest.IsZero() || p.cfg.Earliest.Before(earliest) {
		earliest = p.cfg.Earliest
	}
	w.WriteString("<Identify><repositoryName>")
	xml.EscapeText(w, []byte(p.cfg.RepositoryName))
	w.WriteString("</repositoryName><baseURL>")
	xml.EscapeText(w, []byte(baseURL))
	w.WriteString("</baseURL><protocolVersion>2.0</protocolVersion>")
	for _, e := range p.cfg.AdminEmails {
		w.WriteString("<adminEmail>")
		xml.EscapeText(w, []byte(e))
		w.WriteString("</adminEmail>")
	}
	w.WriteString("<earliestDatestamp>" + stamp(earliest) + "</earliestDatestamp>")
	w.WriteString("<deletedRecord>persistent</deletedRecord><granularity>YYYY-MM-DDThh:mm:ssZ</granularity></Identify>\n")
	return nil
}

func (p *Provider) formats() []Format {
	seen := map[string]bool{}
	var fs []Format
	for _, s := range p.list() {
		for _, f := range s.Formats() {
			if !seen[f.Prefix] {
				seen[f.Prefix] = true
				fs = append(fs, f)
			}
		}
	}
	return fs
}

// find returns the source holding identifier and its header.
func (p *Provider) find(ctx context.Context, id, prefix string) (Source, Record, error) {
	for _, s := range p.list() {
		rec, err := s.Get(ctx, id, prefix)
		if errors.Is(err, ErrIDDoesNotExist) {
			continue
		}
		return s, rec, err
	}
	return nil, Record{}, errf(codeIDDoesNotExist, "no item has the identifier %q", id)
}

func (p *Provider) listFormats(ctx context.Context, id string, w *bytes.Buffer) error {
	fs := p.formats()
	if id != "" {
		s, _, err := p.find(ctx, id, "")
		if err != nil {
			return err
		}
		fs = s.Formats()
	}
	if len(fs) == 0 {
		return errf(codeNoFormats, "no metadata formats are available")
	}
	w.WriteString("<ListMetadataFormats>")
	for _, f := range fs {
		w.WriteString("<metadataFormat><metadataPrefix>")
		xml.EscapeText(w, []byte(f.Prefix))
		w.WriteString("</metadataPrefix><schema>")
		xml.EscapeText(w, []byte(f.Schema))
		w.WriteString("</schema><metadataNamespace>")
		xml.EscapeText(w, []byte(f.Namespace))
		w.WriteString("</metadataNamespace></metadataFormat>")
	}
	w.WriteString("</ListMetadataFormats>\n")
	return nil
}

func (p *Provider) allSets(ctx context.Context) ([]Set, error) {
	var sets []Set
	for _, s := range p.list() {
		ss, err := s.Sets(ctx)
		if err != nil {
			return nil, err
		}
		sets = append(sets, ss...)
	}
	return sets, nil
}

func (p *Provider) listSets(ctx context.Context, token string, w *bytes.Buffer) error {
	if token != "" {
		// Every set list is answered whole, so no token was ever issued.
		return errf(codeBadResumption, "this repository issues no resumption tokens for ListSets")
	}
	sets, err := p.allSets(ctx)
	if err != nil {
		return err
	}
	if len(sets) == 0 {
		return errf(codeNoSets, "the repository has no sets")
	}
	w.WriteString("<ListSets>")
	for _, s := range sets {
		w.WriteString("<set><setSpec>")
		xml.EscapeText(w, []byte(s.Spec))
		w.WriteString("</setSpec><setName>")
		xml.EscapeText(w, []byte(s.Name))
		w.WriteString("</setName></set>")
	}
	w.WriteString("</ListSets>\n")
	return nil
}

func (p *Provider) getRecord(ctx context.Context, id, prefix string, w *bytes.Buffer) error {
	if !prefixRe.MatchString(prefix) {
		return errf(codeCannotDisseminate, "the metadataPrefix %q is not supported", prefix)
	}
	_, rec, err := p.find(ctx, id, prefix)
	if errors.Is(err, ErrCannotDisseminateFormat) {
		return errf(codeCannotDisseminate, "the item %q is not available as %q", id, prefix)
	}
	if err != nil {
		return err
	}
	w.WriteString("<GetRecord>")
	writeRecord(w, rec)
	w.WriteString("</GetRecord>\n")
	return nil
}

// token is the state a resumptionToken carries.
type token struct {
	Verb   string `json:"v"`
	Prefix string `json:"p"`
	Set    string `json:"s,omitempty"`
	From   int64  `json:"f,omitempty"` // unix seconds; 0 open
	Before int64  `json:"b,omitempty"`
	Source int    `json:"i"`
	Cursor string `json:"c,omitempty"`
	Sent   int    `json:"n"`
	Total  int    `json:"t"`
}

func (t token) encode() string {
	j, _ := json.Marshal(t)
	return base64.RawURLEncoding.EncodeToString(j)
}

func decodeToken(s string) (token, error) {
	var t token
	j, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || json.Unmarshal(j, &t) != nil || t.Sent < 0 || t.Total <= 0 || t.Sent >= t.Total || t.Source < 0 ||
		!tokenTime(t.From) || !tokenTime(t.Before) {
		return token{}, errf(codeBadResumption, "the resumptionToken is not one this repository issued")
	}
	return t, nil
}

// tokenTime reports whether a token's from or before (unix seconds, 0 for
// an open side) is one parseDate can have given: years 0000 to 9999, and
// the day after for an until. Anything else was edited by the harvester.
func tokenTime(sec int64) bool {
	return sec >= minTokenTime && sec <= maxTokenTime
}

var (
	minTokenTime = time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	maxTokenTime = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
)

func (p *Provider) listRecords(ctx context.Context, verb string, args url.Values, w *bytes.Buffer) error {
	var t token
	first := true
	if s := args.Get("resumptionToken"); s != "" {
		var err error
		if t, err = decodeToken(s); err != nil {
			return err
		}
		if t.Verb != verb {
			return errf(codeBadResumption, "the resumptionToken belongs to %s", t.Verb)
		}
		first = false
	} else {
		t = token{Verb: verb, Prefix: args.Get("metadataPrefix"), Set: args.Get("set")}
		var fromG, untilG string
		if s := args.Get("from"); s != "" {
			from, g, err := parseDate(s)
			if err != nil {
				return err
			}
			t.From, fromG = from.Unix(), g
		}
		if s := args.Get("until"); s != "" {
			until, g, err := parseDate(s)
			if err != nil {
				return err
			}
			untilG = g
			if g == "day" {
				t.Before = until.AddDate(0, 0, 1).Unix()
			} else {
				t.Before = until.Add(time.Second).Unix()
			}
		}
		if fromG != "" && untilG != "" {
			if fromG != untilG {
				return errf(codeBadArgument, "from and until must have the same granularity")
			}
			if t.From >= t.Before {
				return errf(codeBadArgument, "from is later than until")
			}
		}
		if !prefixRe.MatchString(t.Prefix) {
			return errf(codeCannotDisseminate, "the metadataPrefix %q is not supported", t.Prefix)
		}
		if t.Set != "" && !setSpecRe.MatchString(t.Set) {
			return errf(codeBadArgument, "%q is not a setSpec", t.Set)
		}
		ok := false
		for _, f := range p.formats() {
			ok = ok || f.Prefix == t.Prefix
		}
		if !ok {
			return errf(codeCannotDisseminate, "the metadataPrefix %q is not supported", t.Prefix)
		}
		if t.Set != "" {
			sets, err := p.allSets(ctx)
			if err != nil {
				return err
			}
			if len(sets) == 0 {
				return errf(codeNoSets, "the repository has no sets")
			}
		}
	}
	sources := p.list()
	if t.Source > len(sources) {
		return errf(codeBadResumption, "the resumptionToken is not one this repository issued")
	}
	q := Query{Prefix: t.Prefix, Set: t.Set, HeadersOnly: verb == "ListIdentifiers"}
	if t.From != 0 {
		q.From = time.Unix(t.From, 0).UTC()
	}
	if t.Before != 0 {
		q.Before = time.Unix(t.Before, 0).UTC()
	}
	var recs []Record
	total := t.Total
	if first {
		total = 0 // a first request starts at source 0 and counts every source once
	}
	next := token{Verb: t.Verb, Prefix: t.Prefix, Set: t.Set, From: t.From, Before: t.Before, Source: -1}
	for i := t.Source; i < len(sources); i++ {
		full := len(recs) >= p.cfg.PageSize
		if full && next.Source >= 0 && !first {
			break
		}
		q.Cursor, q.Limit = "", p.cfg.PageSize-len(recs)
		if i == t.Source {
			q.Cursor = t.Cursor
		}
		pg, err := sources[i].List(ctx, q)
		if err != nil {
			return err
		}
		if first {
			total += pg.Total
		}
		if q.Limit == 0 {
			// The page is full: find where the list goes on.
			if next.Source < 0 && pg.Total > 0 {
				next.Source, next.Cursor = i, ""
			}
			continue
		}
		if len(pg.Records) > q.Limit {
			pg.Records = pg.Records[:q.Limit]
		}
		recs = append(recs, pg.Records...)
		if pg.Next != "" && next.Source < 0 {
			next.Source, next.Cursor = i, pg.Next
		}
	}
	if len(recs) == 0 {
		return errf(codeNoRecords, "no records match the request")
	}
	w.WriteString("<" + verb + ">")
	for _, r := range recs {
		if verb == "ListIdentifiers" {
			writeHeader(w, r.Header)
		} else {
			writeRecord(w, r)
		}
	}
	sent := t.Sent + len(recs)
	switch {
	case next.Source >= 0:
		next.Sent, next.Total = sent, max(total, sent+1) // records may be added during a harvest
		fmt.Fprintf(w, `<resumptionToken completeListSize="%d" cursor="%d">%s</resumptionToken>`, next.Total, t.Sent, next.encode())
	case !first:
		// The last page of a resumed list: an empty token closes it.
		fmt.Fprintf(w, `<resumptionToken completeListSize="%d" cursor="%d"></resumptionToken>`, sent, t.Sent)
	}
	w.WriteString("</" + verb + ">\n")
	return nil
}

func writeHeader(w *bytes.Buffer, h Header) {
	if h.Deleted {
		w.WriteString(`<header status="deleted">`)
	} else {
		w.WriteString("<header>")
	}
	w.WriteString("<identifier>")
	xml.EscapeText(w, []byte(h.Identifier))
	w.WriteString("</identifier><datestamp>" + stamp(h.Datestamp) + "</datestamp>")
	for _, s := range h.Sets {
		w.WriteString("<setSpec>")
		xml.EscapeText(w, []byte(s))
		w.WriteString("</setSpec>")
	}
	w.WriteString("</header>")
}

func writeRecord(w *bytes.Buffer, r Record) {
	w.WriteString("<record>")
	writeHeader(w, r.Header)
	if !r.Deleted && len(r.Metadata) > 0 {
		w.WriteString("<metadata>")
		w.Write(r.Metadata)
		w.WriteString("</metadata>")
	}
	w.WriteString("</record>")
}

// stamp writes t at seconds granularity in UTC.
func stamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }

// parseDate reads a from/until argument: YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ.
func parseDate(s string) (time.Time, string, error) {
	switch len(s) {
	case len("2006-01-02"):
		t, err := time.Parse("2006-01-02", s)
		if err == nil {
			return t, "day", nil
		}
	case len("2006-01-02T15:04:05Z"):
		t, err := time.Parse("2006-01-02T15:04:05Z", s)
		if err == nil && s[len(s)-1] == 'Z' {
			return t, "second", nil
		}
	}
	return time.Time{}, "", errf(codeBadArgument, "%q is not a UTC date YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ", s)
}

func escapeAttr(b *bytes.Buffer, s string) {
	xml.EscapeText(b, []byte(s)) // escapes & < > " ' and control characters
}

type baseURLKey struct{}

// BaseURL returns, inside a Source's methods, the absolute URL of the
// endpoint the request is answered at, so that a source can write absolute
// links of the same site into its records ("" outside a request).
func BaseURL(ctx context.Context) string {
	s, _ := ctx.Value(baseURLKey{}).(string)
	return s
}
